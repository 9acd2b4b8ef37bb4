//! The last question of a draft: where each column goes in the call (a Segment field, a trait
//! or a property), with its type and date format, and what the call still lacks (an id, the
//! event), left as blanks for a person to fill in.

use std::collections::HashMap;

use super::call::Call;
use super::profile::{is_date, Column, Kind, Profile};
use super::rule_out::Out;
use super::taken::Taken;
use super::vocabulary::{ANONYMOUS_ID, CREATED, EMAIL, EVENT_TIME, PERSON, USER_ID};
use super::{NoteKind, Notes};
use crate::map::file_name::CallKind;
use crate::map::mapping::{quoted_key, BLANK_PREFIX};

/// Each column's name and where it goes, in file order, and the values every row gets.
pub(super) struct Targets {
    pub columns: Vec<(String, Out)>,
    pub set: Vec<(String, String)>,
}

/// The targets of the profiled columns in the call.
pub(super) fn targets(profile: &Profile, call: &Call, notes: &mut Notes) -> Targets {
    let (columns, kinds) = (&profile.columns, &profile.kinds);
    let event_col = call.event_column;
    let call = call.kind;
    // Targets.
    let mut taken = Taken::new(call);
    let mut outs: Vec<(String, Out)> = Vec::new();
    // Each name (trimmed) and its place in `outs`.
    let mut seen_names: HashMap<String, usize> = HashMap::new();
    let dates: Vec<usize> = (0..columns.len()).filter(|&i| is_date(&kinds[i])).collect();
    let events = matches!(call, CallKind::Track | CallKind::Page | CallKind::Screen);
    let mut event_date = if events {
        pick_event_date(columns, &dates)
    } else {
        None
    };
    // Several dates, none named as the event's time: the first, as a guess.
    if let (true, None, Some(&first)) = (events, event_date, dates.first()) {
        event_date = Some(first);
        let name = columns[first].name.trim().to_string();
        notes.note(
            NoteKind::Guess,
            format!("columns{}", quoted_key(&name)),
            Some(&name),
            format!("the file has {} date columns and none is named as the event's time: '{name}', the first, is taken as the timestamp; give another the target timestamp if it is the one", dates.len()),
        );
    }
    for (i, col) in columns.iter().enumerate() {
        let name = col.name.trim().to_string();
        let path = format!("columns{}", quoted_key(&name));
        crate::map::probe::add(1);
        if name.is_empty() {
            // A column with no name (a trailing comma in the header): one `"": null` leaves
            // out every such column, as the engine matches names trimmed.
            if seen_names.insert(name.clone(), outs.len()).is_none() {
                outs.push((name, Out::Drop));
                notes.note(
                    NoteKind::Dropped,
                    path,
                    None,
                    format!("column {} has no name in the header: left out (null), with any other column without one; name it in the file to send it", i + 1),
                );
            }
            continue;
        }
        if let Some(&first) = seen_names.get(&name) {
            // The same name twice: one entry names both, so both are left out.
            outs[first].1 = Out::Drop;
            notes.note(
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
            notes.note(
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
            notes.note(
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
            notes.note(
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
                Out::Date { .. } => format!("{path}.format"),
                _ => path.clone(),
            };
            notes.note(k, p, Some(&name), m);
        }
        outs.push((name, out));
    }
    // What the call needs, from where the columns went (a column left out fills nothing).
    let (mut has_id, mut has_event, mut has_group, mut has_previous) = (false, false, false, false);
    for (_, out) in &outs {
        let to = match out {
            Out::Drop => continue,
            Out::To(t) => t.split(':').next().unwrap_or(t).trim(),
            Out::Date { to, .. } => to.as_str(),
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
            notes.note(
                NoteKind::Guess,
                format!("columns{}", quoted_key(&name)),
                Some(&name),
                format!("no column is named like a user id: '{name}' is taken as the userId; if it is not the id your other tools know the person by, map that column to userId (an email column can be the userId)"),
            );
        }
    }

    // Blanks and missing columns.
    let mut set: Vec<(String, String)> = Vec::new();
    if call == CallKind::Track && !has_event {
        set.push((
            "event".into(),
            format!("{BLANK_PREFIX} the event name every row is, like Order Completed>"),
        ));
        notes.note(
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
        notes.note(NoteKind::Blank, "columns".into(), None, m.into());
    }
    Targets { columns: outs, set }
}

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
                Out::Date {
                    to: target,
                    typed: !stamp_by_name,
                    format: format.clone(),
                },
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

/// `Phone Number` → `phoneNumber`; `DOUBLE_OPT-IN` → `doubleOptIn`; nothing usable → `column`.
pub(super) fn camel_case(name: &str) -> String {
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
