//! Why a workbook cannot be read, in messages that say what is wrong and what to do.

use std::fmt;

use crate::base::limits::MAX_INFLATE_RATIO;

/// Why a workbook cannot be read: each message says what is wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum XlsxError {
    /// The zip container is damaged.
    Zip(String),
    /// The zip holds no workbook.
    NotWorkbook(String),
    /// A part's XML is malformed.
    Xml { part: String, detail: String },
    /// A small part declares more than its limit.
    TooLarge { part: String, size: u64, max: u64 },
    /// The shared strings are past their limit.
    SharedStringsTooLarge { max: usize },
    /// A part inflates to more than [`crate::base::limits::MAX_INFLATE_RATIO`] times its
    /// compressed size: a zip bomb.
    Bomb {
        part: String,
        size: u64,
        compressed: u64,
    },
    /// An XML tag (or a comment, a CDATA section) longer than can be held.
    TagTooLong { part: String, max: usize },
    /// The workbook has no sheet by that name or position.
    NoSheet { wanted: String, sheets: Vec<String> },
    /// The host did not give the bytes the engine asked for.
    Read(String),
}

impl fmt::Display for XlsxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XlsxError::Zip(what) => write!(
                f,
                "the workbook cannot be read: {what}; open it in Excel and save it again"
            ),
            XlsxError::NotWorkbook(what) => write!(
                f,
                "the file is a zip but not an Excel workbook: {what}; save it from Excel as .xlsx or as CSV"
            ),
            XlsxError::Xml { part, detail } => write!(
                f,
                "the workbook's part {part} is not well-formed XML ({detail}); open it in Excel and save it again"
            ),
            XlsxError::TooLarge { part, size, max } => write!(
                f,
                "the workbook's part {part} is {size} bytes, over the {max} a workbook's part may be; save the sheet as CSV instead"
            ),
            XlsxError::SharedStringsTooLarge { max } => write!(
                f,
                "the workbook's shared strings are over {max} bytes, more than is read into memory; save the sheet as CSV instead"
            ),
            XlsxError::Bomb { part, size, compressed } => write!(
                f,
                "the workbook's part {part} would inflate from {compressed} to {size} bytes, more than {} times its size: it is not a workbook Excel wrote (a zip bomb?); open it in Excel and save it again",
                MAX_INFLATE_RATIO
            ),
            XlsxError::TagTooLong { part, max } => write!(
                f,
                "the workbook's part {part} has an XML tag, comment or CDATA section over {max} bytes; open it in Excel and save it again"
            ),
            XlsxError::NoSheet { wanted, sheets } => write!(
                f,
                "the workbook has no sheet {wanted}; its sheets are {}: set the mapping's sheet to one of their names or to a position from 1 to {}",
                sheets
                    .iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                sheets.len()
            ),
            XlsxError::Read(what) => write!(
                f,
                "the workbook's bytes were not read as the engine asked: {what}; read the file again (was it changed while it was read?)"
            ),
        }
    }
}

/// An XML error in `part`.
pub(crate) fn xml_error(part: &str, e: quick_xml::Error) -> XlsxError {
    XlsxError::Xml {
        part: part.to_string(),
        detail: e.to_string(),
    }
}
