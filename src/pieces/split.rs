//! Cuts a file into shards at exact record boundaries, in one pass that tracks only quote state.
//!
//! Hosts that fan a large file out over many invocations need to know, before any of them
//! starts, where records begin. Parsing fields for that would cost as much as the real run;
//! this pass frames records with [`crate::read::frame`], the rule the engine's reader follows, so a
//! quoted field with line breaks is never cut, and a record over the limit or a quote that
//! never closes ends exactly where the reader ends it: a shard read alone gives the records,
//! the rejections and the ids a run of the whole file gives.

use crate::base::limits::DEFAULT_MAX_RECORD_BYTES;
use crate::base::position::Position;
use crate::read::frame::{Framer, Step};
use crate::read::records::{Record, RecordReader};
use crate::write::group::group_cell;

pub use crate::base::limits::MAX_HEADER_BYTES;

/// The most a file's head (a preamble and the header) may be for it to be split.
const MAX_HEAD_BYTES: usize = 2 * MAX_HEADER_BYTES;

/// Rows starting in [start.offset, end) of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Shard {
    /// Where its first record starts (or the line endings before it).
    pub start: Position,
    /// The offset of the next shard's start, or the file's size.
    pub end: u64,
}

/// How a file splits into shards at row boundaries.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Split {
    /// The header record as it stands in the file, without its line ending. With records to
    /// skip before it (a mapping's `skip`), the file's head: from the start of its text to the
    /// end of the header record, the preamble included (what [`crate::Ingest::header`] gives).
    #[serde(serialize_with = "as_text")]
    #[schemars(with = "String")]
    pub header: Vec<u8>,
    /// The shards, in file order; they cover every byte after the header.
    pub shards: Vec<Shard>,
    /// The file's size in bytes (after [`Splitter::suspend`], the end of the last shard).
    pub size: u64,
}

/// A split made so far, by a pass that stopped early: the shards complete so far, and where a
/// pass that resumes goes on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SplitSoFar {
    /// The shards complete so far.
    pub split: Split,
    /// Where the next pass goes on (resume there).
    pub next: Position,
}

fn as_text<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(bytes))
}

/// Finds shard boundaries in a file written to it in chunks cut anywhere.
///
/// ```
/// use csv2segment::Splitter;
///
/// let mut s = Splitter::new(b',', 10);
/// s.write(b"id,note\n1,\"a\nb\"\n2,c\n3,d\n");
/// let split = s.finish().unwrap();
/// assert_eq!(split.header, b"id,note");
/// let starts: Vec<u64> = split.shards.iter().map(|s| s.start.offset).collect();
/// // The quoted line break at offset 12 is not a boundary: the first cut at or after 10 is 16.
/// assert_eq!(starts, [8, 16]);
/// assert_eq!((split.shards[1].start.line, split.shards[1].end), (4, 24));
/// ```
#[derive(Debug)]
pub struct Splitter {
    delimiter: u8,
    every: u64,
    next_target: u64,
    /// The largest record, as the engine reads it.
    max_record_bytes: usize,
    /// Bytes seen so far.
    offset: u64,
    /// The first bytes, until it is known whether they are a byte order mark.
    lead: Vec<u8>,
    /// The first bytes have been looked at.
    sniffed: bool,
    /// Bytes that may be read again: from the header's start while it is read, or from where
    /// a quote's row would resume if the quote turns out stray.
    buf: Vec<u8>,
    /// The offset of `buf[0]`.
    buf_offset: u64,
    /// Between records: where the scan is.
    at: Position,
    /// The record being read, if the scan is inside one.
    framer: Option<Framer>,
    header: Vec<u8>,
    data_start: Option<Position>,
    cuts: Vec<Position>,
    /// Why the file cannot be split (UTF-16, gzip, a header too long), once known.
    unsplittable: bool,
    /// Records still to pass over before the header (a mapping's `skip`).
    skip_before: usize,
    /// Records to pass over after the header: the first shard starts after them.
    skip_after: usize,
    /// Where the file's text starts (after a byte order mark): the head's start.
    text_start: u64,
    /// Records are skipped before the header: [`Split::header`] is the file's head.
    keeps_head: bool,
    /// With a mapping's `group`: cuts fall between groups only.
    group: Option<GroupCuts>,
}

/// Where a file read through a mapping's `group` may be cut: only where a row's group cell
/// differs from the row's before it (or either belongs to no group), read as the engine reads
/// it ([`group_cell`]), so that a group never straddles two shards and each shard's events are
/// those of a single run.
#[derive(Debug, Default)]
struct GroupCuts {
    /// The group column's name, until the header gives its place.
    name: String,
    /// Its place (0-based), once known; `None` while the header is to come, and when the
    /// header lacks it (the engine stops at such a header).
    col: Option<usize>,
    /// The place comes from the mapping's `header` names, not from the file's first record.
    named: bool,
    /// The group cell of the last row read; `None` for a row of no group.
    last: Option<Vec<u8>>,
    /// A cut that is due, held until the row after it shows whether it starts a new group.
    pending: Option<Position>,
}

impl Splitter {
    /// A pass that cuts about every `shard_bytes` bytes (at least 1).
    pub fn new(delimiter: u8, shard_bytes: u64) -> Splitter {
        let every = shard_bytes.max(1);
        Splitter {
            delimiter,
            every,
            next_target: every,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            offset: 0,
            lead: Vec::with_capacity(3),
            sniffed: false,
            buf: Vec::new(),
            buf_offset: 0,
            at: Position::START,
            framer: None,
            header: Vec::new(),
            data_start: None,
            cuts: Vec::new(),
            unsplittable: false,
            skip_before: 0,
            skip_after: 0,
            text_start: 0,
            keeps_head: false,
            group: None,
        }
    }

    /// The same pass for a file read through a mapping whose `group` names the column `name`:
    /// a shard starts only where a group does.
    pub(crate) fn with_group(mut self, name: Option<&str>) -> Splitter {
        self.group = name.map(|name| GroupCuts {
            name: name.to_string(),
            ..GroupCuts::default()
        });
        self
    }

    /// With a group: the group column's place in the header record `header`.
    pub(crate) fn group_in(mut self, header: &[u8]) -> Splitter {
        self.find_group(header);
        self
    }

    /// With a group, in a file without a header row: the group column's place among the
    /// mapping's `header` names.
    pub(crate) fn group_among(mut self, names: &[String]) -> Splitter {
        if let Some(g) = &mut self.group {
            g.col = names.iter().position(|n| n.trim() == g.name.trim());
            g.named = true;
        }
        self
    }

    /// Finds the group column in the header record `header`, by name as the mapping does.
    fn find_group(&mut self, header: &[u8]) {
        let delimiter = self.delimiter;
        let Some(g) = self.group.as_mut().filter(|g| !g.named) else {
            return;
        };
        let mut reader = RecordReader::new(delimiter, 0, MAX_HEADER_BYTES);
        let mut col = None;
        let mut first = |rec: Record<'_>| {
            if let (None, Ok(row)) = (col, rec.row()) {
                col = Some((0..row.len()).position(|i| row.cell_str(i).trim() == g.name.trim()));
            }
            Ok::<bool, ()>(true)
        };
        let _ = reader.push(header, &mut first);
        let _ = reader.finish(&mut first);
        g.col = col.flatten();
    }

    /// The group cell of the data record `raw` (whole, as the engine reads it), when the file
    /// is grouped; `None` for a row of no group.
    fn group_key(&self, raw: &[u8]) -> Option<Vec<u8>> {
        let col = self.group.as_ref()?.col?;
        let mut reader = RecordReader::new(self.delimiter, 0, self.max_record_bytes);
        reader.body(usize::MAX - 1);
        let mut key = None;
        let mut read = |rec: Record<'_>| {
            if key.is_none() && rec.broken.is_none() {
                let row = rec.row().ok();
                key = group_cell(row.as_ref(), crate::map::spec::col32(col)).map(<[u8]>::to_vec);
            }
            Ok::<bool, ()>(true)
        };
        let _ = reader.push(raw, &mut read);
        let _ = reader.finish(&mut read);
        key
    }

    /// The same pass for a file whose mapping skips `before` records before the header and
    /// `after` records after it.
    pub(crate) fn with_skip(mut self, before: usize, after: usize) -> Splitter {
        self.skip_before = before;
        self.skip_after = after;
        self.keeps_head = before > 0;
        self
    }

    /// The same pass for a run whose `maxRecordBytes` option is `max_record_bytes`.
    pub fn with_max_record_bytes(mut self, max_record_bytes: usize) -> Splitter {
        self.max_record_bytes = max_record_bytes.max(1);
        self
    }

    /// A pass that goes on from `at`, a place a suspended pass returned (see
    /// [`Splitter::suspend`]), in a file whose header is `header`: write it the bytes from
    /// `at.offset` on.
    pub fn resume(delimiter: u8, shard_bytes: u64, header: &[u8], at: Position) -> Splitter {
        let mut s = Splitter::new(delimiter, shard_bytes);
        s.sniffed = true;
        s.header = header.to_vec();
        s.data_start = Some(at);
        s.offset = at.offset;
        s.buf_offset = at.offset;
        s.at = at;
        s.next_target = at.offset + s.every;
        s
    }

    /// Stops the pass early: the shards complete so far (all but the one still open), and
    /// where a pass that goes on with [`Splitter::resume`] starts. `None` when no shard is
    /// complete yet, or the file cannot be split.
    ///
    /// ```
    /// use csv2segment::Splitter;
    ///
    /// let data = b"id\n1\n2\n3\n4\n";
    /// let mut s = Splitter::new(b',', 2);
    /// s.write(&data[..7]);
    /// let (done, next) = s.suspend().unwrap();
    /// assert_eq!(done.shards.iter().map(|s| (s.start.offset, s.end)).collect::<Vec<_>>(), [(3, 5), (5, 7)]);
    /// let mut rest = Splitter::resume(b',', 2, &done.header, next);
    /// rest.write(&data[next.offset as usize..]);
    /// let ends: Vec<_> = rest.finish().unwrap().shards.iter().map(|s| (s.start.offset, s.end)).collect();
    /// assert_eq!(ends, [(7, 9), (9, 11)]);
    /// ```
    pub fn suspend(self) -> Option<(Split, Position)> {
        if !self.can_suspend() {
            return None;
        }
        let data_start = self.data_start?;
        let next = *self.cuts.last()?;
        let mut starts = vec![data_start];
        starts.extend(self.cuts.iter().copied());
        let shards = starts
            .windows(2)
            .map(|w| Shard {
                start: w[0],
                end: w[1].offset,
            })
            .collect();
        let split = Split {
            header: self.header,
            shards,
            size: next.offset,
        };
        Some((split, next))
    }

    /// Whether [`Splitter::suspend`] would give shards: one is complete, and the file can be split.
    pub fn can_suspend(&self) -> bool {
        !self.unsplittable && self.sniffed && self.data_start.is_some() && !self.cuts.is_empty()
    }

    /// Reads the next bytes of the file.
    pub fn write(&mut self, chunk: &[u8]) {
        let mut chunk = chunk;
        if !self.sniffed {
            let take = (3 - self.lead.len()).min(chunk.len());
            self.lead.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if self.lead.len() < 3 {
                return;
            }
            self.start_after_lead();
        }
        self.offset += chunk.len() as u64;
        if self.unsplittable {
            return;
        }
        self.scan(chunk, false);
    }

    /// The file has ended: its split, or `None` when it must be read whole, from its start (it
    /// is UTF-16 or gzip, its header is over [`MAX_HEADER_BYTES`], or it has no data rows).
    pub fn finish(mut self) -> Option<Split> {
        if !self.sniffed {
            self.start_after_lead();
        }
        if !self.unsplittable {
            self.scan(&[], true);
            self.end_groups();
        }
        let data_start = self.data_start?;
        if self.unsplittable {
            return None;
        }
        let size = self.offset;
        if data_start.offset >= size {
            return None;
        }
        let mut starts = vec![data_start];
        starts.extend(self.cuts.iter().copied().filter(|c| c.offset < size));
        let shards = starts
            .iter()
            .enumerate()
            .map(|(i, &start)| Shard {
                start,
                end: starts.get(i + 1).map_or(size, |next| next.offset),
            })
            .collect();
        Some(Split {
            header: self.header,
            shards,
            size,
        })
    }

    /// Looks at the first bytes: a UTF-8 byte order mark is skipped, UTF-16 and gzip are not split.
    fn start_after_lead(&mut self) {
        self.sniffed = true;
        let lead = std::mem::take(&mut self.lead);
        if lead.starts_with(&[0xFF, 0xFE]) || lead.starts_with(&[0xFE, 0xFF]) {
            self.unsplittable = true;
        }
        if lead.starts_with(&[0x1F, 0x8B]) {
            self.unsplittable = true;
        }
        if self.unsplittable {
            self.offset += lead.len() as u64;
            return;
        }
        if lead.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.offset = 3;
            self.buf_offset = 3;
            self.at.offset = 3;
            self.text_start = 3;
        } else {
            self.offset += lead.len() as u64;
            self.scan(&lead, false);
        }
    }

    /// Frames the records that `chunk` completes; `eof` says no more bytes follow.
    fn scan(&mut self, chunk: &[u8], eof: bool) {
        self.buf.extend_from_slice(chunk);
        // Meaningful between records; inside one, set when it ends.
        let mut pos = self.at.offset.saturating_sub(self.buf_offset) as usize;
        let keep = loop {
            if let Some(framer) = &mut self.framer {
                let from = (framer.pos() - self.buf_offset) as usize;
                match framer.step(&self.buf[from..], eof) {
                    Step::More { keep } => {
                        if self.data_start.is_some() {
                            // A grouped file's record is kept whole, within the record limit,
                            // for its group cell to be read when it ends (a longer one is cut,
                            // and belongs to no group).
                            let within =
                                framer.pos() - self.at.offset <= self.max_record_bytes as u64;
                            if self.group.is_some() && within {
                                break keep.min(self.at.offset).max(self.buf_offset);
                            }
                            break keep;
                        }
                        // The header is kept whole while it is within MAX_HEADER_BYTES; past
                        // it, the engine stops at the header, so there is nothing to split.
                        // A preamble before it is kept too, within MAX_HEAD_BYTES.
                        let head = if self.keeps_head {
                            self.text_start
                        } else {
                            self.at.offset
                        };
                        if framer.pos() - self.at.offset > MAX_HEADER_BYTES as u64
                            || framer.pos() - head > MAX_HEAD_BYTES as u64
                        {
                            self.unsplittable = true;
                            self.buf = Vec::new();
                            return;
                        }
                        break head;
                    }
                    Step::End { end, next, broken } => {
                        self.framer = None;
                        if self.data_start.is_none() && self.skip_before > 0 {
                            // A preamble record: passed over, as the reader passes over it.
                            self.skip_before -= 1;
                        } else if self.data_start.is_some() && self.skip_after > 0 {
                            // A header row after the header: the first shard starts after it.
                            self.skip_after -= 1;
                            self.data_start = Some(next);
                        } else if self.data_start.is_none() {
                            if broken.is_some() {
                                // The engine stops at such a header: nothing to split.
                                self.unsplittable = true;
                                self.buf = Vec::new();
                                return;
                            }
                            let from = (self.head_start() - self.buf_offset) as usize;
                            let to = (end - self.buf_offset) as usize;
                            self.header = self.buf[from..to].to_vec();
                            self.data_start = Some(next);
                            if self.group.is_some() {
                                let record = (self.at.offset - self.buf_offset) as usize;
                                let header = self.buf[record..to].to_vec();
                                self.find_group(&header);
                            }
                        } else {
                            if self.group.is_some() {
                                let key = match self.at.offset.checked_sub(self.buf_offset) {
                                    Some(from) if broken.is_none() => {
                                        let to = (end - self.buf_offset) as usize;
                                        self.buf
                                            .get(from as usize..to)
                                            .and_then(|raw| self.group_key(raw))
                                    }
                                    _ => None,
                                };
                                self.group_row(key);
                            }
                            self.cut_at(next);
                        }
                        self.at = next;
                        pos = (next.offset - self.buf_offset) as usize;
                    }
                }
            }
            // Between records: each line ending is a place a cut may go.
            while let Some(&b) = self.buf.get(pos) {
                if b != b'\n' && b != b'\r' {
                    break;
                }
                pos += 1;
                self.at = Position {
                    offset: self.buf_offset + pos as u64,
                    line: self.at.line + u64::from(b == b'\n'),
                };
                if self.data_start.is_some() && self.skip_after == 0 {
                    self.cut_at(self.at);
                } else if self.data_start.is_some() {
                    self.data_start = Some(self.at);
                }
            }
            if pos == self.buf.len() {
                if self.data_start.is_none() && self.keeps_head {
                    // The head is kept from the start of the text until the header is read.
                    break self.text_start;
                }
                break self.buf_offset + pos as u64;
            }
            // The header, and the preamble before it, are read with the header's limit, as
            // the engine's reader reads them.
            let limit = if self.data_start.is_some() {
                self.max_record_bytes
            } else {
                MAX_HEADER_BYTES
            };
            self.framer = Some(Framer::new(self.delimiter, limit, self.at));
        };
        let drop = (keep - self.buf_offset) as usize;
        self.buf.drain(..drop);
        self.buf_offset = keep;
    }

    /// Where the header kept starts: the start of the file's text when a preamble is skipped
    /// (the head), else the header record's own start.
    fn head_start(&self) -> u64 {
        if self.keeps_head {
            self.text_start
        } else {
            self.at.offset
        }
    }

    /// A cut at `at`, a place where a record may start, if a shard is due; in a grouped file,
    /// held until the next row shows whether a group starts there.
    fn cut_at(&mut self, at: Position) {
        if at.offset < self.next_target {
            return;
        }
        match &mut self.group {
            Some(g) => {
                g.pending.get_or_insert(at);
            }
            None => self.cut(at),
        }
    }

    fn cut(&mut self, at: Position) {
        self.cuts.push(at);
        self.next_target = at.offset + self.every;
    }

    /// A grouped file's data record has ended, with the group cell `key`: the cut held before
    /// it is made when it starts a new group, and dropped when it continues the last.
    fn group_row(&mut self, key: Option<Vec<u8>>) {
        let Some(g) = &mut self.group else {
            return;
        };
        let same = key.is_some() && key == g.last;
        let held = g.pending.take();
        g.last = key;
        if let (Some(at), false) = (held, same) {
            self.cut(at);
        }
    }

    /// The end of the file: a cut still held has no row after it, and is made.
    fn end_groups(&mut self) {
        if let Some(at) = self.group.as_mut().and_then(|g| g.pending.take()) {
            self.cut(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(data: &[u8], every: u64, chunk: usize) -> Option<Split> {
        let mut s = Splitter::new(b',', every);
        for c in data.chunks(chunk.max(1)) {
            s.write(c);
        }
        s.finish()
    }

    fn starts(data: &[u8], every: u64) -> Vec<(u64, u64)> {
        split(data, every, data.len())
            .unwrap()
            .shards
            .iter()
            .map(|s| (s.start.offset, s.start.line))
            .collect()
    }

    #[test]
    fn cuts_only_outside_quotes() {
        let data = b"a,b\n\"x\ny\",1\n\"p,\"\"q\nr\",2\nz,3";
        // Every byte a target: each record start is a cut, and no byte inside quotes is.
        assert_eq!(starts(data, 1), [(4, 2), (12, 4), (24, 6)]);
        let s = split(data, 1, 3).unwrap();
        assert_eq!(s.header, b"a,b");
        assert_eq!(s.size, data.len() as u64);
        assert_eq!(s.shards.last().unwrap().end, data.len() as u64);
    }

    #[test]
    fn a_quote_opens_only_at_a_field_start() {
        // `a"b` is a literal quote; `"x"y` has text after the closing quote.
        let data = b"h\na\"b\nc\n\"x\"y\nd\n";
        assert_eq!(starts(data, 1), [(2, 2), (6, 3), (8, 4), (13, 5)]);
    }

    #[test]
    fn crlf_bom_and_blank_lines() {
        let data = b"\xEF\xBB\xBF\r\n\"h\r\n1\"\r\n\r\n1\r\n2";
        let s = split(data, 1, 1).unwrap();
        assert_eq!(s.header, b"\"h\r\n1\"");
        let got: Vec<_> = s
            .shards
            .iter()
            .map(|s| (s.start.offset, s.start.line))
            .collect();
        // Cuts after each line ending; the reader skips blank lines as it always does.
        assert_eq!(got, [(12, 3), (13, 4), (14, 4), (15, 5), (17, 5), (18, 6)]);
    }

    #[test]
    fn shards_are_about_the_size_asked() {
        let data = "id,v\n".to_string() + &"1234567,abcdefgh\n".repeat(1000);
        let s = split(data.as_bytes(), 1700, 4096).unwrap();
        assert_eq!(s.shards.len(), 10);
        for w in s.shards.windows(2) {
            assert_eq!(w[0].end, w[1].start.offset);
        }
    }

    #[test]
    fn files_that_cannot_be_split() {
        assert!(split(b"\xFF\xFEa\x00", 1, 1).is_none());
        assert!(split(b"\x1F\x8B\x08\x00", 1, 1).is_none());
        assert!(split(b"only,a,header", 1, 1).is_none());
        assert!(split(b"", 1, 1).is_none());
        let long = format!("{}\n1\n", "h".repeat(MAX_HEADER_BYTES + 1));
        assert!(split(long.as_bytes(), 1, 1000).is_none());
    }
}
