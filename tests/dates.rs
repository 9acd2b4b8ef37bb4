//! Times, from the draft to the payload: a time that cannot be meant (outside the years
//! 1900–2200) is refused with the likely fix, hand-written or drafted; the date forms of real
//! exports are drafted to formats the engine reads the same way; and random formats × random
//! instants, drafted and read back, give the same instants or a declared ambiguity, never a
//! wrong instant silently.

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
mod common;

use common::{filled, messages, run, track_mapping};
use csv2segment::{draft, Draft, NoteKind, Report};
use proptest::prelude::*;
use serde_json::Value;

#[test]
fn a_time_outside_1900_to_2200_is_refused_naming_the_year_and_the_fix() {
    // The issue's Excel for Mac sheet: day-month-2-digit-year under a year-first format.
    let mapping = track_mapping(
        r#"{"Customer": "userId", "Total": "properties.total", "Order Date": {"to": "timestamp", "format": "%Y-%m-%d"}}"#,
        "Order Completed",
    );
    let (report, events) = run(
        "orders.csv",
        b"Customer,Total,Order Date\nc1,10,08-11-16\nc2,12,2016-11-09\n",
        &mapping,
    )
    .unwrap();
    assert_eq!(
        messages(&report),
        ["line 2, column 3 (Order Date): '08-11-16' reads as the year 8 with %Y-%m-%d; is it %d-%m-%y?"]
    );
    assert_eq!((report.rows, report.rejected), (2, 1));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["timestamp"], "2016-11-09T00:00:00.000Z");

    // No format of the list reads it in range: the year, and what to fix.
    let mapping = track_mapping(
        r#"{"Customer": "userId", "When": {"to": "properties.when", "type": "timestamp", "format": "%d.%m.%Y"}}"#,
        "Order Completed",
    );
    let (report, _) = run("o.csv", b"Customer,When\nc1,01.02.1850\n", &mapping).unwrap();
    assert_eq!(
        messages(&report),
        ["line 2, column 2 (When): '01.02.1850' reads as the year 1850 with %d.%m.%Y, outside the years 1900 to 2200; fix the cell or the format"]
    );

    // Without a format: an ISO date, an ISO time already as Segment writes it, Unix times.
    let (report, events) = run(
        "track_x.csv",
        b"userId,event,timestamp,properties.at:timestamp\n\
          1,E,0008-11-16,2019-05-11\n\
          2,E,2019-05-11,0008-11-16T00:00:00.000Z\n\
          3,E,99999999999,2019-05-11\n\
          4,E,2201-01-01T00:00:00.000Z,2019-05-11\n\
          5,E,1557606747940,2200-12-31T23:59:59.999Z\n",
        r#"{"files": []}"#,
    )
    .unwrap();
    assert_eq!(
        messages(&report),
        [
            "line 2, column 3 (timestamp): '0008-11-16' reads as the year 8, outside the years 1900 to 2200; fix the cell",
            "line 3, column 4 (properties.at:timestamp): '0008-11-16T00:00:00.000Z' reads as the year 8, outside the years 1900 to 2200; fix the cell",
            "line 4, column 3 (timestamp): '99999999999' reads as the year 5138 as Unix seconds, outside the years 1900 to 2200; fix the cell",
            "line 5, column 3 (timestamp): '2201-01-01T00:00:00.000Z' reads as the year 2201, outside the years 1900 to 2200; fix the cell",
        ]
    );
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["properties"]["at"], "2200-12-31T23:59:59.999Z");
}

#[test]
fn a_set_time_outside_1900_to_2200_refuses_the_mapping() {
    let mapping = r#"{"files": [{"match": "*.csv", "call": "identify", "columns": {"id": "userId"}, "set": {"traits.createdAt": "1850-01-01"}}]}"#;
    let err = run("people.csv", b"id\n1\n", mapping).unwrap_err();
    assert!(
        err.contains(r#"files[0].set["traits.createdAt"]: traits.createdAt takes a date: '1850-01-01' reads as the year 1850, outside the years 1900 to 2200; fix the cell"#),
        "{err}"
    );
}

#[test]
fn zone_abbreviations_are_read_from_the_table() {
    let mapping = track_mapping(
        r#"{"Customer": "userId", "When": {"to": "timestamp", "format": "%b %d, %Y %I:%M:%S %p %Z"}}"#,
        "Order Completed",
    );
    let (report, events) = run(
        "earnings.csv",
        b"Customer,When\n\
          c1,\"Nov 1, 2019 3:29:44 AM PDT\"\n\
          c2,\"Nov 4, 2019 3:29:44 AM PST\"\n\
          c3,\"Nov 4, 2019 3:29:44 PM utc\"\n\
          c4,\"Nov 4, 2019 3:29:44 PM IST\"\n\
          c5,\"Nov 4, 2019 3:29:44 PM\"\n",
        &mapping,
    )
    .unwrap();
    let times: Vec<&str> = events
        .iter()
        .map(|e| e["timestamp"].as_str().unwrap())
        .collect();
    assert_eq!(
        times,
        [
            "2019-11-01T10:29:44.000Z",
            "2019-11-04T11:29:44.000Z",
            "2019-11-04T15:29:44.000Z"
        ]
    );
    assert_eq!(
        messages(&report),
        [
            "line 5, column 2 (When): 'Nov 4, 2019 3:29:44 PM IST' is in the time zone IST, which csv2segment does not know (the format's docs list the abbreviations it reads); give the offset instead, with %z and +01:00 in the cells, or \"timezone\" and no %Z",
            "line 6, column 2 (When): 'Nov 4, 2019 3:29:44 PM' has no time zone abbreviation where the format's %Z is; add one (like UTC or PST) or take %Z out of the format",
        ]
    );
}

/// A column's drafted entry (its `format`, or its target) and the notes about it.
fn drafted(name: &str, data: &str, column: &str) -> (Value, Vec<(NoteKind, String)>, Draft) {
    let d = draft(name, data.as_bytes(), true).unwrap();
    let rule: Value = serde_json::from_str(&d.rule).unwrap();
    let notes = d
        .notes
        .iter()
        .filter(|n| n.column.as_deref() == Some(column))
        .map(|n| (n.kind, n.message.clone()))
        .collect();
    (rule["columns"][column].clone(), notes, d)
}

/// The times the draft of `data` sends, read back by the engine with the drafted mapping.
fn sent_times(name: &str, data: &str) -> (Vec<String>, Report) {
    let d = draft(name, data.as_bytes(), true).unwrap();
    let (report, events) = run(name, data.as_bytes(), &filled(&d, None)).unwrap();
    let times = events
        .iter()
        .map(|e| e["timestamp"].as_str().unwrap_or("none").to_string())
        .collect();
    (times, report)
}

#[test]
fn the_date_forms_of_real_exports_are_drafted_and_read_back() {
    // Trailing UTC (an event log, beehiiv).
    let data = "user_id,event_type,event_time\n1,view,2019-10-01 00:00:00 UTC\n2,cart,2023-03-24 10:23:10 UTC\n";
    let (col, _, _) = drafted("events.csv", data, "event_time");
    assert_eq!(col["format"], "%Y-%m-%d %H:%M:%S %Z");
    assert_eq!(
        sent_times("events.csv", data).0,
        ["2019-10-01T00:00:00.000Z", "2023-03-24T10:23:10.000Z"]
    );

    // Offsets with and without a colon.
    let data =
        "user_id,event,created\n1,x,2019-10-01 10:00:00 +0100\n2,x,2019-10-02 10:00:00 -05:30\n";
    let (col, _, _) = drafted("track_o.csv", data, "created");
    assert_eq!(col["format"], "%Y-%m-%d %H:%M:%S %z");
    assert_eq!(
        sent_times("track_o.csv", data).0,
        ["2019-10-01T09:00:00.000Z", "2019-10-02T15:30:00.000Z"]
    );

    // Eventbrite: month first, a 2-digit year.
    let data = "Order #,Order Date,Email\n1,11/29/24 22:28,a@example.com\n2,12/01/24 09:05,b@example.com\n";
    let (col, notes, _) = drafted("attendees.csv", data, "Order Date");
    assert_eq!(col["format"], "%m/%d/%y %H:%M", "{notes:?}");

    // Excel for Mac's `08-11-16` is never the year 8: day first, 2-digit year, said ambiguous.
    let data = "user_id,Order Date,Total\nu1,08-11-16,10\nu2,09-10-16,12\n";
    let (col, notes, d) = drafted("orders.csv", data, "Order Date");
    assert_eq!(col["format"], "%d-%m-%y");
    assert_eq!(notes, [(NoteKind::Ambiguous, "'Order Date': no sampled date has a day over 12, so day and month cannot be told apart: read as %d-%m-%y; if the file is %m-%d-%y, change \"format\"".to_string())]);
    let filled = filled(&d, None).replace(
        "<fill in: the event name every row is, like Order Completed>",
        "Order Completed",
    );
    let (report, events) = run("orders.csv", data.as_bytes(), &filled).unwrap();
    assert_eq!(report.rejected, 0, "{:?}", messages(&report));
    assert_eq!(events[0]["timestamp"], "2016-11-08T00:00:00.000Z");

    // Matomo's Unix seconds; milliseconds.
    let data = "idVisit,firstActionTimestamp,lastActionTimestamp\n1,1557606747,1557606747940\n";
    let d = draft("visits.csv", data.as_bytes(), true).unwrap();
    let rule: Value = serde_json::from_str(&d.rule).unwrap();
    let types: Vec<String> = ["firstActionTimestamp", "lastActionTimestamp"]
        .iter()
        .map(|c| rule["columns"][c].to_string())
        .collect();
    assert!(
        types.iter().all(|t| t.contains("timestamp")),
        "{types:?}\n{}",
        d.rule
    );

    // A 12-hour clock and a zone abbreviation in one column.
    let data = "user_id,event,When\n1,x,11/01/2019 3:29:44 AM PDT\n2,x,11/04/2019 3:29:44 PM PST\n";
    let (col, _, _) = drafted("track_p.csv", data, "When");
    assert_eq!(col["format"], "%m/%d/%Y %I:%M:%S %p %Z");
    assert_eq!(
        sent_times("track_p.csv", data).0,
        ["2019-11-01T10:29:44.000Z", "2019-11-04T23:29:44.000Z"]
    );
}

#[test]
fn day_first_is_decided_by_any_date_column_of_the_file_or_its_locale() {
    // `Created` alone is ambiguous; `Paid`'s 20 decides day first for the file.
    let data = "user_id,event,Created,Paid\n1,x,03/02/2019 13:07,20/11/2018\n2,x,04/02/2019 10:00,21/11/2018\n";
    let (col, notes, _) = drafted("track_s.csv", data, "Created");
    assert_eq!(col["format"], "%d/%m/%Y %H:%M");
    assert!(
        notes.iter().all(|(k, _)| *k != NoteKind::Ambiguous),
        "{notes:?}"
    );
    assert_eq!(
        sent_times("track_s.csv", data).0,
        ["2019-02-03T13:07:00.000Z", "2019-02-04T10:00:00.000Z"]
    );

    // A `;` file with decimal commas: Europe's day first, said as a guess.
    let data = "user_id;event;Datum;Betrag\n1;x;03/02/2019;12,50\n2;x;04/02/2019;7,25\n";
    let (col, notes, _) = drafted("track_de.csv", data, "Datum");
    assert_eq!(col["to"], "timestamp");
    assert_eq!(col["format"], "%d/%m/%Y");
    assert_eq!(notes, [(NoteKind::Guess, "'Datum': no sampled date has a day over 12; read as %d/%m/%Y, day first, since the file looks European (a ; delimiter, decimal commas, headers not in English); if the file is %m/%d/%Y, change \"format\"".to_string())]);

    // Nothing decides: ambiguous, as before.
    let data = "user_id,event,Created\n1,x,03/02/2019\n";
    let (_, notes, _) = drafted("track_u.csv", data, "Created");
    assert_eq!(notes[0].0, NoteKind::Ambiguous);
}

#[test]
fn the_draft_never_proposes_a_format_that_reads_a_sampled_value_out_of_range() {
    // `%Y-%m-%d` reads `08-11-16` (the year 8): never drafted.
    let data = "Email,Order Date\na@example.com,08-11-16\nb@example.com,18-11-16\n";
    let (col, _, _) = drafted("orders.csv", data, "Order Date");
    assert_eq!(col["format"], "%d-%m-%y");
    // Ten digits past 2200 are no Unix time.
    let data = "id,createdAt\n1,9999999999\n2,9999999998\n";
    let d = draft("identify_t.csv", data.as_bytes(), true).unwrap();
    assert!(!d.rule.contains("timestamp"), "{}", d.rule);
}

/// The date shapes of the draft's candidates, written as chrono writes them, with whether the
/// year has 2 digits.
fn shapes() -> Vec<(&'static str, bool)> {
    let mut out = Vec::new();
    for date in [
        "%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m.%d.%Y", "%d-%m-%Y",
        "%m-%d-%Y", "%m/%d/%y", "%d/%m/%y", "%d.%m.%y", "%d-%m-%y",
    ] {
        let short = date.contains("%y");
        out.push((date, short));
        for time in [" %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p"] {
            for zone in ["", " %z", " %:z", " UTC"] {
                let leaked: &'static str =
                    Box::leak(format!("{date}{time}{zone}").into_boxed_str());
                out.push((leaked, short));
            }
        }
    }
    out.push(("%s", false));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random formats × random instants: the draft reads them back as the same instants, or
    /// says the order is ambiguous and the other order reads them; never a wrong instant.
    #[test]
    fn drafted_dates_read_back_as_the_same_instants_or_are_said_ambiguous(
        shape in 0..shapes().len(),
        seconds in proptest::collection::vec(0i64..4_102_444_800, 1..12),
        offset_minutes in -12i32 * 60..=14 * 60,
    ) {
        let (format, short) = shapes()[shape];
        // A 2-digit year reads 1969-2068; Unix seconds with 10 digits from 2001.
        let (lo, hi) = if short {
            (172_800, 3_123_964_800)
        } else if format == "%s" {
            (1_000_000_000, 4_102_444_800)
        } else {
            (0, 4_102_444_800)
        };
        let seconds: Vec<i64> = seconds.iter().map(|s| lo + s.rem_euclid(hi - lo)).collect();
        let zone = FixedOffset::east_opt(offset_minutes * 60).unwrap();
        let mut csv = String::from("userId,event,created_at\n");
        let mut want = Vec::new();
        for (i, s) in seconds.iter().enumerate() {
            let utc = Utc.timestamp_opt(*s, 0).unwrap();
            let (text, instant) = if format.contains('z') {
                (utc.with_timezone(&zone).format(format).to_string(), utc)
            } else if format == "%s" {
                (utc.format(format).to_string(), utc)
            } else {
                // No zone in the text: the draft reads it as UTC.
                let local = utc.with_timezone(&zone).naive_local();
                (local.format(format).to_string(), local.and_utc())
            };
            // What the format keeps: minutes when it has no seconds, days when no time.
            let kept = if format == "%s" || format.contains("%S") {
                instant
            } else if format.contains("%M") {
                DateTime::from_timestamp(instant.timestamp() - instant.timestamp().rem_euclid(60), 0).unwrap()
            } else {
                DateTime::from_timestamp(instant.timestamp() - instant.timestamp().rem_euclid(86_400), 0).unwrap()
            };
            csv.push_str(&format!("{i},E,{text}\n"));
            want.push(kept.to_rfc3339_opts(SecondsFormat::Millis, true));
        }
        let d = draft("track_p.csv", csv.as_bytes(), true).unwrap();
        let rule: Value = serde_json::from_str(&d.rule).unwrap();
        let drafted = rule["columns"]["created_at"].clone();
        let (report, events) = run("track_p.csv", csv.as_bytes(), &filled(&d, None)).unwrap();
        let got: Vec<String> = events
            .iter()
            .map(|e| e["timestamp"].as_str().unwrap_or("none").to_string())
            .collect();
        if got == want {
            prop_assert_eq!(report.rejected, 0);
        } else {
            // Only a declared ambiguity may read otherwise, and then the other order is right.
            let note = d.notes.iter().find(|n| n.kind == NoteKind::Ambiguous && n.column.as_deref() == Some("created_at"));
            prop_assert!(note.is_some(), "{csv}\ndrafted {drafted}, sent {got:?}, want {want:?}");
            let other = note.unwrap().message.split("if the file is ").nth(1).unwrap().split(", change").next().unwrap().to_string();
            let swapped = filled(&d, None).replace(drafted["format"].as_str().unwrap(), &other);
            let (_, events) = run("track_p.csv", csv.as_bytes(), &swapped).unwrap();
            let got: Vec<String> = events.iter().map(|e| e["timestamp"].as_str().unwrap_or("none").to_string()).collect();
            prop_assert_eq!(got, want, "{}\ndrafted {}, the other order {}", csv, drafted, other);
        }
    }
}

/// Found by the property test above: a dotted date (`02.01.2033`) was counted as a number with
/// thousands dots, so the file "looked European" (decimal commas) and the date was read day
/// first as a guess, not said to be ambiguous; sent as 2 January when the file meant 1 February.
#[test]
fn a_dotted_date_is_not_a_decimal_comma_and_its_order_is_said_ambiguous() {
    let csv = "userId,event,created_at\n0,E,02.01.2033\n";
    let d = draft("track_p.csv", csv.as_bytes(), true).unwrap();
    let note = d
        .notes
        .iter()
        .find(|n| n.column.as_deref() == Some("created_at"))
        .expect("a note on the date");
    assert_eq!(note.kind, NoteKind::Ambiguous, "{}", note.message);
    assert!(!d.rule.contains("\"decimal\""), "{}", d.rule);
}
