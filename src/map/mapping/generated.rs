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

/// The TypeScript type a schema stands for.
fn ts_type(s: &Value) -> String {
    let union = |items: &Vec<Value>| items.iter().map(ts_type).collect::<Vec<_>>().join(" | ");
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some(c) = s.get("const") {
        return c.to_string();
    }
    if let Some(items) = s.get("oneOf").or(s.get("anyOf")).and_then(Value::as_array) {
        return union(items);
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
