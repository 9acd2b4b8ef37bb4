//! Values Segment would drop while answering 200 never leave the engine: the spec's string
//! fields take no other type (in a header or through a mapping), objects carry only strings and
//! numbers under snake_case names, and a rejects CSV's reason column is not sent back.

use csv2segment::{EmptyCells, Endpoint, Ingest, Options, REJECTS_COLUMN};
use serde_json::{json, Value};

/// The header errors of `header` in the file `key` (read through `mapping`, when given).
fn header_errors(key: &str, header: &str, mapping: Option<&str>) -> Vec<String> {
    let options = Options {
        mapping: mapping.map(str::to_string),
        ..Options::default()
    };
    let mut ing = Ingest::new(key, "t", options).unwrap();
    match ing.write(format!("{header}\n").as_bytes()) {
        Ok(()) => ing
            .finish()
            .err()
            .map(|e| e.header_errors().iter().map(|h| h.to_string()).collect())
            .unwrap_or_default(),
        Err(e) => e.header_errors().iter().map(|h| h.to_string()).collect(),
    }
}

/// Every event (or object) `data` becomes, with the messageIds left out.
fn sent(key: &str, data: &str, empty: EmptyCells) -> Vec<Value> {
    let options = Options {
        empty,
        ..Options::default()
    };
    let mut ing = Ingest::new(key, "t", options).unwrap();
    ing.write(data.as_bytes()).unwrap();
    ing.finish().unwrap();
    let mut out = Vec::new();
    while let Some(b) = ing.next_batch() {
        let body: Value = serde_json::from_slice(&b.body).unwrap();
        let list = match b.endpoint {
            Endpoint::Batch => &body["batch"],
            Endpoint::Set => &body["objects"],
        };
        for e in list.as_array().unwrap() {
            let mut e = e.clone();
            if let Some(o) = e.as_object_mut() {
                o.remove("messageId");
                o.remove("context");
            }
            out.push(e);
        }
    }
    assert_eq!(ing.report().rejected, 0, "{:?}", ing.report().rejections);
    out
}

#[test]
fn the_spec_string_fields_take_no_other_type() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "track_a.csv",
            "userId,event:number",
            "column 2 (event:number): the type number cannot be used here: Segment drops a track call whose event is not a string; remove the type",
        ),
        (
            "identify_a.csv",
            "userId:boolean",
            "column 1 (userId:boolean): the type boolean cannot be used here: Segment drops a call whose userId is not a string; remove the type",
        ),
        (
            "group_a.csv",
            "userId,groupId:boolean",
            "column 2 (groupId:boolean): the type boolean cannot be used here: Segment drops a group call whose groupId is not a string; remove the type",
        ),
        (
            "page_a.csv",
            "anonymousId:integer",
            "column 1 (anonymousId:integer): the type integer cannot be used here: Segment drops a call whose anonymousId is not a string; remove the type",
        ),
        (
            "alias_a.csv",
            "previousId:json,userId",
            "column 1 (previousId:json): the type json cannot be used here: Segment drops an alias whose previousId is not a string; remove the type",
        ),
        (
            "track_b.csv",
            "userId:timestamp,event",
            "column 1 (userId:timestamp): the type timestamp cannot be used here: Segment drops a call whose userId is not a string; remove the type",
        ),
        (
            "screen_a.csv",
            "userId,name:number",
            "column 2 (name:number): the type number cannot be used here: Segment's spec makes name a string; remove the type",
        ),
        (
            "page_b.csv",
            "userId,category:boolean",
            "column 2 (category:boolean): the type boolean cannot be used here: Segment's spec makes category a string; remove the type",
        ),
    ];
    for (key, header, message) in cases {
        assert_eq!(header_errors(key, header, None), [*message], "{key}");
    }
    // `:string` is what these fields are anyway.
    for (key, header) in [
        ("track_c.csv", "userId:string,event:string"),
        ("group_b.csv", "anonymousId:string,groupId:string"),
        ("alias_b.csv", "previousId:string,userId:string"),
    ] {
        assert_eq!(
            header_errors(key, header, None),
            Vec::<String>::new(),
            "{key}"
        );
    }
}

#[test]
fn a_mappings_target_follows_the_same_rules() {
    let by_type = r#"{"files": [{"match": "*", "columns": {"X": {"to": "event", "type": "number"}, "Who": "userId:boolean"}}]}"#;
    assert_eq!(
        header_errors("track_m.csv", "Who,X", Some(by_type)),
        [
            "column 1 (Who): the type boolean cannot be used here: Segment drops a call whose userId is not a string; remove the type",
            "column 2 (X): the type number cannot be used here: Segment drops a track call whose event is not a string; remove the type",
        ]
    );
    let fine = r#"{"files": [{"match": "*", "columns": {"X": {"to": "event", "type": "string"}, "Who": "userId"}}]}"#;
    assert_eq!(
        header_errors("track_m.csv", "Who,X", Some(fine)),
        Vec::<String>::new()
    );
}

#[test]
fn objects_carry_strings_and_numbers_under_snake_case_names() {
    let csv = "id,Room Name,isOpen,HTTPStatus,beds,pets:boolean,price.amount,note\n\
               r1,Blue,true,200,2,yes,9.5,\n\
               r2,Green,FALSE,404,,0,,x\n";
    let expected = |empty: Option<Value>| {
        let mut r2 = json!({"room_name": "Green", "is_open": "false", "http_status": 404, "pets": "false", "note": "x"});
        let mut r1 = json!({"room_name": "Blue", "is_open": "true", "http_status": 200, "beds": 2, "pets": "true", "price_amount": 9.5});
        if let Some(v) = empty {
            r1["note"] = v.clone();
            r2["beds"] = v.clone();
            r2["price_amount"] = v;
        }
        vec![
            json!({"id": "r1", "properties": r1}),
            json!({"id": "r2", "properties": r2}),
        ]
    };
    assert_eq!(
        sent("object_rooms_a.csv", csv, EmptyCells::Omit),
        expected(None)
    );
    // The Objects API takes no null: `empty: null` leaves the cell out, as the default does.
    assert_eq!(
        sent("object_rooms_a.csv", csv, EmptyCells::Null),
        expected(None)
    );
    assert_eq!(
        sent("object_rooms_a.csv", csv, EmptyCells::String),
        expected(Some(json!("")))
    );
    // `properties` is required, even when a row fills none.
    assert_eq!(
        sent("object_rooms_e.csv", "id\nr1\n", EmptyCells::Null),
        [json!({"id": "r1", "properties": {}})]
    );
    assert_eq!(
        sent(
            "object_rooms_e.csv",
            "id,beds\nr1,\nr2,3\n",
            EmptyCells::Null
        ),
        [
            json!({"id": "r1", "properties": {}}),
            json!({"id": "r2", "properties": {"beds": 3}})
        ]
    );
    // Events keep their booleans and their nulls.
    assert_eq!(
        sent(
            "track_o.csv",
            "userId,event,properties.ok,properties.b:boolean,properties.n\n1,E,TRUE,no,\n",
            EmptyCells::Null
        ),
        [
            json!({"type": "track", "userId": "1", "event": "E", "properties": {"ok": true, "b": false, "n": null}})
        ]
    );
}

#[test]
fn an_object_property_name_with_no_snake_case_form_is_a_header_error() {
    assert_eq!(
        header_errors("object_rooms_b.csv", "id,Größe,€", None),
        [
            "column 2 (Größe): the Objects API takes property names in snake_case (a-z, 0-9 and _); rename the column with ASCII letters, like room_name",
            "column 3 (€): the Objects API takes property names in snake_case (a-z, 0-9 and _); rename the column with ASCII letters, like room_name",
        ]
    );
    assert_eq!(
        header_errors("object_rooms_c.csv", "id,firstName,first_name", None),
        ["column 3 (first_name): fills properties.first_name, which column 2 (firstName) already fills; remove or rename one of them"]
    );
}

#[test]
fn the_reason_column_of_a_rejects_csv_is_not_sent() {
    let why = "\"line 3, column 1: fixed\"";
    let cases: &[(&str, &str, &str, Value)] = &[
        (
            "identify_r.csv.rejected.csv",
            "userId,traits.plan",
            "1,pro",
            json!({"type": "identify", "userId": "1", "traits": {"plan": "pro"}}),
        ),
        (
            "track_r.csv.rejected.csv",
            "userId,event,properties.n",
            "1,Paid,2",
            json!({"type": "track", "userId": "1", "event": "Paid", "properties": {"n": 2}}),
        ),
        (
            "page_r.csv.rejected.csv",
            "userId,name",
            "1,Home",
            json!({"type": "page", "userId": "1", "name": "Home"}),
        ),
        (
            "screen_r.csv.rejected.csv",
            "anonymousId,name",
            "a,Main",
            json!({"type": "screen", "anonymousId": "a", "name": "Main"}),
        ),
        (
            "group_r.csv.rejected.csv",
            "userId,groupId,name",
            "1,g,Acme",
            json!({"type": "group", "userId": "1", "groupId": "g", "traits": {"name": "Acme"}}),
        ),
        (
            "alias_r.csv.rejected.csv",
            "previousId,userId",
            "a,1",
            json!({"type": "alias", "userId": "1", "previousId": "a"}),
        ),
        (
            "object_rooms_r.csv.rejected.csv",
            "id,beds",
            "r1,2",
            json!({"id": "r1", "properties": {"beds": 2}}),
        ),
    ];
    for (key, header, row, expected) in cases {
        let csv = format!("{header},{REJECTS_COLUMN}\n{row},{why}\n");
        for empty in [EmptyCells::Omit, EmptyCells::Null, EmptyCells::String] {
            assert_eq!(
                sent(key, &csv, empty),
                std::slice::from_ref(expected),
                "{key} {empty:?}"
            );
        }
        let mut ing = Ingest::new(key, "t", Options::default()).unwrap();
        ing.write(csv.as_bytes()).unwrap();
        let last = ing.report().columns.last().unwrap().clone();
        assert_eq!(
            (last.name.as_str(), last.target, last.dropped),
            (REJECTS_COLUMN, None, true)
        );
    }
}
