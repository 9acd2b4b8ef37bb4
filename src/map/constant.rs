//! A mapping's `set` values, checked as a cell of their field is: a value every row gets must be
//! one Segment takes at that field, or every row of the file is dropped by Segment after being
//! counted as sent.
//!
//! The field and its conversion come from the same rules a column's do ([`place`]): a date field
//! (`timestamp`, `…createdAt`) reads the value as a [`Conv::Timestamp`] cell does (format and
//! range) and sends what that cell would; the call's own fields (ids, `event`, `name`) take
//! strings; `integrations.<Destination>` takes `true`/`false` (or an object of the
//! destination's settings); an object's properties take no lists or objects, and its booleans
//! go as the strings `"true"`/`"false"`, as a cell's do. Elsewhere
//! (`properties`, `traits`, `context`) the value's JSON type is sent as it is.

use crate::base::out::Out;
use serde_json::Value;

use crate::map::cell::Conv;
use crate::map::column::ColumnName;
use crate::map::file_name::CallKind;
use crate::map::spec::{place, Role};
use crate::options::Typing;

/// The JSON that `value`, set at `c` (written `path`) in a `kind` call, is sent as; or what
/// is wrong with it and the fix. A path the call has no place for is the plan's to report,
/// so its value is taken as it is here.
pub(crate) fn check(
    kind: CallKind,
    c: &ColumnName,
    path: &str,
    value: &Value,
) -> Result<Vec<u8>, String> {
    let as_is = || Ok(value.to_string().into_bytes());
    let placed = match place(kind, c, Typing::Infer) {
        // The plan refuses ids every row would share.
        Ok(p) if !matches!(p.role, Role::MessageId | Role::ObjectId) => p,
        _ => return as_is(),
    };
    let field = path.trim();
    match (placed.conv, value) {
        (Conv::Timestamp, Value::String(text)) => {
            let mut out = Out::with_capacity(26);
            Conv::Timestamp
                .write(text.as_bytes(), false, &mut out)
                .map_err(|reason| format!("{field} takes a date: {reason}"))?;
            Ok(out.into_vec())
        }
        (Conv::Timestamp, v) => Err(format!(
            "{field} takes a date as a string, like \"2019-05-11T20:32:27.940Z\", not {}; \
             write the date in quotes in that form",
            what(v)
        )),
        (Conv::Flag, Value::Bool(_) | Value::Object(_)) => as_is(),
        // Deeper: the destination's own settings, which Segment passes on as they are.
        (Conv::Flag, _) if c.path.len() > 2 => as_is(),
        (Conv::Flag, v) => Err(format!(
            "{field} takes true or false (or an object of the destination's settings), not {}; \
             write true or false, without quotes",
            what(v)
        )),
        (_, Value::String(_)) => as_is(),
        // The Objects API takes no booleans: they go as the strings a cell of true/false does.
        (_, Value::Bool(b)) if kind == CallKind::Object => Ok(format!("\"{b}\"").into_bytes()),
        // The call's own fields: the ids, event, name, category.
        (Conv::Str, v) if !placed.data && c.path.len() == 1 => {
            let fix = match v {
                Value::Number(_) | Value::Bool(_) => format!("write it in quotes: \"{v}\""),
                _ => "give one text value, in quotes".to_string(),
            };
            Err(format!("{field} takes a string, not {}; {fix}", what(v)))
        }
        (_, v @ (Value::Array(_) | Value::Object(_))) if kind == CallKind::Object => Err(format!(
            "the Objects API takes a string or a number for each property (true/false go as \
                 strings), not {}; set each value at a path of its own, like {field}.name",
            what(v)
        )),
        _ => as_is(),
    }
}

/// The JSON type of `v`, for messages: `a number`.
fn what(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
