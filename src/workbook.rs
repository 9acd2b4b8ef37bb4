//! Excel workbooks through the engine: a sheet's rows, read with their cell types by
//! `read::xlsx` from the byte ranges it asks for, go to the same header planning, row writer,
//! batches and report as a CSV's records ([`WorkbookIngest`]; [`validate_workbook`] drives it
//! over bytes in memory).
//!
//! Each row is a record on its sheet row number: rejections name that row as their line, and
//! its messageIds come from it, so a workbook read again, or resumed at a row, gives the same
//! ids. A mapping's `skip` counts rows as it counts a CSV's records; blank rows are passed
//! over as a CSV's blank lines are.

use crate::base::limits::MAX_SHARED_STRINGS_BYTES;
use crate::base::position::Position;
use crate::ingest::Ingest;
use crate::map::draft::{draft_sheet, Draft, DraftNote, NoteKind, SheetSample};
use crate::map::file_name::FileSpec;
use crate::options::Options;
use crate::read::records::{CellKind, CellRecord};
use crate::read::xlsx::error::XlsxError;
use crate::read::xlsx::{is_zip, Wanted, WorkbookReader};
use crate::report::error::{Error, ErrorKind};
use crate::report::Report;
use crate::write::batch::Batch;

/// Whether `head`, a file's first bytes, are a workbook's (a zip's), whatever the file's name.
pub fn is_workbook(head: &[u8]) -> bool {
    is_zip(head)
}

/// A range of a workbook's bytes the engine asks for: from `start` up to, not including, `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ByteRange {
    /// The first byte.
    pub start: u64,
    /// The byte after the last.
    pub end: u64,
    /// A part read as it comes (the shared strings, the sheet): write it in chunks (of any
    /// size, in order) rather than holding it whole. Otherwise a small range, read at once.
    pub stream: bool,
}

impl From<Wanted> for ByteRange {
    fn from(w: Wanted) -> ByteRange {
        ByteRange {
            start: w.start,
            end: w.end,
            stream: w.stream,
        }
    }
}

/// Turns one sheet of an Excel workbook into Segment request bodies, reading only the byte
/// ranges it asks for, so that the host never holds the workbook.
///
/// The host knows the file's size. While [`WorkbookIngest::wants`] gives a range, it reads
/// those bytes (a ranged GET, `File.slice`, a positioned read) and writes them, whole or in
/// chunks in order, with [`WorkbookIngest::write`], taking the ready bodies with
/// [`WorkbookIngest::next_batch`] after each write; then it calls [`WorkbookIngest::finish`]
/// and takes the last bodies. Memory stays bounded by the small parts (each under
/// [`crate::MAX_WORKBOOK_PART_BYTES`]), the shared strings (under
/// [`crate::MAX_SHARED_STRINGS_BYTES`]), one chunk, one row and one body.
///
/// ```
/// # fn workbook() -> Vec<u8> { std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/workbooks/MOCK_DATA.xlsx")).unwrap() }
/// use csv2segment::{Options, WorkbookIngest};
///
/// let file = workbook();
/// let mapping = r#"{"files":[{"match":"*","call":"identify","columns":{"id":"userId"}}]}"#;
/// let options = Options { mapping: Some(mapping.into()), ..Options::default() };
/// let mut ing = WorkbookIngest::new("mock.xlsx", "id", options, file.len() as u64)?;
/// let mut events = 0;
/// while let Some(r) = ing.wants() {
///     ing.write(&file[r.start as usize..r.end as usize])?;
///     while let Some(b) = ing.next_batch() { events += b.events; }
/// }
/// ing.finish()?;
/// while let Some(b) = ing.next_batch() { events += b.events; }
/// assert_eq!(events, 1000);
/// assert_eq!(ing.sheet(), Some("data"));
/// # Ok::<(), csv2segment::Error>(())
/// ```
pub struct WorkbookIngest {
    ing: Ingest,
    reader: WorkbookReader,
    cells: CellRecord,
    size: u64,
    skip_before: usize,
    skip_after: usize,
    header_seen: bool,
    /// Rows before this sheet row are passed over: a resumed run's start.
    from_row: u64,
    /// The last sheet row read.
    last_row: u64,
    /// The name is not a workbook's: it is said.
    misnamed: Option<String>,
    error_cells: u64,
    /// Cells right of the header's last column, left out; the first's (column, row).
    cells_past_header: u64,
    first_past: Option<(usize, u64)>,
    /// [`WorkbookIngest::finish`] was called: the run completes once the rows are read.
    finishing: bool,
    done: bool,
}

fn workbook_error(e: XlsxError) -> Error {
    Error::new(ErrorKind::Workbook(e.to_string()))
}

impl WorkbookIngest {
    /// An engine for the workbook at `key`, a file of `size` bytes, whose rows get messageIds
    /// derived from `identity`. The name (or the mapping's rule for it) picks the call; the
    /// rule's `sheet` the sheet, the first by default.
    ///
    /// Fails as [`Ingest::new`] does.
    pub fn new(
        key: &str,
        identity: &str,
        options: Options,
        size: u64,
    ) -> Result<WorkbookIngest, Error> {
        WorkbookIngest::resume(key, identity, options, size, Position::START)
    }

    /// An engine for the part of the workbook from the sheet row `at` on (`at.offset`, as
    /// [`WorkbookIngest::suspend`] returned it): the sheet is read again from its start, its
    /// header planned, and the rows before `at` passed over, so that the rows from it get the
    /// lines and messageIds of a single run.
    pub fn resume(
        key: &str,
        identity: &str,
        options: Options,
        size: u64,
        at: Position,
    ) -> Result<WorkbookIngest, Error> {
        let ing = Ingest::new(key, identity, options)?;
        let (skip_before, skip_after) = ing.skip_rows();
        let max_record = ing.options().max_record_bytes;
        let reader = WorkbookReader::new(
            size,
            ing.sheet_choice(),
            MAX_SHARED_STRINGS_BYTES,
            max_record,
        );
        let name = ing.file().name.clone();
        let misnamed = misnamed(&name).map(|said| format!("{name}: {said}"));
        Ok(WorkbookIngest {
            ing,
            reader,
            cells: CellRecord::default(),
            size,
            skip_before,
            skip_after,
            header_seen: false,
            from_row: at.offset,
            last_row: 0,
            misnamed,
            error_cells: 0,
            cells_past_header: 0,
            first_past: None,
            finishing: false,
            done: false,
        })
    }

    /// The byte range to read and write next; `None` once the sheet's bytes are all in (call
    /// [`WorkbookIngest::finish`]), or after an error. After part of a range is written, what
    /// is left of it.
    pub fn wants(&self) -> Option<ByteRange> {
        if self.done || self.ing.failed() {
            return None;
        }
        self.reader.wants().map(ByteRange::from)
    }

    /// Writes the next bytes of the range [`WorkbookIngest::wants`] gives, in order. Take the
    /// ready bodies with [`WorkbookIngest::next_batch`] after each write.
    ///
    /// Fails when the workbook cannot be read, when more bytes are written than were asked
    /// for, and on a header problem; every later call fails with it too.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.usable()?;
        self.ing.count_input(chunk.len() as u64);
        if let Err(e) = self.reader.write(chunk) {
            return Err(self.ing.stop(workbook_error(e)));
        }
        self.read_rows()
    }

    /// The end of the input: the bodies of the last rows are made as [`WorkbookIngest::next_batch`]
    /// takes them; the report is complete once it returns `None`.
    ///
    /// Fails when a range asked for was not written whole.
    pub fn finish(&mut self) -> Result<(), Error> {
        self.usable()?;
        if let Some(w) = self.reader.wants() {
            let e = XlsxError::Read(format!(
                "the bytes {} to {} were asked for and not given",
                w.start, w.end
            ));
            return Err(self.ing.stop(workbook_error(e)));
        }
        self.finishing = true;
        self.read_rows()
    }

    fn usable(&self) -> Result<(), Error> {
        if self.done {
            return Err(Error::new(ErrorKind::Finished));
        }
        self.ing.check_usable()
    }

    /// Reads rows into the engine until a body is ready or the bytes written hold no more;
    /// once finishing and the sheet is read, completes the run.
    fn read_rows(&mut self) -> Result<(), Error> {
        while !self.ing.body_ready() {
            let row = match self.reader.next_row(&mut self.cells) {
                Ok(row) => row,
                Err(e) => return Err(self.ing.stop(workbook_error(e))),
            };
            let Some(info) = row else {
                if self.finishing && self.reader.done() && !self.done {
                    self.done = true;
                    return self.ing.finish_records(self.size);
                }
                return Ok(());
            };
            self.last_row = info.number;
            if !(self.header_seen && info.number < self.from_row) {
                self.error_cells += u64::from(info.errors);
            }
            if info.blank {
                continue;
            }
            if !self.header_seen && self.skip_before > 0 {
                self.skip_before -= 1;
                continue;
            }
            if self.header_seen && self.skip_after > 0 {
                self.skip_after -= 1;
                continue;
            }
            if self.header_seen && info.number < self.from_row {
                continue;
            }
            let (line, offset) = (info.number, info.number);
            if info.too_long {
                self.ing.push_record(self.cells.too_long(line, offset))?;
            } else {
                if let Some(width) = self.ing.width() {
                    while self.cells.len() < width {
                        self.cells.push(b"", CellKind::Text);
                    }
                    let (past, at) = self.cells.cut(width);
                    self.cells_past_header += past as u64;
                    self.first_past = self.first_past.or(at.map(|col| (col, info.number)));
                }
                self.ing.push_record(self.cells.record(line, offset))?;
            }
            self.header_seen = true;
        }
        Ok(())
    }

    /// The next request body that is ready, oldest first.
    pub fn next_batch(&mut self) -> Option<Batch> {
        if let Some(b) = self.ing.next_batch() {
            return Some(b);
        }
        if self.usable().is_ok() {
            let _ = self.read_rows();
        }
        self.ing.next_batch()
    }

    /// Gives a body's buffer back once its bytes are sent: see [`Ingest::recycle`].
    pub fn recycle(&mut self, body: Vec<u8>) {
        self.ing.recycle(body);
    }

    /// Where the next row starts: its sheet row, as both the offset and the line of the
    /// [`Position`] (a workbook's rows have no byte offsets).
    pub fn position(&self) -> Position {
        let row = (self.last_row + 1).max(self.from_row);
        Position {
            offset: row,
            line: row,
        }
    }

    /// Stops between two rows: completes the open body, and returns the sheet row where the
    /// next run goes on, with [`WorkbookIngest::resume`]. The bodies still to take are those
    /// of the rows before it.
    pub fn suspend(&mut self) -> Result<Position, Error> {
        self.usable()?;
        self.ing.suspend()?;
        self.done = true;
        Ok(self.position())
    }

    /// The engine its rows go through (for the binding, which serves both alike).
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn ingest(&self) -> &Ingest {
        &self.ing
    }

    /// What the file name says.
    pub fn file(&self) -> &FileSpec {
        self.ing.file()
    }

    /// The options this engine runs with.
    pub fn options(&self) -> &Options {
        self.ing.options()
    }

    /// The report so far; complete after [`WorkbookIngest::finish`] once
    /// [`WorkbookIngest::next_batch`] returns `None`.
    pub fn report(&self) -> Report {
        self.ing.report()
    }

    /// The first payloads, as sent, up to the `sample_payloads` option.
    pub fn samples(&self) -> &[String] {
        self.ing.samples()
    }

    /// The sheet's header row as a CSV record, once read: what a host gives
    /// `combineParts` to write the rejects CSV of a workbook run in pieces.
    pub fn header(&self) -> Option<&[u8]> {
        self.ing.header()
    }

    /// A CSV of the rejected rows kept in the report, with the reason for each; `None` if none.
    pub fn rejects_csv(&self) -> Option<Vec<u8>> {
        self.ing.rejects_csv()
    }

    /// The sheet read, once the workbook part is.
    pub fn sheet(&self) -> Option<&str> {
        self.reader.sheet_name()
    }

    /// The workbook's sheets, in order, once the workbook part is read.
    pub fn sheets(&self) -> Vec<String> {
        self.reader.sheet_names()
    }

    /// Cells that held an error (`#N/A`, `#REF!`), sent as empty.
    pub fn error_cells(&self) -> u64 {
        self.error_cells
    }

    /// Cells right of the header's last column (a note beside the table): left out.
    pub fn cells_past_header(&self) -> u64 {
        self.cells_past_header
    }

    /// What the reader says of the file: a workbook named `.csv`, cells right of the header's
    /// last column left out, error cells read as empty.
    pub fn notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self.misnamed.iter().cloned().collect();
        if let Some((col, row)) = self.first_past {
            notes.push(past_header_note(self.cells_past_header, col, row));
        }
        if self.error_cells > 0 {
            let n = self.error_cells;
            let (s, were) = if n == 1 { ("", "was") } else { ("s", "were") };
            notes.push(format!(
                "{n} cell{s} held an error (#N/A, #REF!, ...) and {were} read as empty"
            ));
        }
        notes
    }
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

/// Reads a whole workbook in memory without sending anything: its sheet's report and first
/// payloads, the rows read as a CSV of the sheet would be, each cell with its type. It drives
/// [`WorkbookIngest`] over `bytes`, in the ranges it asks for.
pub fn validate_workbook(
    bytes: &[u8],
    key: &str,
    identity: &str,
    options: Options,
) -> WorkbookValidation {
    let mut ing = match WorkbookIngest::new(key, identity, options, bytes.len() as u64) {
        Ok(ing) => ing,
        Err(e) => {
            return WorkbookValidation {
                report: Report {
                    error: Some(e.to_string()),
                    header_errors: e.header_errors().to_vec(),
                    ..Report::default()
                },
                samples: Vec::new(),
                sheet: None,
                notes: Vec::new(),
                error_cells: 0,
                cells_past_header: 0,
            }
        }
    };
    // Errors are kept in the report; bodies are counted there and dropped here.
    'read: while let Some(r) = ing.wants() {
        let range = bytes
            .get(r.start as usize..r.end as usize)
            .unwrap_or_default();
        for chunk in range.chunks(1 << 16) {
            if ing.write(chunk).is_err() {
                break 'read;
            }
            while ing.next_batch().is_some() {}
        }
    }
    let _ = ing.finish();
    while ing.next_batch().is_some() {}
    WorkbookValidation {
        report: ing.report(),
        samples: ing.samples().to_vec(),
        sheet: ing.sheet().map(String::from),
        notes: ing.notes(),
        error_cells: ing.error_cells(),
        cells_past_header: ing.cells_past_header(),
    }
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

/// Drafts a mapping rule for a workbook from its first sheet's first rows, reading only the
/// byte ranges it asks for, as [`WorkbookIngest`] does: while [`WorkbookDraft::wants`] gives a
/// range, the host writes its bytes (whole or in chunks, in order); then
/// [`WorkbookDraft::finish`] gives the draft. It stops asking once its sample is full
/// ([`crate::DRAFT_SAMPLE_BYTES`] of cell text), so a big sheet is not read to its end.
pub struct WorkbookDraft {
    name: String,
    reader: WorkbookReader,
    cells: CellRecord,
    sample: SheetSample,
    /// The sample is full: no more rows are wanted.
    full: bool,
}

impl WorkbookDraft {
    /// A draft of the workbook `name`, a file of `size` bytes.
    pub fn new(name: &str, size: u64) -> WorkbookDraft {
        let max = crate::base::limits::DEFAULT_MAX_RECORD_BYTES;
        WorkbookDraft {
            name: name.to_string(),
            reader: WorkbookReader::new(size, None, MAX_SHARED_STRINGS_BYTES, max),
            cells: CellRecord::default(),
            sample: SheetSample::default(),
            full: false,
        }
    }

    /// The byte range to read and write next; `None` once the draft has what it needs.
    pub fn wants(&self) -> Option<ByteRange> {
        if self.full {
            return None;
        }
        self.reader.wants().map(ByteRange::from)
    }

    /// Writes the next bytes of the range [`WorkbookDraft::wants`] gives, in order.
    ///
    /// Fails when the workbook cannot be read or more bytes are written than were asked for.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), Error> {
        if self.full {
            return Ok(());
        }
        self.reader.write(chunk).map_err(workbook_error)?;
        self.pull()
    }

    fn pull(&mut self) -> Result<(), Error> {
        while !self.full {
            let Some(info) = self
                .reader
                .next_row(&mut self.cells)
                .map_err(workbook_error)?
            else {
                break;
            };
            if !info.blank && !self.sample.push(&self.cells) {
                self.full = true;
            }
        }
        Ok(())
    }

    /// The draft, from the rows read.
    ///
    /// Fails when a range asked for was not written whole.
    pub fn finish(mut self) -> Result<Draft, Error> {
        if !self.full {
            if let Some(w) = self.reader.wants() {
                return Err(workbook_error(XlsxError::Read(format!(
                    "the bytes {} to {} were asked for and not given",
                    w.start, w.end
                ))));
            }
            self.pull()?;
        }
        let whole = !self.full && self.reader.done();
        let sheets = self.reader.sheet_names();
        let mut draft = draft_sheet(&self.name, &sheets, self.sample, whole);
        if let Some(said) = misnamed(&self.name) {
            draft.notes.insert(
                0,
                DraftNote {
                    kind: NoteKind::Guess,
                    path: String::new(),
                    column: None,
                    message: said,
                },
            );
        }
        Ok(draft)
    }
}

/// What is said of a workbook whose name is not a workbook's (`.xlsx`, `.xlsm`): a zip named
/// `.csv` is read as the workbook it is, and said so.
fn misnamed(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    (!(lower.ends_with(".xlsx") || lower.ends_with(".xlsm"))).then(|| {
        let ext = lower.rsplit('.').next().unwrap_or("");
        format!("this is an Excel workbook named .{ext}; it was read as a workbook")
    })
}

/// Drafts a mapping rule for the workbook `name` (its bytes whole in `bytes`) from its first
/// sheet's first rows, each cell with the type the workbook stored it in: a date cell is a date
/// with no format to guess, a number cell a number, a text cell a string however it looks
/// (`0186`, an 18-digit id). The rest of the draft (call, identity, targets, the event's
/// time, `skip` for a title above the header) is a CSV's. It drives [`WorkbookDraft`] over
/// `bytes`.
pub fn draft_workbook(name: &str, bytes: &[u8]) -> Result<Draft, Error> {
    let mut d = WorkbookDraft::new(name, bytes.len() as u64);
    while let Some(r) = d.wants() {
        let range = bytes
            .get(r.start as usize..r.end as usize)
            .unwrap_or_default();
        if range.is_empty() {
            break;
        }
        for chunk in range.chunks(1 << 16) {
            d.write(chunk)?;
        }
    }
    d.finish()
}
