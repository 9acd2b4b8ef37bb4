//! The errors that stop a whole file, each with a message that names the place and the fix.
//!
//! A row that cannot become a call is not an error of this kind: it is a [`crate::Rejection`],
//! counted and reported while the rest of the file goes on.

use std::fmt;

use crate::file_name::ACCEPTED_PREFIXES;
use crate::frame::{Broken, MAX_HEADER_BYTES};

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
    /// `no_header`, `header_not_utf8`, `finished` or `options`.
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
        errors: Vec<crate::map::MappingError>,
    },
}

/// What is wrong with a file name.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileNameProblem {
    /// The name starts with none of the accepted prefixes.
    UnknownPrefix,
    /// The name ends in none of the accepted extensions.
    UnknownExtension,
    /// The `object_` collection breaks Segment's naming rule.
    BadCollection {
        /// The collection read from the name.
        collection: String,
        /// Which part of the rule it breaks.
        why: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            ErrorKind::FileName { name, problem } => match problem {
                FileNameProblem::UnknownPrefix => write!(
                    f,
                    "{name}: the file name does not say which call to make; start it with \
                     {ACCEPTED_PREFIXES} (for example track_2024-05.csv)"
                ),
                FileNameProblem::UnknownExtension => write!(
                    f,
                    "{name}: the file name must end in .csv, .tsv or .txt, optionally followed by .gz"
                ),
                FileNameProblem::BadCollection { collection, why } => write!(
                    f,
                    "{name}: the collection '{collection}' cannot be used: {why}; rename the \
                     file like object_rooms_1.csv"
                ),
            },
            ErrorKind::Header { name, errors } => {
                let n = errors.len();
                let s = if n == 1 { "" } else { "s" };
                write!(f, "{name}: the header has {n} problem{s}, so nothing was sent")?;
                for e in errors {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
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
                 byte order mark)",
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

/// One problem of the header row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderError {
    /// The column's 1-based position, or `None` for a column that is missing.
    pub column: Option<usize>,
    /// The column's name as written in the header.
    pub name: String,
    /// What is wrong.
    pub problem: HeaderProblem,
}

/// What is wrong with a header column.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// A column the call needs is missing.
    Missing {
        /// The call, like `track`.
        call: &'static str,
        /// The missing column(s), like `userId or anonymousId`.
        what: &'static str,
    },
    /// The column has no name.
    EmptyName,
    /// A part of the dotted path is empty (`traits..plan`).
    EmptySegment,
    /// An array index is not a number (`products[x]`), or is too large.
    BadIndex,
    /// The `:type` suffix names no known type.
    UnknownType(String),
    /// A path segment that JavaScript treats specially.
    Reserved(String),
    /// Two columns fill the same field.
    Duplicate {
        /// The first column's 1-based position.
        first: usize,
        /// The first column's name.
        first_name: String,
        /// The field both fill.
        target: String,
    },
    /// One column puts a field inside another column's value.
    Conflict {
        /// The other column's 1-based position.
        other: usize,
        /// The other column's name.
        other_name: String,
    },
    /// A field that must be an object is given a plain value.
    NotAnObject(&'static str),
    /// A single-valued field is given sub-fields (`userId.x`).
    NotAContainer(&'static str),
    /// `properties.*` in a call that takes traits, or the other way round.
    WrongContainer {
        /// The call, like `identify`.
        call: &'static str,
        /// The container the column names.
        used: &'static str,
        /// The container the call takes.
        wanted: &'static str,
    },
    /// The call has no field where the column could go (alias).
    NoPlace(&'static str),
    /// `context.library` is written by csv2segment.
    LibraryReserved,
    /// The mapping names a column the file does not have.
    MappedColumnMissing {
        /// Where in the mapping, like `files[0].columns["Email"]`.
        path: String,
    },
    /// A value the mapping sets for every row, at a place that cannot take it.
    Set(Box<HeaderProblem>),
    /// The column's type cannot be used there.
    TypeNotAllowed {
        /// The type named.
        ty: &'static str,
        /// Why not.
        why: &'static str,
    },
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.column, &self.problem) {
            (Some(c), _) => write!(f, "column {c} ({}): ", self.name)?,
            (None, HeaderProblem::Set(_)) => write!(f, "{}: ", self.name)?,
            (None, _) => write!(f, "missing column {}: ", self.name)?,
        }
        self.problem.fmt(f)
    }
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderProblem::Missing { call, what } => {
                write!(f, "{call} calls need a {what} column; add it to the header")
            }
            HeaderProblem::EmptyName => {
                f.write_str("the column has no name; name it (like traits.plan) or remove it")
            }
            HeaderProblem::EmptySegment => {
                f.write_str("the path has an empty part; write it like traits.address.city")
            }
            HeaderProblem::BadIndex => f.write_str(
                "an array index must be a whole number from 0 to 999, like products[0].sku",
            ),
            HeaderProblem::UnknownType(t) => write!(
                f,
                "unknown type '{t}'; use one of string, number, integer, boolean, timestamp, json"
            ),
            HeaderProblem::Reserved(seg) => write!(
                f,
                "'{seg}' cannot be a field name (it has a special meaning in JavaScript); rename it"
            ),
            HeaderProblem::Duplicate {
                first,
                first_name,
                target,
            } => write!(
                f,
                "fills {target}, which column {first} ({first_name}) already fills; remove or \
                 rename one of them"
            ),
            HeaderProblem::Conflict { other, other_name } => write!(
                f,
                "conflicts with column {other} ({other_name}): a field cannot be both a value \
                 and an object or a list; rename one of them"
            ),
            HeaderProblem::NotAnObject("context") => {
                f.write_str("context must be an object: name its fields, like context.ip")
            }
            HeaderProblem::NotAnObject(field) => write!(
                f,
                "{field} must be an object: name its fields (like {field}.plan) or type the \
                 column {field}:json"
            ),
            HeaderProblem::NotAContainer(field) => {
                write!(
                    f,
                    "{field} is a single value and has no fields; use {field} alone"
                )
            }
            HeaderProblem::WrongContainer { call, used, wanted } => write!(
                f,
                "{call} calls carry {wanted}, not {used}; rename the column to start with {wanted}."
            ),
            HeaderProblem::NoPlace(call) => write!(
                f,
                "{call} calls take only previousId, userId, timestamp, messageId, context.* and \
                 integrations.*; remove the column"
            ),
            HeaderProblem::LibraryReserved => {
                f.write_str("context.library is set by csv2segment; remove the column")
            }
            HeaderProblem::MappedColumnMissing { path } => write!(
                f,
                "the mapping's {path} names it, but the file has no such column; fix the name \
                 in the mapping (names are matched exactly) or remove the entry"
            ),
            HeaderProblem::Set(problem) => problem.fmt(f),
            HeaderProblem::TypeNotAllowed { ty, why } => {
                write!(f, "the type {ty} cannot be used here: {why}")
            }
        }
    }
}
