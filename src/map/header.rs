//! The problems a header row can have, raised where the header is read (columns, the plan, a
//! mapping's columns), each with a message that names the column and the fix.

use std::fmt;

/// One problem of the header row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderError {
    /// The column's 1-based position, or `None` for a column that is missing.
    pub column: Option<usize>,
    /// The column's name as written in the header.
    pub name: String,
    /// What is wrong.
    pub problem: HeaderProblem,
}

/// What is wrong with a header column.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// A column the call needs is missing.
    Missing {
        /// The call, like `track`.
        call: &'static str,
        /// The missing column(s), like `userId or anonymousId`.
        what: &'static str,
    },
    /// The column has no name.
    EmptyName,
    /// A part of the dotted path is empty (`traits..plan`).
    EmptySegment,
    /// An array index is not a number (`products[x]`), or is too large.
    BadIndex,
    /// The `:type` suffix names no known type.
    UnknownType(String),
    /// A path segment that JavaScript treats specially.
    Reserved(String),
    /// Two columns fill the same field.
    Duplicate {
        /// The first column's 1-based position.
        first: usize,
        /// The first column's name.
        first_name: String,
        /// The field both fill.
        target: String,
    },
    /// One column puts a field inside another column's value.
    Conflict {
        /// The other column's 1-based position.
        other: usize,
        /// The other column's name.
        other_name: String,
    },
    /// A field that must be an object is given a plain value.
    NotAnObject(&'static str),
    /// A single-valued field is given sub-fields (`userId.x`).
    NotAContainer(&'static str),
    /// `properties.*` in a call that takes traits, or the other way round.
    WrongContainer {
        /// The call, like `identify`.
        call: &'static str,
        /// The container the column names.
        used: &'static str,
        /// The container the call takes.
        wanted: &'static str,
    },
    /// The call has no field where the column could go (alias).
    NoPlace(&'static str),
    /// `context.library` is written by csv2segment.
    LibraryReserved,
    /// The mapping names a column the file does not have.
    MappedColumnMissing {
        /// Where in the mapping, like `files[0].columns["Email"]`.
        path: String,
    },
    /// A value the mapping sets for every row, at a place that cannot take it.
    Set(Box<HeaderProblem>),
    /// An object's property name with no snake_case form (a letter past ASCII, or no letter).
    PropertyName,
    /// More columns than a plan can hold.
    TooManyColumns {
        /// The most it can hold.
        max: usize,
    },
    /// The column's type cannot be used there.
    TypeNotAllowed {
        /// The type named.
        ty: &'static str,
        /// Why not.
        why: &'static str,
    },
    /// The mapping gives the column a values table, and the column is not sent as text.
    ValuesNotText {
        /// What the column is sent as, like `a timestamp`.
        sent_as: &'static str,
    },
    /// `[]` where a group's items cannot go; why, with the fix.
    EachNotHere(&'static str),
    /// `[]` in a target, and the mapping's rule has no `group`.
    EachWithoutGroup,
    /// Two columns put a group's items in two different lists.
    EachTwoLists {
        /// This column's list, like `properties.products`.
        list: String,
        /// The first column with `[]`: its 1-based position.
        other: usize,
        /// Its name.
        other_name: String,
        /// Its list.
        other_list: String,
    },
    /// The mapping's `group` names this column, and no column's target has `[]`.
    GroupWithoutEach,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.column, &self.problem) {
            (Some(c), _) => write!(f, "column {c} ({}): ", self.name)?,
            (None, HeaderProblem::Set(_)) => write!(f, "{}: ", self.name)?,
            (None, HeaderProblem::TooManyColumns { .. }) => {}
            (None, _) => write!(f, "missing column {}: ", self.name)?,
        }
        self.problem.fmt(f)
    }
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderProblem::Missing { call, what } => {
                write!(f, "{call} calls need a {what} column; add it to the header")
            }
            HeaderProblem::EmptyName => {
                f.write_str("the column has no name; name it (like traits.plan) or remove it")
            }
            HeaderProblem::EmptySegment => {
                f.write_str("the path has an empty part; write it like traits.address.city")
            }
            HeaderProblem::BadIndex => f.write_str(
                "an array index must be a whole number from 0 to 999, like products[0].sku",
            ),
            HeaderProblem::UnknownType(t) => write!(
                f,
                "unknown type '{t}'; use one of string, number, integer, boolean, timestamp, json"
            ),
            HeaderProblem::Reserved(seg) => write!(
                f,
                "'{seg}' cannot be a field name (it has a special meaning in JavaScript); rename it"
            ),
            HeaderProblem::Duplicate {
                first,
                first_name,
                target,
            } => write!(
                f,
                "fills {target}, which column {first} ({first_name}) already fills; remove or \
                 rename one of them"
            ),
            HeaderProblem::Conflict { other, other_name } => write!(
                f,
                "conflicts with column {other} ({other_name}): a field cannot be both a value \
                 and an object or a list; rename one of them"
            ),
            HeaderProblem::NotAnObject("context") => {
                f.write_str("context must be an object: name its fields, like context.ip")
            }
            HeaderProblem::NotAnObject(field) => write!(
                f,
                "{field} must be an object: name its fields (like {field}.plan) or type the \
                 column {field}:json"
            ),
            HeaderProblem::NotAContainer(field) => {
                write!(
                    f,
                    "{field} is a single value and has no fields; use {field} alone"
                )
            }
            HeaderProblem::WrongContainer { call, used, wanted } => write!(
                f,
                "{call} calls carry {wanted}, not {used}; rename the column to start with {wanted}."
            ),
            HeaderProblem::NoPlace(call) => write!(
                f,
                "{call} calls take only previousId, userId, timestamp, messageId, context.* and \
                 integrations.*; remove the column"
            ),
            HeaderProblem::LibraryReserved => {
                f.write_str("context.library is set by csv2segment; remove the column")
            }
            HeaderProblem::MappedColumnMissing { path } => write!(
                f,
                "the mapping's {path} names it, but the file has no such column; fix the name \
                 in the mapping (names are matched exactly) or remove the entry"
            ),
            HeaderProblem::Set(problem) => problem.fmt(f),
            HeaderProblem::PropertyName => f.write_str(
                "the Objects API takes property names in snake_case (a-z, 0-9 and _); rename \
                 the column with ASCII letters, like room_name",
            ),
            HeaderProblem::TooManyColumns { max } => write!(
                f,
                "the file has more columns than the {max} csv2segment can read; split it into \
                 files of fewer columns"
            ),
            HeaderProblem::TypeNotAllowed { ty, why } => {
                write!(f, "the type {ty} cannot be used here: {why}")
            }
            HeaderProblem::ValuesNotText { sent_as } => write!(
                f,
                "the mapping gives the column a values table, which sends strings, and the \
                 column is sent as {sent_as}: remove \"values\", or give the column a target \
                 that takes text"
            ),
            HeaderProblem::EachNotHere(why) => write!(f, "[] cannot be used here: {why}"),
            HeaderProblem::EachWithoutGroup => f.write_str(
                "[] reads each row of a group into a list, and the mapping's rule has no \
                 \"group\": add \"group\" naming the column that holds the order (like \
                 \"group\": \"Order ID\"), or write a position, like [0]",
            ),
            HeaderProblem::EachTwoLists {
                list,
                other,
                other_name,
                other_list,
            } => write!(
                f,
                "puts the group's items in {list}, and column {other} ({other_name}) puts them \
                 in {other_list}; a group's items go in one list: map both to the same one"
            ),
            HeaderProblem::GroupWithoutEach => f.write_str(
                "the mapping's \"group\" makes one event of the rows with the same cell in this \
                 column, and no column is read into the event's list: map the item columns \
                 with [], like \"Lineitem sku\": \"properties.products[].sku\", or remove \
                 \"group\"",
            ),
        }
    }
}
