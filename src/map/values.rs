//! A column's `values` table: the cell values a mapping renames (an event log's `view` sent as
//! `Product Viewed`). Built once per file with each value pre-rendered as JSON, and looked up
//! from the cell's bytes on the per-row path, with no allocation.

use crate::base::out::Out;
use std::collections::HashMap;

use crate::base::json;
use crate::base::reason::{quote, Reason};

/// How many of a table's values a rejection names before it cuts the list.
const NAMED: usize = 8;

/// A checked `values` table, as the mapping's rule keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Values {
    /// Where the table is in the mapping, like `files[0].columns["event_type"].values`.
    pub path: String,
    /// Each value as written in the file (no spaces around it) and the string sent for it.
    pub pairs: Vec<(String, String)>,
    /// `"unlisted": "reject"`: a cell the table does not list rejects its row.
    pub reject: bool,
}

/// A [`Values`] table ready for the rows of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ValueTable {
    /// A cell (spaces around it trimmed) and the JSON string sent for it.
    entries: HashMap<Box<[u8]>, Box<[u8]>>,
    /// A cell the table does not list rejects its row.
    pub reject: bool,
    /// Where the table is in the mapping, and the values it lists, for rejections.
    path: String,
    listed: String,
}

impl ValueTable {
    /// The table of `values`, each value rendered once.
    pub(crate) fn new(values: &Values) -> ValueTable {
        let entries = values
            .pairs
            .iter()
            .map(|(cell, sent)| {
                let mut out = Out::with_capacity(sent.len() + 2);
                json::write_str(&mut out, sent.as_bytes());
                (cell.as_bytes().into(), out.into_vec().into_boxed_slice())
            })
            .collect();
        let mut listed: Vec<&str> = values
            .pairs
            .iter()
            .take(NAMED)
            .map(|(k, _)| k.as_str())
            .collect();
        let more = format!("… ({} in all)", values.pairs.len());
        if values.pairs.len() > NAMED {
            listed.push(&more);
        }
        ValueTable {
            entries,
            reject: values.reject,
            path: values.path.clone(),
            listed: listed.join(", "),
        }
    }

    /// The JSON string the table sends for `cell`, if it lists it.
    #[inline]
    pub(crate) fn get(&self, cell: &[u8]) -> Option<&[u8]> {
        self.entries.get(cell.trim_ascii()).map(|v| &**v)
    }

    /// Why a row whose `cell` the table does not list is rejected (`"unlisted": "reject"`).
    #[cold]
    pub(crate) fn unlisted(&self, cell: &[u8]) -> Reason {
        Reason::NotInValues {
            text: quote(&String::from_utf8_lossy(cell.trim_ascii())),
            path: self.path.clone(),
            listed: self.listed.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(reject: bool) -> ValueTable {
        ValueTable::new(&Values {
            path: r#"files[0].columns["event_type"].values"#.into(),
            pairs: vec![
                ("cart".into(), "Product Added".into()),
                ("view".into(), "Product \"Viewed\"".into()),
            ],
            reject,
        })
    }

    #[test]
    fn a_cell_is_looked_up_by_its_bytes_with_spaces_around_it_trimmed() {
        let t = table(false);
        assert_eq!(t.get(b"cart"), Some(&br#""Product Added""#[..]));
        assert_eq!(t.get(b" view "), Some(&br#""Product \"Viewed\"""#[..]));
        assert_eq!(t.get(b"Cart"), None);
        assert_eq!(t.get(b"purchase"), None);
    }

    #[test]
    fn an_unlisted_cell_names_the_value_and_the_table() {
        assert_eq!(
            table(true).unlisted(b" wishlist").to_string(),
            r#"'wishlist' is not in the column's values table (files[0].columns["event_type"].values: cart, view); add it there, or remove "unlisted": "reject" to send values the table does not list as written"#
        );
        let many = ValueTable::new(&Values {
            path: "p".into(),
            pairs: (0..10).map(|i| (format!("v{i}"), "x".into())).collect(),
            reject: true,
        });
        assert_eq!(many.listed, "v0, v1, v2, v3, v4, v5, v6, v7, … (10 in all)");
    }
}
