//! Rows per second of the engine on a workbook, beside the same rows as a CSV.
//!
//!     cargo run --quiet --release --example xlsx_bench -- <rows.xlsx> <rows.csv> [runs]
//!
//! Both files hold the same rows (bench/generate-xlsx.mjs writes the workbook of the CSV
//! bench/generate.mjs writes). Times `runs` passes (default 5, after one warm-up) of each, in
//! turns: the workbook through `validate_workbook` (its bytes whole in memory: unzip, the sheet
//! inflated and parsed a row at a time, every batch made), the CSV through an `Ingest` written
//! in 64 KiB chunks with every batch drained. File I/O is outside the timing.
//!
//! Prints `xlsx_rows`, `xlsx_events`, `xlsx_rejected`, `xlsx_best_ms`, `xlsx_rows_s`,
//! `csv_best_ms`, `csv_rows_s`, `xlsx_vs_csv` and `xlsx_same_payloads` (the first payloads of
//! the two, their messageIds aside, are equal: `yes` or `no`); `bench/xlsx.mjs` reads them.

use std::hint::black_box;
use std::process::exit;
use std::time::{Duration, Instant};

use csv2segment::{validate_workbook, Ingest, Options};

const CHUNK: usize = 64 * 1024;
const SAMPLES: usize = 5;

fn die(what: &str, err: impl std::fmt::Debug) -> ! {
    eprintln!("xlsx_bench: {what}: {err:?}");
    exit(1);
}

/// The workbook: (rows, events, rejected, first payloads).
fn xlsx_pass(data: &[u8]) -> (u64, u64, u64, Vec<String>) {
    let options = Options {
        sample_payloads: SAMPLES,
        ..Options::default()
    };
    let v = validate_workbook(
        data,
        "track_bench.xlsx",
        "bench://track_bench.xlsx",
        options,
    );
    if let Some(e) = v.report.error {
        die("validate_workbook", e);
    }
    (v.report.rows, v.report.events, v.report.rejected, v.samples)
}

/// The CSV: (rows, events, rejected, first payloads).
fn csv_pass(data: &[u8]) -> (u64, u64, u64, Vec<String>) {
    let options = Options {
        sample_payloads: SAMPLES,
        ..Options::default()
    };
    let mut ing = Ingest::new("track_bench.csv", "bench://track_bench.csv", options)
        .unwrap_or_else(|e| die("Ingest::new", e));
    for chunk in data.chunks(CHUNK) {
        ing.write(chunk).unwrap_or_else(|e| die("write", e));
        while let Some(b) = ing.next_batch() {
            black_box(b);
        }
    }
    ing.finish().unwrap_or_else(|e| die("finish", e));
    while let Some(b) = ing.next_batch() {
        black_box(b);
    }
    let r = ing.report();
    (r.rows, r.events, r.rejected, ing.samples().to_vec())
}

/// A payload without its messageId (a CSV's comes from the row's byte offset, a workbook's
/// from its row number).
fn without_id(p: &str) -> String {
    match p.find(r#","messageId":""#) {
        Some(at) => format!("{}{}", &p[..at], &p[at + 50..]),
        None => p.to_string(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(xlsx), Some(csv)) = (args.first(), args.get(1)) else {
        eprintln!("usage: xlsx_bench <rows.xlsx> <rows.csv> [runs]");
        exit(2);
    };
    let runs: u32 = match args.get(2) {
        None => 5,
        Some(s) => match s.parse() {
            Ok(n) if n > 0 => n,
            _ => die("runs must be a positive integer", s),
        },
    };
    let book = std::fs::read(xlsx).unwrap_or_else(|e| die(xlsx, e));
    let text = std::fs::read(csv).unwrap_or_else(|e| die(csv, e));

    let first = xlsx_pass(&book); // warm-ups
    let plain = csv_pass(&text);
    let (mut best_x, mut best_c) = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        let t0 = Instant::now();
        black_box(xlsx_pass(black_box(&book)));
        best_x = best_x.min(t0.elapsed());
        let t0 = Instant::now();
        black_box(csv_pass(black_box(&text)));
        best_c = best_c.min(t0.elapsed());
    }
    let same = first.3.len() == plain.3.len()
        && first
            .3
            .iter()
            .zip(&plain.3)
            .all(|(a, b)| without_id(a) == without_id(b));
    let rows = first.0 as f64;
    let (x, c) = (best_x.as_secs_f64(), best_c.as_secs_f64());
    println!("xlsx_file_mb: {:.2}", book.len() as f64 / 1e6);
    println!("xlsx_runs: {runs}");
    println!("xlsx_rows: {}", first.0);
    println!("xlsx_events: {}", first.1);
    println!("xlsx_rejected: {}", first.2);
    println!("xlsx_best_ms: {:.2}", x * 1e3);
    println!("xlsx_rows_s: {:.0}", rows / x);
    println!("csv_rows: {}", plain.0);
    println!("csv_best_ms: {:.2}", c * 1e3);
    println!("csv_rows_s: {:.0}", plain.0 as f64 / c);
    println!("xlsx_vs_csv: {:.3}", (rows / x) / (plain.0 as f64 / c));
    println!("xlsx_same_payloads: {}", if same { "yes" } else { "no" });
}
