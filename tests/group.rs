//! Line-item exports (one row per item of an order) read through a mapping's `group`: one
//! event per order, its items in a list in row order, the order's fields once; the mapping's
//! and the header's problems named; a group over its bounds one rejected event; conflicts and
//! split orders reported.

use csv2segment::{Ingest, Options, Report};
use serde_json::{json, Value};

/// What a run of `data` with `mapping` gives: the report, the events sent, in order, and the
/// rejects CSV.
fn run(name: &str, data: &[u8], mapping: &str) -> Result<(Report, Vec<Value>, String), String> {
    let options = Options {
        mapping: Some(mapping.to_string()),
        ..Options::default()
    };
    let mut ing = Ingest::new(name, "group", options).map_err(|e| e.to_string())?;
    let mut bodies = Vec::new();
    // Written in small chunks, cut anywhere.
    let mut out = Ok(());
    for chunk in data.chunks(7) {
        out = ing.write(chunk);
        bodies.extend(std::iter::from_fn(|| ing.next_batch()));
        if out.is_err() {
            break;
        }
    }
    if out.is_ok() {
        out = ing.finish();
    }
    bodies.extend(std::iter::from_fn(|| ing.next_batch()));
    out.map_err(|e| e.to_string())?;
    let events = bodies
        .iter()
        .flat_map(|b| {
            let body: Value = serde_json::from_slice(&b.body).unwrap();
            body["batch"].as_array().cloned().unwrap_or_default()
        })
        .collect();
    let rejects = ing
        .rejects_csv()
        .map(|c| String::from_utf8(c).unwrap())
        .unwrap_or_default();
    Ok((ing.report(), events, rejects))
}

fn messages(report: &Report) -> Vec<String> {
    report.rejections.iter().map(|r| r.to_string()).collect()
}

/// The header's problems, as the run's error gives them.
fn header_errors(data: &[u8], mapping: &str) -> Vec<String> {
    let options = Options {
        mapping: Some(mapping.to_string()),
        ..Options::default()
    };
    match Ingest::new("orders.csv", "group", options) {
        Err(e) => vec![e.to_string()],
        Ok(mut ing) => {
            let _ = ing.write(data).and_then(|()| ing.finish());
            let report = ing.report();
            report.header_errors.iter().map(|e| e.to_string()).collect()
        }
    }
}

const SMALL: &[u8] = b"Order,Email,Total,Sku,Qty\n\
A1,a@example.com,30.00,S1,1\n\
A1,,,S2,2\n\
A2,b@example.com,5.00,S3,1\n";

fn small_mapping(group: &str, columns: &str) -> String {
    format!(
        r#"{{"files": [{{"match": "*.csv", "call": "track", {group} "columns": {{"Order": "properties.order_id", "Email": "userId", "Total": "properties.total:number", {columns}}}, "set": {{"event": "Order Completed"}}}}]}}"#
    )
}

#[test]
fn the_mapping_names_a_missing_group_an_empty_one_and_items_in_two_lists() {
    let missing = small_mapping(
        "",
        r#""Sku": "properties.products[].sku", "Qty": "properties.products[].quantity""#,
    );
    assert_eq!(
        header_errors(SMALL, &missing),
        ["the mapping has 1 problem, so nothing was sent\n  files[0].group: missing: columns[\"Qty\"] reads each row into a list with [], which needs the column that holds each row's order, like \"group\": \"Order ID\""]
    );
    let empty = small_mapping(r#""group": " ","#, r#""Sku": "properties.products[].sku""#);
    assert_eq!(
        header_errors(SMALL, &empty),
        ["the mapping has 1 problem, so nothing was sent\n  files[0].group: is empty; give the column that holds each row's order, like \"Order ID\""]
    );
    let two = small_mapping(
        r#""group": "Order","#,
        r#""Sku": "properties.products[].sku", "Qty": "properties.items[].quantity""#,
    );
    assert_eq!(
        header_errors(SMALL, &two),
        ["the mapping has 1 problem, so nothing was sent\n  files[0].group: the items go in one list, and columns[\"Qty\"] puts them in properties.items while columns[\"Sku\"] puts them in properties.products: map both to the same list"]
    );
    let wrong = small_mapping(r#""group": 3,"#, r#""Sku": "properties.products[].sku""#);
    assert_eq!(
        header_errors(SMALL, &wrong),
        ["the mapping has 1 problem, so nothing was sent\n  files[0].group: must be the name of the column that holds each row's order, like \"Order ID\""]
    );
}

#[test]
fn the_header_names_a_group_column_it_lacks_items_without_a_list_and_misplaced_brackets() {
    let absent = small_mapping(
        r#""group": "Order ID","#,
        r#""Sku": "properties.products[].sku""#,
    );
    assert_eq!(
        header_errors(SMALL, &absent),
        ["missing column Order ID: the mapping's files[0].group names it, but the file has no such column; fix the name in the mapping (names are matched exactly) or remove the entry"]
    );
    let no_items = small_mapping(r#""group": "Order","#, r#""Sku": "properties.sku""#);
    assert_eq!(
        header_errors(SMALL, &no_items),
        ["column 1 (Order): the mapping's \"group\" makes one event of the rows with the same cell in this column, and no column is read into the event's list: map the item columns with [], like \"Lineitem sku\": \"properties.products[].sku\", or remove \"group\""]
    );
    // A file read by its header: [] needs a mapping's group.
    let options = Options::default();
    let mut ing = Ingest::new("track_orders.csv", "group", options).unwrap();
    let _ = ing.write(b"userId,event,properties.products[].sku\nu1,Order Completed,S1\n");
    let report = ing.report();
    let errors: Vec<String> = report.header_errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors,
        ["column 3 (properties.products[].sku): [] reads each row of a group into a list, and the mapping's rule has no \"group\": add \"group\" naming the column that holds the order (like \"group\": \"Order ID\"), or write a position, like [0]"]
    );
    let at_end = small_mapping(r#""group": "Order","#, r#""Sku": "properties.skus[]""#);
    assert_eq!(
        header_errors(SMALL, &at_end),
        ["column 4 (Sku): [] cannot be used here: name the item's field after it, like properties.products[].sku"]
    );
    let mixed = small_mapping(
        r#""group": "Order","#,
        r#""Sku": "properties.products[].sku", "Qty": "properties.products[0].quantity""#,
    );
    assert_eq!(
        header_errors(SMALL, &mixed),
        ["column 5 (Qty): conflicts with column 4 (Sku): a field cannot be both a value and an object or a list; rename one of them"]
    );
}
