//! Cuts a byte stream, fed in chunks cut anywhere, into CSV records with their line, offset and raw text.
//!
//! This is the layer over `csv-core`'s push parser. Its buffers live as long as the reader, so
//! reading a row allocates nothing once they have grown to the widest row.

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// A record, as handed to the engine: valid until the next one is read.
pub(crate) struct Record<'a> {
    /// The 1-based line on which the record starts.
    pub line: u64,
    /// The byte offset of its first byte in the file.
    pub offset: u64,
    /// The record as it stands in the file, without line endings around it.
    pub raw: &'a [u8],
    /// The fields' unquoted bytes, one after another.
    pub fields: &'a [u8],
    /// Where each field ends in `fields`.
    pub ends: &'a [usize],
}

/// The fields of a record whose text is valid UTF-8.
pub(crate) struct Row<'a> {
    text: &'a str,
    ends: &'a [usize],
}

impl<'a> Record<'a> {
    /// The record's fields as text, or the 0-based index of the first field that is not UTF-8.
    pub(crate) fn row(&self) -> Result<Row<'a>, usize> {
        let bad_field = |upto: usize| self.ends.iter().position(|&e| e > upto).unwrap_or(0);
        let text = std::str::from_utf8(self.fields).map_err(|e| bad_field(e.valid_up_to()))?;
        // Valid as a whole, but a field could still end inside a character that the next completes.
        if let Some(i) = self.ends.iter().position(|&e| !text.is_char_boundary(e)) {
            return Err(i);
        }
        Ok(Row {
            text,
            ends: self.ends,
        })
    }
}

impl<'a> Row<'a> {
    /// How many fields.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The text of field `i`, or `""` past the end.
    pub(crate) fn cell(&self, i: usize) -> &'a str {
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).copied().unwrap_or(0)
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.text.get(start..end).unwrap_or("")
    }
}

/// The streaming record reader.
pub(crate) struct RecordReader {
    rdr: Reader,
    fields: Vec<u8>,
    ends: Vec<usize>,
    nfields: usize,
    nends: usize,
    /// The bytes consumed since the last record ended.
    raw: Vec<u8>,
    /// The file offset of `raw[0]`.
    raw_offset: u64,
    /// The line of `raw[0]`.
    line: u64,
}

fn is_eol(b: &u8) -> bool {
    *b == b'\n' || *b == b'\r'
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

impl RecordReader {
    /// A reader for `delimiter`-separated records, with `"` quotes, whose first byte is at `offset`.
    pub(crate) fn new(delimiter: u8, offset: u64) -> RecordReader {
        RecordReader {
            rdr: ReaderBuilder::new().delimiter(delimiter).build(),
            fields: vec![0; 4096],
            ends: vec![0; 64],
            nfields: 0,
            nends: 0,
            raw: Vec::with_capacity(4096),
            raw_offset: offset,
            line: 1,
        }
    }

    /// Counts bytes that are in the file but not fed (a byte order mark).
    pub(crate) fn skip(&mut self, n: u64) {
        self.raw_offset += n;
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
        self.read(input, f)
    }

    /// Reads the last record, which may have no line ending.
    pub(crate) fn finish<E>(
        &mut self,
        f: &mut impl FnMut(Record<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.read(&[], f)
    }

    fn read<E>(
        &mut self,
        mut input: &[u8],
        f: &mut impl FnMut(Record<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        loop {
            let (res, nin, nout, nend) = self.rdr.read_record(
                input,
                &mut self.fields[self.nfields..],
                &mut self.ends[self.nends..],
            );
            self.raw.extend_from_slice(&input[..nin]);
            input = &input[nin..];
            self.nfields += nout;
            self.nends += nend;
            match res {
                ReadRecordResult::InputEmpty => return Ok(()),
                ReadRecordResult::End => return Ok(()),
                ReadRecordResult::OutputFull => {
                    let n = self.fields.len() * 2;
                    self.fields.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    let result = self.emit(f);
                    self.nfields = 0;
                    self.nends = 0;
                    self.raw_offset += self.raw.len() as u64;
                    self.line += count_newlines(&self.raw);
                    self.raw.clear();
                    result?;
                }
            }
        }
    }

    fn emit<E>(&self, f: &mut impl FnMut(Record<'_>) -> Result<(), E>) -> Result<(), E> {
        let lead = self.raw.iter().take_while(|b| is_eol(b)).count();
        let body = &self.raw[lead..];
        let trail = body.iter().rev().take_while(|b| is_eol(b)).count();
        f(Record {
            line: self.line + count_newlines(&self.raw[..lead]),
            offset: self.raw_offset + lead as u64,
            raw: &body[..body.len() - trail],
            fields: &self.fields[..self.nfields],
            ends: &self.ends[..self.nends],
        })
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
                cells: (0..row.len()).map(|i| row.cell(i).to_string()).collect(),
            });
            Ok(())
        };
        for c in chunks {
            r.push(c, &mut f).unwrap();
        }
        r.finish(&mut f).unwrap();
        got
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
    fn any_chunking_reads_the_same() {
        let data: &[u8] = "h1,h2\n\"a,\"\"b\"\"\",é\n\nc,\"d\r\ne\"\n".as_bytes();
        let whole = read_all(&[data]);
        assert_eq!(whole.len(), 3);
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
    fn wide_rows_grow_the_buffers() {
        let wide = format!("{}\n", vec!["x".repeat(100); 500].join(","));
        let got = read_all(&[wide.as_bytes()]);
        assert_eq!(got[0].cells.len(), 500);
        assert_eq!(got[0].cells[499], "x".repeat(100));
    }

    #[test]
    fn invalid_utf8_names_the_field() {
        let mut r = RecordReader::new(b',', 0);
        let mut bad = Vec::new();
        let mut f = |rec: Record<'_>| -> Result<(), ()> {
            bad.push(rec.row().err());
            Ok(())
        };
        r.push(b"ok,\xff\xfe,x\n\xc3,\xa9\n", &mut f).unwrap();
        r.finish(&mut f).unwrap();
        assert_eq!(bad, [Some(1), Some(0)]);
    }
}
