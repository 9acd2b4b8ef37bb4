//! Combines the reports of a file's pieces (continuations, shards) into the report of the whole file.
//!
//! A host that runs one file in several invocations stores each piece's report where the others
//! can read it (a [`Part`]). A part says which bytes its rows started in; a run is complete when
//! the parts, followed from offset 0, reach the one that read to the end of the file. Pieces
//! that ran twice (a redelivered continuation) leave parts with the same start: any of them
//! will do, as each covers the same rows. Parts are stored as JSON: [`Part`] and
//! [`PartReport`] read them, and a [`PartReport`] is also the combined report, with the same JSON.

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::base::position::Position;
use crate::map::file_plan::FilePlan;
use crate::options::Options;
use crate::report::error::Error;
use crate::report::{write_rejects_header, write_rejects_row, GroupNotes};

/// One piece of a file run in several pieces, as the host stores it (`{"start", "end", "last",
/// "report"}`; other keys the host keeps there, like its delivery, are not read).
// Its schema (the TypeScript `Part`) is what a host writes; reading is lenient, as the types say.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
pub struct Part {
    /// Where the piece's first row starts; a part without it is passed over.
    #[schemars(with = "Position")]
    pub start: Option<Offset>,
    /// Where the next piece goes on (after the piece's last row).
    #[schemars(with = "Position")]
    pub end: Option<Offset>,
    /// This piece read to the end of the file.
    #[serde(default)]
    pub last: bool,
    /// The piece's report (`chain` does without it, `combine` needs it).
    #[schemars(with = "crate::Report")]
    pub report: Option<PartReport>,
}

/// A place in the file, by its byte offset (a part's `start` or `end`; their `line` is not read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Offset {
    /// Bytes before it.
    pub offset: u64,
}

/// A piece's report as its part stores it (the engine's [`crate::Report`] as JSON), and the
/// combined report of the whole file. The counts add up over pieces; the rejections, the error
/// and `finished` combine; the file, columns, header errors and mapping are the first piece's.
/// The fields are in the order of the combined report's JSON (by name).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PartReport {
    /// Cells read without Excel's apostrophe (the report's `apostrophesRemoved`).
    pub apostrophes_removed: u64,
    /// Request bodies made.
    pub batches: u64,
    /// How each column is used (the report's `columns`), as stored.
    pub columns: Value,
    /// The error that stopped the piece, if one did.
    pub error: Option<String>,
    /// Rows that became events (or objects).
    pub events: u64,
    /// What the file name says (the report's `file`), as stored.
    pub file: Value,
    /// Whether the piece (for the combined report: the file) was read to its end.
    pub finished: bool,
    /// The header's problems (the report's `headerErrors`), as stored.
    pub header_errors: Value,
    /// Later rows of groups whose order-level cell differed (the report's `groupConflicts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_conflicts: Option<GroupNotes>,
    /// Rows sent inside the event of their group's first row (the report's `groupedRows`).
    #[serde(skip_serializing_if = "is_zero")]
    pub grouped_rows: u64,
    /// Bytes read; for the combined report, the file's size.
    pub input_bytes: u64,
    /// The mapping the file was read through (the report's `mapping`), as stored.
    pub mapping: Value,
    /// Bytes of the events, without batch framing.
    pub payload_bytes: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// The rejected rows kept.
    pub rejections: Vec<StoredRejection>,
    /// Data rows read.
    pub rows: u64,
    /// Groups whose cell came back after other rows (the report's `splitGroups`); each piece
    /// notices those within it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_groups: Option<GroupNotes>,
    /// Rejected groups not listed whole in `rejections` (the report's `unlistedGroups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlisted_groups: Option<GroupNotes>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl PartReport {
    /// The delimiter the pieces read with (the mapping's, or the one guessed from the header),
    /// as the first piece's report stored it in `file`.
    pub fn delimiter(&self) -> Option<u8> {
        let d = self.file.get("delimiter")?.as_str()?.as_bytes();
        match d {
            [b] => Some(*b),
            _ => None,
        }
    }
}

/// The whole file's report from its pieces', and the rejects CSV.
// `C` is the CSV as the host takes it (the binding's is a Uint8Array, or undefined for none).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Combined<C = Option<Vec<u8>>> {
    /// The whole file's report.
    #[schemars(with = "crate::Report")]
    pub report: PartReport,
    /// The rejected rows of all pieces (up to maxRejections), with their reasons; undefined if none.
    #[schemars(schema_with = "csv_or_none")]
    pub rejects_csv: C,
}

fn csv_or_none(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "x-typescript": "Uint8Array | undefined" })
}

/// The whole file `key`'s report from its pieces' `parts` (see [`combine`]) and the CSV of its
/// rejected rows, or `None` while a piece is missing. `head` is the file's header record (with
/// a mapping's `skip`, the file's head up to it, as [`crate::Ingest::header`] gives it);
/// `options` are the pieces' (their mapping and `max_rejections`).
///
/// The rejects CSV is written with the delimiter the pieces read with, else the one the key
/// and the mapping give. Fails as [`FileSpec::for_file`] does for a key no piece could run.
pub fn combine_file(
    key: &str,
    head: &[u8],
    parts: &[Part],
    options: &Options,
) -> Result<Option<Combined>, Error> {
    let file = FilePlan::resolve(key, options)?;
    let Some(report) = combine(parts, options.max_rejections) else {
        return Ok(None);
    };
    let delimiter = report.delimiter().unwrap_or(file.spec.delimiter);
    // With a preamble, `head` is the file's head: the rejects CSV takes its header record.
    let header = file.header_record(head, delimiter);
    let rejects_csv = rejects_csv(&report, &header, delimiter);
    Ok(Some(Combined {
        report,
        rejects_csv,
    }))
}

/// A rejected row as a report stores it (see [`crate::Rejection`]), fields by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredRejection {
    /// The 1-based column at fault, if one is.
    pub column: Option<u64>,
    /// That column's header.
    pub field: Option<String>,
    /// The 1-based line where the row starts.
    pub line: u64,
    /// The line, column and reason, as one message.
    pub message: String,
    /// The row's byte offset in the file.
    pub offset: u64,
    /// Why, with the fix.
    pub reason: String,
    /// The row as it stands in the file.
    pub row: String,
    /// For a row of a group, the line of the group's first row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<u64>,
}

/// Which parts (their indexes), in file order, make the whole run, or `None` while one is missing.
///
/// `last` is set by the piece that read to the end of the file. Several parts may start at one
/// offset (a piece that ran twice and stopped at different rows, or one that died before
/// handing on): any that leads on to the end will do, and one that leads nowhere is passed over.
pub fn chain(parts: &[Part]) -> Option<Vec<usize>> {
    let end = |p: &Part| p.end.map(|e| e.offset);
    let mut starting: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, p) in parts.iter().enumerate() {
        if let Some(start) = p.start {
            starting.entry(start.offset).or_default().push(i);
        }
    }
    // From the end of the file back: the part to take at each offset from which the end can be
    // reached (ends lie after starts, so what lies after is known first). The latest part wins.
    let mut next: HashMap<u64, usize> = HashMap::new();
    for (&start, ids) in starting.iter().rev() {
        let leads_on = |&i: &usize| {
            parts[i].last || end(&parts[i]).is_some_and(|e| e > start && next.contains_key(&e))
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
        if parts[i].last {
            return Some(out);
        }
        at = end(&parts[i])?;
    }
}

/// The report of the whole file from its pieces' (see [`chain`]), keeping at most
/// `max_rejections` rejections; `None` while a piece (or a chained piece's report) is missing.
///
/// ```rust
/// use csv2segment::merge::{combine, rejects_csv, Part};
///
/// // Two pieces of track_x.csv as a host stored them: rows from byte 13 to 30, then to the end.
/// let parts: Vec<Part> = serde_json::from_str(r#"[
///   {"start": {"offset": 30, "line": 4}, "end": {"offset": 45, "line": 5}, "last": true,
///    "report": {"rows": 1, "events": 0, "rejected": 1, "batches": 0, "payloadBytes": 0,
///               "rejections": [{"line": 4, "row": "x", "message": "line 4: no event"}],
///               "error": null, "finished": true}},
///   {"start": {"offset": 0, "line": 1}, "end": {"offset": 30, "line": 4}, "last": false,
///    "report": {"rows": 2, "events": 2, "rejected": 0, "batches": 1, "payloadBytes": 300,
///               "rejections": [], "error": null, "finished": false}}
/// ]"#).unwrap();
///
/// let whole = combine(&parts, 1000).unwrap();
/// assert_eq!((whole.rows, whole.events, whole.rejected), (3, 2, 1));
/// assert_eq!(whole.input_bytes, 45); // the last piece's end
/// assert!(whole.finished);
/// let csv = rejects_csv(&whole, b"userId,event", b',').unwrap();
/// assert_eq!(csv, b"userId,event,csv2segment_error\nx,\"line 4: no event\"\n");
///
/// // Without the last piece, the file is not complete yet.
/// assert!(combine(&parts[1..], 1000).is_none());
/// ```
pub fn combine(parts: &[Part], max_rejections: usize) -> Option<PartReport> {
    let chain: Vec<&Part> = chain(parts)?.into_iter().map(|i| &parts[i]).collect();
    let reports: Vec<&PartReport> = chain
        .iter()
        .map(|p| p.report.as_ref())
        .collect::<Option<_>>()?;
    let first = *reports.first()?;
    let sum = |count: fn(&PartReport) -> u64| reports.iter().map(|r| count(r)).sum();
    Some(PartReport {
        batches: sum(|r| r.batches),
        events: sum(|r| r.events),
        rejected: sum(|r| r.rejected),
        rows: sum(|r| r.rows),
        payload_bytes: sum(|r| r.payload_bytes),
        apostrophes_removed: sum(|r| r.apostrophes_removed),
        grouped_rows: sum(|r| r.grouped_rows),
        group_conflicts: GroupNotes::combine(reports.iter().map(|r| &r.group_conflicts)),
        split_groups: GroupNotes::combine(reports.iter().map(|r| &r.split_groups)),
        unlisted_groups: GroupNotes::combine(reports.iter().map(|r| &r.unlisted_groups)),
        input_bytes: chain.last()?.end.map_or(0, |e| e.offset),
        rejections: first_rejections(reports.iter().flat_map(|r| &r.rejections), max_rejections),
        error: reports.iter().find_map(|r| r.error.clone()),
        // The pieces before the last stopped on purpose; the file is read when the last one was.
        finished: reports.last().is_some_and(|r| r.finished),
        ..first.clone()
    })
}

/// The first `max` rejections of the pieces, in file order, cut between groups: a group's rows
/// (a line-item export's order) are kept all together or not at all, so that a rejects file sent
/// again never sends part of an order.
fn first_rejections<'a>(
    all: impl Iterator<Item = &'a StoredRejection>,
    max: usize,
) -> Vec<StoredRejection> {
    let mut all = all.peekable();
    let mut kept: Vec<StoredRejection> = all.by_ref().take(max).cloned().collect();
    if let Some(next) = all.peek() {
        if let Some(group) = next.group {
            while kept.last().is_some_and(|r| r.group == Some(group)) {
                kept.pop();
            }
        }
    }
    kept
}

/// The rejects CSV of a combined report (see [`crate::Report::rejects_csv`]); `None` if no row
/// was rejected. Rows are as the parts stored them, as text.
pub fn rejects_csv(report: &PartReport, header: &[u8], delimiter: u8) -> Option<Vec<u8>> {
    if report.rejections.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    write_rejects_header(&mut out, header, delimiter);
    for r in &report.rejections {
        write_rejects_row(&mut out, r.row.as_bytes(), &r.message, delimiter);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // The tests read the combined report as JSON, as hosts do.
    fn combine(parts: &[Part], max_rejections: usize) -> Option<Value> {
        super::combine(parts, max_rejections).map(|r| serde_json::to_value(r).unwrap())
    }

    fn rejects_csv(report: &Value, header: &[u8], delimiter: u8) -> Option<Vec<u8>> {
        let report: PartReport = serde_json::from_value(report.clone()).unwrap();
        super::rejects_csv(&report, header, delimiter)
    }

    fn part(start: u64, end: u64, last: bool, rows: u64, rejections: Value) -> Part {
        serde_json::from_value(json!({
            "start": {"offset": start, "line": 1},
            "end": {"offset": end, "line": 1},
            "last": last,
            "report": {"file": {"name": "track_x.csv"}, "rows": rows, "events": rows, "rejected": 0,
                "batches": 1, "payloadBytes": 10, "inputBytes": end - start,
                "rejections": rejections, "error": null, "finished": true},
        }))
        .unwrap()
    }

    #[test]
    fn grouped_counts_and_notes_add_up_over_pieces() {
        let piece = |start: u64, end: u64, last: bool, grouped: u64, conflicts: Value| -> Part {
            serde_json::from_value(json!({
                "start": {"offset": start, "line": 1}, "end": {"offset": end, "line": 1},
                "last": last,
                "report": {"rows": 3, "events": 1, "rejected": 0, "groupedRows": grouped,
                    "groupConflicts": conflicts, "finished": true},
            }))
            .unwrap()
        };
        let first: Vec<String> = (0..8).map(|i| format!("a{i}")).collect();
        let parts = [
            piece(0, 10, false, 2, json!({"count": 8, "first": first})),
            piece(
                10,
                20,
                true,
                2,
                json!({"count": 3, "first": ["b0", "b1", "b2"]}),
            ),
        ];
        let whole = combine(&parts, 10).unwrap();
        assert_eq!(whole["groupedRows"], 4);
        assert_eq!(
            whole["groupConflicts"],
            json!({"count": 11, "first": ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "b0", "b1"]})
        );
        // A file without groups: no such keys.
        let plain = combine(&[part(0, 10, true, 1, json!([]))], 10).unwrap();
        assert!(plain.get("groupedRows").is_none() && plain.get("splitGroups").is_none());
    }

    #[test]
    fn the_rejections_kept_are_cut_between_groups() {
        let row = |line: u64, group: Option<u64>| json!({"line": line, "row": format!("r{line}"), "message": format!("m{line}"), "group": group});
        let parts = [
            part(0, 10, false, 3, json!([row(2, None), row(3, Some(3))])),
            part(
                10,
                20,
                true,
                3,
                json!([row(4, Some(3)), row(5, Some(3)), row(6, Some(6))]),
            ),
        ];
        let lines = |max: usize| -> Vec<u64> {
            combine(&parts, max).unwrap()["rejections"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["line"].as_u64().unwrap())
                .collect()
        };
        // The group from line 3 straddles the pieces: never kept in part.
        assert_eq!(lines(2), [2]);
        assert_eq!(lines(3), [2]);
        assert_eq!(lines(4), [2, 3, 4, 5]);
        assert_eq!(lines(5), [2, 3, 4, 5, 6]);
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
    fn a_real_report_keeps_its_json_through_combining() {
        // The engine's own report, stored as a host stores it, comes back with the same JSON
        // (but the file's size), its keys in the order the combined report always had (by name).
        let mut ing = crate::Ingest::new("track_x.csv", "id", crate::Options::default()).unwrap();
        ing.write(b"userId,event,n:number\n1,A,2\n2,,3\n3,B,x\n")
            .unwrap();
        ing.finish().unwrap();
        while ing.next_batch().is_some() {}
        let report = serde_json::to_value(ing.report()).unwrap();
        assert_eq!(report["rejected"], 2);
        let stored = json!({"start": {"offset": 0, "line": 1}, "end": {"offset": 99, "line": 5},
            "last": true, "report": report.clone(), "delivery": {"events": 1}});
        let whole = super::combine(&[serde_json::from_value(stored).unwrap()], 10).unwrap();
        let mut expected = report;
        expected["inputBytes"] = 99.into();
        assert_eq!(serde_json::to_value(&whole).unwrap(), expected);
        assert_eq!(
            serde_json::to_string(&whole).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }

    /// A whole run of `data` as one stored part, through `options`.
    fn stored_run(key: &str, options: &Options, data: &[u8]) -> (Part, Vec<u8>) {
        let mut ing = crate::Ingest::new(key, "id", options.clone()).unwrap();
        ing.write(data).unwrap();
        ing.finish().unwrap();
        while ing.next_batch().is_some() {}
        let head = ing.header().unwrap().to_vec();
        let stored = json!({"start": {"offset": 0, "line": 1},
            "end": {"offset": data.len(), "line": 4}, "last": true,
            "report": serde_json::to_value(ing.report()).unwrap()});
        (serde_json::from_value(stored).unwrap(), head)
    }

    #[test]
    fn a_file_is_combined_with_the_delimiter_its_pieces_read_and_its_header_record() {
        // The mapping leaves the delimiter to the header (`;` here) and skips a title row: the
        // rejects CSV takes the guessed delimiter from the stored report, and the header record
        // from the file's head.
        let options = Options {
            mapping: Some(
                r#"{"files": [{"match": "export*.csv", "call": "track", "skip": 1}]}"#.into(),
            ),
            ..Options::default()
        };
        let data = b"Orders export\nuserId;event\n1;\n2;Bought\n";
        let (run, head) = stored_run("export_may.csv", &options, data);
        assert_eq!(head, b"Orders export\nuserId;event");
        assert_eq!(run.report.as_ref().unwrap().delimiter(), Some(b';'));
        let whole = combine_file("export_may.csv", &head, &[run], &options)
            .unwrap()
            .unwrap();
        assert_eq!((whole.report.events, whole.report.rejected), (1, 1));
        assert_eq!(
            String::from_utf8(whole.rejects_csv.unwrap()).unwrap(),
            "userId;event;csv2segment_error\n1;;\"line 3, column 2 (event): event is empty; every track call needs one\"\n"
        );

        // A stored report without a file: the delimiter the key and the mapping give.
        let bare = part(
            0,
            9,
            true,
            1,
            json!([{"line": 2, "row": "x", "message": "m"}]),
        );
        let whole = combine_file("track_x.csv", b"userId", &[bare], &Options::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            whole.rejects_csv.unwrap(),
            b"userId,csv2segment_error\nx,\"m\"\n"
        );
        // Nothing to combine yet, and a key no piece could have run.
        let first = part(0, 9, false, 1, json!([]));
        assert!(
            combine_file("track_x.csv", b"userId", &[first], &Options::default())
                .unwrap()
                .is_none()
        );
        let refused = combine_file("x.csv", b"a", &[], &Options::default()).unwrap_err();
        assert!(refused
            .to_string()
            .starts_with("x.csv: the file name does not say which call to make"));
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
