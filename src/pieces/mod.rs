//! Pieces: one file run in many invocations, with the result of a single run.
//!
//! [`split`] cuts a file into shards at exact record boundaries, [`mapped`] does so for a file
//! read through a mapping, and [`merge`] combines the reports of the pieces into the file's.

pub(crate) mod mapped;
pub mod merge;
pub(crate) mod split;
