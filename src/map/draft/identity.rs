//! Who each row is about: which column holds the person's id (the userId), a visitor's
//! (anonymousId), the company's (groupId), chosen by what the names say and never from a column
//! the sample shows empty or Excel has damaged when another will do; and what Excel did to the
//! file's ids, said.

use std::cell::Cell;

use super::call::Call;
use super::profile::{value_kind, Kind, Profile};
use super::taken::header_syntax;
use super::vocabulary::{
    ACCOUNT_RANK, ANONYMOUS_ID_ENDS, ANONYMOUS_ID_NAMES, EMAIL, GROUP_ID, GROUP_NAME, ID_SUFFIXES,
    OWN_ID, OWN_ID_PREFIXES, PERSON_ID_NAMES, PERSON_ID_WORDS,
};
use super::{NoteKind, Notes};
use crate::map::cell::excel_text;
use crate::map::file_name::CallKind;
use crate::map::mapping::quoted_key;

/// Segment's advice on the userId, for the notes that take an email instead.
const BEST_PRACTICE: &str = "https://segment.com/docs/connections/spec/best-practices-identify/";

/// The id a column is in the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    User,
    Anonymous,
    Group,
    /// An account's id beside the person's: the company a track or identify call is about.
    ContextGroup,
}

/// Each column's role, if one, in file order.
pub(super) fn identity(profile: &Profile, call: &Call, notes: &mut Notes) -> Vec<Option<Role>> {
    let (columns, kinds) = (&profile.columns, &profile.kinds);
    let call = call.kind;
    let mut roles = vec![None; columns.len()];
    let damaged = damage(profile, notes);
    if call == CallKind::Object {
        return roles;
    }
    // A column can be an id when the sample fills it, its name is its own (a name twice is
    // left out) and it is not already named for another place (`properties.user_id`).
    let usable: Vec<bool> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c.name.trim();
            kinds[i] != Kind::Empty
                && columns.iter().filter(|o| o.name.trim() == name).count() == 1
                && header_syntax(name, call).map_or(true, |p| {
                    matches!(p.as_str(), "userId" | "anonymousId" | "groupId")
                })
        })
        .collect();
    // The best of the columns `fits` ranks, an undamaged one before a damaged one, and a
    // damaged one only when `undamaged_only` is off.
    let undamaged_only = Cell::new(false);
    let best = |fits: &dyn Fn(usize) -> Option<u8>| {
        (0..columns.len())
            .filter(|&i| usable[i] && !(undamaged_only.get() && damaged[i]))
            .filter_map(|i| fits(i).map(|rank| ((damaged[i], rank, i), i)))
            .min()
            .map(|(_, i)| i)
    };
    let key = |i: usize| columns[i].key.as_str();
    let name = |i: usize| columns[i].name.trim().to_string();
    let say = |i: usize, m: String, notes: &mut Notes| {
        let n = name(i);
        notes.note(
            NoteKind::Guess,
            format!("columns{}", quoted_key(&n)),
            Some(&n),
            m,
        );
    };

    if call == CallKind::Group {
        let group = best(&|i| GROUP_ID.contains(&key(i)).then_some(0))
            .or_else(|| {
                let found = best(&|i| own_id(key(i)).then_some(0));
                if let Some(i) = found {
                    say(i, format!("no column is named like a company's id: '{}', the row's own id, is taken as the groupId; if your other tools know the company by another id, map that column to groupId", name(i)), notes);
                }
                found
            })
            .or_else(|| {
                let found = best(&|i| GROUP_NAME.contains(&key(i)).then_some(0));
                if let Some(i) = found {
                    say(i, format!("no column holds a company's id: '{}', the company's name, is taken as the groupId, as a guess; a name can change or be written two ways, so map the company's id to groupId if you have one", name(i)), notes);
                }
                found
            });
        if let Some(g) = group {
            roles[g] = Some(Role::Group);
        }
    }
    let group = roles.iter().position(|r| *r == Some(Role::Group));
    // An account is the company in a group call, and the group's column is no person's.
    let account = |i: usize| call != CallKind::Group && person_rank(key(i)) == Some(ACCOUNT_RANK);
    let anonymous = if call == CallKind::Alias {
        None
    } else {
        best(&|i| {
            let k = key(i);
            (ANONYMOUS_ID_NAMES.contains(&k) || ANONYMOUS_ID_ENDS.iter().any(|a| k.ends_with(a)))
                .then_some(0)
        })
    };
    let choose_user = |notes: &mut Notes| {
        best(&|i| person_rank(key(i)).filter(|&r| r < ACCOUNT_RANK && Some(i) != group))
        .or_else(|| {
            // In a table of people, the row's own id is the person's.
            let found = (call == CallKind::Identify)
                .then(|| best(&|i| own_id(key(i)).then_some(0)))
                .flatten();
            if let Some(i) = found {
                say(i, format!("no column is named like a user id: '{}' is taken as the userId; if it is not the id your other tools know the person by, map that column to userId (an email column can be the userId)", name(i)), notes);
            }
            found
        })
        .or_else(|| best(&|i| account(i).then_some(0)))
        .or_else(|| {
            // No id of a person: the email, unless a visitor's id stands for the person.
            if anonymous.is_some() || call == CallKind::Alias {
                return None;
            }
            // A column of email addresses, or named so and mostly holding them.
            let found = best(&|i| {
                let k = key(i);
                if Some(i) == group {
                    return None;
                }
                let named = EMAIL.contains(&k) || k.contains("email");
                let values = &columns[i].values;
                let emails = values.iter().filter(|v| value_kind(v) == Kind::Email).count();
                match (kinds[i] == Kind::Email, named && emails * 2 > values.len()) {
                    (true, _) if named => Some(0),
                    (true, _) => Some(1),
                    (false, true) => Some(2),
                    _ => None,
                }
            });
            if let Some(i) = found {
                say(i, format!("no column holds a person's id: '{}', an email address, is taken as the userId, as a guess; Segment recommends a userId that never changes, such as the person's id in your database, since an email address can change ({BEST_PRACTICE}): map that column to userId if the file has one", name(i)), notes);
            }
            found
        })
    };
    // An id Excel damaged is the userId only when no other column can be.
    undamaged_only.set(true);
    let mut user = choose_user(notes);
    undamaged_only.set(false);
    if user.is_none() {
        user = choose_user(notes);
    }
    if let Some(u) = user {
        roles[u] = Some(Role::User);
        // An account beside the person: the company the call is about.
        if !account(u) {
            if let Some(a) = best(&|i| account(i).then_some(0)) {
                roles[a] = Some(Role::ContextGroup);
            }
        }
    }
    if let Some(a) = anonymous {
        if roles[a].is_none() {
            roles[a] = Some(Role::Anonymous);
        }
    }
    roles
}

/// The rank of a column named as a person's id (`user_id` 0, `Customer ID` 1, … `ACCOUNTID`
/// 5), or `None`: a person word with an id after it, at the name's end (`stripe_customer_id`,
/// `customers.id`), or alone for users and customers (`links.customer`).
fn person_rank(key: &str) -> Option<u8> {
    if PERSON_ID_NAMES.contains(&key) {
        return Some(if key == "uid" { 0 } else { 1 });
    }
    PERSON_ID_WORDS.iter().find_map(|&(word, rank)| {
        let alone = rank <= 1 && key.ends_with(word);
        let with_id = ID_SUFFIXES.iter().any(|suffix| {
            key.strip_suffix(suffix).is_some_and(|head| {
                head.ends_with(word) || head.strip_suffix('s').is_some_and(|h| h.ends_with(word))
            })
        });
        (alone || with_id).then_some(rank)
    })
}

/// Whether a column is named as the row's own id (`id`, `Record ID`, `Identifiant dans le SI`).
fn own_id(key: &str) -> bool {
    OWN_ID.contains(&key) || OWN_ID_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// Says what Excel did to the file's values: ids turned into numbers in scientific notation
/// (`7.02255E+12`, digits lost), and cells it escaped with an apostrophe (`'02134`, `'-6`).
/// Per column, whether its ids are damaged.
fn damage(profile: &Profile, notes: &mut Notes) -> Vec<bool> {
    profile
        .columns
        .iter()
        .map(|c| {
            let name = c.name.trim();
            let path = format!("columns{}", quoted_key(name));
            let sci: Vec<&String> = c.values.iter().filter(|v| excel_scientific(v)).collect();
            if let Some(first) = sci.first() {
                notes.note(
                    NoteKind::Damaged,
                    path.clone(),
                    Some(name),
                    format!("'{name}': {} sampled value(s) like '{first}' are in scientific notation, as Excel shows a number of 12 digits or more: Excel turned these ids into numbers and dropped digits; export the column as text", sci.len()),
                );
            }
            let escaped: Vec<&String> = c
                .values
                .iter()
                .filter(|v| excel_text(v.as_bytes()).is_some())
                .collect();
            if let Some(first) = escaped.first() {
                notes.note(
                    NoteKind::Damaged,
                    path,
                    Some(name),
                    format!("'{name}': {} sampled value(s) like \"{first}\" begin with an apostrophe, which Excel and Mailchimp write to keep a number as text: they are read without it (\"{first}\" is sent as \"{}\"), and the report counts them (apostrophesRemoved)", escaped.len(), &first[1..]),
                );
            }
            !sci.is_empty()
        })
        .collect()
}

/// A number as Excel's General format shows one of 12 digits or more: `1.23457E+15`.
fn excel_scientific(v: &str) -> bool {
    let Some((mantissa, exponent)) = v.split_once("E+") else {
        return false;
    };
    let mantissa = mantissa.strip_prefix('-').unwrap_or(mantissa);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    // Excel writes `1E+15` for 10^15, `1.23457E+15` for 1234567890123456.
    int.len() == 1
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit())
        && exponent.len() >= 2
        && exponent.bytes().all(|b| b.is_ascii_digit())
        && exponent.parse::<u32>().is_ok_and(|e| e >= 11)
}

#[cfg(test)]
mod tests {
    use super::{excel_scientific, own_id, person_rank};

    #[test]
    fn person_ids_by_their_words_and_rank() {
        let rank = |k: &str| person_rank(k);
        assert_eq!(rank("userid"), Some(0));
        assert_eq!(rank("user"), Some(0));
        assert_eq!(rank("customerid"), Some(1));
        assert_eq!(rank("customersid"), Some(1));
        assert_eq!(rank("linkscustomer"), Some(1));
        assert_eq!(rank("stripecustomerid"), Some(1));
        assert_eq!(rank("kundennummer"), Some(1));
        assert_eq!(rank("kundennr"), Some(1));
        assert_eq!(rank("contactid"), Some(2));
        assert_eq!(rank("requesterid"), Some(2));
        assert_eq!(rank("externalid"), Some(3));
        assert_eq!(rank("propertyhubspotownerid"), Some(4));
        assert_eq!(rank("ownerid"), Some(4));
        assert_eq!(rank("accountid"), Some(5));
        // Not a person's id: a record's, another thing's, or not an id.
        for k in [
            "id",
            "leid",
            "orderid",
            "transactionid",
            "totalpaid",
            "customeremail",
            "username",
            "contact",
            "account",
            "createdbyid",
            "formid",
        ] {
            assert_eq!(rank(k), None, "{k}");
        }
        assert!(own_id("id") && own_id("recordid") && own_id("identifiantdanslesi"));
        assert!(!own_id("orderid") && !own_id("idsite"));
    }

    #[test]
    fn excel_scientific_ids_and_not_other_exponents() {
        for v in [
            "1.23457E+15",
            "7.02255E+12",
            "9.87654E+14",
            "-1.2E+11",
            "1E+15",
        ] {
            assert!(excel_scientific(v), "{v}");
        }
        for v in ["6.0E7", "8.48E10", "1.5E+05", "12.5E+12", "E+12", "1.2E+1x"] {
            assert!(!excel_scientific(v), "{v}");
        }
    }
}
