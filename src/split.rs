//! Cuts a file into shards at exact record boundaries, in one pass that tracks only quote state.
//!
//! Hosts that fan a large file out over many invocations need to know, before any of them
//! starts, where records begin. Parsing fields for that would cost as much as the real run;
//! this pass looks at each byte once and keeps five states, so a quoted field with line breaks
//! or delimiters is never cut. It reads the dialect exactly as [`crate::Ingest`] does: a quote
//! opens a quoted field only at the start of a field, `""` inside quotes is a quote, and a
//! record ends at `\n`, `\r\n` or `\r` outside quotes.

use crate::records::Position;

/// Headers longer than this are not carried in shard messages: such a file is not split.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Where the pass is, between two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a record (or in the line endings before one): a cut may go here.
    RecordStart,
    /// After a delimiter.
    FieldStart,
    /// In a field that is not quoted (or after a quoted part's closing quote).
    Unquoted,
    /// Inside quotes.
    Quoted,
    /// Inside quotes, just after a quote: doubled, it is a quote; else the quotes closed.
    QuoteSeen,
}

/// One shard: the records that start in `[start.offset, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Shard {
    /// Where its first record starts (or the line endings before it).
    pub start: Position,
    /// The offset of the next shard's start, or the file's size.
    pub end: u64,
}

/// How a file splits.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Split {
    /// The header record as it stands in the file, without its line ending.
    #[serde(serialize_with = "as_text")]
    pub header: Vec<u8>,
    /// The shards, in file order; they cover every byte after the header.
    pub shards: Vec<Shard>,
    /// The file's size in bytes (after [`Splitter::suspend`], the end of the last shard).
    pub size: u64,
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
    state: State,
    /// Bytes seen so far.
    offset: u64,
    /// `\n` bytes seen so far.
    newlines: u64,
    /// The first bytes, until it is known whether they are a byte order mark.
    lead: Vec<u8>,
    /// The first bytes have been looked at.
    sniffed: bool,
    header: Vec<u8>,
    header_started: bool,
    data_start: Option<Position>,
    cuts: Vec<Position>,
    /// Why the file cannot be split (UTF-16, gzip, a header too long), once known.
    unsplittable: bool,
}

impl Splitter {
    /// A pass that cuts about every `shard_bytes` bytes (at least 1).
    pub fn new(delimiter: u8, shard_bytes: u64) -> Splitter {
        let every = shard_bytes.max(1);
        Splitter {
            delimiter,
            every,
            next_target: every,
            state: State::RecordStart,
            offset: 0,
            newlines: 0,
            lead: Vec::with_capacity(3),
            sniffed: false,
            header: Vec::new(),
            header_started: false,
            data_start: None,
            cuts: Vec::new(),
            unsplittable: false,
        }
    }

    /// A pass that goes on from `at`, a place a suspended pass returned (see
    /// [`Splitter::suspend`]), in a file whose header is `header`: write it the bytes from
    /// `at.offset` on.
    pub fn resume(delimiter: u8, shard_bytes: u64, header: &[u8], at: Position) -> Splitter {
        let mut s = Splitter::new(delimiter, shard_bytes);
        s.sniffed = true;
        s.header_started = true;
        s.header = header.to_vec();
        s.data_start = Some(at);
        s.offset = at.offset;
        s.newlines = at.line.saturating_sub(1);
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
        if self.unsplittable {
            self.offset += chunk.len() as u64;
            return;
        }
        self.scan(chunk);
    }

    /// The file has ended: its split, or `None` when it must be read whole, from its start (it
    /// is UTF-16 or gzip, its header is over [`MAX_HEADER_BYTES`], or it has no data rows).
    pub fn finish(mut self) -> Option<Split> {
        if !self.sniffed {
            self.start_after_lead();
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
        } else {
            self.scan(&lead);
        }
    }

    fn scan(&mut self, chunk: &[u8]) {
        let base = self.offset;
        let delimiter = self.delimiter;
        let mut state = self.state;
        let mut header_from = if self.header_started && self.data_start.is_none() {
            Some(0)
        } else {
            None
        };
        let mut counted_to = 0;
        let mut newlines = self.newlines;
        let n = chunk.len();
        let mut i = 0;
        while i < n {
            match state {
                State::Quoted => {
                    match chunk[i..].iter().position(|&b| b == b'"') {
                        Some(k) => {
                            i += k + 1;
                            state = State::QuoteSeen;
                        }
                        None => i = n,
                    }
                    continue;
                }
                State::Unquoted => {
                    while i < n {
                        let b = chunk[i];
                        if b == delimiter || b == b'\n' || b == b'\r' {
                            break;
                        }
                        i += 1;
                    }
                    if i == n {
                        break;
                    }
                }
                _ => {}
            }
            let b = chunk[i];
            i += 1;
            if b == b'\n' || b == b'\r' {
                let was = state;
                state = State::RecordStart;
                if was == State::RecordStart && !self.header_started {
                    continue; // a blank line before the header
                }
                if self.data_start.is_none() {
                    if let Some(from) = header_from.take() {
                        self.header.extend_from_slice(&chunk[from..i - 1]);
                    }
                    if self.header.len() > MAX_HEADER_BYTES {
                        self.unsplittable = true;
                    }
                    newlines += count_newlines(&chunk[counted_to..i]);
                    counted_to = i;
                    self.data_start = Some(Position {
                        offset: base + i as u64,
                        line: newlines + 1,
                    });
                } else if base + i as u64 >= self.next_target {
                    newlines += count_newlines(&chunk[counted_to..i]);
                    counted_to = i;
                    let at = base + i as u64;
                    self.cuts.push(Position {
                        offset: at,
                        line: newlines + 1,
                    });
                    self.next_target = at + self.every;
                }
                continue;
            }
            if state == State::RecordStart && !self.header_started {
                self.header_started = true;
                header_from = Some(i - 1);
            }
            state = match (state, b) {
                (State::RecordStart | State::FieldStart | State::QuoteSeen, b'"') => State::Quoted,
                (_, d) if d == delimiter => State::FieldStart,
                _ => State::Unquoted,
            };
        }
        if let Some(from) = header_from {
            self.header.extend_from_slice(&chunk[from..]);
            if self.header.len() > MAX_HEADER_BYTES {
                self.unsplittable = true;
            }
        }
        self.newlines = newlines + count_newlines(&chunk[counted_to..]);
        self.state = state;
        self.offset = base + n as u64;
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
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
