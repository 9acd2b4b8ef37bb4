//! The engine end to end on the host: sample files, header errors, rejections, batching, streaming.

use csv2segment::{
    Batch, CellType, EmptyCells, Endpoint, Ingest, Options, Report, Typing, MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS, MAX_EVENT_BYTES,
};
use serde_json::{json, Value};

const VERSION: &str = env!("CARGO_PKG_VERSION");

struct Out {
    batches: Vec<Batch>,
    report: Report,
    rejects: Option<String>,
}

impl Out {
    /// Every event of every body, in order.
    fn events(&self) -> Vec<Value> {
        self.batches
            .iter()
            .flat_map(|b| {
                let body: Value = serde_json::from_slice(&b.body).unwrap();
                let key = match b.endpoint {
                    Endpoint::Batch => "batch",
                    Endpoint::Set => "objects",
                };
                body[key].as_array().unwrap().clone()
            })
            .collect()
    }

    /// Events with `messageId` checked for shape and removed, and the library version checked.
    fn plain_events(&self) -> Vec<Value> {
        self.events()
            .into_iter()
            .map(|mut e| {
                if let Some(obj) = e.as_object_mut() {
                    if let Some(id) = obj.remove("messageId") {
                        assert_eq!(id.as_str().unwrap().len(), 36, "{id}");
                    }
                }
                e
            })
            .collect()
    }

    fn messages(&self) -> Vec<String> {
        self.report
            .rejections
            .iter()
            .map(|r| r.to_string())
            .collect()
    }

    fn error(&self) -> &str {
        self.report.error.as_deref().unwrap_or("")
    }
}

fn run_with(key: &str, data: &[u8], options: Options, chunk: usize) -> Out {
    let mut ing = Ingest::new(key, "test://source", options).unwrap();
    let mut batches = Vec::new();
    for part in data.chunks(chunk.max(1)) {
        if ing.write(part).is_err() {
            break;
        }
        batches.extend(std::iter::from_fn(|| ing.next_batch()));
    }
    let _ = ing.finish();
    batches.extend(std::iter::from_fn(|| ing.next_batch()));
    Out {
        batches,
        report: ing.report().clone(),
        rejects: ing
            .rejects_csv()
            .map(|b| String::from_utf8_lossy(&b).into_owned()),
    }
}

fn run(key: &str, data: &str) -> Out {
    run_with(key, data.as_bytes(), Options::default(), usize::MAX)
}

fn library() -> Value {
    json!({"name": "csv2segment", "version": VERSION})
}

#[test]
fn identify_sample_gives_exact_events() {
    let out = run("identify_1.csv", include_str!("../samples/identify_1.csv"));
    let lib = library();
    let people = [
        ("1", "Tyler Ortiz", "bronze", "Facebook"),
        ("2", "Jacob Johnson", "silver", "Twitter"),
        ("3", "Ally Sweeney", "gold", "Instagram"),
        ("4", "Jasmin Christian", "platinum", "Pinterest"),
    ];
    let expected: Vec<Value> = people
        .iter()
        .map(|(id, name, plan, account)| {
            json!({
                "type": "identify",
                "userId": id,
                "traits": {"name": name, "plan": plan, "accountType": account},
                "context": {"library": lib},
            })
        })
        .collect();
    assert_eq!(out.plain_events(), expected);
    assert_eq!(
        (out.report.rows, out.report.events, out.report.rejected),
        (4, 4, 0)
    );
    assert_eq!(out.batches.len(), 1);
    assert_eq!(out.batches[0].endpoint, Endpoint::Batch);
    assert_eq!(
        (out.batches[0].first_line, out.batches[0].last_line),
        (2, 5)
    );
}

#[test]
fn track_sample_gives_exact_events() {
    let out = run("track_1.csv", include_str!("../samples/track_1.csv"));
    let rows = [
        (
            "1",
            "Tyler Ortiz",
            "bronze",
            "Facebook",
            "2019-05-11T20:32:27.940Z",
        ),
        (
            "2",
            "Jacob Johnson",
            "silver",
            "Twitter",
            "2019-05-12T20:32:27.940Z",
        ),
        (
            "3",
            "Ally Sweeney",
            "gold",
            "Instagram",
            "2019-05-13T20:32:27.940Z",
        ),
        (
            "4",
            "Jasmin Christian",
            "platinum",
            "Pinterest",
            "2019-05-14T20:32:27.940Z",
        ),
    ];
    let expected: Vec<Value> = rows
        .iter()
        .map(|(id, name, plan, account, ts)| {
            json!({
                "type": "track",
                "userId": id,
                "event": "test event",
                "properties": {"name": name, "plan": plan, "accountType": account},
                "context": {"device": {"id": id}, "library": library()},
                "timestamp": ts,
            })
        })
        .collect();
    assert_eq!(out.plain_events(), expected);
    // The exact bytes of the first event, key order included.
    let body = String::from_utf8(out.batches[0].body.clone()).unwrap();
    let first = format!(
        r#"{{"sentAt":"1970-01-01T00:00:00.000Z","batch":[{{"type":"track","userId":"1","event":"test event","properties":{{"name":"Tyler Ortiz","plan":"bronze","accountType":"Facebook"}},"context":{{"device":{{"id":"1"}},"library":{{"name":"csv2segment","version":"{VERSION}"}}}},"timestamp":"2019-05-11T20:32:27.940Z","messageId":""#
    );
    assert!(body.starts_with(&first), "{body}");
}

#[test]
fn message_ids_are_deterministic_per_identity_and_offset() {
    let data = include_bytes!("../samples/track_1.csv");
    let ids = |identity: &str, chunk: usize| -> Vec<String> {
        let mut ing = Ingest::new("track_1.csv", identity, Options::default()).unwrap();
        for part in data.chunks(chunk) {
            ing.write(part).unwrap();
        }
        ing.finish().unwrap();
        let body: Value = serde_json::from_slice(&ing.next_batch().unwrap().body).unwrap();
        body["batch"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["messageId"].as_str().unwrap().to_string())
            .collect()
    };
    // The JS tests check that the wasm build gives this same id (tests/js/core/engine.test.mjs).
    assert_eq!(
        ids("s3://bucket/track_1.csv#etag", 1000)[0],
        "f0730e7a-9ddc-83f1-8108-97f1dd32927a"
    );
    let a = ids("s3://bucket/track_1.csv#etag1", 1000);
    assert_eq!(a, ids("s3://bucket/track_1.csv#etag1", 7));
    let b = ids("s3://bucket/track_1.csv#etag2", 1000);
    assert_eq!(a.len(), 4);
    assert!(a.iter().zip(&b).all(|(x, y)| x != y));
    let unique: std::collections::HashSet<_> = a.iter().collect();
    assert_eq!(unique.len(), 4);
}

#[test]
fn a_mapping_rule_takes_part_in_the_ids_and_the_report_names_its_hash() {
    // A file sent through a mapping that was then corrected must not be dropped by Segment as
    // repeats of the first send: the rule's content is in the ids. The same rule written in
    // another key order or spacing is the same rule, and gives the same ids.
    let data = b"user,what\nu1,x\nu2,y\n";
    let send = |mapping: &str| {
        let options = Options {
            mapping: Some(mapping.to_string()),
            mapping_key: Some("exports/csv2segment.json".into()),
            ..Options::default()
        };
        let out = run_with("export.csv", data, options, usize::MAX);
        let ids: Vec<String> = out
            .events()
            .iter()
            .map(|e| e["messageId"].as_str().unwrap().to_string())
            .collect();
        let events: Vec<String> = out
            .events()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_string())
            .collect();
        (ids, events, out.report.mapping.clone().unwrap())
    };
    let wrong = r#"{"files":[{"match":"*.csv","call":"track","columns":{"user":"userId"},"set":{"event":"Wrong Event"}}]}"#;
    let right = r#"{"files":[{"match":"*.csv","call":"track","columns":{"user":"userId"},"set":{"event":"Right Event"}}]}"#;
    let right_reformatted = r#"{ "files": [ { "set": { "event": "Right Event" },
        "columns": { "user": "userId" }, "call": "track", "match": "*.csv" } ] }"#;
    // Another rule changed, this file's rule not: its ids stay.
    let right_other_rule = r#"{"files":[{"match":"*.csv","call":"track","columns":{"user":"userId"},"set":{"event":"Right Event"}},{"match":"*.tsv","call":"identify"}]}"#;
    let (a, a_events, a_used) = send(wrong);
    let (b, b_events, b_used) = send(right);
    let (c, _, c_used) = send(right_reformatted);
    let (d, _, _) = send(right_other_rule);
    assert_eq!(a_events, ["Wrong Event", "Wrong Event"]);
    assert_eq!(b_events, ["Right Event", "Right Event"]);
    assert!(a.iter().zip(&b).all(|(x, y)| x != y), "{a:?} {b:?}");
    assert_eq!(b, c);
    assert_eq!(b, d);
    // sha256sum of the text as it is:
    assert_eq!(
        b_used.sha256,
        "ff037a5dbd865755c0105db45e1835fd42b8892c9359e1edc31bcd07d2870dd0"
    );
    assert_ne!(a_used.sha256, b_used.sha256);
    assert_ne!(
        b_used.sha256, c_used.sha256,
        "the hash is of the text as it was read"
    );
    assert_eq!(a_used.rule, Some(0));
}

#[test]
fn message_id_column_is_used_when_filled() {
    let out = run("track_m.csv", "userId,event,messageId\n1,a,my-id-1\n2,b,\n");
    let events = out.events();
    assert_eq!(events[0]["messageId"], "my-id-1");
    assert_eq!(events[1]["messageId"].as_str().unwrap().len(), 36);
}

#[test]
fn spec_fields_and_where_bare_columns_go() {
    let out = run(
        "page_x.csv",
        "anonymousId,name,category,url,properties.path,traits.email,integrations.All,integrations.Mixpanel,context.ip\n\
         a1,Home,Docs,https://x.io,/,a@b.c,false,true,1.2.3.4\n",
    );
    assert_eq!(
        out.plain_events(),
        [json!({
            "type": "page",
            "anonymousId": "a1",
            "name": "Home",
            "category": "Docs",
            "properties": {"url": "https://x.io", "path": "/"},
            "context": {"traits": {"email": "a@b.c"}, "ip": "1.2.3.4", "library": library()},
            "integrations": {"All": false, "Mixpanel": true},
        })]
    );

    let out = run(
        "group_x.csv",
        "userId,groupId,name,employees,traits.industry\nu1,g1,Acme,120,Retail\n",
    );
    assert_eq!(
        out.plain_events(),
        [json!({
            "type": "group",
            "userId": "u1",
            "groupId": "g1",
            "traits": {"name": "Acme", "employees": 120, "industry": "Retail"},
            "context": {"library": library()},
        })]
    );

    let out = run(
        "alias_x.csv",
        "previousId,userId,timestamp\nanon-1,user-1,1557606747\n",
    );
    assert_eq!(
        out.plain_events(),
        [json!({
            "type": "alias",
            "previousId": "anon-1",
            "userId": "user-1",
            "context": {"library": library()},
            "timestamp": "2019-05-11T20:32:27.000Z",
        })]
    );

    let out = run("screen_x.csv", "userId,name,category\nu,Home,Main\n");
    assert_eq!(
        out.plain_events(),
        [json!({
            "type": "screen",
            "userId": "u",
            "name": "Home",
            "properties": {"category": "Main"},
            "context": {"library": library()},
        })]
    );
}

#[test]
fn types_arrays_and_nested_timestamps() {
    let out = run(
        "track_t.csv",
        "userId,event,properties.items[0].sku,properties.items[0].price:number,properties.items[1].sku,\
         properties.zip,properties.count,properties.ok,properties.meta:json,traits.createdAt,properties.code:string,properties.n:integer,properties.b:boolean\n\
         1,Bought,A1,9.90,B2,02134,3,true,\"{\"\"a\"\":[1,2]}\",2020-01-02,007,42,yes\n\
         2,Bought,,,B2,,,,,,,,\n",
    );
    let lib = library();
    assert_eq!(
        out.plain_events(),
        [
            json!({
                "type": "track",
                "userId": "1",
                "event": "Bought",
                "properties": {
                    "items": [{"sku": "A1", "price": 9.9}, {"sku": "B2"}],
                    "zip": "02134",
                    "count": 3,
                    "ok": true,
                    "meta": {"a": [1, 2]},
                    "code": "007",
                    "n": 42,
                    "b": true,
                },
                "context": {"traits": {"createdAt": "2020-01-02T00:00:00.000Z"}, "library": lib},
            }),
            json!({
                "type": "track",
                "userId": "2",
                "event": "Bought",
                "properties": {"items": [null, {"sku": "B2"}]},
                "context": {"library": lib},
            }),
        ]
    );
    let cols: Vec<(String, Option<String>, Option<&str>)> = out
        .report
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.target.clone(), c.ty.map(CellType::as_str)))
        .collect();
    assert_eq!(
        cols[..4],
        [
            ("userId".into(), Some("userId".into()), Some("string")),
            ("event".into(), Some("event".into()), Some("string")),
            (
                "properties.items[0].sku".into(),
                Some("properties.items[0].sku".into()),
                Some("auto")
            ),
            (
                "properties.items[0].price:number".into(),
                Some("properties.items[0].price".into()),
                Some("number")
            ),
        ]
    );
    assert_eq!(
        (cols[9].1.as_deref(), cols[9].2),
        (Some("context.traits.createdAt"), Some("timestamp"))
    );
}

#[test]
fn empty_cell_and_typing_options() {
    let data = b"userId,traits.plan,traits.seats,context.ip\n1,,5,\n";
    let with = |empty, typing| {
        let options = Options {
            empty,
            typing,
            ..Options::default()
        };
        run_with("identify_o.csv", data, options, usize::MAX).plain_events()[0]["traits"].clone()
    };
    assert_eq!(with(EmptyCells::Omit, Typing::Infer), json!({"seats": 5}));
    assert_eq!(
        with(EmptyCells::Null, Typing::Infer),
        json!({"plan": null, "seats": 5})
    );
    assert_eq!(
        with(EmptyCells::String, Typing::Strings),
        json!({"plan": "", "seats": "5"})
    );
    // Spec fields are never sent empty, whatever the option.
    let out = run_with(
        "identify_o.csv",
        data,
        Options {
            empty: EmptyCells::String,
            ..Options::default()
        },
        usize::MAX,
    );
    assert_eq!(
        out.plain_events()[0]["context"],
        json!({"library": library()})
    );
}

#[test]
fn objects_go_to_set_in_tens_with_flat_properties() {
    let mut csv = String::from("id,name,price.amount,properties.review_count,tags[0],created_at\n");
    for i in 0..23 {
        csv.push_str(&format!("r{i},Room {i},{i}.5,{i},beach,x\n"));
    }
    let out = run("uploads/object_rooms_2024.csv", &csv);
    assert_eq!(out.batches.len(), 3);
    assert!(out.batches.iter().all(|b| b.endpoint == Endpoint::Set));
    assert_eq!(
        out.batches.iter().map(|b| b.events).collect::<Vec<_>>(),
        [10, 10, 3]
    );
    let body: Value = serde_json::from_slice(&out.batches[2].body).unwrap();
    assert_eq!(body["collection"], "rooms");
    assert_eq!(
        body["objects"][0],
        json!({"id": "r20", "properties": {
            "name": "Room 20", "price_amount": 20.5, "review_count": 20, "tags_0": "beach", "created_at": "x"
        }})
    );
}

#[test]
fn batches_are_as_full_as_the_limits_allow() {
    let mut csv = String::from("userId,event,properties.plan\n");
    for i in 0..6000 {
        csv.push_str(&format!("{i},E,p\n"));
    }
    let out = run("track_many.csv", &csv);
    let counts: Vec<u32> = out.batches.iter().map(|b| b.events).collect();
    assert_eq!(counts, [2500, 2500, 1000]);
    assert_eq!(out.report.batches, 3);
    assert_eq!(out.report.events, 6000);

    // Wide rows: the byte limit binds first, and every body stays under it, nearly full.
    let mut csv = String::from("userId,event,properties.note\n");
    let note = "n".repeat(400);
    for i in 0..3000 {
        csv.push_str(&format!("{i},E,{note}\n"));
    }
    let out = run("track_wide.csv", &csv);
    let sizes: Vec<usize> = out.batches.iter().map(|b| b.body.len()).collect();
    assert!(sizes.iter().all(|&s| s <= MAX_BATCH_BYTES), "{sizes:?}");
    assert!(sizes[..sizes.len() - 1]
        .iter()
        .all(|&s| s > MAX_BATCH_BYTES - 600));
    let total: u32 = out.batches.iter().map(|b| b.events).sum();
    assert_eq!(total, 3000);
    assert!(out
        .batches
        .iter()
        .all(|b| (b.events as usize) < MAX_BATCH_EVENTS));
    // Lines continue from one body to the next.
    for pair in out.batches.windows(2) {
        assert_eq!(pair[1].first_line, pair[0].last_line + 1);
    }
}

#[test]
fn a_row_like_the_seeds_fills_about_1600_events_per_request() {
    let mut csv = String::from(
        "userId,name,event,properties.plan,properties.accountType,context.ip,context.device.id,timestamp\n",
    );
    for i in 0..5000 {
        csv.push_str(&format!(
            "{i},Tyler Ortiz,test event,bronze,Facebook,,{i},2019-05-11T20:32:27.940Z\n"
        ));
    }
    let out = run("track_seed.csv", &csv);
    let first = out.batches[0].events;
    // The seed's client sent 20 a request; the byte limit allows about 80 times that.
    assert!((1500..=1700).contains(&first), "{first}");
}

#[test]
fn header_errors_name_every_column_and_fix() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "identify_a.csv",
            "email,traits.plan",
            &["missing column userId: identify calls need a userId or anonymousId column; add it to the header"],
        ),
        (
            "track_a.csv",
            "userId,properties.plan",
            &["missing column event: track calls need a event column; add it to the header"],
        ),
        (
            "group_a.csv",
            "userId,traits.name",
            &["missing column groupId: group calls need a groupId column; add it to the header"],
        ),
        (
            "alias_a.csv",
            "userId",
            &["missing column previousId: alias calls need a previousId column; add it to the header"],
        ),
        (
            "object_rooms_a.csv",
            "name",
            &["missing column id: object calls need a id column; add it to the header"],
        ),
        (
            "track_b.csv",
            "userId,event,properties.plan,plan",
            &["column 4 (plan): fills properties.plan, which column 3 (properties.plan) already fills; remove or rename one of them"],
        ),
        (
            "identify_b.csv",
            "userId,traits.a,traits.a.b",
            &["column 3 (traits.a.b): conflicts with column 2 (traits.a): a field cannot be both a value and an object or a list; rename one of them"],
        ),
        (
            "identify_c.csv",
            "userId,traits.a.b,traits.a",
            &["column 3 (traits.a): conflicts with column 2 (traits.a.b): a field cannot be both a value and an object or a list; rename one of them"],
        ),
        (
            "identify_d.csv",
            "userId,traits.age:int",
            &["column 2 (traits.age:int): unknown type 'int'; use one of string, number, integer, boolean, timestamp, json"],
        ),
        (
            "identify_e.csv",
            "userId,,traits.x",
            &["column 2 (): the column has no name; name it (like traits.plan) or remove it"],
        ),
        (
            "identify_f.csv",
            "userId,traits.__proto__.admin",
            &["column 2 (traits.__proto__.admin): '__proto__' cannot be a field name (it has a special meaning in JavaScript); rename it"],
        ),
        (
            "identify_g.csv",
            "userId,constructor,traits.prototype",
            &[
                "column 2 (constructor): 'constructor' cannot be a field name (it has a special meaning in JavaScript); rename it",
                "column 3 (traits.prototype): 'prototype' cannot be a field name (it has a special meaning in JavaScript); rename it",
            ],
        ),
        (
            "identify_h.csv",
            "userId,properties.plan",
            &["column 2 (properties.plan): identify calls carry traits, not properties; rename the column to start with traits."],
        ),
        (
            "identify_i.csv",
            "userId,traits",
            &["column 2 (traits): traits must be an object: name its fields (like traits.plan) or type the column traits:json"],
        ),
        (
            "identify_j.csv",
            "userId.x,userId",
            &["column 1 (userId.x): userId is a single value and has no fields; use userId alone"],
        ),
        (
            "alias_b.csv",
            "previousId,userId,plan",
            &["column 3 (plan): alias calls take only previousId, userId, timestamp, messageId, context.* and integrations.*; remove the column"],
        ),
        (
            "track_c.csv",
            "userId,event,context.library.name",
            &["column 3 (context.library.name): context.library is set by csv2segment; remove the column"],
        ),
        (
            "track_d.csv",
            "userId,event,timestamp:string",
            &["column 3 (timestamp:string): the type string cannot be used here: Segment reads timestamp as a date; remove the type"],
        ),
        (
            "object_rooms_b.csv",
            "id,tags:json",
            &["column 2 (tags:json): the type json cannot be used here: the Objects API takes no lists or objects; give each value a column of its own"],
        ),
        (
            "track_e.csv",
            "userId,event,properties.items[0].sku,properties.items.sku",
            &["column 4 (properties.items.sku): conflicts with column 3 (properties.items[0].sku): a field cannot be both a value and an object or a list; rename one of them"],
        ),
        (
            "track_f.csv",
            "userId,event,properties..x,properties.a[b]",
            &[
                "column 3 (properties..x): the path has an empty part; write it like traits.address.city",
                "column 4 (properties.a[b]): an array index must be a whole number from 0 to 999, like products[0].sku",
            ],
        ),
    ];
    for (key, header, expected) in cases {
        let data = format!("{header}\n1,2,3\n");
        let mut ing = Ingest::new(key, "t", Options::default()).unwrap();
        let err = ing.write(data.as_bytes()).unwrap_err();
        let got: Vec<String> = err.header_errors().iter().map(|e| e.to_string()).collect();
        assert_eq!(&got, expected, "{key}");
        let n = expected.len();
        let first = format!(
            "{key}: the header has {n} problem{}, so nothing was sent",
            if n == 1 { "" } else { "s" }
        );
        assert_eq!(err.to_string().lines().next().unwrap(), first);
        assert_eq!(err.code(), "header");
        // The engine is poisoned: every later call gives the same error, and nothing was made.
        assert_eq!(ing.write(b"1,2\n").unwrap_err(), err);
        assert_eq!(ing.finish().unwrap_err(), err);
        assert!(ing.next_batch().is_none());
        assert_eq!(
            ing.report().error.as_deref(),
            Some(err.to_string().as_str())
        );
        assert_eq!(ing.report().header_errors.len(), n);
    }
}

#[test]
fn every_rejection_reason() {
    let csv = "userId,anonymousId,event,timestamp,properties.n:number,properties.i:integer,properties.b:boolean,properties.j:json,messageId\n\
        1,,ok,,,,,,\n\
        ,,ok,,,,,,\n\
        1,,,,,,,,\n\
        1,,ok,yesterday,,,,,\n\
        1,,ok,99999-01-01,,,,,\n\
        1,,ok,,abc,,,,\n\
        1,,ok,,,1.5,,,\n\
        1,,ok,,,,maybe,,\n\
        1,,ok,,,,,[1,\n\
        1,,ok,,,,,,"
        .to_string()
        + &"m".repeat(101)
        + "\n1,only three fields\n";
    let out = run("track_r.csv", &csv);
    assert_eq!(
        out.messages(),
        [
            "line 3, column 1 (userId): userId and anonymousId are both empty; fill in at least one",
            "line 4, column 3 (event): event is empty; every track call needs one",
            "line 5, column 4 (timestamp): cannot read 'yesterday' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds",
            "line 6, column 4 (timestamp): cannot read '99999-01-01' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds",
            "line 7, column 5 (properties.n:number): 'abc' is not a number; write it like 1234.5",
            "line 8, column 6 (properties.i:integer): '1.5' is not a whole number; write it like 1234",
            "line 9, column 7 (properties.b:boolean): 'maybe' is not a boolean; write true or false",
            "line 10, column 8 (properties.j:json): '[1' is not valid JSON (EOF while parsing a list at line 1 column 2)",
            "line 11, column 9 (messageId): messageId is 101 characters long; Segment takes at most 100",
            "line 12: the row has 2 fields but the header has 9; check for a missing or extra delimiter, or a quote that is not closed",
        ]
    );
    assert_eq!(
        (out.report.rows, out.report.events, out.report.rejected),
        (11, 1, 10)
    );
}

#[test]
fn dates_out_of_range_and_spec_objects_that_are_not_objects() {
    let out = run(
        "identify_r.csv",
        "userId,traits:json\n1,[1]\n3,\"{\"\"plan\"\":\"\"pro\"\"}\"\n",
    );
    assert_eq!(
        out.messages(),
        ["line 2, column 2 (traits:json): '[1]' is not a JSON object; write it like {\"plan\":\"pro\"}"]
    );
    assert_eq!(out.plain_events()[0]["traits"], json!({"plan": "pro"}));

    let out = run(
        "identify_d.csv",
        "userId,traits.createdAt\n2,-99999999999\n3,1557606747940\n",
    );
    assert_eq!(
        out.messages(),
        ["line 2, column 2 (traits.createdAt): '-99999999999' reads as the year -1199 as Unix seconds, outside the years 1900 to 2200; fix the cell"]
    );
    assert_eq!(
        out.plain_events()[0]["traits"],
        json!({"createdAt": "2019-05-11T20:32:27.940Z"})
    );
}

#[test]
fn oversized_events_and_bad_utf8_are_rejected_by_row() {
    let big = "x".repeat(33 * 1024);
    let mut data = format!("userId,event,properties.note\n1,E,{big}\n2,E,ok\n").into_bytes();
    data.extend_from_slice(b"3,E,caf\xe9\n4,E,fine\n");
    let out = run_with("track_big.csv", &data, Options::default(), 4096);
    let messages = out.messages();
    assert_eq!(messages.len(), 2);
    assert!(
        messages[0].starts_with("line 2: the event would be 33"),
        "{}",
        messages[0]
    );
    assert!(
        messages[0].ends_with(" bytes, over Segment's limit of 32768; shorten its longest values")
    );
    assert_eq!(
        messages[1],
        "line 4, column 3 (properties.note): the text is not valid UTF-8; save the file as UTF-8, or give its encoding in csv2segment.json (\"encoding\": \"windows-1252\")"
    );
    let users: Vec<Value> = out.events().iter().map(|e| e["userId"].clone()).collect();
    assert_eq!(users, [json!("2"), json!("4")]);
}

#[test]
fn an_event_of_exactly_32768_bytes_is_sent_and_one_of_32769_rejected() {
    // Segment's limit is 32 KB per event: its JSON, as sent, at most 32,768 bytes (the strict
    // stand-in and @segment/analytics-node measure JSON.stringify(event) the same way).
    let event_bytes = |note: &str| {
        let out = run(
            "track_edge.csv",
            &format!("userId,event,properties.note\n1,E,{note}\n"),
        );
        out.events()
            .first()
            .map(|e| serde_json::to_vec(e).unwrap().len())
    };
    // (An empty note would be left out, `"properties":{"note":""}` and all.)
    let base = event_bytes("x").unwrap() - 1;
    let fits = "x".repeat(MAX_EVENT_BYTES - base);
    let over = "x".repeat(MAX_EVENT_BYTES - base + 1);
    assert_eq!(event_bytes(&fits), Some(32_768));
    let out = run(
        "track_edge.csv",
        &format!("userId,event,properties.note\n1,E,{fits}\n2,E,{over}\n"),
    );
    // The one event sent stands in its body as 32,768 bytes: `{"sentAt":…,"batch":[EVENT]}`.
    let body = &out.batches[0].body;
    let start = body.iter().position(|&b| b == b'[').unwrap() + 1;
    let end = body.iter().rposition(|&b| b == b']').unwrap();
    assert_eq!(end - start, 32_768);
    assert_eq!(
        [out.report.rows, out.report.events, out.report.rejected],
        [2, 1, 1]
    );
    assert_eq!(
        out.messages(),
        ["line 3: the event would be 32769 bytes, over Segment's limit of 32768; shorten its longest values"]
    );
}

#[test]
fn rejects_csv_holds_header_rows_and_reasons() {
    let out = run(
        "track_rj.csv",
        "userId,event,timestamp\r\n1,ok,\r\n2,ok,\"not, a date\"\r\n,,\r\n",
    );
    assert_eq!(
        out.rejects.as_deref(),
        Some(
            "userId,event,timestamp,csv2segment_error\n\
             2,ok,\"not, a date\",\"line 3, column 3 (timestamp): cannot read 'not, a date' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds\"\n\
             ,,,\"line 4, column 1 (userId): userId and anonymousId are both empty; fill in at least one\"\n"
        )
    );
    let r = &out.report.rejections[0];
    assert_eq!((r.line, r.offset), (3, 31));
    assert_eq!(run("track_ok.csv", "userId,event\n1,a\n").rejects, None);
}

#[test]
fn the_rejects_csv_of_a_file_without_a_header_row_gets_the_mappings_names() {
    // A `.tsv` whose rule names the columns and not the delimiter: the name's tab joins them,
    // as the mapping's own delimiter does.
    let options = |rule: &str| Options {
        mapping: Some(format!(
            r#"{{"files": [{{"match": "rows.*", "call": "track", "header": ["userId", "event"]{rule}}}]}}"#
        )),
        ..Options::default()
    };
    let data = b"1\tSigned Up\n\t\n";
    let reason = "\"line 2, column 1 (userId): userId and anonymousId are both empty; fill in at least one\"";
    let expected = format!("userId\tevent\tcsv2segment_error\n\t\t{reason}\n");
    for (key, rule) in [("rows.tsv", ""), ("rows.csv", r#", "delimiter": "\t""#)] {
        let out = run_with(key, data, options(rule), 64);
        assert_eq!(out.report.events, 1, "{key}");
        assert_eq!(out.rejects.as_deref(), Some(expected.as_str()), "{key}");
    }
}

#[test]
fn the_report_counts_the_bodies_made_whenever_it_is_asked_for() {
    let options = Options {
        max_batch_events: 1,
        ..Options::default()
    };
    let mut ing = Ingest::new("track_n.csv", "id", options).unwrap();
    ing.write(b"userId,event\n1,a\n2,b").unwrap();
    assert!(ing.next_batch().is_none());
    assert_eq!(ing.report().batches, 0);
    // The last row, read at the end, completes the first body.
    ing.finish().unwrap();
    assert_eq!(ing.report().batches, 1);
    let lines: Vec<u64> = std::iter::from_fn(|| ing.next_batch())
        .map(|b| b.first_line)
        .collect();
    assert_eq!(lines, [2, 3]);
    assert_eq!((ing.report().batches, ing.report().finished), (2, true));
}

#[test]
fn rejections_kept_are_capped_but_all_counted() {
    let mut csv = String::from("userId,event\n");
    for _ in 0..1500 {
        csv.push_str(",x\n");
    }
    let out = run("track_cap.csv", &csv);
    assert_eq!(out.report.rejected, 1500);
    assert_eq!(out.report.rejections.len(), 1000);
    assert_eq!(out.report.rejections[999].line, 1001);
}

#[test]
fn byte_order_marks_utf16_and_gzip() {
    let text = "userId,traits.name\n1,Zoë\n";
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let plain = run("identify_u.csv", text);
    let with_bom = run_with("identify_u.csv", &bom, Options::default(), 1);
    assert_eq!(with_bom.plain_events(), plain.plain_events());
    assert_eq!(with_bom.report.columns[0].name, "userId");

    let mut utf16 = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let decoded = run_with("identify_u.csv", &utf16, Options::default(), 3);
    assert_eq!(decoded.plain_events(), plain.plain_events());

    let gz = run_with(
        "identify_u.csv",
        &[0x1f, 0x8b, 8, 0, 0],
        Options::default(),
        2,
    );
    assert_eq!(
        gz.error(),
        "the data is gzip-compressed: name the file with a .gz extension so that it is decompressed first"
    );
}

#[test]
fn empty_files_and_header_only_files() {
    let mut ing = Ingest::new("track_e.csv", "t", Options::default()).unwrap();
    let err = ing.finish().unwrap_err();
    assert_eq!(err.code(), "no_header");
    let out = run("track_h.csv", "userId,event\n");
    assert_eq!((out.report.rows, out.batches.len()), (0, 0));
    assert!(out.report.finished);
    let mut ing = Ingest::new("track_e.csv", "t", Options::default()).unwrap();
    ing.write(b"userId,event\n").unwrap();
    ing.finish().unwrap();
    assert_eq!(ing.write(b"1,a\n").unwrap_err().code(), "finished");
}

#[test]
fn tsv_files_use_tabs() {
    let out = run(
        "track_t.tsv",
        "userId\tevent\tproperties.note\n1\tE\ta, b\n",
    );
    assert_eq!(out.plain_events()[0]["properties"], json!({"note": "a, b"}));
}

#[test]
fn any_chunking_gives_the_same_bodies_and_report() {
    let data = "userId,name,event,properties.plan,timestamp,properties.note\n\
        1,\"Ortiz, Tyler\",test event,bronze,2019-05-11T20:32:27.940Z,\"multi\nline \"\"quoted\"\"\"\n\
        2,Zoë Ünicode 🎉,test event,silver,1557606747,x\n\
        ,bad,test event,gold,,\r\n\
        4,Last,test event,gold,2019-05-11,no newline at end";
    let whole = run_with(
        "track_c.csv",
        data.as_bytes(),
        Options::default(),
        usize::MAX,
    );
    assert_eq!((whole.report.events, whole.report.rejected), (3, 1));
    let bodies = |o: &Out| o.batches.iter().map(|b| b.body.clone()).collect::<Vec<_>>();
    let report = |o: &Out| serde_json::to_value(&o.report).unwrap();
    for cut in 0..=data.len() {
        let mut ing = Ingest::new("track_c.csv", "test://source", Options::default()).unwrap();
        ing.write(&data.as_bytes()[..cut]).unwrap();
        ing.write(&data.as_bytes()[cut..]).unwrap();
        ing.finish().unwrap();
        let batches: Vec<Batch> = std::iter::from_fn(|| ing.next_batch()).collect();
        let out = Out {
            batches,
            report: ing.report().clone(),
            rejects: None,
        };
        assert_eq!(bodies(&out), bodies(&whole), "cut at {cut}");
        assert_eq!(report(&out), report(&whole), "cut at {cut}");
    }
    for size in [1, 2, 3, 5, 13] {
        let out = run_with("track_c.csv", data.as_bytes(), Options::default(), size);
        assert_eq!(bodies(&out), bodies(&whole), "chunks of {size}");
    }
}

#[test]
fn ready_bodies_are_taken_as_they_come() {
    // A host that takes bodies after each write never holds more than one ready body.
    let mut ing = Ingest::new("track_s.csv", "t", Options::default()).unwrap();
    ing.write(b"userId,event\n").unwrap();
    let row = b"12345,event name here\n";
    let mut max_ready = 0;
    for _ in 0..20_000 {
        ing.write(row).unwrap();
        let mut ready = 0;
        while ing.next_batch().is_some() {
            ready += 1;
        }
        max_ready = max_ready.max(ready);
    }
    ing.finish().unwrap();
    assert_eq!(max_ready, 1);
    assert_eq!(ing.report().events, 20_000);
}

#[test]
fn options_are_checked() {
    let bad = Options {
        max_batch_events: 3000,
        ..Options::default()
    };
    let err = Ingest::new("track_x.csv", "t", bad).err().unwrap();
    assert_eq!(
        err.to_string(),
        "invalid option: maxBatchEvents must be from 1 to 2500, not 3000"
    );
    let err = Ingest::new("users.csv", "t", Options::default())
        .err()
        .unwrap();
    assert_eq!(err.code(), "file_name");
}

/// A track file of `rows` good rows, with `bad` put in place of the row at 0-based `at`.
fn track_rows(rows: usize, at: usize, bad: &str) -> String {
    let mut text = String::from("userId,event,properties.plan\n");
    for i in 0..rows {
        if i == at {
            text.push_str(bad);
        } else {
            text.push_str(&format!("u{i},Signed Up,pro\n"));
        }
    }
    text
}

#[test]
fn a_stray_quote_costs_one_row() {
    // Line 3's quote never closes: 300 KB of rows after it fit the limit, so it runs to the end.
    let data = track_rows(20_000, 1, "u1,\"Signed Up,pro\n");
    for chunk in [usize::MAX, 65_536, 7] {
        let out = run_with("track_x.csv", data.as_bytes(), Options::default(), chunk);
        assert_eq!(
            (out.report.rows, out.report.events, out.report.rejected),
            (20_000, 19_999, 1)
        );
        assert_eq!(
            out.messages(),
            [
                "line 3: a quote opened at column 2 is never closed (the row ends at the first \
              line break after it); close it or remove it"
            ]
        );
        assert_eq!(out.report.rejections[0].raw, b"u1,\"Signed Up,pro");
        assert_eq!(out.events()[1]["userId"], "u2");
    }
    // The same past the limit: decided when the row reaches it, not at the end.
    let small = Options {
        max_record_bytes: 1000,
        ..Options::default()
    };
    let out = run_with("track_x.csv", data.as_bytes(), small, 4096);
    assert_eq!((out.report.events, out.report.rejected), (19_999, 1));
    assert_eq!(
        out.messages(),
        [
            "line 3: the row is over 1000 bytes; a quote opened at column 2 is probably never \
          closed (the row ends at the first line break after it)"
        ]
    );
}

#[test]
fn a_stray_quote_that_pairs_with_a_later_quote_takes_the_rows_between() {
    // The quote on line 3 closes at the quote that opens line 5's last field: lines 3 to 5 read
    // as one row of two fields (the second from `B` to `y"`), which the header's three
    // reject; line 6 goes on as usual.
    let data = "userId,event,properties.plan\nu0,A,x\nu1,\"B,x\nu2,C,x\nu3,D,\"y\"\nu4,E,x\n";
    let out = run("track_x.csv", data);
    assert_eq!((out.report.events, out.report.rejected), (2, 1));
    assert_eq!(
        out.messages(),
        [
            "line 3: the row has 2 fields but the header has 3; check for a missing or extra \
          delimiter, or a quote that is not closed"
        ]
    );
    assert_eq!(
        out.report.rejections[0].raw,
        b"u1,\"B,x\nu2,C,x\nu3,D,\"y\""
    );
}

#[test]
fn a_row_over_the_limit_is_rejected_without_being_held() {
    // 3 MiB of delimiters on line 3, in tabs for a .tsv: rejected, its first 4 KiB kept.
    let mut data = String::from("userId\tevent\nu0\tA\n");
    data.push_str(&"\t".repeat(3 << 20));
    data.push_str("\nu2\tC\n");
    let out = run_with("track_x.tsv", data.as_bytes(), Options::default(), 65_536);
    assert_eq!((out.report.events, out.report.rejected), (2, 1));
    assert_eq!(
        out.messages(),
        ["line 3: the row is over 1 MiB; check for a missing line break, or raise maxRecordBytes"]
    );
    assert_eq!(out.report.rejections[0].raw, vec![b'\t'; 4096]);
    let lines: Vec<&str> = out.rejects.as_deref().unwrap().lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].len(), 4096 + 1 + out.messages()[0].len() + 2);
    // Raised, the option lets it through to the field count.
    let big = Options {
        max_record_bytes: 4 << 20,
        ..Options::default()
    };
    let out = run_with("track_x.tsv", data.as_bytes(), big, 65_536);
    assert_eq!(
        out.messages(),
        [format!(
            "line 3: the row has {} fields but the header has 2; check for a missing or extra \
             delimiter, or a quote that is not closed",
            (3 << 20) + 1
        )]
    );
}

#[test]
fn a_header_over_64_kb_or_with_a_stray_quote_stops_the_file() {
    let data = format!("{}\nu1,A\n", "userId,".repeat(20_000));
    let out = run_with("track_x.csv", data.as_bytes(), Options::default(), 4096);
    assert_eq!(
        out.error(),
        "the header row is over 64 KB without a line break, so nothing was sent; the first line \
         must name the columns, like userId,event,timestamp"
    );
    assert!(out.batches.is_empty());
    let out = run("track_x.csv", "userId,\"event\nu1,A\n");
    assert_eq!(
        out.error(),
        "the header row has a quote at column 2 that is never closed, so nothing was sent; close \
         it, or remove it"
    );
    let err = Ingest::new(
        "track_x.csv",
        "t",
        Options {
            max_record_bytes: 0,
            ..Options::default()
        },
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        "invalid option: maxRecordBytes must be from 1 to 1073741824, not 0"
    );
}

#[test]
fn rejected_rows_kept_in_the_report_are_bounded() {
    // 1,000 rejected rows of 40 KB: each kept whole until 1 MiB is kept, then their first 4 KiB.
    let long = "x".repeat(40_000);
    let mut data = String::from("userId,event\n");
    for _ in 0..1000 {
        data.push_str(&format!("u,{long},extra\n"));
    }
    let out = run_with("track_x.csv", data.as_bytes(), Options::default(), 65_536);
    assert_eq!(out.report.rejected, 1000);
    let kept: usize = out.report.rejections.iter().map(|r| r.raw.len()).sum();
    let whole = (1 << 20) / 40_008 + 1;
    assert_eq!(kept, whole * 40_008 + (1000 - whole) * 4096);
    // A row over 64 KB keeps its first 4 KiB, even while the budget lasts.
    let data = format!("userId,event\nu,{},extra\n", "y".repeat(100_000));
    let out = run("track_x.csv", &data);
    assert_eq!(out.report.rejections[0].raw.len(), 4096);
}

#[test]
fn validate_keeps_a_previews_payloads_unless_told_how_many() {
    let rows: String = (1..=7).map(|i| format!("{i},E{i}\n")).collect();
    let data = format!("userId,event\n{rows}");
    let v = csv2segment::validate(data.as_bytes(), "track_x.csv", "id", Options::default());
    // samplePayloads unset (0): VALIDATE_SAMPLE_PAYLOADS, as IngestOptions' docs say.
    assert_eq!(v.samples.len(), 5);
    assert!(v.samples[4].contains(r#""event":"E5""#), "{}", v.samples[4]);
    let two = Options {
        sample_payloads: 2,
        ..Options::default()
    };
    assert_eq!(
        csv2segment::validate(data.as_bytes(), "track_x.csv", "id", two)
            .samples
            .len(),
        2
    );
}

#[test]
fn progress_is_the_reports_counts() {
    let mut ing = Ingest::new("track_x.csv", "id", Options::default()).unwrap();
    ing.write(b"userId,event\n1,A\n2,\n3,B").unwrap();
    let p = ing.report().progress();
    // The last row has no line ending yet: it is not read until finish.
    assert_eq!((p.rows, p.events, p.rejected, p.batches), (2, 1, 1, 0));
    assert_eq!(p.input_bytes, 23);
    ing.finish().unwrap();
    let p = ing.report().progress();
    assert_eq!((p.rows, p.events, p.rejected, p.batches), (3, 2, 1, 1));
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        r#"{"rows":3,"events":2,"rejected":1,"batches":1,"inputBytes":23}"#
    );
}

/// An array position whose object stays empty is a hole like any other: the positions after it
/// keep their meaning (`items[3]` stays the fourth), and holes at the end are left out.
#[test]
fn an_empty_object_in_an_array_keeps_the_positions_after_it() {
    let out = run(
        "track_t.csv",
        "userId,event,properties.items[2].sku,properties.items[3].sku,properties.items[5].sku\n\
         1,E,,B,\n\
         2,E,A,,\n\
         3,E,,,C\n",
    );
    let items: Vec<Value> = out
        .plain_events()
        .iter()
        .map(|e| e["properties"]["items"].clone())
        .collect();
    assert_eq!(
        items,
        [
            json!([null, null, null, {"sku": "B"}]),
            json!([null, null, {"sku": "A"}]),
            json!([null, null, null, null, null, {"sku": "C"}]),
        ]
    );
}

/// Bodies given back with `recycle` are written over by the next ones: every body is the same
/// as without recycling, whether the buffer given back is longer or shorter than the next body.
#[test]
fn recycled_bodies_change_no_byte() {
    let mut csv = String::from("userId,event,properties.note,properties.n\n");
    for i in 0..6_000 {
        // Rows of varied length, so a recycled buffer holds longer old output than the body after.
        let note = "x".repeat((i * 37) % 300);
        csv.push_str(&format!("u{i},Viewed,\"{note}\",{i}\n"));
    }
    let bodies = |recycle: bool| {
        let options = Options {
            max_batch_bytes: 40_000,
            ..Options::default()
        };
        let mut ing = Ingest::new("track_r.csv", "s3://b/track_r.csv#1", options).unwrap();
        let mut got: Vec<Vec<u8>> = Vec::new();
        for chunk in csv.as_bytes().chunks(1_000) {
            ing.write(chunk).unwrap();
            while let Some(b) = ing.next_batch() {
                got.push(b.body.clone());
                if recycle {
                    ing.recycle(b.body);
                }
            }
        }
        ing.finish().unwrap();
        while let Some(b) = ing.next_batch() {
            got.push(b.body.clone());
            if recycle {
                // A buffer longer than any body, full of old bytes.
                ing.recycle(vec![b'#'; 100_000]);
            }
        }
        got
    };
    let plain = bodies(false);
    assert!(plain.len() > 50, "{} bodies", plain.len());
    assert_eq!(bodies(true), plain);
}
