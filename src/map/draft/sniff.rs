//! The first question of a draft: how the file is written. Its encoding, its delimiter and
//! whether its first row names the columns, found with the engine's own decoder, dialect
//! guess and record reader, so the draft reads the sample as a run reads the file.

use std::collections::HashSet;

use super::profile::{value_kind, Kind};
use super::{NoteKind, Notes, DRAFT_SAMPLE_BYTES};
use crate::read::decode::{Compressed, Decoder, Encoding};
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
    // The encoding: a byte order mark says it; valid UTF-8 is UTF-8; else Windows-1252.
    let (encoding, encoding_name) = match head {
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => (Encoding::Utf16, Some("utf-16")),
        [0xef, 0xbb, 0xbf, ..] => (Encoding::Utf8, None),
        _ => match std::str::from_utf8(head) {
            Ok(_) => (Encoding::Utf8, None),
            // Cut inside a character at the end of the sample: still UTF-8.
            Err(e) if e.error_len().is_none() && !whole => (Encoding::Utf8, None),
            Err(_) => {
                notes.note(
                    NoteKind::Guess,
                    "encoding".into(),
                    None,
                    "the file is not UTF-8: read as Windows-1252 (Excel's Western European encoding); if letters such as ä or é look wrong in the preview, change \"encoding\"".into(),
                );
                (Encoding::Windows1252, Some("windows-1252"))
            }
        },
    };
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

    // A header: a first row of distinct names, none of which reads as a value.
    let has_header = match records.first() {
        None => true,
        Some(first) => {
            let mut seen = HashSet::new();
            first.iter().all(|c| {
                let t = c.trim();
                !t.is_empty() && seen.insert(t.to_string()) && value_kind(t) == Kind::Text
            })
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
    Ok(Sample {
        encoding: encoding_name,
        delimiter,
        has_header,
        names,
        records,
    })
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
