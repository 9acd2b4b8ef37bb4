//! A date and its time of day in columns of their own (PayPal's `Date` + `Time` + `TimeZone`,
//! Google Play's `transaction_date` + `transaction_time`): the draft joins them into one
//! timestamp with the mapping's `with`, so the time of day is not lost.
//!
//! A date column whose values have no time is paired with the time column right after it, or
//! with one named like it (`transaction_date`, `transaction_time`); a zone column right after
//! the time joins them too, when the time carries no zone of its own. The date's format is
//! extended with the time's (and `%Z`), each already read by the profile, so the joined value
//! reads as both parts did.

use super::profile::{Kind, Profile};
use super::{NoteKind, Notes};
use crate::map::mapping::quoted_key;

/// Words of the names of columns that hold a length of time, not a time of day.
const LENGTHS: [&str; 6] = [
    "duration", "elapsed", "length", "dauer", "duracion", "duree",
];

/// A date column and the columns joined to it, in order.
pub(super) struct Join {
    pub date: usize,
    pub with: Vec<usize>,
}

/// The joins the profiled columns make; each date column's kind becomes the joined format.
pub(super) fn joins(profile: &mut Profile, notes: &mut Notes) -> Vec<Join> {
    let mut out: Vec<Join> = Vec::new();
    let n = profile.columns.len();
    let mut used = vec![false; n];
    for d in 0..n {
        let Some(date_format) = date_only(&profile.kinds[d], &profile.columns[d].values) else {
            continue;
        };
        // A time of day, not a duration (`Duration 00:05:12`).
        let time_like = |i: usize| -> Option<String> {
            let key = &profile.columns[i].key;
            if LENGTHS.iter().any(|w| key.contains(w)) {
                return None;
            }
            match &profile.kinds[i] {
                Kind::Time { format } => Some(format.clone()),
                _ => None,
            }
        };
        let twin = profile.columns[d].key.replace("date", "time");
        let t = (d + 1 < n && !used[d + 1] && time_like(d + 1).is_some())
            .then_some(d + 1)
            .or_else(|| {
                (twin != profile.columns[d].key)
                    .then(|| {
                        (0..n).find(|&i| {
                            !used[i] && profile.columns[i].key == twin && time_like(i).is_some()
                        })
                    })
                    .flatten()
            });
        let Some(t) = t else {
            continue;
        };
        let time_format = time_like(t).unwrap_or_default();
        let zone = (!time_format.contains("%Z") && !time_format.contains("%z"))
            .then_some(t + 1)
            .filter(|&z| {
                z < n && z != d && !used[z] && matches!(profile.kinds[z], Kind::Zone { .. })
            });
        let mut suffix = format!(" {time_format}");
        let mut with = vec![t];
        if let Some(z) = zone {
            suffix.push_str(" %Z");
            with.push(z);
        }
        for &i in with.iter().chain([&d]) {
            used[i] = true;
        }
        let joined = format!("{date_format}{suffix}");
        profile.kinds[d] = match std::mem::replace(&mut profile.kinds[d], Kind::Empty) {
            Kind::Formatted {
                ambiguous,
                unread,
                hint,
                ..
            } => Kind::Formatted {
                format: joined.clone(),
                ambiguous: ambiguous.map(|a| format!("{a}{suffix}")),
                unread,
                hint,
            },
            _ => Kind::Formatted {
                format: joined.clone(),
                ambiguous: None,
                unread: 0,
                hint: None,
            },
        };
        let name = |i: usize| profile.columns[i].name.trim().to_string();
        let parts: Vec<String> = with.iter().map(|&i| format!("'{}'", name(i))).collect();
        let list: Vec<String> = with
            .iter()
            .map(|&i| serde_json::Value::String(name(i)).to_string())
            .collect();
        let what = if zone.is_some() {
            "the time of day and its zone"
        } else {
            "the time of day"
        };
        notes.note(
            NoteKind::Guess,
            format!("columns{}.with", quoted_key(&name(d))),
            Some(&name(d)),
            format!(
                "'{}' holds the date and {} {what}: joined into one date with \"with\": [{}], read as {joined}; a row whose {} is empty is rejected rather than sent at midnight",
                name(d),
                parts.join(" and "),
                list.join(", "),
                parts.join(" or "),
            ),
        );
        if let Some(z) = zone.filter(|&z| profile.kinds[z] == Kind::Zone { database: true }) {
            let example = profile.columns[z]
                .values
                .first()
                .cloned()
                .unwrap_or_default();
            notes.note(
                NoteKind::Blank,
                format!("columns{}.format", quoted_key(&name(d))),
                Some(&name(d)),
                format!(
                    "'{}' names zones as the tz database does ({example}), which csv2segment does not read (the database would double the engine's size): every row is rejected until the zone is one it reads; export the times with their offsets (+01:00, read with %z) or zone abbreviations (CET, read with %Z), or, if every time has one offset, drop the zone from \"with\" and %Z from the format and give it as \"timezone\"",
                    name(z)
                ),
            );
        }
        out.push(Join { date: d, with });
    }
    out
}

/// The format of a date column whose values are dates without a time: its drafted format, or
/// `%Y-%m-%d` for ISO dates (`2019-11-01`).
fn date_only(kind: &Kind, values: &[String]) -> Option<String> {
    match kind {
        Kind::Formatted { format, .. }
            if !["%H", "%I", "%s", "%z", "%Z"]
                .iter()
                .any(|f| format.contains(f)) =>
        {
            Some(format.clone())
        }
        Kind::Iso if values.iter().all(|v| v.len() == 10) => Some("%Y-%m-%d".into()),
        _ => None,
    }
}
