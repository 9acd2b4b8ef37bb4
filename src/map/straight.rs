//! A plan's ops compiled, once per file, to a straight line for rows whose cells are all filled.
//!
//! In such a row no container is left empty and no array position depends on the row, so
//! every key, bracket, comma, constant and `null` of the message is known from the plan alone.
//! They are joined into the bytes written before each cell's value ([`Step::lit`]), and the
//! writer ([`crate::write::payload`]) runs one step per value, with no containers to track.
//! The ops stay the one definition of a message: the straight line is derived from them by
//! running the ops' own rules on the plan instead of on a row, and a row with an empty cell is
//! written by the ops, from its start.

use crate::base::blocks::Padded;
use crate::map::cell::Conv;

/// The straight line: each step's bytes and value in turn, then `tail`.
#[derive(Debug, Default)]
pub(crate) struct Straight {
    pub steps: Vec<Step>,
    /// The bytes after the last value: closing brackets, trailing constants.
    pub tail: Padded,
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
}

/// Builds a [`Straight`] from a plan's ops in their order (`crate::map::plan` runs them):
/// each method is its op's rule from the writer, on the plan instead of a row. A method
/// returns `None` when a row with every cell filled could still leave a container empty (a
/// container with no cell in it, a list of a group's items): such a plan has no straight line.
#[derive(Default)]
pub(crate) struct Builder {
    levels: Vec<Level>,
    lit: Vec<u8>,
    steps: Vec<Step>,
}

impl Builder {
    /// An object (or array) under `key` (`Op::Open`).
    pub(crate) fn open(&mut self, key: &[u8], array: bool, keep: bool) -> Option<()> {
        match self.levels.last_mut() {
            Some(parent) => child(parent, &mut self.lit, key, true)?,
            None => self.lit.extend_from_slice(key),
        }
        self.levels.push(Level {
            array,
            keep,
            holes: 0,
            filled: false,
        });
        Some(())
    }

    /// The innermost container's end (`Op::Close`).
    pub(crate) fn close(&mut self) -> Option<()> {
        let level = self.levels.pop()?;
        match (level.filled, level.array) {
            (true, true) => self.lit.push(b']'),
            (true, false) => self.lit.push(b'}'),
            (false, _) if level.keep => self.lit.extend_from_slice(b"{}"),
            (false, _) => return None,
        }
        Some(())
    }

    /// Column `col`'s value under `key` (`Op::Cell`, `Op::Plain`, `Op::Text`, `Op::Auto`).
    pub(crate) fn cell(&mut self, key: &[u8], col: u32, how: How) -> Option<()> {
        child(self.levels.last_mut()?, &mut self.lit, key, true)?;
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
        child(self.levels.last_mut()?, &mut self.lit, key, false)?;
        self.step(Value::MessageId { col });
        Some(())
    }

    /// The straight line, once every container is closed.
    pub(crate) fn finish(self) -> Option<Straight> {
        self.levels.is_empty().then(|| Straight {
            steps: self.steps,
            tail: Padded::new(&self.lit),
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
