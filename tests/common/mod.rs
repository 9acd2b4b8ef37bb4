//! What the integration tests share: running a file through the engine with a mapping and
//! collecting what it sends, and the draft's rule made into a mapping. One copy, so a test
//! file says only what it checks.

#![allow(dead_code)] // each test crate uses its own part of this module

pub mod pieces;

use csv2segment::{Draft, Ingest, Options, Report};
use serde_json::Value;

/// The identity (the object's key, eTag and such, that messageIds come from) of every run
/// here: a test that runs pieces of a file by hand gives its pieces the same.
pub const IDENTITY: &str = "tests";

/// Options that read the file through `mapping`, a whole `csv2segment.json`.
pub fn mapped(mapping: &str) -> Options {
    Options {
        mapping: Some(mapping.to_string()),
        ..Options::default()
    }
}

/// What one run gave: the report, every event sent in order, and why the engine stopped the
/// file when it did.
pub struct Run {
    pub report: Report,
    pub events: Vec<Value>,
    pub error: Option<String>,
    /// The rejects CSV (the rejected rows with their reasons), empty when none was rejected.
    pub rejects: String,
}

impl Run {
    /// The report and the events, or why the file was stopped (by the engine's call or in the
    /// report).
    pub fn done(mut self) -> Result<(Report, Vec<Value>), String> {
        match self.error.take().or_else(|| self.report.error.clone()) {
            Some(e) => Err(e),
            None => Ok((self.report, self.events)),
        }
    }
}

/// Runs `data`, given to the engine in pieces of `chunk` bytes (all at once for
/// `usize::MAX`), as the file `name` with `options`; batches are taken as they are ready, as a
/// host takes them.
pub fn run_with(name: &str, data: &[u8], options: Options, chunk: usize) -> Run {
    let mut ing = match Ingest::new(name, IDENTITY, options) {
        Ok(ing) => ing,
        Err(e) => {
            return Run {
                report: Report::default(),
                events: Vec::new(),
                error: Some(e.to_string()),
                rejects: String::new(),
            }
        }
    };
    let mut events = Vec::new();
    let mut take = |ing: &mut Ingest| {
        while let Some(b) = ing.next_batch() {
            let body: Value = serde_json::from_slice(&b.body).expect("a batch is JSON");
            events.extend(body["batch"].as_array().cloned().unwrap_or_default());
        }
    };
    let mut out = Ok(());
    for part in data.chunks(chunk.max(1)) {
        out = ing.write(part);
        take(&mut ing);
        if out.is_err() {
            break;
        }
    }
    if out.is_ok() {
        out = ing.finish();
    }
    take(&mut ing);
    Run {
        report: ing.report().clone(),
        events,
        error: out.err().map(|e| e.to_string()),
        rejects: ing
            .rejects_csv()
            .map(|c| String::from_utf8_lossy(&c).into_owned())
            .unwrap_or_default(),
    }
}

/// Runs `data` at once through `mapping`: the report and the events sent, or why the file was
/// stopped.
pub fn run(name: &str, data: &[u8], mapping: &str) -> Result<(Report, Vec<Value>), String> {
    run_with(name, data, mapped(mapping), usize::MAX).done()
}

/// The rejections of a run, as the report says them.
pub fn messages(report: &Report) -> Vec<String> {
    report.rejections.iter().map(|r| r.to_string()).collect()
}

/// A mapping of every `*.csv` to track calls of `event`, with these `columns` (JSON).
pub fn track_mapping(columns: &str, event: &str) -> String {
    format!(
        r#"{{"files": [{{"match": "*.csv", "call": "track", "columns": {columns}, "set": {{"event": "{event}"}}}}]}}"#
    )
}

/// The drafted rule as JSON.
pub fn rule(d: &Draft) -> Value {
    serde_json::from_str(&d.rule).expect("a drafted rule is JSON")
}

/// The draft's rule as a whole mapping, each blank it leaves (`"<fill in: …>"`) filled with
/// `fill` when given.
pub fn filled(d: &Draft, fill: Option<&str>) -> String {
    let mut rule = d.rule.clone();
    if let Some(f) = fill {
        while let Some(at) = rule.find("\"<fill in:") {
            let Some(end) = rule[at + 1..].find('"').map(|e| at + 1 + e) else {
                break;
            };
            rule.replace_range(at..=end, &format!("\"{f}\""));
        }
    }
    format!("{{\"files\": [{rule}]}}")
}

/// The rule, then a line per note: `kind path | message`.
pub fn show_draft(d: &Draft) -> String {
    let mut s = d.rule.clone();
    s.push('\n');
    for n in &d.notes {
        s.push_str(&format!("{:?} {} | {}\n", n.kind, n.path, n.message));
    }
    s
}

/// A real workbook of ../shared/workbooks, read from there (never copied).
pub fn shared_workbook(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/workbooks")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
