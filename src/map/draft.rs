//! Drafts a mapping rule from the first part of a file, so a person confirms or corrects a
//! mapping instead of writing one: the delimiter, the encoding, whether there is a header row,
//! the call, and per column a target, a type and a date format, with notes saying which of
//! these are guesses and what is left to fill in.
//!
//! It reads with the engine's own parts (the [`dialect`](super::dialect) guess, the decoder,
//! the record reader, the cell conversions, [`DateFormat`]), so what the draft finds is what a
//! run of the file reads; its output is the mapping's JSON, checked again by [`Mapping::parse`]
//! wherever it is used.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::date_format::DateFormat;
use super::mapping::shape::{Column as Out, ColumnObject, Decimal, Entries, Field, RuleShape};
#[cfg(doc)]
use super::mapping::Mapping;
use super::mapping::{glob_matches, quoted_key, BLANK_PREFIX};
use crate::map::cell::Conv;
use crate::map::column::ColumnType;
use crate::map::column::{self, Seg};
use crate::map::file_name::{CallKind, FileSpec};
use crate::map::spec;
use crate::map::timestamp;
use crate::options::Typing;
use crate::read::decode::{Compressed, Decoder, Encoding};
use crate::read::dialect;
use crate::read::records::RecordReader;

/// How much of a file the draft reads: the first 64 KiB, cut at the last record boundary.
pub const DRAFT_SAMPLE_BYTES: usize = crate::base::limits::limit!(DRAFT_SAMPLE_BYTES);

/// What kind of note.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteKind {
    /// A decision the sample does not settle (the encoding, the call, a column's target).
    Guess,
    /// A date whose day and month order no sampled value decides.
    Ambiguous,
    /// Something a person must fill in before the mapping runs.
    Blank,
    /// A column left out: empty in every sampled row.
    Dropped,
}

/// One thing a person should look at in a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DraftNote {
    /// What kind of note.
    pub kind: NoteKind,
    /// Where in the rule, like `columns["Signup Date"].format` (empty for the rule as a whole).
    pub path: String,
    /// The column it is about, if one.
    pub column: Option<String>,
    /// The note, in plain words.
    pub message: String,
}

/// A drafted mapping rule and the notes on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Draft {
    /// One entry of a mapping's `files`, as pretty-printed JSON text (keys in a reading order).
    pub rule: String,
    /// Guesses, ambiguities, blanks and dropped columns, in the order of the rule.
    pub notes: Vec<DraftNote>,
    /// Every column of the file, in file order, with its first non-empty sampled value.
    pub examples: Vec<ColumnExample>,
}

/// A column of the drafted file and one of its values, for an editor to show next to the
/// column's target (and to read with its date format).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ColumnExample {
    /// The column's name (as in the rule's `columns`).
    pub column: String,
    /// Its first non-empty value in the sampled rows, trimmed; `None` when all were empty.
    pub value: Option<String>,
}

/// What the sampled values of a column are.
#[derive(Clone, Debug, Default)]
struct Column {
    name: String,
    /// Its name, lowercase letters and digits only (`E-mail Address` → `emailaddress`).
    key: String,
    values: Vec<String>,
}

/// A date format candidate: its pattern, and whether the day comes before the month.
struct Candidate {
    pattern: String,
    format: DateFormat,
    order: Order,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Order {
    /// Year first, or no question of order.
    Fixed,
    MonthFirst,
    DayFirst,
}

/// What a column's values read as.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Empty,
    Text,
    Email,
    Url,
    /// Numbers the engine's inference sends as they are.
    Plain,
    /// Numbers that need `:number` (`1,234.50`, `49.00`, `12,50`).
    Number,
    /// `yes`/`no` (with `true`/`false`): `:boolean`.
    YesNo,
    /// Dates the engine reads without a format.
    Iso,
    /// Dates in a chrono format; `ambiguous` names the other order when no value decides.
    Formatted {
        format: String,
        ambiguous: Option<String>,
        unread: usize,
    },
    /// Unix seconds or milliseconds.
    Unix,
}

/// Whether a rule's `match` fits the file `key` (its base name), as the engine picks it.
pub fn rule_matches(pattern: &str, key: &str) -> bool {
    let name = key.rsplit(['/', '\\']).next().unwrap_or(key);
    glob_matches(pattern, name)
}

/// Drafts a rule for the file `name` from `head` (see [`crate::draft`], which gives its
/// failure the crate's [`crate::Error`]).
pub(crate) fn draft(name: &str, head: &[u8], whole: bool) -> Result<Draft, Compressed> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (head, whole) = if head.len() > DRAFT_SAMPLE_BYTES {
        (&head[..DRAFT_SAMPLE_BYTES], false)
    } else {
        (head, whole)
    };
    let mut notes = Vec::new();
    let mut note = |kind, path: String, column: Option<&str>, message: String| {
        notes.push(DraftNote {
            kind,
            path,
            column: column.map(str::to_string),
            message,
        })
    };

    // The encoding: a byte order mark says it; valid UTF-8 is UTF-8; else Windows-1252.
    let (encoding, encoding_name) = match head {
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => (Encoding::Utf16, Some(Encoding::Utf16)),
        [0xef, 0xbb, 0xbf, ..] => (Encoding::Utf8, None),
        _ => match std::str::from_utf8(head) {
            Ok(_) => (Encoding::Utf8, None),
            // Cut inside a character at the end of the sample: still UTF-8.
            Err(e) if e.error_len().is_none() && !whole => (Encoding::Utf8, None),
            Err(_) => {
                note(
                    NoteKind::Guess,
                    "encoding".into(),
                    None,
                    "the file is not UTF-8: read as Windows-1252 (Excel's Western European encoding); if letters such as ä or é look wrong in the preview, change \"encoding\"".into(),
                );
                (Encoding::Windows1252, Some(Encoding::Windows1252))
            }
        },
    };
    let mut decoder = Decoder::with(encoding);
    let decoded = decoder.decode(head, true)?;
    let mut text = decoded.head;
    text.extend_from_slice(decoded.rest);

    // The delimiter, from the header record as a run guesses it; `.tsv` is tab.
    let lower = base.to_ascii_lowercase();
    let tsv = lower.trim_end_matches(".gz").ends_with(".tsv");
    let delimiter = if tsv { b'\t' } else { dialect::guess(&text) };

    // The records of the sample, the last one only when the sample is the whole file (or
    // there is no other: one record longer than the sample).
    let mut reader = RecordReader::new(delimiter, 0, DRAFT_SAMPLE_BYTES);
    let mut records: Vec<Vec<String>> = Vec::new();
    let _ = reader.push(&text, &mut |rec| take(&mut records, rec));
    if whole || records.is_empty() {
        let _ = reader.finish(&mut |rec| take(&mut records, rec));
    }
    if !whole && records.len() <= 1 {
        note(
            NoteKind::Guess,
            String::new(),
            None,
            format!("the first {} KB of the file hold at most one record: the draft saw no rows of values", DRAFT_SAMPLE_BYTES / 1024),
        );
    }

    // A header: a first row of distinct names, none of which reads as a value.
    let has_header = match records.first() {
        None => true,
        Some(first) => {
            let mut seen = HashSet::new();
            first.iter().all(|c| {
                let t = c.trim();
                !t.is_empty() && seen.insert(t.to_string()) && value_kind(t) == Kind::Text
            })
        }
    };
    let width = records.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let (names, rows): (Vec<String>, &[Vec<String>]) = if has_header {
        let first = records.first().cloned().unwrap_or_default();
        (first, records.get(1..).unwrap_or_default())
    } else {
        let names = (1..=width).map(|i| format!("column{i}")).collect();
        note(
            NoteKind::Guess,
            "header".into(),
            None,
            "the first row holds values, not names: the file is read as having no header row, its columns named column1, column2, …; rename them in \"header\" and \"columns\" if you like".into(),
        );
        (names, &records[..])
    };
    let mut columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(i, n)| Column {
            name: n.clone(),
            key: n
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase(),
            values: rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect(),
        })
        .collect();
    let sampled_rows = rows.len();
    let examples = columns
        .iter()
        .map(|c| ColumnExample {
            column: c.name.clone(),
            value: c.values.first().cloned(),
        })
        .collect();

    // Decimal commas: values only a decimal comma reads, against values only a point reads.
    let (mut comma, mut point) = (0usize, 0usize);
    for c in &columns {
        for v in &c.values {
            match decimal_mark(v) {
                Some(b',') => comma += 1,
                Some(_) => point += 1,
                None => {}
            }
        }
    }
    let decimal_comma = comma > point;

    let date_formats = candidates();
    let kinds: Vec<Kind> = columns
        .iter()
        .map(|c| column_kind(c, decimal_comma, sampled_rows, has_header, &date_formats))
        .collect();

    // The call: the name's prefix, else the columns.
    let by_name = FileSpec::from_key(base).ok();
    let event_col = columns
        .iter()
        .position(|c| EVENT_NAMES.contains(&c.key.as_str()));
    let (call, collection) = match &by_name {
        Some(spec) => (spec.kind, spec.collection.clone()),
        None => {
            let email = kinds.contains(&Kind::Email);
            let date = kinds.iter().any(is_date);
            let url = kinds.contains(&Kind::Url);
            let person = columns
                .iter()
                .any(|c| PERSON.iter().any(|(k, _)| *k == c.key));
            let amount = columns.iter().zip(&kinds).any(|(c, k)| {
                *k == Kind::Number || is_number(k) && AMOUNT.iter().any(|a| c.key.contains(a))
            });
            let (call, why) = if event_col.is_some() {
                (CallKind::Track, "a column names the event")
            } else if url && !email {
                (CallKind::Page, "a column holds web addresses")
            } else if email && (person || !amount) {
                (
                    CallKind::Identify,
                    "an email column and names, or no amount",
                )
            } else if date && amount {
                (CallKind::Track, "a date and an amount")
            } else if email {
                (CallKind::Identify, "an email column")
            } else {
                (CallKind::Track, "no email column")
            };
            note(
                NoteKind::Guess,
                "call".into(),
                None,
                format!("the file name has no prefix such as track_: the rows are drafted as {} calls ({why}); change \"call\" if they are not", call.as_str()),
            );
            (call, None)
        }
    };

    // Targets.
    let mut taken = Taken::new(call);
    let mut outs: Vec<(String, Out)> = Vec::new();
    // Each name (trimmed) and its place in `outs`.
    let mut seen_names: HashMap<String, usize> = HashMap::new();
    let dates: Vec<usize> = (0..columns.len()).filter(|&i| is_date(&kinds[i])).collect();
    let events = matches!(call, CallKind::Track | CallKind::Page | CallKind::Screen);
    let mut event_date = if events {
        pick_event_date(&columns, &dates)
    } else {
        None
    };
    // Several dates, none named as the event's time: the first, as a guess.
    if let (true, None, Some(&first)) = (events, event_date, dates.first()) {
        event_date = Some(first);
        let name = columns[first].name.trim().to_string();
        note(
            NoteKind::Guess,
            format!("columns{}", quoted_key(&name)),
            Some(&name),
            format!("the file has {} date columns and none is named as the event's time: '{name}', the first, is taken as the timestamp; give another the target timestamp if it is the one", dates.len()),
        );
    }
    for (i, col) in columns.iter_mut().enumerate() {
        let name = col.name.trim().to_string();
        let path = format!("columns{}", quoted_key(&name));
        crate::map::probe::add(1);
        if let Some(&first) = seen_names.get(&name) {
            // The same name twice: one entry names both, so both are left out.
            outs[first].1 = Out::Drop;
            note(
                NoteKind::Dropped,
                path,
                Some(&name),
                format!("two columns are named '{name}': both are left out; give one of them another name in the file to send it"),
            );
            continue;
        }
        seen_names.insert(name.clone(), outs.len());
        if name == crate::base::reason::REJECTS_COLUMN {
            // The reason column of a rejects CSV: csv2segment's own, never sent.
            outs.push((name.clone(), Out::Drop));
            note(
                NoteKind::Dropped,
                path,
                Some(&name),
                format!("'{name}' is the reason column of a rejects file: left out"),
            );
            continue;
        }
        let kind = &kinds[i];
        if *kind == Kind::Empty {
            outs.push((name.clone(), Out::Drop));
            note(
                NoteKind::Dropped,
                path,
                Some(&name),
                format!("'{name}' is empty in every sampled row: left out (null); give it a target if later rows fill it"),
            );
            continue;
        }
        // A column already named in header syntax (`properties.plan`, `traits.age:integer`)
        // keeps its name: a file written for csv2segment drafts to itself.
        if let Some(path) = header_syntax(&name, call) {
            if taken.take(&path) {
                outs.push((name, Out::To(path)));
                continue;
            }
        }
        let (target, mut why) =
            target_for(call, col, kind, Some(i) == event_date, Some(i) == event_col);
        // A second column for one of the spec's single fields (two user ids) goes where any
        // other column goes.
        let target = match target {
            Some(t) if call != CallKind::Object && !t.contains('.') && !taken.is_free(&t) => {
                let camel = camel_case(&name);
                match call {
                    CallKind::Alias => {
                        why = "another column already fills it, and alias calls carry nothing else: left out";
                        None
                    }
                    CallKind::Identify | CallKind::Group => Some(format!("traits.{camel}")),
                    _ => Some(format!("properties.{camel}")),
                }
            }
            t => t,
        };
        // A target inside another column's (`traits.company.name` under a `traits.company`
        // column): the column goes where any other column goes.
        let target = match target {
            Some(t) => match taken.unique(&t) {
                None => {
                    why = "its target would lie inside another column's value, and no other place fits it: left out; give it a target";
                    other_place(call, &camel_case(&name)).and_then(|o| taken.unique(&o))
                }
                found => found,
            },
            None => None,
        };
        let Some(target) = target else {
            outs.push((name.clone(), Out::Drop));
            note(
                NoteKind::Dropped,
                path,
                Some(&name),
                format!("'{name}': {why}"),
            );
            continue;
        };
        let (out, suffix_note) = typed(target, kind, &name);
        if let Some((k, m)) = suffix_note {
            let p = match &out {
                Out::Object(_) => format!("{path}.format"),
                _ => path.clone(),
            };
            note(k, p, Some(&name), m);
        }
        outs.push((name, out));
    }
    // What the call needs, from where the columns went (a column left out fills nothing).
    let (mut has_id, mut has_event, mut has_group, mut has_previous) = (false, false, false, false);
    for (_, out) in &outs {
        let to = match out {
            Out::Drop => continue,
            Out::To(t) => t.split(':').next().unwrap_or(t).trim(),
            Out::Object(o) => o.to.given().map_or("", String::as_str),
        };
        match (call, to) {
            (CallKind::Object, "id") | (CallKind::Alias, "userId") => has_id = true,
            (CallKind::Alias, "previousId") => has_previous = true,
            (CallKind::Object | CallKind::Alias, _) => {}
            (_, "userId" | "anonymousId") => has_id = true,
            (CallKind::Track, "event") => has_event = true,
            (CallKind::Group, "groupId") => has_group = true,
            _ => {}
        }
    }

    // An identify file with no user id column: its first id column, as a guess.
    if call == CallKind::Identify && !has_id {
        let found = outs.iter().position(|(n, o)| {
            let key: String = n
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            key.ends_with("id") && matches!(o, Out::To(_))
        });
        if let Some(i) = found {
            let name = outs[i].0.clone();
            outs[i].1 = Out::To("userId".into());
            has_id = true;
            note(
                NoteKind::Guess,
                format!("columns{}", quoted_key(&name)),
                Some(&name),
                format!("no column is named like a user id: '{name}' is taken as the userId; if it is not the id your other tools know the person by, map that column to userId (an email column can be the userId)"),
            );
        }
    }

    // Blanks and missing columns.
    let mut set: Vec<(String, serde_json::Value)> = Vec::new();
    if call == CallKind::Track && !has_event {
        set.push((
            "event".into(),
            format!("{BLANK_PREFIX} the event name every row is, like Order Completed>").into(),
        ));
        note(
            NoteKind::Blank,
            format!("set{}", quoted_key("event")),
            None,
            "no column names the event: write the event every row of this file is (like \"Order Completed\") in \"set\": {\"event\": …}; until then the mapping is refused".into(),
        );
    }
    let missing = match call {
        CallKind::Identify | CallKind::Track | CallKind::Page | CallKind::Screen if !has_id => {
            Some("no column looks like a user id: give one column the target userId (or anonymousId); until then the file is refused")
        }
        CallKind::Group if !has_group => {
            Some("no column looks like a group id: give one column the target groupId; until then the file is refused")
        }
        CallKind::Alias if !(has_previous && has_id) => {
            Some("an alias needs a previousId and a userId column: give the two columns those targets; until then the file is refused")
        }
        CallKind::Object if !has_id => {
            Some("no column looks like the object's id: give one column the target id; until then the file is refused")
        }
        _ => None,
    };
    if let Some(m) = missing {
        note(NoteKind::Blank, "columns".into(), None, m.into());
    }

    let pattern = pattern_for(base);
    let delimiter_text = char::from(delimiter).to_string();
    let rule = RuleShape {
        pattern: Field::Given(pattern),
        call: Field::Given(call),
        collection: collection.into(),
        delimiter: Field::Given(delimiter_text),
        encoding: encoding_name.into(),
        decimal: decimal_comma.then_some(Decimal::Comma).into(),
        header: (!has_header).then_some(names).into(),
        columns: Field::Given(Entries(
            outs.into_iter()
                .map(|(n, o)| (n, Field::Given(o)))
                .collect(),
        )),
        set: (!set.is_empty()).then_some(Entries(set)).into(),
        unmapped: None.into(),
    };
    let rule = serde_json::to_string_pretty(&rule).unwrap_or_default();
    Ok(Draft {
        rule,
        notes,
        examples,
    })
}

/// Keeps a record's fields as text (a record that is not UTF-8 as empty fields).
fn take(records: &mut Vec<Vec<String>>, rec: crate::read::records::Record<'_>) -> Result<bool, ()> {
    let fields = match rec.row() {
        Ok(row) => (0..row.len())
            .map(|i| row.cell_str(i).to_string())
            .collect(),
        Err(_) => (0..rec.len()).map(|_| String::new()).collect(),
    };
    records.push(fields);
    Ok(true)
}

/// Column names (as keys) that name the event.
const EVENT_NAMES: [&str; 5] = ["event", "eventname", "eventtype", "eventaction", "action"];
const USER_ID: [&str; 11] = [
    "userid",
    "user",
    "customerid",
    "externalid",
    "uid",
    "memberid",
    "accountid",
    "customer",
    "customernumber",
    "customerno",
    "kundennummer",
];
const ANONYMOUS_ID: [&str; 4] = ["anonymousid", "anonid", "visitorid", "visitor"];
const EMAIL: [&str; 4] = ["email", "emailaddress", "mail", "emailaddr"];
const CREATED: [&str; 7] = [
    "createdat",
    "createdate",
    "created",
    "creationdate",
    "signupdate",
    "signedupat",
    "createdutc",
];
const EVENT_TIME: [&str; 8] = [
    "timestamp",
    "eventtime",
    "time",
    "date",
    "occurredat",
    "createdat",
    "created",
    "createdutc",
];
/// Parts of column names that hold money.
const AMOUNT: [&str; 9] = [
    "amount", "total", "price", "revenue", "mrr", "betrag", "value", "cost", "fee",
];
/// Traits of a person, with their names in Segment's spec.
const PERSON: [(&str, &str); 14] = [
    ("firstname", "firstName"),
    ("givenname", "firstName"),
    ("lastname", "lastName"),
    ("surname", "lastName"),
    ("familyname", "lastName"),
    ("phone", "phone"),
    ("phonenumber", "phone"),
    ("mobile", "phone"),
    ("username", "username"),
    ("title", "title"),
    ("jobtitle", "title"),
    ("company", "company.name"),
    ("companyname", "company.name"),
    ("birthday", "birthday"),
];

/// The name itself, when it is a target in header syntax whose first key is one of Segment's
/// fields for `call` (objects and aliases keep to their own few names).
fn header_syntax(name: &str, call: CallKind) -> Option<String> {
    let c = crate::map::column::parse(name).ok()?;
    let head = c.head();
    let nested = c.path.len() > 1;
    let ok = match call {
        CallKind::Object => head == "id" && !nested,
        CallKind::Alias => matches!(head, "userId" | "previousId") && !nested,
        _ => {
            let top: &[&str] = match call {
                CallKind::Track => &["event"],
                CallKind::Page | CallKind::Screen => &["name", "category"],
                CallKind::Group => &["groupId"],
                _ => &[],
            };
            let container = match call {
                CallKind::Identify | CallKind::Group => "traits",
                _ => "properties",
            };
            // `traits.*` in an event file goes to context.traits, by the header rules.
            let events = container == "properties";
            if nested {
                matches!(head, "context" | "integrations" | "traits")
                    && (events || head != "traits")
                    || head == container
            } else {
                matches!(head, "userId" | "anonymousId" | "timestamp") || top.contains(&head)
            }
        }
    };
    ok.then(|| name.trim().to_string())
}

/// The date column that is an event's timestamp: the file's one date, else the one named so.
fn pick_event_date(columns: &[Column], dates: &[usize]) -> Option<usize> {
    match dates {
        [] => None,
        [one] => Some(*one),
        many => EVENT_TIME
            .iter()
            .find_map(|n| many.iter().copied().find(|&i| columns[i].key == *n))
            .or_else(|| {
                many.iter()
                    .copied()
                    .find(|&i| columns[i].key.contains("created"))
            }),
    }
}

/// An object's property name as the plan sends it (snake_case), so that two drafted names
/// never become one.
fn object_property(t: &str) -> String {
    crate::map::spec::snake_case(t, true).unwrap_or_else(|| "column".into())
}

/// Where a column goes in `call` when nothing names its place: under the call's container.
fn other_place(call: CallKind, camel: &str) -> Option<String> {
    match call {
        CallKind::Identify | CallKind::Group => Some(format!("traits.{camel}")),
        CallKind::Object => Some(object_property(camel)),
        CallKind::Alias => None,
        _ => Some(format!("properties.{camel}")),
    }
}

/// The target of a column (without its type), or why it is left out.
fn target_for(
    call: CallKind,
    col: &Column,
    kind: &Kind,
    event_date: bool,
    event_col: bool,
) -> (Option<String>, &'static str) {
    let key = col.key.as_str();
    let camel = camel_case(&col.name);
    let events = matches!(call, CallKind::Track | CallKind::Page | CallKind::Screen);
    // Where a person's trait goes in this call.
    let trait_path = |t: &str| match call {
        CallKind::Identify | CallKind::Group => format!("traits.{t}"),
        CallKind::Object => object_property(&t.replace('.', "_")),
        _ => format!("context.traits.{t}"),
    };
    // Where any other column goes.
    let no_place = "alias calls carry only previousId and userId: left out";
    if call == CallKind::Object && key == "id" {
        return (Some("id".into()), "");
    }
    if call != CallKind::Object {
        if USER_ID.contains(&key) {
            return (Some("userId".into()), "");
        }
        if ANONYMOUS_ID.contains(&key) {
            return (Some("anonymousId".into()), "");
        }
    }
    if event_col && call == CallKind::Track {
        return (Some("event".into()), "");
    }
    match call {
        CallKind::Group if matches!(key, "groupid" | "companyid" | "organizationid" | "orgid") => {
            return (Some("groupId".into()), "")
        }
        CallKind::Alias if matches!(key, "previousid" | "oldid" | "previoususerid") => {
            return (Some("previousId".into()), "")
        }
        CallKind::Page | CallKind::Screen
            if matches!(
                key,
                "name" | "pagename" | "screenname" | "title" | "pagetitle"
            ) =>
        {
            return (Some("name".into()), "")
        }
        _ => {}
    }
    if is_date(kind) {
        if event_date {
            return (Some("timestamp".into()), "");
        }
        if CREATED.contains(&key) && call != CallKind::Alias {
            return (Some(trait_path("createdAt")), "");
        }
    }
    if EMAIL.contains(&key) || (*kind == Kind::Email && key.contains("email")) {
        return match call {
            CallKind::Alias => (None, no_place),
            _ => (Some(trait_path("email")), ""),
        };
    }
    if let Some((_, t)) = PERSON.iter().find(|(k, _)| *k == key) {
        if call != CallKind::Alias {
            return (Some(trait_path(t)), "");
        }
    }
    if events && key == "url" && call == CallKind::Page {
        return (Some("properties.url".into()), "");
    }
    (other_place(call, &camel), no_place)
}

/// The places in the payload the draft's targets take, as the engine places them for the call
/// (`traits.email` in a track file is `context.traits.email`), so that no two targets collide
/// and none lies inside another; each check costs a look-up per step of the target's path,
/// whatever the number of columns.
struct Taken {
    call: CallKind,
    /// Every taken place, as its display path (`properties.products[0].sku`).
    places: HashSet<String>,
    /// Every step on the way to a taken place (`properties`, `properties.products`), and
    /// whether it holds an array (`[0]` next) or an object.
    steps: HashMap<String, bool>,
    /// Per target, the number [`Taken::unique`] tries next: the ones before it are taken.
    next: HashMap<String, usize>,
}

impl Taken {
    fn new(call: CallKind) -> Taken {
        Taken {
            call,
            places: HashSet::new(),
            steps: HashMap::new(),
            next: HashMap::new(),
        }
    }

    /// Where the engine puts `target` in this call, or `None` when its header rules refuse it
    /// (`properties.constructor`, `context.library`, `traits.x` in an object file…).
    fn place(&self, target: &str) -> Option<Vec<Seg>> {
        let c = column::parse(target).ok()?;
        spec::place(self.call, &c, Typing::Infer)
            .ok()
            .map(|p| p.dest)
    }

    /// The steps of `dest`, each with the display path up to it and whether an index follows.
    fn steps(dest: &[Seg]) -> (Vec<(String, bool)>, String) {
        let mut at = String::new();
        let mut steps = Vec::with_capacity(dest.len());
        for (k, seg) in dest.iter().enumerate() {
            if k > 0 {
                steps.push((at.clone(), matches!(seg, Seg::Index(_))));
            }
            match seg {
                Seg::Key(key) => {
                    if k > 0 {
                        at.push('.');
                    }
                    at.push_str(key);
                }
                Seg::Index(i) => {
                    at.push('[');
                    at.push_str(&i.to_string());
                    at.push(']');
                }
            }
        }
        (steps, at)
    }

    /// Whether `dest` is free, taken (it, or a place inside it), or blocked: a step on its way
    /// is a taken place, or holds an array where `dest` needs an object (or the other way).
    fn state(&self, dest: &[Seg]) -> Place {
        let (steps, full) = Taken::steps(dest);
        crate::map::probe::add(steps.len() + 2);
        let blocked = steps.iter().any(|(step, array)| {
            self.places.contains(step) || self.steps.get(step).is_some_and(|a| a != array)
        });
        if blocked {
            Place::Blocked
        } else if self.places.contains(&full) || self.steps.contains_key(&full) {
            Place::Taken
        } else {
            Place::Free
        }
    }

    fn free_place(&self, dest: &[Seg]) -> bool {
        self.state(dest) == Place::Free
    }

    /// Whether `target` is a place the engine takes and no other target has.
    fn is_free(&self, target: &str) -> bool {
        self.place(target).is_some_and(|d| self.free_place(&d))
    }

    /// Takes `target` when it is free.
    fn take(&mut self, target: &str) -> bool {
        let Some(dest) = self.place(target) else {
            return false;
        };
        if !self.free_place(&dest) {
            return false;
        }
        let (steps, full) = Taken::steps(&dest);
        crate::map::probe::add(steps.len() + 1);
        self.steps.extend(steps);
        self.places.insert(full);
        true
    }

    /// `target`, or with a number after it when another column has it already (`properties.plan2`);
    /// `None` when no number makes it a place the engine takes and no other target blocks.
    fn unique(&mut self, target: &str) -> Option<String> {
        let mut n = self.next.get(target).copied().unwrap_or(1);
        loop {
            let t = if n == 1 {
                target.to_string()
            } else {
                format!("{target}{n}")
            };
            n += 1;
            let Some(dest) = self.place(&t) else {
                // A number does not make a refused path one the engine takes.
                if n > 2 {
                    return None;
                }
                continue;
            };
            match self.state(&dest) {
                Place::Taken => continue,
                // A number changes only the last key: the step in the way stays.
                Place::Blocked => return None,
                Place::Free => {
                    self.take(&t);
                    self.next.insert(target.to_string(), n);
                    return Some(t);
                }
            }
        }
    }
}

/// Whether a place in the payload can be a target's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Free,
    /// Another target has it, or a place inside it.
    Taken,
    /// Another target's place, or a different kind of container, is on its way.
    Blocked,
}

/// The entry for a target of a column of `kind`, and the note on its type.
fn typed(target: String, kind: &Kind, name: &str) -> (Out, Option<(NoteKind, String)>) {
    let stamp_by_name = {
        let last = target.rsplit('.').next().unwrap_or(&target);
        last == "timestamp" || last == "createdAt"
    };
    let key: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let id_like = [
        "id",
        "number",
        "code",
        "zip",
        "postcode",
        "postalcode",
        "phone",
        "sku",
        "nr",
    ]
    .iter()
    .any(|s| key.ends_with(s));
    let fixed = matches!(
        target.as_str(),
        "userId" | "anonymousId" | "event" | "groupId" | "previousId" | "id" | "name"
    ) || target.starts_with("context.") && !target.starts_with("context.traits.");
    // Fields Segment takes as strings only: no type, whatever the values look like.
    let text_only = matches!(
        target.as_str(),
        "userId" | "anonymousId" | "event" | "groupId" | "previousId" | "name" | "category"
    );
    match kind {
        Kind::Formatted {
            format,
            ambiguous,
            unread,
        } if !text_only => {
            let note = match (ambiguous, unread) {
                (Some(other), _) => Some((
                    NoteKind::Ambiguous,
                    format!("'{name}': no sampled date has a day over 12, so day and month cannot be told apart: read as {format}; if the file is {other}, change \"format\""),
                )),
                (None, 0) => Some((
                    NoteKind::Guess,
                    format!("'{name}': dates read as {format} in UTC, since they carry no time zone; add \"timezone\" (like \"+01:00\") if they are local times"),
                )),
                (None, n) => Some((
                    NoteKind::Guess,
                    format!("'{name}': dates read as {format}, which {n} sampled value(s) do not fit: those rows will be rejected"),
                )),
            };
            let zone_free = !format.contains("%z") && !format.contains("%:z");
            let note = if zone_free || ambiguous.is_some() || *unread > 0 {
                note
            } else {
                None
            };
            (
                Out::Object(ColumnObject {
                    to: Field::Given(target),
                    ty: (!stamp_by_name).then_some(ColumnType::Timestamp).into(),
                    format: Field::Given(format.clone()),
                    timezone: None.into(),
                }),
                note,
            )
        }
        Kind::Iso | Kind::Unix if !stamp_by_name && !text_only => {
            (Out::To(format!("{target}:timestamp")), None)
        }
        Kind::Number if !fixed => (Out::To(format!("{target}:number")), None),
        Kind::YesNo if !fixed => (Out::To(format!("{target}:boolean")), None),
        Kind::Plain | Kind::Number if !fixed && id_like => {
            (Out::To(format!("{target}:string")), None)
        }
        _ => (Out::To(target), None),
    }
}

fn is_date(k: &Kind) -> bool {
    matches!(k, Kind::Iso | Kind::Formatted { .. } | Kind::Unix)
}

fn is_number(k: &Kind) -> bool {
    matches!(k, Kind::Plain | Kind::Number)
}

/// `Phone Number` → `phoneNumber`; `DOUBLE_OPT-IN` → `doubleOptIn`; nothing usable → `column`.
fn camel_case(name: &str) -> String {
    let words: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let all_upper = name
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_uppercase);
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        let w = if all_upper {
            w.to_lowercase()
        } else {
            w.to_string()
        };
        let mut chars = w.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.extend(first.to_lowercase());
            } else {
                out.extend(first.to_uppercase());
            }
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "column");
    }
    out
}

/// A glob for the file and its later exports: a trailing run of digits (a date, a counter)
/// becomes `*`; glob characters in the name match themselves through `?`.
fn pattern_for(base: &str) -> String {
    let lower = base.to_ascii_lowercase();
    let ext_len = [".csv.gz", ".tsv.gz", ".txt.gz", ".csv", ".tsv", ".txt"]
        .iter()
        .find(|e| lower.ends_with(*e))
        .map_or(0, |e| e.len());
    let (stem, ext) = base.split_at(base.len() - ext_len);
    let tail = stem
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b' '))
        .count();
    let run = &stem[stem.len() - tail..];
    let lead = run.bytes().take_while(|b| !b.is_ascii_digit()).count();
    let keep = stem.len() - tail + lead;
    let stem = if run.bytes().any(|b| b.is_ascii_digit()) && keep > 0 {
        format!("{}*", &stem[..keep])
    } else {
        stem.to_string()
    };
    // A `*` or `?` of the name itself stands for any text, which also fits the name.
    let pattern = format!("{stem}{ext}");
    if glob_matches(&pattern, base) {
        pattern
    } else {
        base.to_string()
    }
}

/// The decimal mark a number value shows, when only one of `.` and `,` reads it.
fn decimal_mark(v: &str) -> Option<u8> {
    let body = v.strip_prefix(['-', '+']).unwrap_or(v);
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return None;
    }
    let last = body.bytes().rposition(|b| b == b'.' || b == b',')?;
    let mark = body.as_bytes()[last];
    let digits_after = body.len() - last - 1;
    let other = if mark == b'.' { b',' } else { b'.' };
    if body.bytes().filter(|&b| b == mark).count() > 1 {
        // `1.234.567`: a thousands separator, so the other is the decimal mark.
        return Some(other);
    }
    if body[..last].contains(char::from(other)) || digits_after != 3 {
        return Some(mark);
    }
    None
}

/// What a single value (a header cell) reads as, for telling names from values.
fn value_kind(t: &str) -> Kind {
    let b = t.as_bytes();
    if is_email(t) {
        Kind::Email
    } else if t.starts_with("http://") || t.starts_with("https://") {
        Kind::Url
    } else if timestamp::parse(t).is_ok()
        || t.bytes().all(|c| {
            c.is_ascii_digit() || matches!(c, b'.' | b',' | b'-' | b'+' | b'/' | b':' | b' ')
        }) && b.iter().any(u8::is_ascii_digit)
    {
        Kind::Plain
    } else if matches!(t.to_ascii_lowercase().as_str(), "true" | "false") {
        Kind::YesNo
    } else {
        Kind::Text
    }
}

fn is_email(t: &str) -> bool {
    match t.split_once('@') {
        Some((user, host)) => {
            !user.is_empty()
                && host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
                && !t.contains(char::is_whitespace)
                && !host.contains('@')
        }
        None => false,
    }
}

/// Whether every value converts with `conv` as a run would.
fn all_convert(values: &[String], conv: Conv) -> bool {
    let mut out = Vec::new();
    values.iter().all(|v| {
        out.clear();
        conv.write(v.as_bytes(), false, &mut out).is_ok()
    })
}

/// What a column's sampled values read as.
fn column_kind(
    c: &Column,
    comma: bool,
    rows: usize,
    has_header: bool,
    candidates: &[Candidate],
) -> Kind {
    let v = &c.values;
    if v.is_empty() {
        return if rows == 0 { Kind::Text } else { Kind::Empty };
    }
    if v.iter().all(|x| is_email(x)) {
        return Kind::Email;
    }
    if v.iter()
        .all(|x| x.starts_with("http://") || x.starts_with("https://"))
    {
        return Kind::Url;
    }
    let digits_only = v
        .iter()
        .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()));
    let named_time = ["time", "date", "at", "timestamp", "ts"]
        .iter()
        .any(|s| c.key.ends_with(s));
    if digits_only && (named_time || !has_header) && v.iter().all(|x| unix_like(x)) {
        return Kind::Unix;
    }
    // The engine's own date forms start `YYYY-`; `0.00` would read as Unix seconds.
    if v.iter()
        .all(|x| x.as_bytes().get(4) == Some(&b'-') && timestamp::parse(x).is_ok())
    {
        return Kind::Iso;
    }
    if let Some(k) = formatted(v, candidates) {
        return k;
    }
    if v.iter().all(|x| cell_plain(x.as_bytes(), comma)) {
        return Kind::Plain;
    }
    let number = if comma {
        Conv::NumberComma
    } else {
        Conv::Number
    };
    if all_convert(v, number) {
        return Kind::Number;
    }
    if v.iter().all(|x| {
        matches!(
            x.to_ascii_lowercase().as_str(),
            "yes" | "no" | "true" | "false"
        )
    }) && v
        .iter()
        .any(|x| matches!(x.to_ascii_lowercase().as_str(), "yes" | "no"))
    {
        return Kind::YesNo;
    }
    Kind::Text
}

/// A value that inference sends as a number or boolean, as it stands.
fn cell_plain(b: &[u8], comma: bool) -> bool {
    let conv = if comma { Conv::AutoComma } else { Conv::Auto };
    let mut out = Vec::new();
    conv.write(b, false, &mut out).is_ok() && out.first() != Some(&b'"')
}

/// Unix seconds (10 digits) or milliseconds (13) from 2001 to 2286.
fn unix_like(x: &str) -> bool {
    (x.len() == 10 || x.len() == 13) && !x.starts_with('0')
}

/// The date format that reads the most values, when one reads most of them.
fn formatted(values: &[String], candidates: &[Candidate]) -> Option<Kind> {
    // Dates start with a digit and hold a separator.
    if !values
        .iter()
        .all(|v| v.starts_with(|c: char| c.is_ascii_digit()) && v.contains(['/', '.', '-']))
    {
        return None;
    }
    let mut out = Vec::new();
    let mut best: Option<(usize, &Candidate)> = None;
    let mut counts = Vec::with_capacity(candidates.len());
    for c in candidates {
        // Only the formats that read one of the first values are worth counting.
        let reads = |v: &String, out: &mut Vec<u8>| {
            out.clear();
            c.format.write(v.as_bytes(), out).is_ok()
        };
        if !values.iter().take(3).any(|v| reads(v, &mut out)) {
            counts.push(0);
            continue;
        }
        let n = values
            .iter()
            .filter(|v| {
                out.clear();
                c.format.write(v.as_bytes(), &mut out).is_ok()
            })
            .count();
        counts.push(n);
        if n > 0 && best.map_or(true, |(b, _)| n > b) {
            best = Some((n, c));
        }
    }
    let (mut n, mut c) = best?;
    // A 12-hour clock is the US's, which writes the month first: values that read only day
    // first are then bad dates, when the month-first twin reads most of them.
    if c.order == Order::DayFirst && c.pattern.contains("%p") {
        let twin = swap_order(&c.pattern);
        if let Some((o, &m)) = candidates
            .iter()
            .zip(&counts)
            .find(|(o, _)| o.pattern == twin)
        {
            if m * 2 > values.len() {
                (n, c) = (m, o);
            }
        }
    }
    // Most of the values, or it is not a date column.
    if n * 2 <= values.len() {
        return None;
    }
    let ambiguous = if c.order == Order::Fixed {
        None
    } else {
        let twin = swap_order(&c.pattern);
        candidates
            .iter()
            .zip(&counts)
            .find(|(o, &m)| o.pattern == twin && m == n)
            .map(|(o, _)| o.pattern.clone())
    };
    Some(Kind::Formatted {
        format: c.pattern.clone(),
        ambiguous,
        unread: values.len() - n,
    })
}

/// The pattern with day and month swapped.
fn swap_order(p: &str) -> String {
    p.replace("%m", "\u{0}")
        .replace("%d", "%m")
        .replace('\u{0}', "%d")
}

/// The date formats a draft tries, month-first before day-first for `/` (as US exports write
/// them), day-first first for `.` and `-` (as European ones do).
fn candidates() -> Vec<Candidate> {
    let mut list = Vec::new();
    let times = [
        "",
        " %H:%M",
        " %H:%M:%S",
        " %H:%M:%S%.f",
        " %I:%M %p",
        " %I:%M:%S %p",
    ];
    let zones = ["", " %z"];
    let dates: [(&str, Order); 8] = [
        ("%Y-%m-%d", Order::Fixed),
        ("%Y/%m/%d", Order::Fixed),
        ("%m/%d/%Y", Order::MonthFirst),
        ("%d/%m/%Y", Order::DayFirst),
        ("%d.%m.%Y", Order::DayFirst),
        ("%m.%d.%Y", Order::MonthFirst),
        ("%d-%m-%Y", Order::DayFirst),
        ("%m-%d-%Y", Order::MonthFirst),
    ];
    for (d, order) in dates {
        for y in ["%Y", "%y"] {
            if y == "%y" && d.starts_with("%Y") {
                continue;
            }
            let d = d.replace("%Y", y);
            for t in times {
                for z in zones {
                    let pattern = format!("{d}{t}{z}");
                    if let Ok(format) = DateFormat::new(&pattern, None) {
                        list.push(Candidate {
                            pattern,
                            format,
                            order,
                        });
                    }
                }
            }
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::{camel_case, decimal_mark, draft, pattern_for, ColumnExample};

    /// Short names, in base 36: `f0`, `f1`, … `fzz`.
    fn b36(mut i: usize) -> String {
        let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut s = Vec::new();
        loop {
            s.push(digits[i % 36]);
            i /= 36;
            if i == 0 {
                break;
            }
        }
        s.reverse();
        String::from_utf8(s).unwrap_or_default()
    }

    /// A header of `n` distinct names, in turns of 8: names of their own (`f1a`), names that all
    /// draft to the same target (`a!!!`, `a!!#`…: `properties.a`, `properties.a2`…, slots 1 and
    /// 3), and a name in header syntax (`traits.1a`, slot 5).
    fn wide_header(n: usize) -> Vec<String> {
        let punct: Vec<char> = "!#$%&'()*+-/;<=>?@^_`{|}~".chars().collect();
        let p = punct.len();
        let mut same = 0;
        (0..n)
            .map(|i| match i % 8 {
                0 | 2 | 4 | 6 | 7 => format!("f{}", b36(i)),
                1 | 3 => {
                    same += 1;
                    let k = same - 1;
                    format!(
                        "a{}{}{}",
                        punct[k / p / p % p],
                        punct[k / p % p],
                        punct[k % p]
                    )
                }
                _ => format!("traits.{}", b36(i)),
            })
            .collect()
    }

    #[test]
    fn the_draft_of_10000_columns_looks_up_each_target_a_bounded_number_of_times() {
        const COLUMNS: usize = 10_000;
        let header = wide_header(COLUMNS);
        let csv = format!("{}\n", header.join(","));
        assert!(csv.len() < super::DRAFT_SAMPLE_BYTES, "{}", csv.len());
        crate::map::probe::take();
        let d = draft("track_wide.csv", csv.as_bytes(), true).expect("a draft");
        let work = crate::map::probe::take();
        // Each column: its name once, then a few look-ups per step of its target's path (paths
        // of 2 or 3 steps): so many per column on 10 columns or on 10,000.
        assert!(
            work <= 14 * COLUMNS,
            "{work} look-ups for {COLUMNS} columns"
        );
        let rule: serde_json::Value = serde_json::from_str(&d.rule).expect("JSON");
        let columns = rule["columns"].as_object().expect("columns");
        assert_eq!(columns.len(), COLUMNS);
        let mut same = 0;
        for (i, name) in header.iter().enumerate() {
            let want: serde_json::Value = match i % 8 {
                0 | 2 | 4 | 6 | 7 => format!("properties.{name}").into(),
                5 => name.clone().into(),
                _ => {
                    same += 1;
                    match same {
                        1 => "properties.a".to_string().into(),
                        k => format!("properties.a{k}").into(),
                    }
                }
            };
            assert_eq!(columns[name], want, "{name}");
        }
        assert_eq!(same, COLUMNS / 4);
    }

    #[test]
    fn examples_are_each_columns_first_filled_value_in_file_order() {
        let csv = b"Email;Datum;Leer;Betrag\n;05.03.2024 14:30;;12,50\nada@example.com; 06.03.2024 09:00 ;;3,00\n";
        let d = draft("Bestellungen.csv", csv, true).expect("a draft");
        let ex = |column: &str, value: Option<&str>| ColumnExample {
            column: column.into(),
            value: value.map(str::to_string),
        };
        assert_eq!(
            d.examples,
            [
                ex("Email", Some("ada@example.com")),
                ex("Datum", Some("05.03.2024 14:30")),
                ex("Leer", None),
                ex("Betrag", Some("12,50")),
            ]
        );
        let headless = draft("x.csv", b"1,2024-03-05\n", true).expect("a draft");
        assert_eq!(
            headless.examples,
            [ex("column1", Some("1")), ex("column2", Some("2024-03-05"))]
        );
    }

    #[test]
    fn names_and_patterns() {
        assert_eq!(camel_case("Phone Number"), "phoneNumber");
        assert_eq!(camel_case("DOUBLE_OPT-IN"), "doubleOptIn");
        assert_eq!(camel_case("Created (UTC)"), "createdUTC");
        assert_eq!(camel_case("###"), "column");
        assert_eq!(camel_case("2nd"), "column2nd");
        assert_eq!(
            pattern_for("hubspot-crm-exports-all-contacts-2024-03-05.csv"),
            "hubspot-crm-exports-all-contacts-*.csv"
        );
        assert_eq!(pattern_for("orders_export_1.csv"), "orders_export_*.csv");
        assert_eq!(pattern_for("Q1 Signups.csv"), "Q1 Signups.csv");
        assert_eq!(pattern_for("2024.csv"), "2024.csv");
        assert_eq!(pattern_for("a?b.csv"), "a?b.csv");
    }

    #[test]
    fn decimal_marks() {
        assert_eq!(decimal_mark("12,50"), Some(b','));
        assert_eq!(decimal_mark("1.234,50"), Some(b','));
        assert_eq!(decimal_mark("1,234.50"), Some(b'.'));
        assert_eq!(decimal_mark("1,234"), None);
        assert_eq!(decimal_mark("19.99"), Some(b'.'));
        assert_eq!(decimal_mark("42"), None);
        assert_eq!(decimal_mark("1.234.567"), Some(b','));
    }
}
