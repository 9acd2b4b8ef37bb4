//! Files as they come: a mapping (`csv2segment.json`) says how to read an export that was not
//! written for csv2segment: which call its rows become, its dialect and encoding, where each
//! column goes and which values every row gets.
//!
//! The stages: [`Mapping::parse`] reads and checks the JSON once per file (every error names
//! its JSON path); [`Mapping::rule_for`] picks the rule by the file's base name ([`glob`]);
//! the engine takes the rule's call, delimiter ([`crate::read::dialect`] when `auto`) and encoding, and
//! [`Rule::layout`] turns the rule and the file's header into what the plan needs, once per
//! file, so rows are written on the same hot path as an unmapped file's.

use std::collections::HashMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::base::limits::{
    MAX_CONSTANT_BYTES, MAX_HEADER_BYTES, MAX_MAPPING_BYTES, MAX_MAPPING_COLUMNS, MAX_SKIP,
    MAX_VALUES, MAX_WITH_COLUMNS,
};
use crate::map::column::{self, ColumnType};
use crate::map::constant;
use crate::map::date_format::DateFormat;
use crate::map::file_name::{check_collection, CallKind, FileSpec};
use crate::map::header::{HeaderError, HeaderProblem};
use crate::map::values::{ValueTable, Values};
use crate::options::Options;
use crate::read::decode::Encoding;
use crate::read::xlsx::SheetChoice;

pub(crate) mod generated;
mod glob;
pub(crate) mod shape;
pub(crate) mod vocabulary;

use shape::{
    Column, ColumnObject, Decimal, Entries, Field, MappingFile, RuleShape, SkipAround, SkipShape,
    Unlisted, Unmapped,
};

pub(crate) use glob::matches as glob_matches;

/// The start of a value the draft leaves for a person to fill in; the parser refuses a `set`
/// value that starts with it, so a draft with blanks is never sent as it is.
pub(crate) const BLANK_PREFIX: &str = "<fill in:";

/// One problem of a mapping: where in the JSON, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingError {
    /// The JSON path, like `files[0].columns["Created (UTC)"].format`; empty for the whole file.
    pub path: String,
    /// What is wrong, and the fix.
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A checked mapping: its rules, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mapping {
    pub rules: Vec<Rule>,
    /// The rules as written, for the digest of the one that applies (see [`Mapping::rule_for`]).
    files: Vec<Value>,
}

/// Where a column goes: a target in header syntax, and a date format when the rule gives one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// Like `properties.amount:number`.
    pub to: String,
    pub format: Option<DateFormat>,
    /// The column's `values` table.
    pub values: Option<Values>,
    /// The columns whose cells are joined to this one's before the format reads them (`with`).
    pub with: Vec<String>,
}

/// One entry of `files`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    /// Its position in `files`, for paths in messages.
    pub index: usize,
    pub pattern: String,
    /// The call (with the Objects collection) that overrides the file name's prefix.
    pub call: Option<(CallKind, Option<String>)>,
    /// `None`: guessed from the header.
    pub delimiter: Option<u8>,
    pub encoding: Encoding,
    /// `decimal: ","`.
    pub decimal_comma: bool,
    /// The columns of a file without a header row.
    pub header: Option<Vec<String>>,
    /// Records before the header row (a preamble), and after it (more header rows), that are
    /// not read: `skip`.
    pub skip: Skip,
    /// For a workbook, the sheet read (`sheet`): the first when `None`.
    pub sheet: Option<SheetChoice>,
    /// The file's column name and where it goes (`None`: dropped), in the mapping's order.
    pub columns: Vec<(String, Option<Target>)>,
    /// A path in header syntax and its JSON value.
    pub set: Vec<(String, Vec<u8>)>,
    pub drop_unmapped: bool,
    /// The column whose consecutive equal cells make one event (`group`): its name.
    pub group: Option<String>,
    /// SHA-1 of the rule's JSON in canonical form ([`canonical_json`]), set by
    /// [`Mapping::rule_for`] for the rule that applies: the rule's content takes part in the
    /// messageIds of the files it reads, so a corrected mapping sends new ids.
    pub digest: [u8; 20],
}

/// A rule's `skip`: records (as a CSV reader reads them, blank lines not counted) left unread
/// before the header row and after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Skip {
    pub before: usize,
    pub after: usize,
}

/// What becomes of one column of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// As its header says (no mapping, or `unmapped: keep`).
    Header,
    /// Renamed: the target in header syntax, the index of its date format in `formats` and of
    /// its values table in `tables`.
    To {
        to: String,
        format: Option<u16>,
        values: Option<u16>,
    },
    /// Left out of the payload.
    Drop,
}

/// A rule applied to a file's header: what the plan needs, once per file.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layout {
    /// One per column of the file.
    pub sources: Vec<Source>,
    /// Values every row gets: path in header syntax, JSON value.
    pub set: Vec<(String, Vec<u8>)>,
    pub decimal_comma: bool,
    pub formats: Vec<DateFormat>,
    /// The columns' values tables, built once per file.
    pub tables: Vec<ValueTable>,
    /// One per format: the file's columns (0-based) whose cells are joined to the date's, in
    /// order, before the format reads them (`with`); empty for most.
    pub with: Vec<Vec<u32>>,
    /// The column (0-based) whose consecutive equal cells make one event (`group`).
    pub group: Option<u32>,
}

/// A map key in a path: `["Created (UTC)"]`.
pub(crate) fn quoted_key(k: &str) -> String {
    format!("[{}]", Value::String(k.to_string()))
}

struct Checker {
    errors: Vec<MappingError>,
}

impl Checker {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(MappingError {
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// The struct `T` at `path`: serde reads it (its fields take any value, see [`Field`]),
    /// or, when `v` is no object or has keys `T` does not know, each unknown key is reported
    /// and the rest is read.
    fn object<T: DeserializeOwned>(&mut self, path: &str, v: &Value, what: &str) -> Option<T> {
        let Some(obj) = v.as_object() else {
            self.err(path, format!("{what} must be an object"));
            return None;
        };
        if let Ok(t) = T::deserialize(v) {
            return Some(t);
        }
        let keys = shape::fields_of::<T>();
        let mut known = Map::new();
        for (k, item) in obj {
            if keys.contains(&k.as_str()) {
                known.insert(k.clone(), item.clone());
            } else {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                self.err(
                    &at,
                    format!("unknown key; the keys of {what} are {}", keys.join(", ")),
                );
            }
        }
        T::deserialize(&Value::Object(known)).ok()
    }

    /// A field's value, or an error saying what it must be.
    fn given<'f, T>(&mut self, path: &str, f: &'f Field<T>, must: &str) -> Option<&'f T> {
        if let Field::Wrong = f {
            self.err(path, format!("must be {must}"));
        }
        f.given()
    }

    /// A field whose values are an enum's `all`: the value, or an error naming them and the
    /// value as written (`raw`).
    fn choice<T: Copy + Serialize>(
        &mut self,
        path: &str,
        f: &Field<T>,
        all: &[T],
        raw: Option<&Value>,
    ) -> Option<T> {
        match f {
            Field::Absent => None,
            Field::Given(t) => Some(*t),
            Field::Wrong => {
                let list = shape::names(all).join(", ");
                match raw.and_then(Value::as_str) {
                    Some(s) => self.err(path, format!("'{s}' is not one of {list}")),
                    None => self.err(path, format!("must be one of {list}")),
                }
                None
            }
        }
    }

    /// A path in header syntax, checked as a header cell would be.
    fn target(&mut self, path: &str, to: &str) -> Option<column::ColumnName> {
        match column::parse(to) {
            Ok(c) => Some(c),
            Err(p) => {
                self.err(path, format!("'{to}': {p}"));
                None
            }
        }
    }
}

impl Mapping {
    /// Reads and checks a mapping; every problem found, each with its JSON path.
    pub(crate) fn parse(text: &str) -> Result<Mapping, Vec<MappingError>> {
        if text.len() > MAX_MAPPING_BYTES {
            return Err(vec![MappingError {
                path: String::new(),
                message: format!(
                    "the mapping is {} bytes; a mapping may be at most {MAX_MAPPING_BYTES} bytes \
                     (1 MiB, MAX_MAPPING_BYTES): remove rules, columns or values no file needs",
                    text.len()
                ),
            }]);
        }
        // Read as JSON first: the rules as written give each rule's digest.
        let value: Value = serde_json::from_str(text).map_err(|e| {
            vec![MappingError {
                path: String::new(),
                message: format!("not valid JSON: {e}"),
            }]
        })?;
        let mut ck = Checker { errors: Vec::new() };
        let mut rules = Vec::new();
        if let Some(top) = ck.object::<MappingFile>("", &value, "a mapping") {
            ck.given("$schema", &top.schema, "a string");
            match top.files {
                Field::Absent => ck.err(
                    "files",
                    "missing; list the rules, like \"files\": [{\"match\": \"*.csv\", ...}]",
                ),
                Field::Wrong => ck.err("files", "must be a list of rules"),
                Field::Given(list) => {
                    let written = value.get("files").and_then(Value::as_array);
                    for (i, rule) in list.into_iter().enumerate() {
                        let at = format!("files[{i}]");
                        let raw = written.and_then(|w| w.get(i)).unwrap_or(&Value::Null);
                        let rule = match rule {
                            // serde reads a struct from a list too; a rule is an object.
                            Field::Given(r) if raw.is_object() => Some(r),
                            Field::Absent => None,
                            _ => ck.object::<RuleShape>(&at, raw, "a rule"),
                        };
                        if let Some(r) = rule.and_then(|r| check_rule(&mut ck, i, r, raw)) {
                            rules.push(r);
                        }
                    }
                }
            }
        }
        if ck.errors.is_empty() {
            let files = match value {
                Value::Object(mut top) => match top.remove("files") {
                    Some(Value::Array(files)) => files,
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            Ok(Mapping { rules, files })
        } else {
            Err(ck.errors)
        }
    }

    /// The first rule whose `match` fits the base name of `key`, with its digest.
    pub(crate) fn rule_for(&self, key: &str) -> Option<Rule> {
        let name = key.rsplit(['/', '\\']).next().unwrap_or(key);
        let rule = self
            .rules
            .iter()
            .find(|r| glob::matches(&r.pattern, name))?;
        let mut rule = rule.clone();
        if let Some(v) = self.files.get(rule.index) {
            rule.digest = digest(v);
        }
        Some(rule)
    }
}

/// The checks of one rule that its types do not make: what each value may be, and what the
/// fields say together. Every problem is reported, in the order of the fields.
fn check_rule(ck: &mut Checker, i: usize, r: RuleShape, raw: &Value) -> Option<Rule> {
    let at = format!("files[{i}]");
    let p = |k: &str| format!("{at}.{k}");
    let before = ck.errors.len();
    let pattern = match &r.pattern {
        Field::Absent => {
            ck.err(
                &p("match"),
                "missing; give the file names the rule is for, like \"export_*.csv\"",
            );
            String::new()
        }
        f => {
            let s = ck.given(&p("match"), f, "a file name pattern, like \"export_*.csv\"");
            if s.is_some_and(String::is_empty) {
                ck.err(
                    &p("match"),
                    "is empty; give a file name pattern, like \"export_*.csv\"",
                );
            }
            s.cloned().unwrap_or_default()
        }
    };
    let kind = ck.choice(&p("call"), &r.call, &CallKind::ALL, raw.get("call"));
    let collection = match (&r.collection, kind) {
        (Field::Absent, Some(CallKind::Object)) => {
            ck.err(
                &p("collection"),
                "missing; object calls need the collection, like \"rooms\"",
            );
            None
        }
        (Field::Absent, _) => None,
        (c, Some(CallKind::Object)) => {
            let name = ck.given(&p("collection"), c, "a collection name, like \"rooms\"");
            if let Some(Err(why)) = name.map(|n| check_collection(n)) {
                ck.err(
                    &p("collection"),
                    format!(
                        "'{}' cannot be used: {why}",
                        name.cloned().unwrap_or_default()
                    ),
                );
            }
            name.cloned()
        }
        (_, _) => {
            ck.err(
                &p("collection"),
                "is for \"call\": \"object\" only; remove it",
            );
            None
        }
    };
    let delimiter = match ck.given(
        &p("delimiter"),
        &r.delimiter,
        "one character (\",\", \";\", \"\\t\", \"|\") or \"auto\"",
    ) {
        None => None,
        Some(s) if s == "auto" => None,
        Some(s) if s.len() == 1 && !matches!(s.as_str(), "\"" | "\n" | "\r") => {
            Some(s.as_bytes()[0])
        }
        Some(s) => {
            ck.err(&p("delimiter"), format!("'{}' cannot be a delimiter; give one ASCII character other than a quote or a line break (\",\", \";\", \"\\t\", \"|\"), or \"auto\"", s.escape_default()));
            None
        }
    };
    let encoding = ck
        .choice(
            &p("encoding"),
            &r.encoding,
            &Encoding::ALL,
            raw.get("encoding"),
        )
        .unwrap_or_default();
    let decimal_comma = ck.choice(&p("decimal"), &r.decimal, &Decimal::ALL, raw.get("decimal"))
        == Some(Decimal::Comma);
    let header = match &r.header {
        Field::Absent => None,
        Field::Given(n) if !n.is_empty() && n.iter().all(|s| !s.trim().is_empty()) => {
            // The header record the names stand for: each name and a delimiter between.
            let bytes = n.iter().map(String::len).sum::<usize>() + (n.len() - 1);
            if bytes > MAX_HEADER_BYTES {
                ck.err(&p("header"), format!("the names make a header of {bytes} bytes; a header may be at most {MAX_HEADER_BYTES} bytes (MAX_HEADER_BYTES), as a file's first row: list only the file's columns"));
                None
            } else {
                Some(n.clone())
            }
        }
        _ => {
            ck.err(
                &p("header"),
                "must be a list of the file's column names, none empty, like [\"Id\", \"Amount\"]",
            );
            None
        }
    };
    let skip = check_skip(ck, &p("skip"), &r.skip, raw.get("skip"), header.is_some());
    let sheet = check_sheet(ck, &p("sheet"), &r.sheet, raw.get("sheet"));
    let mut columns = Vec::new();
    match r.columns {
        Field::Absent => {}
        Field::Wrong => ck.err(&p("columns"), "must be an object of the file's column names and their targets, like {\"Email\": \"userId\"}"),
        Field::Given(map) if map.0.len() > MAX_MAPPING_COLUMNS => ck.err(&p("columns"), too_many(map.0.len(), "columns")),
        Field::Given(map) => {
            let written = raw.get("columns");
            for (name, target) in map.0 {
                let cp = format!("{at}.columns{}", quoted_key(&name));
                let entry = written.and_then(|w| w.get(&name));
                if let Some(t) = check_column(ck, &cp, target, entry) {
                    columns.push((name, t));
                }
            }
        }
    }
    let mut set = Vec::new();
    match r.set {
        Field::Absent => {}
        Field::Wrong => ck.err(
            &p("set"),
            "must be an object of paths and values, like {\"event\": \"Order Completed\"}",
        ),
        Field::Given(map) if map.0.len() > MAX_MAPPING_COLUMNS => {
            ck.err(&p("set"), too_many(map.0.len(), "values"))
        }
        Field::Given(map) => {
            for (path, value) in map.0 {
                let sp = format!("{at}.set{}", quoted_key(&path));
                if let Some(c) = ck.target(&sp, &path) {
                    if c.ty.is_some() {
                        ck.err(
                            &sp,
                            "a set path takes no :type; the value's JSON type is sent as it is",
                        );
                    } else if c.path.len() == 1 && c.head() == "messageId" {
                        ck.err(&sp, "messageId cannot be set: every row would get the same id and Segment would drop all but one");
                    }
                }
                match value {
                    Value::Null => ck.err(&sp, "null is not a value to set; remove the entry"),
                    Value::String(s) if s.is_empty() => {
                        ck.err(&sp, "an empty value; remove the entry or give a value")
                    }
                    Value::String(s) if s.starts_with(BLANK_PREFIX) => ck.err(
                        &sp,
                        format!("still to fill in: replace {s} with {}", blank_what(&s)),
                    ),
                    v => {
                        let json = v.to_string();
                        if json.len() > MAX_CONSTANT_BYTES {
                            ck.err(&sp, format!("the value is {} bytes as JSON; a set value may be at most {MAX_CONSTANT_BYTES} bytes (MAX_CONSTANT_BYTES), as Segment drops events over 32 KB: shorten it", json.len()));
                        } else {
                            set.push((path, json.into_bytes()));
                        }
                    }
                }
            }
        }
    }
    let drop_unmapped = ck.choice(
        &p("unmapped"),
        &r.unmapped,
        &Unmapped::ALL,
        raw.get("unmapped"),
    ) == Some(Unmapped::Drop);
    let group = check_group(ck, &p("group"), &r.group, &columns);
    if ck.errors.len() > before {
        return None;
    }
    let mut rule = Rule {
        index: i,
        pattern,
        call: kind.map(|k| (k, collection)),
        delimiter,
        encoding,
        decimal_comma,
        header,
        skip,
        sheet,
        columns,
        set,
        drop_unmapped,
        group,
        digest: [0; 20],
    };
    // With the call known, the values are checked now; else for each file, by its name's call.
    if let Some(kind) = kind {
        if let Err(errors) = rule.check_set(kind) {
            ck.errors.extend(errors);
            return None;
        }
    }
    Some(rule)
}

/// `group`: the name of the column whose consecutive equal cells make one event, with the
/// rule's `[]` targets (its items) in one list; a `[]` target without it is an error too.
fn check_group(
    ck: &mut Checker,
    path: &str,
    group: &Field<String>,
    columns: &[(String, Option<Target>)],
) -> Option<String> {
    // The rule's item columns: each target with [] and its list.
    let mut lists: Vec<(&str, String)> = Vec::new();
    for (name, target) in columns {
        let Some(c) = target.as_ref().and_then(|t| column::parse(&t.to).ok()) else {
            continue;
        };
        if let Some(at) = c.path.iter().position(|s| *s == column::Seg::Each) {
            lists.push((name, column::display_path(&c.path[..at])));
        }
    }
    let name = ck.given(
        path,
        group,
        "the name of the column that holds each row's order, like \"Order ID\"",
    );
    let Some(name) = name else {
        if let (Field::Absent, Some((column, _))) = (group, lists.first()) {
            ck.err(path, format!("missing: columns[{}] reads each row into a list with [], which needs the column that holds each row's order, like \"group\": \"Order ID\"", Value::String(column.to_string())));
        }
        return None;
    };
    if name.trim().is_empty() {
        ck.err(
            path,
            "is empty; give the column that holds each row's order, like \"Order ID\"",
        );
        return None;
    }
    if let Some((first, list)) = lists.first() {
        if let Some((other, other_list)) = lists.iter().find(|(_, l)| l != list) {
            ck.err(path, format!("the items go in one list, and columns[{}] puts them in {list} while columns[{}] puts them in {other_list}: map both to the same list", Value::String(first.to_string()), Value::String(other.to_string())));
        }
    }
    Some(name.clone())
}

/// `sheet`: a workbook's sheet by its name, or its position from 1; `raw` is the value as
/// written.
fn check_sheet(
    ck: &mut Checker,
    path: &str,
    sheet: &Field<Value>,
    raw: Option<&Value>,
) -> Option<SheetChoice> {
    let value = match sheet {
        Field::Absent => return None,
        Field::Given(v) => v,
        Field::Wrong => raw.unwrap_or(&Value::Null),
    };
    match value {
        Value::String(name) if !name.trim().is_empty() && name.chars().count() <= 31 => {
            Some(SheetChoice::Name(name.clone()))
        }
        Value::Number(n) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n @ 1..=65_535) => Some(SheetChoice::Position(n)),
            _ => {
                ck.err(
                    path,
                    "must be a sheet's position from 1 (the first sheet), like 2, or its name",
                );
                None
            }
        },
        _ => {
            ck.err(path, "must be a sheet's name as its tab shows it (1 to 31 characters), like \"Orders\", or its position from 1, like 2");
            None
        }
    }
}

/// `skip`: a count of records before the header row, or `{"before": n, "after": m}`; `raw` is
/// the value as written (the counts' problems are named with it).
fn check_skip(
    ck: &mut Checker,
    path: &str,
    skip: &Field<SkipShape>,
    raw: Option<&Value>,
    headerless: bool,
) -> Skip {
    fn count(ck: &mut Checker, path: &str, v: &Value) -> usize {
        match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) if n <= MAX_SKIP => n,
            _ => {
                ck.err(
                    path,
                    format!(
                        "must be a whole number of rows from 0 to {MAX_SKIP} (MAX_SKIP), like 3"
                    ),
                );
                0
            }
        }
    }
    let around = match (skip, raw) {
        (Field::Absent, _) => return Skip::default(),
        (Field::Given(SkipShape::Before(n)), _) => {
            return Skip {
                before: count(ck, path, n),
                after: 0,
            }
        }
        (Field::Given(SkipShape::Around(a)), _) => a.clone(),
        // An object with keys a skip does not have: each named, the rest read.
        (Field::Wrong, Some(v @ Value::Object(_))) => {
            match ck.object::<SkipAround>(path, v, "a skip") {
                Some(a) => a,
                None => return Skip::default(),
            }
        }
        (Field::Wrong, v) => {
            count(ck, path, v.unwrap_or(&Value::Null));
            return Skip::default();
        }
    };
    let raw_of = |k: &str| raw.and_then(|r| r.get(k)).cloned().unwrap_or(Value::Null);
    let part = |ck: &mut Checker, f: &Field<Value>, k: &str| match f {
        Field::Absent => 0,
        Field::Given(v) => count(ck, &format!("{path}.{k}"), v),
        Field::Wrong => count(ck, &format!("{path}.{k}"), &raw_of(k)),
    };
    let before = part(ck, &around.before, "before");
    let after = part(ck, &around.after, "after");
    if after > 0 && headerless {
        ck.err(&format!("{path}.after"), "counts rows after the file's header row, and with \"header\" the file has none: give the rows to skip as a number");
    }
    Skip { before, after }
}

/// Too many entries in a rule's `columns` or `set`.
fn too_many(n: usize, what: &str) -> String {
    format!("{n} {what}; a rule may name at most {MAX_MAPPING_COLUMNS} (MAX_MAPPING_COLUMNS), the most columns a header of {MAX_HEADER_BYTES} bytes can have")
}

/// SHA-1 of `v` in canonical form.
fn digest(v: &Value) -> [u8; 20] {
    let mut out = Vec::new();
    canonical_json(v, &mut out);
    sha1_smol::Sha1::from(&out).digest().bytes()
}

/// `v` as compact JSON with every object's keys in byte order, whatever order the text had and
/// however serde_json keeps maps: the same rule always gives the same bytes, so the same ids.
pub(crate) fn canonical_json(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical_json(&Value::String(k.clone()), out);
                out.push(b':');
                if let Some(item) = map.get(k) {
                    canonical_json(item, out);
                }
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical_json(item, out);
            }
            out.push(b']');
        }
        scalar => out.extend_from_slice(scalar.to_string().as_bytes()),
    }
}

/// What a draft's blank asks for: `<fill in: the event name, like X>` → `the event name, like X`.
fn blank_what(s: &str) -> &str {
    s[BLANK_PREFIX.len()..].trim_end_matches('>').trim()
}

/// One entry of `columns`: `null` (drop), a target, or `{to, type, format, timezone}`.
fn check_column(
    ck: &mut Checker,
    path: &str,
    c: Field<Column>,
    raw: Option<&Value>,
) -> Option<Option<Target>> {
    let obj = match c {
        Field::Absent | Field::Given(Column::Drop) => return Some(None),
        Field::Given(Column::To(to)) => {
            ck.target(path, &to)?;
            return Some(Some(Target {
                to,
                format: None,
                values: None,
                with: Vec::new(),
            }));
        }
        Field::Given(Column::Object(obj)) => obj,
        Field::Wrong => match raw {
            Some(v) if v.is_object() => ck.object::<ColumnObject>(path, v, "a column")?,
            _ => {
                ck.err(path, "must be a target path (like \"properties.amount:number\"), an object {\"to\": ...}, or null to drop the column");
                return None;
            }
        },
    };
    let before = ck.errors.len();
    let p = |k: &str| format!("{path}.{k}");
    let to = match &obj.to {
        Field::Absent => {
            ck.err(
                &p("to"),
                "missing; say where the column goes, like \"properties.amount\"",
            );
            None
        }
        t => ck.given(&p("to"), t, "a target path, like \"properties.amount\""),
    };
    let named = to.and_then(|t| ck.target(&p("to"), t));
    let ty = ck.choice(
        &p("type"),
        &obj.ty,
        &ColumnType::ALL,
        raw.and_then(|r| r.get("type")),
    );
    if let (Some(c), Some(_)) = (&named, ty) {
        if c.ty.is_some() {
            ck.err(
                &p("type"),
                "the target already has a :type; give the type once",
            );
        }
    }
    let timezone = ck.given(
        &p("timezone"),
        &obj.timezone,
        "a fixed offset, like \"+01:00\"",
    );
    let typed = ty.or(named.as_ref().and_then(|c| c.ty));
    let format = match &obj.format {
        Field::Absent => {
            if timezone.is_some() {
                ck.err(
                    &p("timezone"),
                    "applies to a format; add \"format\", like \"%d.%m.%Y %H:%M\"",
                );
            }
            None
        }
        f => {
            let f = ck.given(&p("format"), f, "a date format, like \"%d.%m.%Y %H:%M\"");
            if matches!(typed, Some(t) if t != ColumnType::Timestamp) {
                ck.err(
                    &p("format"),
                    "a format reads dates; the column's type must be timestamp or none",
                );
            }
            match f.map(|f| DateFormat::new(f, timezone.map(String::as_str))) {
                Some(Ok(d)) => Some(d),
                Some(Err((field, message))) => {
                    ck.err(&p(field), message);
                    None
                }
                None => None,
            }
        }
    };
    let reject = ck.choice(
        &p("unlisted"),
        &obj.unlisted,
        &Unlisted::ALL,
        raw.and_then(|r| r.get("unlisted")),
    ) == Some(Unlisted::Reject);
    let values = match &obj.values {
        Field::Absent => {
            if !obj.unlisted.is_absent() {
                ck.err(
                    &p("unlisted"),
                    "applies to a values table; add \"values\", like {\"view\": \"Product Viewed\"}",
                );
            }
            None
        }
        Field::Wrong => {
            ck.err(&p("values"), "must be an object of the column's values and the string to send for each, like {\"view\": \"Product Viewed\"}");
            None
        }
        Field::Given(table) => {
            if let Some(t) = typed.filter(|&t| t != ColumnType::String) {
                ck.err(&p("values"), format!("a values table sends strings, and the column is sent as {}: remove the type, or make it string", t.as_str()));
            }
            if !obj.format.is_absent() {
                ck.err(
                    &p("values"),
                    "a values table sends strings, and \"format\" reads the column as dates: keep one of the two",
                );
            }
            check_values(ck, &p("values"), table).map(|pairs| Values {
                path: p("values"),
                pairs,
                reject,
            })
        }
    };
    let with = check_with(ck, &p("with"), &obj, typed_as(ty, named.as_ref()));
    if ck.errors.len() > before {
        return None;
    }
    let to = to?;
    let to = match ty {
        Some(t) => format!("{to}:{}", t.as_str()),
        None => to.clone(),
    };
    Some(Some(Target {
        to,
        format,
        values,
        with,
    }))
}

/// The type a column is sent as: its `type`, or the `:type` of its target.
fn typed_as(ty: Option<ColumnType>, named: Option<&column::ColumnName>) -> Option<ColumnType> {
    ty.or(named.and_then(|c| c.ty))
}

/// `with`: the names of other columns of the file, at most [`MAX_WITH_COLUMNS`], each once and
/// none the column itself (the last part of `path` names it), joined to a date read with a
/// `format`.
fn check_with(
    ck: &mut Checker,
    path: &str,
    obj: &ColumnObject,
    typed: Option<ColumnType>,
) -> Vec<String> {
    let must = "a list of the file's column names whose cells complete the date, like [\"Time\", \"TimeZone\"]";
    let Some(names) = ck.given(path, &obj.with, must) else {
        return Vec::new();
    };
    let before = ck.errors.len();
    if names.is_empty() || names.len() > MAX_WITH_COLUMNS {
        ck.err(path, format!("names {} columns; give 1 to {MAX_WITH_COLUMNS} (MAX_WITH_COLUMNS), like [\"Time\", \"TimeZone\"]", names.len()));
    }
    // The column's own name, as its path ends: `columns["Date"].with`.
    let own = path
        .strip_suffix(".with")
        .and_then(|p| p.rfind("[\"").map(|at| &p[at + 1..p.len() - 1]))
        .and_then(|q| serde_json::from_str::<String>(q).ok());
    for (i, name) in names.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if name.trim().is_empty() {
            ck.err(&at, "is empty; give the name of a column of the file");
        } else if own.as_deref().is_some_and(|o| o.trim() == name.trim()) {
            ck.err(
                &at,
                "names the column itself; name the other columns whose cells complete its date",
            );
        } else if names[..i].iter().any(|n| n.trim() == name.trim()) {
            ck.err(
                &at,
                format!("'{name}' is named twice; name each column once"),
            );
        }
    }
    if obj.format.is_absent() {
        ck.err(path, "joins cells into one date, which needs its format: add \"format\", covering every part, like \"%d/%m/%Y %H:%M:%S %Z\"");
    }
    if matches!(typed, Some(t) if t != ColumnType::Timestamp) {
        ck.err(
            path,
            "joins cells into a date; the column's type must be timestamp or none",
        );
    }
    if ck.errors.len() > before {
        return Vec::new();
    }
    names.clone()
}

/// A column's `values` table at `path`: each value as written in the file and the string sent
/// for it, or `None` after reporting every problem.
fn check_values(
    ck: &mut Checker,
    path: &str,
    table: &Entries<Value>,
) -> Option<Vec<(String, String)>> {
    if table.0.len() > MAX_VALUES {
        ck.err(path, format!("{} values; a table may list at most {MAX_VALUES} (MAX_VALUES), as it names the few values of a column of verbs or codes: send a column of more values as it is", table.0.len()));
        return None;
    }
    let before = ck.errors.len();
    let mut pairs = Vec::with_capacity(table.0.len());
    for (cell, sent) in &table.0 {
        let at = format!("{path}{}", quoted_key(cell));
        if cell.trim().is_empty() {
            ck.err(&at, "an empty cell is never looked up (it is left out, or sent as the empty option says): remove the entry");
        } else if cell.trim() != cell {
            ck.err(
                &at,
                format!(
                    "cells are matched with the spaces around them trimmed: write the value as {}",
                    Value::String(cell.trim().to_string())
                ),
            );
        }
        match sent {
            Value::String(s) if s.is_empty() => ck.err(
                &at,
                "an empty string; give the value to send, or remove the entry to send the cell as it is",
            ),
            Value::String(s) if s.len() + 2 > MAX_CONSTANT_BYTES => ck.err(&at, format!("the value is {} bytes; a value may be at most {} bytes as JSON (MAX_CONSTANT_BYTES), as Segment drops events over 32 KB: shorten it", s.len(), MAX_CONSTANT_BYTES)),
            Value::String(s) => pairs.push((cell.clone(), s.clone())),
            _ => ck.err(&at, "must be a string: the table sends the string given for each value, like \"Product Viewed\""),
        }
    }
    (ck.errors.len() == before).then_some(pairs)
}

impl Rule {
    /// Checks the `set` values as cells of their fields in a `kind` call ([`constant::check`]),
    /// and keeps each as that field sends it (a date in the form Segment wants).
    pub(crate) fn check_set(&mut self, kind: CallKind) -> Result<(), Vec<MappingError>> {
        let mut errors = Vec::new();
        for (path, bytes) in &mut self.set {
            let (Ok(c), Ok(value)) = (column::parse(path), serde_json::from_slice::<Value>(bytes))
            else {
                // Both were read from the mapping's JSON and checked by `parse`.
                continue;
            };
            match constant::check(kind, &c, path, &value) {
                Ok(sent) => *bytes = sent,
                Err(message) => errors.push(MappingError {
                    path: format!("files[{}].set{}", self.index, quoted_key(path)),
                    message,
                }),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The rule applied to the file's `header`: what becomes of each column. A column the rule
    /// names that the file does not have is a header error, as a missing column is.
    pub(crate) fn layout(&self, header: &[&str]) -> Result<Layout, Vec<HeaderError>> {
        let mut errors = Vec::new();
        let mut formats = Vec::new();
        let mut tables = Vec::new();
        let mut with = Vec::new();
        // The columns the rule names, which a `with` leaves as the rule says.
        let mut named = vec![false; header.len()];
        // Each joined column: its format's index, the date column's name, its place in `with`.
        let mut joined: Vec<(usize, &str, usize, &str)> = Vec::new();
        let mut sources = vec![
            if self.drop_unmapped {
                Source::Drop
            } else {
                Source::Header
            };
            header.len()
        ];
        // The file's columns by name, so each of the rule's is found in one look-up.
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::with_capacity(header.len());
        for (i, h) in header.iter().enumerate() {
            crate::map::probe::note();
            by_name.entry(h.trim()).or_default().push(i);
        }
        for (name, target) in &self.columns {
            crate::map::probe::note();
            let Some(found) = by_name.get(name.trim()) else {
                errors.push(HeaderError {
                    column: None,
                    name: name.clone(),
                    problem: HeaderProblem::MappedColumnMissing {
                        path: format!("files[{}].columns{}", self.index, quoted_key(name)),
                    },
                });
                continue;
            };
            let source = match target {
                None => Source::Drop,
                Some(t) => {
                    let format = match &t.format {
                        None => None,
                        Some(f) => {
                            // `parse` keeps a rule's columns within MAX_MAPPING_COLUMNS.
                            let Ok(at) = u16::try_from(formats.len()) else {
                                errors.push(HeaderError {
                                    column: None,
                                    name: name.clone(),
                                    problem: HeaderProblem::TooManyColumns {
                                        max: usize::from(u16::MAX) + 1,
                                    },
                                });
                                continue;
                            };
                            formats.push(f.clone());
                            with.push(Vec::with_capacity(t.with.len()));
                            for (k, w) in t.with.iter().enumerate() {
                                joined.push((usize::from(at), name, k, w));
                            }
                            Some(at)
                        }
                    };
                    // At most one table per entry of `columns` (MAX_MAPPING_COLUMNS), as formats.
                    let values = t.values.as_ref().and_then(|v| {
                        let at = u16::try_from(tables.len()).ok()?;
                        tables.push(ValueTable::new(v));
                        Some(at)
                    });
                    Source::To {
                        to: t.to.clone(),
                        format,
                        values,
                    }
                }
            };
            for &i in found {
                sources[i] = source.clone();
                named[i] = true;
            }
        }
        // The columns joined to a date: found by name (the first of a name), and not sent on
        // their own unless the rule names them.
        for (at, date, k, w) in joined {
            match by_name.get(w.trim()).and_then(|f| f.first()) {
                Some(&j) => {
                    if let (Some(cols), Ok(j32)) = (with.get_mut(at), u32::try_from(j)) {
                        cols.push(j32);
                    }
                    if !named[j] {
                        sources[j] = Source::Drop;
                    }
                }
                None => errors.push(HeaderError {
                    column: None,
                    name: w.to_string(),
                    problem: HeaderProblem::MappedColumnMissing {
                        path: format!(
                            "files[{}].columns{}.with[{k}]",
                            self.index,
                            quoted_key(date)
                        ),
                    },
                }),
            }
        }
        let group = match &self.group {
            None => None,
            Some(name) => match by_name.get(name.trim()).and_then(|f| f.first()) {
                Some(&k) => u32::try_from(k).ok(),
                None => {
                    errors.push(HeaderError {
                        column: None,
                        name: name.clone(),
                        problem: HeaderProblem::MappedColumnMissing {
                            path: format!("files[{}].group", self.index),
                        },
                    });
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Layout {
            sources,
            set: self.set.clone(),
            decimal_comma: self.decimal_comma,
            formats,
            tables,
            with,
            group,
        })
    }
}

/// A mapping that cannot be used: where it came from and each of its problems. The run turns
/// it into an [`crate::Error`] of kind `Mapping`.
#[derive(Debug)]
pub(crate) struct BadMapping {
    /// Where the mapping came from (its key), when the host said.
    pub(crate) source: Option<String>,
    /// Each problem, with its JSON path.
    pub(crate) errors: Vec<MappingError>,
}

/// The mapping's rule for `key`, if `options` carry a mapping and a rule matches.
pub(crate) fn rule_for(key: &str, options: &Options) -> Result<Option<Rule>, BadMapping> {
    let Some(text) = &options.mapping else {
        return Ok(None);
    };
    let mapping = Mapping::parse(text).map_err(|errors| BadMapping {
        source: options.mapping_key.clone(),
        errors,
    })?;
    let Some(mut rule) = mapping.rule_for(key) else {
        return Ok(None);
    };
    // A rule without a call: its values are checked for the call the file's name makes (a
    // name that makes none is the caller's error).
    if rule.call.is_none() {
        if let Ok(spec) = FileSpec::with_call(key, None) {
            rule.check_set(spec.kind).map_err(|errors| BadMapping {
                source: options.mapping_key.clone(),
                errors,
            })?;
        }
    }
    Ok(Some(rule))
}

#[cfg(test)]
mod tests;
