//! Mapping: which call a file's rows become and where each column goes in it.
//!
//! [`file_name`] reads the call from the name, [`file_plan`] decides once how a file is read
//! (call, rule, encoding, delimiter, header), [`column`] reads a header cell into a path and
//! a type, [`spec`] holds Segment's rules for each call's fields, [`plan`] compiles the header
//! (and a [`mapping`], when a `csv2segment.json` applies) into write operations once per file,
//! and [`straight`] joins those operations into a straight line for rows with every cell
//! filled; [`cell`], [`timestamp`] and [`date_format`] turn each cell into its JSON value;
//! [`constant`] checks a mapping's `set` values by the same rules, and [`values`] holds a
//! column's table of values to send instead of the cell's.
//! [`draft`] writes a mapping rule from a file's first rows.

pub(crate) mod cell;
pub(crate) mod column;
pub(crate) mod constant;
pub(crate) mod date_format;
pub mod draft;
pub(crate) mod file_name;
pub(crate) mod file_plan;
pub(crate) mod header;
pub(crate) mod mapping;
pub(crate) mod plan;
pub(crate) mod probe;
pub(crate) mod spec;
pub(crate) mod straight;
pub(crate) mod timestamp;
pub(crate) mod values;
