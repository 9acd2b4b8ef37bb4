//! Where a record ends on any input: the one rule for records over the limit and quotes that
//! never close, followed by the record reader, the splitter and so every resumed piece.
//!
//! The rule, for a record that starts at byte `s` with a limit of `L` bytes:
//!
//! - A record ends at a line break outside quotes, as RFC 4180 has it. One of at most `L`
//!   bytes (line ending excluded) is read as usual.
//! - When its `L + 1`-th byte is read and it has not ended, it is over the limit:
//!   - if a quoted field is open then (the quote opened at `q`), that quote is *stray*: the
//!     record is cut at the first line break after `q`, as if the quote were plain text, and
//!     the next record starts after that line break;
//!   - otherwise it is *too long*: its bytes are skipped, quote state kept, to its line break;
//!     a quote that opens while skipping must close within `L` bytes of its opening, or it is
//!     stray as above.
//! - A quote still open at the end of the file is stray the same way.
//!
//! Either way the record is rejected as a whole: the caller never holds more than `L` bytes of
//! it. The reader reads records within the limit with its own fast scan, which reads them
//! exactly as this one does, and hands a record to [`Framer`] only when it is past the limit
//! or its quote is open at the end; the splitter frames every record with it.

use crate::base::position::Position;
/// How much of a record over the limit is kept for the report and the rejects CSV.
pub(crate) const RAW_KEPT: usize = 4 * 1024;

/// Why a record was cut by the rule rather than read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broken {
    /// Over the limit, outside quotes.
    TooLong,
    /// A quote that opened the 1-based `column` never closed: within the limit, or (`eof`)
    /// before the end of the file.
    Stray {
        /// The column the quote opened.
        column: u32,
        /// Whether the file ended inside the quote (else it ran past the limit).
        eof: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// Inside quotes, just after a quote: doubled, it is a quote; else the quotes closed.
    QuoteSeen,
    /// After a stray quote with no line break yet: plain text to the next one.
    Plain,
}

/// Reads one record, past the limit if need be, from bytes fed in pieces.
#[derive(Clone, Debug)]
pub(crate) struct Framer {
    delimiter: u8,
    limit: u64,
    start: u64,
    /// The offset of the next byte to read.
    pos: u64,
    /// The line of `pos`.
    line: u64,
    state: State,
    column: u32,
    /// The offset and column of the open quote, in [`State::Quoted`] and [`State::QuoteSeen`].
    open: (u64, u32),
    /// Where a record would start after the first line break past the open quote.
    after_open: Option<Position>,
    broken: Option<Broken>,
}

/// What a [`Framer::step`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// The record ended: its bytes end at `end` (line ending excluded), the next one's lead
    /// (line endings, then a record) starts at `next`. Bytes from `next.offset` on are not
    /// read yet, even when some were looked at.
    End {
        end: u64,
        next: Position,
        broken: Option<Broken>,
    },
    /// Every byte given was read; the bytes from `keep` on may be read again, keep them.
    More { keep: u64 },
}

/// `\n` or `\r`.
#[inline]
pub(crate) fn is_line_break(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

impl Framer {
    /// A record that starts at `start` (not a line ending), with a limit of `limit` bytes.
    pub(crate) fn new(delimiter: u8, limit: usize, start: Position) -> Framer {
        Framer {
            delimiter,
            limit: limit as u64,
            start: start.offset,
            pos: start.offset,
            line: start.line,
            state: State::FieldStart,
            column: 1,
            open: (0, 0),
            after_open: None,
            broken: None,
        }
    }

    /// The offset of the next byte to give to [`Framer::step`].
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// Why the record is cut, once known.
    pub(crate) fn broken(&self) -> Option<Broken> {
        self.broken
    }

    /// The offset whose byte, once read with the record still open, calls for a decision.
    fn horizon(&self) -> u64 {
        let quoted = matches!(self.state, State::Quoted | State::QuoteSeen);
        match self.broken {
            None => self.start.saturating_add(self.limit),
            Some(_) if quoted => self.open.0.saturating_add(self.limit),
            Some(_) => u64::MAX,
        }
    }

    /// Reads `bytes`, the file's bytes from [`Framer::pos`] on; `eof` says no more follow.
    pub(crate) fn step(&mut self, bytes: &[u8], eof: bool) -> Step {
        let base = self.pos;
        let n = bytes.len();
        let mut i = 0;
        let mut counted = 0;
        let mut line = self.line;
        let mut line_at = |idx: usize| {
            line += count_newlines(&bytes[counted..idx]);
            counted = idx;
            line
        };
        while i < n {
            let horizon = self.horizon();
            let stop = match horizon.checked_add(1).map(|h| h.saturating_sub(base)) {
                Some(h) if h < n as u64 => h as usize,
                _ => n,
            };
            match self.state {
                State::FieldStart => {
                    if bytes[i] == b'"' {
                        self.state = State::Quoted;
                        self.open = (base + i as u64, self.column);
                        self.after_open = None;
                        i += 1;
                    } else {
                        self.state = State::Unquoted;
                        continue;
                    }
                }
                State::Unquoted => {
                    let d = self.delimiter;
                    while i < stop && bytes[i] != d && !is_line_break(bytes[i]) {
                        i += 1;
                    }
                    if i < stop {
                        if bytes[i] == d {
                            self.column += 1;
                            self.state = State::FieldStart;
                            i += 1;
                        } else {
                            let b = bytes[i];
                            let next = Position {
                                offset: base + i as u64 + 1,
                                line: line_at(i) + u64::from(b == b'\n'),
                            };
                            return Step::End {
                                end: base + i as u64,
                                next,
                                broken: self.broken,
                            };
                        }
                    }
                }
                State::Quoted => {
                    let run = &bytes[i..stop.max(i)];
                    let quote = run.iter().position(|&b| b == b'"');
                    let upto = quote.map_or(run.len(), |k| k);
                    if self.after_open.is_none() {
                        if let Some(k) = run[..upto].iter().position(|&b| is_line_break(b)) {
                            let o = i + k;
                            self.after_open = Some(Position {
                                offset: base + o as u64 + 1,
                                line: line_at(o) + u64::from(bytes[o] == b'\n'),
                            });
                        }
                    }
                    match quote {
                        Some(k) => {
                            i += k + 1;
                            self.state = State::QuoteSeen;
                        }
                        None => i += run.len(),
                    }
                }
                State::QuoteSeen => {
                    if bytes[i] == b'"' {
                        self.state = State::Quoted;
                        i += 1;
                    } else {
                        self.state = State::Unquoted;
                        continue;
                    }
                }
                State::Plain => match bytes[i..].iter().position(|&b| is_line_break(b)) {
                    Some(k) => {
                        let o = i + k;
                        let next = Position {
                            offset: base + o as u64 + 1,
                            line: line_at(o) + u64::from(bytes[o] == b'\n'),
                        };
                        return Step::End {
                            end: base + o as u64,
                            next,
                            broken: self.broken,
                        };
                    }
                    None => i = n,
                },
            }
            if base + i as u64 > horizon {
                // The horizon's byte is read and the record goes on: decide.
                if matches!(self.state, State::Quoted | State::QuoteSeen) {
                    self.broken = Some(Broken::Stray {
                        column: self.open.1,
                        eof: false,
                    });
                    if let Some(next) = self.after_open {
                        return self.cut_at(next);
                    }
                    self.state = State::Plain;
                } else {
                    self.broken = Some(Broken::TooLong);
                }
            }
        }
        let end = base + n as u64;
        if eof {
            if self.state == State::Quoted {
                self.broken = Some(Broken::Stray {
                    column: self.open.1,
                    eof: true,
                });
                if let Some(next) = self.after_open {
                    return self.cut_at(next);
                }
            }
            return Step::End {
                end,
                next: Position {
                    offset: end,
                    line: line_at(n),
                },
                broken: self.broken,
            };
        }
        self.line = line_at(n);
        self.pos = end;
        let keep = match (self.state, self.after_open) {
            (State::Quoted | State::QuoteSeen, Some(at)) => at.offset,
            _ => end,
        };
        Step::More { keep }
    }

    /// The record ends at the line break before `next`: a stray quote read as plain text.
    fn cut_at(&self, next: Position) -> Step {
        Step::End {
            end: next.offset - 1,
            next,
            broken: self.broken,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Frames every record of `data` fed in `chunk`-byte pieces, as a caller that keeps what it
    /// is told to keep: `(start, end, broken)` for each.
    pub(crate) fn frames(
        data: &[u8],
        limit: usize,
        chunk: usize,
    ) -> Vec<(u64, u64, Option<Broken>)> {
        let mut out = Vec::new();
        let mut fed = 0usize;
        let mut at = 0usize;
        let mut line = 1;
        loop {
            while at < data.len() && is_line_break(data[at]) {
                line += u64::from(data[at] == b'\n');
                at += 1;
            }
            if at >= data.len() {
                return out;
            }
            let mut fr = Framer::new(
                b',',
                limit,
                Position {
                    offset: at as u64,
                    line,
                },
            );
            fed = fed.max(at);
            loop {
                let from = fr.pos() as usize;
                let to = (fed + chunk).min(data.len()).max(from);
                let step = fr.step(&data[from..to], to == data.len());
                fed = to;
                match step {
                    Step::More { keep } => assert!(keep as usize <= to),
                    Step::End { end, next, broken } => {
                        out.push((at as u64, end, broken));
                        assert_eq!(next.line, 1 + count_newlines(&data[..next.offset as usize]));
                        at = next.offset as usize;
                        line = next.line;
                        break;
                    }
                }
            }
        }
    }

    #[test]
    fn records_within_the_limit_read_as_usual() {
        let data = b"a,\"b\nc\",d\n\"x\"\"y\"z\r\n";
        assert_eq!(frames(data, 100, 3), [(0, 9, None), (10, 17, None)]);
        // Exactly the limit is within it.
        assert_eq!(frames(b"abcd\nxy", 4, 1), [(0, 4, None), (5, 7, None)]);
    }

    #[test]
    fn a_quote_past_the_limit_is_plain_text_to_its_line_break() {
        let data = b"h\n1,\"open\n2,b\n3,c\n";
        let stray = Some(Broken::Stray {
            column: 2,
            eof: false,
        });
        for chunk in [1, 2, 5, 100] {
            assert_eq!(
                frames(data, 8, chunk),
                [(0, 1, None), (2, 9, stray), (10, 13, None), (14, 17, None)],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn a_quote_open_at_the_end_is_stray() {
        let data = b"1,\"open\n2,b";
        let stray = Some(Broken::Stray {
            column: 2,
            eof: true,
        });
        assert_eq!(frames(data, 100, 4), [(0, 7, stray), (8, 11, None)]);
        assert_eq!(
            frames(b"\"abc", 100, 1),
            [(
                0,
                4,
                stray.map(|_| Broken::Stray {
                    column: 1,
                    eof: true
                })
            )]
        );
    }

    #[test]
    fn too_long_rows_are_skipped_keeping_quote_state() {
        // Over the limit outside quotes; the quoted line break while skipping is not an end.
        let data = b"aaaaaaaaaa,\"q\nq\",b\nok\n";
        assert_eq!(
            frames(data, 5, 3),
            [(0, 18, Some(Broken::TooLong)), (19, 21, None)]
        );
        // A quote opened while skipping that runs past the limit from its opening is stray.
        let data = b"aaaaaaaaaa,\"q\nrest of it\nok\n";
        assert_eq!(
            frames(data, 5, 3),
            [
                (
                    0,
                    13,
                    Some(Broken::Stray {
                        column: 2,
                        eof: false
                    })
                ),
                (14, 24, Some(Broken::TooLong)),
                (25, 27, None)
            ]
        );
    }
}
