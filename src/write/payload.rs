//! Writes one row as a Segment message (or Objects API object) by running the plan's operations.
//!
//! This is the hot path. Every child is written with its separator first (`,"key":value`),
//! so no child asks whether it is the first; closing a container turns the comma of its first
//! child into the opening bracket, and cuts the container back out when nothing went into it,
//! so an empty `traits` or a row's unused `products[1]` never reaches the payload. Array
//! positions left empty before a filled one are written as `null`, so positions keep their
//! meaning.

use crate::base::limits::MAX_ID_CHARS;
use crate::base::out::Out;
use crate::base::reason::Reason;
use crate::map::cell::Conv;
use crate::map::date_format::join_date_parts;
use crate::map::plan::{straight as straight_line, Bytes, Op, Plan};
use crate::map::straight::{How, Straight, Value, Variant, MAX_VARIANTS};
use crate::options::EmptyCells;
use crate::read::records::{CellKind, Row};
use crate::write::message_id::MessageIds;

/// An object or array being written.
#[derive(Clone, Copy, Debug)]
struct Frame {
    /// Where it starts in the output, its key included: cut back to here when it stays empty.
    start: usize,
    /// Where its children start: the first child's comma becomes the opening bracket.
    content: usize,
    /// Array positions left empty since the last one written.
    holes: u32,
    /// The parent's holes before this one's key: restored when this is cut back out, so the
    /// positions after it keep their meaning.
    held: u32,
    array: bool,
    /// Written as `{}` when nothing goes in.
    keep: bool,
}

impl Frame {
    /// Writes the `null`s of the holes before a child that is about to be written.
    #[inline(always)]
    fn fill_holes(&mut self, out: &mut Out) {
        if self.holes > 0 {
            self.write_holes(out);
        }
    }

    #[cold]
    fn write_holes(&mut self, out: &mut Out) {
        for _ in 0..self.holes {
            out.put(b",null");
        }
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
    /// Cells of the last row written that were read without Excel's apostrophe.
    pub(crate) apostrophes: u32,
    /// A date's cell joined with the cells of its `with` columns: grown to the longest once,
    /// then reused row after row.
    joined: Vec<u8>,
    /// A group's items as [`Op::Items`] writes them (`,{...},{...}`), filled by
    /// [`crate::write::group`]; empty for a file without `group`.
    pub(crate) items: Out,
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
        out: &mut Out,
    ) -> Result<(), RowError> {
        if let Some(straight) = &plan.straight {
            let start = out.len();
            self.apostrophes = 0;
            let Some(k) = self.write_straight(straight, 0, plan, row, ids, offset, out)? else {
                return Ok(());
            };
            // Step k's cell is the row's first empty one: the line for the row's empty cells
            // goes on from its step k, once step k's bytes are cut.
            let written = straight.steps.get(k).map_or(0, |s| s.lit.as_slice().len());
            out.truncate(out.len().saturating_sub(written));
            if let Some(at) = variant(straight, k, plan, row, empty) {
                let variants = straight.variants.borrow();
                if let Some(line) = variants.get(at).and_then(|v| v.line.as_ref()) {
                    if self
                        .write_straight(line, k, plan, row, ids, offset, out)?
                        .is_none()
                    {
                        return Ok(());
                    }
                }
            }
            // Empty cells no line covers: the ops decide what their containers become.
            out.truncate(start);
        }
        self.write_ops(plan, row, ids, offset, empty, out)
    }

    /// [`PayloadWriter::write`] on a straight line from its step `from` (the apostrophes
    /// counted from 0 by the caller): `Some(k)`, with a partial message in `out` (step k's
    /// bytes last), at the row's first empty cell, step k's; `None` once the message is whole.
    #[allow(clippy::too_many_arguments)]
    fn write_straight(
        &mut self,
        straight: &Straight,
        from: usize,
        plan: &Plan,
        row: &Row<'_>,
        ids: &MessageIds,
        offset: u64,
        out: &mut Out,
    ) -> Result<Option<usize>, RowError> {
        let Some(steps) = straight.steps.get(from..) else {
            return Ok(Some(from));
        };
        for (k, step) in steps.iter().enumerate() {
            step.lit.write(out);
            let (col, how) = match &step.value {
                Value::MessageId { col } => {
                    message_id(row, ids, offset, *col, out)?;
                    continue;
                }
                Value::Items => {
                    // Each item starts with its comma: the first one's is left out.
                    let Some((_, items)) = self.items.split_first() else {
                        return Ok(Some(from + k));
                    };
                    out.extend_from_slice(items);
                    continue;
                }
                Value::Cell { col, how } => (*col, how),
            };
            let kind = row.kind(col as usize);
            let cell = unquoted(row.cell(col as usize), kind, &mut self.apostrophes);
            if cell.is_empty() {
                return Ok(Some(from + k));
            }
            match *how {
                How::Text => text(cell, kind, row, out),
                How::Auto => auto(cell, kind, row, out),
                How::Plain(conv) => plain(conv, cell, kind, row, out),
                How::Cell {
                    conv,
                    limit,
                    values,
                } => self.cell(plan, row, cell, kind, conv, limit, values, out),
            }
            .map_err(|r| (col, r))?;
        }
        straight.tail.write(out);
        Ok(None)
    }

    /// [`PayloadWriter::write`] by the plan's ops, for any row.
    fn write_ops(
        &mut self,
        plan: &Plan,
        row: &Row<'_>,
        ids: &MessageIds,
        offset: u64,
        empty: EmptyCells,
        out: &mut Out,
    ) -> Result<(), RowError> {
        self.stack.clear();
        self.apostrophes = 0;
        for op in &plan.ops {
            match op {
                Op::Open { key, array, keep } => {
                    let start = out.len();
                    let mut held = 0;
                    if let Some(parent) = self.stack.last_mut() {
                        held = parent.holes;
                        parent.fill_holes(out);
                    }
                    key.write(out);
                    self.stack.push(Frame {
                        start,
                        content: out.len(),
                        holes: 0,
                        held,
                        array: *array,
                        keep: *keep,
                    });
                }
                Op::Close => {
                    let Some(frame) = self.stack.pop() else {
                        continue;
                    };
                    if out.len() == frame.content && frame.keep {
                        out.extend_from_slice(b"{}");
                        continue;
                    }
                    if out.len() == frame.content {
                        // Nothing went in: leave the container out (the root always has `type` or `id`),
                        // with the `null`s written before it: they are holes again, and one more.
                        out.truncate(frame.start);
                        if let Some(parent) = self.stack.last_mut() {
                            parent.holes = frame.held;
                            parent.skipped_child();
                        }
                        continue;
                    }
                    let (open, close) = if frame.array {
                        (b'[', b']')
                    } else {
                        (b'{', b'}')
                    };
                    if let Some(first) = out.get_mut(frame.content) {
                        *first = open;
                    }
                    out.push(close);
                }
                Op::Cell {
                    key,
                    col,
                    conv,
                    data,
                    limit,
                    values,
                } => {
                    if let Some((cell, kind)) = self.plain(row, key, *col, *data, empty, out) {
                        self.cell(plan, row, cell, kind, *conv, *limit, *values, out)
                            .map_err(|r| (*col, r))?;
                    }
                }
                Op::Plain {
                    key,
                    col,
                    conv,
                    data,
                } => {
                    if let Some((cell, kind)) = self.plain(row, key, *col, *data, empty, out) {
                        plain(*conv, cell, kind, row, out).map_err(|r| (*col, r))?;
                    }
                }
                Op::Text { key, col, data } => {
                    if let Some((cell, kind)) = self.plain(row, key, *col, *data, empty, out) {
                        text(cell, kind, row, out).map_err(|r| (*col, r))?;
                    }
                }
                Op::Auto { key, col, data } => {
                    if let Some((cell, kind)) = self.plain(row, key, *col, *data, empty, out) {
                        auto(cell, kind, row, out).map_err(|r| (*col, r))?;
                    }
                }
                Op::Hole => {
                    if let Some(parent) = self.stack.last_mut() {
                        parent.skipped_child();
                    }
                }
                Op::Const { bytes } => {
                    if let Some(parent) = self.stack.last_mut() {
                        parent.fill_holes(out);
                    }
                    bytes.write(out);
                }
                Op::Items { key } => {
                    let Some(parent) = self.stack.last_mut() else {
                        continue;
                    };
                    match self.items.split_first() {
                        Some((_, items)) => {
                            parent.fill_holes(out);
                            key.write(out);
                            out.push(b'[');
                            out.extend_from_slice(items);
                            out.push(b']');
                        }
                        None => parent.skipped_child(),
                    }
                }
                Op::MessageId { key, col } => {
                    key.write(out);
                    message_id(row, ids, offset, *col, out)?;
                }
            }
        }
        Ok(())
    }
}

impl PayloadWriter {
    /// The start of a plain cell's op: its cell (and kind) once its key is written, or `None`
    /// when it is empty (written as the `empty` option says, or left out).
    #[inline(always)]
    fn plain<'r>(
        &mut self,
        row: &Row<'r>,
        key: &Bytes,
        col: u32,
        data: bool,
        empty: EmptyCells,
        out: &mut Out,
    ) -> Option<(&'r [u8], Option<CellKind>)> {
        let parent = self.stack.last_mut()?;
        let kind = row.kind(col as usize);
        let cell = unquoted(row.cell(col as usize), kind, &mut self.apostrophes);
        if cell.is_empty() {
            write_empty(parent, key, data, empty, out);
            return None;
        }
        parent.fill_holes(out);
        key.write(out);
        Some((cell, kind))
    }
}

impl PayloadWriter {
    /// The value of an [`Op::Cell`]'s non-empty `cell`: its length checked, its values
    /// table's JSON, or its conversion (a date format's with the cells it joins).
    #[allow(clippy::too_many_arguments)]
    fn cell(
        &mut self,
        plan: &Plan,
        row: &Row<'_>,
        cell: &[u8],
        kind: Option<CellKind>,
        conv: Conv,
        limit: Option<&'static str>,
        values: Option<u16>,
        out: &mut Out,
    ) -> Result<(), Reason> {
        if let Some(field) = limit {
            check_id_length(field, cell)?;
        }
        if let Some(table) = values.and_then(|t| plan.tables.get(usize::from(t))) {
            match table.get(cell) {
                Some(json) => {
                    out.extend_from_slice(json);
                    return Ok(());
                }
                None if table.reject => return Err(table.unlisted(cell)),
                None => {}
            }
        }
        let conv = match kind {
            Some(kind) => conv.for_kind(kind),
            None => conv,
        };
        match conv {
            Conv::Formatted(f) => match plan.formats.get(usize::from(f)) {
                Some(format) => match plan.with.get(usize::from(f)) {
                    Some(with) if !with.is_empty() => join(&mut self.joined, cell, with, row, plan)
                        .and_then(|joined| format.write(joined, out)),
                    _ => format.write(cell, out),
                },
                None => conv.write(cell, row.clean, out),
            },
            _ => conv.write(cell, row.clean, out),
        }
    }
}

/// The value of an [`Op::Text`]'s non-empty cell.
#[inline(always)]
fn text(cell: &[u8], kind: Option<CellKind>, row: &Row<'_>, out: &mut Out) -> Result<(), Reason> {
    let conv = kind.map_or(Conv::Str, |k| Conv::Str.for_kind(k));
    conv.write(cell, row.clean, out)
}

/// The value of an [`Op::Auto`]'s non-empty cell.
#[inline(always)]
fn auto(cell: &[u8], kind: Option<CellKind>, row: &Row<'_>, out: &mut Out) -> Result<(), Reason> {
    let conv = kind.map_or(Conv::Auto, |k| Conv::Auto.for_kind(k));
    conv.write(cell, row.clean, out)
}

/// The value of an [`Op::Plain`]'s non-empty cell.
#[inline(always)]
fn plain(
    conv: Conv,
    cell: &[u8],
    kind: Option<CellKind>,
    row: &Row<'_>,
    out: &mut Out,
) -> Result<(), Reason> {
    let conv = match kind {
        Some(kind) => conv.for_kind(kind),
        None => conv,
    };
    conv.write(cell, row.clean, out)
}

/// The messageId's value: column `col`'s cell when it has one, else the row's derived id.
#[inline(always)]
fn message_id(
    row: &Row<'_>,
    ids: &MessageIds,
    offset: u64,
    col: Option<u32>,
    out: &mut Out,
) -> Result<(), RowError> {
    match col.map(|c| (c, row.cell(c as usize))) {
        Some((c, cell)) if !cell.is_empty() => {
            check_id_length("messageId", cell).map_err(|r| (c, r))?;
            crate::base::json::write_str(out, cell);
        }
        _ => ids.write_json(offset, out),
    }
    Ok(())
}

/// The index in `straight`'s variants of the line for `row`, whose first empty cell is step
/// `k`'s, built when first met; `None` when no line covers its empty cells (one past step 64,
/// or more sets than [`MAX_VARIANTS`] met before it), or step k is a group's empty list.
fn variant(
    straight: &Straight,
    k: usize,
    plan: &Plan,
    row: &Row<'_>,
    empty: EmptyCells,
) -> Option<usize> {
    // A group without items: no line has it.
    if !matches!(straight.steps.get(k)?.value, Value::Cell { .. }) {
        return None;
    }
    // An apostrophe is only taken off before a digit, so a cell is empty as it was read.
    let mut empties = 0u64;
    for (j, step) in straight.steps.iter().enumerate().skip(k) {
        if let Value::Cell { col, .. } = step.value {
            if row.cell(col as usize).is_empty() {
                empties |= 1u64.checked_shl(u32::try_from(j).ok()?)?;
            }
        }
    }
    let mut variants = straight.variants.borrow_mut();
    if let Some(at) = variants
        .iter()
        .position(|v| v.empties == empties && v.empty == empty)
    {
        return Some(at);
    }
    if variants.len() == MAX_VARIANTS {
        return None;
    }
    variants.push(Variant {
        empties,
        empty,
        line: straight_line(&plan.ops, empties, empty),
    });
    Some(variants.len() - 1)
}

/// The cell as it goes into the payload: without Excel's apostrophe before number-like text
/// (counted in `apostrophes`). One byte test: the rest only for a cell that starts with an
/// apostrophe. A workbook's text cell is as typed: its apostrophe was never stored.
#[inline(always)]
fn unquoted<'c>(cell: &'c [u8], kind: Option<CellKind>, apostrophes: &mut u32) -> &'c [u8] {
    if cell.first() == Some(&b'\'') && kind.is_none() {
        if let Some(rest) = crate::map::cell::excel_text(cell) {
            *apostrophes += 1;
            return rest;
        }
    }
    cell
}

/// An empty cell under `key`: `null` or `""` for a data field as the `empty` option says,
/// else left out (a hole, in an array).
#[inline(always)]
fn write_empty(parent: &mut Frame, key: &Bytes, data: bool, empty: EmptyCells, out: &mut Out) {
    let value: &[u8] = match (data, empty) {
        (true, EmptyCells::Null) => b"null",
        (true, EmptyCells::String) => b"\"\"",
        _ => {
            parent.skipped_child();
            return;
        }
    };
    parent.fill_holes(out);
    key.write(out);
    out.extend_from_slice(value);
}

/// The date's `cell` and the cells of its `with` columns joined as the date's format reads
/// them ([`join_date_parts`]); an empty one refuses the row, naming its column.
fn join<'b>(
    buf: &'b mut Vec<u8>,
    cell: &[u8],
    with: &[u32],
    row: &Row<'_>,
    plan: &Plan,
) -> Result<&'b [u8], Reason> {
    join_date_parts(buf, cell, with.iter().map(|&w| row.cell(w as usize)))
        .map_err(|i| empty_part(cell, with[i], plan))
}

#[cold]
fn empty_part(cell: &[u8], w: u32, plan: &Plan) -> Reason {
    let at = w as usize;
    Reason::JoinedEmpty {
        text: crate::base::reason::quote(&String::from_utf8_lossy(cell)),
        column: at + 1,
        name: plan.names.get(at).cloned().unwrap_or_default(),
    }
}

/// Whether `b` continues a multi-byte UTF-8 character (`10xxxxxx`).
fn is_continuation(b: u8) -> bool {
    b & 0xc0 == 0x80
}

fn check_id_length(field: &'static str, cell: &[u8]) -> Result<(), Reason> {
    // Bytes bound characters from above: count characters only when the bytes are over.
    if cell.len() > MAX_ID_CHARS {
        // In UTF-8 text, each character has one byte that is not a continuation byte.
        let len = cell.iter().filter(|&&b| !is_continuation(b)).count();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::file_name::FileSpec;
    use crate::options::Options;
    use crate::read::records::{Record, RecordReader};
    use proptest::prelude::*;

    /// Each row of `rows` (a CSV body with `header`'s columns) as the straight lines write it
    /// and as the ops do: `(straight, ops)` for each, and the number of lines for sets of empty
    /// cells made; `None` when the plan has no straight line.
    fn both_ways(
        name: &str,
        header: &str,
        rows: &str,
        empty: EmptyCells,
    ) -> Option<(Vec<(String, String)>, usize)> {
        let spec = FileSpec::from_key(name).ok()?;
        let names: Vec<&str> = header.split(',').collect();
        let plan = Plan::new(&spec, &names, &Options::default(), None).1.ok()?;
        plan.straight.as_ref()?;
        let ids = MessageIds::new("s3://b/k#e", None);
        let mut writer = PayloadWriter::default();
        let mut got = Vec::new();
        let mut reader = RecordReader::new(b',', 0, 1 << 20);
        reader.body(usize::MAX);
        let mut f = |rec: Record<'_>| -> Result<bool, ()> {
            let Ok(row) = rec.row() else {
                return Ok(true);
            };
            let show = |r: Result<(), RowError>, out: Out| match r {
                Ok(()) => String::from_utf8_lossy(&out).into_owned(),
                Err((col, reason)) => format!("error in {col}: {reason}"),
            };
            let mut a = Out::default();
            let ra = writer.write(&plan, &row, &ids, rec.offset, empty, &mut a);
            let apostrophes = writer.apostrophes;
            let mut b = Out::default();
            let rb = writer.write_ops(&plan, &row, &ids, rec.offset, empty, &mut b);
            got.push((
                format!("{} ({apostrophes})", show(ra, a)),
                format!("{} ({})", show(rb, b), writer.apostrophes),
            ));
            Ok(true)
        };
        reader.push(rows.as_bytes(), &mut f).ok()?;
        reader.finish(&mut f).ok()?;
        let variants = plan.straight.as_ref()?.variants.borrow().len();
        Some((got, variants))
    }

    #[test]
    fn the_straight_line_writes_what_the_ops_write() {
        let header = "userId,name,event,properties.plan,properties.amount,context.ip,\
                      context.device.id,properties.items[1].sku,properties.items[3].n,timestamp";
        let rows = "7,Ann,Signed Up,pro,12.50,1.2.3.4,d1,A,2,2024-01-02T03:04:05.006Z\n\
                    8,'007,Viewed,,1,,d2,,,2024-01-02\n\
                    ,Bob,Viewed,x,y,z,,B,'12,\n";
        let (got, variants) =
            both_ways("track_x.csv", header, rows, EmptyCells::Omit).expect("a straight line");
        assert_eq!(got.len(), 3);
        assert_eq!(variants, 2);
        for (straight, ops) in &got {
            assert_eq!(straight, ops);
        }
        let mut id = Out::default();
        MessageIds::new("s3://b/k#e", None).write_json(0, &mut id);
        assert_eq!(
            got[0].0,
            format!(
                "{{\"type\":\"track\",\"userId\":\"7\",\"event\":\"Signed Up\",\"properties\":\
                 {{\"name\":\"Ann\",\"plan\":\"pro\",\"amount\":\"12.50\",\"items\":[null,{{\"sku\":\
                 \"A\"}},null,{{\"n\":2}}]}},\"context\":{{\"ip\":\"1.2.3.4\",\"device\":{{\"id\":\
                 \"d1\"}},\"library\":{{\"name\":\"csv2segment\",\"version\":\"{}\"}}}},\
                 \"timestamp\":\"2024-01-02T03:04:05.006Z\",\"messageId\":{}}} (0)",
                env!("CARGO_PKG_VERSION"),
                String::from_utf8_lossy(&id),
            )
        );
        // The row with an empty cell is written by the ops: its `'007` counted once, not twice.
        assert!(got[1].0.ends_with(" (1)"), "{}", got[1].0);
    }

    /// Rows with every set of empty cells among six columns (64 sets): the first
    /// [`MAX_VARIANTS`] sets met get lines, the rest are written by the ops, all alike.
    #[test]
    fn sets_of_empty_cells_past_the_lines_kept_are_written_by_the_ops() {
        let header = "userId,event,properties.a,properties.b,context.c,context.d.e,\
                      properties.f[0].g,properties.f[2]";
        let mut rows = String::new();
        for set in 0..64u32 {
            let cell = |i: u32, v: &str| {
                if set >> i & 1 == 1 {
                    String::new()
                } else {
                    v.to_string()
                }
            };
            rows += &format!(
                "u{set},E,{},{},{},{},{},{}\n",
                cell(0, "1"),
                cell(1, "x"),
                cell(2, "c"),
                cell(3, "e"),
                cell(4, "g"),
                cell(5, "2.5"),
            );
        }
        for empty in [EmptyCells::Omit, EmptyCells::Null, EmptyCells::String] {
            let (got, variants) =
                both_ways("track_x.csv", header, &rows, empty).expect("a straight line");
            assert_eq!(got.len(), 64);
            assert_eq!(variants, MAX_VARIANTS);
            for (straight, ops) in &got {
                assert_eq!(straight, ops, "{empty:?}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        /// Any header and rows: the straight line (when the plan has one) writes the same
        /// bytes, the same error and the same apostrophe count as the ops.
        #[test]
        fn the_straight_line_agrees_with_the_ops(
            empty in prop_oneof![Just(EmptyCells::Omit), Just(EmptyCells::Null), Just(EmptyCells::String)],
            (call, required) in prop_oneof![
                Just(("track_x.csv", "userId,event")),
                Just(("identify_x.csv", "userId")),
                Just(("object_users_x.csv", "id")),
                Just(("group_x.csv", "userId,groupId")),
                Just(("page_x.csv", "anonymousId")),
            ],
            header in prop::collection::vec(prop_oneof![
                Just("userId".to_string()),
                Just("anonymousId".to_string()),
                Just("event".to_string()),
                Just("timestamp".to_string()),
                Just("messageId".to_string()),
                Just("id".to_string()),
                Just("groupId".to_string()),
                "(traits|properties|context)\\.[a-c]{1,2}(\\[[0-3]\\])?(\\.[a-c])?(:(string|number|integer|boolean|timestamp|json))?",
            ], 1..8),
            rows in prop::collection::vec(prop::collection::vec(prop_oneof![
                Just(String::new()),
                Just(String::new()),
                "-?[0-9]{1,6}(\\.[0-9]{1,2})?",
                Just("'007".to_string()),
                Just("'".to_string()),
                Just("true".to_string()),
                Just("2024-01-02T03:04:05Z".to_string()),
                Just("{\"a\":1}".to_string()),
                "[a-z \"\\\\]{1,6}",
            ], 10), 1..6),
        ) {
            let head = format!("{required},{}", header.join(","));
            let width = head.split(',').count();
            let body: String = rows
                .iter()
                .map(|r| {
                    let cells: Vec<String> = r[..width]
                        .iter()
                        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
                        .collect();
                    cells.join(",") + "\n"
                })
                .collect();
            if let Some((got, _)) = both_ways(call, &head, &body, empty) {
                prop_assert_eq!(got.len(), rows.len());
                for (straight, ops) in got {
                    prop_assert_eq!(straight, ops);
                }
            }
        }
    }
}
