//! Reads one header cell, such as `properties.products[0].price:number`, into a path and a type.

use serde::{Serialize, Serializer};

use crate::map::header::HeaderProblem;

/// The largest array index a column may name; larger ones are mistakes, not data.
const MAX_INDEX: u32 = 999;

/// Segments that JavaScript code reading the payload would treat as special.
const RESERVED: [&str; 3] = ["__proto__", "constructor", "prototype"];

/// A step in a column's path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Seg {
    /// An object key.
    Key(String),
    /// An array position.
    Index(u32),
    /// `[]`: each row of a mapping's `group` fills one item of the list, in row order.
    Each,
}

impl Seg {
    /// Whether the segment is a place in a list (`[0]` or `[]`).
    pub(crate) fn in_list(&self) -> bool {
        matches!(self, Seg::Index(_) | Seg::Each)
    }
}

/// The `:type` suffix of a column. Serialises as its name (`"number"`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Always a JSON string.
    String,
    /// A JSON number, from any decimal text.
    Number,
    /// A whole JSON number.
    Integer,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`).
    Boolean,
    /// An ISO-8601 UTC date-time string.
    Timestamp,
    /// A JSON literal, for arrays and objects.
    Json,
}

impl ColumnType {
    /// Every type, in the order messages list them.
    pub const ALL: [ColumnType; 6] = [
        ColumnType::String,
        ColumnType::Number,
        ColumnType::Integer,
        ColumnType::Boolean,
        ColumnType::Timestamp,
        ColumnType::Json,
    ];

    /// The type's name, as written after the `:`.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Number => "number",
            ColumnType::Integer => "integer",
            ColumnType::Boolean => "boolean",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Json => "json",
        }
    }

    fn from_name(name: &str) -> Option<ColumnType> {
        Some(match name {
            "string" => ColumnType::String,
            "number" => ColumnType::Number,
            "integer" => ColumnType::Integer,
            "boolean" => ColumnType::Boolean,
            "timestamp" => ColumnType::Timestamp,
            "json" => ColumnType::Json,
            _ => return None,
        })
    }
}

/// How a column's cells are typed, as the report's column table shows it: a [`ColumnType`], or
/// one of the two ways the engine types the cells of a column that names none. Serialises as
/// its name: `"auto"`, `"flag"`, or the type's (`"number"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellType {
    /// Numbers that read back as the same text and `true`/`false` typed, other text a string.
    Auto,
    /// `true`/`false` as booleans, other text a string (`integrations.*`).
    Flag,
    /// As the type says (named by the column, or the one the field always has, like
    /// `timestamp`).
    Typed(ColumnType),
}

impl CellType {
    /// The name the report shows.
    pub fn as_str(self) -> &'static str {
        match self {
            CellType::Auto => "auto",
            CellType::Flag => "flag",
            CellType::Typed(ty) => ty.as_str(),
        }
    }
}

impl schemars::JsonSchema for CellType {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CellType".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "How a column's cells are typed: its ColumnType, or for a column that names none, \"auto\" (numbers and true/false typed, other text a string) or \"flag\" (true/false as booleans, other text a string; integrations.*).",
            "anyOf": [
                generator.subschema_for::<ColumnType>(),
                { "const": CellType::Auto.as_str() },
                { "const": CellType::Flag.as_str() },
            ],
        })
    }
}

impl Serialize for CellType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CellType::Typed(ty) => ty.serialize(serializer),
            CellType::Auto | CellType::Flag => serializer.serialize_str(self.as_str()),
        }
    }
}

/// A header cell, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ColumnName {
    pub path: Vec<Seg>,
    pub ty: Option<ColumnType>,
}

impl ColumnName {
    /// The first key of the path (every path starts with one).
    pub fn head(&self) -> &str {
        match self.path.first() {
            Some(Seg::Key(k)) => k,
            _ => "",
        }
    }

    /// The last key of the path, ignoring array positions.
    pub fn last_key(&self) -> &str {
        self.path
            .iter()
            .rev()
            .find_map(|s| match s {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) | Seg::Each => None,
            })
            .unwrap_or("")
    }
}

/// Reads a header cell: dotted keys, `[n]` positions, and an optional `:type`.
pub(crate) fn parse(cell: &str) -> Result<ColumnName, HeaderProblem> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(HeaderProblem::EmptyName);
    }
    let (path_text, ty) = match cell.rsplit_once(':') {
        Some((path, ty)) => match ColumnType::from_name(ty.trim()) {
            Some(t) => (path.trim_end(), Some(t)),
            None => return Err(HeaderProblem::UnknownType(ty.trim().to_string())),
        },
        None => (cell, None),
    };
    let mut path = Vec::new();
    for part in path_text.split('.') {
        let (key, mut indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() || key.contains(']') {
            return Err(if key.is_empty() {
                HeaderProblem::EmptySegment
            } else {
                HeaderProblem::BadIndex
            });
        }
        if RESERVED.contains(&key) {
            return Err(HeaderProblem::Reserved(key.to_string()));
        }
        path.push(Seg::Key(key.to_string()));
        while !indexes.is_empty() {
            let close = indexes.find(']').ok_or(HeaderProblem::BadIndex)?;
            let digits = &indexes[1..close];
            if digits.is_empty() {
                path.push(Seg::Each);
                indexes = &indexes[close + 1..];
                if !indexes.is_empty() && !indexes.starts_with('[') {
                    return Err(HeaderProblem::BadIndex);
                }
                continue;
            }
            let index = digits
                .parse::<u32>()
                .ok()
                .filter(|&n| n <= MAX_INDEX && digits.bytes().all(|b| b.is_ascii_digit()))
                .ok_or(HeaderProblem::BadIndex)?;
            path.push(Seg::Index(index));
            indexes = &indexes[close + 1..];
            if !indexes.is_empty() && !indexes.starts_with('[') {
                return Err(HeaderProblem::BadIndex);
            }
        }
    }
    Ok(ColumnName { path, ty })
}

/// Writes a path back as the user would: `properties.products[0].sku`.
pub(crate) fn display_path(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
            Seg::Each => s.push_str("[]"),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }

    #[test]
    fn cell_types_serialise_as_the_names_the_report_always_had() {
        let all = [
            (CellType::Auto, "auto"),
            (CellType::Flag, "flag"),
            (CellType::Typed(ColumnType::String), "string"),
            (CellType::Typed(ColumnType::Number), "number"),
            (CellType::Typed(ColumnType::Integer), "integer"),
            (CellType::Typed(ColumnType::Boolean), "boolean"),
            (CellType::Typed(ColumnType::Timestamp), "timestamp"),
            (CellType::Typed(ColumnType::Json), "json"),
        ];
        for (ty, name) in all {
            assert_eq!(serde_json::to_string(&ty).unwrap(), format!("\"{name}\""));
            assert_eq!(ty.as_str(), name);
            if let CellType::Typed(t) = ty {
                assert_eq!(ColumnType::from_name(name), Some(t));
            }
        }
    }

    #[test]
    fn paths_indexes_and_types() {
        assert_eq!(
            parse("properties.products[0].price:number").unwrap(),
            ColumnName {
                path: vec![
                    key("properties"),
                    key("products"),
                    Seg::Index(0),
                    key("price")
                ],
                ty: Some(ColumnType::Number)
            }
        );
        assert_eq!(
            parse(" userId ").unwrap(),
            ColumnName {
                path: vec![key("userId")],
                ty: None
            }
        );
        assert_eq!(
            parse("m[1][2]").unwrap().path,
            vec![key("m"), Seg::Index(1), Seg::Index(2)]
        );
        assert_eq!(parse("traits.createdAt").unwrap().last_key(), "createdAt");
        assert_eq!(parse("tags[3]").unwrap().last_key(), "tags");
    }

    #[test]
    fn problems() {
        assert_eq!(parse(""), Err(HeaderProblem::EmptyName));
        assert_eq!(parse("  "), Err(HeaderProblem::EmptyName));
        assert_eq!(parse("traits..plan"), Err(HeaderProblem::EmptySegment));
        assert_eq!(parse("traits."), Err(HeaderProblem::EmptySegment));
        assert_eq!(parse("[0]"), Err(HeaderProblem::EmptySegment));
        assert_eq!(parse("a[x]"), Err(HeaderProblem::BadIndex));
        assert_eq!(parse("a[1000]"), Err(HeaderProblem::BadIndex));
        assert_eq!(parse("a[+1]"), Err(HeaderProblem::BadIndex));
        assert_eq!(parse("a[1"), Err(HeaderProblem::BadIndex));
        assert_eq!(parse("a[1]b"), Err(HeaderProblem::BadIndex));
        assert_eq!(
            parse("traits.age:int"),
            Err(HeaderProblem::UnknownType("int".into()))
        );
        assert_eq!(
            parse("traits.__proto__.x"),
            Err(HeaderProblem::Reserved("__proto__".into()))
        );
        assert_eq!(
            parse("constructor"),
            Err(HeaderProblem::Reserved("constructor".into()))
        );
    }

    #[test]
    fn display_round_trips() {
        let p = parse("properties.products[0].sku").unwrap();
        assert_eq!(display_path(&p.path), "properties.products[0].sku");
        let p = parse("properties.products[].sku:number").unwrap();
        assert_eq!(
            p.path,
            vec![key("properties"), key("products"), Seg::Each, key("sku")]
        );
        assert_eq!(display_path(&p.path), "properties.products[].sku");
    }
}
