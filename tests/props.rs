//! Property tests: no input panics the engine, and its counts and bodies are consistent.

use csv2segment::{Ingest, Options};
use proptest::prelude::*;

/// Runs `data` through the engine in chunks of `chunk`; the bodies and the final report.
fn run(key: &str, data: &[u8], chunk: usize) -> (Vec<Vec<u8>>, csv2segment::Report) {
    let mut ing = Ingest::new(key, "prop", Options::default()).unwrap();
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
        chunk in 1usize..40,
    ) {
        let key = KEYS[k];
        let delimiter = if key.ends_with(".tsv") { b'\t' } else { b',' };
        let data = csv_text(&header, &rows, delimiter);
        let (whole, report) = run(key, &data, usize::MAX);
        let (chunked, report2) = run(key, &data, chunk);
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
