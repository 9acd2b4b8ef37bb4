//! The whole engine over one file, many times, for a profiler (`perf record`, a flamegraph).
//!
//!     cargo run --release --example profile_engine -- <file.csv> [passes] [mapping.json]
//!
//! As examples/native_bench.rs runs it (64 KiB chunks, every batch drained), but under the
//! file's own name, with the mapping given read from a file, and no timing: the point is a
//! profile of where each row's time goes, on the bench's plain and mapped files alike.

use std::hint::black_box;
use std::path::Path;
use std::process::exit;

use csv2segment::{Ingest, Options};

fn die(what: &str, err: impl std::fmt::Debug) -> ! {
    eprintln!("profile_engine: {what}: {err:?}");
    exit(1);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: profile_engine <file.csv> [passes] [mapping.json]");
        exit(2);
    };
    let passes: u32 = args
        .next()
        .map_or(Ok(20), |s| s.parse())
        .unwrap_or_else(|e| die("passes", e));
    let mapping = args
        .next()
        .map(|m| std::fs::read_to_string(&m).unwrap_or_else(|e| die(&m, e)));
    let data = std::fs::read(&path).unwrap_or_else(|e| die(&path, e));
    let name = Path::new(&path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file.csv");
    let mut events = 0u64;
    for _ in 0..passes {
        let options = Options {
            mapping: mapping.clone(),
            ..Options::default()
        };
        let mut ing = Ingest::new(name, &format!("bench://{name}"), options)
            .unwrap_or_else(|e| die("Ingest::new", e));
        for chunk in data.chunks(64 * 1024) {
            ing.write(chunk).unwrap_or_else(|e| die("write", e));
            while let Some(b) = ing.next_batch() {
                black_box(&b);
                ing.recycle(b.body);
            }
        }
        ing.finish().unwrap_or_else(|e| die("finish", e));
        while let Some(b) = ing.next_batch() {
            black_box(&b);
            ing.recycle(b.body);
        }
        events += ing.report().events;
    }
    println!("{events} events");
}
