//! Property tests of grouped files (a mapping's `group`): cut into shards anywhere, or
//! suspended anywhere and resumed, a line-item file gives exactly the events, messageIds,
//! counts and rejections of a single run, however its groups fall across the boundaries.

mod common;

use common::pieces::{cover, events, file_of, split_suspended, Pieces};
use csv2segment::{FileSplitter, Options, Reason, Report};
use proptest::prelude::*;

const KEY: &str = "orders.csv";
/// Small, so that rows over the limit and stray quotes are common.
const LIMIT: usize = 60;

const MAPPING: &str = r#"{"files": [{"match": "*.csv", "call": "track", "group": "Order",
  "columns": {"Order": "properties.order_id", "User": "userId",
    "Qty": "properties.products[].quantity:integer", "Note": "properties.products[].note"},
  "set": {"event": "Order Completed"}}]}"#;

fn options() -> Options {
    Options {
        mapping: Some(MAPPING.to_string()),
        max_record_bytes: LIMIT,
        ..Options::default()
    }
}

/// A line-item file built to be hard to cut: orders of several rows, a quoted group cell equal
/// to a plain one, group cells and notes with line breaks, bad item cells (which reject their
/// order), blank group cells, blank lines, stray quotes, rows over the limit, rows of the wrong
/// width, an order that comes back, sometimes no final line ending.
fn grouped_file() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just("A,u1,1,plain\n"),
        Just("A,,2,\"multi\nline\"\n"),
        Just("\"A\",,3,\"q\"\"x\"\n"),
        Just("B,u2,1,é€😀\r\n"),
        Just("B,,x,bad quantity\n"),
        Just("C,u3,,\n"),
        Just(",u4,1,no order\n"),
        Just("\n"),
        Just("\r"),
        Just("C,u5,1,\"stray\n"),
        Just("D,u6,1,over the limit outside quotes: more than sixty bytes, surely\n"),
        Just("\"A\nB\",u7,1,a group cell with a line break\n"),
        Just("E,u8\n"),
        Just("A,u1,4,again\n"),
        Just("B,,5,\"and a \"\"quote\"\"\"\r\n"),
    ];
    file_of("Order,User,Qty,Note\n", token)
}

/// Counts and rejections (line, message), which must add up the same however a file is cut.
/// (A stray quote's message says whether the piece's input ended inside it, as for any file
/// run in pieces: its line is compared, not its words.)
type Tally = (u64, u64, u64, u64, Vec<(u64, String)>);

fn tally(reports: &[Report]) -> Tally {
    let sum = |f: fn(&Report) -> u64| reports.iter().map(f).sum();
    (
        sum(|r| r.rows),
        sum(|r| r.events),
        sum(|r| r.rejected),
        sum(|r| r.grouped_rows),
        reports
            .iter()
            .flat_map(|r| {
                r.rejections.iter().map(|j| match j.reason {
                    Reason::StrayQuote { .. } => (j.line, "a stray quote".to_string()),
                    _ => (j.line, j.to_string()),
                })
            })
            .collect(),
    )
}

/// Grouped files run in pieces.
fn pieces() -> Pieces {
    Pieces {
        key: KEY,
        options: options(),
    }
}

/// Runs `data` whole, in chunks of `chunk`.
fn run_whole(data: &[u8], chunk: usize) -> (Vec<Vec<u8>>, Report) {
    let (bodies, report) = pieces().whole(data, chunk);
    // Every row is an event's first row, sent inside one, or rejected.
    assert_eq!(
        report.rows,
        report.events + report.rejected + report.grouped_rows
    );
    (bodies, report)
}

fn splitter(every: u64) -> FileSplitter {
    FileSplitter::new(KEY, &options(), every, LIMIT).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Shards cut anywhere read apart give exactly the events, ids and rejections of a single
    /// run: no group straddles two shards.
    #[test]
    fn shards_of_a_grouped_file_equal_the_whole_file(data in grouped_file(), every in 1u64..200, chunk in 1usize..50) {
        let (whole_bodies, whole) = run_whole(&data, 4096);
        let mut s = splitter(every);
        for part in data.chunks(chunk) {
            s.write(part);
        }
        let Some(split) = s.finish() else {
            prop_assert_eq!(whole.rows, 0);
            return Ok(());
        };
        prop_assert_eq!(split.size, data.len() as u64);
        let (bodies, reports) = pieces().shards(&data, &split.header, &split.shards, chunk);
        prop_assert_eq!(events(&bodies), events(&whole_bodies));
        prop_assert_eq!(tally(&reports), tally(&[whole]));
    }

    /// A run suspended anywhere (inside a group too) and resumed where it says gives exactly
    /// the whole file's events: the open group is left whole to the next piece.
    #[test]
    fn a_grouped_run_suspended_anywhere_and_resumed_equals_the_whole_file(
        data in grouped_file(),
        chunk in 1usize..60,
        stops in proptest::collection::vec(1usize..6, 1..6),
        from_start in any::<bool>(),
    ) {
        let (whole_bodies, whole) = run_whole(&data, 4096);
        let (bodies, reports) = pieces().suspended(&data, chunk, stops, from_start).map_err(TestCaseError::fail)?;
        prop_assert_eq!(events(&bodies), events(&whole_bodies));
        prop_assert_eq!(tally(&reports), tally(&[whole]));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A split pass of a grouped file suspended anywhere and resumed from where it says gives
    /// shards that cover the file and read to the whole file's events.
    #[test]
    fn a_suspended_split_of_a_grouped_file_resumes_exactly(data in grouped_file(), every in 1u64..120, chunk in 1usize..40, stop in 1usize..30) {
        let (whole_bodies, whole) = run_whole(&data, 4096);
        let (suspended, rest) = split_suspended(&data, chunk, stop, || splitter(every), |done, next| {
            FileSplitter::resume(KEY, &options(), every, LIMIT, &done.header, next).unwrap()
        });
        let mut shards: Vec<_> = suspended.into_iter().flat_map(|(done, _)| done.shards).collect();
        let Some(rest) = rest else {
            prop_assert_eq!(whole.rows, 0);
            return Ok(());
        };
        shards.extend(rest.shards);
        cover(&shards, data.len())?;
        let (bodies, reports) = pieces().shards(&data, &rest.header, &shards, chunk);
        prop_assert_eq!(events(&bodies), events(&whole_bodies));
        prop_assert_eq!(tally(&reports), tally(&[whole]));
    }
}

/// A split that knows no group would cut inside an order: the shards then send the order as
/// two events. (The grouped split above never does.)
#[test]
fn a_grouped_file_is_cut_between_orders_only() {
    let data = b"Order,User,Qty,Note\nA,u1,1,a\nA,,2,b\nA,,3,c\nB,u2,1,d\nB,,2,e\n";
    // A cut due after every byte: only the starts of A and B may be cuts.
    let mut s = splitter(1);
    s.write(data);
    let split = s.finish().unwrap();
    let starts: Vec<(u64, u64)> = split
        .shards
        .iter()
        .map(|s| (s.start.offset, s.start.line))
        .collect();
    assert_eq!(starts, [(20, 2), (43, 5)]);
    let (whole_bodies, _) = run_whole(data, 7);
    let (bodies, _) = pieces().shards(data, &split.header, &split.shards, 5);
    assert_eq!(events(&bodies), events(&whole_bodies));
    assert_eq!(events(&bodies).len(), 2);
}

/// A file without a header row (the mapping's `header` names its columns): the group column
/// is found among those names, and the cuts fall between orders there too.
#[test]
fn a_headerless_grouped_file_is_cut_between_orders_only() {
    let mapping = MAPPING.replace(
        r#""group": "Order","#,
        r#""group": "Order", "header": ["Order", "User", "Qty", "Note"],"#,
    );
    let options = Options {
        mapping: Some(mapping),
        ..Options::default()
    };
    let data = b"Z,u0,1,z\nA,u1,1,a\nA,,2,b\nB,u2,1,d\nB,,2,e\n";
    let mut s = FileSplitter::new(KEY, &options, 1, LIMIT).unwrap();
    s.write(data);
    let split = s.finish().unwrap();
    let starts: Vec<u64> = split.shards.iter().map(|s| s.start.offset).collect();
    // The splitter reads a first record as it reads any file's; after it, only orders' starts.
    assert_eq!(starts, [9, 25]);
}
