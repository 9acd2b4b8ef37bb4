//! A plan's ops compiled, once per file, to straight lines: one for rows whose cells are all
//! filled, and one for each set of empty cells the file's rows have (up to [`MAX_VARIANTS`]).
//!
//! Once it is known which cells of a row are empty, every key, bracket, comma, constant and
//! `null` of the message is known from the plan alone: no array position or empty container
//! depends on anything else. They are joined into the bytes written before each cell's value
//! ([`Step::lit`]), and the writer ([`crate::write::payload`]) runs one step per value, with no
//! containers to track. The ops stay the one definition of a message: a straight line is
//! derived from them by running the ops' own rules on the plan, with the set of empty cells,
//! instead of on a row.
//!
//! A row is first written by the line for no empty cell. At its first empty cell (step `k`),
//! the writer takes the line for the row's empty cells (built when first met), whose first `k`
//! steps are those it has written (they come before any empty cell), and goes on from its step
//! `k`. A row whose empty cells no line covers (past [`MAX_VARIANTS`], or past step 64) is
//! written by the ops.

use std::cell::RefCell;

use crate::base::blocks::Padded;
use crate::map::cell::Conv;
use crate::options::EmptyCells;

/// The lines kept for sets of empty cells, per plan: real files have a few (a column often
/// empty, two that are); past this, rows with other sets are written by the ops.
pub(crate) const MAX_VARIANTS: usize = 16;

/// The straight line: each step's bytes and value in turn, then `tail`; and the lines for the
/// sets of empty cells met so far.
#[derive(Debug, Default)]
pub(crate) struct Straight {
    pub steps: Vec<Step>,
    /// The bytes after the last value: closing brackets, trailing constants.
    pub tail: Padded,
    /// The lines for rows with empty cells, by the steps (of this line) whose cells are empty.
    pub variants: RefCell<Vec<Variant>>,
}

/// The line for rows whose cells are empty at the steps `empties` marks (bit `j` for step `j`
/// of the line with none empty) under the `empty` option.
#[derive(Debug)]
pub(crate) struct Variant {
    pub empties: u64,
    pub empty: EmptyCells,
    /// `None` when the line cannot be known from the plan (see [`Builder`]).
    pub line: Option<Straight>,
}

/// Bytes written as they are, then a value read from the row.
#[derive(Debug)]
pub(crate) struct Step {
    pub lit: Padded,
    pub value: Value,
}

/// A value of the row, written after its key.
#[derive(Debug)]
pub(crate) enum Value {
    /// Column `col`'s cell, converted as `how` says; the straight line gives way when it is empty.
    Cell { col: u32, how: How },
    /// The messageId: column `col`'s cell when it has one, else the derived id.
    MessageId { col: Option<u32> },
    /// The items of a group (after `[`, before `]`); the line gives way when there are none.
    Items,
}

/// How a cell's value is written: as the op of the same name writes it after its key.
#[derive(Debug)]
pub(crate) enum How {
    Text,
    Auto,
    Plain(Conv),
    /// [`crate::map::plan::Op::Cell`]'s: a length limit, a values table, a date format.
    Cell {
        conv: Conv,
        limit: Option<&'static str>,
        values: Option<u16>,
    },
}

/// A container being built: what [`crate::write::payload`]'s frame knows, once per plan.
struct Level {
    array: bool,
    keep: bool,
    /// Array positions left empty since the last one written.
    holes: u32,
    /// A child was written: its comma was the opening bracket.
    filled: bool,
    /// Where the container's bytes start in the bytes not yet in a step, with its parent's
    /// holes and whether its parent had a child before it: what a container left empty is
    /// cut back to.
    start: usize,
    held: u32,
    parent_filled: bool,
}

/// Builds a [`Straight`] from a plan's ops in their order (`crate::map::plan` runs them):
/// each method is its op's rule from the writer, on the plan instead of a row, with the cells
/// of the steps `empties` marks empty (see [`Variant`]). A method returns `None` where the
/// line cannot be known from the plan (a message left empty).
pub(crate) struct Builder {
    levels: Vec<Level>,
    lit: Vec<u8>,
    steps: Vec<Step>,
    empties: u64,
    empty: EmptyCells,
    /// The steps the line with no empty cell has had so far: the index of the next one.
    at: usize,
}

impl Builder {
    /// A builder for the line of rows whose cells at the steps `empties` marks are empty (none:
    /// 0) under the `empty` option.
    pub(crate) fn new(empties: u64, empty: EmptyCells) -> Builder {
        Builder {
            levels: Vec::new(),
            lit: Vec::new(),
            steps: Vec::new(),
            empties,
            empty,
            at: 0,
        }
    }

    /// An object (or array) under `key` (`Op::Open`).
    pub(crate) fn open(&mut self, key: &[u8], array: bool, keep: bool) -> Option<()> {
        let start = self.lit.len();
        let (held, parent_filled) = match self.levels.last_mut() {
            Some(parent) => {
                let before = (parent.holes, parent.filled);
                child(parent, &mut self.lit, key, true)?;
                before
            }
            None => {
                self.lit.extend_from_slice(key);
                (0, false)
            }
        };
        self.levels.push(Level {
            array,
            keep,
            holes: 0,
            filled: false,
            start,
            held,
            parent_filled,
        });
        Some(())
    }

    /// The innermost container's end (`Op::Close`). Left empty, it is cut with the `null`s
    /// before it, which are holes again, and one more (the writer's rule).
    pub(crate) fn close(&mut self) -> Option<()> {
        let level = self.levels.pop()?;
        match (level.filled, level.array) {
            (true, true) => self.lit.push(b']'),
            (true, false) => self.lit.push(b'}'),
            (false, _) if level.keep => self.lit.extend_from_slice(b"{}"),
            (false, _) => {
                // Nothing went in, so no step began inside it: its bytes are all in `lit`.
                let parent = self.levels.last_mut()?;
                if level.start > self.lit.len() {
                    return None;
                }
                self.lit.truncate(level.start);
                parent.holes = level.held + u32::from(parent.array);
                parent.filled = level.parent_filled;
            }
        }
        Some(())
    }

    /// Column `col`'s value under `key` (`Op::Cell`, `Op::Plain`, `Op::Text`, `Op::Auto`); an
    /// empty cell of a `data` field is `null` or `""` as the `empty` option says, else left out.
    pub(crate) fn cell(&mut self, key: &[u8], col: u32, how: How, data: bool) -> Option<()> {
        let level = self.levels.last_mut()?;
        let at = self.at;
        self.at += 1;
        if at < 64 && self.empties >> at & 1 == 1 {
            match (data, self.empty) {
                (true, EmptyCells::Null) => {
                    child(level, &mut self.lit, key, true)?;
                    self.lit.extend_from_slice(b"null");
                }
                (true, EmptyCells::String) => {
                    child(level, &mut self.lit, key, true)?;
                    self.lit.extend_from_slice(b"\"\"");
                }
                _ => level.holes += u32::from(level.array),
            }
            return Some(());
        }
        child(level, &mut self.lit, key, true)?;
        self.step(Value::Cell { col, how });
        Some(())
    }

    /// An array position no column fills (`Op::Hole`).
    pub(crate) fn hole(&mut self) -> Option<()> {
        let level = self.levels.last_mut()?;
        level.holes += u32::from(level.array);
        Some(())
    }

    /// A key and its fixed value (`Op::Const`).
    pub(crate) fn constant(&mut self, bytes: &[u8]) -> Option<()> {
        child(self.levels.last_mut()?, &mut self.lit, bytes, true)
    }

    /// The messageId under `key` (`Op::MessageId`): the writer puts its key down without
    /// filling holes, and so does this.
    pub(crate) fn message_id(&mut self, key: &[u8], col: Option<u32>) -> Option<()> {
        self.at += 1;
        child(self.levels.last_mut()?, &mut self.lit, key, false)?;
        self.step(Value::MessageId { col });
        Some(())
    }

    /// The list of a group's items under `key` (`Op::Items`), when it has some (the writer
    /// leaves an empty list out; a row without items is the ops' to write).
    pub(crate) fn items(&mut self, key: &[u8]) -> Option<()> {
        self.at += 1;
        child(self.levels.last_mut()?, &mut self.lit, key, true)?;
        self.lit.push(b'[');
        self.step(Value::Items);
        self.lit.push(b']');
        Some(())
    }

    /// The straight line, once every container is closed.
    pub(crate) fn finish(self) -> Option<Straight> {
        self.levels.is_empty().then(|| Straight {
            steps: self.steps,
            tail: Padded::new(&self.lit),
            variants: RefCell::default(),
        })
    }

    fn step(&mut self, value: Value) {
        self.steps.push(Step {
            lit: Padded::new(&self.lit),
            value,
        });
        self.lit.clear();
    }
}

/// Writes a child's first bytes (`,"key":`, a constant) into `level`, after the `null`s of
/// its holes when `holes`; the first child's comma is the container's opening bracket.
fn child(level: &mut Level, lit: &mut Vec<u8>, bytes: &[u8], holes: bool) -> Option<()> {
    if holes {
        for _ in 0..level.holes {
            put(level, lit, b",null")?;
        }
        level.holes = 0;
    }
    put(level, lit, bytes)
}

/// Every child's bytes start with its comma (`,"key":…`, `,` in an array): `None` if not.
fn put(level: &mut Level, lit: &mut Vec<u8>, bytes: &[u8]) -> Option<()> {
    let rest = bytes.strip_prefix(b",")?;
    let first = match (level.filled, level.array) {
        (true, _) => b',',
        (false, true) => b'[',
        (false, false) => b'{',
    };
    level.filled = true;
    lit.push(first);
    lit.extend_from_slice(rest);
    Some(())
}
