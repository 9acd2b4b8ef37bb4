//! Line-item exports read through a mapping's `group`: consecutive rows with the same cell in
//! the group column become one event, written from the group's first row, with the list of its
//! items (one object per row, in row order) where the plan's [`Op::Items`] is.
//!
//! One group is held at a time, and it is bounded: its first row's cells, its items as JSON
//! (within Segment's 32 KB; past it they are dropped), and the text of its rows for the report,
//! as the report keeps rejected rows (up to `maxRejections`, within its byte budget). A group
//! of more than [`MAX_GROUP_ROWS`] rows, or whose event would pass 32 KB, is one rejected
//! event, every row of it rejected; so is a group one of whose rows is rejected (an order sent
//! without one of its items would count a wrong revenue). An item object that no cell fills is
//! left out of the list (a row of an order with no item cells is not an item).
//!
//! [`Op::Items`]: crate::map::plan::Op::Items

use crate::base::out::Out;
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};

use crate::base::limits::{MAX_EVENT_BYTES, MAX_GROUP_ROWS, RECENT_GROUPS};
use crate::base::position::Position;
use crate::base::reason::{quote, Reason};
use crate::map::plan::{Grouping, Plan};
use crate::options::Options;
use crate::read::frame::{Broken, RAW_KEPT};
use crate::read::records::{CellRecord, Record, Row};
use crate::write::batch::Batcher;
use crate::write::message_id::MessageIds;
use crate::write::payload::PayloadWriter;

/// What the rows of groups come to, told to the run, which keeps the report.
pub(crate) trait Tally {
    /// How many more rejected rows the report keeps.
    fn room(&self) -> usize;
    /// What of a rejected row's text the report would keep, with `pending` bytes of rows
    /// still to come to it before this one.
    fn keep<'r>(&self, pending: usize, raw: &'r [u8]) -> &'r [u8];
    /// A row rejected, at `line` and `offset`, for `reason` (in `column`, 0-based, when one is
    /// at fault), with its text as [`Tally::keep`] cut it; `group` is the line of its group's
    /// first row, for a row of a group.
    fn reject(
        &mut self,
        line: u64,
        offset: u64,
        column: Option<u32>,
        reason: Reason,
        raw: Vec<u8>,
        group: Option<u64>,
    );
    /// Rows rejected that the report has no room to keep.
    fn reject_unkept(&mut self, rows: u64);
    /// An event of `rows` rows sent: `bytes` long, with `apostrophes` cells read without
    /// Excel's apostrophe.
    fn sent(&mut self, rows: u64, bytes: usize, apostrophes: u64);
    /// A later row of a group disagrees with its first row: in words.
    fn conflict(&mut self, words: &dyn Fn() -> String);
    /// A group came back after other rows: in words.
    fn split(&mut self, words: &dyn Fn() -> String);
    /// A rejected group whose rows the report has no room to list all together: in words.
    fn unlisted(&mut self, words: &dyn Fn() -> String);
}

/// What a group's end writes to: the run's output side, and its tally.
pub(crate) struct Outputs<'a> {
    pub ids: &'a MessageIds,
    pub options: &'a Options,
    pub batcher: &'a mut Batcher,
    pub writer: &'a mut PayloadWriter,
    pub tally: &'a mut dyn Tally,
    pub samples: &'a mut Vec<String>,
}

/// Why a group is rejected: a row of it (its line, the column at fault and why), or the whole.
#[derive(Clone, Debug)]
struct Failure {
    /// The row at fault; `None` when the group as a whole is (over a bound).
    line: Option<u64>,
    column: Option<u32>,
    reason: Reason,
}

/// The group being read, and what the run remembers of the groups before it.
#[derive(Default)]
pub(crate) struct Grouper {
    /// A group is open: its rows are held, not yet sent or rejected.
    open: bool,
    /// The open group's cell in the group column.
    key: Vec<u8>,
    /// Its first row's cells: the event is written from them at the group's end.
    first: CellRecord,
    /// Where its first row starts: the event's line and messageId.
    at: Position,
    rows: u64,
    /// The items written so far: `,{...}` each.
    items: Out,
    apostrophes: u64,
    failed: Option<Failure>,
    /// The text of its rows kept for the report (as [`Tally::keep`] cuts it), one buffer a
    /// row: reused from group to group, and moved to the report when the group is rejected, so
    /// that the text is never held twice.
    texts: Vec<Vec<u8>>,
    /// Each kept row's line and offset; its text is `texts` at the same place.
    spans: Vec<(u64, u64)>,
    /// The bytes of `texts` in use.
    pending: usize,
    /// The last [`RECENT_GROUPS`] groups' cells, as hashes: a group that comes back is noted.
    recent: HashSet<u64>,
    order: VecDeque<u64>,
}

/// The cell that makes `rec` part of a group: `None` for a row that is cut (too long, a stray
/// quote), not UTF-8, or blank in the group column. [`crate::pieces::split`] reads it the same
/// way, so that a shard never starts inside a group.
pub(crate) fn group_cell<'r>(row: Option<&Row<'r>>, key: u32) -> Option<&'r [u8]> {
    row.map(|r| r.cell(key as usize))
        .filter(|cell| !cell.trim_ascii().is_empty())
}

impl Grouper {
    /// Where the open group's first row starts: the first byte whose row is not yet sent,
    /// rejected or counted (a run suspended there leaves the whole group to the next).
    pub(crate) fn open_at(&self) -> Option<Position> {
        self.open.then_some(self.at)
    }

    /// Forgets the open group, unsent and uncounted (the run stops before it).
    pub(crate) fn drop_open(&mut self) {
        self.open = false;
    }

    /// Reads one row of the file.
    pub(crate) fn row(
        &mut self,
        plan: &Plan,
        g: &Grouping,
        rec: &Record<'_>,
        out: &mut Outputs<'_>,
    ) {
        let row = match rec.broken {
            Some(_) => None,
            None => rec.row().ok(),
        };
        let key = group_cell(row.as_ref(), g.key);
        if self.open && key != Some(&self.key[..]) {
            self.end(plan, out);
        }
        let (Some(key), Some(row)) = (key, row) else {
            // A row of no group: rejected on its own.
            let (column, reason) = alone(plan, g, rec, out.options);
            let raw = out.tally.keep(0, rec.raw).to_vec();
            out.tally
                .reject(rec.line, rec.offset, column, reason, raw, None);
            return;
        };
        if !self.open {
            self.start(key, rec, out.tally);
        }
        self.add(plan, g, rec, &row, out);
    }

    /// Opens a group at `rec`, whose group cell is `key`.
    fn start(&mut self, key: &[u8], rec: &Record<'_>, tally: &mut dyn Tally) {
        self.open = true;
        self.key.clear();
        self.key.extend_from_slice(key);
        self.at = Position {
            offset: rec.offset,
            line: rec.line,
        };
        self.rows = 0;
        self.items.clear();
        self.apostrophes = 0;
        self.failed = None;
        self.spans.clear();
        self.pending = 0;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        let h = h.finish();
        if !self.recent.insert(h) {
            tally.split(&|| {
                format!(
                    "line {}: '{}' comes back after other rows; its rows from here are sent as an event of their own",
                    rec.line,
                    quote(&String::from_utf8_lossy(key))
                )
            });
            return;
        }
        self.order.push_back(h);
        if self.order.len() > RECENT_GROUPS {
            if let Some(old) = self.order.pop_front() {
                self.recent.remove(&old);
            }
        }
    }

    /// Adds `row` to the open group.
    fn add(
        &mut self,
        plan: &Plan,
        g: &Grouping,
        rec: &Record<'_>,
        row: &Row<'_>,
        out: &mut Outputs<'_>,
    ) {
        self.rows += 1;
        // Every row's text is kept in case the group is rejected, a failed group's too (all its
        // rows are listed). Past the first row the report has no room for, none is: the group
        // is then never listed (see `end`).
        if self.spans.len() < out.tally.room() {
            let raw = out.tally.keep(self.pending, rec.raw);
            let at = self.spans.len();
            if self.texts.len() <= at {
                self.texts.push(Vec::new());
            }
            if let Some(text) = self.texts.get_mut(at) {
                text.clear();
                text.extend_from_slice(raw);
            }
            self.pending += raw.len();
            self.spans.push((rec.line, rec.offset));
        }
        if self.failed.is_some() {
            return;
        }
        if self.rows > MAX_GROUP_ROWS as u64 {
            self.over();
            return;
        }
        let fail = |column: Option<u32>, reason: Reason| Failure {
            line: Some(rec.line),
            column,
            reason,
        };
        if rec.len() > plan.width || rec.len() < plan.needed {
            let found = rec.len();
            self.failed = Some(fail(
                None,
                Reason::FieldCount {
                    found,
                    expected: plan.width,
                },
            ));
            return;
        }
        if self.rows == 1 {
            if let Err((c, r)) = plan.check(|i| row.cell(i)) {
                self.failed = Some(fail(Some(c), r));
                return;
            }
            self.first.copy_row(row);
        } else {
            self.conflicts(g, rec, row, out.tally);
        }
        let mark = self.items.len();
        let empty = out.options.empty;
        match out
            .writer
            .write(&g.items, row, out.ids, rec.offset, empty, &mut self.items)
        {
            Err((c, r)) => {
                self.items.truncate(mark);
                self.failed = Some(fail(Some(c), r));
            }
            Ok(()) if self.items.len() > MAX_EVENT_BYTES => self.over(),
            Ok(()) => self.apostrophes += u64::from(out.writer.apostrophes),
        }
    }

    /// The group is past a bound: its items are let go, and it is rejected at its end with
    /// the bound's reason.
    fn over(&mut self) {
        self.items = Out::default();
        // The reason is completed with the group's rows at its end.
        self.failed = Some(Failure {
            line: None,
            column: None,
            reason: if self.rows > MAX_GROUP_ROWS as u64 {
                Reason::GroupTooManyRows {
                    rows: 0,
                    max: MAX_GROUP_ROWS,
                }
            } else {
                Reason::GroupTooLarge {
                    rows: 0,
                    max: MAX_EVENT_BYTES,
                }
            },
        });
    }

    /// Notes each order-level cell of `row` (a later row of the group) that is filled and
    /// differs from the first row's, whose value is sent.
    fn conflicts(&self, g: &Grouping, rec: &Record<'_>, row: &Row<'_>, tally: &mut dyn Tally) {
        let first_rec = self.first.record(self.at.line, self.at.offset);
        let Ok(first) = first_rec.row() else {
            return;
        };
        for &c in &g.order_columns {
            let cell = row.cell(c as usize).trim_ascii();
            let was = first.cell(c as usize).trim_ascii();
            if cell.is_empty() || cell == was {
                continue;
            }
            tally.conflict(&|| {
                let name = g.items.names.get(c as usize).map_or("", String::as_str);
                format!(
                    "line {}, column '{name}': '{}' differs from line {}'s '{}'; line {}'s was sent",
                    rec.line,
                    quote(&String::from_utf8_lossy(cell)),
                    self.at.line,
                    quote(&String::from_utf8_lossy(was)),
                    self.at.line,
                )
            });
        }
    }

    /// Ends the open group: its event sent, or every row of it rejected.
    pub(crate) fn end(&mut self, plan: &Plan, out: &mut Outputs<'_>) {
        if !self.open {
            return;
        }
        self.open = false;
        let failed = match self.failed.take() {
            Some(f) => Err(f),
            None => self.send(plan, out),
        };
        let Err(mut failure) = failed else {
            // A long row's buffer is let go: the buffers kept stay within RAW_KEPT each.
            for text in &mut self.texts[..self.spans.len()] {
                if text.capacity() > RAW_KEPT {
                    *text = Vec::new();
                }
            }
            return;
        };
        match &mut failure.reason {
            Reason::GroupTooManyRows { rows, .. } | Reason::GroupTooLarge { rows, .. } => {
                *rows = self.rows
            }
            _ => {}
        }
        // The row at fault's message, which the group's other rows give as theirs.
        let why = failure.line.map(|line| {
            let mut m = format!("line {line}");
            if let Some(c) = failure.column {
                let (index, name) = named(plan, c);
                m.push_str(&format!(", column {index} ({name})"));
            }
            format!("{m}: {}", failure.reason)
        });
        if (self.spans.len() as u64) < self.rows {
            // Not all its rows fit in the report: none is listed, so that the rejects file never
            // holds part of the group (sent again, it would send part of an order).
            let (first, rows) = (self.at.line, self.rows);
            let reason = why.clone().unwrap_or_else(|| failure.reason.to_string());
            out.tally.unlisted(&|| {
                format!(
                    "the group of {rows} rows from line {first} was rejected ({reason}) and is \
                     not in the rejects file: the report lists at most maxRejections rows and a \
                     group is listed whole or not at all"
                )
            });
            out.tally.reject_unkept(self.rows);
            return;
        }
        for (&(line, offset), text) in self.spans.iter().zip(&mut self.texts) {
            let raw = std::mem::take(text);
            let own = failure.line.map_or(true, |l| l == line);
            let reason = match (&why, own) {
                (Some(why), false) => Reason::WithGroup {
                    first: self.at.line,
                    why: why.clone(),
                },
                _ => failure.reason.clone(),
            };
            let column = if own { failure.column } else { None };
            out.tally
                .reject(line, offset, column, reason, raw, Some(self.at.line));
        }
    }

    /// Writes the group's event into the open body: its first row's fields, with the items.
    fn send(&mut self, plan: &Plan, out: &mut Outputs<'_>) -> Result<(), Failure> {
        let rec = self.first.record(self.at.line, self.at.offset);
        let whole = |reason| Failure {
            line: None,
            column: None,
            reason,
        };
        let row = rec.row().map_err(|_| whole(Reason::NotUtf8))?;
        std::mem::swap(&mut out.writer.items, &mut self.items);
        let body = out.batcher.begin();
        let written =
            out.writer
                .write(plan, &row, out.ids, self.at.offset, out.options.empty, body);
        std::mem::swap(&mut out.writer.items, &mut self.items);
        let result = match written {
            Err((c, reason)) => Err(Failure {
                line: Some(self.at.line),
                column: Some(c),
                reason,
            }),
            Ok(()) => {
                let bytes = out.batcher.current_event().len();
                if bytes > MAX_EVENT_BYTES {
                    let max = MAX_EVENT_BYTES;
                    Err(whole(Reason::TooLarge { bytes, max }))
                } else {
                    Ok(bytes)
                }
            }
        };
        let bytes = match result {
            Ok(bytes) => bytes,
            Err(f) => {
                out.batcher.rollback();
                return Err(f);
            }
        };
        if out.samples.len() < out.options.sample_payloads {
            let event = out.batcher.current_event();
            out.samples
                .push(String::from_utf8_lossy(event).into_owned());
        }
        out.batcher.commit(self.at.line);
        let apostrophes = self.apostrophes + u64::from(out.writer.apostrophes);
        out.tally.sent(self.rows, bytes, apostrophes);
        Ok(())
    }
}

/// Why a row that belongs to no group is rejected: as any row would be (cut, not UTF-8, of the
/// wrong width), or for its blank group cell.
fn alone(plan: &Plan, g: &Grouping, rec: &Record<'_>, options: &Options) -> (Option<u32>, Reason) {
    let max = options.max_record_bytes;
    match rec.broken {
        Some(Broken::TooLong) => return (None, Reason::RowTooLong { max }),
        Some(Broken::Stray { column, eof }) => {
            return (
                None,
                Reason::StrayQuote {
                    column,
                    max: (!eof).then_some(max),
                },
            );
        }
        None => {}
    }
    if let Err(col) = rec.row() {
        return (Some(col as u32), Reason::NotUtf8);
    }
    if rec.len() > plan.width || rec.len() < plan.needed {
        let found = rec.len();
        return (
            None,
            Reason::FieldCount {
                found,
                expected: plan.width,
            },
        );
    }
    (Some(g.key), Reason::GroupKeyEmpty)
}

/// Column `c` as a rejection names it: 1-based, with its header name.
fn named(plan: &Plan, c: u32) -> (usize, String) {
    let c = c as usize;
    (c + 1, plan.names.get(c).cloned().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use crate::map::file_plan::FilePlan;
    use crate::write::message_id::MessageIds;
    use crate::{Ingest, Options};

    #[test]
    fn a_groups_event_has_the_messageid_of_its_first_row() {
        let mapping = r#"{"files": [{"match": "*.csv", "call": "track", "group": "Order", "columns": {"Order": "properties.order_id", "Email": "userId", "Sku": "properties.products[].sku"}, "set": {"event": "Order Completed"}}]}"#;
        let options = Options {
            mapping: Some(mapping.into()),
            ..Options::default()
        };
        let data = b"Order,Email,Sku\nA1,a@example.com,S1\nA1,,S2\nA2,b@example.com,S3\n";
        let mut ing = Ingest::new("orders.csv", "id", options.clone()).unwrap();
        ing.write(data).unwrap();
        ing.finish().unwrap();
        let body: serde_json::Value =
            serde_json::from_slice(&ing.next_batch().unwrap().body).unwrap();
        let sent: Vec<&str> = body["batch"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["messageId"].as_str().unwrap())
            .collect();
        let plan = FilePlan::resolve("orders.csv", &options).unwrap();
        let ids = MessageIds::new("id", plan.digest.as_ref());
        let id = |offset: u64| {
            let mut out = crate::base::out::Out::default();
            ids.write_json(offset, &mut out);
            String::from_utf8(out.into_vec())
                .unwrap()
                .trim_matches('"')
                .to_string()
        };
        // The rows of A1 start at 16 and 35; A2's at 43.
        assert_eq!(sent, [id(16), id(43)]);
    }
}
