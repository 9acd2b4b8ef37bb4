//! Cuts a byte stream, fed in chunks cut anywhere, into CSV records with their line, offset and raw text.
//!
//! The dialect is RFC 4180 as `csv-core` reads it: `"` quotes, `""` inside quotes is a quote,
//! `\n`, `\r\n` or `\r` ends a record, blank lines are skipped, and a quote that is never
//! closed runs to the end of the file. Unlike a byte-at-a-time state machine, this reader scans
//! unquoted fields with a table and does not copy them: a cell is a slice of the input, and
//! only quoted cells are unescaped into a scratch buffer. The input of a write is appended to
//! one buffer that keeps, between writes, only the record that is not complete yet.

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
    /// No byte is past ASCII: the text is valid UTF-8 without a check.
    ascii: bool,
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
}

impl<'a> Record<'a> {
    /// How many fields.
    pub(crate) fn len(&self) -> usize {
        self.fields.len()
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
        if !self.ascii {
            std::str::from_utf8(self.raw).map_err(|e| field_at(e.valid_up_to()))?;
            std::str::from_utf8(self.scratch).map_err(|_| 0usize)?;
        }
        Ok(Row {
            raw: self.raw,
            scratch: self.scratch,
            fields: self.fields,
            clean: self.clean,
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

    /// The text of field `i`, or `""` past the end.
    pub(crate) fn cell_str(&self, i: usize) -> &'a str {
        // Checked by `Record::row`, so this never falls back.
        std::str::from_utf8(self.cell(i)).unwrap_or_default()
    }
}

/// How reading a record from the buffer ended.
/// A place in a file where a record may start: its byte offset and 1-based line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// Bytes before it.
    pub offset: u64,
    /// Its line: one more than the `\n` bytes before it.
    pub line: u64,
}

impl Position {
    /// The start of a file.
    pub const START: Position = Position { offset: 0, line: 1 };
}

enum Scan {
    /// A record ends at this buffer position (its terminator not included).
    Record { end: usize, next: usize },
    /// The buffer ends inside the record.
    Incomplete,
}

/// A byte that neither ends an unquoted field nor needs escaping in JSON.
const PLAIN: u8 = 0;
/// A byte that ends an unquoted field: the delimiter, `\r`, `\n`.
const STOP: u8 = 1;
/// A byte that JSON escapes: control characters, `"`, `\\`.
const ESCAPED: u8 = 2;
/// A byte of a multi-byte UTF-8 character (or of invalid text): the record needs a UTF-8 check.
const WIDE: u8 = 4;

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
    fields: Vec<Field>,
    scratch: Vec<u8>,
    /// A record left incomplete is read again only once the buffer holds this many bytes, so a
    /// huge record arriving in small chunks is not re-read once per chunk.
    retry_at: usize,
}

impl RecordReader {
    /// A reader for `delimiter`-separated records, with `"` quotes, whose first byte is at `offset`.
    pub(crate) fn new(delimiter: u8, offset: u64) -> RecordReader {
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
            scratch: Vec::new(),
            retry_at: 0,
        }
    }

    /// Counts bytes that are in the file but not fed (a byte order mark).
    /// Where the next record starts: the byte offset and line of the first byte not yet read
    /// into a record (the start of a partial record, or the end of the input after `finish`).
    pub(crate) fn position(&self) -> Position {
        Position {
            offset: self.buf_offset,
            line: self.line,
        }
    }

    /// Drops what is buffered and goes on as if the input so far had ended at `at`, a record
    /// boundary: the next byte pushed is the one at `at.offset`, on line `at.line`.
    pub(crate) fn jump(&mut self, at: Position) {
        self.buf.clear();
        self.buf_offset = at.offset;
        self.line = at.line;
        self.retry_at = 0;
    }

    /// The offset of the next byte to be pushed.
    pub(crate) fn end_offset(&self) -> u64 {
        self.buf_offset + self.buf.len() as u64
    }

    pub(crate) fn skip(&mut self, n: u64) {
        self.buf_offset += n;
    }

    /// Reads the records that `input` completes, calling `f` for each.
    pub(crate) fn push<E>(
        &mut self,
        input: &[u8],
        f: &mut impl FnMut(Record<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if input.is_empty() {
            return Ok(());
        }
        self.buf.extend_from_slice(input);
        if self.buf.len() < self.retry_at {
            return Ok(());
        }
        self.read(false, f)
    }

    /// Reads the last record, which may have no line ending.
    pub(crate) fn finish<E>(
        &mut self,
        f: &mut impl FnMut(Record<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.read(true, f)
    }

    fn read<E>(
        &mut self,
        eof: bool,
        f: &mut impl FnMut(Record<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut pos = 0;
        let mut result = Ok(());
        self.retry_at = 0;
        loop {
            // Skip line endings before the record: blank lines, the `\n` of a `\r\n`.
            while let Some(&b) = self.buf.get(pos) {
                match b {
                    b'\n' => self.line += 1,
                    b'\r' => {}
                    _ => break,
                }
                pos += 1;
            }
            if pos == self.buf.len() {
                break;
            }
            let start = pos;
            let mut newlines = 0;
            let mut seen = 0;
            match self.scan(start, eof, &mut newlines, &mut seen) {
                Scan::Incomplete => {
                    let pending = self.buf.len() - start;
                    self.retry_at = pending.saturating_mul(2);
                    break;
                }
                Scan::Record { end, next } => {
                    let rec = Record {
                        line: self.line,
                        offset: self.buf_offset + start as u64,
                        raw: &self.buf[start..end],
                        scratch: &self.scratch,
                        fields: &self.fields,
                        clean: seen & ESCAPED == 0,
                        // A delimiter past ASCII is a STOP byte, so it is not seen as WIDE.
                        ascii: seen & WIDE == 0 && self.delimiter.is_ascii(),
                    };
                    result = f(rec);
                    self.line += newlines;
                    pos = next;
                    if result.is_err() {
                        break;
                    }
                }
            }
        }
        self.buf.drain(..pos);
        self.buf_offset += pos as u64;
        result
    }

    /// Scans an unquoted run from `i` to the first [`STOP`] byte (or the end); adds the
    /// classes of the other bytes that are not [`PLAIN`] to `seen`.
    #[inline(always)]
    fn unquoted(&self, buf: &[u8], mut i: usize, seen: &mut u8) -> usize {
        while let Some(&b) = buf.get(i) {
            match self.class[usize::from(b)] {
                PLAIN => {}
                STOP => break,
                class => *seen |= class,
            }
            i += 1;
        }
        i
    }

    /// Reads one record at `start`, filling `fields` and `scratch`; counts `\n`s inside it and
    /// adds the classes of the bytes it holds ([`ESCAPED`], [`WIDE`]) to `seen`.
    fn scan(&mut self, start: usize, eof: bool, newlines: &mut u64, seen: &mut u8) -> Scan {
        self.fields.clear();
        self.scratch.clear();
        let buf = &self.buf[..];
        let len = buf.len();
        let mut i = start;
        loop {
            let field_start = i;
            let mut field = Field::default();
            if i < len && buf[i] == b'"' {
                field.quoted = true;
                field.start = self.scratch.len() as u32;
                i += 1;
                loop {
                    let run = i;
                    while i < len && buf[i] != b'"' {
                        let b = buf[i];
                        if b < 0x20 || b == b'\\' || b >= 0x80 {
                            *seen |= if b >= 0x80 { WIDE } else { ESCAPED };
                            *newlines += u64::from(b == b'\n');
                        }
                        i += 1;
                    }
                    self.scratch.extend_from_slice(&buf[run..i]);
                    if i == len {
                        if !eof {
                            return Scan::Incomplete;
                        }
                        break;
                    }
                    // A quote: doubled, it is a quote; else it closes the quoted part.
                    if i + 1 < len && buf[i + 1] == b'"' {
                        *seen |= ESCAPED;
                        self.scratch.push(b'"');
                        i += 2;
                        continue;
                    }
                    if i + 1 == len && !eof {
                        return Scan::Incomplete;
                    }
                    i += 1;
                    break;
                }
                // Text after the closing quote belongs to the field, as csv-core reads it.
                let run = i;
                i = self.unquoted(buf, i, seen);
                self.scratch.extend_from_slice(&buf[run..i]);
                field.end = self.scratch.len() as u32;
            } else {
                i = self.unquoted(buf, i, seen);
                field.start = (field_start - start) as u32;
                field.end = (i - start) as u32;
            }
            field.raw_end = (i - start) as u32;
            self.fields.push(field);
            if i == len {
                if !eof {
                    return Scan::Incomplete;
                }
                return Scan::Record { end: i, next: i };
            }
            if buf[i] == self.delimiter {
                i += 1;
                continue;
            }
            // A line ending: `\n` counts as a line; the `\n` of `\r\n` is skipped as the next lead.
            *newlines += u64::from(buf[i] == b'\n');
            return Scan::Record {
                end: i,
                next: i + 1,
            };
        }
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
        let mut r = RecordReader::new(b',', 0);
        let mut got = Vec::new();
        let mut f = |rec: Record<'_>| -> Result<(), ()> {
            let row = rec.row().unwrap();
            got.push(Owned {
                line: rec.line,
                offset: rec.offset,
                raw: String::from_utf8(rec.raw.to_vec()).unwrap(),
                cells: (0..row.len())
                    .map(|i| row.cell_str(i).to_string())
                    .collect(),
            });
            Ok(())
        };
        for c in chunks {
            r.push(c, &mut f).unwrap();
        }
        r.finish(&mut f).unwrap();
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
        assert_eq!(
            cells("\"open,quote\nto the end"),
            [vec!["open,quote\nto the end"]]
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
            proptest::prop_assert_eq!(ours, oracle);
        }
    }

    #[test]
    fn rows_know_whether_json_must_escape_them() {
        let mut r = RecordReader::new(b',', 0);
        let mut clean = Vec::new();
        let mut f = |rec: Record<'_>| -> Result<(), ()> {
            clean.push(rec.row().unwrap().clean);
            Ok(())
        };
        let data = "plain,text é,\"quoted, fine\"\na\"b,c\nback\\slash\n\"q\"\"q\"\n\"multi\nline\"\ntab\there\nlonger plain text past eight bytes\n";
        r.push(data.as_bytes(), &mut f).unwrap();
        r.finish(&mut f).unwrap();
        assert_eq!(clean, [true, false, false, false, false, false, true]);
    }

    #[test]
    fn invalid_utf8_names_the_field() {
        let mut r = RecordReader::new(b',', 0);
        let mut bad = Vec::new();
        let mut f = |rec: Record<'_>| -> Result<(), ()> {
            bad.push(rec.row().err());
            Ok(())
        };
        r.push(b"ok,\xff\xfe,x\n\xc3,\xa9\nfine,\"q\xff\"\n", &mut f)
            .unwrap();
        r.finish(&mut f).unwrap();
        assert_eq!(bad, [Some(1), Some(0), Some(1)]);
    }
}
