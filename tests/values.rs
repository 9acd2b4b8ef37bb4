//! A column's `values` table (an event log's `view` sent as `Product Viewed`): exact payloads,
//! what a value the table does not list does, every problem of a table with its path; and
//! Excel's apostrophe before a number kept as text (`'02134`), read without it and counted.

use csv2segment::{draft, validate, Ingest, NoteKind, Options, MAX_VALUES};
use serde_json::{json, Value};

/// A synthetic e-commerce event log, shaped as the public store behaviour data sets are.
const LOG: &str = "event_time,event_type,product_id,category_code,brand,price,user_id,user_session\n\
2019-10-01 00:00:00 UTC,view,44600062,,shiseido,35.79,541312140,72d76fde-8bb3-4e00-8c23-a032dfed738c\n\
2019-10-01 00:00:04 UTC,cart,3900821,appliances.environment.water_heater,aqua,33.20,554748717,9333dfbd-b87a-4708-9857-6336556b0fcc\n\
2019-10-01 00:00:09 UTC, purchase ,17200506,furniture.living_room.sofa,,543.10,519107250,566511c2-e2e3-422b-b695-cf8e6e792ca8\n\
2019-10-01 00:00:12 UTC,wishlist,1307067,computers.notebook,lenovo,251.74,550050854,7c90fc70-0e80-4590-96f3-13c02c18c713\n";

fn with_mapping(mapping: &str, samples: usize) -> Options {
    Options {
        mapping: Some(mapping.to_string()),
        mapping_key: Some("csv2segment.json".into()),
        sample_payloads: samples,
        ..Options::default()
    }
}

fn rule(values: &str, extra: &str) -> String {
    format!(
        r#"{{"files": [{{"match": "events*.csv", "call": "track", "columns": {{
            "event_time": {{"to": "timestamp", "format": "%Y-%m-%d %H:%M:%S UTC"}},
            "event_type": {{"to": "event", "values": {values}{extra}}},
            "user_id": "userId", "user_session": "properties.session",
            "product_id": "properties.product_id:string", "price": "properties.price:number"}},
            "unmapped": "drop"}}]}}"#
    )
}

const TABLE: &str = r#"{"view": "Product Viewed", "cart": "Product Added", "remove_from_cart": "Product Removed", "purchase": "Order Completed"}"#;

fn events(samples: &[String]) -> Vec<Value> {
    samples
        .iter()
        .map(|s| {
            let mut v: Value = serde_json::from_str(s).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("messageId");
            o.remove("context");
            v
        })
        .collect()
}

#[test]
fn listed_values_are_sent_as_the_table_says_and_others_as_written() {
    let v = validate(
        LOG.as_bytes(),
        "events-2019-Oct.csv",
        "id",
        with_mapping(&rule(TABLE, ""), 10),
    );
    assert_eq!(v.report.error, None);
    assert_eq!((v.report.events, v.report.rejected), (4, 0));
    let ev = |event: &str, ts: &str, user: &str, product: &str, price: f64, session: &str| {
        json!({"type": "track", "event": event, "userId": user, "timestamp": ts,
               "properties": {"product_id": product, "price": price, "session": session}})
    };
    assert_eq!(
        events(&v.samples),
        [
            ev(
                "Product Viewed",
                "2019-10-01T00:00:00.000Z",
                "541312140",
                "44600062",
                35.79,
                "72d76fde-8bb3-4e00-8c23-a032dfed738c"
            ),
            ev(
                "Product Added",
                "2019-10-01T00:00:04.000Z",
                "554748717",
                "3900821",
                33.2,
                "9333dfbd-b87a-4708-9857-6336556b0fcc"
            ),
            // Spaces around a cell are trimmed for the look-up.
            ev(
                "Order Completed",
                "2019-10-01T00:00:09.000Z",
                "519107250",
                "17200506",
                543.1,
                "566511c2-e2e3-422b-b695-cf8e6e792ca8"
            ),
            // Not in the table: sent as written.
            ev(
                "wishlist",
                "2019-10-01T00:00:12.000Z",
                "550050854",
                "1307067",
                251.74,
                "7c90fc70-0e80-4590-96f3-13c02c18c713"
            ),
        ]
    );
    // The table's bytes are what the payload holds: the string, escaped as JSON.
    let odd = validate(
        b"user_id,event_type\nu1,view\n",
        "events.csv",
        "id",
        with_mapping(
            r#"{"files": [{"match": "*", "call": "track", "columns": {"user_id": "userId", "event_type": {"to": "event", "values": {"view": "Viewed \"Ä\"\n"}}}}]}"#,
            1,
        ),
    );
    assert!(
        odd.samples[0].contains(r#","event":"Viewed \"Ä\"\n","#),
        "{}",
        odd.samples[0]
    );
}

#[test]
fn with_unlisted_reject_a_value_the_table_does_not_list_rejects_its_row_naming_both() {
    let v = validate(
        LOG.as_bytes(),
        "events.csv",
        "id",
        with_mapping(&rule(TABLE, r#", "unlisted": "reject""#), 10),
    );
    assert_eq!((v.report.events, v.report.rejected), (3, 1));
    assert_eq!(
        v.report.rejections[0].to_string(),
        r#"line 5, column 2 (event_type): 'wishlist' is not in the column's values table (files[0].columns["event_type"].values: cart, purchase, remove_from_cart, view); add it there, or remove "unlisted": "reject" to send values the table does not list as written"#
    );
    // The table works on any text target: a property, and a page's name.
    let page = validate(
        b"anonymous_id,screen,plan\na1,home,p\na2,cart,x\n",
        "pages.csv",
        "id",
        with_mapping(
            r#"{"files": [{"match": "*", "call": "page", "columns": {"anonymous_id": "anonymousId",
                "screen": {"to": "name", "values": {"home": "Home", "cart": "Cart"}, "unlisted": "keep"},
                "plan": {"to": "properties.plan:string", "values": {"p": "Pro"}}}}]}"#,
            2,
        ),
    );
    let names: Vec<(Value, Value)> = events(&page.samples)
        .into_iter()
        .map(|e| (e["name"].clone(), e["properties"]["plan"].clone()))
        .collect();
    assert_eq!(
        names,
        [(json!("Home"), json!("Pro")), (json!("Cart"), json!("x"))]
    );
}

/// The messages a mapping is refused with, one per problem.
fn refused(mapping: &str, file: &[u8]) -> Vec<String> {
    let v = validate(file, "events.csv", "id", with_mapping(mapping, 0));
    let error = v.report.error.expect("refused");
    let mut lines: Vec<String> = error
        .lines()
        .skip(1)
        .map(|l| l.trim().to_string())
        .collect();
    if lines.is_empty() {
        lines.push(error);
    }
    lines
}

#[test]
fn every_problem_of_a_table_is_named_with_its_path() {
    let mapping = r#"{"files": [{"match": "*", "call": "track", "columns": {
        "a": {"to": "event", "values": ["view"]},
        "b": {"to": "properties.b", "values": {"": "x", " view": "y", "cart": 3, "buy": ""}},
        "c": {"to": "properties.c", "type": "number", "values": {"1": "one"}},
        "d": {"to": "properties.d:boolean", "values": {"1": "yes"}},
        "e": {"to": "properties.e", "format": "%Y", "values": {"1": "one"}},
        "f": {"to": "properties.f", "unlisted": "reject"},
        "g": {"to": "properties.g", "values": {"1": "one"}, "unlisted": "drop"}}}]}"#;
    assert_eq!(
        refused(mapping, b"a\n"),
        [
            r#"files[0].columns["a"].values: must be an object of the column's values and the string to send for each, like {"view": "Product Viewed"}"#,
            r#"files[0].columns["b"].values[""]: an empty cell is never looked up (it is left out, or sent as the empty option says): remove the entry"#,
            r#"files[0].columns["b"].values[" view"]: cells are matched with the spaces around them trimmed: write the value as "view""#,
            r#"files[0].columns["b"].values["buy"]: an empty string; give the value to send, or remove the entry to send the cell as it is"#,
            r#"files[0].columns["b"].values["cart"]: must be a string: the table sends the string given for each value, like "Product Viewed""#,
            r#"files[0].columns["c"].values: a values table sends strings, and the column is sent as number: remove the type, or make it string"#,
            r#"files[0].columns["d"].values: a values table sends strings, and the column is sent as boolean: remove the type, or make it string"#,
            r#"files[0].columns["e"].format: %Y has no date in it; it needs a year, month and day (%Y, %m, %d) or Unix seconds (%s)"#,
            r#"files[0].columns["e"].values: a values table sends strings, and "format" reads the column as dates: keep one of the two"#,
            r#"files[0].columns["f"].unlisted: applies to a values table; add "values", like {"view": "Product Viewed"}"#,
            r#"files[0].columns["g"].unlisted: 'drop' is not one of keep, reject"#,
        ]
    );
    // At most MAX_VALUES entries.
    let big: serde_json::Map<String, Value> = (0..=MAX_VALUES)
        .map(|i| (format!("v{i}"), json!("x")))
        .collect();
    let mapping = json!({"files": [{"match": "*", "call": "track",
        "columns": {"a": {"to": "event", "values": big}}}]});
    assert_eq!(
        refused(&mapping.to_string(), b"a\n"),
        [
            r#"files[0].columns["a"].values: 1001 values; a table may list at most 1000 (MAX_VALUES), as it names the few values of a column of verbs or codes: send a column of more values as it is"#
        ]
    );
    let fine: serde_json::Map<String, Value> = (0..MAX_VALUES)
        .map(|i| (format!("v{i}"), json!("x")))
        .collect();
    let mapping = json!({"files": [{"match": "*", "call": "track",
        "columns": {"u": "userId", "a": {"to": "event", "values": fine}}}]});
    let v = validate(
        b"u,a\n1,v999\n",
        "x.csv",
        "id",
        with_mapping(&mapping.to_string(), 1),
    );
    assert_eq!((v.report.error, v.report.events), (None, 1));
    assert!(v.samples[0].contains(r#""event":"x""#));
}

#[test]
fn a_table_on_a_column_that_is_not_sent_as_text_stops_the_file_at_its_header() {
    let mapping = r#"{"files": [{"match": "*", "call": "identify", "columns": {
        "u": {"to": "userId"}, "c": {"to": "traits.createdAt", "values": {"1": "x"}},
        "m": {"to": "messageId", "values": {"1": "x"}}}}]}"#;
    let mut errors: Vec<String> = Ingest::new("x.csv", "id", with_mapping(mapping, 0))
        .and_then(|mut ing| ing.write(b"u,c,m\n"))
        .unwrap_err()
        .header_errors()
        .iter()
        .map(ToString::to_string)
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            r#"column 2 (c): the mapping gives the column a values table, which sends strings, and the column is sent as a timestamp: remove "values", or give the column a target that takes text"#,
            r#"column 3 (m): the mapping gives the column a values table, which sends strings, and the column is sent as the messageId, which is never renamed: remove "values", or give the column a target that takes text"#,
        ]
    );
}

#[test]
fn excel_apostrophes_before_numbers_are_removed_and_counted_in_the_rows_sent() {
    // Mailchimp's GMTOFF `'-6`, a zip code `'02134`, and apostrophes before what is no number.
    let csv = "Email Address,GMTOFF,ZIP,Note,Score\n\
a@example.com,'-6,'02134,'=1+1,'3\n\
b@example.com,'+5.5,\"'1,5\",','4\n\
c@example.com,-6,'x12,'abc,'5\n\
d@example.com,'-6,'02134,,'x\n";
    let mapping = r#"{"files": [{"match": "*", "call": "identify", "columns": {
        "Email Address": "userId", "GMTOFF": "traits.gmtoff", "ZIP": "traits.zip",
        "Note": "traits.note", "Score": "traits.score:integer"}}]}"#;
    let v = validate(
        csv.as_bytes(),
        "members.csv",
        "id",
        with_mapping(mapping, 10),
    );
    let traits: Vec<Value> = events(&v.samples)
        .into_iter()
        .map(|e| e["traits"].clone())
        .collect();
    assert_eq!(
        traits,
        [
            json!({"gmtoff": -6, "zip": "02134", "note": "'=1+1", "score": 3}),
            json!({"gmtoff": "+5.5", "zip": "1,5", "note": "'", "score": 4}),
            json!({"gmtoff": -6, "zip": "'x12", "note": "'abc", "score": 5}),
        ]
    );
    assert_eq!((v.report.events, v.report.rejected), (3, 1));
    assert_eq!(
        v.report.rejections[0].to_string(),
        "line 5, column 5 (Score): ''x' is not a whole number; write it like 1234"
    );
    // Three cells in the first two rows, one in the third; the rejected row's are not counted.
    assert_eq!(v.report.apostrophes_removed, 7);
    let json = serde_json::to_value(&v.report).unwrap();
    assert_eq!(json["apostrophesRemoved"], 7);
}

#[test]
fn the_draft_sends_an_event_logs_verbs_through_a_table_of_the_spec_names() {
    // The log without its `wishlist` row: every sampled verb is one the vocabulary knows.
    let log: String = LOG.lines().take(4).map(|l| format!("{l}\n")).collect();
    let d = draft("2019-Oct.csv", log.as_bytes(), true).unwrap();
    let rule: Value = serde_json::from_str(&d.rule).unwrap();
    assert_eq!(rule["call"], "track");
    assert_eq!(
        rule["columns"]["event_type"],
        json!({"to": "event", "values": {"view": "Product Viewed", "cart": "Product Added",
            "remove_from_cart": "Product Removed", "purchase": "Order Completed"}})
    );
    let note = d
        .notes
        .iter()
        .find(|n| n.path == r#"columns["event_type"].values"#)
        .expect("a note on the table");
    assert_eq!(note.kind, NoteKind::Guess);
    assert_eq!(
        note.message,
        "'event_type': its values (view, cart, purchase) are the verbs of an e-commerce event log: each is sent as the event Segment's e-commerce spec names, by the column's \"values\" table (view → Product Viewed, cart → Product Added, remove_from_cart → Product Removed, purchase → Order Completed); edit the table to send other names. A value the table does not list is sent as written; add \"unlisted\": \"reject\" to reject its row instead"
    );
    // With a verb the vocabulary does not know, the column is the event as it is, no table.
    let d = draft("2019-Oct.csv", LOG.as_bytes(), true).unwrap();
    let rule: Value = serde_json::from_str(&d.rule).unwrap();
    assert_eq!(rule["columns"]["event_type"], "event");
    // A column of such verbs under another name is the event too (two or more of them seen).
    let other = "ts,visitor_id,kind,item\n1433221332117,257597,view,355908\n1433224214164,992329,addtocart,248676\n";
    let d = draft("log.csv", other.as_bytes(), true).unwrap();
    let rule: Value = serde_json::from_str(&d.rule).unwrap();
    assert_eq!(
        rule["columns"]["kind"],
        json!({"to": "event", "values": {"view": "Product Viewed", "addtocart": "Product Added",
            "removefromcart": "Product Removed", "transaction": "Order Completed"}})
    );
    // The drafted table runs: the rows go out with the spec's names.
    let mapping = format!("{{\"files\": [{}]}}", serde_json::to_string(&rule).unwrap());
    let v = validate(other.as_bytes(), "log.csv", "id", with_mapping(&mapping, 2));
    assert_eq!(v.report.error, None);
    let names: Vec<Value> = events(&v.samples)
        .into_iter()
        .map(|e| e["event"].clone())
        .collect();
    assert_eq!(names, [json!("Product Viewed"), json!("Product Added")]);
}

#[test]
fn the_draft_says_excel_apostrophes_are_read_without_them() {
    let csv = "Email Address,First Name,GMTOFF\na@example.com,Ada,'-6\nb@example.com,Bo,'-5\n";
    let d = draft("members.csv", csv.as_bytes(), true).unwrap();
    let note = d
        .notes
        .iter()
        .find(|n| n.column.as_deref() == Some("GMTOFF"))
        .expect("a note");
    assert_eq!(note.kind, NoteKind::Damaged);
    assert_eq!(
        note.message,
        "'GMTOFF': 2 sampled value(s) like \"'-6\" begin with an apostrophe, which Excel and Mailchimp write to keep a number as text: they are read without it (\"'-6\" is sent as \"-6\"), and the report counts them (apostrophesRemoved)"
    );
}
