//! The errors that stop a whole file, each with a message that names the place and the fix.
//!
//! A row that cannot become a call is not an error of this kind: it is a [`crate::Rejection`],
//! counted and reported while the rest of the file goes on.

use std::fmt;

use crate::base::limits::MAX_HEADER_BYTES;
use crate::map::file_name::{FileNameError, FileNameProblem};
use crate::map::file_plan::PlanError;
use crate::map::header::HeaderError;
use crate::map::mapping::BadMapping;
use crate::options::OutOfRange;
use crate::read::decode::Compressed;
use crate::read::frame::Broken;

/// An error that stops a file: nothing of it is sent.
///
/// One pointer wide; the details are in [`Error::kind`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<ErrorKind>);

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error(Box::new(kind))
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// A stable name for the kind of error, for programs: `file_name`, `header`, `compressed`,
    /// `no_header`, `header_not_utf8`, `finished`, `options`, `mapping` or `workbook`.
    pub fn code(&self) -> &'static str {
        match self.kind() {
            ErrorKind::FileName { .. } => "file_name",
            ErrorKind::Header { .. } => "header",
            ErrorKind::Compressed => "compressed",
            ErrorKind::NoHeader => "no_header",
            ErrorKind::HeaderNotUtf8 => "header_not_utf8",
            ErrorKind::HeaderUnreadable(_) => "header",
            ErrorKind::Finished => "finished",
            ErrorKind::Options(_) => "options",
            ErrorKind::Mapping { .. } => "mapping",
            ErrorKind::Workbook(_) => "workbook",
        }
    }

    /// The header's problems, when the header is what failed.
    pub fn header_errors(&self) -> &[HeaderError] {
        match self.kind() {
            ErrorKind::Header { errors, .. } => errors,
            _ => &[],
        }
    }
}

/// The kinds of [`Error`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file name does not say which call to make, or names a bad collection.
    FileName {
        /// The file name, without folders.
        name: String,
        /// What is wrong with it.
        problem: FileNameProblem,
    },
    /// The header row has one or more problems; every one is listed.
    Header {
        /// The file name.
        name: String,
        /// Each problem, in column order.
        errors: Vec<HeaderError>,
    },
    /// The bytes are gzip-compressed: the host must decompress them first.
    Compressed,
    /// The input ended before a header row.
    NoHeader,
    /// The header row is not valid UTF-8.
    HeaderNotUtf8,
    /// The header row is over [`crate::MAX_HEADER_BYTES`], or a quote in it never closes.
    HeaderUnreadable(Broken),
    /// `write` or `finish` was called after `finish`.
    Finished,
    /// An option is out of its range.
    Options(String),
    /// The mapping (`csv2segment.json`) is not valid JSON or breaks its schema.
    Mapping {
        /// Where the mapping came from (its key), when the host said.
        source: Option<String>,
        /// Each problem, with its JSON path.
        errors: Vec<crate::map::mapping::MappingError>,
    },
    /// An Excel workbook that cannot be read: the message says what is wrong and the fix.
    Workbook(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            ErrorKind::FileName { name, problem } => write!(f, "{name}: {problem}"),
            ErrorKind::Header { name, errors } => {
                let n = errors.len();
                let s = if n == 1 { "" } else { "s" };
                write!(
                    f,
                    "{name}: the header has {n} problem{s}, so nothing was sent"
                )?;
                for e in errors {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
            ErrorKind::Workbook(why) => f.write_str(why),
            ErrorKind::Compressed => f.write_str(
                "the data is gzip-compressed: name the file with a .gz extension so that it is \
                 decompressed first",
            ),
            ErrorKind::NoHeader => f.write_str(
                "the file is empty: its first row must be a header naming the columns, like \
                 userId,event,timestamp",
            ),
            ErrorKind::HeaderNotUtf8 => f.write_str(
                "the header row is not valid UTF-8: save the file as UTF-8 (or UTF-16 with a \
                 byte order mark), or give its encoding in csv2segment.json \
                 (\"encoding\": \"windows-1252\")",
            ),
            ErrorKind::HeaderUnreadable(Broken::Stray { column, .. }) => write!(
                f,
                "the header row has a quote at column {column} that is never closed, so nothing \
                 was sent; close it, or remove it"
            ),
            ErrorKind::HeaderUnreadable(Broken::TooLong) => write!(
                f,
                "the header row is over {} KB without a line break, so nothing was sent; the \
                 first line must name the columns, like userId,event,timestamp",
                MAX_HEADER_BYTES / 1024
            ),
            ErrorKind::Finished => f.write_str("the file was already finished"),
            ErrorKind::Options(msg) => write!(f, "invalid option: {msg}"),
            ErrorKind::Mapping { source, errors } => {
                let n = errors.len();
                let s = if n == 1 { "" } else { "s" };
                if let Some(source) = source {
                    write!(f, "{source}: ")?;
                }
                write!(f, "the mapping has {n} problem{s}, so nothing was sent")?;
                for e in errors {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<FileNameError> for Error {
    fn from(e: FileNameError) -> Error {
        Error::new(ErrorKind::FileName {
            name: e.name,
            problem: e.problem,
        })
    }
}

// Each stage fails in its own type; the run turns them into the one `Error` here.

/// What the run says of a workbook given where text was expected.
pub(crate) const WORKBOOK_AS_TEXT: &str = "the file is an Excel workbook (a zip of XML parts), \
     not CSV text: save its sheet from Excel as \"CSV UTF-8\" and send that file";

impl From<Compressed> for Error {
    fn from(c: Compressed) -> Error {
        match c {
            Compressed::Gzip => Error::new(ErrorKind::Compressed),
            Compressed::Zip => Error::new(ErrorKind::Workbook(WORKBOOK_AS_TEXT.into())),
        }
    }
}

impl From<OutOfRange> for Error {
    fn from(e: OutOfRange) -> Error {
        Error::new(ErrorKind::Options(e.0))
    }
}

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Error {
        match e {
            PlanError::Mapping(e) => e.into(),
            PlanError::FileName(e) => e.into(),
        }
    }
}

impl From<BadMapping> for Error {
    fn from(e: BadMapping) -> Error {
        Error::new(ErrorKind::Mapping {
            source: e.source,
            errors: e.errors,
        })
    }
}
