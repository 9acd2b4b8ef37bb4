//! The values the engine hands its hosts (what the WebAssembly binding returns, the options it
//! takes, what a host stores for a piece) are the serde types beside the code that makes them;
//! this module generates their TypeScript from them, the way map/mapping/generated.rs does the
//! mapping's, so the binding declares no type by hand. tests/generated.rs checks the committed
//! file (schema/engine.d.ts), and the binding includes it in the package's .d.ts.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde_json::Value;

use crate::ingest::Validation;
use crate::map::draft::Draft;
use crate::map::file_name::FileSpec;
use crate::map::mapping::generated::{declare, mapping_type_names};
use crate::options::Options;
use crate::pieces::merge::{Combined, Part};
use crate::pieces::split::{Split, SplitSoFar};
use crate::report::{Progress, Report};
use crate::workbook::ByteRange;
use crate::write::batch::BatchInfo;

/// The TypeScript of the engine's values: an interface for each object, a type for each other
/// shape, doc comments from the Rust docs. The mapping's own types (MappingRule, CallKind,
/// ColumnType, …) are declared by the mapping's file and only named here.
pub fn values_typescript() -> String {
    let mut returned = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    // What the binding returns, and what it reads back from the host (a Part, as stored).
    add::<Report>(&mut returned);
    add::<Progress>(&mut returned);
    add::<BatchInfo<()>>(&mut returned);
    add::<FileSpec>(&mut returned);
    add::<Split>(&mut returned);
    add::<SplitSoFar>(&mut returned);
    add::<Part>(&mut returned);
    add::<Combined>(&mut returned);
    add::<Validation>(&mut returned);
    add::<Draft>(&mut returned);
    add::<ByteRange>(&mut returned);
    // What the binding takes: read as serde reads it (every option has a default).
    let mut taken = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    add::<Options>(&mut taken);

    let known = mapping_type_names();
    let mut defs: Vec<(String, Value)> = returned
        .take_definitions(true)
        .into_iter()
        .chain(taken.take_definitions(true))
        .filter(|(name, _)| !known.contains(name))
        .collect();
    defs.sort_by(|a, b| a.0.cmp(&b.0));
    defs.dedup_by(|a, b| a.0 == b.0);
    for (_, schema) in &mut defs {
        plain_docs(schema);
    }
    let mut out = String::from(
        "// Generated from the engine's Rust types (see src/values.rs) by tests/generated.rs: do not edit.\n",
    );
    declare(&mut out, defs.iter().map(|(k, v)| (k.as_str(), v)));
    out
}

/// Makes `T` (and what it names) a definition of `generator`.
fn add<T: JsonSchema>(generator: &mut SchemaGenerator) {
    generator.subschema_for::<T>();
}

/// Rustdoc links in the descriptions as plain code: [`crate::Ingest::header`] → `Ingest.header`.
fn plain_docs(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(text) if key == "description" => *text = unlink(text),
                    _ => plain_docs(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(plain_docs),
        _ => {}
    }
}

fn unlink(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("[`") {
        let Some(len) = rest[at + 2..].find("`]") else {
            break;
        };
        let path = &rest[at + 2..at + 2 + len];
        out.push_str(&rest[..at]);
        out.push('`');
        out.push_str(&path.trim_start_matches("crate::").replace("::", "."));
        out.push('`');
        rest = &rest[at + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn rustdoc_links_become_code() {
        assert_eq!(
            super::unlink("what [`crate::Ingest::header`] gives, after [`Splitter::suspend`]; [x]"),
            "what `Ingest.header` gives, after `Splitter.suspend`; [x]"
        );
    }
}
