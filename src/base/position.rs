//! Where a record starts in a file: what the reader, the splitter and the report share.

/// A place in a file where a record may start: its byte offset and 1-based line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// Bytes before it.
    pub offset: u64,
    /// Its line: one more than the `\n` bytes before it.
    pub line: u64,
}

impl Position {
    /// The start of a file.
    pub const START: Position = Position { offset: 0, line: 1 };
}
