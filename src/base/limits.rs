//! Segment's limits and the engine's own, each defined once, below every stage that checks them.

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
    (MAX_SKIP) => {
        1000
    };
    (MAX_VALUES) => {
        1000
    };
    (MAX_SHARED_STRINGS_BYTES) => {
        67108864
    };
    (MAX_WORKBOOK_PART_BYTES) => {
        16777216
    };
    (MAX_WORKBOOK_DIRECTORY_BYTES) => {
        4194304
    };
    (MAX_INFLATE_RATIO) => {
        200
    };
    (MAX_XML_TAG_BYTES) => {
        1048576
    };
    (MAX_WITH_COLUMNS) => {
        3
    };
    (MAX_GROUP_ROWS) => {
        1000
    };
    (RECENT_GROUPS) => {
        1024
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
/// The most rows a mapping's `skip` passes over before the header row, and after it: 1000,
/// more than any export's preamble.
pub const MAX_SKIP: usize = limit!(MAX_SKIP);
/// The most entries of a column's `values` table: a table names the few distinct values of a
/// column of verbs or codes (an event log's `view`, `cart`, `purchase`); 1000 is more than any
/// such vocabulary, and a column of more distinct values is not one.
pub const MAX_VALUES: usize = limit!(MAX_VALUES);
/// The most columns a mapping's `with` joins to a date column: 3, a time, a 12-hour clock's
/// AM/PM and a time zone.
pub const MAX_WITH_COLUMNS: usize = limit!(MAX_WITH_COLUMNS);
/// The most rows one event of a mapping's `group` is read from (a line-item export's lines of
/// one order): 1000, far more than any order's items; a larger group is one rejected event, so
/// the engine never holds more than this many rows' items (and an event within Segment's 32 KB).
pub const MAX_GROUP_ROWS: usize = limit!(MAX_GROUP_ROWS);
/// How many of the last groups' cells a run remembers (as 64-bit hashes, 16 KiB) to notice a
/// group whose rows are not consecutive: one that comes back after more groups than this is
/// not noticed (it is still sent as two events; only the report's note is missed).
pub(crate) const RECENT_GROUPS: usize = limit!(RECENT_GROUPS);
/// The largest value a mapping's `set` gives every row, measured as its JSON: Segment drops
/// events over 32 KB ([`MAX_EVENT_BYTES`]), so a larger constant could never be sent.
pub const MAX_CONSTANT_BYTES: usize = limit!(MAX_CONSTANT_BYTES);
/// The most entries a rule's `columns` (or `set`) may have: the most columns a header within
/// [`crate::MAX_HEADER_BYTES`] (64 KB) can have, each a one-byte name and its delimiter.
pub const MAX_MAPPING_COLUMNS: usize = limit!(MAX_MAPPING_COLUMNS);

/// The most a workbook's shared strings may hold in memory, in bytes (their text, and 4 bytes
/// for each string's place): 64 MiB. The shared strings are the one part of a workbook held
/// whole while its sheet is streamed; past this the workbook is refused with a message that
/// says so (save the sheet as CSV instead).
pub const MAX_SHARED_STRINGS_BYTES: usize = limit!(MAX_SHARED_STRINGS_BYTES);
/// The most a workbook's small parts (the workbook, its relationships, its styles) may inflate
/// to, in bytes: 16 MiB, thousands of times a real one's; a zip bomb stops there.
pub const MAX_WORKBOOK_PART_BYTES: usize = limit!(MAX_WORKBOOK_PART_BYTES);
/// The most a workbook's central directory may be, in bytes: 4 MiB, what 65,535 entries with
/// names of 18 characters take; a real one has tens of entries in a few KB.
pub const MAX_WORKBOOK_DIRECTORY_BYTES: usize = limit!(MAX_WORKBOOK_DIRECTORY_BYTES);
/// The most a workbook's part may inflate to, as a multiple of its compressed size (with 1 MiB
/// allowed beyond it): 200. Excel's parts inflate 3 to 15 times; deflate's most is about
/// 1,030 times, what a zip bomb uses. Past it the workbook is refused before it is inflated.
pub const MAX_INFLATE_RATIO: usize = limit!(MAX_INFLATE_RATIO);
/// The longest XML tag, comment or CDATA section of a workbook's part held while it is read,
/// in bytes: 1 MiB (a cell's tag is tens of bytes; its text is bounded by `maxRecordBytes`).
pub const MAX_XML_TAG_BYTES: usize = limit!(MAX_XML_TAG_BYTES);

/// The default largest record, in bytes (line ending excluded): 1 MiB.
pub const DEFAULT_MAX_RECORD_BYTES: usize = limit!(DEFAULT_MAX_RECORD_BYTES);
/// The largest header record, in bytes: longer is a header error (and a file that is not split).
pub const MAX_HEADER_BYTES: usize = limit!(MAX_HEADER_BYTES);

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
        assert_eq!(MAX_VALUES, 1000);
        assert_eq!(MAX_SHARED_STRINGS_BYTES, 64 << 20);
        assert_eq!(MAX_WORKBOOK_PART_BYTES, 16 << 20);
        assert_eq!(MAX_CONSTANT_BYTES, MAX_EVENT_BYTES);
        assert_eq!(MAX_MAPPING_COLUMNS, crate::MAX_HEADER_BYTES.div_ceil(2));
        assert_eq!(MAX_WITH_COLUMNS, 3);
        assert_eq!(MAX_GROUP_ROWS, 1000);
        assert_eq!(RECENT_GROUPS, 1024);
        assert_eq!(MAX_WORKBOOK_DIRECTORY_BYTES, 4 << 20);
        assert_eq!(MAX_INFLATE_RATIO, 200);
        assert_eq!(MAX_XML_TAG_BYTES, 1 << 20);
    }
}
