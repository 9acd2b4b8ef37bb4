//! Writing: each row as Segment JSON, straight into the request body it goes out in.
//!
//! [`payload`] runs the plan's operations for a row (with `base`'s JSON strings and block
//! copies); [`message_id`] gives each row its deterministic id; [`batch`] packs the
//! events into request bodies as full as Segment's limits allow; [`group`] makes one event of
//! each group of rows of a mapping's `group`.

pub(crate) mod batch;
pub(crate) mod group;
pub(crate) mod message_id;
pub(crate) mod payload;
