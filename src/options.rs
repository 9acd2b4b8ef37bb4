//! The engine's settings, with Segment's limits as their ceilings.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::base::limits::limit;
use crate::base::limits::{
    DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_REJECTIONS, MAX_BATCH_BYTES, MAX_BATCH_EVENTS,
    MAX_EVENT_BYTES, MAX_OBJECTS_PER_REQUEST, MAX_RECORD_BYTES_CEILING,
};

/// What an empty cell becomes in `properties`, `traits` and object properties.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Typing {
    /// Numbers that read back as the same text, and `true`/`false`, as JSON numbers and booleans (the default).
    #[default]
    Infer,
    /// Every such cell as a string, as the seed's tutorial did.
    Strings,
}

/// Settings of an Ingest; every one has a default.
// IngestOptions in TypeScript; the docs state each limit by its number (from limit!), which
// tests/js/core/dts-limits.test.mjs tries on the engine.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[schemars(rename = "IngestOptions")]
pub struct Options {
    /// What an empty cell of properties, traits or an object becomes. Default "omit".
    pub empty: EmptyCells,
    /// "infer": exact numbers and true/false typed; "strings": every data cell a string. Default "infer".
    pub typing: Typing,
    #[doc = concat!(" Rejected rows kept in full in the report (all are counted). Default ", limit!(DEFAULT_MAX_REJECTIONS), " (DEFAULT_MAX_REJECTIONS).")]
    pub max_rejections: usize,
    #[doc = concat!(" Payloads kept as samples. Default 0 (", limit!(VALIDATE_SAMPLE_PAYLOADS), " for validate).")]
    pub sample_payloads: usize,
    #[doc = concat!(" Largest request body in bytes. Default and ceiling ", limit!(MAX_BATCH_BYTES), " (MAX_BATCH_BYTES).")]
    pub max_batch_bytes: usize,
    #[doc = concat!(" Most events in a /v1/batch body. Default and ceiling ", limit!(MAX_BATCH_EVENTS), " (MAX_BATCH_EVENTS).")]
    pub max_batch_events: usize,
    #[doc = concat!(" Most objects in a /v1/set body. Default and ceiling ", limit!(MAX_OBJECTS_PER_REQUEST), " (MAX_OBJECTS_PER_REQUEST).")]
    pub max_objects_per_request: usize,
    #[doc = concat!(" Largest row in bytes (line ending excluded): a longer one is rejected without being held. Default ", limit!(DEFAULT_MAX_RECORD_BYTES), " (DEFAULT_MAX_RECORD_BYTES); at most 1 GiB.")]
    pub max_record_bytes: usize,
    /// A mapping (the text of a csv2segment.json, see schema/csv2segment.schema.json): how to read
    /// files that were not named and headed for csv2segment. Every host passes the same bytes.
    #[doc = concat!(" At most ", limit!(MAX_MAPPING_BYTES), " bytes (MAX_MAPPING_BYTES, also maxMappingBytes()): a longer one is refused unread.")]
    #[schemars(with = "String")]
    pub mapping: Option<String>,
    /// Where the mapping was found (a bucket key, a path), for the report and messages.
    #[schemars(with = "String")]
    pub mapping_key: Option<String>,
    /// The version of the mapping read (its eTag), for the report.
    #[serde(rename = "mappingETag")]
    #[schemars(with = "String")]
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
    /// The options' names as hosts write them, so that a misspelt one is refused by name
    /// rather than ignored (tests check them against the options' fields).
    pub const NAMES: [&'static str; 11] = [
        "empty",
        "typing",
        "maxRejections",
        "samplePayloads",
        "maxBatchBytes",
        "maxBatchEvents",
        "maxObjectsPerRequest",
        "maxRecordBytes",
        "mapping",
        "mappingKey",
        "mappingETag",
    ];

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

#[cfg(test)]
mod tests {
    use super::Options;

    #[test]
    fn the_names_are_the_options_fields() {
        let schema = schemars::schema_for!(Options);
        let mut fields: Vec<&str> = schema
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut names = Options::NAMES.to_vec();
        fields.sort_unstable();
        names.sort_unstable();
        assert_eq!(names, fields);
    }
}
