//! Mapping: which call a file's rows become and where each column goes in it.
//!
//! [`file_name`] reads the call from the name, [`column`] reads a header cell into a path and
//! a type, [`spec`] holds Segment's rules for each call's fields, [`plan`] compiles the header
//! (and a [`mapping`], when a `csv2segment.json` applies) into write operations once per file,
//! and [`cell`], [`timestamp`] and [`date_format`] turn each cell into its JSON value;
//! [`constant`] checks a mapping's `set` values by the same rules.
//! [`draft`] writes a mapping rule from a file's first rows.

pub(crate) mod cell;
pub(crate) mod column;
pub(crate) mod constant;
pub(crate) mod date_format;
pub mod draft;
pub(crate) mod file_name;
pub(crate) mod header;
pub(crate) mod mapping;
pub(crate) mod plan;
pub(crate) mod spec;
pub(crate) mod timestamp;

/// Counts the name look-ups of planning a header (in tests only), so that a test can show the
/// work grows with the columns and not with their product.
#[cfg(test)]
pub(crate) mod probes {
    use std::cell::Cell;

    thread_local! {
        static COUNT: Cell<usize> = const { Cell::new(0) };
    }

    pub(crate) fn note() {
        COUNT.with(|c| c.set(c.get() + 1));
    }

    /// The look-ups since the last `take` on this thread.
    pub(crate) fn take() -> usize {
        COUNT.with(|c| c.replace(0))
    }
}

/// One look-up of a name while a header is planned.
#[inline(always)]
pub(crate) fn probe() {
    #[cfg(test)]
    probes::note();
}
