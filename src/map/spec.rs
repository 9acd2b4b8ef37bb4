//! Segment's rules for each call's fields: where a column goes in an identify, track, page,
//! screen, group or alias call or an Objects API object, which fields a call needs, and the
//! order of a message's top-level fields.
//!
//! The plan ([`crate::map::plan`]) asks these rules once per column when it reads the header.

use crate::map::cell::Conv;
use crate::map::column::{ColumnName, ColumnType, Seg};
use crate::map::file_name::CallKind;
use crate::map::header::{HeaderError, HeaderProblem};
use crate::options::Typing;

/// A check a row must pass before it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// At least one of these columns is non-empty (userId, anonymousId).
    AnyOf(Vec<u32>),
    /// This column is non-empty.
    Filled {
        col: u32,
        field: &'static str,
        call: &'static str,
    },
}

/// The order of a message's top-level fields: the spec's, so payloads read the same in every file.
pub(crate) fn root_rank(key: &str) -> usize {
    const ORDER: [&str; 15] = [
        "type",
        "id",
        "userId",
        "anonymousId",
        "previousId",
        "groupId",
        "event",
        "name",
        "category",
        "traits",
        "properties",
        "context",
        "integrations",
        "timestamp",
        "messageId",
    ];
    ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len())
}

/// Fields of Segment's spec common to every call but alias: the ids, the time, and the
/// context a browser or app sends.
const COMMON_FIELDS: [&str; 18] = [
    "userId",
    "anonymousId",
    "timestamp",
    "messageId",
    "context.ip",
    "context.locale",
    "context.timezone",
    "context.userAgent",
    "context.groupId",
    "context.page.url",
    "context.page.path",
    "context.page.referrer",
    "context.page.title",
    "context.campaign.name",
    "context.campaign.source",
    "context.campaign.medium",
    "context.device.id",
    "context.traits.email",
];

/// The traits Segment's spec reserves for a user (identify) or an account (group).
const USER_TRAITS: [&str; 13] = [
    "traits.email",
    "traits.firstName",
    "traits.lastName",
    "traits.name",
    "traits.phone",
    "traits.title",
    "traits.username",
    "traits.createdAt",
    "traits.birthday",
    "traits.address.city",
    "traits.address.country",
    "traits.company.name",
    "traits.website",
];

const GROUP_TRAITS: [&str; 8] = [
    "traits.name",
    "traits.email",
    "traits.industry",
    "traits.employees",
    "traits.plan",
    "traits.website",
    "traits.createdAt",
    "traits.address.city",
];

/// The fields of Segment's spec a column can go to in a `kind` call, the call's own first:
/// what a mapping editor offers before free text under `properties.` or `traits.`.
pub fn spec_fields(kind: CallKind) -> Vec<&'static str> {
    let own: &[&str] = match kind {
        CallKind::Identify => &USER_TRAITS,
        CallKind::Track => &[
            "event",
            "properties.revenue",
            "properties.currency",
            "properties.value",
        ],
        CallKind::Page => &[
            "name",
            "category",
            "properties.url",
            "properties.path",
            "properties.referrer",
            "properties.title",
            "properties.search",
        ],
        CallKind::Screen => &["name"],
        CallKind::Group => &GROUP_TRAITS,
        CallKind::Alias => return vec!["previousId", "userId", "timestamp", "messageId"],
        CallKind::Object => return vec!["id"],
    };
    let first: &[&str] = if kind == CallKind::Group {
        &["groupId"]
    } else {
        &[]
    };
    first
        .iter()
        .chain(COMMON_FIELDS.iter().take(2))
        .chain(own)
        .chain(COMMON_FIELDS.iter().skip(2))
        .copied()
        .collect()
}

/// What a column means to the call, beyond where it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    UserId,
    AnonymousId,
    PreviousId,
    Event,
    GroupId,
    MessageId,
    ObjectId,
    Other,
}

/// The columns found for the roles a call's checks need.
#[derive(Default)]
pub(crate) struct Roles {
    pub(crate) user_id: Option<usize>,
    pub(crate) anonymous_id: Option<usize>,
    pub(crate) previous_id: Option<usize>,
    pub(crate) event: Option<usize>,
    pub(crate) group_id: Option<usize>,
    pub(crate) message_id: Option<usize>,
    pub(crate) object_id: Option<usize>,
}

impl Roles {
    pub(crate) fn note(&mut self, role: Role, col: usize) {
        let slot = match role {
            Role::UserId => &mut self.user_id,
            Role::AnonymousId => &mut self.anonymous_id,
            Role::PreviousId => &mut self.previous_id,
            Role::Event => &mut self.event,
            Role::GroupId => &mut self.group_id,
            Role::MessageId => &mut self.message_id,
            Role::ObjectId => &mut self.object_id,
            Role::Other => return,
        };
        *slot = Some(col);
    }

    /// The row checks of `kind`; a missing column is a header error. Columns from `width` on
    /// are the mapping's `set` values, filled in every row.
    pub(crate) fn checks(
        &self,
        kind: CallKind,
        width: usize,
        errors: &mut Vec<HeaderError>,
    ) -> Vec<Check> {
        let call = kind.as_str();
        let mut checks = Vec::new();
        let mut need = |col: Option<usize>, field: &'static str| match col {
            Some(c) if c >= width => {}
            Some(c) => checks.push(Check::Filled {
                col: col32(c),
                field,
                call,
            }),
            None => errors.push(HeaderError {
                column: None,
                name: field.to_string(),
                problem: HeaderProblem::Missing { call, what: field },
            }),
        };
        match kind {
            CallKind::Alias => {
                need(self.previous_id, "previousId");
                need(self.user_id, "userId");
            }
            CallKind::Object => need(self.object_id, "id"),
            _ => {
                match kind {
                    CallKind::Track => need(self.event, "event"),
                    CallKind::Group => need(self.group_id, "groupId"),
                    _ => {}
                }
                let ids: Vec<u32> = [self.user_id, self.anonymous_id]
                    .into_iter()
                    .flatten()
                    .map(col32)
                    .collect();
                if ids.iter().any(|&c| c as usize >= width) {
                    // A value the mapping sets: every row has one.
                } else if ids.is_empty() {
                    errors.push(HeaderError {
                        column: None,
                        name: "userId".into(),
                        problem: HeaderProblem::Missing {
                            call,
                            what: "userId or anonymousId",
                        },
                    });
                } else {
                    checks.insert(0, Check::AnyOf(ids));
                }
            }
        }
        errors.sort_by_key(|e| e.column.unwrap_or(usize::MAX));
        checks
    }
}

/// Where a column goes and how its cells are typed.
pub(crate) struct Placed {
    pub(crate) dest: Vec<Seg>,
    pub(crate) conv: Conv,
    pub(crate) role: Role,
    pub(crate) data: bool,
}

pub(crate) fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

pub(crate) fn conv_of(ty: ColumnType) -> Conv {
    match ty {
        ColumnType::String => Conv::Str,
        ColumnType::Number => Conv::Number,
        ColumnType::Integer => Conv::Integer,
        ColumnType::Boolean => Conv::Boolean,
        ColumnType::Timestamp => Conv::Timestamp,
        ColumnType::Json => Conv::Json,
    }
}

/// The conversion of a leaf that is not typed by its column: dates by name, then `default`.
pub(crate) fn default_conv(c: &ColumnName, default: Conv) -> Conv {
    match c.ty {
        Some(t) => conv_of(t),
        None if matches!(c.last_key(), "timestamp" | "createdAt") => Conv::Timestamp,
        None => default,
    }
}

/// Decides where column `c` goes in a `kind` call.
pub(crate) fn place(
    kind: CallKind,
    c: &ColumnName,
    typing: Typing,
) -> Result<Placed, HeaderProblem> {
    let auto = match typing {
        Typing::Infer => Conv::Auto,
        Typing::Strings => Conv::Str,
    };
    if kind == CallKind::Object {
        return place_object(c, auto);
    }
    let head = c.head();
    let nested = c.path.len() > 1;
    let call = kind.as_str();
    let scalar = |name: &'static str, role: Role| {
        if nested {
            return Err(HeaderProblem::NotAContainer(name));
        }
        Ok(Placed {
            dest: c.path.clone(),
            conv: default_conv(c, Conv::Str),
            role,
            data: false,
        })
    };
    // A top-level object of the spec: `traits`, `properties`, `context`, `integrations`.
    let container = |name: &'static str, dest: Vec<Seg>, default: Conv, data: bool| {
        if !nested {
            return match c.ty {
                // `context` also holds `library`, which the engine writes.
                Some(ColumnType::Json) if name != "context" => Ok(Placed {
                    dest,
                    conv: Conv::JsonObject,
                    role: Role::Other,
                    data,
                }),
                _ => Err(HeaderProblem::NotAnObject(name)),
            };
        }
        Ok(Placed {
            dest,
            conv: default_conv(c, default),
            role: Role::Other,
            data,
        })
    };
    let under = |root: &[&str]| -> Vec<Seg> {
        root.iter()
            .map(|k| key(k))
            .chain(c.path.iter().cloned())
            .collect()
    };
    // A field Segment takes as a string only: any other type would make the call one Segment
    // drops (answering 200), so it is a header error.
    let text = |name: &'static str, role: Role| match c.ty {
        None | Some(ColumnType::String) => scalar(name, role),
        Some(t) => Err(HeaderProblem::TypeNotAllowed {
            ty: t.as_str(),
            why: string_only(name),
        }),
    };
    use CallKind::*;
    match (head, kind) {
        ("userId", _) => text("userId", Role::UserId),
        ("anonymousId", k) if k != Alias => text("anonymousId", Role::AnonymousId),
        ("previousId", Alias) => text("previousId", Role::PreviousId),
        ("event", Track) => text("event", Role::Event),
        ("name", Page | Screen) => text("name", Role::Other),
        ("category", Page) => text("category", Role::Other),
        ("groupId", Group) => text("groupId", Role::GroupId),
        ("messageId", _) => match c.ty {
            None | Some(ColumnType::String) => scalar("messageId", Role::MessageId),
            Some(t) => Err(HeaderProblem::TypeNotAllowed {
                ty: t.as_str(),
                why: "messageId is always a string",
            }),
        },
        ("timestamp", _) => match c.ty {
            None | Some(ColumnType::Timestamp) => scalar("timestamp", Role::Other),
            Some(t) => Err(HeaderProblem::TypeNotAllowed {
                ty: t.as_str(),
                why: "Segment reads timestamp as a date; remove the type",
            }),
        },
        ("context", _) => {
            if matches!(c.path.get(1), Some(Seg::Key(k)) if k == "library") {
                return Err(HeaderProblem::LibraryReserved);
            }
            let data = matches!(c.path.get(1), Some(Seg::Key(k)) if k == "traits");
            container(
                "context",
                c.path.clone(),
                if data { auto } else { Conv::Str },
                data,
            )
        }
        ("integrations", _) => container("integrations", c.path.clone(), Conv::Flag, false),
        (_, Alias) => Err(HeaderProblem::NoPlace(call)),
        ("traits", Identify | Group) => container("traits", c.path.clone(), auto, true),
        ("traits", _) => container("traits", under(&["context"]), auto, true),
        ("properties", Track | Page | Screen) => {
            container("properties", c.path.clone(), auto, true)
        }
        ("properties", _) => Err(HeaderProblem::WrongContainer {
            call,
            used: "properties",
            wanted: "traits",
        }),
        (_, Identify | Group) => Ok(Placed {
            dest: under(&["traits"]),
            conv: default_conv(c, auto),
            role: Role::Other,
            data: true,
        }),
        _ => Ok(Placed {
            dest: under(&["properties"]),
            conv: default_conv(c, auto),
            role: Role::Other,
            data: true,
        }),
    }
}

/// The role column `c` would have in a `kind` call, whether or not it can be placed there.
pub(crate) fn role_of(kind: CallKind, c: &ColumnName) -> Role {
    if c.path.len() > 1 {
        return Role::Other;
    }
    use CallKind::*;
    match (c.head(), kind) {
        ("userId", _) => Role::UserId,
        ("anonymousId", k) if k != Alias => Role::AnonymousId,
        ("previousId", Alias) => Role::PreviousId,
        ("event", Track) => Role::Event,
        ("groupId", Group) => Role::GroupId,
        ("id", Object) => Role::ObjectId,
        _ => Role::Other,
    }
}

/// Why a string field of the spec takes no other type: the reason of the header error.
fn string_only(field: &'static str) -> &'static str {
    match field {
        "userId" => "Segment drops a call whose userId is not a string; remove the type",
        "anonymousId" => "Segment drops a call whose anonymousId is not a string; remove the type",
        "previousId" => "Segment drops an alias whose previousId is not a string; remove the type",
        "event" => "Segment drops a track call whose event is not a string; remove the type",
        "groupId" => "Segment drops a group call whose groupId is not a string; remove the type",
        "name" => "Segment's spec makes name a string; remove the type",
        _ => "Segment's spec makes category a string; remove the type",
    }
}

/// An Objects API property name in snake_case, as the API wants it (and as Segment's own
/// libraries sent them, flattened and tableized): `Room Name` and `roomName` → `room_name`,
/// `HTTPStatus` → `http_status`. `None` when the name has a letter past ASCII (which has no
/// snake_case form) or nothing usable; with `lossy`, such letters part words instead, and a
/// name left empty is `column` (the draft, which must always name a target).
pub(crate) fn snake_case(name: &str, lossy: bool) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    let part = |out: &mut String| {
        if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    };
    for (i, &ch) in chars.iter().enumerate() {
        if ch.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next_lower,
                _ => false,
            };
            if boundary {
                part(&mut out);
            }
            out.push(ch.to_ascii_lowercase());
        } else if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            out.push(ch);
        } else if ch.is_ascii() || lossy {
            part(&mut out);
        } else {
            return None;
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    match (out.is_empty(), lossy) {
        (false, _) => Some(out),
        (true, true) => Some("column".into()),
        (true, false) => None,
    }
}

/// Objects: `id`, and every other column a flat property (`price.amount` → `price_amount`),
/// named in snake_case and typed as the Objects API takes values: strings, integers and
/// floats only (no booleans: `true`/`false` go as those words; no null).
fn place_object(c: &ColumnName, auto: Conv) -> Result<Placed, HeaderProblem> {
    if c.path.len() == 1 && c.head() == "id" {
        return Ok(Placed {
            dest: c.path.clone(),
            conv: Conv::Str,
            role: Role::ObjectId,
            data: false,
        });
    }
    if c.ty == Some(ColumnType::Json) {
        return Err(HeaderProblem::TypeNotAllowed {
            ty: "json",
            why: "the Objects API takes no lists or objects; give each value a column of its own",
        });
    }
    if c.path.contains(&Seg::Each) {
        return Err(HeaderProblem::EachNotHere(
            "the Objects API takes no lists: a line-item group is for events",
        ));
    }
    let path = match c.path.split_first() {
        Some((Seg::Key(k), rest)) if k == "properties" && !rest.is_empty() => rest,
        _ => &c.path[..],
    };
    let flat: Vec<String> = path
        .iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
            Seg::Each => "each".to_string(),
        })
        .collect();
    let flat = flat.join("_");
    let name = snake_case(&flat, false).ok_or(HeaderProblem::PropertyName)?;
    let conv = match default_conv(c, auto) {
        Conv::Auto => Conv::AutoText,
        Conv::Boolean => Conv::BooleanText,
        conv => conv,
    };
    Ok(Placed {
        dest: vec![key("properties"), Seg::Key(name)],
        conv,
        role: Role::Other,
        data: true,
    })
}

/// A column's index as the ops hold it: [`crate::map::plan::Plan::new`] refuses files wider than a `u32` counts.
pub(crate) fn col32(col: usize) -> u32 {
    u32::try_from(col).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::column::parse;

    const CALLS: [CallKind; 7] = CallKind::ALL;

    #[test]
    fn every_spec_field_is_a_place_the_call_takes_once() {
        for kind in CALLS {
            let fields = spec_fields(kind);
            let mut seen = std::collections::HashSet::new();
            for f in &fields {
                assert!(seen.insert(*f), "{kind:?}: {f} twice");
                let c = parse(f).unwrap_or_else(|e| panic!("{kind:?}: {f}: {e:?}"));
                let placed = place(kind, &c, Typing::Infer);
                assert!(placed.is_ok(), "{kind:?}: {f} is refused");
            }
        }
    }

    #[test]
    fn object_property_names_in_snake_case() {
        for (name, snake) in [
            ("review_count", "review_count"),
            ("Room Name", "room_name"),
            ("roomName", "room_name"),
            ("HTTPStatus", "http_status"),
            ("price_amount", "price_amount"),
            ("tags_0", "tags_0"),
            ("E-mail  Address!", "e_mail_address"),
            ("_x__y_", "x_y"),
            ("item2Count", "item2_count"),
        ] {
            assert_eq!(snake_case(name, false).as_deref(), Some(snake), "{name}");
            assert_eq!(snake_case(name, true).as_deref(), Some(snake), "{name}");
        }
        assert_eq!(snake_case("Größe", false), None);
        assert_eq!(snake_case("$$", false), None);
        assert_eq!(snake_case("Größe", true).as_deref(), Some("gr_e"));
        assert_eq!(snake_case("€", true).as_deref(), Some("column"));
    }

    #[test]
    fn spec_fields_put_the_ids_and_the_calls_own_fields_first() {
        assert_eq!(
            spec_fields(CallKind::Track)[..6],
            [
                "userId",
                "anonymousId",
                "event",
                "properties.revenue",
                "properties.currency",
                "properties.value"
            ]
        );
        assert_eq!(spec_fields(CallKind::Track).len(), 22);
        assert_eq!(
            spec_fields(CallKind::Group)[..3],
            ["groupId", "userId", "anonymousId"]
        );
        assert_eq!(spec_fields(CallKind::Screen)[2], "name");
        assert_eq!(spec_fields(CallKind::Object), ["id"]);
        assert_eq!(
            spec_fields(CallKind::Alias),
            ["previousId", "userId", "timestamp", "messageId"]
        );
    }
}
