//! The third question of a draft: which call every row becomes. The file name's prefix says
//! it (`track_…`); without one, what a row is decides, by the words of the file's name
//! (`contacts` are people: identify; `orders` happened: track; `accounts` are companies:
//! group) and else by what the columns hold, and the draft says it guessed.

use super::profile::{is_date, is_number, Kind, Profile};
use super::vocabulary::{
    RowIs, AMOUNT, EVENT_NAMES, EVENT_VOCABULARIES, FILLER_WORDS, PERSON, ROW_WORDS,
};
use super::{NoteKind, Notes};
use crate::map::file_name::{CallKind, FileSpec};

/// The call of the rows, an Objects collection, and the column that names the event.
pub(super) struct Call {
    pub kind: CallKind,
    pub collection: Option<String>,
    pub event_column: Option<usize>,
    /// The word of the file's name that says what a row is (`order` in `orders_export.csv`).
    pub row_word: Option<RowWord>,
}

/// A word of a file's name that says what a row is.
pub(super) struct RowWord {
    /// The word as [`ROW_WORDS`] has it (`order`).
    pub word: &'static str,
    pub is: RowIs,
    /// As the name writes it (`orders`).
    pub written: String,
}

/// Decides the call of the file `base` from its name, else its profile; `line_items`: the
/// rows are the line items of orders (see [`super::group`]).
pub(super) fn call(base: &str, profile: &Profile, line_items: bool, notes: &mut Notes) -> Call {
    let (columns, kinds) = (&profile.columns, &profile.kinds);
    // The call: the name's prefix, else the columns.
    let by_name = FileSpec::from_key(base).ok();
    let row = row_word(base);
    let event_col = columns
        .iter()
        .position(|c| EVENT_NAMES.contains(&c.key.as_str()))
        .or_else(|| {
            // An events table names its event `name` (Mixpanel's export).
            (row.as_ref().map(|w| w.word) == Some("event"))
                .then(|| columns.iter().position(|c| c.key == "name"))
                .flatten()
        })
        .or_else(|| {
            // A column of a few verbs of a known event log (`view`, `cart`, `purchase`),
            // whatever its name, when at least two of them show.
            columns.iter().position(|c| {
                event_vocabulary(&c.values).is_some() && {
                    let mut seen: Vec<&str> = c.values.iter().map(String::as_str).collect();
                    seen.sort_unstable();
                    seen.dedup();
                    seen.len() >= 2
                }
            })
        });
    let happened_col = columns.iter().find(|c| names_a_happening(&c.key));
    let (call, collection) = match &by_name {
        Some(spec) => (spec.kind, spec.collection.clone()),
        None => {
            let email = kinds.contains(&Kind::Email);
            let date = kinds.iter().any(is_date);
            let url = kinds.contains(&Kind::Url);
            let person = columns
                .iter()
                .any(|c| PERSON.iter().any(|(k, _)| *k == c.key));
            let amount = columns.iter().zip(kinds).any(|(c, k)| {
                *k == Kind::Number || is_number(k) && AMOUNT.iter().any(|a| c.key.contains(a))
            });
            let by_row = |is: RowIs| match is {
                RowIs::Person => CallKind::Identify,
                RowIs::Company => CallKind::Group,
                RowIs::Happened => CallKind::Track,
                RowIs::PageView => CallKind::Page,
            };
            let said;
            let (call, why) = if event_col.is_some() {
                (CallKind::Track, "a column names the event")
            } else if line_items {
                (CallKind::Track, "the rows are the line items of orders")
            } else if let Some(w) = &row {
                said = format!("the file name says {}", w.written);
                (by_row(w.is), said.as_str())
            } else if url && !email {
                (CallKind::Page, "a column holds web addresses")
            } else if let Some(c) = happened_col {
                said = format!(
                    "the column '{}' names something that happened",
                    c.name.trim()
                );
                (CallKind::Track, said.as_str())
            } else if email && (person || !amount) {
                (
                    CallKind::Identify,
                    "an email column and names, or no amount",
                )
            } else if date && amount {
                (CallKind::Track, "a date and an amount")
            } else if email {
                (CallKind::Identify, "an email column")
            } else if person && !date && !amount {
                (
                    CallKind::Identify,
                    "columns name a person, and no date or amount",
                )
            } else {
                (CallKind::Track, "no email column")
            };
            notes.note(
                NoteKind::Guess,
                "call".into(),
                None,
                format!("the file name has no prefix such as track_: the rows are drafted as {} calls ({why}); change \"call\" if they are not", call.as_str()),
            );
            (call, None)
        }
    };
    Call {
        kind: call,
        collection,
        event_column: event_col,
        row_word: row,
    }
}

/// The word of the file name `base` that says what a row is, and what that is: of the name's
/// parts (split at punctuation and at a lower-case letter before a capital), the last one that
/// holds a row word, plural or not, at its end or before a filler word (`lead` in
/// `fakeleaddata`, `visit` in `getLastVisitsDetails`), as the last noun of a compound names the
/// thing (`contact_form_submission` is a submission), and before a `by` (`sales_by_customer`
/// are sales, grouped by customer). A word glued to letters before it counts
/// after four or more of them (`fake` + `lead`), not fewer (`b` + `order`).
pub(super) fn row_word(base: &str) -> Option<RowWord> {
    let stem = base.split('.').next().unwrap_or(base);
    let mut parts: Vec<String> = Vec::new();
    let mut part = String::new();
    let mut prev_lower = false;
    for ch in stem.chars() {
        if (!ch.is_alphanumeric() || (prev_lower && ch.is_uppercase())) && !part.is_empty() {
            parts.push(std::mem::take(&mut part));
        }
        prev_lower = ch.is_lowercase();
        if ch.is_alphanumeric() {
            part.extend(ch.to_lowercase());
        }
    }
    if !part.is_empty() {
        parts.push(part);
    }
    // `Sales by Customer Detail`: the rows are sales, grouped by customer.
    if let Some(by) = parts.iter().position(|p| p == "by").filter(|&by| by > 0) {
        parts.truncate(by);
    }
    // The best: the latest part, then the latest end in it.
    let mut best: Option<((usize, usize), RowWord)> = None;
    for (p, text) in parts.iter().enumerate() {
        for &(word, is) in ROW_WORDS {
            for (at, _) in text.match_indices(word) {
                // Glued to a word before it only after a whole one (`fake` in `fakeleaddata`),
                // not inside one (`b` + `order`, `rec` + `order`, `dis` + `charge`).
                if at > 0 && at < 4 {
                    continue;
                }
                let rest = &text[at + word.len()..];
                let suffix = ["", "s", "es", "en"].iter().find(|suffix| {
                    rest.strip_prefix(*suffix).is_some_and(|after| {
                        after.is_empty() || FILLER_WORDS.iter().any(|f| after.starts_with(f))
                    })
                });
                let end = (p, at + word.len());
                if let Some(suffix) = suffix {
                    if best.as_ref().map_or(true, |(e, _)| end > *e) {
                        let written = text[at..at + word.len() + suffix.len()].to_string();
                        best = Some((end, RowWord { word, is, written }));
                    }
                }
            }
        }
    }
    best.map(|(_, w)| w)
}

/// The known event vocabulary (see [`EVENT_VOCABULARIES`]) that has every one of a column's
/// sampled `values` among its verbs: its name and its verbs with their spec names.
pub(super) fn event_vocabulary(
    values: &[String],
) -> Option<(&'static str, &'static [(&'static str, &'static str)])> {
    if values.is_empty() {
        return None;
    }
    EVENT_VOCABULARIES
        .iter()
        .find(|(_, verbs)| values.iter().all(|v| verbs.iter().any(|(w, _)| w == v)))
        .copied()
}

/// Whether a column's name (as a key) names a thing that happened and its id, number or time:
/// `Order #`, `Order Date`, `Transaction ID`.
fn names_a_happening(key: &str) -> bool {
    ROW_WORDS
        .iter()
        .filter(|(_, is)| *is == RowIs::Happened)
        .any(|(word, _)| {
            key.strip_prefix(word).is_some_and(|rest| {
                matches!(
                    rest,
                    "" | "id" | "date" | "time" | "number" | "no" | "nr" | "at" | "datetime"
                )
            })
        })
}
