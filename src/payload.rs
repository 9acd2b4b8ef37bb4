//! Writes one row as a Segment message (or Objects API object) by running the plan's operations.
//!
//! This is the hot path. Containers are opened eagerly and cut back if nothing went into them,
//! so an empty `traits` or a row's unused `products[1]` never reaches the payload; array
//! positions left empty before a filled one are written as `null`, so positions keep their meaning.

use crate::message_id::MessageIds;
use crate::options::{EmptyCells, MAX_ID_CHARS};
use crate::plan::{Op, Plan};
use crate::records::Row;
use crate::reject::Reason;

/// An object or array being written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    /// Where it starts in the output, its separator included: cut back to here when it stays empty.
    start: usize,
    /// Children written.
    count: u32,
    /// Array positions left empty since the last one written.
    holes: u32,
    array: bool,
}

impl Frame {
    /// Writes what precedes a child: `null`s for the holes before it, a comma, its key.
    #[inline(always)]
    fn open_child(&self, out: &mut Vec<u8>, key: &[u8]) {
        if self.holes > 0 {
            self.write_holes(out);
        } else if self.count > 0 {
            out.push(b',');
        }
        out.extend_from_slice(key);
    }

    #[cold]
    fn write_holes(&self, out: &mut Vec<u8>) {
        for i in 0..self.holes {
            if i > 0 || self.count > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"null");
        }
        out.push(b',');
    }

    /// Counts a child that was written.
    #[inline(always)]
    fn wrote_child(&mut self) {
        self.count += self.holes + 1;
        self.holes = 0;
    }

    /// Counts a child that was left out: a hole, when this is an array.
    #[inline(always)]
    fn skipped_child(&mut self) {
        self.holes += u32::from(self.array);
    }
}

/// Where the row failed: the 0-based column and why.
pub(crate) type RowError = (u32, Reason);

/// Reusable state of the writer.
#[derive(Default)]
pub(crate) struct PayloadWriter {
    stack: Vec<Frame>,
}

impl PayloadWriter {
    /// Appends the row's message to `out`; on error `out` holds a partial message to cut back.
    pub(crate) fn write(
        &mut self,
        plan: &Plan,
        row: &Row<'_>,
        ids: &MessageIds,
        offset: u64,
        empty: EmptyCells,
        out: &mut Vec<u8>,
    ) -> Result<(), RowError> {
        self.stack.clear();
        for op in &plan.ops {
            match *op {
                Op::Open { key, array } => {
                    let start = out.len();
                    if let Some(parent) = self.stack.last() {
                        parent.open_child(out, plan.bytes(key));
                    }
                    out.push(if array { b'[' } else { b'{' });
                    self.stack.push(Frame {
                        start,
                        count: 0,
                        holes: 0,
                        array,
                    });
                }
                Op::Close => {
                    let Some(frame) = self.stack.pop() else {
                        continue;
                    };
                    match self.stack.last_mut() {
                        Some(parent) if frame.count == 0 => {
                            out.truncate(frame.start);
                            parent.skipped_child();
                        }
                        parent => {
                            out.push(if frame.array { b']' } else { b'}' });
                            if let Some(parent) = parent {
                                parent.wrote_child();
                            }
                        }
                    }
                }
                Op::Cell {
                    key,
                    col,
                    conv,
                    data,
                    limit,
                } => {
                    let Some(parent) = self.stack.last_mut() else {
                        continue;
                    };
                    let cell = row.cell(col as usize);
                    if cell.is_empty() {
                        let value: &[u8] = match (data, empty) {
                            (true, EmptyCells::Null) => b"null",
                            (true, EmptyCells::String) => b"\"\"",
                            _ => {
                                parent.skipped_child();
                                continue;
                            }
                        };
                        parent.open_child(out, plan.bytes(key));
                        out.extend_from_slice(value);
                        parent.wrote_child();
                        continue;
                    }
                    if let Some(field) = limit {
                        check_id_length(field, cell).map_err(|r| (col, r))?;
                    }
                    parent.open_child(out, plan.bytes(key));
                    conv.write(cell, row.clean, out).map_err(|r| (col, r))?;
                    parent.wrote_child();
                }
                Op::Hole => {
                    if let Some(parent) = self.stack.last_mut() {
                        parent.skipped_child();
                    }
                }
                Op::Const { key, value } => {
                    if let Some(parent) = self.stack.last_mut() {
                        parent.open_child(out, plan.bytes(key));
                        out.extend_from_slice(plan.bytes(value));
                        parent.wrote_child();
                    }
                }
                Op::MessageId { key, col } => {
                    let Some(parent) = self.stack.last_mut() else {
                        continue;
                    };
                    let given = col.map(|c| (c, row.cell(c as usize)));
                    parent.open_child(out, plan.bytes(key));
                    match given {
                        Some((c, cell)) if !cell.is_empty() => {
                            check_id_length("messageId", cell).map_err(|r| (c, r))?;
                            crate::json::write_str(out, cell);
                        }
                        _ => ids.write_json(offset, out),
                    }
                    parent.wrote_child();
                }
            }
        }
        Ok(())
    }
}

fn check_id_length(field: &'static str, cell: &str) -> Result<(), Reason> {
    // Bytes bound characters from above: count characters only when the bytes are over.
    if cell.len() > MAX_ID_CHARS {
        let len = cell.chars().count();
        if len > MAX_ID_CHARS {
            return Err(Reason::TooLong {
                field,
                len,
                max: MAX_ID_CHARS,
            });
        }
    }
    Ok(())
}
