//! A worksheet's rows, read from its part as a stream, one `<row>` at a time, into cells with
//! their types; nothing of the sheet is kept past the row being read.

use quick_xml::events::{BytesStart, Event};

use crate::read::records::{CellKind, CellRecord};
use crate::read::xlsx::date::{self, Format};
use crate::read::xlsx::error::XlsxError;
use crate::read::xlsx::parts::SharedStrings;
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

/// What the cells of a sheet are read with: the shared strings, the styles' formats, the date
/// system.
pub(crate) struct Book<'w> {
    pub strings: &'w SharedStrings,
    pub styles: &'w [Format],
    pub date1904: bool,
}

/// The rows of a sheet, read from its part's XML events as they come, one `<row>` at a time;
/// nothing of the sheet is kept past the row being read.
pub(crate) struct SheetRows {
    part: String,
    /// A cell's value text (`<v>`, or an inline string's), reused.
    value: Vec<u8>,
    /// A cell's text once typed, reused.
    typed: Vec<u8>,
    last_row: u64,
    /// The row being read, and the next cell's column when it gives none.
    row: Option<RowInfo>,
    next_col: u32,
    /// The cell being read.
    cell: Option<Cell>,
    in_v: bool,
    sink: TextSink,
    /// The cell's text went past the record limit.
    cell_too_long: bool,
    done: bool,
}

impl SheetRows {
    pub(crate) fn new(part: String) -> SheetRows {
        SheetRows {
            part,
            value: Vec::new(),
            typed: Vec::new(),
            last_row: 0,
            row: None,
            next_col: 0,
            cell: None,
            in_v: false,
            sink: TextSink::default(),
            cell_too_long: false,
            done: false,
        }
    }

    /// Whether the sheet's data has ended (`</sheetData>`).
    pub(crate) fn done(&self) -> bool {
        self.done
    }

    /// The part has ended: fails when it ended inside a row.
    pub(crate) fn end(&mut self) -> Result<(), XlsxError> {
        if let Some(row) = self.row {
            let what = if self.cell.is_some() {
                "a cell never ends".to_string()
            } else {
                format!("row {} never ends", row.number)
            };
            return Err(XlsxError::Xml {
                part: self.part.clone(),
                detail: what,
            });
        }
        self.done = true;
        Ok(())
    }

    /// Reads one event of the part into `out`: a row's cells placed by their column, the gaps
    /// empty, and no text kept past `max_bytes`. Returns the row's [`RowInfo`] on the event that
    /// ends it (`out` holds its cells until the next row starts).
    pub(crate) fn event(
        &mut self,
        ev: Event<'_>,
        book: &Book<'_>,
        out: &mut CellRecord,
        max_bytes: usize,
    ) -> Result<Option<RowInfo>, XlsxError> {
        if self.done {
            return Ok(None);
        }
        if self.cell.is_some() {
            return self.cell_event(ev, book, out, max_bytes).map(|()| None);
        }
        match ev {
            Event::Start(e) if e.local_name().as_ref() == "row" => {
                self.start_row(row_number(&e), out);
            }
            Event::Empty(e) if e.local_name().as_ref() == "row" => {
                self.start_row(row_number(&e), out);
                return Ok(self.row.take());
            }
            Event::End(e) if e.local_name().as_ref() == "row" => return Ok(self.row.take()),
            Event::Start(e) if self.row.is_some() && e.local_name().as_ref() == "c" => {
                self.start_cell(cell_of(&e, self.next_col))?;
            }
            Event::Empty(e) if self.row.is_some() && e.local_name().as_ref() == "c" => {
                self.start_cell(cell_of(&e, self.next_col))?;
                self.end_cell(book, out, max_bytes);
            }
            Event::End(e) if e.local_name().as_ref() == "sheetData" => {
                self.end()?;
            }
            _ => {}
        }
        Ok(None)
    }

    fn start_row(&mut self, n: Option<u64>, out: &mut CellRecord) {
        self.last_row = n.unwrap_or(self.last_row + 1);
        out.clear();
        self.next_col = 0;
        self.row = Some(RowInfo {
            number: self.last_row,
            errors: 0,
            blank: true,
            too_long: false,
        });
    }

    fn start_cell(&mut self, cell: Cell) -> Result<(), XlsxError> {
        if cell.col >= MAX_COLUMNS {
            let number = self.row.map_or(self.last_row, |r| r.number);
            return Err(XlsxError::Xml {
                part: self.part.clone(),
                detail: format!("row {number} has a cell past column XFD"),
            });
        }
        self.next_col = cell.col + 1;
        self.value.clear();
        self.in_v = false;
        self.sink = TextSink::default();
        self.cell_too_long = false;
        self.cell = Some(cell);
        Ok(())
    }

    /// Keeps text of the cell, up to the record limit.
    fn take_text(&mut self, t: &[u8], max_bytes: usize, f: impl FnOnce(&mut Self, &[u8])) {
        if self.cell_too_long || self.value.len() + t.len() > max_bytes {
            self.cell_too_long = true;
            return;
        }
        f(self, t);
    }

    /// An event inside a cell: the value (`<v>`) or the inline string (`<is>`) go into
    /// `value`; a formula (`<f>`) is passed over, its cached value being the `<v>`.
    fn cell_event(
        &mut self,
        ev: Event<'_>,
        book: &Book<'_>,
        out: &mut CellRecord,
        max_bytes: usize,
    ) -> Result<(), XlsxError> {
        match ev {
            Event::Start(e) => match e.local_name().as_ref() {
                "v" => self.in_v = true,
                "is" => self.sink.begin(&mut self.value),
                other => self.sink.start(other),
            },
            Event::End(e) => match e.local_name().as_ref() {
                "c" => self.end_cell(book, out, max_bytes),
                "v" => self.in_v = false,
                "is" => self.sink.finish(&mut self.value),
                other => self.sink.end(other),
            },
            Event::Text(t) => self.take_text(text_bytes(&t), max_bytes, |s, t| {
                if s.in_v {
                    s.value.extend_from_slice(t);
                } else {
                    s.sink.text(t, &mut s.value);
                }
            }),
            Event::CData(t) => self.take_text(cdata_bytes(&t), max_bytes, |s, t| {
                if s.in_v {
                    s.value.extend_from_slice(t);
                } else {
                    s.sink.text(t, &mut s.value);
                }
            }),
            Event::GeneralRef(r) if !self.cell_too_long => {
                if self.in_v {
                    push_reference(&r, &mut self.value);
                } else {
                    self.sink.reference(&r, &mut self.value);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The cell ends: its text typed, and placed in `out` at its column.
    fn end_cell(&mut self, book: &Book<'_>, out: &mut CellRecord, max_bytes: usize) {
        let Some(cell) = self.cell.take() else {
            return;
        };
        let Some(info) = self.row.as_mut() else {
            return;
        };
        if self.cell_too_long {
            info.blank = false;
            info.too_long = true;
            return;
        }
        let kind = type_cell(&cell, &self.value, book, &mut self.typed);
        let Some(info) = self.row.as_mut() else {
            return;
        };
        if cell.stored == Stored::Error {
            info.errors += 1;
        }
        if self.typed.is_empty() {
            return;
        }
        info.blank = false;
        if info.too_long || out.text_len() + self.typed.len() > max_bytes {
            info.too_long = true;
            return;
        }
        while (out.len() as u32) < cell.col {
            out.push(b"", CellKind::Text);
        }
        if (out.len() as u32) == cell.col {
            out.push(&self.typed, kind);
        }
    }
}

/// Writes the cell's text in its fixed form into `typed`; its kind.
fn type_cell(cell: &Cell, v: &[u8], book: &Book<'_>, typed: &mut Vec<u8>) -> CellKind {
    typed.clear();
    {
        match cell.stored {
            Stored::Error => CellKind::Text,
            Stored::Shared => {
                let i = std::str::from_utf8(v)
                    .ok()
                    .and_then(|s| s.trim().parse::<usize>().ok());
                if let Some(s) = i.and_then(|i| book.strings.get(i)) {
                    typed.extend_from_slice(s);
                }
                CellKind::Text
            }
            Stored::Inline | Stored::FormulaText | Stored::IsoDate => {
                typed.extend_from_slice(v);
                if cell.stored == Stored::IsoDate {
                    CellKind::Date
                } else {
                    CellKind::Text
                }
            }
            Stored::Bool => {
                match v.trim_ascii() {
                    b"1" | b"true" => typed.extend_from_slice(b"TRUE"),
                    b"0" | b"false" => typed.extend_from_slice(b"FALSE"),
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
                    typed.extend_from_slice(t);
                    return CellKind::Text;
                };
                let format = book
                    .styles
                    .get(cell.style)
                    .copied()
                    .unwrap_or(Format::Number);
                let ms = match format {
                    Format::Number => None,
                    Format::Date | Format::Time => date::serial_ms(n, book.date1904),
                };
                match (format, ms) {
                    (Format::Date, Some(ms)) => {
                        date::write_iso(ms, typed);
                        CellKind::Date
                    }
                    (Format::Time, Some(ms)) if n < 1.0 => {
                        date::write_time(ms, typed);
                        CellKind::Text
                    }
                    (Format::Time, Some(ms)) => {
                        date::write_iso(ms, typed);
                        CellKind::Date
                    }
                    _ if n.is_finite() => {
                        typed.extend_from_slice(t);
                        CellKind::Number
                    }
                    _ => {
                        typed.extend_from_slice(t);
                        CellKind::Text
                    }
                }
            }
        }
    }
}

/// A row's number (`r="7"`), read from the attribute's bytes (no allocation: once a row).
fn row_number(e: &BytesStart<'_>) -> Option<u64> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == "r")
            .then(|| {
                std::str::from_utf8(a.value.as_bytes())
                    .ok()?
                    .trim()
                    .parse()
                    .ok()
            })
            .flatten()
    })
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
