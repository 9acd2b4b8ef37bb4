//! The mapping's checks: every problem with its JSON path and message.

use super::*;

fn errors(json: &str) -> Vec<String> {
    Mapping::parse(json)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_issue_example_reads() {
    let m = Mapping::parse(
        r#"{
          "$schema": "https://csv2segment.dev/schema/csv2segment.schema.json",
          "files": [{
            "match": "unified_payments*.csv",
            "call": "track",
            "delimiter": ";",
            "encoding": "windows-1252",
            "decimal": ",",
            "header": ["Id", "Amount", "Created"],
            "columns": {
              "Customer Email": "userId",
              "Amount": "properties.amount:number",
              "Created (UTC)": { "to": "timestamp", "format": "%Y-%m-%d %H:%M:%S", "timezone": "+01:00" },
              "Internal Note": null
            },
            "set": { "event": "Payment Made", "context.app.name": "Stripe" },
            "unmapped": "keep"
          }]
        }"#,
    )
    .unwrap();
    let r = m.rule_for("exports/Unified_Payments (2).csv").unwrap();
    assert_eq!(r.call, Some((CallKind::Track, None)));
    assert_eq!(
        (r.delimiter, r.encoding, r.decimal_comma),
        (Some(b';'), Encoding::Windows1252, true)
    );
    assert_eq!(r.header.as_deref().map(<[String]>::len), Some(3));
    assert_eq!(r.columns.len(), 4);
    assert!(r
        .columns
        .iter()
        .any(|(n, t)| n == "Internal Note" && t.is_none()));
    assert_eq!(
        r.set,
        vec![
            ("context.app.name".to_string(), br#""Stripe""#.to_vec()),
            ("event".to_string(), br#""Payment Made""#.to_vec())
        ]
    );
    assert!(m.rule_for("payments.csv").is_none());
}

#[test]
fn the_first_matching_rule_applies() {
    let m = Mapping::parse(
        r#"{"files": [{"match": "a*.csv", "call": "identify"}, {"match": "*.csv", "call": "track"}]}"#,
    )
    .unwrap();
    assert_eq!(m.rule_for("ab.csv").unwrap().index, 0);
    assert_eq!(m.rule_for("b.csv").unwrap().index, 1);
    assert!(m.rule_for("b.tsv").is_none());
}

#[test]
fn every_problem_has_its_path() {
    assert_eq!(
        errors(
            r#"{"files": [{"match": "*.csv", "columns": {"Created (UTC)": {"to": "timestamp", "format": "%Q"}}}]}"#
        ),
        [
            r#"files[0].columns["Created (UTC)"].format: %Q is not a date format; write it with chrono's strftime fields, like %d.%m.%Y %H:%M"#
        ]
    );
    assert_eq!(
        errors(r#"{"files": [{"match": "*.csv", "colums": {}, "call": "trak", "delimiter": ";;", "encoding": "latin9", "decimal": "·", "unmapped": "hide"}]}"#),
        [
            "files[0].colums: unknown key; the keys of a rule are match, call, collection, delimiter, encoding, decimal, skip, sheet, header, columns, set, unmapped, group",
            "files[0].call: 'trak' is not one of identify, track, page, screen, group, alias, object",
            r#"files[0].delimiter: ';;' cannot be a delimiter; give one ASCII character other than a quote or a line break (",", ";", "\t", "|"), or "auto""#,
            "files[0].encoding: 'latin9' is not one of utf-8, utf-16, utf-16be, windows-1252, macintosh, iso-8859-1",
            "files[0].decimal: '·' is not one of ., ,",
            "files[0].unmapped: 'hide' is not one of keep, drop",
        ]
    );
    assert_eq!(
        errors(
            r#"{"files": [{"match": "a", "skip": "3"}, {"match": "b", "skip": 1001}, {"match": "c", "skip": {"before": -1, "atfer": 2}}, {"match": "d", "header": ["x"], "skip": {"after": 1}}]}"#
        ),
        [
            "files[0].skip: must be a whole number of rows from 0 to 1000 (MAX_SKIP), like 3",
            "files[1].skip: must be a whole number of rows from 0 to 1000 (MAX_SKIP), like 3",
            "files[2].skip.atfer: unknown key; the keys of a skip are before, after",
            "files[2].skip.before: must be a whole number of rows from 0 to 1000 (MAX_SKIP), like 3",
            "files[3].skip.after: counts rows after the file's header row, and with \"header\" the file has none: give the rows to skip as a number",
        ]
    );
    let skips = Mapping::parse(r#"{"files": [{"match": "a", "skip": 8}, {"match": "b", "skip": {"after": 2}}, {"match": "c"}]}"#).unwrap();
    let skips: Vec<(usize, usize)> = skips
        .rules
        .iter()
        .map(|r| (r.skip.before, r.skip.after))
        .collect();
    assert_eq!(skips, [(8, 0), (0, 2), (0, 0)]);
    assert_eq!(
        errors(
            r#"{"files": [{"call": "object"}, {"match": "x", "call": "track", "collection": "rooms"}], "extra": 1}"#
        ),
        [
            "extra: unknown key; the keys of a mapping are $schema, files",
            "files[0].match: missing; give the file names the rule is for, like \"export_*.csv\"",
            "files[0].collection: missing; object calls need the collection, like \"rooms\"",
            "files[1].collection: is for \"call\": \"object\" only; remove it",
        ]
    );
    assert_eq!(
        errors(r#"{"files": [{"match": "*", "call": "object", "collection": "Rooms", "header": [], "columns": {"a": 5, "b": "traits..x", "c": {"to": "x", "type": "date"}, "d": {"to": "x:number", "type": "integer"}, "e": {"format": "%Y-%m-%d", "to": "t", "timezone": "Europe/Berlin"}, "f": {"to": "t", "timezone": "+01:00"}, "g": {"to": "p:number", "format": "%Y"}, "h": {"to": "t", "as": 1}}}]}"#),
        [
            "files[0].collection: 'Rooms' cannot be used: it may hold only lowercase letters a-z and _",
            r#"files[0].header: must be a list of the file's column names, none empty, like ["Id", "Amount"]"#,
            r#"files[0].columns["a"]: must be a target path (like "properties.amount:number"), an object {"to": ...}, or null to drop the column"#,
            r#"files[0].columns["b"]: 'traits..x': the path has an empty part; write it like traits.address.city"#,
            r#"files[0].columns["c"].type: 'date' is not one of string, number, integer, boolean, timestamp, json"#,
            r#"files[0].columns["d"].type: the target already has a :type; give the type once"#,
            r#"files[0].columns["e"].timezone: Europe/Berlin is not a fixed offset; write it like +01:00, -05:00 or UTC (zone names such as Europe/Berlin are not supported)"#,
            r#"files[0].columns["f"].timezone: applies to a format; add "format", like "%d.%m.%Y %H:%M""#,
            r#"files[0].columns["g"].format: a format reads dates; the column's type must be timestamp or none"#,
            r#"files[0].columns["g"].format: %Y has no date in it; it needs a year, month and day (%Y, %m, %d) or Unix seconds (%s)"#,
            r#"files[0].columns["h"].as: unknown key; the keys of a column are to, type, format, timezone, with, values, unlisted"#,
        ]
    );
    assert_eq!(
        errors(
            r#"{"files": [{"match": "*", "set": {"event": "", "messageId": "x", "traits.a:number": 1, "b": null}}]}"#
        ),
        [
            r#"files[0].set["b"]: null is not a value to set; remove the entry"#,
            r#"files[0].set["event"]: an empty value; remove the entry or give a value"#,
            r#"files[0].set["messageId"]: messageId cannot be set: every row would get the same id and Segment would drop all but one"#,
            r#"files[0].set["traits.a:number"]: a set path takes no :type; the value's JSON type is sent as it is"#,
        ]
    );
    assert_eq!(errors("[1]"), ["a mapping must be an object"]);
    assert_eq!(
        errors(r#"{"files": {}}"#),
        ["files: must be a list of rules"]
    );
    assert_eq!(
        errors(r#"{"files": [}"#),
        ["not valid JSON: expected value at line 1 column 12"]
    );
}

/// A rule `{"match": "*", …extra}` in a mapping, as text.
fn rule(extra: &str) -> String {
    format!(r#"{{"files": [{{"match": "*", {extra}}}]}}"#)
}

#[test]
fn set_values_are_checked_as_cells_of_their_fields() {
    assert_eq!(
        errors(
            r#"{"files": [
              {"match": "a*", "call": "track", "set": {"event": {"x": 1}, "timestamp": "yesterday", "anonymousId": 5, "integrations.All": "no"}},
              {"match": "b*", "call": "identify", "set": {"timestamp": 12, "userId": true, "integrations.Mixpanel": 0}},
              {"match": "c*", "call": "page", "set": {"timestamp": "-99999999999", "name": ["Home"], "traits.createdAt": "2024-02-30"}},
              {"match": "d*", "call": "object", "collection": "rooms", "set": {"properties.tags": ["a"], "size": {"m2": 20}}}
            ]}"#
        ),
        [
            r#"files[0].set["anonymousId"]: anonymousId takes a string, not a number; write it in quotes: "5""#,
            r#"files[0].set["event"]: event takes a string, not an object; give one text value, in quotes"#,
            r#"files[0].set["integrations.All"]: integrations.All takes true or false (or an object of the destination's settings), not a string; write true or false, without quotes"#,
            r#"files[0].set["timestamp"]: timestamp takes a date: cannot read 'yesterday' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds"#,
            r#"files[1].set["integrations.Mixpanel"]: integrations.Mixpanel takes true or false (or an object of the destination's settings), not a number; write true or false, without quotes"#,
            r#"files[1].set["timestamp"]: timestamp takes a date as a string, like "2019-05-11T20:32:27.940Z", not a number; write the date in quotes in that form"#,
            r#"files[1].set["userId"]: userId takes a string, not a boolean; write it in quotes: "true""#,
            r#"files[2].set["name"]: name takes a string, not a list; give one text value, in quotes"#,
            r#"files[2].set["timestamp"]: timestamp takes a date: '-99999999999' reads as the year -1199 as Unix seconds, outside the years 1900 to 2200; fix the cell"#,
            r#"files[2].set["traits.createdAt"]: traits.createdAt takes a date: cannot read '2024-02-30' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds"#,
            r#"files[3].set["properties.tags"]: the Objects API takes a string or a number for each property (true/false go as strings), not a list; set each value at a path of its own, like properties.tags.name"#,
            r#"files[3].set["size"]: the Objects API takes a string or a number for each property (true/false go as strings), not an object; set each value at a path of its own, like size.name"#,
        ]
    );
}

#[test]
fn set_values_are_sent_as_their_fields_send_them() {
    let m = Mapping::parse(
        r#"{"files": [
          {"match": "a*", "call": "track", "set": {"event": "Signed Up", "timestamp": " 2024-05-01 12:00+02:00", "properties.createdAt": "1714557600", "integrations.All": false, "integrations.Amplitude": {"session_id": 7}, "integrations.Amplitude.plan": "pro", "properties.tags": ["a", 1], "context.screen.width": 1080, "anonymousId": "5"}},
          {"match": "b*", "call": "identify", "set": {"event": {"x": 1}, "userId": "u1"}},
          {"match": "c*", "call": "object", "collection": "rooms", "set": {"beds": 2, "pets": true}}
        ]}"#,
    )
    .unwrap();
    let sent = |i: usize| -> Vec<(String, String)> {
        m.rules[i]
            .set
            .iter()
            .map(|(p, v)| (p.clone(), String::from_utf8(v.clone()).unwrap()))
            .collect()
    };
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(p, v)| (p.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        sent(0),
        pairs(&[
            ("anonymousId", r#""5""#),
            ("context.screen.width", "1080"),
            ("event", r#""Signed Up""#),
            ("integrations.All", "false"),
            ("integrations.Amplitude", r#"{"session_id":7}"#),
            ("integrations.Amplitude.plan", r#""pro""#),
            // Dates as a date cell sends them: ISO-8601 UTC with milliseconds.
            ("properties.createdAt", r#""2024-05-01T10:00:00.000Z""#),
            ("properties.tags", r#"["a",1]"#),
            ("timestamp", r#""2024-05-01T10:00:00.000Z""#),
        ])
    );
    // In an identify call, event is a trait: any value.
    assert_eq!(
        sent(1),
        pairs(&[("event", r#"{"x":1}"#), ("userId", r#""u1""#)])
    );
    // The Objects API takes no booleans: the strings a true/false cell of an object file sends.
    assert_eq!(sent(2), pairs(&[("beds", "2"), ("pets", r#""true""#)]));
}

#[test]
fn a_rule_without_a_call_has_its_values_checked_for_the_call_of_each_file() {
    let m = Mapping::parse(&rule(r#""set": {"event": {"x": 1}}"#)).unwrap();
    let mut r = m.rules[0].clone();
    assert_eq!(r.set, [("event".to_string(), br#"{"x":1}"#.to_vec())]);
    assert_eq!(r.clone().check_set(CallKind::Identify), Ok(()));
    assert_eq!(
        r.check_set(CallKind::Track),
        Err(vec![MappingError {
            path: r#"files[0].set["event"]"#.into(),
            message: "event takes a string, not an object; give one text value, in quotes".into()
        }])
    );
}

#[test]
fn a_mapping_is_at_most_max_mapping_bytes() {
    let short = r#"{"files": []}"#;
    let at = format!("{short}{}", " ".repeat(MAX_MAPPING_BYTES - short.len()));
    assert_eq!(Mapping::parse(&at).unwrap().rules.len(), 0);
    assert_eq!(
        errors(&format!("{at} ")),
        ["the mapping is 1048577 bytes; a mapping may be at most 1048576 bytes (1 MiB, MAX_MAPPING_BYTES): remove rules, columns or values no file needs"]
    );
}

#[test]
fn a_header_list_is_at_most_a_header_of_max_header_bytes() {
    let names = |first: usize| format!(r#""header": ["{}", "b"]"#, "a".repeat(first));
    // The header record it stands for: 65,534 + a delimiter + 1 bytes.
    let at = Mapping::parse(&rule(&names(MAX_HEADER_BYTES - 2))).unwrap();
    assert_eq!(at.rules[0].header.as_ref().map(Vec::len), Some(2));
    assert_eq!(
        errors(&rule(&names(MAX_HEADER_BYTES - 1))),
        [
            r#"files[0].header: the names make a header of 65537 bytes; a header may be at most 65536 bytes (MAX_HEADER_BYTES), as a file's first row: list only the file's columns"#
        ]
    );
    // 100,000 names are refused by the limit, before any is matched or planned.
    let many = vec!["\"a\""; 100_000].join(",");
    assert_eq!(
        errors(&rule(&format!(r#""header": [{many}]"#))),
        [
            r#"files[0].header: the names make a header of 199999 bytes; a header may be at most 65536 bytes (MAX_HEADER_BYTES), as a file's first row: list only the file's columns"#
        ]
    );
}

/// `n` distinct short names: `a0`, `a1`, ….
fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("a{i:x}")).collect()
}

#[test]
fn a_rule_names_at_most_max_mapping_columns_columns_and_values() {
    let columns = |n: usize| {
        let entries: Vec<String> = names(n).iter().map(|k| format!(r#""{k}":null"#)).collect();
        rule(&format!(r#""columns": {{{}}}"#, entries.join(",")))
    };
    let at = Mapping::parse(&columns(MAX_MAPPING_COLUMNS)).unwrap();
    assert_eq!(at.rules[0].columns.len(), 32768);
    assert_eq!(
        errors(&columns(MAX_MAPPING_COLUMNS + 1)),
        ["files[0].columns: 32769 columns; a rule may name at most 32768 (MAX_MAPPING_COLUMNS), the most columns a header of 65536 bytes can have"]
    );
    let set = |n: usize| {
        let entries: Vec<String> = names(n).iter().map(|k| format!(r#""{k}":1"#)).collect();
        rule(&format!(r#""set": {{{}}}"#, entries.join(",")))
    };
    assert_eq!(
        Mapping::parse(&set(MAX_MAPPING_COLUMNS)).unwrap().rules[0]
            .set
            .len(),
        32768
    );
    assert_eq!(
        errors(&set(MAX_MAPPING_COLUMNS + 1)),
        ["files[0].set: 32769 values; a rule may name at most 32768 (MAX_MAPPING_COLUMNS), the most columns a header of 65536 bytes can have"]
    );
}

#[test]
fn a_set_value_is_at_most_max_constant_bytes_as_json() {
    // A string's JSON is the string and its two quotes.
    let value = |json_len: usize| {
        rule(&format!(
            r#""set": {{"properties.note": "{}"}}"#,
            "x".repeat(json_len - 2)
        ))
    };
    let at = Mapping::parse(&value(MAX_CONSTANT_BYTES)).unwrap();
    assert_eq!(at.rules[0].set[0].1.len(), 32768);
    assert_eq!(
        errors(&value(MAX_CONSTANT_BYTES + 1)),
        [
            r#"files[0].set["properties.note"]: the value is 32769 bytes as JSON; a set value may be at most 32768 bytes (MAX_CONSTANT_BYTES), as Segment drops events over 32 KB: shorten it"#
        ]
    );
    // Escapes count as they are written: 6 bytes for each control character.
    assert_eq!(
        errors(&rule(&format!(
            r#""set": {{"properties.note": "{}"}}"#,
            "\\u0001".repeat(5462)
        ))),
        [
            r#"files[0].set["properties.note"]: the value is 32774 bytes as JSON; a set value may be at most 32768 bytes (MAX_CONSTANT_BYTES), as Segment drops events over 32 KB: shorten it"#
        ]
    );
}

#[test]
fn many_columns_are_matched_to_the_header_in_one_look_up_each() {
    use crate::map::file_name::FileSpec;
    use crate::map::plan::Plan;
    use crate::options::Options;

    let n = 20_000;
    let names = names(n);
    let entries: Vec<String> = names
        .iter()
        .map(|k| format!(r#""{k}":"properties.{k}""#))
        .collect();
    let m = Mapping::parse(&format!(
        r#"{{"files": [{{"match": "*", "call": "track", "columns": {{{}}}, "set": {{"userId": "u", "event": "e"}}}}]}}"#,
        entries.join(",")
    ))
    .unwrap();
    let header: Vec<&str> = names.iter().map(String::as_str).collect();
    crate::map::probe::take();
    let layout = m.rules[0].layout(&header).unwrap();
    // Each header name indexed once, each of the rule's columns looked up once.
    assert_eq!(crate::map::probe::take(), 2 * n);
    let spec = FileSpec::with_call("x.csv", m.rules[0].call.as_ref()).unwrap();
    let (columns, plan) = Plan::new(&spec, &header, &Options::default(), Some(&layout));
    assert_eq!(columns.len(), n);
    assert!(plan.is_ok());
    // Each column and value placed with one look-up per step of its path (properties, then
    // its name; userId; event), not a walk over the columns placed before it.
    assert_eq!(crate::map::probe::take(), 2 * n + 2);
}

#[test]
fn date_formats_past_what_a_plan_indexes_are_refused_not_wrapped() {
    let format = DateFormat::new("%s", None).unwrap();
    // One more formatted column than a u16 indexes (65,537), all on the file's one column, as
    // no mapping can give them: `parse` keeps a rule within MAX_MAPPING_COLUMNS.
    let n = usize::from(u16::MAX) + 2;
    let rule = Rule {
        index: 0,
        pattern: "*".into(),
        call: Some((CallKind::Track, None)),
        delimiter: None,
        encoding: Encoding::Utf8,
        decimal_comma: false,
        header: None,
        skip: Skip::default(),
        sheet: None,
        columns: (0..n)
            .map(|_| {
                (
                    "a".to_string(),
                    Some(Target {
                        to: "properties.a".into(),
                        format: Some(format.clone()),
                        with: Vec::new(),
                        values: None,
                    }),
                )
            })
            .collect(),
        set: Vec::new(),
        drop_unmapped: false,
        group: None,
        digest: [0; 20],
    };
    let refused = rule.layout(&["a"]).unwrap_err();
    assert_eq!(
        refused.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["the file has more columns than the 65536 csv2segment can read; split it into files of fewer columns"]
    );
}
