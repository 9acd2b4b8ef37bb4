//! Flat memory on hostile files: a counting global allocator measures the engine's and the
//! splitter's peak heap on each, generated as a stream (nothing large is written anywhere).
//!
//! The bound asserted is the record limit times a small factor plus a constant, the same for a
//! file of 100 MB or 2 GB: without the limit, each case would hold its broken row whole (the
//! 2 GB one would not fit at all). gzip is decoded by the hosts, not the engine (it refuses
//! gzip bytes), so the gzipped cases run through the hosts' tests.
//!
//! Built with optimisations (`cargo test --profile hostile --test hostile`, as `npm test`
//! runs it): a debug build takes minutes over 2.6 GB. In a debug build the cases are ignored.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use csv2segment::{
    Ingest, Options, Report, Splitter, WorkbookIngest, DEFAULT_MAX_RECORD_BYTES,
    MAX_SHARED_STRINGS_BYTES,
};

#[path = "support/xlsx.rs"]
mod xlsx;

/// Counts the bytes allocated now and the most at any moment.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = NOW.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                NOW.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One case at a time, so that the peak is this case's alone.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The most a case may hold above what was allocated before it: the reader's buffer (the record
/// limit and a chunk, in a vector that doubles), the unescaped quoted cells, one request body
/// (475 KB), the report's kept rows; 4 times the limit and 4 MiB over-cover them. A run that
/// held a broken row whole would take 100 MB to 2 GB here.
const BOUND: usize = 4 * DEFAULT_MAX_RECORD_BYTES + (4 << 20);

/// The chunk the hosts write: 64 KiB.
const CHUNK: usize = 64 * 1024;

/// A file as a stream: pieces of text, some repeated to a given length.
enum Part {
    Text(String),
    /// `pattern` repeated (and cut) to `len` bytes.
    Repeat(&'static str, u64),
}

/// Calls `f` with the file's bytes in chunks of [`CHUNK`], generated on the fly.
fn stream(parts: &[Part], mut f: impl FnMut(&[u8])) {
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut put = |bytes: &[u8], chunk: &mut Vec<u8>| {
        let mut bytes = bytes;
        while !bytes.is_empty() {
            let take = (CHUNK - chunk.len()).min(bytes.len());
            chunk.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if chunk.len() == CHUNK {
                f(chunk);
                chunk.clear();
            }
        }
    };
    for part in parts {
        match part {
            Part::Text(t) => put(t.as_bytes(), &mut chunk),
            Part::Repeat(pattern, len) => {
                // A block of whole patterns, written again and again.
                let block = pattern.repeat((CHUNK / pattern.len()).max(1));
                let mut left = *len;
                while left > 0 {
                    let take = left.min(block.len() as u64) as usize;
                    put(&block.as_bytes()[..take], &mut chunk);
                    left -= take as u64;
                }
            }
        }
    }
    if !chunk.is_empty() {
        f(&chunk);
    }
}

/// The whole file's size.
fn size(parts: &[Part]) -> u64 {
    parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.len() as u64,
            Part::Repeat(_, len) => *len,
        })
        .sum()
}

/// Runs the file through the engine as a host does (taking bodies after each write, stopping at
/// an error): its report, and the peak heap above what was allocated before.
fn ingest(key: &str, parts: &[Part]) -> (Report, usize) {
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let report = {
        let mut ing = Ingest::new(key, "hostile", Options::default()).unwrap();
        let mut failed = false;
        stream(parts, |chunk| {
            if failed || ing.write(chunk).is_err() {
                failed = true;
                return;
            }
            while ing.next_batch().is_some() {}
        });
        if !failed {
            let _ = ing.finish();
        }
        while ing.next_batch().is_some() {}
        ing.report().clone()
    };
    (report, PEAK.load(Ordering::Relaxed) - base)
}

/// Runs the file through the splitter: its shards' starts (offset, line), and the peak heap.
fn split(key_delimiter: u8, parts: &[Part]) -> (Option<Vec<(u64, u64)>>, usize) {
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let starts = {
        let mut s = Splitter::new(key_delimiter, 64 << 20);
        stream(parts, |chunk| s.write(chunk));
        s.finish().map(|split| {
            split
                .shards
                .iter()
                .map(|s| (s.start.offset, s.start.line))
                .collect()
        })
    };
    (starts, PEAK.load(Ordering::Relaxed) - base)
}

/// `n` good track rows, numbered from `from`.
fn rows(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("u{i},Signed Up,pro\n"))
        .collect()
}

const HEADER: &str = "userId,event,properties.plan\n";
/// A good row of [`rows`]' shape, for the long runs of them (all with the same id).
const ROW: &str = "u,Signed Up,pro\n";

fn messages(report: &Report) -> Vec<String> {
    report.rejections.iter().map(|r| r.to_string()).collect()
}

fn check_bound(case: &str, peak: usize) {
    eprintln!(
        "{case}: peak heap {:.2} MiB",
        peak as f64 / (1 << 20) as f64
    );
    assert!(
        peak <= BOUND,
        "{case}: peak heap {peak} bytes, over the bound of {BOUND}"
    );
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "slow unoptimised: npm test runs it with --profile hostile"
)]
fn a_runaway_quote_over_300_mb_costs_one_row() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let body = 300_000_000;
    let file = [
        Part::Text(format!("{HEADER}{}u10,\"Signed Up,pro\n", rows(0, 10))),
        Part::Repeat(ROW, body),
    ];
    let (report, peak) = ingest("track_runaway.csv", &file);
    let good = 10 + body / ROW.len() as u64;
    assert_eq!(
        (report.rows, report.events, report.rejected),
        (good + 1, good, 1)
    );
    assert_eq!(
        messages(&report),
        [
            "line 12: the row is over 1 MiB; a quote opened at column 2 is probably never closed \
          (the row ends at the first line break after it)"
        ]
    );
    assert_eq!(report.rejections[0].raw, b"u10,\"Signed Up,pro");
    check_bound("runaway quote, 300 MB", peak);
    let (starts, peak) = split(b',', &file);
    let starts = starts.unwrap();
    assert_eq!(starts.len(), 5);
    check_bound("runaway quote, 300 MB, split", peak);
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "slow unoptimised: npm test runs it with --profile hostile"
)]
fn a_line_of_100_mb_of_delimiters_costs_one_row() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let file = [
        Part::Text(format!("{HEADER}{}", rows(0, 1))),
        Part::Repeat(",", 100_000_000),
        Part::Text(format!("\n{}", rows(2, 2))),
    ];
    let (report, peak) = ingest("track_commas.csv", &file);
    assert_eq!((report.events, report.rejected), (3, 1));
    assert_eq!(
        messages(&report),
        ["line 3: the row is over 1 MiB; check for a missing line break, or raise maxRecordBytes"]
    );
    assert_eq!(report.rejections[0].raw, vec![b','; 4096]);
    check_bound("100 MB of delimiters", peak);
    let (starts, peak) = split(b',', &file);
    assert_eq!(
        starts.unwrap(),
        [(HEADER.len() as u64, 2), (100_000_047, 4)]
    );
    check_bound("100 MB of delimiters, split", peak);
    // The same in a .tsv, of tabs.
    let file = [
        Part::Text("userId\tevent\nu0\tA\n".into()),
        Part::Repeat("\t", 100_000_000),
        Part::Text("\nu2\tC\n".into()),
    ];
    let (report, peak) = ingest("track_tabs.tsv", &file);
    assert_eq!((report.events, report.rejected), (2, 1));
    check_bound("100 MB of tabs", peak);
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "slow unoptimised: npm test runs it with --profile hostile"
)]
fn a_200_mb_header_without_a_line_break_is_a_header_error() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let file = [Part::Repeat("userId,", 200_000_000)];
    let (report, peak) = ingest("track_header.csv", &file);
    assert_eq!(
        report.error.as_deref(),
        Some(
            "the header row is over 64 KB without a line break, so nothing was sent; the first \
             line must name the columns, like userId,event,timestamp"
        )
    );
    // The engine stopped at the limit, not at the end of the header.
    assert!(report.input_bytes < 1 << 20, "{}", report.input_bytes);
    assert_eq!((report.rows, report.events), (0, 0));
    check_bound("200 MB header", peak);
    let (starts, peak) = split(b',', &file);
    assert_eq!(starts, None);
    check_bound("200 MB header, split", peak);
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "slow unoptimised: npm test runs it with --profile hostile"
)]
fn a_stray_quote_early_in_20000_rows_costs_that_row() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let file = [Part::Text(format!(
        "{HEADER}{}u2,\"Signed Up,pro\n{}",
        rows(0, 2),
        rows(3, 19_997)
    ))];
    let (report, peak) = ingest("track_stray.csv", &file);
    assert_eq!(
        (report.rows, report.events, report.rejected),
        (20_000, 19_999, 1)
    );
    assert_eq!(report.rejections[0].line, 4);
    check_bound("stray quote in 20,000 rows", peak);
    let (starts, peak) = split(b',', &file);
    assert_eq!(starts.unwrap(), [(HEADER.len() as u64, 2)]);
    check_bound("stray quote in 20,000 rows, split", peak);
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "slow unoptimised: npm test runs it with --profile hostile"
)]
fn a_stray_quote_that_pairs_with_a_later_quote() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Paired within the limit: the rows between the two quotes read as one, which is rejected.
    let file = [Part::Text(format!(
        "{HEADER}{}u2,\"Signed Up,pro\n{}u13,Signed Up,\"pro\"\n{}",
        rows(0, 2),
        rows(3, 10),
        rows(14, 100)
    ))];
    let (report, peak) = ingest("track_pair.csv", &file);
    assert_eq!((report.events, report.rejected), (102, 1));
    assert_eq!(
        messages(&report),
        [
            "line 4: the row has 2 fields but the header has 3; check for a missing or extra \
          delimiter, or a quote that is not closed"
        ]
    );
    check_bound("stray quote paired within the limit", peak);
    // Paired past the limit (2 MB of rows between): the stray costs its own row only.
    let file = [
        Part::Text(format!("{HEADER}{}u2,\"Signed Up,pro\n", rows(0, 2))),
        Part::Repeat(ROW, 2_000_000),
        Part::Text(format!("u,Signed Up,\"pro\"\n{}", rows(0, 5))),
    ];
    let (report, peak) = ingest("track_pair_far.csv", &file);
    let good = 2 + 2_000_000 / ROW.len() as u64 + 1 + 5;
    assert_eq!((report.events, report.rejected), (good, 1));
    assert_eq!(report.rejections[0].line, 4);
    check_bound("stray quote paired past the limit", peak);
    let (starts, peak) = split(b',', &file);
    assert_eq!(starts.unwrap().len(), 1);
    check_bound("stray quote paired past the limit, split", peak);
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "slow unoptimised: npm test runs it with --profile hostile"
)]
fn two_gb_without_a_line_break() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let file = [
        Part::Text(HEADER.into()),
        Part::Repeat("no line break here, ", 2_000_000_000),
    ];
    assert_eq!(size(&file), 2_000_000_029);
    let (report, peak) = ingest("track_2gb.csv", &file);
    assert_eq!((report.rows, report.events, report.rejected), (1, 0, 1));
    assert_eq!(report.input_bytes, 2_000_000_029);
    assert_eq!(
        messages(&report),
        ["line 2: the row is over 1 MiB; check for a missing line break, or raise maxRecordBytes"]
    );
    assert_eq!(report.rejections[0].raw.len(), 4096);
    check_bound("2 GB without a line break", peak);
    let (starts, peak) = split(b',', &file);
    assert_eq!(starts.unwrap(), [(HEADER.len() as u64, 2)]);
    check_bound("2 GB without a line break, split", peak);
}

// Hostile workbooks: each refused with a message that says what is wrong, or its bad row
// rejected, in bounded memory, read in the ranges the engine asks for.

/// Runs a workbook through the engine as a host does (ranges in chunks of [`CHUNK`], bodies
/// taken after each write): its report and the peak heap above what was allocated before.
fn ingest_workbook(key: &str, file: &[u8]) -> (Report, usize) {
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let report = {
        let mut ing =
            WorkbookIngest::new(key, "hostile", Options::default(), file.len() as u64).unwrap();
        'read: while let Some(r) = ing.wants() {
            for chunk in file[r.start as usize..r.end as usize].chunks(CHUNK) {
                if ing.write(chunk).is_err() {
                    break 'read;
                }
                while ing.next_batch().is_some() {}
            }
        }
        let _ = ing.finish();
        while ing.next_batch().is_some() {}
        ing.report()
    };
    (report, PEAK.load(Ordering::Relaxed) - base)
}

/// The package of one sheet, its sheet part added by `sheet`.
fn workbook_with(sheet: impl FnOnce(&mut xlsx::Zip)) -> Vec<u8> {
    let mut zip = xlsx::Zip::default();
    xlsx::package(&mut zip, &["Data"], false);
    sheet(&mut zip);
    zip.finish()
}

/// 16 MiB of rows, deflated (to about 40 KB: a ratio near 400).
fn deflated_rows() -> (Vec<u8>, u32) {
    use std::io::Write;
    let row = "<row><c><v>1</v></c></row>";
    let mut xml = String::from("<worksheet><sheetData>");
    while xml.len() < 16 << 20 {
        xml.push_str(row);
    }
    xml.push_str("</sheetData></worksheet>");
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(xml.as_bytes()).unwrap();
    (e.finish().unwrap(), xml.len() as u32)
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (body, size) = deflated_rows();
    // As declared: refused by its ratio, nothing inflated.
    let file = workbook_with(|z| z.raw("xl/worksheets/sheet1.xml", 8, &body, size, 0));
    let (report, peak) = ingest_workbook("track_bomb.xlsx", &file);
    assert_eq!(
        report.error.as_deref(),
        Some(format!("the workbook's part xl/worksheets/sheet1.xml would inflate from {} to {size} bytes, more than 200 times its size: it is not a workbook Excel wrote (a zip bomb?); open it in Excel and save it again", body.len()).as_str())
    );
    assert_eq!(report.events, 0);
    check_bound("zip bomb, declared", peak);
    // Declared small: inflating stops one step past what it declares.
    let file = workbook_with(|z| z.raw("xl/worksheets/sheet1.xml", 8, &body, 1000, 0));
    let (report, peak) = ingest_workbook("track_bomb.xlsx", &file);
    assert_eq!(
        report.error.as_deref(),
        Some("the workbook cannot be read: the part xl/worksheets/sheet1.xml inflates past the size its directory entry gives; open it in Excel and save it again")
    );
    check_bound("zip bomb, a size that lies", peak);
}

/// Text that does not compress: letters from a fixed generator.
fn noise(n: usize, seed: u32) -> String {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from(b'a' + ((x >> 16) % 26) as u8)
        })
        .collect()
}

#[test]
fn one_enormous_cell_costs_its_row() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let big = noise(5 << 20, 7);
    let xml = xlsx::sheet(4, |n| match n {
        1 => xlsx::row(1, &["userId", "event"]),
        2 => xlsx::row(2, &["u2", &big]),
        n => xlsx::row(n, &[&format!("u{n}"), "Viewed"]),
    });
    for deflate in [false, true] {
        let file = workbook_with(|z| z.add("xl/worksheets/sheet1.xml", &xml, deflate));
        let (report, peak) = ingest_workbook("track_cell.xlsx", &file);
        assert_eq!(report.error, None);
        assert_eq!((report.rows, report.events, report.rejected), (3, 2, 1));
        assert_eq!(
            messages(&report),
            ["line 2: the row is over 1 MiB; check for a missing line break, or raise maxRecordBytes"]
        );
        check_bound("one 5 MB cell", peak);
    }
    // A tag that long is not held: the part is refused.
    let attr = format!(r#"<row r="2"><c r="A2" x="{big}"><v>1</v></c></row>"#);
    let xml = xlsx::sheet(2, |n| match n {
        1 => xlsx::row(1, &["userId", "event"]),
        _ => attr.clone(),
    });
    let file = workbook_with(|z| z.add("xl/worksheets/sheet1.xml", &xml, false));
    let (report, peak) = ingest_workbook("track_tag.xlsx", &file);
    assert_eq!(
        report.error.as_deref(),
        Some("the workbook's part xl/worksheets/sheet1.xml has an XML tag, comment or CDATA section over 1048576 bytes; open it in Excel and save it again")
    );
    check_bound("one 5 MB tag", peak);
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "slow unoptimised: npm test runs it with --profile hostile"
)]
fn shared_strings_past_the_limit_are_refused() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let item = format!("<si><t>{}</t></si>", noise(1000, 3));
    let mut strings = String::from("<sst>");
    while strings.len() < MAX_SHARED_STRINGS_BYTES + (4 << 20) {
        strings.push_str(&item);
    }
    strings.push_str("</sst>");
    let mut zip = xlsx::Zip::default();
    xlsx::package(&mut zip, &["Data"], true);
    zip.add("xl/sharedStrings.xml", strings.as_bytes(), false);
    drop(strings);
    zip.add(
        "xl/worksheets/sheet1.xml",
        &xlsx::sheet(1, |_| xlsx::row(1, &["userId"])),
        true,
    );
    let file = zip.finish();
    let (report, peak) = ingest_workbook("identify_strings.xlsx", &file);
    assert_eq!(
        report.error.as_deref(),
        Some("the workbook's shared strings are over 67108864 bytes, more than is read into memory; save the sheet as CSV instead")
    );
    eprintln!(
        "shared strings: peak heap {:.2} MiB",
        peak as f64 / (1 << 20) as f64
    );
    assert!(
        peak <= MAX_SHARED_STRINGS_BYTES + BOUND,
        "peak heap {peak} bytes, over the limit and {BOUND}"
    );
}

#[test]
fn a_broken_central_directory_is_said() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let good = xlsx::one_sheet("Data", 3, |n| vec![format!("u{n}"), "E".into()]);
    let end = good.len() - 22;
    let patched = |at: usize, value: &[u8]| {
        let mut f = good.clone();
        f[end + at..end + at + value.len()].copy_from_slice(value);
        f
    };
    let says = |file: &[u8]| {
        let (report, peak) = ingest_workbook("track_broken.xlsx", file);
        check_bound("a broken directory", peak);
        report.error.unwrap_or_default()
    };
    let wrap = |what: &str| {
        format!("the workbook cannot be read: {what}; open it in Excel and save it again")
    };
    // Its offset past the end of the file.
    assert_eq!(
        says(&patched(16, &(good.len() as u32 + 100).to_le_bytes())),
        wrap("its central directory is outside the file")
    );
    // More entries than it holds.
    assert_eq!(
        says(&patched(10, &9u16.to_le_bytes())),
        wrap("an entry of its central directory is damaged")
    );
    // A size past the limit.
    assert_eq!(
        says(&patched(12, &(100u32 << 20).to_le_bytes())),
        wrap("its central directory is 104857600 bytes, more than the 4194304 a workbook's may be")
    );
    // An entry whose part is not where it says: the first entry's local offset moved.
    let mut moved = good.clone();
    let dir = u32::from_le_bytes(good[end + 16..end + 20].try_into().unwrap()) as usize;
    moved[dir + 42..dir + 46].copy_from_slice(&7u32.to_le_bytes());
    assert_eq!(
        says(&moved),
        wrap("the part _rels/.rels is not where its directory says, or is damaged")
    );
    // Not a zip's end at all.
    assert_eq!(
        says(&good[..good.len() - 30]),
        wrap("its end of central directory record is missing")
    );
}
