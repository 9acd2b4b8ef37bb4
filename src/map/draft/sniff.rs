//! The first question of a draft: how the file is written. Its encoding, its delimiter and
//! whether its first row names the columns, found with the engine's own decoder, dialect
//! guess and record reader, so the draft reads the sample as a run reads the file.

use std::collections::HashSet;

use super::profile::{value_kind, Kind};
use super::{NoteKind, Notes, DRAFT_SAMPLE_BYTES};
use crate::read::decode::{single_byte_char, Compressed, Decoder, Encoding};
use crate::read::dialect;
use crate::read::records::RecordReader;

/// How the sampled part of a file is written, and its records as text.
pub(super) struct Sample {
    /// The encoding's name for the rule (`None`: UTF-8, the default).
    pub encoding: Option<&'static str>,
    pub delimiter: u8,
    pub has_header: bool,
    /// The columns' names: the header row, or `column1`, `column2`, … without one.
    pub names: Vec<String>,
    /// Every sampled record, the header row first when there is one.
    pub records: Vec<Vec<String>>,
}

impl Sample {
    /// The records of values (after the header row, if any).
    pub fn rows(&self) -> &[Vec<String>] {
        if self.has_header {
            self.records.get(1..).unwrap_or_default()
        } else {
            &self.records
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
    let delimiter = if tsv { b'\t' } else { dialect::guess(&text) };

    // The records of the sample, the last one only when the sample is the whole file (or
    // there is no other: one record longer than the sample).
    let mut reader = RecordReader::new(delimiter, 0, DRAFT_SAMPLE_BYTES);
    let mut records: Vec<Vec<String>> = Vec::new();
    let _ = reader.push(&text, &mut |rec| take(&mut records, rec));
    if whole || records.is_empty() {
        let _ = reader.finish(&mut |rec| take(&mut records, rec));
    }
    if !whole && records.len() <= 1 {
        notes.note(
            NoteKind::Guess,
            String::new(),
            None,
            format!("the first {} KB of the file hold at most one record: the draft saw no rows of values", DRAFT_SAMPLE_BYTES / 1024),
        );
    }

    let has_header = match records.first() {
        None => true,
        Some(first) => is_header(first, records.get(1..).unwrap_or_default()),
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
    Ok(Sample {
        encoding: encoding_name,
        delimiter,
        has_header,
        names,
        records,
    })
}

/// Whether `first` is a header over `rows`: its names, trimmed, are distinct and none reads as
/// a value. Some may be blank (a trailing comma, a column with no name) when most are not and
/// the rows below show they are names: a named column holds values that are not text (numbers,
/// dates, emails) under its text name.
fn is_header(first: &[String], rows: &[Vec<String>]) -> bool {
    let mut seen = HashSet::new();
    let mut blanks = 0;
    for cell in first {
        let t = cell.trim();
        if t.is_empty() {
            blanks += 1;
        } else if !seen.insert(t) || value_kind(t) != Kind::Text {
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
fn guess_encoding(head: &[u8], whole: bool, notes: &mut Notes) -> (Encoding, Option<&'static str>) {
    match head {
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => return (Encoding::Utf16, Some("utf-16")),
        [0xef, 0xbb, 0xbf, ..] => return (Encoding::Utf8, None),
        _ => {}
    }
    if let Some(big_endian) = utf16_without_bom(head) {
        let (encoding, name, order) = if big_endian {
            (Encoding::Utf16Be, "utf-16be", "big")
        } else {
            (Encoding::Utf16, "utf-16", "little")
        };
        notes.note(
            NoteKind::Guess,
            "encoding".into(),
            None,
            format!("every other byte of the file is NUL: read as UTF-16 ({order}-endian) without a byte order mark; if the preview looks wrong, change \"encoding\""),
        );
        return (encoding, Some(name));
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
            (Encoding::MacRoman, Some("macintosh"))
        }
        Err(_) => {
            notes.note(
                NoteKind::Guess,
                "encoding".into(),
                None,
                "the file is not UTF-8: read as Windows-1252 (Excel's Western European encoding); if letters such as ä or é look wrong in the preview, change \"encoding\"".into(),
            );
            (Encoding::Windows1252, Some("windows-1252"))
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
