//! Where a record starts in a file: what the reader, the splitter and the report share.

/// A place where a row starts: bytes before it, and its 1-based line. In an Excel workbook,
/// whose rows have no byte offsets, both are its 1-based sheet row (see
/// [`crate::WorkbookIngest::suspend`]): a host keeps the one type for either.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
pub struct Position {
    /// Bytes before it.
    pub offset: u64,
    /// Its 1-based line: one more than the line feeds before it.
    pub line: u64,
}

impl Position {
    /// The start of a file.
    pub const START: Position = Position { offset: 0, line: 1 };
}
