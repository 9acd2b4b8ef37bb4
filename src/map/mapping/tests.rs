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
            "files[0].colums: unknown key; the keys of a rule are match, call, collection, delimiter, encoding, decimal, header, columns, set, unmapped",
            "files[0].call: 'trak' is not one of identify, track, page, screen, group, alias, object",
            r#"files[0].delimiter: ';;' cannot be a delimiter; give one ASCII character other than a quote or a line break (",", ";", "\t", "|"), or "auto""#,
            "files[0].encoding: 'latin9' is not one of utf-8, utf-16, windows-1252, iso-8859-1",
            "files[0].decimal: '·' is not one of ., ,",
            "files[0].unmapped: 'hide' is not one of keep, drop",
        ]
    );
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
            r#"files[0].columns["h"].as: unknown key; the keys of a column are to, type, format, timezone"#,
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
