//! A date and its time in columns of their own (`Date` + `Time` + `TimeZone`, as PayPal and
//! Google Play export them), joined into one timestamp by the mapping's `with`: the exact
//! instants sent, the joined columns not sent again, a missing or empty part named; and the
//! draft that proposes the join.

mod common;

use common::{messages, run, track_mapping};
use csv2segment::{draft, Draft, NoteKind};
use serde_json::Value;

const PAYPAL: &[u8] = b"Date,Time,TimeZone,Name,From Email Address\n\
29/12/2015,07:45:51,PST,PARTNER1,a@example.com\n\
09/06/2016,07:19:50,PDT,PARTNER2,b@example.com\n";

#[test]
fn a_date_time_and_zone_in_three_columns_are_sent_as_one_instant() {
    let mapping = track_mapping(
        r#"{"Date": {"to": "timestamp", "format": "%d/%m/%Y %H:%M:%S %Z", "with": ["Time", "TimeZone"]}, "From Email Address": "userId"}"#,
        "Payment Received",
    );
    let (report, events) = run("activity.csv", PAYPAL, &mapping).unwrap();
    assert_eq!(messages(&report), Vec::<String>::new());
    let times: Vec<&str> = events
        .iter()
        .map(|e| e["timestamp"].as_str().unwrap())
        .collect();
    assert_eq!(
        times,
        ["2015-12-29T15:45:51.000Z", "2016-06-09T14:19:50.000Z"]
    );
    // Time and TimeZone went into the timestamp, not also into properties; Name did.
    assert_eq!(
        events[0]["properties"],
        serde_json::json!({"Name": "PARTNER1"})
    );
    // The report's column table says so.
    let dropped: Vec<(&str, bool)> = report
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.dropped))
        .collect();
    assert_eq!(
        dropped,
        [
            ("Date", false),
            ("Time", true),
            ("TimeZone", true),
            ("Name", false),
            ("From Email Address", false)
        ]
    );
}

#[test]
fn a_joined_column_the_mapping_also_maps_is_sent_as_it_says() {
    let mapping = track_mapping(
        r#"{"Date": {"to": "timestamp", "format": "%d/%m/%Y %H:%M:%S %Z", "with": ["Time", "TimeZone"]}, "TimeZone": "properties.zone", "From Email Address": "userId"}"#,
        "Payment Received",
    );
    let (_, events) = run("activity.csv", PAYPAL, &mapping).unwrap();
    assert_eq!(events[1]["timestamp"], "2016-06-09T14:19:50.000Z");
    assert_eq!(
        events[1]["properties"],
        serde_json::json!({"Name": "PARTNER2", "zone": "PDT"})
    );
}

#[test]
fn google_plays_month_names_and_12_hour_clock_with_its_zone() {
    let data = b"description,transaction_date,transaction_time,amount\n\
GPA.1,\"Nov 1, 2019\",3:29:44 AM PDT,3.43\n\
GPA.2,\"Nov 3, 2019\",1:08:14 PM PST,4.99\n";
    let mapping = track_mapping(
        r#"{"description": "anonymousId", "transaction_date": {"to": "timestamp", "format": "%b %d, %Y %I:%M:%S %p %Z", "with": ["transaction_time"]}}"#,
        "Payment Received",
    );
    let (report, events) = run("earnings.csv", data, &mapping).unwrap();
    assert_eq!(messages(&report), Vec::<String>::new());
    assert_eq!(events[0]["timestamp"], "2019-11-01T10:29:44.000Z");
    assert_eq!(events[1]["timestamp"], "2019-11-03T21:08:14.000Z");
    assert_eq!(events[1]["properties"], serde_json::json!({"amount": 4.99}));
}

/// A time left empty is not read as midnight: the row is refused, naming the date's column
/// (as every rejection does) and the empty one.
#[test]
fn an_empty_time_refuses_the_row_naming_both_columns() {
    let data = b"Date,Time,TimeZone,From Email Address\n\
29/12/2015,,PST,a@example.com\n\
29/12/2015,07:45:51,,b@example.com\n\
,07:45:51,PST,c@example.com\n\
30/12/2015,08:00:00,PST,d@example.com\n";
    let mapping = track_mapping(
        r#"{"Date": {"to": "timestamp", "format": "%d/%m/%Y %H:%M:%S %Z", "with": ["Time", "TimeZone"]}, "From Email Address": "userId"}"#,
        "Payment Received",
    );
    let (report, events) = run("activity.csv", data, &mapping).unwrap();
    assert_eq!(
        messages(&report),
        [
            "line 2, column 1 (Date): the date '29/12/2015' is read with column 2 (Time), which is empty in this row; fill it in, or take Time out of the mapping's \"with\" if the date is whole without it",
            "line 3, column 1 (Date): the date '29/12/2015' is read with column 3 (TimeZone), which is empty in this row; fill it in, or take TimeZone out of the mapping's \"with\" if the date is whole without it",
        ]
    );
    // An empty date is an empty timestamp, as in any date column: the event goes without it.
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["userId"], "c@example.com");
    assert!(events[0].get("timestamp").is_none(), "{}", events[0]);
    assert_eq!(events[1]["timestamp"], "2015-12-30T16:00:00.000Z");
}

#[test]
fn a_joined_text_the_format_does_not_read_is_refused_as_joined() {
    let data = b"Date,Time,Email\n29/12/2015,7h45,a@example.com\n";
    let mapping = track_mapping(
        r#"{"Date": {"to": "timestamp", "format": "%d/%m/%Y %H:%M", "with": ["Time"]}, "Email": "userId"}"#,
        "Payment Received",
    );
    let (report, _) = run("a.csv", data, &mapping).unwrap();
    assert_eq!(
        messages(&report),
        ["line 2, column 1 (Date): cannot read '29/12/2015 7h45' as a date in the mapping's format %d/%m/%Y %H:%M; fix the cell or the format"]
    );
}

#[test]
fn a_with_column_the_file_lacks_is_a_header_error_naming_it() {
    let mapping = track_mapping(
        r#"{"Date": {"to": "timestamp", "format": "%d/%m/%Y %H:%M:%S %Z", "with": ["Time", "Zone"]}, "From Email Address": "userId"}"#,
        "Payment Received",
    );
    assert_eq!(
        run("activity.csv", PAYPAL, &mapping).unwrap_err(),
        "activity.csv: the header has 1 problem, so nothing was sent\n  \
         missing column Zone: the mapping's files[0].columns[\"Date\"].with[1] names it, but the file has no such column; fix the name in the mapping (names are matched exactly) or remove the entry"
    );
}

#[test]
fn with_is_checked_with_its_path() {
    let problems = |column: &str| {
        let mapping = track_mapping(
            &format!(r#"{{"Date": {column}, "From Email Address": "userId"}}"#),
            "Payment Received",
        );
        run("activity.csv", PAYPAL, &mapping)
            .unwrap_err()
            .lines()
            .skip(1)
            .map(|l| l.trim().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        problems(r#"{"to": "timestamp", "with": ["Time"]}"#),
        ["files[0].columns[\"Date\"].with: joins cells into one date, which needs its format: add \"format\", covering every part, like \"%d/%m/%Y %H:%M:%S %Z\""]
    );
    assert_eq!(
        problems(r#"{"to": "properties.day", "type": "string", "with": ["Time"]}"#),
        ["files[0].columns[\"Date\"].with: joins cells into one date, which needs its format: add \"format\", covering every part, like \"%d/%m/%Y %H:%M:%S %Z\"",
         "files[0].columns[\"Date\"].with: joins cells into a date; the column's type must be timestamp or none"]
    );
    assert_eq!(
        problems(r#"{"to": "timestamp", "format": "%d/%m/%Y %H:%M:%S", "with": ["Date", "Time", "Time", " "]}"#),
        ["files[0].columns[\"Date\"].with: names 4 columns; give 1 to 3 (MAX_WITH_COLUMNS), like [\"Time\", \"TimeZone\"]",
         "files[0].columns[\"Date\"].with[0]: names the column itself; name the other columns whose cells complete its date",
         "files[0].columns[\"Date\"].with[2]: 'Time' is named twice; name each column once",
         "files[0].columns[\"Date\"].with[3]: is empty; give the name of a column of the file"]
    );
    assert_eq!(
        problems(r#"{"to": "timestamp", "format": "%d/%m/%Y", "with": "Time"}"#),
        ["files[0].columns[\"Date\"].with: must be a list of the file's column names whose cells complete the date, like [\"Time\", \"TimeZone\"]"]
    );
}

/// The rule a draft writes, as JSON, and its notes as (kind, path, message).
fn drafted(name: &str, data: &[u8]) -> (Value, Vec<(NoteKind, String, String)>, Draft) {
    let d = draft(name, data, true).unwrap();
    let rule: Value = serde_json::from_str(&d.rule).unwrap();
    let notes = d
        .notes
        .iter()
        .map(|n| (n.kind, n.path.clone(), n.message.clone()))
        .collect();
    (rule, notes, d)
}

/// The draft's rule as a mapping, with the event a person would fill in.
fn as_mapping(rule: &Value) -> String {
    let mut r = rule.clone();
    r["set"] = serde_json::json!({"event": "Payment Received"});
    serde_json::json!({ "files": [r] }).to_string()
}

#[test]
fn the_draft_joins_paypals_date_time_and_zone_and_says_so() {
    let (rule, notes, _) = drafted("payments.csv", PAYPAL);
    assert_eq!(
        rule["columns"]["Date"],
        serde_json::json!({"to": "timestamp", "format": "%d/%m/%Y %H:%M:%S %Z", "with": ["Time", "TimeZone"]})
    );
    // Time and TimeZone are not drafted on their own.
    let names: Vec<&String> = rule["columns"].as_object().unwrap().keys().collect();
    assert!(!names.contains(&&"Time".to_string()), "{names:?}");
    assert!(!names.contains(&&"TimeZone".to_string()), "{names:?}");
    let join = notes
        .iter()
        .find(|n| n.1 == "columns[\"Date\"].with")
        .unwrap();
    assert_eq!(
        (join.0, join.2.as_str()),
        (
            NoteKind::Guess,
            "'Date' holds the date and 'Time' and 'TimeZone' the time of day and its zone: joined into one date with \"with\": [\"Time\", \"TimeZone\"], read as %d/%m/%Y %H:%M:%S %Z; a row whose 'Time' or 'TimeZone' is empty is rejected rather than sent at midnight"
        )
    );
    // And the engine reads the draft as drafted.
    let (report, events) = run("payments.csv", PAYPAL, &as_mapping(&rule)).unwrap();
    assert_eq!(messages(&report), Vec::<String>::new());
    assert_eq!(events[0]["timestamp"], "2015-12-29T15:45:51.000Z");
    assert_eq!(events[1]["timestamp"], "2016-06-09T14:19:50.000Z");
}

#[test]
fn the_draft_pairs_a_time_column_named_like_its_date_and_reads_month_names() {
    // Google Play: the time (with its zone, on a 12-hour clock) is not right after the date.
    let data = b"description,transaction_date,tax_type,transaction_time,amount\n\
GPA.1,\"Nov 1, 2019\",,3:29:44 AM PDT,3.43\n\
GPA.2,\"Nov 3, 2019\",,1:08:14 PM PST,4.99\n";
    let (rule, _, _) = drafted("earnings.csv", data);
    assert_eq!(
        rule["columns"]["transaction_date"],
        serde_json::json!({"to": "timestamp", "format": "%b %d, %Y %I:%M:%S %p %Z", "with": ["transaction_time"]})
    );
    let mut r = rule.clone();
    r["columns"]["description"] = "anonymousId".into();
    let (report, events) = run("earnings.csv", data, &as_mapping(&r)).unwrap();
    assert_eq!(messages(&report), Vec::<String>::new());
    assert_eq!(events[0]["timestamp"], "2019-11-01T10:29:44.000Z");
    assert_eq!(events[1]["timestamp"], "2019-11-03T21:08:14.000Z");
}

#[test]
fn a_duration_or_a_date_with_its_own_time_is_not_joined() {
    let data = b"Email,Date,Duration,Created\n\
a@example.com,2024-03-05,00:05:12,2024-03-05 14:30:00\n\
b@example.com,2024-03-06,00:07:40,2024-03-06 09:00:00\n";
    let (rule, notes, _) = drafted("sessions.csv", data);
    assert!(
        !rule.to_string().contains("\"with\""),
        "{}",
        serde_json::to_string_pretty(&rule).unwrap()
    );
    assert!(!notes.iter().any(|n| n.1.ends_with(".with")), "{notes:?}");
}

#[test]
fn a_zone_the_engine_does_not_read_is_joined_and_said_so_rows_are_refused_not_shifted() {
    let data = "Fecha,Hora,Zona horaria,Correo electrónico del remitente,Bruto\n\
2/1/2020,11:05:56,Europe/Berlin,a@example.com,\"49,37\"\n\
3/1/2020,09:44:24,Europe/Berlin,b@example.com,\"22,47\"\n";
    let (rule, notes, _) = drafted("statement.csv", data.as_bytes());
    assert_eq!(
        rule["columns"]["Fecha"],
        serde_json::json!({"to": "timestamp", "format": "%d/%m/%Y %H:%M:%S %Z", "with": ["Hora", "Zona horaria"]})
    );
    let blank = notes
        .iter()
        .find(|n| n.1 == "columns[\"Fecha\"].format")
        .unwrap();
    assert_eq!(blank.0, NoteKind::Blank);
    assert!(
        blank.2.starts_with("'Zona horaria' names zones as the tz database does (Europe/Berlin), which csv2segment does not read"),
        "{}",
        blank.2
    );
    let mut r = rule.clone();
    r["columns"]["Correo electrónico del remitente"] = "userId".into();
    let (report, events) = run("statement.csv", data.as_bytes(), &as_mapping(&r)).unwrap();
    assert_eq!(events.len(), 0);
    assert_eq!(
        messages(&report)[0],
        "line 2, column 1 (Fecha): '2/1/2020 11:05:56 Europe/Berlin' is in the time zone Europe/Berlin, which csv2segment does not know (the format's docs list the abbreviations it reads); give the offset instead, with %z and +01:00 in the cells, or \"timezone\" and no %Z"
    );
}

#[test]
fn a_survey_response_is_timed_when_it_ended_not_when_it_started() {
    let data = b"ResponseID,StartDate,EndDate,Q1\n\
R_1,2017-07-18 08:28:09,2017-07-18 08:28:48,2\n\
R_2,2017-07-19 10:00:00,2017-07-19 10:04:30,1\n";
    let (rule, _, _) = drafted("survey_responses.csv", data);
    let columns = rule["columns"].as_object().unwrap();
    assert_eq!(columns["EndDate"], "timestamp", "{rule}");
    assert_ne!(columns["StartDate"], "timestamp", "{rule}");
}

/// The editor's preview (`readDate` with the with columns' values) joins as a run does: the
/// same instant from the same cells, and an empty part refused, not read as a shorter date.
#[test]
fn the_preview_joins_a_date_as_a_run_does() {
    let format = "%d/%m/%Y %H:%M:%S %Z";
    assert_eq!(
        csv2segment::read_joined_date(" 29/12/2015 ", &["07:45:51 ", " PST"], format, None),
        Ok("2015-12-29T15:45:51.000Z".to_string())
    );
    let mapping = track_mapping(
        r#"{"Date": {"to": "timestamp", "format": "%d/%m/%Y %H:%M:%S %Z", "with": ["Time", "TimeZone"]}, "From Email Address": "userId"}"#,
        "Payment Received",
    );
    let (_, events) = run(
        "activity.csv",
        b"Date,Time,TimeZone,From Email Address\n 29/12/2015 ,07:45:51 , PST,a@example.com\n",
        &mapping,
    )
    .unwrap();
    assert_eq!(events[0]["timestamp"], "2015-12-29T15:45:51.000Z");
    assert_eq!(
        csv2segment::read_joined_date("29/12/2015", &["07:45:51", " "], format, None),
        Err("the date '29/12/2015' is read with with[1], which is empty here; give its value, or take it out of \"with\" if the date is whole without it".to_string())
    );
}
