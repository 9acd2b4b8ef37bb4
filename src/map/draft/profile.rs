//! The second question of a draft: what each column's sampled values are (text, emails,
//! numbers, dates in which format), read with the engine's own cell conversions and
//! [`DateFormat`](crate::map::date_format::DateFormat) and its [`candidates`], so a type the draft proposes is one a run reads.

use super::ColumnExample;
use crate::base::out::Out;
use crate::map::cell::Conv;
use crate::map::date_format::{candidates, is_zone_name, time_format, Candidate, Order};
use crate::map::timestamp;
use crate::read::records::CellKind;

/// The file's columns, what their values are, and the decimal mark of its numbers.
pub(super) struct Profile {
    pub columns: Vec<Column>,
    /// One per column.
    pub kinds: Vec<Kind>,
    pub decimal_comma: bool,
    pub examples: Vec<ColumnExample>,
}

/// What the sampled values of a column are.
#[derive(Clone, Debug, Default)]
pub(super) struct Column {
    pub name: String,
    /// Its name, lowercase letters and digits only (`E-mail Address` → `emailaddress`).
    pub key: String,
    pub values: Vec<String>,
    /// The type each of `values` was stored in, for a workbook's cells (empty for a CSV's).
    pub cells: Vec<CellKind>,
}

/// What a column's values read as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Kind {
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
    /// Dates in a chrono format; `ambiguous` names the other order when the file's values do
    /// not settle it, and `hint` what the order was taken from then, if anything.
    Formatted {
        format: String,
        ambiguous: Option<String>,
        unread: usize,
        hint: Option<Hint>,
    },
    /// Unix seconds or milliseconds.
    Unix,
    /// Times of day alone (`07:45:51`, `3:29:44 AM PDT`) in a chrono format: the other part of
    /// a date column's value, when the draft can pair them.
    Time {
        format: String,
    },
    /// Time zone names (`PST`, `CET`, `Europe/Berlin`): the zone of a date and time beside
    /// it. `database`: names of the tz database, which a `%Z` does not read.
    Zone {
        database: bool,
    },
    /// A workbook's column whose cells were stored in more than one type: `dates`, `numbers`
    /// and `texts` of them (booleans count as numbers), and the first value of a cell that is
    /// not a date, for the note.
    Mixed {
        dates: usize,
        numbers: usize,
        texts: usize,
        example: String,
    },
}

/// What a date column's order was taken from when its values do not settle it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Hint {
    /// Day first, as the file looks European: its signs (`a ; delimiter, decimal commas`).
    European(String),
    /// Month first, as a 12-hour clock is the US's, although some values read only day first.
    UsClock,
}

/// Profiles the sampled columns: their `names` and the `rows` of values under them, in a file
/// with `delimiter`; `cells`, for a workbook, the type each value of `rows` was stored in (empty
/// for a CSV, whose values are typed by what they read as).
pub(super) fn profile(
    names: &[String],
    rows: &[Vec<String>],
    cells: &[Vec<CellKind>],
    has_header: bool,
    delimiter: u8,
) -> Profile {
    let columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut column = Column {
                name: n.clone(),
                key: n
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase(),
                ..Column::default()
            };
            for (r, row) in rows.iter().enumerate() {
                let v = row.get(i).map_or("", |v| v.trim());
                if v.is_empty() {
                    continue;
                }
                column.values.push(v.to_string());
                if let Some(kinds) = cells.get(r) {
                    column
                        .cells
                        .push(kinds.get(i).copied().unwrap_or(CellKind::Text));
                }
            }
            column
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

    // Decimal commas: values only a decimal comma reads, against values only a point reads;
    // of a workbook, its text cells only (a number cell's text always has a point).
    let (mut comma, mut point) = (0usize, 0usize);
    for c in &columns {
        for (j, v) in c.values.iter().enumerate() {
            if c.cells.get(j).is_some_and(|k| *k != CellKind::Text) || ipv4(v) {
                continue;
            }
            match decimal_mark(v) {
                Some(b',') => comma += 1,
                Some(_) => point += 1,
                None => {}
            }
        }
    }
    let decimal_comma = comma > point;

    let date_formats = candidates();
    let mut kinds: Vec<Kind> = columns
        .iter()
        .map(|c| column_kind(c, decimal_comma, sampled_rows, has_header, date_formats))
        .collect();
    let mut european = Vec::new();
    if delimiter == b';' {
        european.push("a ; delimiter");
    }
    if decimal_comma {
        european.push("decimal commas");
    }
    if has_header && names.iter().any(|n| foreign_name(n)) {
        european.push("headers not in English");
    }
    decide_order(&mut kinds, &european.join(", "));
    Profile {
        columns,
        kinds,
        decimal_comma,
        examples,
    }
}

pub(super) fn is_date(k: &Kind) -> bool {
    matches!(k, Kind::Iso | Kind::Formatted { .. } | Kind::Unix)
}

pub(super) fn is_number(k: &Kind) -> bool {
    matches!(k, Kind::Plain | Kind::Number)
}

/// The decimal mark a number value shows, when only one of `.` and `,` reads it.
pub(super) fn decimal_mark(v: &str) -> Option<u8> {
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
        // `1.234.567`: a thousands separator, so the other is the decimal mark; but only in
        // groups of three digits after the first (`02.01.2033` is a date, not a number).
        let whole = body.split(char::from(other)).next().unwrap_or(body);
        let mut groups = whole.split(char::from(mark));
        let first = groups.next().map_or(0, str::len);
        let thousands = (1..=3).contains(&first) && groups.all(|g| g.len() == 3);
        return thousands.then_some(other);
    }
    if body[..last].contains(char::from(other)) || digits_after != 3 {
        return Some(mark);
    }
    None
}

/// Whether `v` is an IPv4 address (`67.171.137.94`), whose dots are no number's.
fn ipv4(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.parse::<u8>().is_ok())
}

/// What a single value (a header cell) reads as, for telling names from values.
pub(super) fn value_kind(t: &str) -> Kind {
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
    let mut out = Out::default();
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
    if !c.cells.is_empty() {
        return stored_kind(c, comma, rows, has_header, candidates);
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
    if v.iter().all(|x| x.contains(':')) {
        if let Some(format) = time_format(v) {
            return Kind::Time { format };
        }
    }
    if v.iter().all(|x| is_zone_name(x)) {
        return Kind::Zone { database: false };
    }
    if v.iter().all(|x| is_database_zone(x)) {
        return Kind::Zone { database: true };
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

/// What a workbook's column is, by the types its cells were stored in: date cells are dates
/// (sent as ISO-8601, no format to guess), number and boolean cells are sent as stored, text
/// cells are strings even when they look like numbers (`0186`, an 18-digit id), and read as
/// dates or numbers only when the text needs a format or a decimal mark to be one (a text
/// date `01/04/20`, an amount `-50,00`). Cells of several types are [`Kind::Mixed`].
fn stored_kind(
    c: &Column,
    comma: bool,
    rows: usize,
    has_header: bool,
    candidates: &[Candidate],
) -> Kind {
    let count = |k: CellKind| c.cells.iter().filter(|&&x| x == k).count();
    let dates = count(CellKind::Date);
    let numbers = count(CellKind::Number) + count(CellKind::Bool);
    let texts = count(CellKind::Text);
    let all = c.values.len();
    if dates == all {
        return Kind::Iso;
    }
    if numbers == all {
        // Unix times stored as numbers, when the name says time; else the numbers as stored.
        let text = Column {
            cells: Vec::new(),
            ..c.clone()
        };
        return match column_kind(&text, false, rows, has_header, candidates) {
            Kind::Unix if count(CellKind::Bool) == 0 => Kind::Unix,
            _ => Kind::Plain,
        };
    }
    if texts == all {
        let text = Column {
            cells: Vec::new(),
            ..c.clone()
        };
        let number = if comma {
            Conv::NumberComma
        } else {
            Conv::Number
        };
        return match column_kind(&text, comma, rows, has_header, candidates) {
            // What reads as a number or a boolean as it stands is a string in a text cell, and
            // so are digits too long for a number (an 18-digit id); text that is a number only
            // with its decimal comma or thousands separators (`-50,00`) is read as one.
            Kind::Plain | Kind::Number
                if c.values.iter().any(|v| v.contains(',')) && all_convert(&c.values, number) =>
            {
                Kind::Number
            }
            Kind::Plain | Kind::Number => Kind::Text,
            // Text dates above a footer row (`Balance at start of period`): read by their
            // format, the rows that do not fit it said.
            Kind::Text => mostly_dates(&c.values, candidates).unwrap_or(Kind::Text),
            k => k,
        };
    }
    let example = c
        .values
        .iter()
        .zip(&c.cells)
        .find(|(_, k)| **k != CellKind::Date)
        .map(|(v, _)| v.clone())
        .unwrap_or_default();
    Kind::Mixed {
        dates,
        numbers,
        texts,
        example,
    }
}

/// A value that inference sends as a number or boolean, as it stands.
fn cell_plain(b: &[u8], comma: bool) -> bool {
    let conv = if comma { Conv::AutoComma } else { Conv::Auto };
    let mut out = Out::default();
    conv.write(b, false, &mut out).is_ok() && out.first() != Some(&b'"')
}

/// Whether `v` is shaped as a zone of the tz database: a region and a place (`Europe/Berlin`,
/// `America/Argentina/Buenos_Aires`).
fn is_database_zone(v: &str) -> bool {
    const REGIONS: [&str; 10] = [
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "Etc",
    ];
    let mut parts = v.split('/');
    parts.next().is_some_and(|r| REGIONS.contains(&r))
        && parts.clone().next().is_some()
        && parts.all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
}

/// Unix seconds (9 or 10 digits) or milliseconds (12 or 13) that read inside the years
/// 1900-2200 (1973 to 2200).
fn unix_like(x: &str) -> bool {
    matches!(x.len(), 9 | 10 | 12 | 13) && !x.starts_with('0') && timestamp::parse(x).is_ok()
}

/// Whether a header name is in a European language other than English: a letter outside
/// ASCII, or a common word of such exports (`Datum`, `Fecha`, `Betrag`).
fn foreign_name(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "datum",
        "fecha",
        "hora",
        "uhrzeit",
        "zeit",
        "heure",
        "betrag",
        "montant",
        "importe",
        "preis",
        "prix",
        "nombre",
        "naam",
        "bedrag",
        "kunde",
        "cliente",
        "valor",
        "bestellung",
        "commande",
        "pedido",
        "rechnung",
        "facture",
        "factura",
    ];
    name.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
        || name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| WORDS.iter().any(|x| w.eq_ignore_ascii_case(x)))
}

/// Settles the order of the columns whose own values leave day and month undecided: by another
/// date column of the file whose values decide it (a day over 12), else, with a `european`
/// locale (its signs, listed), day first, said as a guess; else they stay ambiguous.
fn decide_order(kinds: &mut [Kind], european: &str) {
    let order_of = |pattern: &str| {
        candidates()
            .iter()
            .find(|c| c.pattern == pattern)
            .map_or(Order::Fixed, |c| c.order)
    };
    let decided: Vec<Order> = kinds
        .iter()
        .filter_map(|k| match k {
            Kind::Formatted {
                format,
                ambiguous: None,
                ..
            } => Some(order_of(format)),
            _ => None,
        })
        .filter(|o| *o != Order::Fixed)
        .collect();
    let file_order = match (
        decided.contains(&Order::DayFirst),
        decided.contains(&Order::MonthFirst),
    ) {
        (true, false) => Some(Order::DayFirst),
        (false, true) => Some(Order::MonthFirst),
        _ => None,
    };
    for k in kinds {
        let Kind::Formatted {
            format,
            ambiguous: ambiguous @ Some(_),
            hint,
            ..
        } = k
        else {
            continue;
        };
        let (want, why) = match file_order {
            Some(o) => (o, None),
            None if !european.is_empty() => (Order::DayFirst, Some(european.to_string())),
            None => continue,
        };
        if order_of(format) != want {
            if let Some(other) = ambiguous.as_mut() {
                std::mem::swap(format, other);
            }
        }
        match why {
            Some(why) => *hint = Some(Hint::European(why)),
            None => {
                *ambiguous = None;
                *hint = None;
            }
        }
    }
}

/// Dates start with a digit and hold a separator, or with a month's name and hold a digit.
fn date_shaped(v: &str) -> bool {
    (v.starts_with(|c: char| c.is_ascii_digit()) && v.contains(['/', '.', '-', ' ']))
        || (v.starts_with(|c: char| c.is_ascii_alphabetic())
            && v.contains(' ')
            && v.contains(|c: char| c.is_ascii_digit()))
}

/// A workbook's text column whose values are mostly dates of one format, the others not
/// shaped as dates at all (a footer's words): its dates' format, the others counted unread.
fn mostly_dates(values: &[String], candidates: &[Candidate]) -> Option<Kind> {
    let shaped: Vec<String> = values.iter().filter(|v| date_shaped(v)).cloned().collect();
    if shaped.len() == values.len() || shaped.len() * 2 <= values.len() {
        return None;
    }
    match formatted(&shaped, candidates)? {
        Kind::Formatted {
            format,
            ambiguous,
            unread,
            hint,
        } => Some(Kind::Formatted {
            format,
            ambiguous,
            unread: unread + values.len() - shaped.len(),
            hint,
        }),
        _ => None,
    }
}

/// The date format that reads the most values, when one reads most of them.
fn formatted(values: &[String], candidates: &[Candidate]) -> Option<Kind> {
    if !values.iter().all(|v| date_shaped(v)) {
        return None;
    }
    let mut out = Out::default();
    let mut best: Option<(usize, &Candidate)> = None;
    let mut counts = Vec::with_capacity(candidates.len());
    for c in candidates {
        // Only the formats that read one of the first values are worth counting.
        let reads = |v: &String, out: &mut Out| {
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
    // first may be bad dates, when the month-first twin reads most of them; but they may as
    // well be right, so the day-first reading is offered too.
    let mut us_clock = None;
    if c.order == Order::DayFirst && c.pattern.contains("%p") {
        let twin = swap_order(&c.pattern);
        if let Some((o, &m)) = candidates
            .iter()
            .zip(&counts)
            .find(|(o, _)| o.pattern == twin)
        {
            if m * 2 > values.len() {
                us_clock = Some(c.pattern.clone());
                (n, c) = (m, o);
            }
        }
    }
    // Most of the values, or it is not a date column.
    if n * 2 <= values.len() {
        return None;
    }
    let hint = us_clock.is_some().then_some(Hint::UsClock);
    let ambiguous = if us_clock.is_some() {
        us_clock
    } else if c.order == Order::Fixed {
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
        unread: values.len() - n,
        ambiguous,
        hint,
    })
}

/// The pattern with day and month swapped.
fn swap_order(p: &str) -> String {
    p.replace("%m", "\u{0}")
        .replace("%d", "%m")
        .replace('\u{0}', "%d")
}
