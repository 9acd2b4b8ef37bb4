//! The files generated from the mapping's Rust types (map/mapping/shape.rs) are the ones
//! committed: schema/csv2segment.schema.json and the mapping's TypeScript. A change to the types
//! that is not regenerated fails here, naming the file and the command that writes it.

use std::path::Path;

/// The command that rewrites the generated files from the types.
const BLESS: &str = "CSV2SEGMENT_BLESS_GENERATED=1 cargo test --test generated";

/// True when CSV2SEGMENT_BLESS_GENERATED asks to rewrite the files; refused under CI, where it
/// would make the test agree with whatever the code does (scripts/test.mjs refuses it too).
fn blessing() -> bool {
    let set = std::env::var_os("CSV2SEGMENT_BLESS_GENERATED").is_some();
    let ci =
        std::env::var("CI").is_ok_and(|v| !matches!(v.to_lowercase().as_str(), "" | "false" | "0"));
    assert!(!(set && ci), "CSV2SEGMENT_BLESS_GENERATED is set under CI: it rewrites the generated files from the code under test; unset it");
    set
}

fn check(file: &str, fresh: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    if blessing() {
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{file} is not what the Rust types it is generated from (src/map/mapping/shape.rs, src/values.rs) generate: run `{BLESS}` and commit it"
    );
}

#[test]
fn the_mapping_schema_is_generated_from_the_types() {
    check(
        "schema/csv2segment.schema.json",
        &csv2segment::mapping_schema(),
    );
}

#[test]
fn the_engine_values_typescript_is_generated_from_the_types() {
    check("schema/engine.d.ts", &csv2segment::values_typescript());
}

#[test]
fn the_mapping_typescript_is_generated_from_the_types() {
    check(
        "schema/csv2segment.d.ts",
        &csv2segment::mapping_typescript(),
    );
}
