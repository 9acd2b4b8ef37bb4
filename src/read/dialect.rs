//! Guesses a file's delimiter from its header record, for files whose mapping says `auto` (or
//! that have no mapping): among `,` `;` tab and `|`, the one the header holds most, when it is
//! the only one with that count; otherwise `,`. Records a mapping's `skip` puts before the
//! header (a preamble) are passed over, as the reader passes over them.

use crate::base::limits::MAX_HEADER_BYTES;

/// The delimiters a guess chooses among, the default first.
pub(crate) const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter of a file whose header record is at the start of `head`, quoted text not
/// counted: the record ends at the first line break outside quotes (see [`Scan`]), so a quoted
/// header cell holding a line break is read whole, as the record reader reads it.
pub(crate) fn guess(head: &[u8]) -> u8 {
    guess_after(head, 0)
}

/// The delimiter of a file whose header record comes after `skip` records (blank lines not
/// counted) at the start of `head`.
pub(crate) fn guess_after(head: &[u8], skip: usize) -> u8 {
    let mut g = Guess::new(false).skipping(skip);
    g.push(head);
    g.finish().0
}

/// What a guess holds at most while it passes over a preamble: the header's limit, twice.
const MAX_HELD_BYTES: usize = 2 * MAX_HEADER_BYTES;

/// The first bytes of a file, held until its header record is in (or [`MAX_HEADER_BYTES`] of
/// them, or the end of the file), then the delimiter guessed from them. The bytes are scanned
/// as they come, each once, however small the writes.
#[derive(Debug, Default)]
pub(crate) struct Guess {
    held: Vec<u8>,
    /// The bytes of `held` scanned so far.
    scanned: usize,
    scan: Scan,
    /// Whether `held` may start with a UTF-8 byte order mark, which is not the header's text.
    bom: bool,
    ready: bool,
    /// Records still to pass over before the header.
    skip: usize,
    /// Where in `held` the record being scanned starts.
    record_start: usize,
}

impl Guess {
    /// A guess over decoded text (`bom`: false), or over a file's raw bytes, which may start
    /// with a byte order mark.
    pub(crate) fn new(bom: bool) -> Guess {
        Guess {
            bom,
            ..Guess::default()
        }
    }

    /// A guess that passes over `skip` records (blank lines not counted) before the header.
    pub(crate) fn skipping(mut self, skip: usize) -> Guess {
        self.skip = skip;
        self
    }

    /// Holds `bytes`; whether the header record is in now, or the limit reached.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> bool {
        self.held.extend_from_slice(bytes);
        if self.ready {
            return true;
        }
        if self.scanned == 0 && self.bom {
            // Scanning starts past a byte order mark, once the first bytes tell.
            if self.held.len() < BOM.len() && BOM.starts_with(&self.held) {
                return false;
            }
            if self.held.starts_with(BOM) {
                self.scanned = BOM.len();
                self.record_start = BOM.len();
            }
            self.bom = false;
        }
        let mut found = false;
        while let Some(i) = self.scan.feed(&self.held[self.scanned..]) {
            let end = self.scanned + i;
            self.scanned = end + 1;
            if !self.scan.started {
                // A blank line, or the `\n` of a `\r\n`: no record.
                self.scan = Scan::new();
                self.record_start = self.scanned;
            } else if self.skip > 0 {
                self.skip -= 1;
                self.scan = Scan::new();
                self.record_start = self.scanned;
            } else {
                found = true;
                break;
            }
        }
        if !found {
            self.scanned = self.held.len();
        }
        let header = self.held.len() - self.record_start.min(self.held.len());
        self.ready = found || header >= MAX_HEADER_BYTES || self.held.len() >= MAX_HELD_BYTES;
        self.ready
    }

    /// The delimiter, and the bytes held (a byte order mark included).
    pub(crate) fn finish(self) -> (u8, Vec<u8>) {
        (self.scan.delimiter(), self.held)
    }
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// A walk through a header record, fed in pieces: the delimiters counted outside quotes, until
/// the line break that ends it, the first one outside a quoted field. A quote opens a field
/// only at its start (the start of the record, or after one of the candidate delimiters), `""`
/// inside is a quote, and a quote anywhere else is text, as the record reader has it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scan {
    quoted: bool,
    /// Inside quotes, the byte before was a quote: a second one is text, anything else closes.
    closing: bool,
    field_start: bool,
    ended: bool,
    /// A byte other than a line break was seen: a record, not a blank line.
    started: bool,
    counts: [usize; CANDIDATES.len()],
}

impl Default for Scan {
    fn default() -> Scan {
        Scan::new()
    }
}

impl Scan {
    pub(crate) fn new() -> Scan {
        Scan {
            quoted: false,
            closing: false,
            field_start: true,
            ended: false,
            started: false,
            counts: [0; CANDIDATES.len()],
        }
    }

    /// Walks on through `bytes`, the ones after those fed before: the index in `bytes` of the
    /// line break that ends the header record, if it is among them. Nothing is walked after it.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        if self.ended {
            return None;
        }
        for (i, &b) in bytes.iter().enumerate() {
            if self.quoted {
                if self.closing {
                    self.closing = false;
                    if b == b'"' {
                        continue;
                    }
                    self.quoted = false;
                } else {
                    self.closing = b == b'"';
                    continue;
                }
            }
            if b != b'\n' && b != b'\r' {
                self.started = true;
            }
            match b {
                b'\n' | b'\r' => {
                    self.ended = true;
                    return Some(i);
                }
                b'"' if self.field_start => {
                    self.quoted = true;
                    self.field_start = false;
                }
                _ => {
                    let candidate = CANDIDATES.iter().position(|&c| c == b);
                    if let Some(c) = candidate {
                        self.counts[c] += 1;
                    }
                    self.field_start = candidate.is_some();
                }
            }
        }
        None
    }

    /// The delimiter the header walked so far holds most, when it is the only one with that
    /// count; otherwise `,`.
    pub(crate) fn delimiter(&self) -> u8 {
        let best = self.counts.iter().copied().max().unwrap_or(0);
        if best == 0 || self.counts.iter().filter(|&&c| c == best).count() > 1 {
            return b',';
        }
        CANDIDATES[self.counts.iter().position(|&c| c == best).unwrap_or(0)]
    }
}

#[cfg(test)]
mod tests {
    use super::guess;

    #[test]
    fn the_clear_winner_or_a_comma() {
        assert_eq!(guess(b"Id;Betrag;Datum\n1;2,50;x"), b';');
        assert_eq!(guess(b"a\tb\tc"), b'\t');
        assert_eq!(guess(b"a|b|c\n"), b'|');
        assert_eq!(guess(b"userId,event,properties.plan\n"), b',');
        // Quoted delimiters do not count.
        assert_eq!(guess(b"\"a;b;c\",d\n"), b',');
        // A tie, or nothing at all, keeps the comma.
        assert_eq!(guess(b"a;b,c\n"), b',');
        assert_eq!(guess(b"single\n1;2;3"), b',');
        assert_eq!(guess(b""), b',');
        // A quoted header cell may hold a line break (and its own delimiters); the header record
        // ends at the first line break outside quotes.
        assert_eq!(guess(b"\"a,b\n\"\"c\"\"\r\n\";\",\"\"\"\n1;2\n"), b';');
        // A quote inside a field is text: it opens nothing.
        assert_eq!(guess(b"a\"b;c;d\ne,f,g,h"), b';');
    }

    #[test]
    fn the_header_ends_at_its_first_line_break_outside_quotes() {
        let header_end = |head: &[u8]| super::Scan::new().feed(head);
        assert_eq!(header_end(b"userId,event\n1,x\n"), Some(12));
        assert_eq!(header_end(b"\"a\nb\",c\nd"), Some(7));
        assert_eq!(header_end(b"\"a\"\"\nb\"\n"), Some(7));
        assert_eq!(header_end(b"x;\"a\nb\"\n"), Some(7));
        // Not in yet: the quote is still open, or no line break came.
        assert_eq!(header_end(b"\"a\nb"), None);
        assert_eq!(header_end(b"userId,event"), None);
        // A quote past a field's start is text, so the line break ends the header.
        assert_eq!(header_end(b"a\"b\nc\""), Some(3));
    }

    #[test]
    fn a_preamble_is_passed_over_and_cr_ends_a_record() {
        use super::guess_after;
        let ga4 =
            b"# Events\n# Account: Demo, Shop\n\n# Start date: 20240101\nEvent name;Event count\n";
        assert_eq!(guess_after(ga4, 3), b';');
        assert_eq!(guess_after(ga4, 0), b',');
        // Blank lines and CRLF are not records; a CR alone ends one.
        assert_eq!(guess_after(b"a,b\r\n\r\n\nx|y|z\r1|2|3", 1), b'|');
        assert_eq!(guess_after(b"title, with, commas\rx;y\r", 1), b';');
        assert_eq!(guess(b"x;y\ra,b,c,d,e\r"), b';');
    }

    #[test]
    fn a_guess_fed_in_pieces_is_the_guess_of_the_whole() {
        use super::{guess, Guess};
        let files: [&[u8]; 4] = [
            b"\"a,b\n\"\"c\"\"\r\n\";\",\"\"\"\n1;2\n",
            b"\xef\xbb\xbf\"x|y\"|z\n1|2\n",
            b"\xef\xbbnot a mark;b\n",
            b"a\tb\tc",
        ];
        for file in files {
            let text = file.strip_prefix(b"\xef\xbb\xbf").unwrap_or(file);
            for size in [1, 2, 5, file.len()] {
                let mut g = Guess::new(true);
                let ready: Vec<bool> = file.chunks(size).map(|c| g.push(c)).collect();
                let (d, held) = g.finish();
                assert_eq!((d, &held[..]), (guess(text), file), "{file:?} in {size}s");
                assert_eq!(ready.last(), Some(&text.contains(&b'\n')), "{file:?}");
            }
        }
    }
}
