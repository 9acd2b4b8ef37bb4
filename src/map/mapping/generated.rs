//! What is generated from the mapping's types ([`super::shape`]): its JSON Schema
//! (schema/csv2segment.schema.json) and its TypeScript (in the package's .d.ts). tests/generated.rs
//! writes them and fails when the committed files differ, so they never drift from the types.

use schemars::generate::SchemaSettings;
use serde_json::Value;

use super::shape::MappingFile;
use super::vocabulary::Vocabulary;

/// The mapping's JSON Schema (draft 2020-12), as the text of schema/csv2segment.schema.json.
pub fn mapping_schema() -> String {
    let schema = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator()
        .into_root_schema_for::<MappingFile>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The mapping's TypeScript declarations, from the same schema: an interface for each object,
/// a union of literals for each enum, doc comments from the descriptions.
pub fn mapping_typescript() -> String {
    let mapping: Value = serde_json::from_str(&mapping_schema()).unwrap_or_default();
    let vocabulary = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Vocabulary>();
    let mut out = String::from(
        "// Generated from src/map/mapping/shape.rs and vocabulary.rs by tests/generated.rs: do not edit.\n",
    );
    declarations(&mut out, "Mapping", &mapping);
    declarations(&mut out, "Vocabulary", vocabulary.as_value());
    out
}

/// The TypeScript of a root schema named `root` and of its definitions.
fn declarations(out: &mut String, root: &str, schema: &Value) {
    let defs = schema.get("$defs").and_then(Value::as_object);
    let mut decls: Vec<(&str, &Value)> = vec![(root, schema)];
    decls.extend(defs.into_iter().flatten().map(|(k, v)| (k.as_str(), v)));
    declare(out, decls);
}

/// The names [`mapping_typescript`] declares, so that TypeScript generated beside it (the
/// engine's values, src/values.rs) refers to them instead of declaring them again.
pub(crate) fn mapping_type_names() -> Vec<String> {
    mapping_typescript()
        .lines()
        .filter_map(|l| {
            let rest = l
                .strip_prefix("export interface ")
                .or_else(|| l.strip_prefix("export type "))?;
            rest.split([' ', '<']).next().map(str::to_string)
        })
        .collect()
}

/// An interface (for an object schema) or a type alias for each `(name, schema)`, with the
/// schema's description as its doc comment.
pub(crate) fn declare<'a>(out: &mut String, decls: impl IntoIterator<Item = (&'a str, &'a Value)>) {
    for (name, s) in decls {
        out.push('\n');
        doc(out, "", s);
        match s.get("properties").and_then(Value::as_object) {
            Some(props) => {
                out.push_str(&format!("export interface {name} {{\n"));
                let required = s.get("required").and_then(Value::as_array);
                for (key, p) in props {
                    doc(out, "  ", p);
                    let optional = !required.is_some_and(|r| r.iter().any(|k| k == key));
                    let key = if key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                    {
                        key.clone()
                    } else {
                        Value::String(key.clone()).to_string()
                    };
                    let q = if optional { "?" } else { "" };
                    out.push_str(&format!("  {key}{q}: {};\n", ts_type(p)));
                }
                out.push_str("}\n");
            }
            None => out.push_str(&format!("export type {name} = {};\n", ts_type(s))),
        }
    }
}

/// A `/** … */` comment of the schema's description, if it has one.
fn doc(out: &mut String, indent: &str, s: &Value) {
    let Some(d) = s.get("description").and_then(Value::as_str) else {
        return;
    };
    let lines: Vec<&str> = d.lines().map(str::trim).collect();
    if lines.len() == 1 {
        out.push_str(&format!("{indent}/** {} */\n", lines[0]));
    } else {
        out.push_str(&format!("{indent}/**\n"));
        for l in lines {
            out.push_str(&format!("{indent} * {l}\n"));
        }
        out.push_str(&format!("{indent} */\n"));
    }
}

/// The key of a schema that gives its TypeScript type outright, for a value the binding hands
/// over as a JavaScript object of its own (a `Uint8Array`) rather than as data.
pub(crate) const TS_TYPE: &str = "x-typescript";

/// The TypeScript type a schema stands for.
fn ts_type(s: &Value) -> String {
    let union = |items: &Vec<Value>| items.iter().map(ts_type).collect::<Vec<_>>().join(" | ");
    if let Some(t) = s.get(TS_TYPE).and_then(Value::as_str) {
        return t.to_string();
    }
    if s.as_bool() == Some(true) {
        return "unknown".into();
    }
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r).to_string();
        return match s.get("type").and_then(Value::as_array) {
            // A `$ref` beside `"type": [.., "null"]`: schemars' Option of a named type.
            Some(types) if types.iter().any(|t| t == "null") => format!("{name} | null"),
            _ => name,
        };
    }
    if let Some(c) = s.get("const") {
        return c.to_string();
    }
    if let Some(items) = s.get("enum").and_then(Value::as_array) {
        return items
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(" | ");
    }
    if let Some(items) = s.get("oneOf").or(s.get("anyOf")).and_then(Value::as_array) {
        return union(items);
    }
    if let Some(types) = s.get("type").and_then(Value::as_array) {
        // `"type": ["string", "null"]`: schemars' Option of a plain type.
        let one = |t: &Value| {
            let mut single = s.clone();
            if let Some(o) = single.as_object_mut() {
                o.insert("type".into(), t.clone());
            }
            ts_type(&single)
        };
        return types.iter().map(one).collect::<Vec<_>>().join(" | ");
    }
    match s.get("type").and_then(Value::as_str) {
        Some("string") => "string".into(),
        Some("number" | "integer") => "number".into(),
        Some("boolean") => "boolean".into(),
        Some("null") => "null".into(),
        Some("array") => match s.get("items") {
            Some(items) => {
                let t = ts_type(items);
                if t.contains(' ') {
                    format!("({t})[]")
                } else {
                    format!("{t}[]")
                }
            }
            None => "unknown[]".into(),
        },
        Some("object") => match s.get("additionalProperties") {
            Some(Value::Bool(false)) | None => "object".into(),
            Some(v) => format!("Record<string, {}>", ts_type(v)),
        },
        _ => "unknown".into(),
    }
}
