//! Native throughput of the engine on one CSV file.
//!
//!     cargo run --quiet --release --example native_bench -- <file.csv> [runs]
//!
//! Reads the file into memory, then times `runs` passes (default 5, after one
//! warm-up) of the whole engine: a new `Ingest`, the bytes written in 64 KiB
//! chunks with every batch drained after each write, `finish`, and a last drain.
//! File I/O is outside the timing. MB = 1e6 bytes of the file.
//!
//! Prints, one per line, `native_mb_s` (from the best pass), `native_median_mb_s`, `native_cpu_ms`
//! (the median pass's CPU time, 64-bit Linux only), `native_best_ms`, `native_rows`,
//! `native_events`, `native_rejected`, `native_batches` and `native_body_bytes`;
//! `bench/bench.mjs` reads them.

use std::hint::black_box;
use std::process::exit;
use std::time::{Duration, Instant};

use csv2segment::{Ingest, Options};

const CHUNK: usize = 64 * 1024;

#[derive(Default, Clone, Copy)]
struct Pass {
    rows: u64,
    events: u64,
    rejected: u64,
    batch_events: u64,
    batches: u64,
    body_bytes: u64,
}

fn die(what: &str, err: impl std::fmt::Debug) -> ! {
    eprintln!("native_bench: {what}: {err:?}");
    exit(1);
}

/// Takes every batch that is ready, touching its body as a sender would.
fn drain(ing: &mut Ingest, out: &mut Pass) {
    while let Some(batch) = ing.next_batch() {
        out.batches += 1;
        out.body_bytes += batch.body.len() as u64;
        out.batch_events += batch.events as u64;
        black_box(&batch);
        // As the hosts' binding does once a body is copied out.
        ing.recycle(batch.body);
    }
}

/// This thread's CPU time so far in ns (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, which std
/// does not expose; Linux on 64-bit targets only), or `None`.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn thread_cpu_ns() -> Option<u64> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec (two i64 fields on 64-bit Linux) for the call.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn thread_cpu_ns() -> Option<u64> {
    None
}

fn pass(data: &[u8]) -> Pass {
    let mut out = Pass::default();
    let mut ing = Ingest::new(
        "track_bench.csv",
        "bench://track_bench.csv",
        Options::default(),
    )
    .unwrap_or_else(|e| die("Ingest::new", e));
    for chunk in data.chunks(CHUNK) {
        ing.write(chunk).unwrap_or_else(|e| die("write", e));
        drain(&mut ing, &mut out);
    }
    ing.finish().unwrap_or_else(|e| die("finish", e));
    drain(&mut ing, &mut out);
    let report = ing.report();
    out.rows = report.rows;
    out.events = report.events;
    out.rejected = report.rejected;
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: native_bench <file.csv> [runs]");
        exit(2);
    };
    let runs: u32 = match args.next() {
        None => 5,
        Some(s) => match s.parse() {
            Ok(n) if n > 0 => n,
            _ => die("runs must be a positive integer", s),
        },
    };
    let data = std::fs::read(&path).unwrap_or_else(|e| die(&path, e));

    let first = pass(&data); // warm-up
    let mut times: Vec<Duration> = Vec::with_capacity(runs as usize);
    let mut cpu: Vec<u64> = Vec::with_capacity(runs as usize);
    for _ in 0..runs {
        let c0 = thread_cpu_ns();
        let t0 = Instant::now();
        let p = pass(black_box(&data));
        times.push(t0.elapsed());
        if let (Some(a), Some(b)) = (c0, thread_cpu_ns()) {
            cpu.push(b.saturating_sub(a));
        }
        black_box(p);
    }
    times.sort_unstable();
    cpu.sort_unstable();
    let best = times[0];
    // The median too, to set beside the wasm figures, which are medians.
    let median = times[times.len() / 2];

    let secs = best.as_secs_f64();
    let mb = data.len() as f64 / 1e6;
    println!("native_file_mb: {mb:.2}");
    println!("native_runs: {runs}");
    println!("native_best_ms: {:.2}", secs * 1e3);
    println!("native_rows: {}", first.rows);
    println!("native_events: {}", first.events);
    println!("native_rejected: {}", first.rejected);
    println!("native_batches: {}", first.batches);
    println!("native_batch_events: {}", first.batch_events);
    println!("native_body_bytes: {}", first.body_bytes);
    println!("native_mb_s: {:.2}", mb / secs);
    println!("native_median_mb_s: {:.2}", mb / median.as_secs_f64());
    // The median pass's CPU time, which the machine's other work moves far less than wall time:
    // bench.mjs sets it beside the wasm runs' CPU times (Linux only; absent elsewhere).
    if let Some(ns) = cpu.get(cpu.len() / 2) {
        println!("native_cpu_ms: {:.2}", *ns as f64 / 1e6);
    }
}
