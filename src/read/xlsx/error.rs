//! Why a workbook cannot be read, in messages that say what is wrong and what to do.

use std::fmt;

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
    /// The workbook has no sheet by that name or position.
    NoSheet { wanted: String, sheets: Vec<String> },
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
            XlsxError::NoSheet { wanted, sheets } => write!(
                f,
                "the workbook has no sheet {wanted}; its sheets are {}",
                sheets
                    .iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
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
