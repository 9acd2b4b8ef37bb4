//! Line-item exports (one row per item of an order) read through a mapping's `group`: one
//! event per order, its items in a list in row order, the order's fields once; the mapping's
//! and the header's problems named; a group over its bounds one rejected event; conflicts and
//! split orders reported.

mod common;

use common::messages;
use csv2segment::{draft, Ingest, Options, Report};
use serde_json::{json, Value};

/// What a run of `data` with `mapping`, written in chunks of 7 bytes (cut anywhere), gives:
/// the report, the events sent, in order, and the rejects CSV.
fn run(name: &str, data: &[u8], mapping: &str) -> Result<(Report, Vec<Value>, String), String> {
    let r = common::run_with(name, data, common::mapped(mapping), 7);
    let rejects = r.rejects.clone();
    let (report, events) = r.done()?;
    Ok((report, events, rejects))
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

/// A report's rows, events, rejected rows and rows sent inside an event, as the tests check
/// them together.
fn counts(report: &Report) -> (u64, u64, u64, u64) {
    (
        report.rows,
        report.events,
        report.rejected,
        report.grouped_rows,
    )
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

const ORDERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/orders");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{ORDERS}/{name}")).unwrap()
}

fn orders_mapping() -> String {
    String::from_utf8(fixture("csv2segment.json")).unwrap()
}

/// The events without their messageIds, which are checked apart: each a UUID, none twice.
fn without_ids(mut events: Vec<Value>) -> Vec<Value> {
    let mut ids = std::collections::HashSet::new();
    for e in &mut events {
        let id = e.as_object_mut().unwrap().remove("messageId").unwrap();
        let id = id.as_str().unwrap().to_string();
        assert_eq!(id.len(), 36, "{id}");
        assert!(ids.insert(id));
    }
    events
}

/// The events of `file` read through the fixtures' mapping, with their report: every row sent
/// (in an order's event) and none rejected.
fn orders(file: &str) -> (Report, Vec<Value>) {
    let (report, events, rejects) = run(file, &fixture(file), &orders_mapping()).unwrap();
    assert_eq!(messages(&report), Vec::<String>::new());
    assert_eq!(rejects, "");
    let library = json!({"library": {"name": "csv2segment", "version": env!("CARGO_PKG_VERSION")}});
    let events = without_ids(events)
        .into_iter()
        .map(|mut e| {
            assert_eq!(
                e.as_object_mut().unwrap().remove("context"),
                Some(library.clone())
            );
            e
        })
        .collect();
    (report, events)
}

#[test]
fn a_shopify_orders_export_sends_one_order_completed_per_order_with_its_items_in_line_order() {
    let (report, events) = orders("shopify_orders_export.csv");
    assert_eq!(
        events,
        [
            json!({"event": "Order Completed", "properties": {"coupon": "SPRING10", "currency": "USD", "discount": 8, "order_id": "#1001", "products": [{"name": "Enamel Mug", "price": 12, "quantity": 2, "sku": "MUG-ENM-01"}, {"name": "Tea Towel, Linen", "price": 18, "quantity": 1, "sku": "TWL-LIN-02"}, {"name": "Gift Card", "price": 22, "quantity": 1, "sku": "GIFT-25"}], "shipping": 5, "subtotal": 64, "tax": 5.12, "total": 66.12}, "timestamp": "2024-03-05T15:15:22.000Z", "type": "track", "userId": "ada@example.com"}),
            json!({"event": "Order Completed", "properties": {"currency": "USD", "discount": 0, "order_id": "#1002", "products": [{"name": "Beeswax Candle", "price": 7, "quantity": 5, "sku": "CND-BEE-05"}], "shipping": 0, "subtotal": 35, "tax": 2.8, "total": 37.8}, "timestamp": "2024-03-05T16:02:10.000Z", "type": "track", "userId": "grace@example.com"}),
            json!({"event": "Order Completed", "properties": {"currency": "USD", "discount": 0, "order_id": "#1003", "products": [{"name": "Notebook", "price": 8, "quantity": 1, "sku": "NBK-A5-01"}, {"name": "Pencil", "price": 4, "quantity": 3, "sku": "PCL-HB-03"}], "shipping": 4.5, "subtotal": 20, "tax": 1.96, "total": 26.46}, "timestamp": "2024-03-06T13:59:47.000Z", "type": "track", "userId": "alan@example.com"}),
        ]
    );
    // Six rows: three events, three rows sent inside them; revenue counted once per order.
    assert_eq!(counts(&report), (6, 3, 0, 3));
    assert_eq!(report.group_conflicts, None);
    assert_eq!(report.split_groups, None);
}

#[test]
fn a_woocommerce_export_sends_one_order_completed_per_order() {
    let (report, events) = orders("woocommerce_orders.csv");
    assert_eq!(
        events,
        [
            json!({"event": "Order Completed", "properties": {"coupon": "WELCOME10", "currency": "EUR", "discount": 5.4, "order_id": "4410", "products": [{"category": "Kitchen", "name": "Ceramic Bowl", "position": 1, "price": 15, "quantity": 2, "sku": "BWL-CER-1"}, {"category": "Pantry", "name": "Olive Oil 500ml", "position": 2, "price": 24, "quantity": 1, "sku": "OIL-OLV-500"}], "shipping": 4.9, "subtotal": 54, "tax": 9.32, "total": 62.82}, "timestamp": "2024-04-01T12:22:05.000Z", "type": "track", "userId": "lin@example.com"}),
            json!({"event": "Order Completed", "properties": {"currency": "EUR", "discount": 0, "order_id": "4411", "products": [{"category": "Pantry", "name": "Sea Salt", "position": 1, "price": 9.5, "quantity": 1, "sku": "SLT-SEA-1"}], "shipping": 3.9, "subtotal": 9.5, "tax": 1.8, "total": 15.2}, "timestamp": "2024-04-01T14:40:51.000Z", "type": "track", "userId": "sam@example.com"}),
        ]
    );
    // WooCommerce repeats the order's columns on every line, the same: no conflict.
    assert_eq!(counts(&report), (3, 2, 0, 1));
    assert_eq!(report.group_conflicts, None);
}

#[test]
fn a_bigcommerce_export_sends_one_order_completed_per_order() {
    let (report, events) = orders("bigcommerce_orders.csv");
    assert_eq!(
        events,
        [
            json!({"event": "Order Completed", "properties": {"currency": "USD", "order_id": "120", "products": [{"name": "Wool Hat", "price": 25, "product_id": "77", "quantity": 1, "sku": "HAT-WOOL-M"}, {"name": "Silk Scarf", "price": 8, "product_id": "81", "quantity": 2, "sku": "SCF-SILK"}], "shipping": 6, "subtotal": 41, "tax": 4.1, "total": 51.1}, "timestamp": "2024-03-05T00:00:00.000Z", "type": "track", "userId": "kim@example.com"}),
            json!({"event": "Order Completed", "properties": {"coupon": "FREESHIP", "currency": "USD", "order_id": "121", "products": [{"name": "Socks (3 pack)", "price": 12, "product_id": "90", "quantity": 1, "sku": "SOCK-3PK"}], "shipping": 0, "subtotal": 12, "tax": 1.2, "total": 13.2}, "timestamp": "2024-03-06T00:00:00.000Z", "type": "track", "userId": "ola@example.com"}),
        ]
    );
    assert_eq!(counts(&report), (3, 2, 0, 1));
}

fn qty_mapping() -> String {
    small_mapping(
        r#""group": "Order","#,
        r#""Sku": "properties.products[].sku", "Qty": "properties.products[].quantity:integer""#,
    )
}

#[test]
fn the_list_goes_where_its_first_item_column_is_with_items_in_row_order() {
    let options = Options {
        mapping: Some(qty_mapping()),
        ..Options::default()
    };
    let mut ing = Ingest::new("orders.csv", "group", options).unwrap();
    ing.write(SMALL).unwrap();
    ing.finish().unwrap();
    let body = String::from_utf8(ing.next_batch().unwrap().body).unwrap();
    assert!(
        body.contains(r#""userId":"a@example.com","event":"Order Completed","properties":{"order_id":"A1","total":30,"products":[{"sku":"S1","quantity":1},{"sku":"S2","quantity":2}]}"#),
        "{body}"
    );
}

#[test]
fn an_order_whose_rows_have_no_item_cells_has_no_list() {
    // The second order's rows fill no item column: its event has no `products`, and the
    // orders around it keep theirs.
    let data = b"Order,Email,Total,Sku,Qty\nA1,a@example.com,30.00,S1,1\nA2,b@example.com,5,,\nA2,,,,\nA3,c@example.com,7,S3,3\n";
    let (report, events, _) = run("orders.csv", data, &qty_mapping()).unwrap();
    let properties: Vec<&Value> = events.iter().map(|e| &e["properties"]).collect();
    assert_eq!(
        properties,
        [
            &json!({"order_id": "A1", "total": 30, "products": [{"sku": "S1", "quantity": 1}]}),
            &json!({"order_id": "A2", "total": 5}),
            &json!({"order_id": "A3", "total": 7, "products": [{"sku": "S3", "quantity": 3}]}),
        ]
    );
    assert_eq!((report.rows, report.events, report.rejected), (4, 3, 0));
}

#[test]
fn an_item_row_with_no_item_cells_is_left_out_of_the_list() {
    let data = b"Order,Email,Total,Sku,Qty\nA1,a@example.com,30.00,S1,1\nA1,,,,\nA1,,,S3,\n";
    let (report, events, _) = run("orders.csv", data, &qty_mapping()).unwrap();
    assert_eq!(
        events[0]["properties"]["products"],
        json!([{"sku": "S1", "quantity": 1}, {"sku": "S3"}])
    );
    assert_eq!((report.rows, report.events, report.grouped_rows), (3, 1, 2));
}

#[test]
fn a_bad_item_cell_rejects_the_whole_order_every_row_in_the_rejects_csv_and_fixing_it_sends_the_order(
) {
    let data = b"Order,Email,Total,Sku,Qty\nA1,a@example.com,30.00,S1,1\nA1,,,S2,two\nA1,,,S3,1\nA2,b@example.com,5.00,S4,1\n";
    let m = qty_mapping();
    let (report, events, rejects) = run("orders.csv", data, &m).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["properties"]["order_id"], "A2");
    assert_eq!(counts(&report), (4, 1, 3, 0));
    let why = "line 3, column 5 (Qty): 'two' is not a whole number; write it like 1234";
    let with = format!("rejected with its group (the rows from line 2 with the same group cell), as one of its rows was: {why}");
    assert_eq!(
        messages(&report),
        [
            format!("line 2: {with}"),
            why.to_string(),
            format!("line 4: {with}")
        ]
    );
    assert_eq!(
        rejects,
        format!("Order,Email,Total,Sku,Qty,csv2segment_error\nA1,a@example.com,30.00,S1,1,\"line 2: {with}\"\nA1,,,S2,two,\"{why}\"\nA1,,,S3,1,\"line 4: {with}\"\n")
    );
    // The rejects file, fixed and sent again (its reason column is not read): the order, whole.
    let fixed = rejects.replace(",two,", ",2,");
    let (report, events, _) = run("orders.csv", fixed.as_bytes(), &m).unwrap();
    assert_eq!(messages(&report), Vec::<String>::new());
    assert_eq!(
        events[0]["properties"],
        json!({"order_id": "A1", "total": 30, "products": [{"sku": "S1", "quantity": 1}, {"sku": "S2", "quantity": 2}, {"sku": "S3", "quantity": 1}]})
    );
}

#[test]
fn a_bad_order_level_cell_or_a_missing_user_rejects_the_order() {
    let data =
        b"Order,Email,Total,Sku,Qty\nA1,a@example.com,thirty,S1,1\nA1,,,S2,2\nA2,,5.00,S4,1\n";
    let (report, events, _) = run("orders.csv", data, &qty_mapping()).unwrap();
    assert!(events.is_empty());
    let why = "line 2, column 3 (Total): 'thirty' is not a number; write it like 1234.5";
    assert_eq!(
        messages(&report),
        [
            why.to_string(),
            format!("line 3: rejected with its group (the rows from line 2 with the same group cell), as one of its rows was: {why}"),
            "line 4, column 2 (Email): userId and anonymousId are both empty; fill in at least one".to_string(),
        ]
    );
    assert_eq!((report.rows, report.events, report.rejected), (3, 0, 3));
}

#[test]
fn a_row_with_a_blank_group_cell_is_rejected_alone_and_ends_the_group() {
    let data = b"Order,Email,Total,Sku,Qty\nA1,a@example.com,30.00,S1,1\n ,,,S2,2\nA1,a@example.com,30.00,S3,1\nA1,x\n";
    let (report, events, _) = run("orders.csv", data, &qty_mapping()).unwrap();
    let width = "the row has 2 fields but the header has 5; check for a missing or extra delimiter, or a quote that is not closed";
    assert_eq!(
        messages(&report),
        [
            "line 3, column 1 (Order): the group column is empty, so the row belongs to no event; fill in its order, as on the order's other rows".to_string(),
            format!("line 4: rejected with its group (the rows from line 4 with the same group cell), as one of its rows was: line 5: {width}"),
            format!("line 5: {width}"),
        ]
    );
    assert_eq!(events.len(), 1);
    assert_eq!((report.rows, report.events, report.rejected), (4, 1, 3));
}

#[test]
fn a_later_row_that_disagrees_on_an_order_level_cell_is_reported_and_the_first_rows_value_sent() {
    let data = b"Order,Email,Total,Sku,Qty\nA1,a@example.com,25.00,S1,1\nA1,,30.00,S2,2\nA1,a@example.com,25.00,S3,1\nA1,c@example.com,,S4,1\n";
    let (report, events, _) = run("orders.csv", data, &qty_mapping()).unwrap();
    assert_eq!(events[0]["properties"]["total"], 25);
    assert_eq!(events[0]["userId"], "a@example.com");
    let conflicts = report.group_conflicts.clone().unwrap();
    assert_eq!(conflicts.count, 2);
    assert_eq!(
        conflicts.first,
        [
            "line 3, column 'Total': '30.00' differs from line 2's '25.00'; line 2's was sent",
            "line 5, column 'Email': 'c@example.com' differs from line 2's 'a@example.com'; line 2's was sent",
        ]
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["groupConflicts"]["count"], 2);
    // A report without groups says nothing of them.
    let plain = serde_json::to_value(Report::default()).unwrap();
    for key in ["groupedRows", "groupConflicts", "splitGroups"] {
        assert!(plain.get(key).is_none(), "{key}");
    }
}

#[test]
fn rows_of_one_order_apart_are_two_events_and_the_report_says_so() {
    let data = b"Order,Email,Total,Sku,Qty\nA1,a@example.com,30.00,S1,1\nA2,b@example.com,5.00,S2,1\nA1,a@example.com,30.00,S3,1\nA1,,,S4,1\n";
    let (report, events, _) = run("orders.csv", data, &qty_mapping()).unwrap();
    let orders: Vec<(&str, usize)> = events
        .iter()
        .map(|e| {
            (
                e["properties"]["order_id"].as_str().unwrap(),
                e["properties"]["products"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(orders, [("A1", 1), ("A2", 1), ("A1", 2)]);
    let split = report.split_groups.unwrap();
    assert_eq!(split.count, 1);
    assert_eq!(split.first, ["line 4: 'A1' comes back after other rows; its rows from here are sent as an event of their own"]);
}

/// A file of one order of `items` rows, and a second order of one row.
fn big_order(items: usize, name: &str) -> Vec<u8> {
    let mut data = b"Order,Email,Total,Sku,Qty\n".to_vec();
    for i in 0..items {
        let email = if i == 0 { "a@example.com" } else { "" };
        data.extend_from_slice(format!("A1,{email},30.00,{name}{i},1\n").as_bytes());
    }
    data.extend_from_slice(b"A2,b@example.com,5.00,S,1\n");
    data
}

#[test]
fn a_group_over_max_group_rows_is_one_rejected_event_and_the_next_is_sent() {
    let m = qty_mapping();
    let n = csv2segment::MAX_GROUP_ROWS;
    let (report, events, _) = run("orders.csv", &big_order(n, "S"), &m).unwrap();
    assert_eq!(
        events[0]["properties"]["products"]
            .as_array()
            .unwrap()
            .len(),
        n
    );
    assert_eq!((report.events, report.rejected), (2, 0));

    let (report, events, rejects) = run("orders.csv", &big_order(n + 1, "S"), &m).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["properties"]["order_id"], "A2");
    assert_eq!(counts(&report), (1002, 1, 1001, 0));
    let reason = "the group has 1001 rows, over the 1000 one event is read from (MAX_GROUP_ROWS); check that the mapping's \"group\" names the column of the order, or send the rows as orders of their own";
    // Its 1001 rows are more than the report lists (maxRejections, 1000): a group is listed
    // whole or not at all, so none is, and the rejects file (sent again) holds no part of it.
    assert!(report.rejections.is_empty());
    assert_eq!(rejects, "");
    let unlisted = report.unlisted_groups.as_ref().unwrap();
    assert_eq!(unlisted.count, 1);
    assert_eq!(
        unlisted.first,
        [format!("the group of 1001 rows from line 2 was rejected ({reason}) and is not in the rejects file: the report lists at most maxRejections rows and a group is listed whole or not at all")]
    );
}

/// With room in the report for 5 rejected rows, rejected orders of 3 lines: the first is listed
/// whole, the next two are not listed at all (never the 2 lines that would fit), and a plain
/// rejected row after them still is; the rejects file sent again sends no part of an order.
#[test]
fn a_rejected_group_is_listed_whole_or_not_at_all() {
    let m = small_mapping(
        r#""group": "Order","#,
        r#""Qty": "properties.products[].quantity:number""#,
    );
    let mut data = String::from("Order,Email,Total,Qty\n");
    for order in ["A1", "A2", "A3"] {
        data.push_str(&format!(
            "{order},a@example.com,10,1\n{order},,,x\n{order},,,2\n"
        ));
    }
    data.push_str(",b@example.com,5,1\nA4,c@example.com,7,1\n");
    let options = csv2segment::Options {
        max_rejections: 5,
        ..common::mapped(&m)
    };
    let r = common::run_with("orders.csv", data.as_bytes(), options, 7);
    assert_eq!(r.error, None);
    assert_eq!(
        (r.report.rows, r.report.events, r.report.rejected),
        (11, 1, 10)
    );
    let lines: Vec<u64> = r.report.rejections.iter().map(|x| x.line).collect();
    assert_eq!(lines, [2, 3, 4, 11]);
    assert_eq!(r.report.unlisted_groups.as_ref().map(|u| u.count), Some(2));
    // The rejects file: order A1 whole and the row of no order.
    let orders: Vec<&str> = r
        .rejects
        .lines()
        .skip(1)
        .map(|l| &l[..l.find(',').unwrap()])
        .collect();
    assert_eq!(orders, ["A1", "A1", "A1", ""]);
}

#[test]
fn a_group_whose_event_would_pass_32_kb_is_one_rejected_event() {
    let long = "L".repeat(1000);
    let (report, events, _) = run("orders.csv", &big_order(40, &long), &qty_mapping()).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((report.rows, report.events, report.rejected), (41, 1, 40));
    assert_eq!(
        report.rejections[39].to_string(),
        "line 41: the event of the group's 40 rows would be over Segment's limit of 32768 bytes; map fewer item columns, or send the rows as orders of their own"
    );
}

#[test]
fn suspended_inside_an_order_the_run_stops_before_it_and_the_next_sends_it_whole() {
    let file = fixture("shopify_orders_export.csv");
    let mapping = orders_mapping();
    let options = || Options {
        mapping: Some(mapping.clone()),
        ..Options::default()
    };
    let key = "shopify_orders_export.csv";
    let mut single = Ingest::new(key, "group", options()).unwrap();
    single.write(&file).unwrap();
    single.finish().unwrap();
    let single: Vec<u8> = std::iter::from_fn(|| single.next_batch())
        .flat_map(|b| b.body)
        .collect();
    let text = String::from_utf8_lossy(&file).to_string();
    // Cut inside the second row of #1001: the run stops where #1001 starts.
    let cut = text.find("#1001,ada@example.com,,").unwrap() + 10;
    let mut first = Ingest::new(key, "group", options()).unwrap();
    first.write(&file[..cut]).unwrap();
    let header_end = text.find('\n').unwrap() as u64 + 1;
    assert_eq!(first.position().offset, header_end);
    let at = first.suspend().unwrap();
    assert_eq!((at.offset, at.line), (header_end, 2));
    assert!(first.next_batch().is_none());
    assert_eq!(first.report().rows, 0);
    let header = first.header().unwrap().to_vec();
    let mut rest = Ingest::resume(key, "group", options(), &header, at).unwrap();
    rest.write(&file[at.offset as usize..]).unwrap();
    rest.finish().unwrap();
    let resumed: Vec<u8> = std::iter::from_fn(|| rest.next_batch())
        .flat_map(|b| b.body)
        .collect();
    assert_eq!(resumed, single);
    assert_eq!(rest.report().rows, 6);
}

/// The line-item fixtures the draft is tested on (tests/fixtures/line_items/), each drafted,
/// then run through the engine with the drafted mapping as it stands: one `Order Completed`
/// per order, each order's lines its products in line order, the order's money once.
#[test]
fn each_drafted_line_item_export_sends_one_order_completed_per_order() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/line_items");
    // (file, the order column, the order total's column, the order total's target)
    let files = [
        ("orders_export_1.csv", "Name", "Total", "total"),
        (
            "woocommerce-orders-2024-03-06.csv",
            "Order ID",
            "Order Total",
            "total",
        ),
        (
            "bigcommerce-orders-2024-03-06.csv",
            "Order ID",
            "Order Total (inc tax)",
            "total",
        ),
    ];
    for (file, key, total, total_to) in files {
        let data = std::fs::read(format!("{dir}/{file}")).unwrap();
        let d = draft(file, &data, true).unwrap();
        assert!(!d.rule.contains("<fill in"), "{file}: {}", d.rule);
        let (report, events, rejects) =
            run(file, &data, &common::filled(&d, None)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(rejects, "", "{file}");

        // The orders and their lines as the csv crate reads the file.
        let mut reader = csv::Reader::from_reader(&data[..]);
        let names: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let at = |n: &str| names.iter().position(|h| h == n).unwrap();
        let mut orders: Vec<(String, String, usize)> = Vec::new();
        for rec in reader.records() {
            let rec = rec.unwrap();
            match orders.last_mut() {
                Some(o) if o.0 == rec[at(key)] => o.2 += 1,
                _ => orders.push((rec[at(key)].to_string(), rec[at(total)].to_string(), 1)),
            }
        }
        let lines: usize = orders.iter().map(|o| o.2).sum();
        assert_eq!(
            (report.rows, report.rejected, events.len()),
            (lines as u64, 0, orders.len()),
            "{file}"
        );
        for (event, (id, order_total, n)) in events.iter().zip(&orders) {
            assert_eq!(event["type"], "track", "{file}");
            assert_eq!(event["event"], "Order Completed", "{file}");
            assert_eq!(event["properties"]["order_id"], json!(id), "{file}");
            let sent: f64 = event["properties"][total_to].as_f64().unwrap();
            assert_eq!(sent, order_total.parse::<f64>().unwrap(), "{file} {id}");
            let products = event["properties"]["products"].as_array().unwrap();
            assert_eq!(products.len(), *n, "{file} {id}: {products:?}");
        }
    }
}

/// The Shopify-shaped fixture's first order, exactly as the drafted mapping sends it.
#[test]
fn a_drafted_shopify_order_is_sent_with_its_items_in_line_order() {
    let file = "orders_export_1.csv";
    let data = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/line_items/orders_export_1.csv"
    ))
    .unwrap();
    let d = draft(file, &data, true).unwrap();
    let (_, events, _) = run(file, &data, &common::filled(&d, None)).unwrap();
    let mut first = events[0].clone();
    let o = first.as_object_mut().unwrap();
    o.remove("messageId");
    o.remove("context");
    assert_eq!(
        first,
        json!({
            "type": "track", "event": "Order Completed", "userId": "ada@example.com",
            "timestamp": "2024-03-05T19:22:07.000Z",
            "properties": {
                "order_id": "#1001", "financialStatus": "paid", "paidAt": "2024-03-05T19:25:10.000Z",
                "fulfillmentStatus": "fulfilled", "acceptsMarketing": true, "currency": "USD",
                "revenue": 98, "shipping": 5, "tax": 7.84, "total": 110.84, "coupon": "SPRING10",
                "discount": 10, "shippingMethod": "Standard", "billingCity": "Brooklyn",
                "billingCountry": "US", "id": "5521234567890",
                "products": [
                    {"quantity": 2, "name": "Linen Shirt - M", "price": 29, "compare_at_price": 35,
                     "sku": "LS-001-M", "requires_shipping": true, "taxable": true,
                     "fulfillment_status": "fulfilled", "brand": "Harbor Linen", "discount": 0},
                    {"quantity": 1, "name": "Canvas Tote", "price": 30, "sku": "CT-010",
                     "requires_shipping": true, "taxable": true, "fulfillment_status": "fulfilled",
                     "brand": "Harbor Linen", "discount": 0},
                    {"quantity": 1, "name": "Wool Socks", "price": 20, "sku": "WS-003",
                     "requires_shipping": true, "taxable": true, "fulfillment_status": "fulfilled",
                     "brand": "Northfield Knits", "discount": 10}
                ]
            }
        })
    );
}
