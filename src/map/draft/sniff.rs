//! The first question of a draft: how the file is written. Its encoding, its delimiter and
//! whether its first row names the columns, found with the engine's own decoder, dialect
//! guess and record reader, so the draft reads the sample as a run reads the file.

use std::collections::HashSet;

use super::profile::{value_kind, Kind};
use super::{NoteKind, Notes, DRAFT_SAMPLE_BYTES};
use crate::map::mapping::Skip;
use crate::read::decode::{single_byte_char, Compressed, Decoder, Encoding};
use crate::read::dialect;
use crate::read::records::{CellKind, RecordReader};

/// How the sampled part of a file is written, and its records as text.
pub(super) struct Sample {
    /// The encoding the rule names (`None`: UTF-8, the default).
    pub encoding: Option<Encoding>,
    /// Rows a run leaves unread before and after the header row.
    pub skip: Skip,
    pub delimiter: u8,
    pub has_header: bool,
    /// The columns' names: the header row, or `column1`, `column2`, … without one.
    pub names: Vec<String>,
    /// Every sampled record, the header row first when there is one.
    pub records: Vec<Vec<String>>,
    /// The sample's first records with none skipped: the rows `skip` passes over, the header
    /// row and a few after, for an editor to show which rows are skipped.
    pub first_rows: Vec<Vec<String>>,
    /// A workbook's: the type each cell of `records` was stored in (empty for a CSV).
    pub cells: Vec<Vec<CellKind>>,
    /// The sample is a workbook's sheet: no delimiter or encoding to say.
    pub workbook: bool,
}

/// How many of the file's first records a draft gives (more when `skip` passes over more):
/// enough to show a preamble, the header row and the first rows of values.
pub(super) const FIRST_ROWS: usize = 8;
/// Records given after the ones `skip` passes over and the header row.
pub(super) const ROWS_AFTER_SKIP: usize = 2;

impl Sample {
    /// The records of values (after the header row, if any).
    pub fn rows(&self) -> &[Vec<String>] {
        if self.has_header {
            self.records.get(1..).unwrap_or_default()
        } else {
            &self.records
        }
    }

    /// The stored types of [`Sample::rows`]' cells: a workbook's, else empty.
    pub fn row_cells(&self) -> &[Vec<CellKind>] {
        if self.has_header {
            self.cells.get(1..).unwrap_or_default()
        } else {
            &self.cells
        }
    }
}

/// Reads `head` (the start of the file `base`, all of it when `whole`) as a run would.
pub(super) fn sniff(
    base: &str,
    head: &[u8],
    whole: bool,
    notes: &mut Notes,
) -> Result<Sample, Compressed> {
    let (encoding, encoding_name) = guess_encoding(head, whole, notes);
    let mut decoder = Decoder::with(encoding);
    let decoded = decoder.decode(head, true)?;
    let mut text = decoded.head;
    text.extend_from_slice(decoded.rest);

    // The delimiter, from the header record as a run guesses it; `.tsv` is tab.
    let lower = base.to_ascii_lowercase();
    let tsv = lower.trim_end_matches(".gz").ends_with(".tsv");
    let mut delimiter = if tsv { b'\t' } else { dialect::guess(&text) };

    // Rows before the header (a preamble) and header rows after it: `skip`.
    let mut first_rows = read(&text, delimiter, whole, None);
    let skip = preamble(&first_rows, notes);
    if skip.before > 0 && !tsv {
        let after = dialect::guess_after(&text, skip.before);
        if after != delimiter {
            delimiter = after;
            first_rows = read(&text, delimiter, whole, None);
        }
    }
    first_rows.truncate((skip.before + 1 + skip.after + ROWS_AFTER_SKIP).max(FIRST_ROWS));
    let records = read(&text, delimiter, whole, Some(skip));
    let mut sample = Sample {
        encoding: encoding_name,
        skip,
        delimiter,
        has_header: true,
        names: Vec::new(),
        records,
        first_rows,
        cells: Vec::new(),
        workbook: false,
    };
    sample.name_columns(whole, notes);
    Ok(sample)
}

impl Sample {
    /// Decides whether the first of `records` is a header row, and names the columns.
    pub(super) fn name_columns(&mut self, whole: bool, notes: &mut Notes) {
        let records = &self.records;
        if !whole && records.len() <= 1 {
            notes.note(
            NoteKind::Guess,
            String::new(),
            None,
            format!("the first {} KB of the file hold at most one record: the draft saw no rows of values", DRAFT_SAMPLE_BYTES / 1024),
        );
        }
        // A workbook's header row is of text cells.
        let text_cells = self
            .cells
            .first()
            .map_or(true, |k| k.iter().all(|k| *k == CellKind::Text));
        let has_header = match records.first() {
            None => true,
            Some(first) => {
                text_cells && is_header(first, records.get(1..).unwrap_or_default(), self.workbook)
            }
        };
        let width = records.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let names: Vec<String> = if has_header {
            records.first().cloned().unwrap_or_default()
        } else {
            let names = (1..=width).map(|i| format!("column{i}")).collect();
            notes.note(
            NoteKind::Guess,
            "header".into(),
            None,
            "the first row holds values, not names: the file is read as having no header row, its columns named column1, column2, …; rename them in \"header\" and \"columns\" if you like".into(),
        );
            names
        };
        self.has_header = has_header;
        self.names = names;
    }
}

/// The records of the sample as a run reads them with `skip` (the last one only when the
/// sample is the whole file, or there is no other: one record longer than the sample); with no
/// `skip`, every record in full, none taken for the header.
fn read(text: &[u8], delimiter: u8, whole: bool, skip: Option<Skip>) -> Vec<Vec<String>> {
    let mut reader = RecordReader::new(delimiter, 0, DRAFT_SAMPLE_BYTES);
    match skip {
        Some(skip) => reader.skip_records(skip.before, skip.after),
        None => reader.body(usize::MAX - 1),
    }
    let mut records: Vec<Vec<String>> = Vec::new();
    let _ = reader.push(text, &mut |rec| take(&mut records, rec));
    if whole || records.is_empty() {
        let _ = reader.finish(&mut |rec| take(&mut records, rec));
    }
    records
}

/// The rows to skip, from the sampled `records` read in full: before the header, `#` comment
/// lines and rows much narrower than the file's (a report title, a `Key,Value` block), or a
/// row of short codes over a row of names (Qualtrics' legacy `V1,V2,…`); after it, rows of
/// `{"ImportId": …}` cells (Qualtrics) and the rows between the header and them.
pub(super) fn preamble(records: &[Vec<String>], notes: &mut Notes) -> Skip {
    let mut skip = Skip::default();
    // The file's width: the most common record width, the wider on a tie.
    let mut widths: Vec<usize> = records.iter().map(Vec::len).collect();
    widths.sort_unstable();
    let mut width = 0;
    let mut best = 0;
    for run in widths.chunk_by(|a, b| a == b) {
        if run.len() >= best {
            best = run.len();
            width = run[0];
        }
    }
    let comment = |r: &Vec<String>| r.first().is_some_and(|c| c.trim_start().starts_with('#'));
    let narrow = |r: &Vec<String>| width >= 3 && r.len() <= (width / 2).max(2);
    let mut at = 0;
    while at + 1 < records.len() && comment(&records[at]) {
        at += 1;
    }
    // Narrow rows are a preamble only when the row after them is a header over the rest: with
    // a few sampled rows, a header narrower than its (ragged) rows is still the header.
    let mut past = at;
    while past + 1 < records.len() && (comment(&records[past]) || narrow(&records[past])) {
        past += 1;
    }
    if past > at && is_header(&records[past], &records[past + 1..], false) {
        at = past;
    }
    if at > 0 {
        notes.note(
            NoteKind::Guess,
            "skip".into(),
            None,
            format!("the first {at} rows (comment lines, a title or a key-value block) come before the header row: \"skip\" leaves them unread; if the header is another row, change \"skip\""),
        );
    }
    let code = |c: &String| {
        let t = c.trim();
        let letters = t.bytes().take_while(u8::is_ascii_uppercase).count();
        t.is_empty()
            || (letters > 0
                && letters < t.len()
                && t.len() <= 8
                && t.bytes()
                    .skip(letters)
                    .all(|b| b.is_ascii_digit() || b == b'_'))
    };
    let names = |r: &Vec<String>| {
        let mut seen = HashSet::new();
        r.iter().all(|c| {
            let t = c.trim();
            t.is_empty() || (seen.insert(t) && value_kind(t) == Kind::Text)
        })
    };
    if let (Some(first), Some(second)) = (records.get(at), records.get(at + 1)) {
        let filled = first.iter().filter(|c| !c.trim().is_empty()).count();
        let coded: Vec<usize> = (0..first.len())
            .filter(|&i| !first[i].trim().is_empty() && code(&first[i]))
            .collect();
        if coded.len() >= 2
            && coded.len() * 2 >= filled
            && names(second)
            && coded
                .iter()
                .all(|&i| second.get(i).is_some_and(|c| !code(c)))
        {
            at += 1;
            notes.note(
                NoteKind::Guess,
                "skip".into(),
                None,
                "the first row holds codes (V1, Q1, …) and the second the columns' names, as Qualtrics' legacy export writes them: \"skip\" leaves the codes unread".into(),
            );
        }
    }
    skip.before = at;
    let import_id = |r: &Vec<String>| {
        r.iter().any(|c| !c.trim().is_empty())
            && r.iter()
                .all(|c| c.trim().is_empty() || c.trim_start().starts_with("{\"ImportId\""))
    };
    if let Some(k) = (1..=3)
        .rev()
        .find(|k| records.get(at + k).is_some_and(import_id))
    {
        skip.after = k;
        notes.note(
            NoteKind::Guess,
            "skip.after".into(),
            None,
            format!("the {k} rows after the header row are more header rows (question labels, {{\"ImportId\": …}} cells), as Qualtrics writes them: \"skip\" leaves them unread"),
        );
    }
    skip
}

/// Whether `first` is a header over `rows`: its names, trimmed, are distinct and none reads as
/// a value. Some may be blank (a trailing comma, a column with no name) when most are not and
/// the rows below show they are names: a named column holds values that are not text (numbers,
/// dates, emails) under its text name. A name given twice is no header's, unless `repeats`
/// (a workbook's header row, of text cells, may repeat a name).
pub(super) fn is_header(first: &[String], rows: &[Vec<String>], repeats: bool) -> bool {
    let mut seen = HashSet::new();
    let mut blanks = 0;
    for cell in first {
        let t = cell.trim();
        if t.is_empty() {
            blanks += 1;
        } else if !(seen.insert(t) || repeats) || value_kind(t) != Kind::Text {
            return false;
        }
    }
    if blanks == 0 {
        return true;
    }
    let named = first.len() - blanks;
    let over_values = first.iter().enumerate().any(|(i, name)| {
        !name.trim().is_empty()
            && rows.iter().any(|r| {
                r.get(i).is_some_and(|v| {
                    let v = v.trim();
                    !v.is_empty() && value_kind(v) != Kind::Text
                })
            })
    });
    named > blanks && over_values
}

/// Keeps a record's fields as text (a record that is not UTF-8 as empty fields).
fn take(records: &mut Vec<Vec<String>>, rec: crate::read::records::Record<'_>) -> Result<bool, ()> {
    let fields = match rec.row() {
        Ok(row) => (0..row.len())
            .map(|i| row.cell_str(i).to_string())
            .collect(),
        Err(_) => (0..rec.len()).map(|_| String::new()).collect(),
    };
    records.push(fields);
    Ok(true)
}

/// The encoding: a byte order mark says it; NUL bytes in every other place are UTF-16 without
/// one; valid UTF-8 is UTF-8; else Windows-1252 or Mac Roman, by which reads the letters as
/// letters ([`mac_roman_reads_better`]).
/// The encoding the sample reads in, and the one the rule names (`None`: UTF-8, the default,
/// or a byte order mark that says it for every run).
fn guess_encoding(head: &[u8], whole: bool, notes: &mut Notes) -> (Encoding, Option<Encoding>) {
    match head {
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => return (Encoding::Utf16, Some(Encoding::Utf16)),
        [0xef, 0xbb, 0xbf, ..] => return (Encoding::Utf8, None),
        _ => {}
    }
    if let Some(big_endian) = utf16_without_bom(head) {
        let (encoding, order) = if big_endian {
            (Encoding::Utf16Be, "big")
        } else {
            (Encoding::Utf16, "little")
        };
        notes.note(
            NoteKind::Guess,
            "encoding".into(),
            None,
            format!("every other byte of the file is NUL: read as UTF-16 ({order}-endian) without a byte order mark; if the preview looks wrong, change \"encoding\""),
        );
        return (encoding, Some(encoding));
    }
    match std::str::from_utf8(head) {
        Ok(_) => (Encoding::Utf8, None),
        // Cut inside a character at the end of the sample: still UTF-8.
        Err(e) if e.error_len().is_none() && !whole => (Encoding::Utf8, None),
        Err(_) if mac_roman_reads_better(head) => {
            notes.note(
                NoteKind::Guess,
                "encoding".into(),
                None,
                "the file is not UTF-8 and its letters read as Mac Roman (as Excel for Mac saved CSV before 2016): read as \"macintosh\"; if letters such as ä or é look wrong in the preview, change \"encoding\" to \"windows-1252\"".into(),
            );
            (Encoding::MacRoman, Some(Encoding::MacRoman))
        }
        Err(_) => {
            notes.note(
                NoteKind::Guess,
                "encoding".into(),
                None,
                "the file is not UTF-8: read as Windows-1252 (Excel's Western European encoding); if letters such as ä or é look wrong in the preview, change \"encoding\"".into(),
            );
            (Encoding::Windows1252, Some(Encoding::Windows1252))
        }
    }
}

/// UTF-16 without a byte order mark: in the first pairs of bytes, NUL is nearly always the
/// second (little-endian text of Latin letters) or the first (big-endian), and never the other.
/// `Some(big_endian)`, or `None` for anything else.
fn utf16_without_bom(head: &[u8]) -> Option<bool> {
    let pairs: Vec<&[u8]> = head.chunks_exact(2).take(512).collect();
    if pairs.len() < 2 {
        return None;
    }
    let first = pairs.iter().filter(|p| p[0] == 0).count();
    let second = pairs.iter().filter(|p| p[1] == 0).count();
    let most = pairs.len() * 9 / 10;
    match (first, second) {
        (0, s) if s >= most => Some(false),
        (f, 0) if f >= most => Some(true),
        _ => None,
    }
}

/// Whether the bytes of a file that is not UTF-8 read better as Mac Roman than as
/// Windows-1252. Each byte over 0x7F is scored as each encoding reads it, by the ASCII bytes
/// around it: a lowercase letter after a letter (`Caf\x8e`: Mac é, Windows Ž) or a capital at
/// the start of a word scores; a capital after a lowercase letter, a mathematical sign or a
/// control character between letters costs; quotes where quotes go score. CR-only line ends
/// (the classic Mac's) settle a tie for Mac Roman.
fn mac_roman_reads_better(head: &[u8]) -> bool {
    let (mut mac, mut win) = (0i64, 0i64);
    for (i, &b) in head.iter().enumerate() {
        if b < 0x80 {
            continue;
        }
        let before = i.checked_sub(1).map(|j| head[j]);
        let after = head.get(i + 1).copied();
        mac += score(single_byte_char(Encoding::MacRoman, b), before, after);
        win += score(single_byte_char(Encoding::Windows1252, b), before, after);
    }
    let cr_only = head.contains(&b'\r') && !head.contains(&b'\n');
    mac > win || (mac == win && cr_only)
}

/// How likely `c` is between the bytes `before` and `after` (see [`mac_roman_reads_better`]).
fn score(c: char, before: Option<u8>, after: Option<u8>) -> i64 {
    let letter = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphabetic() || b >= 0x80);
    let lower = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b >= 0x80);
    if c.is_alphabetic() {
        return match (letter(before), c.is_lowercase()) {
            (true, true) => 1,
            (true, false) if lower(before) => -2,
            (false, false) if lower(after) => 1,
            _ => 0,
        };
    }
    match c {
        // An apostrophe inside a word, a quote opening before one or closing after one.
        '\u{2019}' if letter(before) && letter(after) => 1,
        '\u{2018}' | '\u{201c}' if !letter(before) && letter(after) => 1,
        '\u{2019}' | '\u{201d}' if letter(before) && !letter(after) => 1,
        c if c.is_control() => -3,
        // Signs that do not stand between letters in text.
        '\u{2200}'..='\u{22ff}' | '\u{25ca}' | '\u{2044}' | '\u{f8ff}' | '\u{3a9}' | '\u{3c0}'
            if letter(before) || letter(after) =>
        {
            -1
        }
        _ => 0,
    }
}
