//! A workbook read in the byte ranges the engine asks for (`WorkbookIngest`): the same rows,
//! payloads and report whatever the chunks, only the parts it needs read, ranges the host gets
//! wrong refused, and a run suspended at any row and resumed giving exactly a single run's
//! events, ids and rejections.

mod common;
#[path = "support/xlsx.rs"]
mod xlsx;

use common::shared_workbook;
use csv2segment::{ByteRange, Options, Position, WorkbookIngest};

fn options(mapping: &str, samples: usize) -> Options {
    Options {
        mapping: Some(mapping.to_string()),
        sample_payloads: samples,
        ..Options::default()
    }
}

/// What a run gave: each event's body text, the report's counts, rejections, the ranges asked.
#[derive(Debug, Default, PartialEq)]
struct Run {
    bodies: Vec<String>,
    counts: (u64, u64, u64),
    rejections: Vec<String>,
    samples: Vec<String>,
    ranges: Vec<ByteRange>,
    error: Option<String>,
}

/// Reads `file` as the engine asks, writing each range in chunks of `chunk` bytes.
fn run(file: &[u8], key: &str, o: Options, chunk: usize) -> Run {
    let mut ing = WorkbookIngest::new(key, "test", o, file.len() as u64).unwrap();
    let mut out = Run::default();
    let take = |ing: &mut WorkbookIngest, out: &mut Run| {
        while let Some(b) = ing.next_batch() {
            out.bodies
                .push(String::from_utf8_lossy(&b.body).into_owned());
        }
    };
    'read: while let Some(r) = ing.wants() {
        out.ranges.push(r);
        for c in file[r.start as usize..r.end as usize].chunks(chunk) {
            if ing.write(c).is_err() {
                break 'read;
            }
            take(&mut ing, &mut out);
        }
    }
    let _ = ing.finish();
    take(&mut ing, &mut out);
    let report = ing.report();
    out.counts = (report.rows, report.events, report.rejected);
    out.rejections = report.rejections.iter().map(|r| r.to_string()).collect();
    out.samples = ing.samples().to_vec();
    out.error = report.error;
    out
}

const MOCK: &str = r#"{"files":[{"match":"*","call":"identify","columns":{"id":"userId","first_name":"traits.firstName","email":"traits.email"}}]}"#;

/// One byte at a time, a few, or whole ranges: the same bodies and report.
#[test]
fn any_chunks_give_the_same_run() {
    let cc = r#"{"files":[{"match":"*","call":"track","columns":{"Date":"timestamp","Card_Member":"userId","Reference":"messageId","Amount":"properties.amount"},"set":{"event":"Card"},"unmapped":"drop"}]}"#;
    for (file, mapping) in [("MOCK_DATA.xlsx", MOCK), ("CC_Summaries.xlsx", cc)] {
        let bytes = shared_workbook(file);
        let whole = run(&bytes, "x.xlsx", options(mapping, 3), usize::MAX);
        assert_eq!(whole.error, None, "{file}");
        assert!(whole.counts.1 > 200, "{file}: {:?}", whole.counts);
        for chunk in [1, 7, 1000, 65_536] {
            let r = run(&bytes, "x.xlsx", options(mapping, 3), chunk);
            assert_eq!(r, whole, "{file} in chunks of {chunk}");
        }
    }
}

/// A workbook of 1.6 MB, mostly images: the engine asks for its tail, its four small parts,
/// the shared strings and the sheet, 77 KB in all, each range once.
#[test]
fn only_the_parts_read_are_asked_for() {
    let bytes = shared_workbook("mens_line_sheet_1904.xlsx");
    let mapping = r#"{"files":[{"match":"*","call":"track","set":{"event":"Arrived","anonymousId":"c"},"unmapped":"drop"}]}"#;
    let r = run(&bytes, "men.xlsx", options(mapping, 0), usize::MAX);
    assert_eq!(r.error, None);
    // Row 14's note right of the table (I14) is left out, its row sent.
    assert_eq!(r.counts, (43, 43, 0));
    let asked: Vec<(u64, u64, bool)> = r
        .ranges
        .iter()
        .map(|r| (r.start, r.end, r.stream))
        .collect();
    let size = bytes.len() as u64;
    // The tail first: the directory is in it.
    assert_eq!(asked[0], (size - 65_557, size, false));
    let total: u64 = r.ranges.iter().map(|r| r.end - r.start).sum();
    assert!(total < 80_000, "{total} bytes asked: {asked:?}");
    let streams: Vec<_> = asked.iter().filter(|r| r.2).collect();
    assert_eq!(streams.len(), 2, "{asked:?}");
    let mut sorted = asked.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), asked.len(), "a range asked twice: {asked:?}");
}

/// A workbook under 64 KB is read in one range: its tail is the whole file.
#[test]
fn a_small_workbook_is_one_read() {
    let bytes = shared_workbook("MOCK_DATA.xlsx");
    let r = run(&bytes, "identify_m.xlsx", options(MOCK, 0), usize::MAX);
    let size = bytes.len() as u64;
    assert_eq!(
        r.ranges,
        [ByteRange {
            start: 0,
            end: size,
            stream: false
        }]
    );
    assert_eq!(r.counts, (1000, 1000, 0));
}

/// A range written in part is asked for again from where it stopped; bytes past it, or a range
/// not given at all, are errors that say so.
#[test]
fn ranges_written_short_or_long() {
    let bytes = xlsx::one_sheet("S", 20_000, |n| match n {
        1 => vec!["userId".into(), "traits.n".into()],
        n => vec![format!("user{n}"), format!("{}", n * 3)],
    });
    assert!(bytes.len() > 100_000, "{}", bytes.len());
    let key = "identify_big.xlsx";
    let mut ing = WorkbookIngest::new(key, "t", Options::default(), bytes.len() as u64).unwrap();
    let first = ing.wants().unwrap();
    assert_eq!((first.end, first.stream), (bytes.len() as u64, false));
    ing.write(&bytes[first.start as usize..first.start as usize + 10])
        .unwrap();
    assert_eq!(
        ing.wants(),
        Some(ByteRange {
            start: first.start + 10,
            end: first.end,
            stream: false
        })
    );
    // Too many bytes.
    let e = ing
        .write(&bytes[first.start as usize + 10..first.end as usize].repeat(2))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "the workbook's bytes were not read as the engine asked: {} bytes were given where {} were asked for (bytes {} to {}); read the file again (was it changed while it was read?)",
            2 * (first.end - first.start - 10),
            first.end - first.start - 10,
            first.start + 10,
            first.end
        )
    );
    assert_eq!(ing.report().error.as_deref(), Some(e.to_string().as_str()));
    assert!(ing.wants().is_none());

    // A finish before the bytes asked for are in.
    let mut ing = WorkbookIngest::new(key, "t", Options::default(), bytes.len() as u64).unwrap();
    let mut next = ing.wants().unwrap();
    while !next.stream {
        ing.write(&bytes[next.start as usize..next.end as usize])
            .unwrap();
        next = ing.wants().unwrap();
    }
    // Half the sheet.
    let half = next.start + (next.end - next.start) / 2;
    ing.write(&bytes[next.start as usize..half as usize])
        .unwrap();
    while ing.next_batch().is_some() {}
    let e = ing.finish().unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("the workbook's bytes were not read as the engine asked: the bytes {} to {} were asked for and not given; read the file again (was it changed while it was read?)", half, next.end)
    );

    // The wrong bytes for a range (another part's): the part is not where it should be.
    let mut ing = WorkbookIngest::new(key, "t", Options::default(), bytes.len() as u64).unwrap();
    let r = ing.wants().unwrap();
    ing.write(&bytes[r.start as usize..r.end as usize]).unwrap();
    let mut e = None;
    while let Some(w) = ing.wants() {
        // Each range given from the file's first bytes instead (the first part's).
        let len = (w.end - w.start) as usize;
        if let Err(x) = ing.write(&bytes[..len]) {
            e = Some(x.to_string());
            break;
        }
    }
    assert_eq!(
        e.as_deref(),
        Some("the workbook cannot be read: the part xl/_rels/workbook.xml.rels is shorter than its directory entry says; open it in Excel and save it again")
    );
}

/// The events of a run cut into pieces, each suspended after `every` writes of `chunk` bytes
/// and the next resumed from the row it returned.
fn pieces(file: &[u8], key: &str, o: &Options, chunk: usize, every: &[usize]) -> (Run, usize) {
    let mut out = Run::default();
    let mut at = Position::START;
    let mut n = 0;
    loop {
        let mut ing =
            WorkbookIngest::resume(key, "test", o.clone(), file.len() as u64, at).unwrap();
        let limit = every[n % every.len()];
        n += 1;
        let mut writes = 0;
        let mut suspended = None;
        'read: while let Some(r) = ing.wants() {
            for c in file[r.start as usize..r.end as usize].chunks(chunk) {
                ing.write(c).unwrap();
                // Only some of the ready bodies are taken before a suspension: the rest come
                // after it, as a host out of time would take them.
                if let Some(b) = ing.next_batch() {
                    out.bodies
                        .push(String::from_utf8_lossy(&b.body).into_owned());
                }
                // Writes count once the piece reads past its place.
                if ing.position().offset > at.offset {
                    writes += 1;
                }
                if r.stream && writes >= limit {
                    suspended = Some(ing.suspend().unwrap());
                    break 'read;
                }
                while let Some(b) = ing.next_batch() {
                    out.bodies
                        .push(String::from_utf8_lossy(&b.body).into_owned());
                }
            }
        }
        if suspended.is_none() {
            ing.finish().unwrap();
        }
        while let Some(b) = ing.next_batch() {
            out.bodies
                .push(String::from_utf8_lossy(&b.body).into_owned());
        }
        let report = ing.report();
        out.counts.0 += report.rows;
        out.counts.1 += report.events;
        out.counts.2 += report.rejected;
        out.rejections
            .extend(report.rejections.iter().map(|r| r.to_string()));
        match suspended {
            Some(next) => {
                assert!(next.offset >= at.offset, "{next:?} after {at:?}");
                assert_eq!(next.offset, next.line);
                at = next;
            }
            None => return (out, n),
        }
    }
}

/// Every event of a body, as its JSON text.
fn events(bodies: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for b in bodies {
        let v: serde_json::Value = serde_json::from_str(b).unwrap();
        for e in v["batch"].as_array().unwrap() {
            out.push(e.to_string());
        }
    }
    out
}

/// A workbook run cut at many rows gives exactly the events (messageIds included), counts and
/// rejections of a single run: each piece reads the sheet again from its start and passes over
/// the rows before its place.
#[test]
fn a_resumed_run_gives_a_single_runs_events() {
    let rows = 3_000;
    let file = xlsx::sheet_of("Data", rows, false, |n| match n {
        1 => vec!["userId".into(), "event".into(), "properties.n".into()],
        // Some rows are rejected (no event), some blank.
        n if n % 97 == 0 => vec![format!("u{n}"), String::new(), n.to_string()],
        n if n % 89 == 0 => vec![],
        n => vec![format!("u{n}"), "Viewed".into(), n.to_string()],
    });
    let key = "track_views.xlsx";
    let o = Options {
        max_batch_events: 50,
        ..Options::default()
    };
    let single = run(&file, key, o.clone(), 4096);
    assert_eq!(single.error, None);
    assert!(
        single.ranges.iter().any(|r| r.stream),
        "{:?}",
        single.ranges
    );
    let single_events = events(&single.bodies);
    assert_eq!(single.counts, (2_966, 2_936, 30));
    assert_eq!(single_events.len(), 2_936);
    assert_eq!(
        single.rejections[0],
        "line 97, column 2 (event): event is empty; every track call needs one"
    );
    for (chunk, every) in [
        (8192, vec![1, 2, 3]),
        (4096, vec![3, 1, 5]),
        (16_384, vec![1]),
    ] {
        let (cut, pieces) = pieces(&file, key, &o, chunk, &every);
        assert!(pieces > 5, "{pieces} pieces with chunks of {chunk}");
        assert_eq!(
            events(&cut.bodies),
            single_events,
            "chunks of {chunk}, every {every:?}"
        );
        assert_eq!(cut.counts, single.counts);
        assert_eq!(cut.rejections, single.rejections);
    }
}

/// A piece resumed at a row reads the header again and starts there: ids as a single run's.
#[test]
fn a_piece_resumed_at_a_row() {
    let file = xlsx::one_sheet("S", 10, |n| match n {
        1 => vec!["userId".into(), "event".into()],
        n => vec![format!("u{n}"), "E".into()],
    });
    let o = Options::default();
    let whole = run(&file, "track_x.xlsx", o.clone(), 100);
    let mut ing = WorkbookIngest::resume(
        "track_x.xlsx",
        "test",
        o,
        file.len() as u64,
        Position { offset: 8, line: 8 },
    )
    .unwrap();
    while let Some(r) = ing.wants() {
        ing.write(&file[r.start as usize..r.end as usize]).unwrap();
    }
    ing.finish().unwrap();
    let b = ing.next_batch().unwrap();
    assert_eq!((b.events, b.first_line, b.last_line), (3, 8, 10));
    let all = events(&whole.bodies);
    assert_eq!(events(&[String::from_utf8(b.body).unwrap()]), all[6..]);
    assert_eq!(
        ing.position(),
        Position {
            offset: 11,
            line: 11
        }
    );
}

/// A workbook of three sheets: a summary, the orders, notes.
fn three_sheets() -> Vec<u8> {
    let mut zip = xlsx::Zip::default();
    xlsx::package(&mut zip, &["Summary", "Orders", "Notes"], false);
    let summary = xlsx::sheet(2, |n| match n {
        1 => xlsx::row(1, &["userId", "event"]),
        _ => xlsx::row(2, &["total", "Summed"]),
    });
    let orders = xlsx::sheet(3, |n| match n {
        1 => xlsx::row(1, &["userId", "event", "properties.total"]),
        n => xlsx::row(n, &[&format!("u{n}"), "Order Completed", "12.5"]),
    });
    let notes = xlsx::sheet(1, |_| xlsx::row(1, &["nothing here"]));
    zip.add("xl/worksheets/sheet1.xml", &summary, true);
    zip.add("xl/worksheets/sheet2.xml", &orders, true);
    zip.add("xl/worksheets/sheet3.xml", &notes, false);
    zip.finish()
}

/// The mapping's `sheet` picks a sheet by name (case ignored) or position; the first by
/// default; a sheet the workbook does not have is an error that lists its sheets.
#[test]
fn the_mappings_sheet() {
    let file = three_sheets();
    let with = |sheet: &str| {
        let mapping = format!(r#"{{"files":[{{"match":"*.xlsx","call":"track"{sheet}}}]}}"#);
        let v = csv2segment::validate_workbook(&file, "orders.xlsx", "t", options(&mapping, 1));
        (v.sheet, v.report.events, v.report.error, v.samples)
    };
    let first = with("");
    assert_eq!(
        (first.0.as_deref(), first.1, &first.2),
        (Some("Summary"), 1, &None)
    );
    for sheet in [
        r#","sheet":"Orders""#,
        r#","sheet":"oRDERS""#,
        r#","sheet":2"#,
    ] {
        let (name, events, error, samples) = with(sheet);
        assert_eq!(
            (name.as_deref(), events, error),
            (Some("Orders"), 2, None),
            "{sheet}"
        );
        assert!(samples[0].starts_with(r#"{"type":"track","userId":"u2","event":"Order Completed","properties":{"total":12.5}"#), "{}", samples[0]);
    }
    assert_eq!(
        with(r#","sheet":"Totals""#).2.as_deref(),
        Some(
            r#"the workbook has no sheet named "Totals"; its sheets are "Summary", "Orders", "Notes": set the mapping's sheet to one of their names or to a position from 1 to 3"#
        )
    );
    assert_eq!(
        with(r#","sheet":4"#).2.as_deref(),
        Some(
            r#"the workbook has no sheet at position 4; its sheets are "Summary", "Orders", "Notes": set the mapping's sheet to one of their names or to a position from 1 to 3"#
        )
    );
    // The mapping's own checks.
    for (sheet, says) in [
        (
            r#","sheet":0"#,
            "must be a sheet's position from 1 (the first sheet), like 2, or its name",
        ),
        (
            r#","sheet":1.5"#,
            "must be a sheet's position from 1 (the first sheet), like 2, or its name",
        ),
        (
            r#","sheet":"""#,
            r#"must be a sheet's name as its tab shows it (1 to 31 characters), like "Orders", or its position from 1, like 2"#,
        ),
        (
            r#","sheet":["Orders"]"#,
            r#"must be a sheet's name as its tab shows it (1 to 31 characters), like "Orders", or its position from 1, like 2"#,
        ),
    ] {
        let error = with(sheet).2.unwrap_or_default();
        assert!(
            error.contains(&format!("files[0].sheet: {says}")),
            "{sheet}: {error}"
        );
    }
}
