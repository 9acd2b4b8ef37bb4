//! csv2segment: CSV files into Segment, correct to the last row.
//!
//! The engine reads a CSV file as a stream of chunks, maps each row to a Segment call by the
//! file's name and header, and packs the calls into request bodies for Segment's HTTP Tracking
//! API (`/v1/batch`) or Objects API (`/v1/set`). Rows that cannot become a valid call are
//! reported with their line, column and a reason, and the rest of the file goes on.
//!
//! - The file name picks the call: `identify_`, `track_`, `page_`, `screen_`, `group_`,
//!   `alias_`, or `object_<collection>_` (see [`FileSpec`]).
//! - Each header cell is a dotted path (`traits.address.city`, `properties.items[0].sku`) with
//!   an optional type (`traits.age:integer`); the header is planned once per file.
//! - A mapping (`csv2segment.json`, see [`Options::mapping`]) reads files as they come: any
//!   name, delimiter, encoding and column names, with values every row gets.
//! - Every message gets a deterministic messageId from the source identity and the row's byte
//!   offset, so a file sent twice is de-duplicated by Segment.
//!
//! ```
//! use csv2segment::{Ingest, Options};
//!
//! let mut ing = Ingest::new("identify_1.csv", "example", Options::default())?;
//! ing.write(b"userId,traits.plan,traits.seats\n42,pro,5\n")?;
//! ing.finish()?;
//! let body = String::from_utf8(ing.next_batch().unwrap().body).unwrap();
//! assert!(body.contains(r#""traits":{"plan":"pro","seats":5}"#));
//! # Ok::<(), csv2segment::Error>(())
//! ```
//!
//! The WebAssembly binding (`bindings`, built for `wasm32` only) exposes the same engine to
//! JavaScript; nothing else in the crate knows of JavaScript.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use base::limits::{
    DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_REJECTIONS, MAX_BATCH_BYTES, MAX_BATCH_EVENTS,
    MAX_CONSTANT_BYTES, MAX_EVENT_BYTES, MAX_GROUP_ROWS, MAX_HEADER_BYTES, MAX_ID_CHARS,
    MAX_MAPPING_BYTES, MAX_MAPPING_COLUMNS, MAX_OBJECTS_PER_REQUEST, MAX_SHARED_STRINGS_BYTES,
    MAX_VALUES, MAX_WORKBOOK_PART_BYTES,
};
pub use base::position::Position;
pub use base::reason::{Reason, REJECTS_COLUMN};
pub use gunzip::{Gunzip, GzipError, GzipErrorKind};
pub use ingest::{draft, validate, Ingest, Validation};
pub use map::column::{CellType, ColumnType};
pub use map::date_format::{read_date, read_joined_date};
pub use map::draft::{rule_matches, ColumnExample, Draft, DraftNote, NoteKind, DRAFT_SAMPLE_BYTES};
pub use map::file_name::{AcceptedPrefixes, CallKind, FileSpec, ACCEPTED_PREFIXES};
pub use map::file_name::{FileNameError, FileNameProblem};
pub use map::header::{HeaderError, HeaderProblem};
#[doc(hidden)]
pub use map::mapping::generated::{mapping_schema, mapping_typescript};
pub use map::mapping::vocabulary::{vocabulary, Vocabulary};
pub use map::mapping::MappingError;
pub use map::plan::ColumnInfo;
pub use map::spec::spec_fields;
pub use options::{EmptyCells, Options, Typing};
pub use pieces::mapped::FileSplitter;
pub use pieces::merge;
pub use pieces::split::{Shard, Split, SplitSoFar, Splitter};
pub use read::frame::Broken;
pub use report::error::{Error, ErrorKind};
pub use report::reject::Rejection;
pub use report::{GroupNotes, MappingUsed, Progress, Report};
#[doc(hidden)]
pub use values::values_typescript;
pub use workbook::{
    draft_workbook, is_workbook, validate_workbook, ByteRange, WorkbookDraft, WorkbookIngest,
    WorkbookValidation,
};
pub use write::batch::{Batch, BatchInfo, Endpoint, SENT_AT_LEN, SENT_AT_OFFSET};

// The modules stand in layers, from the bottom: base (with options) → read (with gunzip) →
// map → write → report → pieces → ingest (the run, with values) → bindings. None imports from a layer above
// its own, and none import each other: tests/layers.rs holds the layers and checks both.

/// Limits, positions, reject reasons, JSON strings: what every stage above it shares.
mod base;
/// .gz files of any number of members, for hosts whose own decompression cannot read them.
mod gunzip;
/// The streaming engine that runs the stages; the one-shot calls on a whole file.
mod ingest;
/// The plan of each row's call: file name, header, mapping, cells.
mod map;
/// The engine's settings.
mod options;
/// A file run in pieces: shards, continuations and their merged report.
mod pieces;
/// The stages, in the order bytes go through them.
mod read;
/// What happened to the file: the report, rejected rows, the errors that stop a file.
mod report;
/// The TypeScript of the values the engine hands its hosts, generated from their types.
mod values;
/// Excel workbooks: a sheet's typed rows through the same row writer as a CSV's records.
mod workbook;
/// Each row's JSON, written straight into request bodies.
mod write;

#[cfg(target_arch = "wasm32")]
pub mod bindings;

/// Records and fields in `data` as the engine's record reader alone splits them, in 64 KiB
/// chunks: for `npm run bench`, which sets it beside csv-core's reader.
#[doc(hidden)]
pub fn count_records(data: &[u8], delimiter: u8) -> (u64, u64) {
    let mut reader = read::records::RecordReader::new(delimiter, 0, DEFAULT_MAX_RECORD_BYTES);
    let (mut count, mut fields) = (0u64, 0u64);
    let mut each = |rec: read::records::Record<'_>| -> Result<bool, ()> {
        count += 1;
        fields += rec.len() as u64;
        Ok(true)
    };
    for chunk in data.chunks(64 * 1024) {
        let _ = reader.push(chunk, &mut each);
    }
    let _ = reader.finish(&mut each);
    (count, fields)
}
