//! Property tests: no input panics the engine, and its counts and bodies are consistent.

mod common;

use common::pieces::{cover, events, file_of, split_suspended, Pieces};
use common::IDENTITY;
use csv2segment::{Ingest, Options};
use proptest::prelude::*;

/// Runs `data` through the engine in chunks of `chunk`; the bodies and the final report.
fn run(key: &str, data: &[u8], chunk: usize) -> (Vec<Vec<u8>>, csv2segment::Report) {
    run_with(key, data, chunk, Options::default())
}

/// [`run`] with `options`.
fn run_with(
    key: &str,
    data: &[u8],
    chunk: usize,
    options: Options,
) -> (Vec<Vec<u8>>, csv2segment::Report) {
    let mut ing = Ingest::new(key, IDENTITY, options).unwrap();
    let mut bodies = Vec::new();
    for part in data.chunks(chunk.max(1)) {
        if ing.write(part).is_err() {
            break;
        }
        bodies.extend(std::iter::from_fn(|| ing.next_batch()).map(|b| b.body));
    }
    let _ = ing.finish();
    bodies.extend(std::iter::from_fn(|| ing.next_batch()).map(|b| b.body));
    (bodies, ing.report().clone())
}

/// A header cell: spec fields, dotted paths, indexes, types, and junk.
fn header_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("userId".to_string()),
        Just("anonymousId".to_string()),
        Just("event".to_string()),
        Just("timestamp".to_string()),
        Just("messageId".to_string()),
        Just("id".to_string()),
        "(traits|properties|context|integrations)\\.[a-c]{1,2}(\\[[0-2]\\])?(\\.[a-c])?(:(string|number|integer|boolean|timestamp|json|bogus))?",
        "[a-z_.\\[\\]:0-9]{0,8}",
    ]
}

/// A cell: numbers, dates, booleans, JSON, quotes, newlines, non-ASCII.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "-?[0-9]{1,18}(\\.[0-9]{1,4})?",
        "(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9](T[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?(Z|[+-][01][0-9]:?[0-5][0-9])?)?",
        Just("true".to_string()),
        Just("{\"a\":[1,2]}".to_string()),
        "[ -~]{0,12}",
        "\\PC{0,6}",
        Just("a,b\n\"c\"\r\n".to_string()),
        "[\\x00-\\x1f\\\\\"a,]{0,10}",
    ]
}

fn csv_text(header: &[String], rows: &[Vec<String>], delimiter: u8) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(Vec::new());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

const KEYS: [&str; 8] = [
    "identify_p.csv",
    "track_p.csv",
    "page_p.csv",
    "screen_p.csv",
    "group_p.csv",
    "alias_p.csv",
    "object_things_p.csv",
    "track_p.tsv",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600), chunk in 1usize..64, k in 0usize..8) {
        let (bodies, report) = run(KEYS[k], &data, chunk);
        prop_assert_eq!(report.events + report.rejected, report.rows);
        for b in bodies {
            prop_assert!(serde_json::from_slice::<serde_json::Value>(&b).is_ok());
        }
    }

    #[test]
    fn random_csv_is_consistent_and_chunking_does_not_matter(
        header in proptest::collection::vec(header_cell(), 1..7),
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..8), 0..25),
        k in 0usize..8,
        d in 0usize..4,
        chunk in 1usize..40,
    ) {
        let key = KEYS[k];
        // Every delimiter a mapping may name, or the one the name gives.
        let delimiter = if key.ends_with(".tsv") { b'\t' } else { DELIMITERS[d] };
        let options = || Options {
            mapping: (delimiter != b',' && !key.ends_with(".tsv")).then(|| {
                format!(r#"{{"files": [{{"match": "*", "delimiter": {}}}]}}"#, serde_json::Value::from((delimiter as char).to_string()))
            }),
            ..Options::default()
        };
        let data = csv_text(&header, &rows, delimiter);
        let (whole, report) = run_with(key, &data, usize::MAX, options());
        let (chunked, report2) = run_with(key, &data, chunk, options());
        prop_assert_eq!(&report.file.as_ref().map(|f| f.delimiter), &Some(delimiter));
        prop_assert_eq!(&whole, &chunked);
        // After a header error the host stops writing, so only the bytes read so far count.
        let comparable = |r: &csv2segment::Report| {
            let mut v = serde_json::to_value(r).unwrap();
            if r.error.is_some() {
                v["inputBytes"] = serde_json::Value::Null;
            }
            v
        };
        prop_assert_eq!(comparable(&report), comparable(&report2));
        prop_assert_eq!(report.events + report.rejected, report.rows);
        let mut events = 0u64;
        for b in &whole {
            let v: serde_json::Value = serde_json::from_slice(b).unwrap();
            let list = v.get("batch").or_else(|| v.get("objects")).unwrap().as_array().unwrap();
            events += list.len() as u64;
            for e in list {
                // Every message carries what its call requires.
                if let Some(t) = e.get("type").and_then(|t| t.as_str()) {
                    prop_assert!(e.get("messageId").is_some());
                    if t != "alias" {
                        prop_assert!(e.get("userId").is_some() || e.get("anonymousId").is_some());
                    }
                    if t == "track" {
                        prop_assert!(e["event"].as_str().is_some_and(|s| !s.is_empty()));
                    }
                } else {
                    prop_assert!(e["id"].as_str().is_some_and(|s| !s.is_empty()));
                }
            }
        }
        prop_assert_eq!(events, report.events);
    }
}

/// The largest record in the files of [`tricky_file`]: rows of its tokens go over it.
const TRICKY_LIMIT: usize = 48;

/// The options the tricky files are read with, by every run and piece alike.
fn tricky_options() -> Options {
    Options {
        max_record_bytes: TRICKY_LIMIT,
        ..Options::default()
    }
}

/// Text built to be hard to cut: quotes, doubled quotes, delimiters and every line ending,
/// often inside quoted fields, multi-byte characters, sometimes no final line ending; stray
/// quotes (closed by a later quote, or never), and rows and quoted fields over the limit.
fn tricky_file() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just("u1,Signed Up,\"a,\nb\"\n"),
        Just("u2,\"Ev\r\nent\",\"x\"\"y\"\n"),
        Just("u3,Paid,é€😀\r\n"),
        Just("u4,\"ok\"tail,1\n"),
        Just("\n"),
        Just("\r"),
        Just("u5,a\"b,\"\"\"\"\r"),
        Just("u6,,\n"),
        Just("\"u7\",\"multi\nline\nevent\",\"q\"\n"),
        Just("u8,Done,2\n"),
        Just("u9,\"stray,1\n"),
        Just("u10,\"quoted and long: over forty-eight bytes\nof text, with a line break\",3\n"),
        Just("u11,Over the limit outside quotes: more than forty-eight bytes,4\n"),
        Just("u12,long and then a quote opens: more than forty-eight,\"q\nz\"\n"),
        Just("u13,\"a\"\"\"\n"),
    ];
    file_of("userId,event,properties.p\n", token)
}

/// Counts and rejected lines, which must add up the same however a file is cut.
fn tally(reports: &[csv2segment::Report]) -> (u64, u64, u64, Vec<u64>) {
    (
        reports.iter().map(|r| r.rows).sum(),
        reports.iter().map(|r| r.events).sum(),
        reports.iter().map(|r| r.rejected).sum(),
        reports
            .iter()
            .flat_map(|r| r.rejections.iter().map(|j| j.line))
            .collect(),
    )
}

const KEY: &str = "track_hard.csv";

/// Runs a tricky file whole.
fn run_tricky(data: &[u8], chunk: usize) -> (Vec<Vec<u8>>, csv2segment::Report) {
    run_with(KEY, data, chunk, tricky_options())
}

/// A splitter for tricky files.
fn tricky_splitter(every: u64) -> csv2segment::Splitter {
    csv2segment::Splitter::new(b',', every).with_max_record_bytes(TRICKY_LIMIT)
}

/// Tricky files run in pieces.
fn tricky_pieces() -> Pieces {
    Pieces {
        key: KEY,
        options: tricky_options(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Shards read apart give exactly the events, ids, lines and rejections of the whole file.
    #[test]
    fn shards_equal_the_whole_file(data in tricky_file(), every in 1u64..200, chunk in 1usize..50) {
        let (whole_bodies, whole) = run_tricky(&data, 4096);
        let mut splitter = tricky_splitter(every);
        for part in data.chunks(chunk) {
            splitter.write(part);
        }
        let Some(split) = splitter.finish() else {
            // Only a file without data rows is not split.
            prop_assert_eq!(whole.rows, 0);
            return Ok(());
        };
        prop_assert_eq!(split.size, data.len() as u64);
        prop_assert_eq!(split.header.as_slice(), b"userId,event,properties.p");
        let (bodies, reports) = tricky_pieces().shards(&data, &split.header, &split.shards, chunk);
        prop_assert_eq!(events(&bodies), events(&whole_bodies));
        prop_assert_eq!(tally(&reports), tally(&[whole]));
    }

    /// A run suspended anywhere and resumed (by a ranged read, or from the start with
    /// `skip_to`) gives exactly the whole file's events.
    #[test]
    fn suspend_and_resume_equal_the_whole_file(
        data in tricky_file(),
        chunk in 1usize..60,
        stops in proptest::collection::vec(1usize..6, 1..6),
        from_start in any::<bool>(),
    ) {
        let (whole_bodies, whole) = run_tricky(&data, 4096);
        let (bodies, reports) = tricky_pieces().suspended(&data, chunk, stops, from_start).map_err(TestCaseError::fail)?;
        prop_assert_eq!(events(&bodies), events(&whole_bodies));
        prop_assert_eq!(tally(&reports), tally(&[whole]));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A split pass suspended anywhere and resumed from where it says gives shards that still
    /// cover the file exactly and read to the whole file's events.
    #[test]
    fn a_suspended_split_resumes_exactly(data in tricky_file(), every in 1u64..120, chunk in 1usize..40, stop in 1usize..30) {
        let (whole_bodies, whole) = run_tricky(&data, 4096);
        let (suspended, rest) = split_suspended(&data, chunk, stop, || tricky_splitter(every), |done, next| {
            csv2segment::Splitter::resume(b',', every, &done.header, next).with_max_record_bytes(TRICKY_LIMIT)
        });
        let mut shards = Vec::new();
        let mut header = None;
        if let Some((done, next)) = suspended {
            prop_assert_eq!(done.size, next.offset);
            prop_assert_eq!(done.shards.last().map(|s| s.end), Some(next.offset));
            shards.extend(done.shards);
            header = Some(done.header);
        }
        let Some(rest) = rest else {
            prop_assert_eq!(whole.rows, 0);
            return Ok(());
        };
        if let Some(h) = header {
            prop_assert_eq!(&h, &rest.header);
        }
        shards.extend(rest.shards);
        cover(&shards, data.len())?;
        let (bodies, reports) = tricky_pieces().shards(&data, &rest.header, &shards, chunk);
        prop_assert_eq!(events(&bodies), events(&whole_bodies));
        prop_assert_eq!(tally(&reports), tally(&[whole]));
    }
}

/// The case a property run shrank to: a BOM, a stray quote, then a row over the record limit
/// outside quotes, suspended twice and resumed from the start with `skip_to`.
#[test]
fn suspend_after_a_stray_quote_and_an_over_long_row_resumes_forward() {
    let data = b"\xef\xbb\xbfuserId,event,properties.p\nu9,\"stray,1\nu11,Over the limit outside quotes: more than forty-eight bytes,4\n";
    let (whole_bodies, whole) = run_tricky(data, 4096);
    let (bodies, reports) = tricky_pieces().suspended(data, 26, [3, 2], true).unwrap();
    assert_eq!(events(&bodies), events(&whole_bodies));
    assert_eq!(tally(&reports), tally(&[whole]));
}
