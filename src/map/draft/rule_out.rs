//! The drafted rule written as the mapping's own type ([`RuleShape`]), so what a draft writes is
//! what a mapping may hold, key for key; the columns in the file's order.

use crate::map::column::ColumnType;
use crate::map::file_name::CallKind;
use crate::map::mapping::shape::{
    Column, ColumnObject, Decimal, Entries, Field, RuleShape, SkipAround, SkipShape,
};
use crate::map::mapping::Skip;
use crate::read::decode::Encoding;

/// Where a column goes in the draft, as the questions decide it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Out {
    Drop,
    To(String),
    Date {
        to: String,
        typed: bool,
        format: String,
        /// The columns joined to the date before the format reads it.
        with: Vec<String>,
    },
    /// A column whose values are sent through a `values` table: each value and its string.
    Values {
        to: String,
        values: Vec<(String, String)>,
    },
}

impl From<Out> for Column {
    fn from(out: Out) -> Column {
        match out {
            Out::Drop => Column::Drop,
            Out::To(t) => Column::To(t),
            Out::Date {
                to,
                typed,
                format,
                with,
            } => Column::Object(ColumnObject {
                to: Field::Given(to),
                ty: typed.then_some(ColumnType::Timestamp).into(),
                format: Field::Given(format),
                timezone: None.into(),
                with: (!with.is_empty()).then_some(with).into(),
                values: None.into(),
                unlisted: None.into(),
            }),
            Out::Values { to, values } => Column::Object(ColumnObject {
                to: Field::Given(to),
                values: Field::Given(Entries(
                    values.into_iter().map(|(k, v)| (k, v.into())).collect(),
                )),
                ..ColumnObject::default()
            }),
        }
    }
}

/// What a draft decided, for its rule.
pub(super) struct Drafted {
    pub pattern: String,
    pub call: CallKind,
    pub collection: Option<String>,
    /// `None` for a workbook, which has none.
    pub delimiter: Option<u8>,
    pub encoding: Option<Encoding>,
    pub decimal_comma: bool,
    pub skip: Skip,
    /// The columns of a file with no header row.
    pub header: Option<Vec<String>>,
    pub columns: Vec<(String, Out)>,
    pub set: Vec<(String, String)>,
    /// The column whose value is the same on an order's rows (a line-item export).
    pub group: Option<String>,
}

impl Drafted {
    /// The rule, as pretty-printed JSON in the order of the mapping's keys.
    pub(super) fn rule_json(self) -> String {
        let skip = match self.skip {
            s if s.after > 0 => Some(SkipShape::Around(SkipAround {
                before: Field::Given(s.before.into()),
                after: Field::Given(s.after.into()),
            })),
            s if s.before > 0 => Some(SkipShape::Before(s.before.into())),
            _ => None,
        };
        let rule = RuleShape {
            pattern: Field::Given(self.pattern),
            call: Field::Given(self.call),
            collection: self.collection.into(),
            delimiter: self.delimiter.map(|d| char::from(d).to_string()).into(),
            encoding: self.encoding.into(),
            decimal: self.decimal_comma.then_some(Decimal::Comma).into(),
            skip: skip.into(),
            sheet: Field::Absent,
            header: self.header.into(),
            columns: Field::Given(Entries(
                self.columns
                    .into_iter()
                    .map(|(n, o)| (n, Field::Given(o.into())))
                    .collect(),
            )),
            set: (!self.set.is_empty())
                .then(|| Entries(self.set.into_iter().map(|(k, v)| (k, v.into())).collect()))
                .into(),
            unmapped: None.into(),
            group: self.group.into(),
        };
        serde_json::to_string_pretty(&rule).unwrap_or_default()
    }
}
