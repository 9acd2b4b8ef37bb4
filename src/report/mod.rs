//! What happened to a file: counts, the column plan, and the rejected rows, for people and for hosts.

pub(crate) mod error;
pub(crate) mod reject;

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

use crate::base::limits::limit;
use crate::base::reason::REJECTS_COLUMN;
use crate::map::file_name::FileSpec;
use crate::map::header::HeaderError;
use crate::map::plan::ColumnInfo;
use crate::report::reject::Rejection;

/// The report of one file. Serialises to the camelCase JSON the hosts write out.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// What the file name says; null when the name is not accepted.
    pub file: Option<FileSpec>,
    /// How each column is used.
    pub columns: Vec<ColumnInfo>,
    /// Data rows read (the header not counted).
    pub rows: u64,
    /// Rows that became events (or objects); with a mapping's `group`, the events sent, one
    /// per group.
    pub events: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// With a mapping's `group`: the rows sent inside the event of their group's first row (an
    /// order's later lines), so that rows = events + rejected + groupedRows. Absent when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub grouped_rows: u64,
    /// With a mapping's `group`: later rows of a group whose order-level cell differs from the
    /// group's first row's (whose value was sent). Absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "GroupNotes")]
    pub group_conflicts: Option<GroupNotes>,
    /// With a mapping's `group`: groups whose cell came back after other rows, each part sent
    /// as an event of its own (a group is consecutive rows). Found among the last
    #[doc = concat!(" ", limit!(RECENT_GROUPS), " groups of a piece (RECENT_GROUPS). Absent when none.")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "GroupNotes")]
    pub split_groups: Option<GroupNotes>,
    /// With a mapping's `group`: rejected groups left out of `rejections` (and so of the rejects
    /// file) because all their rows did not fit in what the report keeps (`maxRejections`): a
    /// group is listed whole or not at all, so a rejects file sent again never sends part of an
    /// order. Absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "GroupNotes")]
    pub unlisted_groups: Option<GroupNotes>,
    /// Request bodies made.
    pub batches: u64,
    /// Bytes of the file written to the engine.
    pub input_bytes: u64,
    /// Bytes of the events, without batch framing.
    pub payload_bytes: u64,
    /// Cells of the rows sent that were read without the apostrophe Excel writes before a
    /// number kept as text (`'02134` sent as `02134`, Mailchimp's `'-6` as `-6`).
    pub apostrophes_removed: u64,
    /// The first rejected rows (up to the `maxRejections` option).
    pub rejections: Vec<Rejection>,
    /// The error that stopped the file, if one did.
    pub error: Option<String>,
    /// The header's problems, if it had any.
    pub header_errors: Vec<HeaderError>,
    /// Whether the whole file was read.
    pub finished: bool,
    /// The mapping the file was read through, when one was given.
    pub mapping: Option<MappingUsed>,
}

/// What a run noticed about a mapping's groups: how often, and the first few in words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct GroupNotes {
    /// How many times.
    pub count: u64,
    /// The first few, like "line 5, column 'Total': '30.00' differs from line 3's '25.00'; line 3's was sent".
    pub first: Vec<String>,
}

impl GroupNotes {
    /// The most a note keeps in `first`.
    pub const KEPT: usize = 10;

    /// Counts one, keeping its words while fewer than [`GroupNotes::KEPT`] are.
    pub(crate) fn note(notes: &mut Option<GroupNotes>, words: impl FnOnce() -> String) {
        let n = notes.get_or_insert_with(GroupNotes::default);
        n.count += 1;
        if n.first.len() < GroupNotes::KEPT {
            n.first.push(words());
        }
    }

    /// The notes of pieces in file order, as one.
    pub(crate) fn combine<'a>(
        all: impl Iterator<Item = &'a Option<GroupNotes>>,
    ) -> Option<GroupNotes> {
        let mut out: Option<GroupNotes> = None;
        for n in all.flatten() {
            let o = out.get_or_insert_with(GroupNotes::default);
            o.count += n.count;
            let room = GroupNotes::KEPT.saturating_sub(o.first.len());
            o.first.extend(n.first.iter().take(room).cloned());
        }
        out
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Which mapping a file was read through, and which of its rules applied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MappingUsed {
    /// Where the host found it (a bucket key, a path).
    pub key: Option<String>,
    /// Its version (an object's eTag).
    #[serde(rename = "eTag")]
    pub etag: Option<String>,
    /// The SHA-256 of its text, in hex: which mapping it was, whatever its key holds now.
    pub sha256: String,
    /// The index in `files` of the rule that matched the file; null when none did and the
    /// file was read by its name and header.
    pub rule: Option<usize>,
}

impl MappingUsed {
    /// The SHA-256 of a mapping's text, in lowercase hex.
    pub fn sha256_of(text: &str) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(text.as_bytes());
        let mut hex = String::with_capacity(64);
        for b in digest {
            hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            hex.push(char::from(b"0123456789abcdef"[usize::from(b & 0xf)]));
        }
        hex
    }
}

/// Counts so far, cheap enough to ask after every write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Data rows read (the header not counted).
    pub rows: u64,
    /// Rows that became events (or objects).
    pub events: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Request bodies made.
    pub batches: u64,
    /// Bytes of the file written to the engine.
    pub input_bytes: u64,
}

impl Report {
    /// The counts so far.
    pub fn progress(&self) -> Progress {
        Progress {
            rows: self.rows,
            events: self.events,
            rejected: self.rejected,
            batches: self.batches,
            input_bytes: self.input_bytes,
        }
    }

    /// A CSV of the kept rejected rows: the header, each row as it was, and a column with the reason.
    ///
    /// `None` when no row was rejected.
    pub fn rejects_csv(&self, header: &[u8], delimiter: u8) -> Option<Vec<u8>> {
        if self.rejections.is_empty() {
            return None;
        }
        let mut out = Vec::with_capacity(header.len() + 64 * self.rejections.len());
        write_rejects_header(&mut out, header, delimiter);
        for r in &self.rejections {
            write_rejects_row(&mut out, &r.raw, &r.to_string(), delimiter);
        }
        Some(out)
    }
}

/// The first line of a rejects CSV: the file's header and the reason column.
pub(crate) fn write_rejects_header(out: &mut Vec<u8>, header: &[u8], delimiter: u8) {
    out.extend_from_slice(header);
    out.push(delimiter);
    out.extend_from_slice(REJECTS_COLUMN.as_bytes());
    out.push(b'\n');
}

/// A line of a rejects CSV: the row as it was and the message, quoted.
pub(crate) fn write_rejects_row(out: &mut Vec<u8>, raw: &[u8], message: &str, delimiter: u8) {
    out.extend_from_slice(raw);
    out.push(delimiter);
    write_quoted(out, message);
    out.push(b'\n');
}

/// A CSV field in quotes, its quotes doubled.
fn write_quoted(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for part in s.split('"').enumerate() {
        if part.0 > 0 {
            out.extend_from_slice(b"\"\"");
        }
        out.extend_from_slice(part.1.as_bytes());
    }
    out.push(b'"');
}

/// A rejected row, as the report's JSON has it.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "Rejection")]
struct RejectionOut<'a> {
    /// The 1-based line where the row starts (the header is line 1).
    line: u64,
    /// The row's byte offset in the file.
    offset: u64,
    /// The 1-based column at fault, if one is.
    column: Option<usize>,
    /// That column's header.
    field: Option<&'a str>,
    /// Why, with the fix.
    reason: String,
    /// The line, the column and the reason: "line 5, column 8 (timestamp): " and the reason.
    message: String,
    /// The row as it stands in the file.
    row: Cow<'a, str>,
    /// For a row of a group (a line-item export's order), the line of its first row: a rejects
    /// file lists a group's rows all together or not at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<u64>,
}

impl Serialize for Rejection {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RejectionOut {
            line: self.line,
            offset: self.offset,
            column: self.column.as_ref().map(|c| c.0),
            field: self.column.as_ref().map(|c| c.1.as_str()),
            reason: self.reason.to_string(),
            message: self.to_string(),
            row: String::from_utf8_lossy(&self.raw),
            group: self.group,
        }
        .serialize(s)
    }
}

impl JsonSchema for Rejection {
    fn schema_name() -> Cow<'static, str> {
        RejectionOut::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        RejectionOut::json_schema(generator)
    }
}

/// A problem of the header, as the report's JSON has it.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "HeaderError")]
struct HeaderErrorOut<'a> {
    /// The column's 1-based position; null for a column that is missing.
    column: Option<usize>,
    /// The column's name as written in the header.
    name: &'a str,
    /// What is wrong, with the fix.
    message: String,
}

impl Serialize for HeaderError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        HeaderErrorOut {
            column: self.column,
            name: &self.name,
            message: self.to_string(),
        }
        .serialize(s)
    }
}

impl JsonSchema for HeaderError {
    fn schema_name() -> Cow<'static, str> {
        HeaderErrorOut::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        HeaderErrorOut::json_schema(generator)
    }
}
