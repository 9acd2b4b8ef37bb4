//! Whether the rows are an order's line items: a shop's orders export (Shopify's, WooCommerce's,
//! BigCommerce's) writes one row per item, the order's own columns repeated on each or only on
//! its first. The draft finds the column whose value runs over an order's rows, drafts it as the
//! rule's `group`, and names the columns as Segment's e-commerce spec names an `Order Completed`
//! and its `products`, so an order of three items is one event, not three.
//!
//! It asks for three things at once, so that a file that merely repeats a column (a user id on
//! an events log) is not taken for orders: columns named as an item's (`Lineitem sku`, `Item
//! Name`, `Product Qty`, `SKU`, `Quantity`), a column named as the order's number (`Order ID`,
//! Shopify's `Name` of `#1001`s), and in the sampled rows that number repeating on consecutive
//! rows only, with the items' columns changing between them.

use std::collections::HashSet;

use super::profile::{Column, Profile};
use super::rule_out::Out;
use super::vocabulary::{ITEM_FIELDS, ITEM_PREFIXES, ORDER_FIELDS, ORDER_KEYS};
use super::{NoteKind, Notes};
use crate::base::limits::MAX_GROUP_ROWS;

/// The list an order's items go into, as a target's prefix.
pub(crate) const PRODUCTS: &str = "properties.products[]";

/// Where an order's number goes.
const ORDER_ID: &str = "properties.order_id";

/// The line items of orders, as the sample shows them.
pub(super) struct Group {
    /// The column whose value is the same on an order's rows.
    pub key: usize,
    /// The orders the sampled rows hold, and the rows.
    orders: usize,
    rows: usize,
    /// Per column, its field in a product (and whether it is a number) when it is an item's.
    items: Vec<Option<(String, bool)>>,
}

/// Where the spec puts a column of an orders export.
pub(super) struct SpecField {
    /// The target, without a type (`properties.total`, `properties.products[].sku`).
    pub target: String,
    /// The spec's field is a number.
    pub number: bool,
}

impl SpecField {
    /// Whether the column is read from every row of an order.
    pub(super) fn item(&self) -> bool {
        self.target.contains("[]")
    }
}

impl Group {
    /// The spec's place for column `i`: the order's number, an item's field, or one of the
    /// order's own that the spec names.
    pub(super) fn field(&self, i: usize, col: &Column) -> Option<SpecField> {
        if i == self.key {
            return Some(SpecField {
                target: ORDER_ID.into(),
                number: false,
            });
        }
        if let Some((field, number)) = &self.items[i] {
            return Some(SpecField {
                target: format!("{PRODUCTS}.{field}"),
                number: *number,
            });
        }
        ORDER_FIELDS
            .iter()
            .find(|(k, _, _)| *k == col.key)
            .map(|(_, field, number)| SpecField {
                target: format!("properties.{field}"),
                number: *number,
            })
    }

    /// An item's column whose spec field another column has (`SKU` beside `Product SKU`): in
    /// the products still, under its own name.
    pub(super) fn own_item_field(col: &Column) -> String {
        let name = crate::map::spec::snake_case(col.name.trim(), true).unwrap_or_default();
        format!("{PRODUCTS}.{name}")
    }

    /// Says what the draft took for orders, and which columns it reads from every row.
    pub(super) fn say(&self, profile: &Profile, outs: &[(String, Out)], notes: &mut Notes) {
        let name = profile.columns[self.key].name.trim();
        let items: Vec<String> = outs
            .iter()
            .filter(|(_, out)| match out {
                Out::Drop => false,
                Out::To(t) => t.contains("[]"),
                Out::Date { to, .. } | Out::Values { to, .. } => to.contains("[]"),
            })
            .map(|(n, _)| format!("'{n}'"))
            .collect();
        // Named up to a dozen, as a wide export's notes stay short.
        const LISTED: usize = 12;
        let listed = match items.len() {
            n if n > LISTED => format!("{} and {} more", items[..LISTED].join(", "), n - LISTED),
            _ => items.join(", "),
        };
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("{n} {one}")
            } else {
                format!("{n} {many}")
            }
        };
        notes.note(
            NoteKind::Guess,
            "group".into(),
            Some(name),
            format!(
                "rows with the same '{name}' are one order: {} of {} in the first rows read, drafted as \"group\": {}; each order is one event, its fields read from its first row and the columns {listed} from each of its rows, in order, into properties.products; if the rows are not the line items of orders, remove \"group\" and the [] from the targets",
                plural(self.orders, "order", "orders"),
                plural(self.rows, "row", "rows"),
                serde_json::Value::String(name.into()),
            ),
        );
    }
}

/// The line items of orders in the sampled `rows`, when the profiled columns and the rows show
/// them; else `None`.
pub(super) fn group(profile: &Profile, rows: &[Vec<String>]) -> Option<Group> {
    let columns = &profile.columns;
    let items: Vec<Option<(String, bool)>> = columns.iter().map(item_field).collect();
    let item_columns: Vec<usize> = (0..columns.len()).filter(|&i| items[i].is_some()).collect();
    if item_columns.len() < 2 {
        return None;
    }
    // A name of its own: a name twice is left out, and so could key nothing.
    let own_name = |i: usize| {
        let n = columns[i].name.trim();
        !n.is_empty() && columns.iter().filter(|c| c.name.trim() == n).count() == 1
    };
    let shopify_name = columns.iter().position(|c| {
        c.key == "name" && !c.values.is_empty() && c.values.iter().all(|v| v.starts_with('#'))
    });
    ORDER_KEYS
        .iter()
        .filter_map(|k| columns.iter().position(|c| c.key == *k))
        .chain(shopify_name)
        .filter(|&k| items[k].is_none() && own_name(k))
        .find_map(|key| {
            orders(rows, key, &item_columns).map(|orders| Group {
                key,
                orders,
                rows: rows.len(),
                items: items.clone(),
            })
        })
}

/// The number of orders `rows` hold when the column `key` is an order's number: filled on every
/// row, each value on consecutive rows only and on at most [`MAX_GROUP_ROWS`] of them, and an
/// item's column changing within an order.
fn orders(rows: &[Vec<String>], key: usize, items: &[usize]) -> Option<usize> {
    fn cell(r: &[String], i: usize) -> &str {
        r.get(i).map_or("", |v| v.trim())
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let (mut orders, mut run, mut varied) = (0, 0, false);
    for (n, row) in rows.iter().enumerate() {
        let value = cell(row, key);
        if value.is_empty() {
            return None;
        }
        let same = n > 0 && cell(&rows[n - 1], key) == value;
        if same {
            run += 1;
            if run > MAX_GROUP_ROWS {
                return None;
            }
            varied |= items.iter().any(|&i| cell(row, i) != cell(&rows[n - 1], i));
        } else {
            // A value seen before, after others: not one order's rows.
            if !seen.insert(value) {
                return None;
            }
            orders += 1;
            run = 1;
        }
    }
    varied.then_some(orders)
}

/// A line item's field for a column, by its name (`Lineitem sku` → `sku`, `Item #` →
/// `position`, `Lineitem compare at price` → `compare_at_price`), and whether it is a number.
fn item_field(col: &Column) -> Option<(String, bool)> {
    if let Some((_, field, number)) = ITEM_FIELDS.iter().find(|(k, _, _)| *k == col.key) {
        return Some((field.to_string(), *number));
    }
    // WooCommerce's `Item #`: the item's place in the order.
    if col.key == "item" && col.name.contains('#') {
        return Some(("position".into(), true));
    }
    let words: Vec<String> = col
        .name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    ITEM_PREFIXES.iter().find_map(|prefix| {
        let after = words.len().checked_sub(prefix.len()).filter(|&n| n > 0)?;
        words
            .iter()
            .zip(prefix.iter())
            .all(|(w, p)| w == p)
            .then(|| {
                let rest = words[words.len() - after..].join(" ");
                let field = crate::map::spec::snake_case(&rest, true).unwrap_or_default();
                (field, false)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::{item_field, orders};
    use crate::map::draft::profile::Column;

    fn column(name: &str) -> Column {
        Column {
            name: name.into(),
            key: name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase(),
            values: Vec::new(),
            cells: Vec::new(),
        }
    }

    #[test]
    fn an_items_columns_by_their_names() {
        let field = |n: &str| item_field(&column(n));
        let spec = |f: &str, number: bool| Some((f.to_string(), number));
        assert_eq!(field("Lineitem sku"), spec("sku", false));
        assert_eq!(field("Lineitem quantity"), spec("quantity", true));
        assert_eq!(field("Item Cost"), spec("price", true));
        assert_eq!(field("Product Unit Price"), spec("price", true));
        assert_eq!(field("Product Qty"), spec("quantity", true));
        assert_eq!(field("Vendor"), spec("brand", false));
        assert_eq!(field("Item #"), spec("position", true));
        assert_eq!(
            field("Lineitem compare at price"),
            spec("compare_at_price", false)
        );
        assert_eq!(field("Line Item Tax Class"), spec("tax_class", false));
        assert_eq!(field("Product Weight"), spec("weight", false));
        // An order's, a person's, or a word alone.
        for n in [
            "Item",
            "Items",
            "Product",
            "Total",
            "Order ID",
            "Name",
            "Email",
            "Itemized",
            "Productivity",
        ] {
            assert_eq!(field(n), None, "{n}");
        }
    }

    #[test]
    fn orders_are_runs_of_one_number_whose_items_change() {
        let rows = |t: &str| -> Vec<Vec<String>> {
            t.split(' ')
                .map(|r| r.split(',').map(str::to_string).collect())
                .collect()
        };
        // key, item, item
        assert_eq!(
            orders(&rows("1,a,x 1,b,x 2,a,x 3,c,y 3,c,z"), 0, &[1, 2]),
            Some(3)
        );
        // No order of two rows, or none whose items change.
        assert_eq!(orders(&rows("1,a,x 2,b,x 3,c,y"), 0, &[1, 2]), None);
        assert_eq!(orders(&rows("1,a,x 1,a,x 2,b,y"), 0, &[1, 2]), None);
        // A number back after another's, or a row without one.
        assert_eq!(orders(&rows("1,a,x 1,b,x 2,a,x 1,c,y"), 0, &[1, 2]), None);
        assert_eq!(orders(&rows("1,a,x 1,b,x ,c,y"), 0, &[1, 2]), None);
        // Past MAX_GROUP_ROWS rows of one order: not an order.
        let long: Vec<Vec<String>> = (0..=crate::base::limits::MAX_GROUP_ROWS)
            .map(|i| vec!["1".to_string(), i.to_string()])
            .collect();
        assert_eq!(orders(&long, 0, &[1]), None);
        assert_eq!(orders(&long[1..], 0, &[1]), Some(1));
    }
}
