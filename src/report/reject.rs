//! Rows that cannot become a Segment call: where they are, and the reason.

use std::fmt;

use crate::base::reason::Reason;

/// A rejected row, as kept in the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The 1-based line on which the row starts (the header is line 1).
    pub line: u64,
    /// The row's byte offset in the file.
    pub offset: u64,
    /// The 1-based column and its header name, when one column is at fault.
    pub column: Option<(usize, String)>,
    /// Why.
    pub reason: Reason,
    /// The row as it stands in the file, without its line ending.
    pub raw: Vec<u8>,
    /// For a row of a line-item export's group (a mapping's `group`), the line of the group's
    /// first row: a group's rows are listed all together or not at all, so that a rejects file
    /// sent again never sends part of an order.
    pub group: Option<u64>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some((index, name)) = &self.column {
            write!(f, ", column {index} ({name})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_line_column_and_fix() {
        let r = Rejection {
            line: 5,
            offset: 120,
            column: Some((8, "timestamp".into())),
            reason: Reason::Timestamp("yesterday".into()),
            raw: b"1,a,yesterday".to_vec(),
            group: None,
        };
        assert_eq!(
            r.to_string(),
            "line 5, column 8 (timestamp): cannot read 'yesterday' as a date; write it like \
             2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds"
        );
    }
}
