//! The mapping's shape, declared once: these types are what `csv2segment.json` may hold. serde
//! reads them (and writes them, for the draft), schemars derives schema/csv2segment.schema.json
//! from them (their doc comments are its descriptions) and its TypeScript ([`super::generated`]),
//! and [`super::Mapping::parse`] checks the typed value. A new key is a field here (and, where
//! it needs one, a check in `parse`).
//!
//! Every field is a [`Field`]: a value of the wrong type is kept, not an error that stops serde,
//! so the check names every problem of a mapping at once, each with its path.

use std::fmt;
use std::marker::PhantomData;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::base::limits::limit;
use crate::map::column::ColumnType;
use crate::map::file_name::CallKind;
use crate::read::decode::Encoding;

/// One field as written: absent, a value of its type, or a value that is not (which the check
/// reports, reading the value from the mapping's JSON).
///
/// Read only from a `serde_json::Value` (as [`super::Mapping::parse`] does): there each field's
/// value is a deserializer of its own, so a value of the wrong type is skipped and the fields
/// after it are still read, with no copy of the value kept.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum Field<T> {
    #[default]
    Absent,
    Given(T),
    Wrong,
}

impl<T> Field<T> {
    pub(crate) fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// The value, when it has the field's type.
    pub(crate) fn given(&self) -> Option<&T> {
        match self {
            Field::Given(t) => Some(t),
            _ => None,
        }
    }
}

impl<T> From<Option<T>> for Field<T> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Field::Absent, Field::Given)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(T::deserialize(d).map_or(Field::Wrong, Field::Given))
    }
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Given(t) => t.serialize(s),
            Field::Absent | Field::Wrong => s.serialize_none(),
        }
    }
}

/// The schema of the type the field must have.
impl<T: JsonSchema> JsonSchema for Field<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// A JSON object's entries as pairs, in the order read (a parsed mapping's `Value` gives them
/// sorted, one per key) or written (the draft's columns in the file's order).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Entries<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Entries<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Pairs<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
                while let Some(entry) = map.next_entry()? {
                    pairs.push(entry);
                }
                Ok(Entries(pairs))
            }
        }
        d.deserialize_map(Pairs(PhantomData))
    }
}

impl<V: JsonSchema> JsonSchema for Entries<V> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Entries_of_{}", V::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }
}

/// How csv2segment reads files as they come (any name, delimiter, encoding and column names): a list of rules; the first whose match fits the file's base name applies. See docs/files-and-mappings.md, "Files as they come".
#[doc = concat!(" A mapping's text is at most ", limit!(MAX_MAPPING_BYTES), " bytes (1 MiB, MAX_MAPPING_BYTES).")]
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(
    rename = "Mapping",
    title = "csv2segment mapping",
    extend(
        "$id" = "https://github.com/csv2segment/csv2segment/schema/csv2segment.schema.json",
        "required" = ["files"]
    )
)]
pub(crate) struct MappingFile {
    /// The schema the file follows, for editors.
    #[serde(rename = "$schema", skip_serializing_if = "Field::is_absent")]
    pub schema: Field<String>,
    /// The rules, in order. A file no rule matches is read by its name and header.
    #[serde(skip_serializing_if = "Field::is_absent")]
    pub files: Field<Vec<Field<RuleShape>>>,
}

/// One rule of a mapping: the first whose match fits the file's base name applies.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(rename = "MappingRule", extend("required" = ["match"], "allOf" = rule_conditions()))]
pub(crate) struct RuleShape {
    /// A glob on the file's base name: * any run of characters, ? one; case-insensitive.
    #[serde(rename = "match", skip_serializing_if = "Field::is_absent")]
    #[schemars(length(min = 1))]
    pub pattern: Field<String>,
    /// The call every row becomes; without it, the file name's prefix decides.
    #[serde(skip_serializing_if = "Field::is_absent")]
    pub call: Field<CallKind>,
    /// The Objects API collection (with call object): lowercase letters and _, at most 100, no _ at either end.
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(extend("pattern" = "^[a-z](?:[a-z_]{0,98}[a-z])?$"))]
    pub collection: Field<String>,
    /// One ASCII character other than a quote or a line break, or auto (the default): guessed from the header among , ; tab |.
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(extend("pattern" = "^(?:auto|[\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u0021\\u0023-\\u007f])$"))]
    pub delimiter: Field<String>,
    /// The file's encoding; a byte order mark wins over it.
    #[serde(skip_serializing_if = "Field::is_absent")]
    pub encoding: Field<Encoding>,
    /// The decimal mark of numbers: with , the thousands separator . is read (1.234,50 is 1234.5).
    #[serde(skip_serializing_if = "Field::is_absent")]
    pub decimal: Field<Decimal>,
    /// Rows not read (as a CSV reader counts them: blank lines are not counted, and a quoted line break is one row): a number of rows before the header row (a report title, # comments, a Key,Value block), or {"before": n, "after": m} to also pass over more header rows after it (Qualtrics writes labels and import ids under its names).
    #[doc = concat!(" At most ", limit!(MAX_SKIP), " each (MAX_SKIP). Line numbers in reports stay the file's.")]
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(extend("examples" = [3, { "before": 0, "after": 2 }]))]
    pub skip: Field<SkipShape>,
    /// For an Excel workbook (.xlsx, .xlsm): the sheet whose rows are read, by its name as its tab shows it (case ignored) or by its position from 1; the first sheet by default. A workbook without that sheet is not read, and the error lists its sheets.
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(schema_with = "sheet_schema")]
    pub sheet: Field<Value>,
    /// The file has no header row: these are its columns, in order. As a header record (the names with a delimiter between each two)
    #[doc = concat!(" at most ", limit!(MAX_HEADER_BYTES), " bytes (MAX_HEADER_BYTES), so at most ", limit!(MAX_MAPPING_COLUMNS), " names.")]
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(extend(
        "minItems" = 1,
        "maxItems" = limit!(MAX_MAPPING_COLUMNS),
        "items" = { "type": "string", "pattern": "\\S", "maxLength": limit!(MAX_HEADER_BYTES) }
    ))]
    pub header: Field<Vec<String>>,
    /// The file's column name: a target in header syntax, an object, or null to drop the column.
    #[doc = concat!(" At most ", limit!(MAX_MAPPING_COLUMNS), " (MAX_MAPPING_COLUMNS), the most columns a 64 KB header can have.")]
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(extend("maxProperties" = limit!(MAX_MAPPING_COLUMNS)))]
    pub columns: Field<Entries<Field<Column>>>,
    /// Values every row gets, by path in header syntax (no :type):
    #[doc = concat!(" at most ", limit!(MAX_MAPPING_COLUMNS), " (MAX_MAPPING_COLUMNS), each at most ", limit!(MAX_CONSTANT_BYTES), " bytes as JSON (MAX_CONSTANT_BYTES).")]
    /// Each is checked as a cell of its field, for the rule's call or else the call the file's name makes: a date (a path ending in timestamp or createdAt) is a string the date rules read (like 2019-05-11T20:32:27.940Z, 2019-05-11 or Unix seconds), sent as ISO-8601 UTC; the call's own fields (userId, anonymousId, previousId, groupId, event, name, category) take strings; integrations.<Destination> takes true or false, or an object of the destination's settings; an object call's properties take a string, a number or true/false. Elsewhere the value's JSON type is sent as it is.
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(schema_with = "set_schema")]
    pub set: Field<Entries<Value>>,
    /// Columns not named in columns: kept by the header rules (the default), or dropped.
    #[serde(skip_serializing_if = "Field::is_absent")]
    pub unmapped: Field<Unmapped>,
    /// A line-item export (one row per item of an order): consecutive rows with the same cell in this column are one event. The event's fields are read from the group's first row; each column whose target has [] (like properties.products[].sku) is read from every row of the group, in row order, into that list.
    #[doc = concat!(" At most ", limit!(MAX_GROUP_ROWS), " rows a group (MAX_GROUP_ROWS); a larger group is rejected.")]
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(length(min = 1), extend("examples" = ["Name", "Order ID"]))]
    pub group: Field<String>,
}

/// Where one column of the file goes.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(inline)]
pub(crate) enum Column {
    /// Left out of the payload.
    Drop,
    /// Where a column goes, in header syntax with an optional :type, like properties.amount:number.
    To(#[schemars(schema_with = "target_schema")] String),
    /// A target with a type, a date format and its zone.
    Object(ColumnObject),
}

/// `null`, a string or an object, told apart by the JSON as `untagged` would, but read once
/// (untagged buffers each entry) and never an object from a list.
impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = Column;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("null, a target path or an object {\"to\": ...}")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Column, E> {
                Ok(Column::Drop)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Column, E> {
                Ok(Column::Drop)
            }
            fn visit_str<E: serde::de::Error>(self, to: &str) -> Result<Column, E> {
                Ok(Column::To(to.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, to: String) -> Result<Column, E> {
                Ok(Column::To(to))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Column, A::Error> {
                ColumnObject::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Column::Object)
            }
        }
        d.deserialize_any(Either)
    }
}

/// A column's target with its type and the date format its values are read with.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(
    rename = "MappedColumn",
    extend("required" = ["to"], "dependentRequired" = { "timezone": ["format"], "unlisted": ["values"], "with": ["format"] }, "allOf" = column_conditions())
)]
pub(crate) struct ColumnObject {
    /// Where the column goes, like properties.amount.
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(schema_with = "target_schema")]
    pub to: Field<String>,
    /// The type its cells are sent as.
    #[serde(rename = "type", skip_serializing_if = "Field::is_absent")]
    pub ty: Field<ColumnType>,
    /// A chrono strftime pattern for dates, like %d.%m.%Y %H:%M.
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(length(min = 1))]
    pub format: Field<String>,
    /// A fixed offset for dates that carry no zone, like +01:00; default UTC.
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(extend("pattern" = "^\\s*(?:[+-]\\d{2}(?::?\\d{2})?|[Zz]|[Uu][Tt][Cc])\\s*$"))]
    pub timezone: Field<String>,
    /// Other columns whose cells complete this column's date, like a time and a time zone kept in columns of their own: each row's cells are joined with single spaces (this column's first, then these in order) and read with the format, which covers them all. The columns named here are not sent on their own unless the rule's columns map them.
    #[doc = concat!(" At most ", limit!(MAX_WITH_COLUMNS), " (MAX_WITH_COLUMNS).")]
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(extend(
        "minItems" = 1,
        "maxItems" = limit!(MAX_WITH_COLUMNS),
        "uniqueItems" = true,
        "items" = { "type": "string", "pattern": "\\S" },
        "examples" = [["Time", "TimeZone"]]
    ))]
    pub with: Field<Vec<String>>,
    /// The column's values and the string to send for each, like {"view": "Product Viewed"}: a cell the table lists (matched as written, with the spaces around it trimmed) is sent as its string; any other as the column sends it, or its row is rejected with "unlisted": "reject". For a column sent as text (no type, or string) and without a format;
    #[doc = concat!(" at most ", limit!(MAX_VALUES), " entries (MAX_VALUES), each string at most ", limit!(MAX_CONSTANT_BYTES), " bytes as JSON (MAX_CONSTANT_BYTES).")]
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(schema_with = "values_schema")]
    pub values: Field<Entries<Value>>,
    /// What becomes of a cell the values table does not list: sent as the column sends it, as written (keep, the default), or its row rejected with a message naming the value and the table (reject).
    #[serde(skip_serializing_if = "Field::is_absent")]
    pub unlisted: Field<Unlisted>,
}

/// What becomes of a cell a column's values table does not list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum Unlisted {
    /// Sent as the column sends any cell (the default): a value may already be the name to send.
    Keep,
    /// The row is rejected, naming the value and the table.
    Reject,
}

impl Unlisted {
    pub(crate) const ALL: [Unlisted; 2] = [Unlisted::Keep, Unlisted::Reject];
}

fn values_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "maxProperties": limit!(MAX_VALUES),
        "propertyNames": { "pattern": "^\\S(?:.*\\S)?$" },
        "additionalProperties": {
            "type": "string",
            "minLength": 1,
            "maxLength": limit!(MAX_CONSTANT_BYTES) - 2
        },
        "examples": [{
            "view": "Product Viewed",
            "cart": "Product Added",
            "remove_from_cart": "Product Removed",
            "purchase": "Order Completed"
        }]
    })
}

/// A rule's `skip`: a count of rows before the header row, or the rows before and after it.
/// The counts are kept as written (any JSON number) and checked with their paths by
/// [`super::Mapping::parse`].
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(inline)]
pub(crate) enum SkipShape {
    /// Rows before the header row.
    Before(#[schemars(schema_with = "skip_count_schema")] Value),
    /// Rows before the header row, and after it.
    Around(SkipAround),
}

/// A number or an object, told apart by the JSON; anything else is a wrong value.
impl<'de> Deserialize<'de> for SkipShape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = SkipShape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of rows or an object {\"before\": n, \"after\": m}")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<SkipShape, E> {
                Ok(SkipShape::Before(n.into()))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<SkipShape, E> {
                Ok(SkipShape::Before(n.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<SkipShape, E> {
                Ok(SkipShape::Before(n.into()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SkipShape, A::Error> {
                SkipAround::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(SkipShape::Around)
            }
        }
        d.deserialize_any(Either)
    }
}

/// Rows not read before the header row and after it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(rename = "SkipAround")]
pub(crate) struct SkipAround {
    /// Rows before the header row.
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(schema_with = "skip_count_schema")]
    pub before: Field<Value>,
    /// Rows after the header row: more header rows, not data.
    #[serde(skip_serializing_if = "Field::is_absent")]
    #[schemars(schema_with = "skip_count_schema")]
    pub after: Field<Value>,
}

fn sheet_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "oneOf": [
            { "type": "string", "minLength": 1, "maxLength": 31 },
            { "type": "integer", "minimum": 1, "maximum": 65535 }
        ],
        "examples": ["Orders", 2]
    })
}

fn skip_count_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": 0, "maximum": limit!(MAX_SKIP) })
}

/// The decimal mark of numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(inline)]
pub(crate) enum Decimal {
    /// 1234.5 (the default).
    #[serde(rename = ".")]
    Point,
    /// 1234,5, with . as the thousands separator.
    #[serde(rename = ",")]
    Comma,
}

impl Decimal {
    pub(crate) const ALL: [Decimal; 2] = [Decimal::Point, Decimal::Comma];
}

/// What becomes of the columns a rule's columns do not name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum Unmapped {
    /// Read by the header rules (the default).
    Keep,
    /// Left out of the payload.
    Drop,
}

impl Unmapped {
    pub(crate) const ALL: [Unmapped; 2] = [Unmapped::Keep, Unmapped::Drop];
}

/// The serde names of `all`, in order: the words a mapping writes for an enum's values.
pub(crate) fn names<T: Serialize>(all: &[T]) -> Vec<String> {
    all.iter()
        .filter_map(|v| match serde_json::to_value(v) {
            Ok(Value::String(s)) => Some(s),
            _ => None,
        })
        .collect()
}

/// The field names of the struct `T` deserializes, in their declared order, as serde knows
/// them (asked through a deserializer that only listens).
pub(crate) fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Listen(Option<&'static [&'static str]>);
    #[derive(Debug)]
    struct Heard;
    impl fmt::Display for Heard {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("heard")
        }
    }
    impl std::error::Error for Heard {}
    impl serde::de::Error for Heard {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Heard
        }
    }
    impl<'de> Deserializer<'de> for &mut Listen {
        type Error = Heard;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Heard> {
            Err(Heard)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Heard> {
            self.0 = Some(fields);
            Err(Heard)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut listen = Listen(None);
    let _ = T::deserialize(&mut listen);
    listen.0.unwrap_or(&[])
}

/// A path in header syntax, as a set key: no :type.
fn path_schema() -> Value {
    serde_json::json!({
        "description": "A dotted path with [n] list positions, like properties.items[0].sku.",
        "type": "string",
        "pattern": "^\\s*[^.:\\[\\]\\s][^:]*$"
    })
}

fn target_schema(_: &mut SchemaGenerator) -> Schema {
    let types = names(&ColumnType::ALL).join("|");
    json_schema!({
        "description": "Where a column goes, in header syntax with an optional :type, like properties.amount:number.",
        "type": "string",
        "pattern": format!("^\\s*[^.:\\[\\]\\s][^:]*(?::\\s*(?:{types})\\s*)?$")
    })
}

fn set_schema(_: &mut SchemaGenerator) -> Schema {
    let most = limit!(MAX_CONSTANT_BYTES) - 2;
    json_schema!({
        "type": "object",
        "maxProperties": limit!(MAX_MAPPING_COLUMNS),
        "propertyNames": { "allOf": [path_schema()], "not": { "const": "messageId" } },
        "patternProperties": {
            "^\\s*(?:[^:]*\\.)?(?:timestamp|createdAt)\\s*$": {
                "description": "A date, as a string the date rules read: like 2019-05-11T20:32:27.940Z, 2019-05-11 or Unix seconds; sent as ISO-8601 UTC.",
                "type": "string",
                "minLength": 1,
                "maxLength": most
            }
        },
        "additionalProperties": {
            "anyOf": [
                { "type": "string", "minLength": 1, "maxLength": most },
                { "type": "number" },
                { "type": "boolean" },
                { "type": "object" },
                { "type": "array" }
            ]
        }
    })
}

/// `set` restricted to `properties` when the rule's call is one of `calls`.
fn when_call(calls: &[CallKind], set: Value) -> Value {
    let names = names(calls);
    let call = if names.len() == 1 {
        serde_json::json!({ "const": names[0] })
    } else {
        serde_json::json!({ "enum": names })
    };
    serde_json::json!({
        "if": { "required": ["call"], "properties": { "call": call } },
        "then": { "properties": { "set": set } }
    })
}

/// Fields of `set` that take a string.
fn strings(fields: &[&str]) -> Value {
    let props: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| (f.to_string(), serde_json::json!({ "type": "string" })))
        .collect();
    serde_json::json!({ "type": "object", "properties": props })
}

/// What the schema checks across a rule's fields: collection with call object only, and the
/// `set` values each call's own fields take (the engine checks each as a cell of its field).
fn rule_conditions() -> Value {
    use CallKind::*;
    let object = serde_json::json!({ "const": "object" });
    Value::Array(vec![
        serde_json::json!({
            "if": { "required": ["call"], "properties": { "call": object } },
            "then": { "required": ["collection"] }
        }),
        serde_json::json!({
            "if": { "required": ["collection"] },
            "then": { "required": ["call"], "properties": { "call": object } }
        }),
        when_call(
            &[Identify, Track, Page, Screen, Group, Alias],
            serde_json::json!({
                "type": "object",
                "properties": { "userId": { "type": "string" } },
                "patternProperties": { "^\\s*integrations\\.[^.\\[\\]]+$": { "anyOf": [{ "type": "boolean" }, { "type": "object" }] } }
            }),
        ),
        when_call(
            &[Identify, Track, Page, Screen, Group],
            strings(&["anonymousId"]),
        ),
        when_call(&[Alias], strings(&["previousId"])),
        when_call(&[Track], strings(&["event"])),
        when_call(&[Page], strings(&["name", "category"])),
        when_call(&[Screen], strings(&["name"])),
        when_call(&[Group], strings(&["groupId"])),
        when_call(
            &[Object],
            serde_json::json!({ "type": "object", "additionalProperties": { "anyOf": [{ "type": "string" }, { "type": "number" }, { "type": "boolean" }] } }),
        ),
    ])
}

/// A format only with type timestamp (or none), a type only on a target without one, and
/// values only on a column sent as text, without a format.
fn column_conditions() -> Value {
    let not_text = format!(
        ":\\s*(?:{})\\s*$",
        names(&ColumnType::ALL)
            .into_iter()
            .filter(|t| t != "string")
            .collect::<Vec<_>>()
            .join("|")
    );
    serde_json::json!([
        {
            "if": { "required": ["values", "type"] },
            "then": { "properties": { "type": { "const": "string" } } }
        },
        {
            "if": { "required": ["values", "format"] },
            "then": false
        },
        {
            "if": { "required": ["values", "to"], "properties": { "to": { "type": "string", "pattern": not_text } } },
            "then": false
        },
        {
            "if": { "required": ["format", "type"] },
            "then": { "properties": { "type": { "const": "timestamp" } } }
        },
        {
            "if": { "required": ["type"], "properties": { "to": { "type": "string", "pattern": ":" } } },
            "then": false
        }
    ])
}
