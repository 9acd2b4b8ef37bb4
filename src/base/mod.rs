//! The base every stage stands on: limits, positions, the reasons rows are rejected, and the
//! byte writers for JSON strings and short copies. It imports nothing else of the crate.
//!
//! [`limits`] holds Segment's limits and the engine's own, [`position`] a place in a file,
//! [`reason`] why a row is rejected, [`json`] writes JSON strings into a buffer and [`blocks`]
//! copies short byte strings a block at a time.

pub(crate) mod blocks;
pub(crate) mod blockscan;
pub(crate) mod json;
pub(crate) mod limits;
pub(crate) mod out;
pub(crate) mod position;
pub(crate) mod reason;
