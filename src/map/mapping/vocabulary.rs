//! The words and sizes of a mapping, as the engine has them, for hosts and editors to offer
//! instead of copying: each list is the serde names of the enum the mapping is read into.

use serde::Serialize;

use super::shape::{names, Decimal, Unlisted, Unmapped};
use super::BLANK_PREFIX;
use crate::base::limits::{
    MAX_CONSTANT_BYTES, MAX_GROUP_ROWS, MAX_HEADER_BYTES, MAX_MAPPING_BYTES, MAX_MAPPING_COLUMNS,
    MAX_SKIP, MAX_VALUES,
};
use crate::map::column::ColumnType;
use crate::map::draft::DRAFT_SAMPLE_BYTES;
use crate::map::file_name::CallKind;
use crate::read::decode::Encoding;
use crate::read::dialect;

/// What a mapping may say, and the engine's sizes around it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Vocabulary {
    /// The calls, as `call` takes them.
    pub calls: Vec<String>,
    /// The column types, as `type` and a target's `:type` take them.
    pub types: Vec<String>,
    /// The encodings, as `encoding` takes them; the first is the default.
    pub encodings: Vec<String>,
    /// The decimal marks; the first is the default.
    pub decimals: Vec<String>,
    /// What `unmapped` takes; the first is the default.
    pub unmapped: Vec<String>,
    /// What a column's `unlisted` takes; the first is the default.
    pub unlisted: Vec<String>,
    /// The delimiters a run guesses among when `delimiter` is `auto` (any other ASCII one may be named).
    pub delimiters: Vec<String>,
    /// The start of a value the draft leaves to fill in; a mapping with one is refused.
    pub blank_prefix: &'static str,
    /// How much of a file the draft reads (DRAFT_SAMPLE_BYTES).
    pub draft_sample_bytes: usize,
    /// The largest mapping text (MAX_MAPPING_BYTES).
    pub max_mapping_bytes: usize,
    /// The most entries of a rule's columns or set (MAX_MAPPING_COLUMNS).
    pub max_mapping_columns: usize,
    /// The largest header record, and so a rule's header list (MAX_HEADER_BYTES).
    pub max_header_bytes: usize,
    /// The largest set value as JSON (MAX_CONSTANT_BYTES).
    pub max_constant_bytes: usize,
    /// The most entries of a column's values table (MAX_VALUES).
    pub max_values: usize,
    /// The most rows a rule's group makes one event (MAX_GROUP_ROWS).
    pub max_group_rows: usize,
    /// The most rows `skip` passes over before the header row, and after it (MAX_SKIP).
    pub max_skip: usize,
    /// The list a line-item export's item columns go into, as the draft writes their targets'
    /// start (`properties.products[]`, the e-commerce spec's products).
    pub items_list: &'static str,
}

/// The mapping's vocabulary.
pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        calls: names(&CallKind::ALL),
        types: names(&ColumnType::ALL),
        encodings: names(&Encoding::ALL),
        decimals: names(&Decimal::ALL),
        unmapped: names(&Unmapped::ALL),
        unlisted: names(&Unlisted::ALL),
        delimiters: dialect::CANDIDATES
            .iter()
            .map(|&d| char::from(d).to_string())
            .collect(),
        blank_prefix: BLANK_PREFIX,
        draft_sample_bytes: DRAFT_SAMPLE_BYTES,
        max_mapping_bytes: MAX_MAPPING_BYTES,
        max_mapping_columns: MAX_MAPPING_COLUMNS,
        max_header_bytes: MAX_HEADER_BYTES,
        max_constant_bytes: MAX_CONSTANT_BYTES,
        max_values: MAX_VALUES,
        max_group_rows: MAX_GROUP_ROWS,
        max_skip: MAX_SKIP,
        items_list: crate::map::draft::ITEMS_LIST,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_is_the_words_a_mapping_takes() {
        let v = vocabulary();
        assert_eq!(
            v.calls,
            ["identify", "track", "page", "screen", "group", "alias", "object"]
        );
        assert_eq!(
            v.types,
            [
                "string",
                "number",
                "integer",
                "boolean",
                "timestamp",
                "json"
            ]
        );
        assert_eq!(
            v.encodings,
            [
                "utf-8",
                "utf-16",
                "utf-16be",
                "windows-1252",
                "macintosh",
                "iso-8859-1"
            ]
        );
        assert_eq!(v.decimals, [".", ","]);
        assert_eq!(v.unmapped, ["keep", "drop"]);
        assert_eq!(v.unlisted, ["keep", "reject"]);
        assert_eq!(v.max_values, 1000);
        assert_eq!(v.max_group_rows, 1000);
        assert_eq!(v.delimiters, [",", ";", "\t", "|"]);
        assert_eq!(
            serde_json::to_value(&v).unwrap()["blankPrefix"],
            "<fill in:"
        );
        assert_eq!(
            (
                v.draft_sample_bytes,
                v.max_mapping_bytes,
                v.max_mapping_columns
            ),
            (65536, 1048576, 32768)
        );
        assert_eq!(v.max_skip, 1000);
        assert_eq!(v.items_list, "properties.products[]");
        for n in [0, v.max_skip] {
            let m = format!(
                r#"{{"files": [{{"match": "*", "skip": {{"before": {n}, "after": {n}}}}}]}}"#
            );
            assert!(super::super::Mapping::parse(&m).is_ok(), "{n}");
        }
        let over = format!(
            r#"{{"files": [{{"match": "*", "skip": {}}}]}}"#,
            v.max_skip + 1
        );
        assert!(super::super::Mapping::parse(&over).is_err());
        // Every word is one the mapping takes.
        for call in &v.calls {
            let m = format!(
                r#"{{"files": [{{"match": "*", "call": "{call}", "collection": "rooms"}}]}}"#
            );
            let ok = super::super::Mapping::parse(&m);
            assert!(ok.is_ok() || call != "object", "{call}: {ok:?}");
        }
        for e in &v.encodings {
            let m = format!(r#"{{"files": [{{"match": "*", "encoding": "{e}"}}]}}"#);
            assert!(super::super::Mapping::parse(&m).is_ok(), "{e}");
        }
    }
}
