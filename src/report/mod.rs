//! What happened to a file: counts, the column plan, and the rejected rows, for people and for hosts.

pub(crate) mod error;
pub(crate) mod reject;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::base::reason::REJECTS_COLUMN;
use crate::map::file_name::FileSpec;
use crate::map::header::HeaderError;
use crate::map::plan::ColumnInfo;
use crate::report::reject::Rejection;

/// The report of one file. Serialises to the camelCase JSON the hosts write out.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// What the file name says.
    pub file: Option<FileSpec>,
    /// How each column is used.
    pub columns: Vec<ColumnInfo>,
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

/// Which mapping a file was read through, and which of its rules applied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingUsed {
    /// Where the host found it (a bucket key, a path).
    pub key: Option<String>,
    /// Its version (an object's eTag).
    #[serde(rename = "eTag")]
    pub etag: Option<String>,
    /// The SHA-256 of its text, in hex: which mapping it was, whatever its key holds now.
    pub sha256: String,
    /// The index in `files` of the rule that matched the file; `None` when none did and the
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

impl Report {
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

impl Serialize for Rejection {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Rejection", 7)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("offset", &self.offset)?;
        st.serialize_field("column", &self.column.as_ref().map(|c| c.0))?;
        st.serialize_field("field", &self.column.as_ref().map(|c| c.1.as_str()))?;
        st.serialize_field("reason", &self.reason.to_string())?;
        st.serialize_field("message", &self.to_string())?;
        st.serialize_field("row", &String::from_utf8_lossy(&self.raw))?;
        st.end()
    }
}

impl Serialize for HeaderError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("HeaderError", 3)?;
        st.serialize_field("column", &self.column)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}
