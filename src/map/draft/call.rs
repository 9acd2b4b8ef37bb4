//! The third question of a draft: which call every row becomes. The file name's prefix says
//! it (`track_…`); without one, what the columns hold decides, and the draft says it guessed.

use super::profile::{is_date, is_number, Kind, Profile};
use super::vocabulary::{AMOUNT, EVENT_NAMES, PERSON};
use super::{NoteKind, Notes};
use crate::map::file_name::{CallKind, FileSpec};

/// The call of the rows, an Objects collection, and the column that names the event.
pub(super) struct Call {
    pub kind: CallKind,
    pub collection: Option<String>,
    pub event_column: Option<usize>,
}

/// Decides the call of the file `base` from its name, else its profile.
pub(super) fn call(base: &str, profile: &Profile, notes: &mut Notes) -> Call {
    let (columns, kinds) = (&profile.columns, &profile.kinds);
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
            let amount = columns.iter().zip(kinds).any(|(c, k)| {
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
    }
}
