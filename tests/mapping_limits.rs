//! A mapping as hostile input: its `set` values checked as cells of their fields for the call
//! each file makes (so Segment never drops what a run counted as sent), and its size bounded
//! before anything is parsed or planned.

use csv2segment::{
    validate, Ingest, Options, MAX_CONSTANT_BYTES, MAX_HEADER_BYTES, MAX_MAPPING_BYTES,
    MAX_MAPPING_COLUMNS,
};

fn with_mapping(mapping: &str) -> Options {
    Options {
        mapping: Some(mapping.to_string()),
        mapping_key: Some("csv2segment.json".into()),
        ..Options::default()
    }
}

/// The error `Ingest::new` stops the file `key` with, and its code.
fn refused(key: &str, mapping: &str) -> (String, &'static str) {
    match Ingest::new(key, "id", with_mapping(mapping)) {
        Ok(_) => panic!("{key}: the mapping is taken"),
        Err(e) => (e.to_string(), e.code()),
    }
}

#[test]
fn set_values_of_a_rule_without_a_call_are_checked_for_the_call_the_file_name_makes() {
    let mapping = r#"{"files": [{"match": "*.csv", "set": {"event": {"x": 1}, "timestamp": "yesterday", "anonymousId": 5, "integrations.All": "no"}}]}"#;
    assert_eq!(
        refused("track_signups.csv", mapping),
        (
            "csv2segment.json: the mapping has 4 problems, so nothing was sent\n  \
             files[0].set[\"anonymousId\"]: anonymousId takes a string, not a number; write it in quotes: \"5\"\n  \
             files[0].set[\"event\"]: event takes a string, not an object; give one text value, in quotes\n  \
             files[0].set[\"integrations.All\"]: integrations.All takes true or false (or an object of the destination's settings), not a string; write true or false, without quotes\n  \
             files[0].set[\"timestamp\"]: timestamp takes a date: cannot read 'yesterday' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds"
                .to_string(),
            "mapping"
        )
    );
    // validate reports it, and counts nothing as sendable.
    let v = validate(
        b"userId\nu1\n",
        "track_signups.csv",
        "id",
        with_mapping(mapping),
    );
    assert_eq!((v.report.events, v.report.rejected), (0, 0));
    assert!(v
        .report
        .error
        .unwrap()
        .starts_with("csv2segment.json: the mapping has 4 problems"));
    // The object call of an object_ file: no lists or objects.
    assert_eq!(
        refused(
            "object_rooms_x.csv",
            r#"{"files": [{"match": "*", "set": {"tags": ["a"]}}]}"#
        ),
        (
            "csv2segment.json: the mapping has 1 problem, so nothing was sent\n  \
             files[0].set[\"tags\"]: the Objects API takes a string or a number for each property (true/false go as strings), not a list; set each value at a path of its own, like tags.name"
                .to_string(),
            "mapping"
        )
    );
}

#[test]
fn set_values_go_out_as_a_column_of_their_field_would_send_them() {
    let mapping = r#"{"files": [{"match": "*.csv", "set": {"event": {"x": 1}, "timestamp": "2024-05-01 12:00", "integrations.All": false}}]}"#;
    // In an identify call, event is a trait and takes any value; the date is sent as ISO-8601 UTC.
    let opts = Options {
        sample_payloads: 1,
        ..with_mapping(mapping)
    };
    let v = validate(b"userId\nu1\n", "identify_people.csv", "id", opts);
    assert_eq!(
        (v.report.events, v.report.rejected),
        (1, 0),
        "{:?}",
        v.report.error
    );
    let payload: serde_json::Value = serde_json::from_str(&v.samples[0]).unwrap();
    assert_eq!(payload["traits"], serde_json::json!({"event": {"x": 1}}));
    assert_eq!(payload["timestamp"], "2024-05-01T12:00:00.000Z");
    assert_eq!(payload["integrations"], serde_json::json!({"All": false}));
}

#[test]
fn a_mapping_over_max_mapping_bytes_is_refused_before_it_is_read() {
    let mapping = r#"{"files": [{"match": "*.csv", "call": "track"}]}"#;
    let at = format!(
        "{mapping}{}",
        "\n".repeat(MAX_MAPPING_BYTES - mapping.len())
    );
    assert!(Ingest::new("signups.csv", "id", with_mapping(&at)).is_ok());
    assert_eq!(
        refused("signups.csv", &format!("{at} ")),
        (
            "csv2segment.json: the mapping has 1 problem, so nothing was sent\n  \
             the mapping is 1048577 bytes; a mapping may be at most 1048576 bytes (1 MiB, MAX_MAPPING_BYTES): remove rules, columns or values no file needs"
                .to_string(),
            "mapping"
        )
    );
}

#[test]
fn a_header_list_of_100000_names_is_refused_by_the_header_limit() {
    let names = vec!["\"a\""; 100_000].join(",");
    let mapping =
        format!(r#"{{"files": [{{"match": "*.csv", "call": "track", "header": [{names}]}}]}}"#);
    assert_eq!(
        refused("x.csv", &mapping),
        (
            format!(
                "csv2segment.json: the mapping has 1 problem, so nothing was sent\n  \
                 files[0].header: the names make a header of 199999 bytes; a header may be at most {MAX_HEADER_BYTES} bytes (MAX_HEADER_BYTES), as a file's first row: list only the file's columns"
            ),
            "mapping"
        )
    );
}

#[test]
fn the_limits_have_the_sizes_their_docs_give() {
    assert_eq!(MAX_MAPPING_BYTES, 1 << 20);
    assert_eq!(MAX_CONSTANT_BYTES, 32 * 1024);
    assert_eq!(MAX_MAPPING_COLUMNS, 32 * 1024);
}
