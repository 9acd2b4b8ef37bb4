//! The engine's settings, with Segment's limits as their ceilings.

use serde::Deserialize;

use crate::read::frame::DEFAULT_MAX_RECORD_BYTES;
use crate::report::error::{Error, ErrorKind};

/// The limits and defaults that the TypeScript docs (bindings.rs) state, each as the one literal
/// both the constant and the docs are made of: `concat!("up to ", limit!(MAX_BATCH_EVENTS))`
/// is `"up to 2500"`. A test checks each against the size its doc comment gives.
macro_rules! limit {
    (MAX_BATCH_BYTES) => {
        486400
    };
    (MAX_BATCH_EVENTS) => {
        2500
    };
    (MAX_OBJECTS_PER_REQUEST) => {
        10
    };
    (DEFAULT_MAX_RECORD_BYTES) => {
        1048576
    };
    (DEFAULT_MAX_REJECTIONS) => {
        1000
    };
    (VALIDATE_SAMPLE_PAYLOADS) => {
        5
    };
    (DRAFT_SAMPLE_BYTES) => {
        65536
    };
    (MAX_HEADER_BYTES) => {
        65536
    };
    (MAX_MAPPING_BYTES) => {
        1048576
    };
    (MAX_CONSTANT_BYTES) => {
        32768
    };
    (MAX_MAPPING_COLUMNS) => {
        32768
    };
}
pub(crate) use limit;

/// The highest `maxRecordBytes`: a record's fields are placed with 32-bit offsets.
pub const MAX_RECORD_BYTES_CEILING: usize = 1 << 30;

/// Segment drops events over 32 KB.
pub const MAX_EVENT_BYTES: usize = 32 * 1024;
/// Segment's limit on one batch request is 500 KB; 475 KB leaves room for `sentAt` and proxies.
pub const MAX_BATCH_BYTES: usize = limit!(MAX_BATCH_BYTES);
/// Over 2,500 events, Segment answers 200 and drops the batch.
pub const MAX_BATCH_EVENTS: usize = limit!(MAX_BATCH_EVENTS);
/// The Objects API's documented limit per `/v1/set` request.
pub const MAX_OBJECTS_PER_REQUEST: usize = limit!(MAX_OBJECTS_PER_REQUEST);
/// The rejected rows a report keeps in full by default (`maxRejections`).
pub const DEFAULT_MAX_REJECTIONS: usize = limit!(DEFAULT_MAX_REJECTIONS);
/// Segment's limit on `messageId` and on an object's `id`, in characters.
pub const MAX_ID_CHARS: usize = 100;
/// The largest mapping (`csv2segment.json`) text, in bytes: a longer one is refused before it
/// is parsed (hosts refuse to download one larger). 1 MiB is hundreds of times a real one.
pub const MAX_MAPPING_BYTES: usize = limit!(MAX_MAPPING_BYTES);
/// The largest value a mapping's `set` gives every row, measured as its JSON: Segment drops
/// events over 32 KB ([`MAX_EVENT_BYTES`]), so a larger constant could never be sent.
pub const MAX_CONSTANT_BYTES: usize = limit!(MAX_CONSTANT_BYTES);
/// The most entries a rule's `columns` (or `set`) may have: the most columns a header within
/// [`crate::MAX_HEADER_BYTES`] (64 KB) can have, each a one-byte name and its delimiter.
pub const MAX_MAPPING_COLUMNS: usize = limit!(MAX_MAPPING_COLUMNS);

/// What an empty cell becomes in `properties`, `traits` and object properties.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmptyCells {
    /// Left out of the payload (the default).
    #[default]
    Omit,
    /// Sent as `null`.
    Null,
    /// Sent as `""`, as the seed's tutorial did.
    String,
}

/// How untyped cells of `properties`, `traits` and object properties are sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Typing {
    /// Numbers that read back as the same text, and `true`/`false`, as JSON numbers and booleans (the default).
    #[default]
    Infer,
    /// Every such cell as a string, as the seed's tutorial did.
    Strings,
}

/// Settings of an [`crate::Ingest`]; every field has a default.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Options {
    /// What an empty data cell becomes. Default: omitted.
    pub empty: EmptyCells,
    /// Whether data cells are typed by their text. Default: inferred.
    pub typing: Typing,
    /// How many rejected rows the report keeps in full (all are counted). Default: 1,000.
    pub max_rejections: usize,
    /// How many payloads the engine keeps as samples for a preview. Default: 0.
    pub sample_payloads: usize,
    /// The largest request body. Default and ceiling: 475 KB.
    pub max_batch_bytes: usize,
    /// The most events in a `/v1/batch` request. Default and ceiling: 2,500.
    pub max_batch_events: usize,
    /// The most objects in a `/v1/set` request. Default and ceiling: 10.
    pub max_objects_per_request: usize,
    /// The largest row, in bytes (line ending excluded): a longer one is rejected and skipped
    /// without being held. Default: 1 MiB; at most 1 GiB.
    pub max_record_bytes: usize,
    /// A mapping (`csv2segment.json`) as JSON text: how to read files that were not named and
    /// headed for csv2segment. Every host passes the same bytes. Default: none.
    pub mapping: Option<String>,
    /// Where the mapping came from (a bucket key or a path), for the report and messages.
    pub mapping_key: Option<String>,
    /// The version of the mapping read (an object's eTag), for the report.
    #[serde(rename = "mappingETag")]
    pub mapping_etag: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            empty: EmptyCells::Omit,
            typing: Typing::Infer,
            max_rejections: DEFAULT_MAX_REJECTIONS,
            sample_payloads: 0,
            max_batch_bytes: MAX_BATCH_BYTES,
            max_batch_events: MAX_BATCH_EVENTS,
            max_objects_per_request: MAX_OBJECTS_PER_REQUEST,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            mapping: None,
            mapping_key: None,
            mapping_etag: None,
        }
    }
}

impl Options {
    /// Checks the limits against Segment's.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let bad = |msg: String| Err(Error::new(ErrorKind::Options(msg)));
        if self.max_batch_bytes < MAX_EVENT_BYTES + 64 || self.max_batch_bytes > MAX_BATCH_BYTES {
            return bad(format!(
                "maxBatchBytes must be from {} to {MAX_BATCH_BYTES}, not {}",
                MAX_EVENT_BYTES + 64,
                self.max_batch_bytes
            ));
        }
        if self.max_batch_events == 0 || self.max_batch_events > MAX_BATCH_EVENTS {
            return bad(format!(
                "maxBatchEvents must be from 1 to {MAX_BATCH_EVENTS}, not {}",
                self.max_batch_events
            ));
        }
        if self.max_objects_per_request == 0
            || self.max_objects_per_request > MAX_OBJECTS_PER_REQUEST
        {
            return bad(format!(
                "maxObjectsPerRequest must be from 1 to {MAX_OBJECTS_PER_REQUEST}, not {}",
                self.max_objects_per_request
            ));
        }
        if self.max_record_bytes == 0 || self.max_record_bytes > MAX_RECORD_BYTES_CEILING {
            return bad(format!(
                "maxRecordBytes must be from 1 to {MAX_RECORD_BYTES_CEILING}, not {}",
                self.max_record_bytes
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_are_the_sizes_their_docs_give() {
        assert_eq!(MAX_BATCH_BYTES, 475 * 1024);
        assert_eq!(MAX_BATCH_EVENTS, 2500);
        assert_eq!(MAX_OBJECTS_PER_REQUEST, 10);
        assert_eq!(DEFAULT_MAX_RECORD_BYTES, 1 << 20);
        assert_eq!(DEFAULT_MAX_REJECTIONS, 1000);
        assert_eq!(crate::DRAFT_SAMPLE_BYTES, 64 * 1024);
        assert_eq!(limit!(VALIDATE_SAMPLE_PAYLOADS), 5);
        assert_eq!(crate::MAX_HEADER_BYTES, 64 * 1024);
        assert_eq!(MAX_MAPPING_BYTES, 1 << 20);
        assert_eq!(MAX_CONSTANT_BYTES, MAX_EVENT_BYTES);
        assert_eq!(MAX_MAPPING_COLUMNS, crate::MAX_HEADER_BYTES.div_ceil(2));
    }
}
