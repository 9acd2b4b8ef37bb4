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

pub use batch::{Batch, Endpoint, SENT_AT_LEN, SENT_AT_OFFSET};
pub use column::ColumnType;
pub use error::{Error, ErrorKind, FileNameProblem, HeaderError, HeaderProblem};
pub use file_name::{CallKind, FileSpec, ACCEPTED_PREFIXES};
pub use frame::{Broken, DEFAULT_MAX_RECORD_BYTES, MAX_HEADER_BYTES};
pub use ingest::{validate, Ingest, Validation};
pub use map::draft::{draft, rule_matches, Draft, DraftNote, NoteKind, DRAFT_SAMPLE_BYTES};
pub use map::pieces::FileSplitter;
pub use map::MappingError;
pub use options::{
    EmptyCells, Options, Typing, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_ID_CHARS,
    MAX_OBJECTS_PER_REQUEST,
};
pub use plan::ColumnInfo;
pub use records::Position;
pub use reject::{Reason, Rejection};
pub use report::{MappingUsed, Report, REJECTS_COLUMN};
pub use split::{Shard, Split, Splitter};

mod batch;
mod blocks;
mod cell;
mod column;
mod decode;
mod error;
mod file_name;
mod frame;
mod ingest;
mod json;
mod map;
pub mod merge;
mod message_id;
mod options;
mod payload;
mod plan;
mod records;
mod reject;
mod report;
mod split;
mod timestamp;

#[cfg(target_arch = "wasm32")]
pub mod bindings;

/// Records and fields in `data` as the engine's record reader alone splits them, in 64 KiB
/// chunks: for `npm run bench`, which sets it beside csv-core's reader.
#[doc(hidden)]
pub fn count_records(data: &[u8], delimiter: u8) -> (u64, u64) {
    let mut reader = records::RecordReader::new(delimiter, 0, DEFAULT_MAX_RECORD_BYTES);
    let (mut count, mut fields) = (0u64, 0u64);
    let mut each = |rec: records::Record<'_>| -> Result<bool, ()> {
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
