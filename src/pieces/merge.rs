//! Combines the reports of a file's pieces (continuations, shards) into the report of the whole file.
//!
//! A host that runs one file in several invocations stores each piece's report where the others
//! can read it (a part). A part says which bytes its rows started in; a run is complete when
//! the parts, followed from offset 0, reach the one that read to the end of the file. Pieces
//! that ran twice (a redelivered continuation) leave parts with the same start: any of them
//! will do, as each covers the same rows. Parts are the reports as the hosts store them (JSON),
//! so this works on JSON values.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::report::{write_rejects_header, write_rejects_row};

/// Counts that add up over pieces.
const SUMS: [&str; 5] = ["rows", "events", "rejected", "batches", "payloadBytes"];

/// Which parts (their indexes), in file order, make the whole run, or `None` while one is missing.
///
/// Each part is `{"start": {"offset", "line"}, "end": {"offset", "line"}, "last": bool,
/// "report": {...}}`; `last` is set by the piece that read to the end of the file. Several parts
/// may start at one offset (a piece that ran twice and stopped at different rows, or one that
/// died before handing on): any that leads on to the end will do, and one that leads nowhere is
/// passed over.
pub fn chain(parts: &[Value]) -> Option<Vec<usize>> {
    let offset = |p: &Value, at: &str| p.get(at)?.get("offset")?.as_u64();
    let last = |p: &Value| p.get("last").and_then(Value::as_bool) == Some(true);
    let mut starting: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, p) in parts.iter().enumerate() {
        if let Some(start) = offset(p, "start") {
            starting.entry(start).or_default().push(i);
        }
    }
    // From the end of the file back: the part to take at each offset from which the end can be
    // reached (ends lie after starts, so what lies after is known first). The latest part wins.
    let mut next: HashMap<u64, usize> = HashMap::new();
    for (&start, ids) in starting.iter().rev() {
        let leads_on = |&i: &usize| {
            last(&parts[i])
                || offset(&parts[i], "end")
                    .is_some_and(|end| end > start && next.contains_key(&end))
        };
        if let Some(&i) = ids.iter().rev().find(|i| leads_on(i)) {
            next.insert(start, i);
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let &i = next.get(&at)?;
        out.push(i);
        if last(&parts[i]) {
            return Some(out);
        }
        at = offset(&parts[i], "end")?;
    }
}

/// The report of the whole file from its pieces' (see [`chain`]), keeping at most
/// `max_rejections` rejections; `None` while a piece is missing.
pub fn combine(parts: &[Value], max_rejections: usize) -> Option<Value> {
    let chain: Vec<&Value> = chain(parts)?.into_iter().map(|i| &parts[i]).collect();
    let reports: Vec<&Map<String, Value>> = chain
        .iter()
        .map(|p| p.get("report").and_then(Value::as_object))
        .collect::<Option<_>>()?;
    let mut whole = reports.first()?.to_owned().clone();
    for name in SUMS {
        let total: u64 = reports
            .iter()
            .filter_map(|r| r.get(name).and_then(Value::as_u64))
            .sum();
        whole.insert(name.into(), total.into());
    }
    let size = chain
        .last()
        .and_then(|p| p.get("end")?.get("offset")?.as_u64())
        .unwrap_or(0);
    whole.insert("inputBytes".into(), size.into());
    let rejections: Vec<Value> = reports
        .iter()
        .filter_map(|r| r.get("rejections").and_then(Value::as_array))
        .flatten()
        .take(max_rejections)
        .cloned()
        .collect();
    whole.insert("rejections".into(), rejections.into());
    let error = reports
        .iter()
        .find_map(|r| r.get("error").filter(|e| !e.is_null()))
        .cloned()
        .unwrap_or(Value::Null);
    whole.insert("error".into(), error);
    // The pieces before the last stopped on purpose; the file is read when the last one was.
    let finished = reports
        .last()
        .and_then(|r| r.get("finished"))
        .and_then(Value::as_bool)
        == Some(true);
    whole.insert("finished".into(), finished.into());
    Some(Value::Object(whole))
}

/// The rejects CSV of a combined report (see [`crate::Report::rejects_csv`]); `None` if no row
/// was rejected. Rows are as the parts stored them, as text.
pub fn rejects_csv(report: &Value, header: &[u8], delimiter: u8) -> Option<Vec<u8>> {
    let rejections = report.get("rejections")?.as_array()?;
    if rejections.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    write_rejects_header(&mut out, header, delimiter);
    for r in rejections {
        let text = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
        write_rejects_row(&mut out, text("row").as_bytes(), text("message"), delimiter);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn part(start: u64, end: u64, last: bool, rows: u64, rejections: Value) -> Value {
        json!({
            "start": {"offset": start, "line": 1},
            "end": {"offset": end, "line": 1},
            "last": last,
            "report": {"file": {"name": "track_x.csv"}, "rows": rows, "events": rows, "rejected": 0,
                "batches": 1, "payloadBytes": 10, "inputBytes": end - start,
                "rejections": rejections, "error": null, "finished": true},
        })
    }

    #[test]
    fn combines_a_complete_chain_in_file_order() {
        let parts = [
            part(
                50,
                90,
                true,
                3,
                json!([{"line": 9, "row": "c", "message": "m3"}]),
            ),
            part(
                0,
                20,
                false,
                1,
                json!([{"line": 2, "row": "a", "message": "m1"}]),
            ),
            part(
                20,
                50,
                false,
                2,
                json!([{"line": 5, "row": "b", "message": "m2"}]),
            ),
        ];
        let whole = combine(&parts, 2).unwrap();
        assert_eq!(whole["rows"], 6);
        assert_eq!(whole["batches"], 3);
        assert_eq!(whole["inputBytes"], 90);
        assert_eq!(whole["rejections"].as_array().unwrap().len(), 2);
        assert_eq!(whole["rejections"][0]["line"], 2);
        let csv = rejects_csv(&whole, b"h", b',').unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "h,csv2segment_error\na,\"m1\"\nb,\"m2\"\n"
        );
    }

    #[test]
    fn waits_for_missing_pieces() {
        let parts = [
            part(0, 20, false, 1, json!([])),
            part(50, 90, true, 1, json!([])),
        ];
        assert!(combine(&parts, 10).is_none());
        assert!(combine(&[], 10).is_none());
    }

    #[test]
    fn a_piece_that_died_before_handing_on_is_passed_over() {
        // The piece at 20 ran three times: once it died after storing [20, 70) (nothing goes
        // on from 70), twice it handed on. The chain takes a part that leads to the end.
        let parts = [
            part(0, 20, false, 1, json!([])),
            part(20, 40, false, 2, json!([])),
            part(20, 50, false, 3, json!([])),
            part(20, 70, false, 9, json!([])),
            part(40, 90, true, 5, json!([])),
            part(50, 90, true, 4, json!([])),
        ];
        assert_eq!(chain(&parts), Some(vec![0, 2, 5]));
        assert_eq!(combine(&parts, 10).unwrap()["rows"], 8);
        // Without any way on from 20, the run is not complete.
        assert_eq!(chain(&parts[..4]), None);
    }

    #[test]
    fn a_piece_run_twice_counts_once() {
        // The same continuation ran twice and stopped at different rows: either chain will do.
        let parts = [
            part(0, 20, false, 1, json!([])),
            part(20, 40, false, 2, json!([])),
            part(20, 60, false, 4, json!([])),
            part(40, 90, true, 5, json!([])),
            part(60, 90, true, 3, json!([])),
        ];
        assert_eq!(combine(&parts, 10).unwrap()["rows"], 8);
    }
}
