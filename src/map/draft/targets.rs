//! The last question of a draft: where each column goes in the call (a Segment field, a trait
//! or a property), with its type and date format, and what the call still lacks (an id, the
//! event), left as blanks for a person to fill in.

use std::collections::HashMap;

use super::call::{event_vocabulary, Call};
use super::group::{Group, SpecField};
use super::identity::Role;
use super::profile::{is_date, is_number, Column, Hint, Kind, Profile};
use super::rule_out::Out;
use super::taken::{header_syntax, Taken};
use super::vocabulary::{
    CREATED, EMAIL, EVENT_TIME, EVENT_TIME_PARTS, NOT_EVENT_TIME_PARTS, PERSON, SPEC_EVENTS,
};
use super::when::Join;
use super::{NoteKind, Notes};
use crate::map::file_name::CallKind;
use crate::map::mapping::{quoted_key, BLANK_PREFIX};

/// Each column's name and where it goes, in file order, and the values every row gets.
pub(super) struct Targets {
    pub columns: Vec<(String, Out)>,
    pub set: Vec<(String, String)>,
}

/// The targets of the profiled columns in the call, the ids where `roles` puts them; of an
/// orders export's `line_items`, the names Segment's e-commerce spec gives them.
pub(super) fn targets(
    profile: &Profile,
    call: &Call,
    roles: &[Option<Role>],
    joins: &[Join],
    line_items: Option<&Group>,
    notes: &mut Notes,
) -> Targets {
    let (columns, kinds) = (&profile.columns, &profile.kinds);
    let event_col = call.event_column;
    let row_word = call.row_word.as_ref();
    let call = call.kind;
    // Targets.
    let mut taken = Taken::new(call);
    let mut outs: Vec<(String, Out)> = Vec::new();
    // Each name (trimmed) and its place in `outs`.
    let mut seen_names: HashMap<String, usize> = HashMap::new();
    let dates: Vec<usize> = (0..columns.len()).filter(|&i| is_date(&kinds[i])).collect();
    let events = matches!(call, CallKind::Track | CallKind::Page | CallKind::Screen);
    let event_date = if events {
        pick_event_date(columns, &dates, notes)
    } else {
        None
    };
    for (i, col) in columns.iter().enumerate() {
        let name = col.name.trim().to_string();
        let path = format!("columns{}", quoted_key(&name));
        crate::map::probe::add(1);
        // A time or zone joined to its date goes with it, not on its own.
        if joins.iter().any(|j| j.with.contains(&i)) {
            continue;
        }
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
        // An orders export's column the spec names (the order's number, its total, an item's
        // sku), unless it is the person, the time or the event.
        let spec = line_items
            .filter(|_| roles[i].is_none() && Some(i) != event_date && Some(i) != event_col)
            .and_then(|g| g.field(i, col))
            .and_then(|s| take_spec(&mut taken, s, col));
        let (target, mut why) = match &spec {
            Some(s) => (Some(s.target.clone()), ""),
            None => target_for(
                call,
                col,
                kind,
                roles[i],
                Some(i) == event_date,
                Some(i) == event_col,
            ),
        };
        // A second column for one of the spec's single fields (two user ids) goes where any
        // other column goes.
        let target = match target {
            Some(t) if spec.is_some() => Some(t),
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
            Some(t) if spec.is_some() => Some(t),
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
        let (mut out, suffix_note) = match event_vocabulary(&col.values) {
            Some((spec, verbs)) if target == "event" => {
                let mut seen: Vec<&str> = Vec::new();
                for v in &col.values {
                    if !seen.contains(&v.as_str()) {
                        seen.push(v);
                    }
                }
                let table: Vec<String> = verbs
                    .iter()
                    .map(|(verb, event)| format!("{verb} → {event}"))
                    .collect();
                let note = format!("'{name}': its values ({}) are the verbs of an {spec} event log: each is sent as the event Segment's {spec} spec names, by the column's \"values\" table ({}); edit the table to send other names. A value the table does not list is sent as written; add \"unlisted\": \"reject\" to reject its row instead", seen.join(", "), table.join(", "));
                let out = Out::Values {
                    to: target,
                    values: verbs
                        .iter()
                        .map(|(verb, event)| (verb.to_string(), event.to_string()))
                        .collect(),
                };
                (out, Some((NoteKind::Guess, note)))
            }
            // The spec's numbers (a total, a price, a quantity) typed as numbers.
            _ if spec.as_ref().is_some_and(|s| s.number) && is_number(kind) => {
                (Out::To(format!("{target}:number")), None)
            }
            _ => typed(target, kind, &name, &col.values),
        };
        if let (Out::Date { with, .. }, Some(j)) = (&mut out, joins.iter().find(|j| j.date == i)) {
            with.extend(j.with.iter().map(|&w| columns[w].name.trim().to_string()));
        }
        if let Some((k, m)) = suffix_note {
            let p = match &out {
                Out::Date { .. } => format!("{path}.format"),
                Out::Values { .. } => format!("{path}.values"),
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
            Out::Date { to, .. } | Out::Values { to, .. } => to.as_str(),
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

    // Blanks and missing columns.
    let mut set: Vec<(String, String)> = Vec::new();
    if call == CallKind::Track && !has_event && line_items.is_some() {
        set.push(("event".into(), ORDER_COMPLETED.into()));
        notes.note(
            NoteKind::Guess,
            format!("set{}", quoted_key("event")),
            None,
            format!("each order is sent as the event \"{ORDER_COMPLETED}\", the name Segment's e-commerce spec gives an order a customer completed, with its columns under the spec's names (order_id, total, revenue, products[] …); change \"event\" in \"set\" if the file's orders are not completed ones (a refunds or drafts export)"),
        );
    } else if call == CallKind::Track && !has_event {
        // Segment's spec names the event of some files by what their rows are.
        let spec_event = row_word
            .and_then(|w| {
                SPEC_EVENTS
                    .iter()
                    .find(|(word, _, _)| *word == w.word)
                    .map(|e| (w, e))
            })
            .map(|(w, (_, event, spec))| {
                format!(
                    "; the file name says {}, which Segment's {spec} spec calls \"{event}\"",
                    w.written
                )
            })
            .unwrap_or_default();
        set.push((
            "event".into(),
            format!("{BLANK_PREFIX} the event name every row is, like Order Completed>"),
        ));
        notes.note(
            NoteKind::Blank,
            format!("set{}", quoted_key("event")),
            None,
            format!("no column names the event: write the event every row of this file is (like \"Order Completed\") in \"set\": {{\"event\": …}}; until then the mapping is refused{spec_event}"),
        );
    }
    let mut missing = Vec::new();
    match call {
        CallKind::Identify
        | CallKind::Track
        | CallKind::Page
        | CallKind::Screen
        | CallKind::Group
            if !has_id =>
        {
            missing.push("no column looks like a user id: give one column the target userId (or anonymousId); until then the file is refused");
        }
        _ => {}
    }
    match call {
        CallKind::Group if !has_group => {
            missing.push("no column looks like a group id: give one column the target groupId; until then the file is refused");
        }
        CallKind::Alias if !(has_previous && has_id) => {
            missing.push("an alias needs a previousId and a userId column: give the two columns those targets; until then the file is refused");
        }
        CallKind::Object if !has_id => {
            missing.push("no column looks like the object's id: give one column the target id; until then the file is refused");
        }
        _ => {}
    }
    for m in missing {
        notes.note(NoteKind::Blank, "columns".into(), None, m.into());
    }
    Targets { columns: outs, set }
}

/// The event an order is in Segment's e-commerce spec.
const ORDER_COMPLETED: &str = "Order Completed";

/// Takes the spec's place for a column of an orders export, when no other column has it: an
/// item's field in its place in the first product (`[0]` for `[]`), as the engine would put
/// the first item's; an item's column whose field is taken keeps to the products under its own
/// name. `None`: the column goes where any other column goes.
fn take_spec(taken: &mut Taken, spec: SpecField, col: &Column) -> Option<SpecField> {
    let first = |t: &str| t.replacen("[]", "[0]", 1);
    if taken.take(&first(&spec.target)) {
        return Some(spec);
    }
    if !spec.item() {
        return None;
    }
    taken
        .unique(&first(&Group::own_item_field(col)))
        .map(|t| SpecField {
            target: t.replacen("[0]", "[]", 1),
            number: false,
        })
}

/// The date column that is an event's timestamp, said when it is a guess: the file's one date,
/// else the one named as the event's time (`created_at`, `Order Date`, `time`), else the first
/// that is no record's later change, birthday or deadline. A connector's sync time
/// (`_fivetran_synced`, `_modified`) is never the event's.
fn pick_event_date(columns: &[Column], dates: &[usize], notes: &mut Notes) -> Option<usize> {
    let connector = |i: &usize| {
        let n = columns[*i].name.trim();
        n.starts_with('_') || columns[*i].key.contains("synced")
    };
    let candidates: Vec<usize> = dates.iter().copied().filter(|i| !connector(i)).collect();
    let not_event = |i: &usize| {
        NOT_EVENT_TIME_PARTS
            .iter()
            .any(|p| columns[*i].key.contains(p))
    };
    let named = || {
        EVENT_TIME
            .iter()
            .find_map(|n| candidates.iter().copied().find(|&i| columns[i].key == *n))
            .or_else(|| {
                EVENT_TIME_PARTS.iter().find_map(|p| {
                    candidates
                        .iter()
                        .copied()
                        .find(|i| columns[*i].key.contains(p) && !not_event(i))
                })
            })
    };
    let say = |i: usize, message: String, notes: &mut Notes| {
        let name = columns[i].name.trim().to_string();
        notes.note(
            NoteKind::Guess,
            format!("columns{}", quoted_key(&name)),
            Some(&name),
            message,
        );
    };
    match candidates[..] {
        [] => {
            if let Some(&first) = dates.first() {
                let names: Vec<String> = dates
                    .iter()
                    .map(|&i| format!("'{}'", columns[i].name.trim()))
                    .collect();
                say(first, format!("the file's only dates ({}) are when a connector copied the rows, not when their events happened: no timestamp is drafted, so Segment stamps each event with the time it arrives; give the event's time column the target timestamp if the file has one", names.join(", ")), notes);
            }
            None
        }
        [one] => Some(one),
        _ => named().or_else(|| {
            let first = candidates
                .iter()
                .copied()
                .find(|i| !not_event(i))
                .unwrap_or(candidates[0]);
            let name = columns[first].name.trim().to_string();
            say(first, format!("the file has {} date columns and none is named as the event's time: '{name}', the first, is taken as the timestamp; give another the target timestamp if it is the one", candidates.len()), notes);
            Some(first)
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
    role: Option<Role>,
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
    match role {
        Some(Role::User) => return (Some("userId".into()), ""),
        Some(Role::Anonymous) => return (Some("anonymousId".into()), ""),
        Some(Role::Group) => return (Some("groupId".into()), ""),
        Some(Role::ContextGroup) => return (Some("context.groupId".into()), ""),
        None => {}
    }
    if event_col && call == CallKind::Track {
        return (Some("event".into()), "");
    }
    match call {
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
    if matches!(key, "ip" | "ipaddress") && call != CallKind::Alias && call != CallKind::Object {
        // The address the row came from, where Segment's spec keeps it.
        return (Some("context.ip".into()), "");
    }
    if events && key == "url" && call == CallKind::Page {
        return (Some("properties.url".into()), "");
    }
    (other_place(call, &camel), no_place)
}

/// The entry for a target of a column of `kind`, and the note on its type.
fn typed(
    target: String,
    kind: &Kind,
    name: &str,
    values: &[String],
) -> (Out, Option<(NoteKind, String)>) {
    let digits_only = values.iter().all(|v| {
        v.strip_prefix('-')
            .unwrap_or(v)
            .bytes()
            .all(|b| b.is_ascii_digit())
    });
    let stamp_by_name = {
        let last = target.rsplit('.').next().unwrap_or(&target);
        last == "timestamp" || last == "createdAt"
    };
    let key: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    // `id` as a word of its own (`user_id`, `Customer ID`, `customerId`, `OWNERID`), not the end
    // of one (`Total Paid`).
    let id_word = {
        let n = name.trim_end();
        let cut = n.len().saturating_sub(2);
        n.get(cut..).is_some_and(|t| t.eq_ignore_ascii_case("id"))
            && (n[cut..].starts_with('I')
                || n[..cut]
                    .chars()
                    .next_back()
                    .map_or(true, |c| !c.is_alphanumeric()))
    };
    let id_like = id_word
        || [
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
            hint,
        } if !text_only => {
            let note = match (ambiguous, unread, hint) {
                (Some(other), _, Some(Hint::European(signs))) => Some((
                    NoteKind::Guess,
                    format!("'{name}': no sampled date has a day over 12; read as {format}, day first, since the file looks European ({signs}); if the file is {other}, change \"format\""),
                )),
                (Some(other), n, Some(Hint::UsClock)) => Some((
                    NoteKind::Ambiguous,
                    format!("'{name}': read as {format}, month first as a 12-hour clock is the US's, but {n} sampled value(s) read only as {other}, day first: with {format} those rows will be rejected; if the file is {other}, change \"format\""),
                )),
                (Some(other), _, _) => Some((
                    NoteKind::Ambiguous,
                    format!("'{name}': no sampled date has a day over 12, so day and month cannot be told apart: read as {format}; if the file is {other}, change \"format\""),
                )),
                (None, 0, _) => Some((
                    NoteKind::Guess,
                    format!("'{name}': dates read as {format} in UTC, since they carry no time zone; add \"timezone\" (like \"+01:00\") if they are local times"),
                )),
                (None, n, _) => Some((
                    NoteKind::Guess,
                    format!("'{name}': dates read as {format}, which {n} sampled value(s) do not fit: those rows will be rejected"),
                )),
            };
            let zone_free =
                !format.contains("%z") && !format.contains("%:z") && !format.contains("%Z");
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
                    with: Vec::new(),
                },
                note,
            )
        }
        Kind::Mixed {
            dates: 0,
            numbers,
            texts,
            example,
        } if !fixed => (
            Out::To(format!("{target}:string")),
            Some((
                NoteKind::Guess,
                format!("'{name}' holds {numbers} number cell(s) and {texts} text cell(s) (like '{example}'): drafted as :string, so every value is sent as a string, as one property should be; remove \":string\" to send each as its cell holds it"),
            )),
        ),
        Kind::Mixed {
            dates,
            numbers,
            texts,
            example,
        } if *dates > 0 => (
            Out::To(target),
            Some((
                NoteKind::Guess,
                if *numbers > 0 {
                    format!("'{name}' holds {dates} date cell(s) and {} cell(s) that are not dates (like '{example}'): each is sent as its cell holds it, the dates as ISO-8601 and the numbers as numbers; if the numbers are dates too (a number is a date's serial when its cell has no date format), give their cells a date format in the workbook", numbers + texts)
                } else {
                    format!("'{name}' holds {dates} date cell(s) and {texts} text cell(s) (like '{example}'): each is sent as its cell holds it, the dates as ISO-8601 and the text as it is; it has no type, since a timestamp type would reject the rows of the text cells")
                },
            )),
        ),
        Kind::Iso | Kind::Unix if !stamp_by_name && !text_only => {
            (Out::To(format!("{target}:timestamp")), None)
        }
        // An id of digits only stays text, however long (`2394198259925614643` is past 2^53).
        Kind::Number if !fixed && id_like && digits_only => {
            (Out::To(format!("{target}:string")), None)
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
