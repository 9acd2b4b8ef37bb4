//! The drafted rule as the mapping's JSON: where a column goes (`null`, a target, or a date
//! with its format), written in a reading order.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Out {
    Drop,
    To(String),
    Date {
        to: String,
        typed: bool,
        format: String,
    },
}

impl Serialize for Out {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Out::Drop => s.serialize_none(),
            Out::To(t) => s.serialize_str(t),
            Out::Date { to, typed, format } => {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("to", to)?;
                if *typed {
                    m.serialize_entry("type", "timestamp")?;
                }
                m.serialize_entry("format", format)?;
                m.end()
            }
        }
    }
}

/// Pairs written as a JSON object in their order.
pub(super) struct Ordered<'a, V>(pub &'a [(String, V)]);

impl<V: Serialize> Serialize for Ordered<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
pub(super) struct RuleOut<'a> {
    #[serde(rename = "match")]
    pub pattern: &'a str,
    pub call: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection: Option<&'a str>,
    pub delimiter: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimal: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<&'a [String]>,
    pub columns: Ordered<'a, Out>,
    #[serde(skip_serializing_if = "is_empty_set")]
    pub set: Ordered<'a, String>,
}

fn is_empty_set(s: &Ordered<'_, String>) -> bool {
    s.0.is_empty()
}
