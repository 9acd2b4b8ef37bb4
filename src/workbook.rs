//! Excel workbooks through the engine: a sheet's rows, read with their cell types by
//! `read::xlsx`, go to the same header planning, row writer, batches and report as a CSV's
//! records ([`validate_workbook`]).
//!
//! Each row is a record on its sheet row number: rejections name that row as their line, and
//! its messageIds come from it, so a workbook read again (or resumed at a row) gives the same
//! ids. A mapping's `skip` counts rows as it counts a CSV's records; blank rows are passed
//! over as a CSV's blank lines are.

use crate::base::limits::MAX_SHARED_STRINGS_BYTES;
use crate::ingest::Ingest;
use crate::map::draft::{draft_sheet, Draft, SheetSample};
use crate::options::Options;
use crate::read::records::{CellKind, CellRecord};
use crate::read::xlsx::error::XlsxError;
use crate::read::xlsx::{is_zip, Workbook};
use crate::report::error::{Error, ErrorKind};
use crate::report::Report;

/// Whether `head`, a file's first bytes, are a workbook's (a zip's), whatever the file's name.
pub fn is_workbook(head: &[u8]) -> bool {
    is_zip(head)
}

/// The outcome of [`validate_workbook`].
#[derive(Clone, Debug)]
pub struct WorkbookValidation {
    /// The report, with `error` set when the workbook could not be read at all.
    pub report: Report,
    /// The first payloads, as they would be sent.
    pub samples: Vec<String>,
    /// The sheet read, once the workbook was opened.
    pub sheet: Option<String>,
    /// What the reader says of the file: a workbook named `.csv`, error cells read as empty.
    pub notes: Vec<String>,
    /// Cells that held an error (`#N/A`, `#REF!`), sent as empty.
    pub error_cells: u64,
    /// Cells right of the header's last column (a note beside the table): left out.
    pub cells_past_header: u64,
}

/// Reads a whole workbook in memory without sending anything: its first sheet's report and
/// first payloads, the rows read as a CSV of the sheet would be, each cell with its type.
pub fn validate_workbook(
    bytes: &[u8],
    key: &str,
    identity: &str,
    options: Options,
) -> WorkbookValidation {
    let mut out = WorkbookValidation {
        report: Report::default(),
        samples: Vec::new(),
        sheet: None,
        notes: Vec::new(),
        error_cells: 0,
        cells_past_header: 0,
    };
    let mut ing = match Ingest::new(key, identity, options) {
        Ok(ing) => ing,
        Err(e) => {
            out.report.error = Some(e.to_string());
            out.report.header_errors = e.header_errors().to_vec();
            return out;
        }
    };
    let name = ing.file().name.clone();
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".xlsx") || lower.ends_with(".xlsm")) {
        let ext = lower.rsplit('.').next().unwrap_or("");
        out.notes.push(format!(
            "{name}: this is an Excel workbook named .{ext}; it was read as a workbook"
        ));
    }
    let mut first_past = None;
    if let Err(e) = run(bytes, &mut ing, &mut out, &mut first_past) {
        let e = ing.stop(e);
        out.report.error = Some(e.to_string());
    }
    if let Some((col, row)) = first_past {
        let note = past_header_note(out.cells_past_header, col, row);
        out.notes.push(note);
    }
    if out.error_cells > 0 {
        let n = out.error_cells;
        let s = if n == 1 { "" } else { "s" };
        out.notes.push(format!(
            "{n} cell{s} held an error (#N/A, #REF!, ...) and were read as empty"
        ));
    }
    while ing.next_batch().is_some() {}
    out.samples = ing.samples().to_vec();
    let report = ing.report().clone();
    if out.report.error.is_some() && report.error.is_none() {
        out.report = Report {
            error: out.report.error.take(),
            ..report
        };
    } else {
        out.report = report;
    }
    out
}

fn workbook_error(e: XlsxError) -> Error {
    Error::new(ErrorKind::Workbook(e.to_string()))
}

/// Reads the first sheet's rows into `ing`, dropping the bodies as they are made.
/// `first_past`: where the first cell right of the header's last column is (column, row).
fn run(
    bytes: &[u8],
    ing: &mut Ingest,
    out: &mut WorkbookValidation,
    first_past: &mut Option<(usize, u64)>,
) -> Result<(), Error> {
    let book = Workbook::open(bytes, MAX_SHARED_STRINGS_BYTES).map_err(workbook_error)?;
    out.sheet = book.sheet_names().into_iter().next();
    let mut rows = book.rows(0).map_err(workbook_error)?;
    let (mut skip_before, mut skip_after) = ing.skip_rows();
    let max = ing.options().max_record_bytes;
    let mut cells = CellRecord::default();
    let mut header_seen = ing.width().is_some();
    while let Some(info) = rows.next_row(&mut cells, max).map_err(workbook_error)? {
        out.error_cells += u64::from(info.errors);
        if info.blank {
            continue;
        }
        if !header_seen && skip_before > 0 {
            skip_before -= 1;
            continue;
        }
        if header_seen && skip_after > 0 {
            skip_after -= 1;
            continue;
        }
        let (line, offset) = (info.number, info.number);
        if info.too_long {
            ing.push_record(cells.too_long(line, offset))?;
        } else {
            if let Some(width) = ing.width() {
                while cells.len() < width {
                    cells.push(b"", CellKind::Text);
                }
                let (past, at) = cells.cut(width);
                out.cells_past_header += past as u64;
                *first_past = first_past.or(at.map(|col| (col, info.number)));
            }
            ing.push_record(cells.record(line, offset))?;
        }
        header_seen = true;
        while ing.next_batch().is_some() {}
    }
    ing.finish_records(bytes.len() as u64)
}

/// The note on `n` cells right of the header's last column, the first at 0-based column `col`
/// of row `row`: a note or a total beside the table is common in a workbook, so they are left
/// out rather than their rows rejected, as a CSV row with a field too many is.
fn past_header_note(n: u64, col: usize, row: u64) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    let at = String::from_utf8_lossy(&letters);
    let (s, were, them) = if n == 1 {
        ("", "was", "it")
    } else {
        ("s", "were", "them")
    };
    format!("{n} cell{s} right of the header's last column (the first at {at}{row}) {were} left out: the header names no column there; name the column in the header row, or in the mapping's \"header\", to send {them}")
}

/// Drafts a mapping rule for the workbook `name` (its bytes whole in `bytes`) from its first
/// sheet's first rows, each cell with the type the workbook stored it in: a date cell is a date
/// with no format to guess, a number cell a number, a text cell a string however it looks
/// (`0186`, an 18-digit id). The rest of the draft (call, identity, targets, the event's
/// time, `skip` for a title above the header) is a CSV's.
pub fn draft_workbook(name: &str, bytes: &[u8]) -> Result<Draft, Error> {
    let book = Workbook::open(bytes, MAX_SHARED_STRINGS_BYTES).map_err(workbook_error)?;
    let mut rows = book.rows(0).map_err(workbook_error)?;
    let (mut sample, mut cells) = (SheetSample::default(), CellRecord::default());
    let max = crate::base::limits::DEFAULT_MAX_RECORD_BYTES;
    let mut whole = true;
    while let Some(info) = rows.next_row(&mut cells, max).map_err(workbook_error)? {
        if !info.blank && !sample.push(&cells) {
            whole = false;
            break;
        }
    }
    Ok(draft_sheet(name, &book.sheet_names(), sample, whole))
}
