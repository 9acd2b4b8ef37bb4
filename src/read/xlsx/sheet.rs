//! A worksheet's rows, read from its part as a stream, one `<row>` at a time, into cells with
//! their types; nothing of the sheet is kept past the row being read.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::read::records::{CellKind, CellRecord};
use crate::read::xlsx::date::{self, Format};
use crate::read::xlsx::error::{xml_error, XlsxError};
use crate::read::xlsx::parts::{attr, SharedStrings};
use crate::read::xlsx::text::{cdata_bytes, push_reference, text_bytes, TextSink};

/// Excel's last column, XFD.
const MAX_COLUMNS: u32 = 16_384;

/// The type attribute of a cell (`t="s"`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stored {
    Number,
    Shared,
    Inline,
    FormulaText,
    Bool,
    Error,
    IsoDate,
}

/// The cell being read.
struct Cell {
    col: u32,
    stored: Stored,
    style: usize,
}

/// What a row held: its number on the sheet, and how many of its cells are errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RowInfo {
    /// The 1-based row number on the sheet (`<row r="7">`).
    pub number: u64,
    /// Error cells (`#N/A`), read as empty.
    pub errors: u32,
    /// No cell has a value: a blank row.
    pub blank: bool,
    /// Its text is over the record limit: only its first cells were kept.
    pub too_long: bool,
}

/// The rows of a sheet.
pub(crate) struct SheetRows<'w, R: BufRead> {
    xml: Reader<R>,
    part: String,
    buf: Vec<u8>,
    strings: &'w SharedStrings,
    styles: &'w [Format],
    date1904: bool,
    /// A cell's value text (`<v>`, or an inline string's), reused.
    value: Vec<u8>,
    /// A cell's text once typed, reused.
    typed: Vec<u8>,
    last_row: u64,
    done: bool,
}

impl<'w, R: BufRead> SheetRows<'w, R> {
    pub(crate) fn new(
        input: R,
        part: String,
        strings: &'w SharedStrings,
        styles: &'w [Format],
        date1904: bool,
    ) -> SheetRows<'w, R> {
        SheetRows {
            xml: Reader::from_reader(input),
            part,
            buf: Vec::new(),
            strings,
            styles,
            date1904,
            value: Vec::new(),
            typed: Vec::new(),
            last_row: 0,
            done: false,
        }
    }

    fn event(&mut self) -> Result<Event<'_>, XlsxError> {
        self.buf.clear();
        let part = &self.part;
        self.xml
            .read_event_into(&mut self.buf)
            .map_err(|e| xml_error(part, e))
    }

    /// Reads the next `<row>` into `out` (cleared first), its cells placed by their column, the
    /// gaps empty, and no text kept past `max_bytes`; `None` at the end of the sheet.
    pub(crate) fn next_row(
        &mut self,
        out: &mut CellRecord,
        max_bytes: usize,
    ) -> Result<Option<RowInfo>, XlsxError> {
        out.clear();
        if self.done {
            return Ok(None);
        }
        // Find the next row.
        let empty_row = loop {
            match self.event()? {
                Event::Start(e) if e.local_name().as_ref() == "row" => {
                    let n = row_number(&e);
                    self.start_row(n);
                    break false;
                }
                Event::Empty(e) if e.local_name().as_ref() == "row" => {
                    let n = row_number(&e);
                    self.start_row(n);
                    break true;
                }
                Event::End(e) if e.local_name().as_ref() == "sheetData" => {
                    self.done = true;
                    return Ok(None);
                }
                Event::Eof => {
                    self.done = true;
                    return Ok(None);
                }
                _ => {}
            }
        };
        let mut info = RowInfo {
            number: self.last_row,
            errors: 0,
            blank: true,
            too_long: false,
        };
        if empty_row {
            return Ok(Some(info));
        }
        let mut next_col = 0u32;
        loop {
            let (cell, empty) = match self.event()? {
                Event::Start(e) if e.local_name().as_ref() == "c" => (cell_of(&e, next_col), false),
                Event::Empty(e) if e.local_name().as_ref() == "c" => (cell_of(&e, next_col), true),
                Event::End(e) if e.local_name().as_ref() == "row" => break,
                Event::Eof => {
                    return Err(XlsxError::Xml {
                        part: self.part.clone(),
                        detail: format!("row {} never ends", info.number),
                    })
                }
                _ => continue,
            };
            if cell.col >= MAX_COLUMNS {
                return Err(XlsxError::Xml {
                    part: self.part.clone(),
                    detail: format!("row {} has a cell past column XFD", info.number),
                });
            }
            next_col = cell.col + 1;
            self.value.clear();
            if !empty {
                self.read_cell()?;
            }
            let kind = self.type_cell(&cell);
            if cell.stored == Stored::Error {
                info.errors += 1;
            }
            if self.typed.is_empty() {
                continue;
            }
            info.blank = false;
            if info.too_long || out.text_len() + self.typed.len() > max_bytes {
                info.too_long = true;
                continue;
            }
            while (out.len() as u32) < cell.col {
                out.push(b"", CellKind::Text);
            }
            if (out.len() as u32) == cell.col {
                out.push(&self.typed, kind);
            }
        }
        Ok(Some(info))
    }

    fn start_row(&mut self, n: Option<u64>) {
        self.last_row = n.unwrap_or(self.last_row + 1);
    }

    /// Reads a cell's content up to its end: the value (`<v>`) or the inline string (`<is>`)
    /// into `value`; a formula (`<f>`) is passed over, its cached value being the `<v>`.
    fn read_cell(&mut self) -> Result<(), XlsxError> {
        let mut in_v = false;
        let mut sink = TextSink::default();
        let mut value = std::mem::take(&mut self.value);
        let result = loop {
            let ev = match self.event() {
                Ok(ev) => ev,
                Err(e) => break Err(e),
            };
            match ev {
                Event::Start(e) => match e.local_name().as_ref() {
                    "v" => in_v = true,
                    "is" => sink.begin(&mut value),
                    other => sink.start(other),
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "c" => break Ok(()),
                    "v" => in_v = false,
                    "is" => sink.finish(&mut value),
                    other => sink.end(other),
                },
                Event::Text(t) => {
                    if in_v {
                        value.extend_from_slice(text_bytes(&t));
                    } else {
                        sink.text(text_bytes(&t), &mut value);
                    }
                }
                Event::CData(t) => {
                    if in_v {
                        value.extend_from_slice(cdata_bytes(&t));
                    } else {
                        sink.text(cdata_bytes(&t), &mut value);
                    }
                }
                Event::GeneralRef(r) => {
                    if in_v {
                        push_reference(&r, &mut value);
                    } else {
                        sink.reference(&r, &mut value);
                    }
                }
                Event::Eof => {
                    break Err(XlsxError::Xml {
                        part: self.part.clone(),
                        detail: "a cell never ends".to_string(),
                    })
                }
                _ => {}
            }
        };
        self.value = value;
        result
    }

    /// Writes the cell's text in its fixed form into `typed`; its kind.
    fn type_cell(&mut self, cell: &Cell) -> CellKind {
        self.typed.clear();
        let v = &self.value;
        match cell.stored {
            Stored::Error => CellKind::Text,
            Stored::Shared => {
                let i = std::str::from_utf8(v)
                    .ok()
                    .and_then(|s| s.trim().parse::<usize>().ok());
                if let Some(s) = i.and_then(|i| self.strings.get(i)) {
                    self.typed.extend_from_slice(s);
                }
                CellKind::Text
            }
            Stored::Inline | Stored::FormulaText | Stored::IsoDate => {
                self.typed.extend_from_slice(v);
                if cell.stored == Stored::IsoDate {
                    CellKind::Date
                } else {
                    CellKind::Text
                }
            }
            Stored::Bool => {
                match v.trim_ascii() {
                    b"1" | b"true" => self.typed.extend_from_slice(b"TRUE"),
                    b"0" | b"false" => self.typed.extend_from_slice(b"FALSE"),
                    _ => {}
                }
                CellKind::Bool
            }
            Stored::Number => {
                let t = v.trim_ascii();
                if t.is_empty() {
                    return CellKind::Number;
                }
                let Some(n) = std::str::from_utf8(t)
                    .ok()
                    .and_then(|s| s.parse::<f64>().ok())
                else {
                    // Not a number after all: its text as it stands.
                    self.typed.extend_from_slice(t);
                    return CellKind::Text;
                };
                let format = self
                    .styles
                    .get(cell.style)
                    .copied()
                    .unwrap_or(Format::Number);
                let ms = match format {
                    Format::Number => None,
                    Format::Date | Format::Time => date::serial_ms(n, self.date1904),
                };
                match (format, ms) {
                    (Format::Date, Some(ms)) => {
                        date::write_iso(ms, &mut self.typed);
                        CellKind::Date
                    }
                    (Format::Time, Some(ms)) if n < 1.0 => {
                        date::write_time(ms, &mut self.typed);
                        CellKind::Text
                    }
                    (Format::Time, Some(ms)) => {
                        date::write_iso(ms, &mut self.typed);
                        CellKind::Date
                    }
                    _ if n.is_finite() => {
                        self.typed.extend_from_slice(t);
                        CellKind::Number
                    }
                    _ => {
                        self.typed.extend_from_slice(t);
                        CellKind::Text
                    }
                }
            }
        }
    }
}

fn row_number(e: &BytesStart<'_>) -> Option<u64> {
    attr(e, "r").and_then(|r| r.trim().parse().ok())
}

/// A cell's column (from `r="AB12"`, else the one after the last), type and style.
fn cell_of(e: &BytesStart<'_>, next: u32) -> Cell {
    let mut cell = Cell {
        col: next,
        stored: Stored::Number,
        style: 0,
    };
    for a in e.attributes().flatten() {
        let value: &[u8] = a.value.as_bytes();
        match a.key.local_name().as_ref() {
            "r" => {
                if let Some(col) = column(value) {
                    cell.col = col;
                }
            }
            "t" => {
                cell.stored = match value {
                    b"s" => Stored::Shared,
                    b"inlineStr" => Stored::Inline,
                    b"str" => Stored::FormulaText,
                    b"b" => Stored::Bool,
                    b"e" => Stored::Error,
                    b"d" => Stored::IsoDate,
                    _ => Stored::Number,
                }
            }
            "s" => {
                cell.style = std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0)
            }
            _ => {}
        }
    }
    cell
}

/// The 0-based column of a reference such as `AB12`.
fn column(r: &[u8]) -> Option<u32> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut n = 0u32;
    for &b in &r[..letters] {
        n = n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1;
    }
    Some(n - 1)
}

#[cfg(test)]
mod tests {
    use super::column;

    #[test]
    fn columns() {
        assert_eq!(column(b"A1"), Some(0));
        assert_eq!(column(b"Z9"), Some(25));
        assert_eq!(column(b"AA1"), Some(26));
        assert_eq!(column(b"XFD1048576"), Some(16_383));
        assert_eq!(column(b"12"), None);
    }
}
