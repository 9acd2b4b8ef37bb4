//! Native throughput of the engine on one CSV file.
//!
//!     cargo run --quiet --release --example native_bench -- <file.csv> [runs]
//!
//! Reads the file into memory, then times `runs` passes (default 5, after one
//! warm-up) of the whole engine: a new `Ingest`, the bytes written in 64 KiB
//! chunks with every batch drained after each write, `finish`, and a last drain.
//! File I/O is outside the timing. MB = 1e6 bytes of the file.
//!
//! Prints, one per line, `native_mb_s`, `native_best_ms`, `native_rows`,
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
    }
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
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let t0 = Instant::now();
        let p = pass(black_box(&data));
        let dt = t0.elapsed();
        black_box(p);
        best = best.min(dt);
    }

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
}
