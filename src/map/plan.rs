//! Turns the header row into a plan, once per file: where each column goes in a Segment call, as what type.
//!
//! The plan is a flat list of write operations (open an object, write a cell under a key, close)
//! with every key pre-rendered as JSON, so writing a row is one pass over the list with no
//! lookups and no allocation.

use crate::base::out::Out;
use std::collections::HashMap;

use serde::Serialize;

use crate::base::blocks::Padded;
use crate::base::json;
use crate::base::reason::Reason;
use crate::base::reason::REJECTS_COLUMN;
use crate::map::cell::Conv;
use crate::map::column::{self, CellType, ColumnType, Seg};
use crate::map::date_format::DateFormat;
use crate::map::file_name::{CallKind, FileSpec};
use crate::map::header::{HeaderError, HeaderProblem};
use crate::map::mapping::{Layout, Source};
use crate::map::spec::{col32, key, place, role_of, root_rank, Check, Role, Roles};
use crate::map::straight::{Builder, How, Straight};
use crate::map::values::ValueTable;
use crate::options::{EmptyCells, Options};

/// Bytes written as they are: a pre-rendered key such as `,"plan":`, or a constant value.
pub(crate) type Bytes = Padded;

/// One step of writing a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Opens an object (or an array) under `key`; with `keep`, an object written even when
    /// nothing goes in (an object's `properties`, which the Objects API requires).
    Open { key: Bytes, array: bool, keep: bool },
    /// Closes the innermost open object or array; an empty one is left out.
    Close,
    /// Writes column `col`'s cell under `key`.
    Cell {
        key: Bytes,
        col: u32,
        conv: Conv,
        /// Whether an empty cell follows the `empty` option (data fields) or is always left out.
        data: bool,
        /// A limit on the cell's length in characters, with the field's name.
        limit: Option<&'static str>,
        /// The index of the column's values table in the plan's `tables`.
        values: Option<u16>,
    },
    /// [`Op::Cell`] in the common case, compiled once per file so the writer's arm for it is
    /// short: no length limit, no values table, and a conversion that is not a date format.
    Plain {
        key: Bytes,
        col: u32,
        conv: Conv,
        data: bool,
    },
    /// [`Op::Plain`] with [`Conv::Str`]: the conversion is the op, so one match picks both.
    Text { key: Bytes, col: u32, data: bool },
    /// [`Op::Plain`] with [`Conv::Auto`].
    Auto { key: Bytes, col: u32, data: bool },
    /// An array position that no column fills.
    Hole,
    /// Writes a key and its fixed JSON value.
    Const { bytes: Bytes },
    /// Writes the messageId: column `col`'s cell when it has one, else the derived id.
    MessageId { key: Bytes, col: Option<u32> },
    /// Writes the list of a group's items under `key` (the items the group's rows made, see
    /// [`Grouping`]); left out when none has a value.
    Items { key: Bytes },
}

/// How a mapping's `group` reads a line-item export: the rows with the same cell in column
/// `key` make one event, whose list (the plan's [`Op::Items`]) holds one item per row.
#[derive(Debug)]
pub(crate) struct Grouping {
    /// The column whose consecutive equal cells make one group.
    pub key: u32,
    /// The plan of one item: the ops of an object (`,{...}`), run on each row of the group.
    pub items: Plan,
    /// The columns the event reads from the group's first row (its order-level columns),
    /// each once: a later row whose cell differs is reported.
    pub order_columns: Vec<u32>,
}

/// How a column of the file is used, for the report and the preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ColumnInfo {
    /// The 1-based position.
    pub index: usize,
    /// The header as written.
    pub name: String,
    /// Where its value goes in the payload, like `context.device.id`; null when the column has a problem.
    pub target: Option<String>,
    /// How its cells are typed; null when the column has a problem.
    #[serde(rename = "type")]
    pub ty: Option<CellType>,
    /// The mapping leaves the column out of the payload (absent when it does not).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("const" = true))]
    pub dropped: bool,
}

/// The plan for one file.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Columns in the header.
    pub width: usize,
    /// The fields a row must have: up to the header's last named column. Columns with no name
    /// after it (a header that ends in delimiters) are left out by the mapping, or the header
    /// is refused, so a row may stop before them.
    pub needed: usize,
    /// The header's names, for messages.
    pub names: Vec<String>,
    pub ops: Vec<Op>,
    pub checks: Vec<Check>,
    /// The mapping's date formats, that [`Conv::Formatted`] cells name.
    pub formats: Vec<DateFormat>,
    /// The mapping's values tables, that [`Op::Cell`]s name.
    pub tables: Vec<ValueTable>,
    /// One per format: the columns whose cells are joined to the date's before it is read
    /// (the mapping's `with`), in order; empty for most.
    pub with: Vec<Vec<u32>>,
    /// With a mapping's `group`: how the group's rows make one event.
    pub group: Option<Box<Grouping>>,
    /// The ops as a straight line, for rows with every cell filled ([`Straight::compile`]).
    pub straight: Option<Box<Straight>>,
}

impl Plan {
    /// Plans `header` for the file `spec`, through the mapping's `layout` when there is one;
    /// on failure, lists every problem in column order (the mapping's `set` entries last).
    pub(crate) fn new(
        spec: &FileSpec,
        header: &[&str],
        options: &Options,
        layout: Option<&Layout>,
    ) -> (Vec<ColumnInfo>, Result<Plan, Vec<HeaderError>>) {
        let mut errors = Vec::new();
        let no_set: &[(String, Vec<u8>)] = &[];
        let set = layout.map_or(no_set, |l| &l.set[..]);
        let comma = layout.is_some_and(|l| l.decimal_comma);
        // Ops name columns by u32 (the header's limit keeps files far narrower).
        if u32::try_from(header.len() + set.len()).is_err() {
            let problem = HeaderProblem::TooManyColumns {
                max: usize::try_from(u32::MAX).unwrap_or(usize::MAX),
            };
            return (
                Vec::new(),
                Err(vec![HeaderError {
                    column: None,
                    name: String::new(),
                    problem,
                }]),
            );
        }
        // Names for messages: the header's, then the `set` entries' after them.
        let set_labels: Vec<String> = set
            .iter()
            .map(|(path, _)| format!("set[{}]", serde_json::Value::String(path.clone())))
            .collect();
        let labels: Vec<&str> = header
            .iter()
            .copied()
            .chain(set_labels.iter().map(String::as_str))
            .collect();
        let mut infos = Vec::with_capacity(header.len());
        let mut tree = Branch::new(usize::MAX, false);
        let mut roles = Roles::default();
        let kind = spec.kind;
        // The first column with `[]` and its list.
        let mut each: Option<(usize, String)> = None;
        // A column has `[]`, placed or not.
        let mut each_seen = false;

        if kind != CallKind::Object {
            tree.push(
                Seg::Key("type".into()),
                Node::Leaf(Leaf::Const(json_str(kind.as_str()))),
            );
        }
        for (i, raw_name) in header.iter().enumerate() {
            let fail = |problem| HeaderError {
                column: Some(i + 1),
                name: raw_name.to_string(),
                problem,
            };
            let mut info = ColumnInfo {
                index: i + 1,
                name: raw_name.to_string(),
                target: None,
                ty: None,
                dropped: false,
            };
            let (name, format, values) = match layout.and_then(|l| l.sources.get(i)) {
                // The reason column of a rejects CSV: ours, so a fixed rejects file is sent
                // as the file it came from.
                None | Some(Source::Header) if raw_name.trim() == REJECTS_COLUMN => {
                    info.dropped = true;
                    infos.push(info);
                    continue;
                }
                None | Some(Source::Header) => (*raw_name, None, None),
                Some(Source::To { to, format, values }) => (to.as_str(), *format, *values),
                Some(Source::Drop) => {
                    info.dropped = true;
                    infos.push(info);
                    continue;
                }
            };
            let parsed = column::parse(name);
            let placed = parsed
                .clone()
                .and_then(|c| place(kind, &c, options.typing))
                .map(|mut p| {
                    p.conv = match (format, p.conv) {
                        (Some(f), _) => Conv::Formatted(f),
                        (None, Conv::Auto) if comma => Conv::AutoComma,
                        (None, Conv::AutoText) if comma => Conv::AutoTextComma,
                        (None, Conv::Number) if comma => Conv::NumberComma,
                        (None, conv) => conv,
                    };
                    // The Objects API takes no null: an empty cell is left out.
                    if kind == CallKind::Object && options.empty == EmptyCells::Null {
                        p.data = false;
                    }
                    p
                });
            // A values table sends strings: only where the column's cells may be text.
            let placed = placed.and_then(|p| match values {
                Some(_) if p.role == Role::MessageId || !sends_text(p.conv) => {
                    Err(HeaderProblem::ValuesNotText {
                        sent_as: if p.role == Role::MessageId {
                            "the messageId, which is never renamed"
                        } else {
                            sent_as(p.conv)
                        },
                    })
                }
                _ => Ok(p),
            });
            // `[]`: a group's items, in one list, with the mapping's `group`.
            let placed = placed.and_then(|p| match p.dest.iter().position(|s| *s == Seg::Each) {
                None => Ok(p),
                Some(at) => {
                    each_seen = true;
                    let list = column::display_path(&p.dest[..at]);
                    if p.dest[at + 1..].contains(&Seg::Each) {
                        Err(HeaderProblem::EachNotHere(
                            "a list in each item cannot be read from rows; use [] once",
                        ))
                    } else if at + 1 == p.dest.len() {
                        Err(HeaderProblem::EachNotHere(
                            "name the item's field after it, like properties.products[].sku",
                        ))
                    } else if layout.and_then(|l| l.group).is_none() {
                        Err(HeaderProblem::EachWithoutGroup)
                    } else {
                        match &each {
                            Some((other, other_list)) if *other_list != list => {
                                Err(HeaderProblem::EachTwoLists {
                                    list,
                                    other: other + 1,
                                    other_name: header[*other].to_string(),
                                    other_list: other_list.clone(),
                                })
                            }
                            Some(_) => Ok(p),
                            None => {
                                each = Some((i, list));
                                Ok(p)
                            }
                        }
                    }
                }
            });
            match placed {
                Ok(p) => {
                    let leaf = match p.role {
                        Role::MessageId => Leaf::MessageId(Some(i)),
                        _ => Leaf::Cell {
                            col: i,
                            conv: p.conv,
                            data: p.data,
                            limit: (p.role == Role::ObjectId).then_some("id"),
                            values,
                        },
                    };
                    match tree.add(&p.dest, i, leaf, &labels) {
                        Ok(()) => {
                            info.target = Some(column::display_path(&p.dest));
                            info.ty = Some(p.conv.cell_type());
                            roles.note(p.role, i);
                        }
                        Err(problem) => errors.push(fail(problem)),
                    }
                }
                Err(problem) => {
                    // A column for a required field with a wrong type is that field's column:
                    // the field is not also reported missing.
                    if let Ok(c) = &parsed {
                        roles.note(role_of(kind, c), i);
                    }
                    errors.push(fail(problem))
                }
            }
            infos.push(info);
        }

        for (j, (path, value)) in set.iter().enumerate() {
            let col = header.len() + j;
            let fail = |problem| HeaderError {
                column: None,
                name: labels[col].to_string(),
                problem: HeaderProblem::Set(Box::new(problem)),
            };
            let placed = column::parse(path).and_then(|c| place(kind, &c, options.typing));
            let placed = placed.and_then(|p| match p.dest.contains(&Seg::Each) {
                true => Err(HeaderProblem::EachNotHere(
                    "a set value is the same in every event; give a position, like [0]",
                )),
                false => Ok(p),
            });
            match placed {
                Ok(p) if matches!(p.role, Role::MessageId | Role::ObjectId) => {
                    errors.push(fail(HeaderProblem::TypeNotAllowed {
                        ty: "set",
                        why: "every row would get the same id; map a column to it instead",
                    }))
                }
                Ok(p) => {
                    let leaf = Leaf::Fixed {
                        col,
                        bytes: value.clone(),
                    };
                    match tree.add(&p.dest, col, leaf, &labels) {
                        Ok(()) => roles.note(p.role, col),
                        Err(problem) => errors.push(fail(problem)),
                    }
                }
                Err(problem) => errors.push(fail(problem)),
            }
        }

        let group_key = layout.and_then(|l| l.group);
        if let (Some(k), false) = (group_key, each_seen) {
            let k = k as usize;
            errors.push(HeaderError {
                column: Some(k + 1),
                name: header.get(k).map(|h| h.to_string()).unwrap_or_default(),
                problem: HeaderProblem::GroupWithoutEach,
            });
        }
        let checks = roles.checks(kind, header.len(), &mut errors);
        if !errors.is_empty() {
            return (infos, Err(errors));
        }
        if kind == CallKind::Object {
            // The Objects API requires `properties`, even when a row fills none.
            tree.child_branch("properties").keep = true;
        } else {
            let library = format!(
                "{{\"name\":\"csv2segment\",\"version\":\"{}\"}}",
                env!("CARGO_PKG_VERSION")
            );
            let context = tree.child_branch("context");
            context.push(
                Seg::Key("library".into()),
                Node::Leaf(Leaf::Const(library.into_bytes())),
            );
            if roles.message_id.is_none() {
                tree.push(
                    Seg::Key("messageId".into()),
                    Node::Leaf(Leaf::MessageId(None)),
                );
            }
        }

        let mut plan = Plan {
            width: header.len(),
            needed: header
                .iter()
                .rposition(|h| !h.trim().is_empty())
                .map_or(header.len(), |i| i + 1),
            names: header.iter().map(|s| s.to_string()).collect(),
            ops: Vec::new(),
            checks,
            formats: layout.map(|l| l.formats.clone()).unwrap_or_default(),
            tables: layout.map(|l| l.tables.clone()).unwrap_or_default(),
            with: layout.map(|l| l.with.clone()).unwrap_or_default(),
            group: None,
            straight: None,
        };
        plan.ops.push(Op::Open {
            key: Bytes::default(),
            array: false,
            keep: false,
        });
        // Spec fields first, in the spec's order; the sort is stable, so columns keep theirs.
        // (`tree.at` is not read after this.)
        tree.children.sort_by_key(|(seg, _)| match seg {
            Seg::Key(k) => root_rank(k),
            Seg::Index(_) | Seg::Each => usize::MAX,
        });
        let mut items = Vec::new();
        plan.compile(&tree, &mut items);
        plan.ops.push(Op::Close);
        plan.straight = straight(&plan.ops, 0, EmptyCells::Omit).map(Box::new);
        if let (Some(key), Some(_)) = (group_key, each) {
            plan.group = Some(Box::new(Grouping {
                key,
                order_columns: order_columns(&plan),
                items: Plan {
                    width: plan.width,
                    needed: plan.needed,
                    names: plan.names.clone(),
                    straight: straight(&items, 0, EmptyCells::Omit).map(Box::new),
                    ops: items,
                    checks: Vec::new(),
                    formats: plan.formats.clone(),
                    tables: plan.tables.clone(),
                    with: plan.with.clone(),
                    group: None,
                },
            }));
        }
        (infos, Ok(plan))
    }

    /// Appends the ops of `branch`'s children; the ops of a group's item (under a `[]`) go to
    /// `items` instead, and the list's place in the message is an [`Op::Items`].
    fn compile(&mut self, branch: &Branch, items: &mut Vec<Op>) {
        let mut children: Vec<&(Seg, Node)> = branch.children.iter().collect();
        if branch.array {
            children.sort_by_key(|(seg, _)| match seg {
                Seg::Index(i) => *i,
                Seg::Key(_) | Seg::Each => 0,
            });
        }
        let mut next_index = 0;
        for (seg, node) in children {
            let key = match seg {
                Seg::Key(k) => json::key_prefix(k),
                Seg::Index(i) => {
                    for _ in next_index..*i {
                        self.ops.push(Op::Hole);
                    }
                    next_index = i + 1;
                    b",".to_vec()
                }
                Seg::Each => b",".to_vec(),
            };
            match node {
                // A list of a group's items: its place here, its item's ops apart.
                Node::Branch(b) if matches!(b.children.first(), Some((Seg::Each, _))) => {
                    self.ops.push(Op::Items {
                        key: Bytes::new(&key),
                    });
                    let outer = std::mem::take(&mut self.ops);
                    for (_, item) in &b.children {
                        if let Node::Branch(item) = item {
                            self.ops.push(Op::Open {
                                key: Bytes::new(b","),
                                array: false,
                                keep: false,
                            });
                            self.compile(item, items);
                            self.ops.push(Op::Close);
                        }
                    }
                    *items = std::mem::replace(&mut self.ops, outer);
                }
                Node::Branch(b) => {
                    self.ops.push(Op::Open {
                        key: Bytes::new(&key),
                        array: b.array,
                        keep: b.keep,
                    });
                    self.compile(b, items);
                    self.ops.push(Op::Close);
                }
                Node::Leaf(Leaf::Cell {
                    col,
                    conv,
                    data,
                    limit: None,
                    values: None,
                }) if !matches!(conv, Conv::Formatted(_)) => {
                    let (key, col, data) = (Bytes::new(&key), col32(*col), *data);
                    self.ops.push(match conv {
                        Conv::Str => Op::Text { key, col, data },
                        Conv::Auto => Op::Auto { key, col, data },
                        _ => Op::Plain {
                            key,
                            col,
                            conv: *conv,
                            data,
                        },
                    });
                }
                Node::Leaf(Leaf::Cell {
                    col,
                    conv,
                    data,
                    limit,
                    values,
                }) => self.ops.push(Op::Cell {
                    key: Bytes::new(&key),
                    col: col32(*col),
                    conv: *conv,
                    data: *data,
                    limit: *limit,
                    values: *values,
                }),
                Node::Leaf(Leaf::Const(value) | Leaf::Fixed { bytes: value, .. }) => {
                    let mut bytes = key;
                    bytes.extend_from_slice(value);
                    self.ops.push(Op::Const {
                        bytes: Bytes::new(&bytes),
                    });
                }
                Node::Leaf(Leaf::MessageId(col)) => self.ops.push(Op::MessageId {
                    key: Bytes::new(&key),
                    col: col.map(col32),
                }),
            }
        }
    }

    /// Runs the row checks on `cell`; the failing column and its reason.
    pub(crate) fn check<'a>(&self, cell: impl Fn(usize) -> &'a [u8]) -> Result<(), (u32, Reason)> {
        for check in &self.checks {
            match check {
                Check::AnyOf(cols) => {
                    if cols.iter().all(|&c| cell(c as usize).is_empty()) {
                        return Err((cols[0], Reason::MissingIdentity));
                    }
                }
                Check::Filled { col, field, call } => {
                    if cell(*col as usize).is_empty() {
                        return Err((*col, Reason::Empty { field, call }));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The straight line of `ops` (see [`crate::map::straight`]) for rows whose cells are empty at
/// the steps `empties` marks (none: 0) under the `empty` option, if they have one.
pub(crate) fn straight(ops: &[Op], empties: u64, empty: EmptyCells) -> Option<Straight> {
    let mut b = Builder::new(empties, empty);
    for op in ops {
        match op {
            Op::Open { key, array, keep } => b.open(key.as_slice(), *array, *keep),
            Op::Close => b.close(),
            Op::Cell {
                key,
                col,
                conv,
                limit,
                values,
                data,
            } => {
                let how = How::Cell {
                    conv: *conv,
                    limit: *limit,
                    values: *values,
                };
                b.cell(key.as_slice(), *col, how, *data)
            }
            Op::Plain {
                key,
                col,
                conv,
                data,
            } => b.cell(key.as_slice(), *col, How::Plain(*conv), *data),
            Op::Text { key, col, data } => b.cell(key.as_slice(), *col, How::Text, *data),
            Op::Auto { key, col, data } => b.cell(key.as_slice(), *col, How::Auto, *data),
            Op::Hole => b.hole(),
            Op::Const { bytes } => b.constant(bytes.as_slice()),
            Op::MessageId { key, col } => b.message_id(key.as_slice(), *col),
            Op::Items { key } => b.items(key.as_slice()),
        }?;
    }
    b.finish()
}

/// The columns the event of a group reads from its first row: its cells' and its messageId's,
/// and those a date's `with` joins to them, each once.
fn order_columns(plan: &Plan) -> Vec<u32> {
    let mut cols = Vec::new();
    for op in &plan.ops {
        match op {
            Op::Cell { col, conv, .. } => {
                cols.push(*col);
                if let Conv::Formatted(f) = conv {
                    if let Some(with) = plan.with.get(usize::from(*f)) {
                        cols.extend(with.iter().copied());
                    }
                }
            }
            Op::Plain { col, .. }
            | Op::Text { col, .. }
            | Op::Auto { col, .. }
            | Op::MessageId { col: Some(col), .. } => cols.push(*col),
            _ => {}
        }
    }
    cols.sort_unstable();
    cols.dedup();
    cols
}

/// Whether a column of `conv` may send a string whatever its cell: where a values table's
/// strings can go.
fn sends_text(conv: Conv) -> bool {
    matches!(
        conv,
        Conv::Str | Conv::Auto | Conv::AutoComma | Conv::AutoText | Conv::AutoTextComma
    )
}

/// What a column of `conv` sends, as a message names it.
fn sent_as(conv: Conv) -> &'static str {
    match conv.cell_type() {
        CellType::Flag => "true or false (a destination's setting)",
        CellType::Typed(t) => match t {
            ColumnType::Number => "a number",
            ColumnType::Integer => "a whole number",
            ColumnType::Boolean => "a boolean",
            ColumnType::Timestamp => "a timestamp",
            ColumnType::Json => "JSON",
            ColumnType::String => "a string",
        },
        CellType::Auto => "inferred values",
    }
}

fn json_str(s: &str) -> Vec<u8> {
    let mut v = Out::default();
    json::write_str(&mut v, s.as_bytes());
    v.into_vec()
}

/// The message as a tree, while the header is read; compiled to [`Op`]s after.
#[derive(Debug)]
enum Node {
    Branch(Branch),
    Leaf(Leaf),
}

#[derive(Debug)]
enum Leaf {
    Cell {
        col: usize,
        conv: Conv,
        data: bool,
        limit: Option<&'static str>,
        values: Option<u16>,
    },
    Const(Vec<u8>),
    /// A value the mapping sets for every row; `col` is its place after the header's columns.
    Fixed {
        col: usize,
        bytes: Vec<u8>,
    },
    MessageId(Option<usize>),
}

impl Leaf {
    fn column(&self) -> Option<usize> {
        match self {
            Leaf::Cell { col, .. } => Some(*col),
            Leaf::MessageId(col) => *col,
            Leaf::Fixed { col, .. } => Some(*col),
            Leaf::Const(_) => None,
        }
    }
}

#[derive(Debug)]
struct Branch {
    /// The column that created it, for messages.
    owner: usize,
    array: bool,
    /// Written even when empty.
    keep: bool,
    children: Vec<(Seg, Node)>,
    /// Where each segment's first child is in `children`, so that a header of many columns is
    /// planned in one look-up per column rather than a walk of its siblings.
    at: HashMap<Seg, usize>,
}

impl Branch {
    fn new(owner: usize, array: bool) -> Branch {
        Branch {
            owner,
            array,
            keep: false,
            children: Vec::new(),
            at: HashMap::new(),
        }
    }

    /// Adds a child at the end; its position, or the first's of its segment, is kept in `at`.
    fn push(&mut self, seg: Seg, node: Node) -> usize {
        let i = self.children.len();
        self.at.entry(seg.clone()).or_insert(i);
        self.children.push((seg, node));
        i
    }

    /// The object child `name`, created at the end when missing.
    fn child_branch(&mut self, name: &str) -> &mut Branch {
        let seg = key(name);
        let at = match self.at.get(&seg) {
            Some(&at) if matches!(self.children[at].1, Node::Branch(_)) => at,
            _ => self.push(seg, Node::Branch(Branch::new(usize::MAX, false))),
        };
        match &mut self.children[at].1 {
            Node::Branch(b) => b,
            Node::Leaf(_) => unreachable!("`at` is a branch"),
        }
    }

    /// Puts `leaf` at `path`; an occupied or clashing place names the column already there.
    /// Adds column `col`'s leaf at `path`; a problem names the field when two columns fill it.
    fn add(
        &mut self,
        path: &[Seg],
        col: usize,
        leaf: Leaf,
        names: &[&str],
    ) -> Result<(), HeaderProblem> {
        self.insert(path, col, leaf, names)
            .map_err(|problem| match problem {
                HeaderProblem::Duplicate {
                    first, first_name, ..
                } => HeaderProblem::Duplicate {
                    first,
                    first_name,
                    target: column::display_path(path),
                },
                other => other,
            })
    }

    fn insert(
        &mut self,
        path: &[Seg],
        col: usize,
        leaf: Leaf,
        names: &[&str],
    ) -> Result<(), HeaderProblem> {
        let conflict = |other: usize| HeaderProblem::Conflict {
            other: other.saturating_add(1),
            other_name: names.get(other).unwrap_or(&"").to_string(),
        };
        let Some((seg, rest)) = path.split_first() else {
            return Err(conflict(self.owner));
        };
        if self.array != seg.in_list() {
            return Err(conflict(self.owner));
        }
        // A list is a group's (`[]`) or has positions (`[0]`), not both.
        let each = *seg == Seg::Each;
        if self.array && self.children.iter().any(|(s, _)| (*s == Seg::Each) != each) {
            return Err(conflict(self.owner));
        }
        crate::map::probe::note();
        let existing = match self.at.get(seg) {
            Some(&at) => self.children.get_mut(at),
            None => None,
        };
        match (existing, rest.is_empty()) {
            (None, true) => {
                self.push(seg.clone(), Node::Leaf(leaf));
                Ok(())
            }
            (None, false) => {
                let array = rest[0].in_list();
                let mut b = Branch::new(col, array);
                b.insert(rest, col, leaf, names)?;
                self.push(seg.clone(), Node::Branch(b));
                Ok(())
            }
            (Some((_, Node::Leaf(l))), true) => match l.column() {
                Some(first) => Err(HeaderProblem::Duplicate {
                    first: first + 1,
                    first_name: names.get(first).unwrap_or(&"").to_string(),
                    target: String::new(),
                }),
                None => Err(HeaderProblem::LibraryReserved),
            },
            (Some((_, Node::Leaf(l))), false) => Err(conflict(l.column().unwrap_or(usize::MAX))),
            (Some((_, Node::Branch(b))), true) => Err(conflict(b.owner)),
            (Some((_, Node::Branch(b))), false) => b.insert(rest, col, leaf, names),
        }
    }
}
