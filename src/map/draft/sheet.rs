//! The first question of a draft, for a workbook: a sheet has no encoding or delimiter to
//! guess, and its cells come typed, so what is left is which row is the header (`skip` for a
//! title or a key-value block above it, as for a CSV's preamble). The rows are read by the
//! engine's own sheet reader (`crate::workbook::draft_workbook`), blank rows passed over as a
//! run passes over them, each cell with the type the workbook stored it in.

use super::sniff::{is_header, preamble, Sample, FIRST_ROWS, ROWS_AFTER_SKIP};
use super::{NoteKind, Notes, DRAFT_SAMPLE_BYTES};
use crate::map::mapping::Skip;
use crate::read::records::{CellKind, CellRecord};

/// How far down a sheet its header row is looked for.
const HEADER_WITHIN: usize = 20;

/// A sheet's first rows: each cell's text (as a run reads it: a date cell as ISO-8601, a
/// number as stored, an error cell empty) and its stored type, up to [`DRAFT_SAMPLE_BYTES`]
/// of text, as a CSV's draft reads its first bytes.
#[derive(Default)]
pub(crate) struct SheetSample {
    rows: Vec<Vec<String>>,
    cells: Vec<Vec<CellKind>>,
    bytes: usize,
}

impl SheetSample {
    /// Adds a row that is not blank; `false` once the sample is full (the row not taken).
    pub(crate) fn push(&mut self, row: &CellRecord) -> bool {
        let rec = row.record(0, 0);
        let Ok(cells) = rec.row() else {
            // Cells are UTF-8 by the reader's making; a row that is not is left out.
            return true;
        };
        let len = row.text_len();
        if self.bytes + len > DRAFT_SAMPLE_BYTES && !self.rows.is_empty() {
            return false;
        }
        self.bytes += len;
        let n = cells.len();
        self.rows
            .push((0..n).map(|i| cells.cell_str(i).to_string()).collect());
        self.cells.push(
            (0..n)
                .map(|i| cells.kind(i).unwrap_or(CellKind::Text))
                .collect(),
        );
        true
    }
}

/// Reads the sheet's rows as a run would: the rows before the header (`skip`), the header,
/// the rows of values; `whole` when the sample holds the sheet's every row.
pub(super) fn sniff_sheet(sheet: SheetSample, whole: bool, notes: &mut Notes) -> Sample {
    let SheetSample {
        rows, mut cells, ..
    } = sheet;
    let skip = match header_row(&rows, &cells) {
        Some(0) => Skip::default(),
        Some(at) => {
            notes.note(
                NoteKind::Guess,
                "skip".into(),
                None,
                format!("the first {at} rows (a title or a key-value block) come before the header row: \"skip\" leaves them unread; if the header is another row, change \"skip\""),
            );
            Skip {
                before: at,
                after: 0,
            }
        }
        None => preamble(&rows, notes),
    };
    let mut first_rows = rows.clone();
    first_rows.truncate((skip.before + 1 + skip.after + ROWS_AFTER_SKIP).max(FIRST_ROWS));
    let mut records = rows;
    let before = skip.before.min(records.len());
    records.drain(..before);
    cells.drain(..before);
    if !records.is_empty() {
        let after = skip.after.min(records.len() - 1);
        records.drain(1..1 + after);
        cells.drain(1..1 + after);
    }
    let mut sample = Sample {
        encoding: None,
        skip,
        delimiter: b',',
        has_header: true,
        names: Vec::new(),
        records,
        first_rows,
        cells,
        workbook: true,
    };
    sample.name_columns(whole, notes);
    sample
}

/// The header row among a sheet's first rows: the first of text cells only, at least as wide
/// as the sheet's rows most often are, whose names read as a header over the rows after it
/// (a name may repeat). A title (`Sales by Customer Detail`), a key-value block (`Bank code :
/// 1001010101`) or a note (`Data most recently refreshed on:`) above it is narrower.
fn header_row(rows: &[Vec<String>], cells: &[Vec<CellKind>]) -> Option<usize> {
    let mut widths: Vec<usize> = rows.iter().map(Vec::len).collect();
    widths.sort_unstable();
    let (mut width, mut best) = (0, 0);
    for run in widths.chunk_by(|a, b| a == b) {
        if run.len() >= best {
            best = run.len();
            width = run[0];
        }
    }
    (0..rows.len().min(HEADER_WITHIN)).find(|&at| {
        rows[at].len() >= width
            && cells[at].iter().all(|k| *k == CellKind::Text)
            && is_header(&rows[at], &rows[at + 1..], true)
    })
}
