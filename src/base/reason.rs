//! Why a row cannot become a Segment call, in words a person can act on: every stage that
//! rejects a row (the reader, the cells, the writer) names its reason with this one type.

use std::fmt;

/// How much of a cell a reason quotes; the rest is cut, with `…`.
const QUOTE_LIMIT: usize = 60;

/// Why a row was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The row has more or fewer fields than the header.
    FieldCount {
        /// Fields in the row.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
    /// A cell is not valid UTF-8.
    NotUtf8,
    /// Neither `userId` nor `anonymousId` has a value.
    MissingIdentity,
    /// A field the call needs is empty.
    Empty {
        /// The field, like `event`.
        field: &'static str,
        /// The call, like `track`.
        call: &'static str,
    },
    /// A date that cannot be read.
    Timestamp(String),
    /// A date that does not fit the mapping's format.
    TimestampFormat {
        /// The cell.
        text: String,
        /// The format, as the mapping gives it.
        format: String,
    },
    /// A date that reads as a time outside the years 1900 to 2200, which no export means: a
    /// format that does not fit (`08-11-16` read as `%Y-%m-%d` is the year 8), or a typo.
    TimestampRange {
        /// The cell.
        text: String,
        /// The year it reads as, when there is one to name.
        year: Option<i64>,
        /// How it was read, as the message says it: `with %Y-%m-%d`, `as Unix seconds`,
        /// `as Unix milliseconds`, or empty for an ISO-8601 date.
        how: String,
        /// The format of the draft's list that reads it inside the range, if one does.
        fix: Option<String>,
    },
    /// A date whose other parts (the columns of its `with`) are in a cell left empty: read
    /// alone, it would be a wrong time (midnight, or UTC), so the row is refused.
    JoinedEmpty {
        /// The date's cell.
        text: String,
        /// The empty cell's column, 1-based.
        column: usize,
        /// Its name in the header.
        name: String,
    },
    /// A date whose time zone abbreviation (a `%Z` in the mapping's format) is not one
    /// csv2segment knows.
    TimeZoneName {
        /// The cell.
        text: String,
        /// The abbreviation, or empty when the cell has none.
        zone: String,
    },
    /// Not a number, in a `:number` column.
    Number(String),
    /// Not a whole number, in an `:integer` column.
    Integer(String),
    /// Not a boolean, in a `:boolean` column.
    Boolean(String),
    /// Not JSON, in a `:json` column.
    Json {
        /// The cell.
        text: String,
        /// What the JSON parser said.
        detail: String,
    },
    /// Not a JSON object, where the spec wants one (`traits:json`).
    JsonNotObject(String),
    /// A value over one of Segment's length limits.
    TooLong {
        /// The field.
        field: &'static str,
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The row is over the largest record (the `maxRecordBytes` option), outside quotes.
    RowTooLong {
        /// The limit, in bytes.
        max: usize,
    },
    /// A quote opened a field and never closed: the row was read to the first line break
    /// after it, as if it were plain text.
    StrayQuote {
        /// The 1-based column the quote opened.
        column: u32,
        /// The limit it ran past, or `None` when it ran to the end of the file.
        max: Option<usize>,
    },
    /// A cell its column's `values` table does not list, with `"unlisted": "reject"`.
    NotInValues {
        /// The cell.
        text: String,
        /// Where the table is in the mapping, like `files[0].columns["event_type"].values`.
        path: String,
        /// The values the table lists (the first few).
        listed: String,
    },
    /// The whole event is over Segment's 32 KB limit.
    TooLarge {
        /// The event's size in bytes.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The cell of a mapping's `group` column is empty: the row names no group.
    GroupKeyEmpty,
    /// A group of more rows than an event is read from ([`crate::MAX_GROUP_ROWS`]).
    GroupTooManyRows {
        /// The group's rows.
        rows: u64,
        /// The limit.
        max: usize,
    },
    /// A group whose items make an event over Segment's 32 KB limit.
    GroupTooLarge {
        /// The group's rows.
        rows: u64,
        /// The limit, in bytes.
        max: usize,
    },
    /// A row rejected with its group, because another row of the group was.
    WithGroup {
        /// The line of the group's first row.
        first: u64,
        /// The other row's rejection, as its message says it.
        why: String,
    },
}

/// A size as people write it: `1 MiB`, `64 KiB`, or bytes.
fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// A cell as quoted in a reason: at most [`QUOTE_LIMIT`] characters.
pub(crate) fn quote(cell: &str) -> String {
    match cell.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => format!("{}…", &cell[..cut]),
        None => cell.to_string(),
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::FieldCount { found, expected } => write!(
                f,
                "the row has {found} fields but the header has {expected}; check for a missing \
                 or extra delimiter, or a quote that is not closed"
            ),
            Reason::NotUtf8 => f.write_str(
                "the text is not valid UTF-8; save the file as UTF-8, or give its encoding in \
                 csv2segment.json (\"encoding\": \"windows-1252\")",
            ),
            Reason::MissingIdentity => {
                f.write_str("userId and anonymousId are both empty; fill in at least one")
            }
            Reason::Empty { field, call } => {
                write!(f, "{field} is empty; every {call} call needs one")
            }
            Reason::Timestamp(t) => write!(
                f,
                "cannot read '{t}' as a date; write it like 2019-05-11T20:32:27.940Z, \
                 2019-05-11 or as Unix seconds"
            ),
            Reason::TimestampFormat { text, format } => write!(
                f,
                "cannot read '{text}' as a date in the mapping's format {format}; fix the cell \
                 or the format"
            ),
            Reason::TimestampRange {
                text,
                year,
                how,
                fix,
            } => {
                let how = if how.is_empty() {
                    String::new()
                } else {
                    format!(" {how}")
                };
                match (year, fix) {
                    (Some(year), Some(fix)) => {
                        write!(f, "'{text}' reads as the year {year}{how}; is it {fix}?")
                    }
                    (Some(year), None) => {
                        write!(
                        f,
                        "'{text}' reads as the year {year}{how}, outside the years 1900 to 2200; \
                         fix the cell{}",
                        if how.starts_with(" with") { " or the format" } else { "" }
                    )
                    }
                    (None, _) => write!(
                        f,
                        "'{text}' reads as a time far outside the years 1900 to 2200{how}; fix \
                         the cell"
                    ),
                }
            }
            Reason::JoinedEmpty { text, column, name } => write!(
                f,
                "the date '{text}' is read with column {column} ({name}), which is empty in this \
                 row; fill it in, or take {name} out of the mapping's \"with\" if the date is \
                 whole without it"
            ),
            Reason::TimeZoneName { text, zone } if zone.is_empty() => write!(
                f,
                "'{text}' has no time zone abbreviation where the format's %Z is; add one \
                 (like UTC or PST) or take %Z out of the format"
            ),
            Reason::TimeZoneName { text, zone } => write!(
                f,
                "'{text}' is in the time zone {zone}, which csv2segment does not know (the \
                 format's docs list the abbreviations it reads); give the offset instead, with \
                 %z and +01:00 in the cells, or \"timezone\" and no %Z"
            ),
            Reason::NotInValues { text, path, listed } => write!(
                f,
                "'{text}' is not in the column's values table ({path}: {listed}); add it there, \
                 or remove \"unlisted\": \"reject\" to send values the table does not list as \
                 written"
            ),
            Reason::Number(t) => write!(f, "'{t}' is not a number; write it like 1234.5"),
            Reason::Integer(t) => {
                write!(f, "'{t}' is not a whole number; write it like 1234")
            }
            Reason::Boolean(t) => write!(f, "'{t}' is not a boolean; write true or false"),
            Reason::Json { text, detail } => {
                write!(f, "'{text}' is not valid JSON ({detail})")
            }
            Reason::JsonNotObject(t) => write!(
                f,
                "'{t}' is not a JSON object; write it like {{\"plan\":\"pro\"}}"
            ),
            Reason::TooLong { field, len, max } => write!(
                f,
                "{field} is {len} characters long; Segment takes at most {max}"
            ),
            Reason::RowTooLong { max } => write!(
                f,
                "the row is over {}; check for a missing line break, or raise maxRecordBytes",
                size(*max)
            ),
            Reason::StrayQuote {
                column,
                max: Some(max),
            } => write!(
                f,
                "the row is over {}; a quote opened at column {column} is probably never \
                 closed (the row ends at the first line break after it)",
                size(*max)
            ),
            Reason::StrayQuote { column, max: None } => write!(
                f,
                "a quote opened at column {column} is never closed (the row ends at the first \
                 line break after it); close it or remove it"
            ),
            Reason::TooLarge { bytes, max } => write!(
                f,
                "the event would be {bytes} bytes, over Segment's limit of {max}; shorten its \
                 longest values"
            ),
            Reason::GroupKeyEmpty => f.write_str(
                "the group column is empty, so the row belongs to no event; fill in its order, \
                 as on the order's other rows",
            ),
            Reason::GroupTooManyRows { rows, max } => write!(
                f,
                "the group has {rows} rows, over the {max} one event is read from \
                 (MAX_GROUP_ROWS); check that the mapping's \"group\" names the column of the \
                 order, or send the rows as orders of their own"
            ),
            Reason::GroupTooLarge { rows, max } => write!(
                f,
                "the event of the group's {rows} rows would be over Segment's limit of {max} \
                 bytes; map fewer item columns, or send the rows as orders of their own"
            ),
            Reason::WithGroup { first, why } => write!(
                f,
                "rejected with its group (the rows from line {first} with the same group cell), \
                 as one of its rows was: {why}"
            ),
        }
    }
}

/// The name of the column the rejects CSV adds (so no mapped column may have it).
pub const REJECTS_COLUMN: &str = "csv2segment_error";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut() {
        let long = "é".repeat(100);
        let q = quote(&long);
        assert_eq!(q.chars().count(), QUOTE_LIMIT + 1);
        assert!(q.ends_with('…'));
        assert_eq!(quote("short"), "short");
    }
}
