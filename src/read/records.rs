//! Cuts a byte stream, fed in chunks cut anywhere, into CSV records with their line, offset and raw text.
//!
//! The dialect is RFC 4180 as `csv-core` reads it: `"` quotes, `""` inside quotes is a quote,
//! `\n`, `\r\n` or `\r` ends a record, blank lines are skipped. A record over the limit, or
//! with a quote that never closes, is cut by the rule in [`crate::read::frame`] and handed on as
//! broken, with only its first bytes: memory stays bounded by the limit on any input. Unlike a
//! byte-at-a-time state machine, this reader scans fields a block at a time (see
//! [`crate::base::blockscan`]) up to a byte it
//! must look at (read with a table) and does not copy unquoted ones: a cell is a slice of the
//! input, and only quoted cells are unescaped into a scratch buffer. Records are read in place
//! from each input; only a record it leaves unfinished is copied into a buffer, kept between
//! writes and completed from the next input.

use crate::base::blockscan;
use crate::base::limits::MAX_HEADER_BYTES;
use crate::base::position::Position;
use crate::read::frame::{is_line_break, Broken, Framer, Step, RAW_KEPT};
use std::ops::{ControlFlow, Range};

/// A field's place: its value (in the raw record, or in the scratch buffer when quoted) and its
/// end in the raw record.
#[derive(Clone, Copy, Debug, Default)]
struct Field {
    start: u32,
    end: u32,
    raw_end: u32,
    quoted: bool,
}

/// A record, as handed to the engine: valid until the next one is read.
pub(crate) struct Record<'a> {
    /// The 1-based line on which the record starts.
    pub line: u64,
    /// The byte offset of its first byte in the file.
    pub offset: u64,
    /// The record as it stands in the file, without line endings around it.
    pub raw: &'a [u8],
    scratch: &'a [u8],
    fields: &'a [Field],
    clean: bool,
    /// The bytes of `raw` that may not be UTF-8, from its first byte past ASCII to its last
    /// (the rest is ASCII): empty when the whole is known to be UTF-8 (no byte is past ASCII,
    /// or it was checked before).
    unchecked: Range<usize>,
    /// How many fields the record has (only the first ones are kept, see `max_fields`).
    count: usize,
    /// Why the rule of [`crate::read::frame`] cut it: then `raw` holds only its first bytes.
    pub broken: Option<Broken>,
    /// Each field's type, for a record built from typed cells (a workbook's row, see
    /// [`CellRecord`]); empty for a CSV record, whose cells are text typed by the plan.
    kinds: &'a [CellKind],
}

/// The type a workbook stored a cell's value in. The cell's text is then the value in one
/// fixed form, and the plan's conversion follows the type instead of guessing it from the text
/// (see `Conv::for_kind`): a text cell `"00123"` or `"TRUE"` stays a string, a number cell is
/// the digits the workbook stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CellKind {
    /// Text (shared, inline or a formula's string result), as it is.
    Text,
    /// A number as the workbook stores it: JSON number syntax (`-1745.53`, `7.2e86`).
    Number,
    /// `TRUE` or `FALSE`.
    Bool,
    /// A date-time, from a number with a date format: ISO-8601 UTC, `2015-01-20T00:00:00.000Z`.
    Date,
}

/// The fields of a record whose text is valid UTF-8.
///
/// Cells are handed out as bytes: the writer copies them as they are, and a `&str` would cost
/// a UTF-8 check of every row and a char-boundary check of every cell. Rows of ASCII text,
/// the most common, skip the UTF-8 check altogether.
pub(crate) struct Row<'a> {
    raw: &'a [u8],
    scratch: &'a [u8],
    fields: &'a [Field],
    /// No cell holds a byte that JSON must escape: cells can be copied as they are.
    pub clean: bool,
    kinds: &'a [CellKind],
}

impl<'a> Record<'a> {
    /// A record cut by the rule: its place and first bytes, no fields.
    fn broken(at: Position, raw: &'a [u8], broken: Option<Broken>) -> Record<'a> {
        Record {
            line: at.line,
            offset: at.offset,
            raw,
            scratch: &[],
            fields: &[],
            clean: false,
            unchecked: 0..raw.len(),
            count: 0,
            broken: broken.or(Some(Broken::TooLong)),
            kinds: &[],
        }
    }

    /// How many fields.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The record's fields as text, or the 0-based index of the first field that is not UTF-8.
    pub(crate) fn row(&self) -> Result<Row<'a>, usize> {
        // Fields are cut at ASCII bytes, so when the whole is valid, each field is.
        let field_at = |byte: usize| {
            self.fields
                .iter()
                .position(|f| f.raw_end as usize > byte)
                .unwrap_or(0)
        };
        if !self.unchecked.is_empty() {
            // Quoted cells' text in `scratch` is pieces of `raw` cut at quotes and delimiters,
            // ASCII bytes, so it is valid when `raw` is: one check is enough. ASCII around the
            // bytes past it is valid and no part of a character: only those bytes are checked.
            let (from, part) = match self.raw.get(self.unchecked.clone()) {
                Some(part) => (self.unchecked.start, part),
                None => (0, self.raw),
            };
            std::str::from_utf8(part).map_err(|e| field_at(from + e.valid_up_to()))?;
        }
        Ok(Row {
            raw: self.raw,
            scratch: self.scratch,
            fields: self.fields,
            clean: self.clean,
            kinds: self.kinds,
        })
    }
}

impl<'a> Row<'a> {
    /// How many fields.
    pub(crate) fn len(&self) -> usize {
        self.fields.len()
    }

    /// The UTF-8 text of field `i`, or nothing past the end.
    #[inline]
    pub(crate) fn cell(&self, i: usize) -> &'a [u8] {
        match self.fields.get(i) {
            Some(f) => {
                let src = if f.quoted { self.scratch } else { self.raw };
                src.get(f.start as usize..f.end as usize)
                    .unwrap_or_default()
            }
            None => &[],
        }
    }

    /// The type a workbook stored field `i` in; `None` for a CSV's cells and past the end.
    #[inline]
    pub(crate) fn kind(&self, i: usize) -> Option<CellKind> {
        self.kinds.get(i).copied()
    }

    /// The text of field `i`, or `""` past the end.
    pub(crate) fn cell_str(&self, i: usize) -> &'a str {
        // Checked by `Record::row`, so this never falls back.
        std::str::from_utf8(self.cell(i)).unwrap_or_default()
    }
}

/// A record built from cells rather than cut from bytes (a workbook's row): each cell's text
/// and [`CellKind`], and as its raw text the row written as a CSV record (for the report's
/// rejected rows and the rejects CSV). Its buffers are kept from row to row.
#[derive(Default)]
pub(crate) struct CellRecord {
    raw: Vec<u8>,
    scratch: Vec<u8>,
    fields: Vec<Field>,
    kinds: Vec<CellKind>,
    escaped: bool,
    /// Its text may not be UTF-8 (a pushed cell has a byte past ASCII): its record's
    /// [`Record::row`] checks it. A [`CellRecord::copy_row`] copy, of a row already checked,
    /// is not checked again (a group's first row is read again for each of its later rows).
    unchecked: bool,
}

impl CellRecord {
    /// Empties it for the next row.
    pub(crate) fn clear(&mut self) {
        self.raw.clear();
        self.scratch.clear();
        self.fields.clear();
        self.kinds.clear();
        self.escaped = false;
        self.unchecked = false;
    }

    /// How many cells.
    pub(crate) fn len(&self) -> usize {
        self.fields.len()
    }

    /// The bytes of its cells' text, together.
    pub(crate) fn text_len(&self) -> usize {
        self.scratch.len()
    }

    /// Adds a cell: its text and type.
    pub(crate) fn push(&mut self, text: &[u8], kind: CellKind) {
        if !self.fields.is_empty() {
            self.raw.push(b',');
        }
        let start = self.scratch.len();
        self.scratch.extend_from_slice(text);
        let needs_quotes = text
            .iter()
            .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
        for &b in text {
            self.escaped |= b < 0x20 || b == b'"' || b == b'\\';
            self.unchecked |= b >= 0x80;
        }
        if needs_quotes {
            self.raw.push(b'"');
            for &b in text {
                if b == b'"' {
                    self.raw.push(b'"');
                }
                self.raw.push(b);
            }
            self.raw.push(b'"');
        } else {
            self.raw.extend_from_slice(text);
        }
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        self.fields.push(Field {
            start: to_u32(start),
            end: to_u32(self.scratch.len()),
            raw_end: to_u32(self.raw.len()),
            quoted: true,
        });
        self.kinds.push(kind);
    }

    /// Leaves out the cells past the first `width` (a row wider than its header): how many of
    /// them held a value, and the 0-based column of the first that did.
    pub(crate) fn cut(&mut self, width: usize) -> (usize, Option<usize>) {
        if self.fields.len() <= width {
            return (0, None);
        }
        let past = &self.fields[width..];
        let dropped = past.iter().filter(|f| f.end > f.start).count();
        let first = past.iter().position(|f| f.end > f.start).map(|i| width + i);
        self.fields.truncate(width);
        self.kinds.truncate(width);
        let (end, raw_end) = self
            .fields
            .last()
            .map_or((0, 0), |f| (f.end as usize, f.raw_end as usize));
        self.scratch.truncate(end);
        self.raw.truncate(raw_end);
        (dropped, first)
    }

    /// Holds a copy of `row`'s cells (with their types, a workbook's row's), its own cleared:
    /// a row kept past the next one read (a group's first row, see [`crate::write::group`]).
    pub(crate) fn copy_row(&mut self, row: &Row<'_>) {
        // The row's buffers as they are: its fields' places stay right in the copies, and no
        // cell is quoted, escaped or scanned again (once per group, on the hot path).
        self.raw.clear();
        self.raw.extend_from_slice(row.raw);
        self.scratch.clear();
        self.scratch.extend_from_slice(row.scratch);
        self.fields.clear();
        self.fields.extend_from_slice(row.fields);
        self.kinds.clear();
        self.kinds.extend_from_slice(row.kinds);
        self.escaped = !row.clean;
        self.unchecked = false;
    }

    /// The record, on sheet row `line`; its messageIds come from `offset`.
    pub(crate) fn record(&self, line: u64, offset: u64) -> Record<'_> {
        Record {
            line,
            offset,
            raw: &self.raw,
            scratch: &self.scratch,
            fields: &self.fields,
            clean: !self.escaped,
            unchecked: if self.unchecked {
                0..self.raw.len()
            } else {
                0..0
            },
            count: self.fields.len(),
            broken: None,
            kinds: &self.kinds,
        }
    }

    /// The row as a record too long to read (over `maxRecordBytes`): its first bytes.
    pub(crate) fn too_long(&self, line: u64, offset: u64) -> Record<'_> {
        let raw = &self.raw[..self.raw.len().min(RAW_KEPT)];
        Record::broken(Position { offset, line }, raw, Some(Broken::TooLong))
    }
}

/// How reading a record from the buffer ended.
enum Scan {
    /// A record ends at this buffer position (its terminator not included).
    Record { end: usize, next: usize },
    /// The buffer ends inside the record.
    Incomplete,
    /// The input ends inside quotes.
    Unclosed,
}

/// A byte that neither ends an unquoted field nor needs escaping in JSON.
const PLAIN: u8 = 0;
/// A byte that ends an unquoted field: the delimiter, `\r`, `\n`.
const STOP: u8 = 1;
/// A byte that JSON escapes: control characters, `"`, `\\`.
const ESCAPED: u8 = 2;
/// A byte of a multi-byte UTF-8 character (or of invalid text): the record needs a UTF-8 check.
const WIDE: u8 = 4;

/// What a scan saw in a record: the classes of its bytes that are neither [`PLAIN`] nor
/// [`STOP`], and where its bytes past ASCII lie.
struct Seen {
    classes: u8,
    /// The buffer position of the first byte past ASCII (`usize::MAX` before one).
    first_wide: usize,
    /// One past the buffer position of the last byte past ASCII.
    end_wide: usize,
}

impl Default for Seen {
    fn default() -> Seen {
        Seen {
            classes: 0,
            first_wide: usize::MAX,
            end_wide: 0,
        }
    }
}

impl Seen {
    /// Byte `i` is of `class`.
    #[inline(always)]
    fn note(&mut self, class: u8, i: usize) {
        self.classes |= class;
        if class == WIDE {
            self.first_wide = self.first_wide.min(i);
            self.end_wide = i + 1;
        }
    }
}

/// The streaming record reader.
pub(crate) struct RecordReader {
    delimiter: u8,
    /// Each byte's class outside quotes: [`PLAIN`], [`STOP`], [`ESCAPED`] or [`WIDE`].
    class: [u8; 256],
    /// Input not yet read into records: starts at a record boundary.
    buf: Vec<u8>,
    /// The file offset of `buf[0]`.
    buf_offset: u64,
    /// The line of `buf[0]`.
    line: u64,
    /// The fields of the record being read (its first `count`, see [`RecordReader::add`]).
    fields: Vec<Field>,
    /// Fields in the record being read, kept or not.
    count: usize,
    /// The `\n`s in the record being read (inside quotes, and its line ending).
    newlines: u64,
    scratch: Vec<u8>,
    /// A record left incomplete is read again only once the buffer holds this many bytes, so a
    /// huge record arriving in small chunks is not re-read once per chunk.
    retry_at: usize,
    /// The largest record, in bytes; the header's until the first record is read.
    limit: usize,
    /// The limit for records after the first.
    record_limit: usize,
    /// The first record (the header) is still to come.
    first: bool,
    /// Fields past this many are counted, not kept: one more than the header's.
    max_fields: usize,
    /// A record past the limit, read by the rule of [`crate::read::frame`] without being kept.
    skipping: Option<Skipping>,
    /// Records past here were held back because the callback paused.
    paused: bool,
    /// The input is complete ([`RecordReader::finish`]): the last record may have no line ending.
    ended: bool,
    /// Records still to drop unread (a mapping's `skip`): before the first, then after it.
    skip: usize,
    /// Records to drop after the first, once it is read.
    skip_after: usize,
}

/// A record the reader is skipping: where it starts and its first bytes.
struct Skipping {
    framer: Framer,
    start: Position,
    raw: Vec<u8>,
}

impl RecordReader {
    /// A reader for `delimiter`-separated records, with `"` quotes, whose first byte is at
    /// `offset`; the first record is a header of at most [`MAX_HEADER_BYTES`], the others have
    /// at most `max_record_bytes` bytes.
    pub(crate) fn new(delimiter: u8, offset: u64, max_record_bytes: usize) -> RecordReader {
        let mut class = [PLAIN; 256];
        for c in class.iter_mut().take(0x20) {
            *c = ESCAPED;
        }
        for c in class.iter_mut().skip(0x80) {
            *c = WIDE;
        }
        class[usize::from(b'"')] = ESCAPED;
        class[usize::from(b'\\')] = ESCAPED;
        class[usize::from(delimiter)] = STOP;
        class[usize::from(b'\n')] = STOP;
        class[usize::from(b'\r')] = STOP;
        RecordReader {
            delimiter,
            class,
            buf: Vec::new(),
            buf_offset: offset,
            line: 1,
            fields: Vec::with_capacity(64),
            count: 0,
            newlines: 0,
            scratch: Vec::new(),
            retry_at: 0,
            limit: MAX_HEADER_BYTES,
            record_limit: max_record_bytes.max(1),
            first: true,
            max_fields: usize::MAX,
            skipping: None,
            paused: false,
            ended: false,
            skip: 0,
            skip_after: 0,
        }
    }

    /// Drops `before` records before the first (the header) and `after` records after it
    /// unread, as a mapping's `skip` says: lines and offsets stay the file's.
    pub(crate) fn skip_records(&mut self, before: usize, after: usize) {
        self.skip = before;
        self.skip_after = after;
    }

    /// Reads records after the header, whose width is `width`: from now on the record limit
    /// applies and fields past `width + 1` are counted, not kept.
    pub(crate) fn body(&mut self, width: usize) {
        self.first = false;
        self.limit = self.record_limit;
        self.max_fields = width.saturating_add(1);
        self.fields.truncate(self.max_fields);
    }

    /// Counts bytes that are in the file but not fed (a byte order mark).
    /// Where the next record starts: the byte offset and line of the first byte not yet read
    /// into a record (the start of a partial record, or the end of the input after `finish`).
    pub(crate) fn position(&self) -> Position {
        match &self.skipping {
            Some(sk) => sk.start,
            None => Position {
                offset: self.buf_offset,
                line: self.line,
            },
        }
    }

    /// Drops what is buffered and goes on as if the input so far had ended at `at`, a record
    /// boundary: the next byte pushed is the one at `at.offset`, on line `at.line`.
    pub(crate) fn jump(&mut self, at: Position) {
        self.buf.clear();
        self.buf_offset = at.offset;
        self.line = at.line;
        self.retry_at = 0;
        self.skipping = None;
    }

    /// The offset of the next byte to be pushed.
    pub(crate) fn end_offset(&self) -> u64 {
        self.buf_offset + self.buf.len() as u64
    }

    pub(crate) fn skip(&mut self, n: u64) {
        self.buf_offset += n;
    }

    /// Reads the records that `input` completes, calling `f` for each, until `f` answers
    /// `false`: then the rest is held back (see [`RecordReader::paused`]) for
    /// [`RecordReader::go_on`].
    ///
    /// Records are read in place from `input`: only a record it leaves incomplete (or holds
    /// back) is copied, to be completed by the next input. That one is completed from the next
    /// input's bytes up to a line break at a time, as if they came in chunks cut there, so the
    /// records after it are read in place again.
    pub(crate) fn push<E>(
        &mut self,
        input: &[u8],
        f: &mut impl FnMut(Record<'_>) -> Result<bool, E>,
    ) -> Result<(), E> {
        let mut rest = input;
        while !self.buf.is_empty() && !rest.is_empty() {
            // Bytes up to where a rescan is due, then to a line break (the record may end there).
            let need = self.retry_at.saturating_sub(self.buf.len()).min(rest.len());
            let cut = rest[need..]
                .iter()
                .position(|&b| is_line_break(b))
                .map_or(rest.len(), |k| need + k + 1);
            self.buf.extend_from_slice(&rest[..cut]);
            rest = &rest[cut..];
            if self.buf.len() < self.retry_at {
                continue;
            }
            let result = self.read_buffered(false, f);
            if self.paused || result.is_err() {
                // Held back: the rest waits in the buffer, as if it had come with this piece.
                self.buf.extend_from_slice(rest);
                return result;
            }
        }
        if rest.is_empty() {
            return Ok(());
        }
        let (pos, result) = self.read(rest, false, f);
        self.buf.extend_from_slice(&rest[pos..]);
        result
    }

    /// The input is complete: reads to its end (the last record may have no line ending),
    /// unless records are held back (see [`RecordReader::paused`]), which
    /// [`RecordReader::go_on`] then reads as the end of the input.
    pub(crate) fn finish<E>(
        &mut self,
        f: &mut impl FnMut(Record<'_>) -> Result<bool, E>,
    ) -> Result<(), E> {
        self.ended = true;
        if self.paused {
            return Ok(());
        }
        self.read_buffered(true, f)
    }

    /// Goes on reading records held back when `f` paused, as [`RecordReader::push`] (or, after
    /// [`RecordReader::finish`], as `finish`) would have.
    pub(crate) fn go_on<E>(
        &mut self,
        f: &mut impl FnMut(Record<'_>) -> Result<bool, E>,
    ) -> Result<(), E> {
        self.read_buffered(self.ended, f)
    }

    /// Whether [`RecordReader::finish`] was called: no input is to come.
    pub(crate) fn ended(&self) -> bool {
        self.ended
    }

    /// Whether the last read stopped because `f` paused, with records still to read.
    pub(crate) fn paused(&self) -> bool {
        self.paused
    }

    /// Reads the records in the buffer, keeping what is not read.
    fn read_buffered<E>(
        &mut self,
        eof: bool,
        f: &mut impl FnMut(Record<'_>) -> Result<bool, E>,
    ) -> Result<(), E> {
        // Taken out while read, so that records borrow it and not the reader; put back with
        // its capacity.
        let buf = std::mem::take(&mut self.buf);
        let (pos, result) = self.read(&buf, eof, f);
        self.buf = buf;
        self.buf.drain(..pos);
        result
    }

    /// Reads the records in `buf`, the input from the next record boundary on (its first byte
    /// at `buf_offset`): how many bytes were read (those from there on are to be kept for the
    /// next read), and how it ended.
    fn read<E>(
        &mut self,
        buf: &[u8],
        eof: bool,
        f: &mut impl FnMut(Record<'_>) -> Result<bool, E>,
    ) -> (usize, Result<(), E>) {
        let mut pos = 0;
        let mut result = Ok(true);
        self.retry_at = 0;
        loop {
            if let Some(sk) = &mut self.skipping {
                let from = (sk.framer.pos() - self.buf_offset) as usize;
                match sk.framer.step(&buf[from..], eof) {
                    Step::More { keep } => {
                        pos = (keep - self.buf_offset) as usize;
                        break;
                    }
                    Step::End { end, next, broken } => {
                        let Some(mut sk) = self.skipping.take() else {
                            break;
                        };
                        // A stray quote's row may end before bytes kept while it was unknown.
                        let len = end.saturating_sub(sk.start.offset);
                        sk.raw.truncate(usize::try_from(len).unwrap_or(usize::MAX));
                        result = if self.skip > 0 {
                            Ok(true)
                        } else {
                            f(Record::broken(sk.start, &sk.raw, broken))
                        };
                        self.after_record(0);
                        pos = (next.offset - self.buf_offset) as usize;
                        self.line = next.line;
                        if !matches!(result, Ok(true)) {
                            break;
                        }
                    }
                }
            }
            // Skip line endings before the record: blank lines, the `\n` of a `\r\n`.
            while let Some(&b) = buf.get(pos) {
                match b {
                    b'\n' => self.line += 1,
                    b'\r' => {}
                    _ => break,
                }
                pos += 1;
            }
            if pos == buf.len() {
                break;
            }
            let start = pos;
            let mut seen = Seen::default();
            // The scan looks at one byte past the limit at most: a longer record goes to the rule.
            let over = buf.len() - start > self.limit;
            let view = if over {
                start + self.limit + 1
            } else {
                buf.len()
            };
            match self.scan(&buf[..view], start, eof && !over, &mut seen) {
                Scan::Incomplete if !over => {
                    let pending = buf.len() - start;
                    self.retry_at = pending.saturating_mul(2);
                    break;
                }
                Scan::Record { end, next } => {
                    let rec = Record {
                        line: self.line,
                        offset: self.buf_offset + start as u64,
                        raw: &buf[start..end],
                        scratch: &self.scratch,
                        // Those of the last records past its count are not its own.
                        fields: &self.fields[..self.count.min(self.fields.len())],
                        clean: seen.classes & ESCAPED == 0,
                        // A delimiter past ASCII is a STOP byte, so it is not seen as WIDE.
                        unchecked: if !self.delimiter.is_ascii() {
                            0..end - start
                        } else if seen.classes & WIDE != 0 {
                            seen.first_wide - start..seen.end_wide - start
                        } else {
                            0..0
                        },
                        count: self.count,
                        broken: None,
                        kinds: &[],
                    };
                    result = if self.skip > 0 { Ok(true) } else { f(rec) };
                    self.after_record(self.count);
                    self.line += self.newlines;
                    pos = next;
                    if !matches!(result, Ok(true)) {
                        break;
                    }
                }
                Scan::Incomplete | Scan::Unclosed => {
                    // Past the limit, or a quote open at the end: the rule decides.
                    let at = Position {
                        offset: self.buf_offset + start as u64,
                        line: self.line,
                    };
                    let mut framer = Framer::new(self.delimiter, self.limit, at);
                    match framer.step(&buf[start..], eof) {
                        Step::End { end, next, broken } => {
                            let end = (end - self.buf_offset) as usize;
                            let raw = &buf[start..end.min(start + RAW_KEPT)];
                            result = if self.skip > 0 {
                                Ok(true)
                            } else {
                                f(Record::broken(at, raw, broken))
                            };
                            self.after_record(0);
                            pos = (next.offset - self.buf_offset) as usize;
                            self.line = next.line;
                            if !matches!(result, Ok(true)) {
                                break;
                            }
                        }
                        Step::More { .. } if self.first => {
                            // A header past its limit stops the file: say so now, not at its end.
                            let raw = &buf[start..(start + RAW_KEPT).min(buf.len())];
                            result = f(Record::broken(at, raw, framer.broken()));
                            self.skipping = Some(Skipping {
                                framer,
                                start: at,
                                raw: Vec::new(),
                            });
                            pos = buf.len();
                            break;
                        }
                        Step::More { keep } => {
                            let raw = buf[start..(start + RAW_KEPT).min(buf.len())].to_vec();
                            self.skipping = Some(Skipping {
                                framer,
                                start: at,
                                raw,
                            });
                            pos = (keep - self.buf_offset) as usize;
                            break;
                        }
                    }
                }
            }
        }
        self.buf_offset += pos as u64;
        self.paused = matches!(result, Ok(false));
        (pos, result.map(|_| ()))
    }

    /// After a record: one skipped is counted; after the first, the header's width caps the
    /// fields kept, the record limit applies, and the records to skip after it come.
    fn after_record(&mut self, count: usize) {
        if self.skip > 0 {
            self.skip -= 1;
        } else if self.first {
            self.body(count);
            self.skip = std::mem::take(&mut self.skip_after);
        }
    }

    /// Scans an unquoted run from `i` to the first [`STOP`] byte (or the end); adds the
    /// classes of the other bytes that are not [`PLAIN`] to `seen`.
    #[inline(always)]
    fn unquoted(&self, buf: &[u8], mut i: usize, seen: &mut Seen) -> usize {
        loop {
            // A block at a time up to the first byte that is not plain (a delimiter, `\r`, `\n`,
            // or one to note), which the table then reads.
            i = blockscan::skip_plain(buf, i, |b, at| {
                blockscan::unquoted_marks(b, at, self.delimiter)
            });
            let Some(&b) = buf.get(i) else {
                return i;
            };
            match self.class[usize::from(b)] {
                PLAIN => {}
                STOP => return i,
                class => seen.note(class, i),
            }
            i += 1;
        }
    }

    /// Reads one record at `start` in `buf` (which ends where the scan must stop), filling
    /// `fields` and `scratch`; counts its `\n`s in `newlines` and adds the classes of the bytes
    /// it holds ([`ESCAPED`], [`WIDE`]) to `seen`.
    ///
    /// Unquoted fields, the common case, are read a block at a time: each block's marks (see
    /// [`blockscan::unquoted_marks`]) are walked in turn, so one block holding several short
    /// fields is tested once. A delimiter (the most common mark, compared before the table is
    /// read) ends a field, `\r` or `\n` the record, a quote at a field's start opens a quoted
    /// field ([`RecordReader::quoted`]); other marked bytes are noted in `seen`. The last
    /// bytes, fewer than a block, are walked as if each were marked.
    fn scan(&mut self, buf: &[u8], start: usize, eof: bool, seen: &mut Seen) -> Scan {
        self.scratch.clear();
        self.count = 0;
        self.newlines = 0;
        let len = buf.len();
        // The first byte of the field being read, and of the next block to test.
        let mut field_start = start;
        let mut i = start;
        let delimiter = self.delimiter;
        'blocks: while i < len {
            let mut marks = match blockscan::unquoted_marks(buf, i, delimiter) {
                Some(marks) => marks,
                None => blockscan::each_of(len - i),
            };
            while marks != 0 {
                let at = i + blockscan::first(marks);
                marks = blockscan::without_first(marks);
                let Some(&b) = buf.get(at) else {
                    break;
                };
                if b == delimiter {
                    // The most common mark: a field ends.
                    self.add_unquoted(start, field_start, at);
                    field_start = at + 1;
                    continue;
                }
                match self.class[usize::from(b)] {
                    // A mark above the first may be inexact.
                    PLAIN => {}
                    STOP => {
                        // A line ending (the delimiter is read above).
                        self.add_unquoted(start, field_start, at);
                        return self.line_end(b, at);
                    }
                    // The delimiter is never a quote (a mapping refuses one).
                    _ if b == b'"' && at == field_start => {
                        match self.quoted(buf, start, at, eof, seen) {
                            ControlFlow::Continue(next) => {
                                field_start = next;
                                i = next;
                                continue 'blocks;
                            }
                            ControlFlow::Break(scan) => return scan,
                        }
                    }
                    class => seen.note(class, at),
                }
            }
            i += blockscan::BLOCK;
        }
        // The buffer ends in an unquoted field.
        self.add_unquoted(start, field_start, len);
        buffer_end(len, eof)
    }

    /// Adds the unquoted field from `from` to `to` (places in the buffer) of the record at
    /// `start`.
    #[inline(always)]
    fn add_unquoted(&mut self, start: usize, from: usize, to: usize) {
        self.add(Field {
            start: (from - start) as u32,
            end: (to - start) as u32,
            raw_end: (to - start) as u32,
            quoted: false,
        });
    }

    /// The record ends at the line ending `b` at `at`: `\n` counts as a line; the `\n` of
    /// `\r\n` is skipped as the next lead.
    #[inline(always)]
    fn line_end(&mut self, b: u8, at: usize) -> Scan {
        self.newlines += u64::from(b == b'\n');
        Scan::Record {
            end: at,
            next: at + 1,
        }
    }

    /// Adds a field to the record's: kept when fewer than `max_fields` are, counted always.
    /// `fields` holds as many as the widest record so far (at most `max_fields`): a field is
    /// written over the last record's at its place, and pushed only past them.
    #[inline(always)]
    fn add(&mut self, field: Field) {
        if let Some(slot) = self.fields.get_mut(self.count) {
            *slot = field;
        } else if self.count < self.max_fields {
            self.fields.push(field);
        }
        self.count += 1;
    }

    /// Reads the quoted field whose opening quote is at `at`, in the record at `start`, into
    /// `scratch` (with any text after its closing quote, as csv-core reads it), and adds it:
    /// `Continue` with the next field's start after a delimiter, else how the scan ends.
    fn quoted(
        &mut self,
        buf: &[u8],
        start: usize,
        at: usize,
        eof: bool,
        seen: &mut Seen,
    ) -> ControlFlow<Scan, usize> {
        let len = buf.len();
        let field_start = self.scratch.len() as u32;
        let mut i = at + 1;
        loop {
            let run = i;
            loop {
                // A block at a time up to a quote or a byte to note.
                i = blockscan::skip_plain(buf, i, blockscan::quoted_marks);
                let Some(&b) = buf.get(i) else {
                    break;
                };
                if b == b'"' {
                    break;
                }
                if b < 0x20 || b == b'\\' || b >= 0x80 {
                    seen.note(if b >= 0x80 { WIDE } else { ESCAPED }, i);
                    self.newlines += u64::from(b == b'\n');
                }
                i += 1;
            }
            self.scratch.extend_from_slice(&buf[run..i]);
            if i == len {
                if !eof {
                    return ControlFlow::Break(Scan::Incomplete);
                }
                return ControlFlow::Break(Scan::Unclosed);
            }
            // A quote: doubled, it is a quote; else it closes the quoted part.
            if i + 1 < len && buf[i + 1] == b'"' {
                seen.classes |= ESCAPED;
                self.scratch.push(b'"');
                i += 2;
                continue;
            }
            if i + 1 == len && !eof {
                return ControlFlow::Break(Scan::Incomplete);
            }
            i += 1;
            break;
        }
        // Text after the closing quote belongs to the field, as csv-core reads it.
        let run = i;
        i = self.unquoted(buf, i, seen);
        self.scratch.extend_from_slice(&buf[run..i]);
        self.add(Field {
            start: field_start,
            end: self.scratch.len() as u32,
            raw_end: (i - start) as u32,
            quoted: true,
        });
        match buf.get(i) {
            None => ControlFlow::Break(buffer_end(len, eof)),
            Some(&b) if b == self.delimiter => ControlFlow::Continue(i + 1),
            Some(&b) => ControlFlow::Break(self.line_end(b, i)),
        }
    }
}

/// How a record that runs to the buffer's end (`len`) ends: it is whole at the end of the
/// input, else it goes on in the next chunk.
fn buffer_end(len: usize, eof: bool) -> Scan {
    if eof {
        Scan::Record {
            end: len,
            next: len,
        }
    } else {
        Scan::Incomplete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Owned {
        line: u64,
        offset: u64,
        raw: String,
        cells: Vec<String>,
    }

    fn read_all(chunks: &[&[u8]]) -> Vec<Owned> {
        read_limited(chunks, 1 << 20)
    }

    /// Reads with a record limit of `limit`, every record a data record; a broken one has the
    /// cell `BROKEN <reason>`.
    fn read_limited(chunks: &[&[u8]], limit: usize) -> Vec<Owned> {
        read_with(chunks, limit, false)
    }

    /// [`read_limited`]; with `hold`, `f` holds records back after each one and the driver
    /// goes on until none is held back, after each push and after the end.
    fn read_with(chunks: &[&[u8]], limit: usize, hold: bool) -> Vec<Owned> {
        let mut r = RecordReader::new(b',', 0, limit);
        r.body(usize::MAX);
        let mut got = Vec::new();
        let mut f = |rec: Record<'_>| -> Result<bool, ()> {
            if let Some(b) = rec.broken {
                got.push(Owned {
                    line: rec.line,
                    offset: rec.offset,
                    raw: String::from_utf8_lossy(rec.raw).into_owned(),
                    cells: vec![format!("BROKEN {b:?}")],
                });
                return Ok(!hold);
            }
            let row = rec.row().unwrap();
            got.push(Owned {
                line: rec.line,
                offset: rec.offset,
                raw: String::from_utf8(rec.raw.to_vec()).unwrap(),
                cells: (0..row.len())
                    .map(|i| row.cell_str(i).to_string())
                    .collect(),
            });
            Ok(!hold)
        };
        for c in chunks {
            r.push(c, &mut f).unwrap();
            while r.paused() {
                r.go_on(&mut f).unwrap();
            }
        }
        r.finish(&mut f).unwrap();
        while r.paused() {
            r.go_on(&mut f).unwrap();
        }
        got
    }

    fn cells(data: &str) -> Vec<Vec<String>> {
        read_all(&[data.as_bytes()])
            .into_iter()
            .map(|o| o.cells)
            .collect()
    }

    #[test]
    fn lines_offsets_and_raw_text() {
        let data = b"a,b\r\n1,\"x\ny\"\r\n\r\n2,z";
        let got = read_all(&[data]);
        assert_eq!(
            got,
            [
                Owned {
                    line: 1,
                    offset: 0,
                    raw: "a,b".into(),
                    cells: vec!["a".into(), "b".into()]
                },
                Owned {
                    line: 2,
                    offset: 5,
                    raw: "1,\"x\ny\"".into(),
                    cells: vec!["1".into(), "x\ny".into()]
                },
                Owned {
                    line: 5,
                    offset: 16,
                    raw: "2,z".into(),
                    cells: vec!["2".into(), "z".into()]
                },
            ]
        );
    }

    #[test]
    fn reads_as_csv_core_does() {
        assert_eq!(cells("a,,\n"), [vec!["a", "", ""]]);
        assert_eq!(cells("\"a\"\"b\",\"\"\n"), [vec!["a\"b", ""]]);
        assert_eq!(cells("\"a\"b,c\n"), [vec!["ab", "c"]]);
        assert_eq!(cells("a\"b,c\n"), [vec!["a\"b", "c"]]);
        // A quote open at the end: the row is cut at the first line break after it.
        assert_eq!(
            cells("\"open,quote\nto the end"),
            [
                vec!["BROKEN Stray { column: 1, eof: true }"],
                vec!["to the end"]
            ]
        );
        assert_eq!(cells("x\ry\r\nz"), [vec!["x"], vec!["y"], vec!["z"]]);
        assert_eq!(cells("\n\n\n"), Vec::<Vec<String>>::new());
        assert_eq!(cells("a,\"\""), [vec!["a", ""]]);
    }

    #[test]
    fn any_chunking_reads_the_same() {
        let data: &[u8] =
            "h1,h2\n\"a,\"\"b\"\"\",é\n\nc,\"d\r\ne\"\n\"x\"\"\",\"\"\"\"\r\n".as_bytes();
        let whole = read_all(&[data]);
        assert_eq!(whole.len(), 4);
        for cut in 0..=data.len() {
            assert_eq!(
                read_all(&[&data[..cut], &data[cut..]]),
                whole,
                "cut at {cut}"
            );
        }
        let bytes: Vec<&[u8]> = data.chunks(1).collect();
        assert_eq!(read_all(&bytes), whole);
    }

    /// Reads as [`read_all`] does, but `f` holds back after each record: the driver goes on
    /// after each push, and after the end, until nothing is held back.
    fn read_pausing(chunks: &[&[u8]]) -> Vec<Owned> {
        read_with(chunks, 1 << 20, true)
    }

    #[test]
    fn records_held_back_read_the_same_at_any_cuts() {
        let data: &[u8] = "h1,h2\n\"a\nb\",c\r\n\nd,e\n\"x\"\"\",\"\r\"\nlast,row".as_bytes();
        let whole = read_all(&[data]);
        assert_eq!(whole.len(), 5);
        assert_eq!(read_pausing(&[data]), whole);
        for a in 0..=data.len() {
            for b in a..=data.len() {
                let chunks = [&data[..a], &data[a..b], &data[b..]];
                assert_eq!(read_all(&chunks), whole, "cuts at {a}, {b}");
                assert_eq!(read_pausing(&chunks), whole, "cuts at {a}, {b}, held back");
            }
        }
    }

    #[test]
    fn a_chunk_is_read_in_place_and_only_its_unfinished_record_kept() {
        let rows = "1,abc,\"q\"\n".repeat(10_000);
        let mut r = RecordReader::new(b',', 0, 1 << 20);
        let mut n = 0;
        let mut f = |_: Record<'_>| -> Result<bool, ()> {
            n += 1;
            Ok(true)
        };
        r.push(rows.as_bytes(), &mut f).unwrap();
        r.push(b"\n2,de", &mut f).unwrap();
        assert_eq!(r.buf, b"2,de");
        // The first chunk was never copied whole: the buffer holds no more than a record.
        assert!(r.buf.capacity() < 64, "{}", r.buf.capacity());
        r.push(b"f\n3,gh", &mut f).unwrap();
        assert_eq!(r.buf, b"3,gh");
        assert_eq!(r.position().offset, rows.len() as u64 + 7);
        r.finish(&mut f).unwrap();
        assert_eq!(n, 10_002);
    }

    #[test]
    fn wide_rows_and_long_fields() {
        let wide = format!("{}\n", vec!["x".repeat(100); 500].join(","));
        let got = read_all(&[wide.as_bytes()]);
        assert_eq!(got[0].cells.len(), 500);
        assert_eq!(got[0].cells[499], "x".repeat(100));
        // A long quoted field arriving in small chunks.
        let long = format!("\"{}\",end\n", "y".repeat(100_000));
        let chunks: Vec<&[u8]> = long.as_bytes().chunks(100).collect();
        let got = read_all(&chunks);
        assert_eq!(got[0].cells[0].len(), 100_000);
        assert_eq!(got[0].cells[1], "end");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// The `csv` crate (over `csv-core`) is the oracle for the dialect.
        #[test]
        fn same_records_as_the_csv_crate(data in "[ab,\"\r\n]{0,40}", cut in 0usize..40) {

            let oracle: Vec<Vec<String>> = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(data.as_bytes())
                .records()
                .map(|r| r.unwrap().iter().map(String::from).collect())
                .collect();
            let cut = cut.min(data.len());
            let (a, b) = data.as_bytes().split_at(cut);
            let ours: Vec<Vec<String>> = read_all(&[a, b]).into_iter().map(|o| o.cells).collect();
            // A quote open at the end is the rule's (see crate::read::frame), where csv-core reads
            // it to the end as a field: the records before it agree.
            let good = ours.iter().take_while(|c| !c[0].starts_with("BROKEN")).count();
            proptest::prop_assert_eq!(&ours[..good], &oracle[..good.min(oracle.len())]);
            if good == ours.len() {
                proptest::prop_assert_eq!(ours.len(), oracle.len());
            } else {
                proptest::prop_assert!(ours[good][0].contains("eof: true"));
            }
        }

        /// The reader's fast scan and the rule's framer cut any input, at any limit and in
        /// any chunks, into the same records.
        #[test]
        fn the_reader_follows_the_rule(data in "[ab,\"\r\n]{0,60}", limit in 1usize..16, chunk in 1usize..20, chunk2 in 1usize..20) {
            let data = data.as_bytes();
            let parts: Vec<&[u8]> = data.chunks(chunk).collect();
            let ours: Vec<(u64, u64, Option<String>)> = read_limited(&parts, limit)
                .into_iter()
                .map(|o| {
                    let broken = o.cells[0].strip_prefix("BROKEN ").map(String::from);
                    (o.offset, o.offset + o.raw.len() as u64, broken)
                })
                .collect();
            let rule: Vec<(u64, u64, Option<String>)> = crate::read::frame::tests::frames(data, limit, chunk2)
                .into_iter()
                .map(|(start, end, b)| (start, end, b.map(|b| format!("{b:?}"))))
                .collect();
            // A record skipped past the buffer keeps only the bytes it had: a prefix.
            proptest::prop_assert_eq!(ours.len(), rule.len());
            for (o, r) in ours.iter().zip(&rule) {
                proptest::prop_assert_eq!((o.0, &o.2), (r.0, &r.2));
                if o.2.is_some() {
                    proptest::prop_assert!(o.1 <= r.1);
                } else {
                    proptest::prop_assert_eq!(o.1, r.1);
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// A row is clean exactly when no cell holds a byte JSON escapes, and ASCII exactly when
        /// no cell holds a byte past ASCII, whatever the runs of plain text between those bytes
        /// (read eight at a time) and wherever the input is cut.
        #[test]
        fn flags_follow_the_cells(data in "([ab,\"\r\n\\\\\té\u{1}]|plain text|\"quoted text\"){0,30}", cut in 0usize..400) {
            let mut r = RecordReader::new(b',', 0, 1 << 20);
            r.body(usize::MAX);
            let mut got = Vec::new();
            let mut f = |rec: Record<'_>| -> Result<bool, ()> {
                if rec.broken.is_none() {
                    let ascii = rec.unchecked.is_empty();
                    // Only bytes within the unchecked range may be past ASCII.
                    let range = rec.unchecked.clone();
                    let outside = rec.raw[..range.start].is_ascii() && rec.raw[range.end..].is_ascii();
                    let row = rec.row().map_err(|_| ())?;
                    let cells: Vec<u8> = (0..row.len()).flat_map(|i| row.cell(i).to_vec()).collect();
                    got.push((row.clean, ascii, outside, cells));
                }
                Ok(true)
            };
            let (a, b) = data.as_bytes().split_at(cut.min(data.len()));
            r.push(a, &mut f).unwrap();
            r.push(b, &mut f).unwrap();
            r.finish(&mut f).unwrap();
            for (clean, ascii, outside, cells) in got {
                let escaped = cells.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
                proptest::prop_assert_eq!(clean, !escaped, "{:?}", String::from_utf8_lossy(&cells));
                proptest::prop_assert!(outside);
                proptest::prop_assert_eq!(ascii, cells.is_ascii());
            }
        }
    }

    /// The first field that is not UTF-8, by byte, wherever the text past ASCII starts.
    fn first_bad_field(data: &[u8]) -> Result<usize, usize> {
        let mut r = RecordReader::new(b',', 0, 1 << 20);
        r.body(usize::MAX);
        let mut got = None;
        let mut f = |rec: Record<'_>| -> Result<bool, ()> {
            got = Some(rec.row().map(|row| row.len()));
            Ok(true)
        };
        r.push(data, &mut f).unwrap();
        r.finish(&mut f).unwrap();
        got.unwrap()
    }

    #[test]
    fn the_field_named_not_utf8_is_the_first_bad_one() {
        // é is \xc3\xa9, ü \xc3\xbc.
        assert_eq!(first_bad_field(b"a,bc,\xff\n"), Err(2));
        assert_eq!(first_bad_field(b"a,b\xffc,d\n"), Err(1));
        assert_eq!(first_bad_field(b"\xc3\xa9,ok,x\xff\n"), Err(2));
        assert_eq!(first_bad_field(b"ab,\xc3\xa9\xc3,\"q\",\xc3\xa9\n"), Err(1));
        assert_eq!(
            first_bad_field(b"ab,cd,\"\xc3\xa9\",\xc3\xbc\xe2\x82\n"),
            Err(3)
        );
        assert_eq!(first_bad_field(b"ab,cd,\"\xc3\xa9\",\xc3\xbc\n"), Ok(4));
    }

    #[test]
    fn the_rule_holds_for_any_delimiter() {
        for d in [b';', b'\t', b'|', b','] {
            let sep = char::from(d);
            let data = format!("a{sep}\"open\nb{sep}c\n0123456789{sep}x\n\"q{sep}\"{sep}z");
            let mut r = RecordReader::new(d, 0, 8);
            r.body(usize::MAX);
            let mut got = Vec::new();
            let mut f = |rec: Record<'_>| -> Result<bool, ()> {
                let cells = match rec.row() {
                    Ok(row) if rec.broken.is_none() => (0..row.len())
                        .map(|i| row.cell_str(i).to_string())
                        .collect(),
                    _ => vec![format!("{:?}", rec.broken)],
                };
                got.push((rec.line, cells));
                Ok(true)
            };
            for part in data.as_bytes().chunks(3) {
                r.push(part, &mut f).unwrap();
            }
            r.finish(&mut f).unwrap();
            let broken = |b: &str| vec![b.to_string()];
            assert_eq!(
                got,
                [
                    (1, broken("Some(Stray { column: 2, eof: false })")),
                    (2, vec!["b".to_string(), "c".to_string()]),
                    (3, broken("Some(TooLong)")),
                    (4, vec![format!("q{sep}"), "z".to_string()]),
                ],
                "delimiter {sep:?}"
            );
        }
    }

    #[test]
    fn rows_know_whether_json_must_escape_them() {
        let mut r = RecordReader::new(b',', 0, 1 << 20);
        r.body(usize::MAX);
        let mut clean = Vec::new();
        let mut f = |rec: Record<'_>| -> Result<bool, ()> {
            clean.push(rec.row().unwrap().clean);
            Ok(true)
        };
        let data = "plain,text é,\"quoted, fine\"\na\"b,c\nback\\slash\n\"q\"\"q\"\n\"multi\nline\"\ntab\there\nlonger plain text past eight bytes\n";
        r.push(data.as_bytes(), &mut f).unwrap();
        r.finish(&mut f).unwrap();
        assert_eq!(clean, [true, false, false, false, false, false, true]);
    }

    #[test]
    fn invalid_utf8_names_the_field() {
        let mut r = RecordReader::new(b',', 0, 1 << 20);
        r.body(usize::MAX);
        let mut bad = Vec::new();
        let mut f = |rec: Record<'_>| -> Result<bool, ()> {
            bad.push(rec.row().err());
            Ok(true)
        };
        r.push(b"ok,\xff\xfe,x\n\xc3,\xa9\nfine,\"q\xff\"\n", &mut f)
            .unwrap();
        r.finish(&mut f).unwrap();
        assert_eq!(bad, [Some(1), Some(0), Some(1)]);
    }
}
