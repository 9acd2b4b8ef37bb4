//! Reading: bytes of a file in, CSV records out, each with its line, offset and raw text.
//!
//! [`decode`] turns the file's encoding into UTF-8, [`dialect`] guesses a delimiter, [`frame`]
//! is the one rule for where a record ends on any input (over-long rows, quotes that never
//! close), and [`records`] cuts the stream into records by it.

pub(crate) mod decode;
pub(crate) mod dialect;
pub(crate) mod frame;
pub(crate) mod records;
pub(crate) mod xlsx;
