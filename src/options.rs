//! The engine's settings, with Segment's limits as their ceilings.

use serde::Deserialize;

use crate::base::limits::{
    DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_REJECTIONS, MAX_BATCH_BYTES, MAX_BATCH_EVENTS,
    MAX_EVENT_BYTES, MAX_OBJECTS_PER_REQUEST, MAX_RECORD_BYTES_CEILING,
};

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

/// An option out of its range: the message names the option, its range and the value given.
/// The run turns it into an [`crate::Error`] of kind `Options`.
#[derive(Debug)]
pub(crate) struct OutOfRange(pub(crate) String);

impl Options {
    /// Checks the limits against Segment's.
    pub(crate) fn check(&self) -> Result<(), OutOfRange> {
        let bad = |msg: String| Err(OutOfRange(msg));
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
