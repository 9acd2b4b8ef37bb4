//! The draft (`csv2segment::draft`): exactly what it finds in each export fixture, its edges
//! (date orders, no header row, Windows-1252, one 64 KB quoted cell), and the property that a
//! draft of any CSV is a mapping the engine reads back and that makes no header error of its own.

use csv2segment::{draft, Draft, ErrorKind, HeaderProblem, Ingest, NoteKind, Options};
use proptest::prelude::*;

const EXPORTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/exports");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{EXPORTS}/{name}")).unwrap()
}

/// The rule, then a line per note: `kind path | message`.
fn show(d: &Draft) -> String {
    let mut s = d.rule.clone();
    for n in &d.notes {
        s.push_str(&format!("\n{:?} {} | {}", n.kind, n.path, n.message).replace("\n ", "\n"));
    }
    s.push('\n');
    s
}

/// The draft as a whole mapping, its blanks filled with `fill` when given.
fn mapping(d: &Draft, fill: Option<&str>) -> String {
    let mut rule = d.rule.clone();
    if let Some(f) = fill {
        while let Some(at) = rule.find("\"<fill in:") {
            let end = at + 1 + rule[at + 1..].find('"').unwrap();
            rule.replace_range(at..=end, &format!("\"{f}\""));
        }
    }
    format!("{{\"files\": [{rule}]}}")
}

/// Runs `data` through the engine with `mapping`: the report.
fn run(
    name: &str,
    data: &[u8],
    mapping: String,
) -> Result<csv2segment::Report, csv2segment::Error> {
    let options = Options {
        mapping: Some(mapping),
        ..Options::default()
    };
    let mut ing = Ingest::new(name, "draft", options)?;
    let mut out = ing.write(data);
    if out.is_ok() {
        out = ing.finish();
    }
    while ing.next_batch().is_some() {}
    match out {
        Ok(()) => Ok(ing.report().clone()),
        Err(e) => Err(e),
    }
}

const FIXTURES: [&str; 8] = [
    "hubspot-crm-exports-all-contacts-2024-03-05.csv",
    "unified_payments.csv",
    "orders_export_1.csv",
    "newsletter_contacts_export.csv",
    "Q1 Signups.csv",
    "Bestellungen_Maerz.csv",
    "pageviews_20240305.txt",
    "amplitude_events_2024-03-05.tsv",
];

#[test]
fn each_export_fixture_drafts_exactly_its_rule_and_notes() {
    for name in FIXTURES {
        let d = draft(name, &fixture(name), true).unwrap();
        if blessing() {
            std::fs::write(format!("{EXPORTS}/drafts/{name}.txt"), show(&d)).unwrap();
        }
        let want = std::fs::read_to_string(format!("{EXPORTS}/drafts/{name}.txt")).unwrap();
        assert_eq!(show(&d), want, "{name}");
    }
}

#[test]
fn each_export_fixture_round_trips_through_its_draft() {
    // (file, rows, rejected, the header's problem left as a blank)
    let expected: [(&str, u64, u64, Option<&str>); 8] = [
        (FIXTURES[0], 3, 0, None),
        // The guest checkout has no Customer ID.
        (FIXTURES[1], 3, 1, None),
        // No person's id: the Email is the userId, as a guess.
        (FIXTURES[2], 2, 0, None),
        (FIXTURES[3], 2, 0, None),
        // 13/6/2024 is no month-first date.
        (FIXTURES[4], 3, 1, None),
        (FIXTURES[5], 2, 0, None),
        (FIXTURES[6], 0, 0, Some("userId or anonymousId")),
        (FIXTURES[7], 2, 0, None),
    ];
    for (name, rows, rejected, missing) in expected {
        let data = fixture(name);
        let d = draft(name, &data, true).unwrap();
        let has_blank = d.notes.iter().any(|n| n.path == "set[\"event\"]");
        // Unfilled, the mapping is refused, naming the blank.
        if has_blank {
            let err = run(name, &data, mapping(&d, None)).unwrap_err();
            assert_eq!(
                err.to_string().lines().last().unwrap().trim(),
                "files[0].set[\"event\"]: still to fill in: replace <fill in: the event name every row is, like Order Completed> with the event name every row is, like Order Completed",
                "{name}"
            );
        }
        match (run(name, &data, mapping(&d, Some("Test Event"))), missing) {
            (Ok(report), None) => {
                assert_eq!((report.rows, report.rejected), (rows, rejected), "{name}");
                assert!(report.header_errors.is_empty(), "{name}");
            }
            (Err(e), Some(what)) => {
                let errs = e.header_errors();
                assert_eq!(errs.len(), 1, "{name}: {e}");
                assert!(
                    matches!(&errs[0].problem, HeaderProblem::Missing { what: w, .. } if *w == what),
                    "{name}: {e}"
                );
                assert!(d
                    .notes
                    .iter()
                    .any(|n| n.kind == NoteKind::Blank && n.path == "columns"));
            }
            (other, _) => panic!("{name}: {other:?}"),
        }
    }
}

fn one_column(name: &str, data: &str, column: &str) -> (String, Vec<String>) {
    let d = draft(name, data.as_bytes(), true).unwrap();
    let rule: serde_json::Value = serde_json::from_str(&d.rule).unwrap();
    (
        rule["columns"][column].to_string(),
        d.notes
            .iter()
            .map(|n| format!("{:?}: {}", n.kind, n.message))
            .collect(),
    )
}

#[test]
fn date_orders_are_decided_by_values_over_12_or_said_ambiguous() {
    // Day first: 25 cannot be a month.
    let (col, notes) = one_column(
        "track_a.csv",
        "userId,event,When\n1,x,05/03/2024 14:22\n2,x,25/03/2024 09:00\n",
        "When",
    );
    assert_eq!(col, r#"{"format":"%d/%m/%Y %H:%M","to":"timestamp"}"#);
    assert_eq!(notes, ["Guess: 'When': dates read as %d/%m/%Y %H:%M in UTC, since they carry no time zone; add \"timezone\" (like \"+01:00\") if they are local times"]);
    // Month first: 25 cannot be a month.
    let (col, _) = one_column(
        "track_a.csv",
        "userId,event,When\n1,x,03/25/2024\n2,x,03/05/2024\n",
        "When",
    );
    assert_eq!(col, r#"{"format":"%m/%d/%Y","to":"timestamp"}"#);
    // Nothing over 12: month first for `/`, said ambiguous.
    let (col, notes) = one_column(
        "track_a.csv",
        "userId,event,When\n1,x,03/05/2024\n2,x,04/06/2024\n",
        "When",
    );
    assert_eq!(col, r#"{"format":"%m/%d/%Y","to":"timestamp"}"#);
    assert_eq!(notes, ["Ambiguous: 'When': no sampled date has a day over 12, so day and month cannot be told apart: read as %m/%d/%Y; if the file is %d/%m/%Y, change \"format\""]);
    // The issue's two examples.
    let (col, _) = one_column(
        "track_a.csv",
        "userId,event,When\n1,x,3/5/2024 2:22 PM\n2,x,3/15/2024 11:05 AM\n",
        "When",
    );
    assert_eq!(col, r#"{"format":"%m/%d/%Y %I:%M %p","to":"timestamp"}"#);
    let (col, _) = one_column(
        "identify_a.csv",
        "userId,Joined\n1,05.03.2024 14:22\n2,15.03.2024 09:00\n",
        "Joined",
    );
    assert_eq!(
        col,
        r#"{"format":"%d.%m.%Y %H:%M","to":"traits.joined","type":"timestamp"}"#
    );
}

#[test]
fn a_file_without_a_header_row_gets_column_names() {
    let d = draft(
        "track_x.csv",
        b"42,Signed Up,2024-03-05\n43,Logged In,2024-03-06\n",
        true,
    )
    .unwrap();
    let rule: serde_json::Value = serde_json::from_str(&d.rule).unwrap();
    assert_eq!(
        rule["header"],
        serde_json::json!(["column1", "column2", "column3"])
    );
    assert_eq!(
        rule["columns"],
        serde_json::json!({"column1": "properties.column1", "column2": "properties.column2", "column3": "timestamp"})
    );
    assert_eq!(d.notes[0].path, "header");
    assert_eq!(d.notes[0].kind, NoteKind::Guess);
}

/// The property test's shrunk case: a first cell holding a line break, its `;` after it. The
/// delimiter was guessed from the first physical line (`"a,b`: a comma), so the draft read the
/// header with `,` and its rule made a header error of its own.
#[test]
fn a_quoted_line_break_in_the_first_row_is_part_of_it_for_the_delimiter() {
    let data = b"\"a,b\n\"\"c\"\"\r\n\";\",\"\"\"\n";
    let d = draft("identify_p.csv", data, true).unwrap();
    let rule: serde_json::Value = serde_json::from_str(&d.rule).unwrap();
    assert_eq!(
        rule["columns"],
        serde_json::json!({"a,b\n\"c\"": "traits.aBC", ",\"": "traits.column"})
    );
    // Read back, the one problem is the user id the draft asks for.
    let e = run("identify_p.csv", data, mapping(&d, Some("Filled"))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "identify_p.csv: the header has 1 problem, so nothing was sent\n  missing column userId: \
         identify calls need a userId or anonymousId column; add it to the header"
    );
    assert!(d
        .notes
        .iter()
        .any(|n| n.kind == NoteKind::Blank && n.path == "columns"));
}

#[test]
fn windows_1252_is_a_guess_and_reads_back() {
    // "Müller;12,50" in Windows-1252: ü is 0xfc.
    let data = b"userId;Name;Betrag;event\nk1;M\xfcller;12,50;Kauf\nk2;Wei\xdf;1.234,50;Kauf\n";
    let d = draft("track_de.csv", data, true).unwrap();
    let rule: serde_json::Value = serde_json::from_str(&d.rule).unwrap();
    assert_eq!(rule["encoding"], "windows-1252");
    assert_eq!(rule["decimal"], ",");
    assert_eq!(rule["delimiter"], ";");
    assert_eq!(d.notes[0].kind, NoteKind::Guess);
    assert_eq!(d.notes[0].path, "encoding");
    let report = run("track_de.csv", data, mapping(&d, None)).unwrap();
    assert_eq!((report.rows, report.rejected), (2, 0));
    // Valid UTF-8, and a UTF-8 character cut by the sample's end, are UTF-8.
    let utf8 = "userId,Name\n1,Müller\n".as_bytes();
    assert!(!draft("identify_x.csv", utf8, true)
        .unwrap()
        .rule
        .contains("encoding"));
    let cut = &utf8[..utf8.len() - 4];
    assert!(!draft("identify_x.csv", cut, false)
        .unwrap()
        .rule
        .contains("encoding"));
}

#[test]
fn one_quoted_cell_of_64_kb_stops_the_draft() {
    // The cell never closes within the sample: the draft reads 64 KB and stops.
    let mut data = b"userId,event\n\"".to_vec();
    data.extend(std::iter::repeat_n(b'a', 200 * 1024));
    let d = draft("track_big.csv", &data, false).unwrap();
    assert!(d.notes.iter().any(|n| n
        .message
        .starts_with("the first 64 KB of the file hold at most one record")));
    // The whole file one quoted cell: one record, a header of one name.
    let mut one = b"\"".to_vec();
    one.extend(std::iter::repeat_n(b'b', 64 * 1024));
    one.push(b'"');
    let d = draft("track_one.csv", &one, false).unwrap();
    assert!(d.rule.contains("\"call\": \"track\""));
}

/// Column names: Segment's, an export's, and junk (duplicates, empty, paths).
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Email".to_string()),
        Just("E-mail Address".to_string()),
        Just("User ID".to_string()),
        Just("user_id".to_string()),
        Just("First Name".to_string()),
        Just("Phone Number".to_string()),
        Just("Created At".to_string()),
        Just("Paid at".to_string()),
        Just("Amount".to_string()),
        Just("event".to_string()),
        Just("id".to_string()),
        Just("Company".to_string()),
        Just("Company Name".to_string()),
        Just(String::new()),
        Just("traits.a".to_string()),
        "[ -~]{0,10}",
        "\\PC{0,5}",
    ]
}

/// Names a mapping's check or a run treats specially: JavaScript's reserved keys, fields
/// csv2segment writes itself, paths with dots, brackets, types and quotes, names that differ
/// only by case or by spaces, and names whose drafted targets collide.
fn hostile_name() -> impl Strategy<Value = String> {
    const HOSTILE: [&str; 52] = [
        "__proto__",
        "constructor",
        "prototype",
        "Constructor",
        "__PROTO__",
        "proto type",
        "traits.__proto__",
        "properties.constructor",
        "context.prototype.x",
        "a.constructor",
        "messageId",
        "message_id",
        "context.library",
        "context.library.name",
        "context",
        "context.traits",
        "integrations",
        "properties",
        "traits",
        "type",
        "sentAt",
        "receivedAt",
        "timestamp",
        "userId",
        "anonymousId",
        "event",
        "a.b",
        ".a",
        "a.",
        "a..b",
        "a[0]",
        "a[",
        "[0]",
        "tags[1000]",
        "a]b",
        "\"",
        "'",
        "\"quoted\"",
        "a:number",
        "a:int",
        ":",
        "traits.company",
        "traits.company.name",
        "properties.x:json",
        " Email",
        "Email ",
        "EMAIL",
        "email",
        "###",
        "%%%",
        "column",
        "column2",
    ];
    proptest::sample::select(&HOSTILE[..]).prop_map(str::to_string)
}

/// Values: dates of many shapes, numbers with either mark, emails, booleans, junk.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[0-3]?[0-9]/[01]?[0-9]/20[0-9]{2}( [01]?[0-9]:[0-5][0-9] (AM|PM))?",
        "[0-3][0-9]\\.[01][0-9]\\.20[0-9]{2}( [0-2][0-9]:[0-5][0-9])?",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]( [0-2][0-9]:[0-5][0-9]:[0-5][0-9])?",
        "-?[0-9]{1,4}(,[0-9]{1,2})?",
        "[0-9]{1,3}(\\.[0-9]{3})*,[0-9]{2}",
        "[0-9]{1,3}(,[0-9]{3})*\\.[0-9]{2}",
        "1[0-9]{9}",
        "[a-z]{1,5}@[a-z]{1,5}\\.com",
        Just("https://example.com/a".to_string()),
        "(yes|no|TRUE|FALSE|true|false)",
        "[ -~]{0,12}",
        "\\PC{0,6}",
        Just("a,b\n\"c\"\r\n".to_string()),
    ]
}

const NAMES: [&str; 10] = [
    "identify_p.csv",
    "track_p.csv",
    "page_p.txt",
    "group_p.csv",
    "alias_p.csv",
    "object_things_p.csv",
    "export_2024-03-05.csv",
    "contacts.tsv",
    "Orders *March*.csv",
    "a?b.csv",
];

/// Writes `header` and `rows` as CSV, drafts a rule for it, and checks the draft: the
/// mapping's check refuses it only for its blanks, and filled in, a run of the file makes no
/// header error but a required column the notes ask for.
fn check_draft(
    header: &[String],
    rows: &[Vec<String>],
    d: usize,
    n: usize,
    latin: bool,
    headless: bool,
) -> Result<(), TestCaseError> {
    let delimiter = [b',', b';', b'\t', b'|'][d];
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(Vec::new());
    if !headless {
        w.write_record(header).unwrap();
    }
    for r in rows {
        w.write_record(r).unwrap();
    }
    let mut data = w.into_inner().unwrap();
    if latin {
        // Windows-1252-ish: every character past ASCII as one byte.
        data = String::from_utf8_lossy(&data)
            .chars()
            .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })
            .collect();
    }
    let name = NAMES[n];
    let Ok(dr) = draft(name, &data, true) else {
        return Ok(());
    };
    // Valid JSON, and refused only for its blanks, each at the path its note names.
    let blanks: Vec<String> = dr
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Blank && n.path.starts_with("set"))
        .map(|n| format!("files[0].{}", n.path))
        .collect();
    match Ingest::new(
        name,
        "p",
        Options {
            mapping: Some(mapping(&dr, None)),
            ..Options::default()
        },
    ) {
        Ok(_) => prop_assert!(blanks.is_empty()),
        Err(e) => match e.kind() {
            ErrorKind::Mapping { errors, .. } => {
                let paths: Vec<String> = errors.iter().map(|m| m.path.clone()).collect();
                prop_assert_eq!(paths, blanks, "{}", dr.rule);
            }
            ErrorKind::Header { .. } => {}
            _ => prop_assert!(false, "{}: {}", e, dr.rule),
        },
    }
    // Filled in, the only header problem is a required column the notes ask for.
    match run(name, &data, mapping(&dr, Some("Filled"))) {
        Ok(report) => prop_assert_eq!(report.events + report.rejected, report.rows),
        Err(e) => {
            let asked = dr
                .notes
                .iter()
                .any(|n| n.kind == NoteKind::Blank && n.path == "columns");
            let only_missing = !e.header_errors().is_empty()
                && e.header_errors()
                    .iter()
                    .all(|h| matches!(h.problem, HeaderProblem::Missing { .. }));
            prop_assert!(
                only_missing && asked || matches!(e.kind(), ErrorKind::NoHeader),
                "{}\n{}",
                e,
                dr.rule
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn drafts_of_random_csv_read_back_and_make_no_header_error_of_their_own(
        header in proptest::collection::vec(name(), 1..7),
        rows in proptest::collection::vec(proptest::collection::vec(value(), 0..8), 0..12),
        d in 0usize..4,
        n in 0usize..NAMES.len(),
        latin in any::<bool>(),
        headless in any::<bool>(),
    ) {
        check_draft(&header, &rows, d, n, latin, headless)?;
    }

    /// Headers of names a check treats specially, several of them colliding: every draft
    /// passes the engine's own mapping check and header rules.
    #[test]
    fn drafts_of_hostile_headers_pass_the_engines_own_checks(
        header in proptest::collection::vec(prop_oneof![3 => hostile_name(), 1 => name()], 1..16),
        rows in proptest::collection::vec(proptest::collection::vec(value(), 0..16), 0..4),
        d in 0usize..4,
        n in 0usize..NAMES.len(),
        latin in any::<bool>(),
    ) {
        check_draft(&header, &rows, d, n, latin, false)?;
    }
}

#[test]
fn a_file_written_for_csv2segment_drafts_to_itself() {
    let d = draft(
        "track_x.csv",
        b"userId,event,properties.plan,traits.age:integer,context.device.id,timestamp\n1,Signed Up,pro,42,d1,2024-03-05T14:22:07Z\n",
        true,
    )
    .unwrap();
    let rule: serde_json::Value = serde_json::from_str(&d.rule).unwrap();
    assert_eq!(
        rule["columns"],
        serde_json::json!({
            "userId": "userId",
            "event": "event",
            "properties.plan": "properties.plan",
            "traits.age:integer": "traits.age:integer",
            "context.device.id": "context.device.id",
            "timestamp": "timestamp"
        })
    );
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}

#[test]
fn a_rejects_files_reason_column_drafts_to_left_out() {
    let d = draft(
        "track_x.csv.rejected.csv",
        b"userId,event,properties.n:number,csv2segment_error\n1,Paid,abc,\"line 2, column 3 (properties.n:number): 'abc' is not a number; write it like 1234.5\"\n",
        true,
    )
    .unwrap();
    let rule: serde_json::Value = serde_json::from_str(&d.rule).unwrap();
    assert_eq!(
        rule["columns"],
        serde_json::json!({"userId": "userId", "event": "event", "properties.n:number": "properties.n:number", "csv2segment_error": null})
    );
    let notes: Vec<&str> = d.notes.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        notes,
        ["'csv2segment_error' is the reason column of a rejects file: left out"]
    );
}

#[test]
fn several_dates_none_named_the_first_is_the_timestamp_said_as_a_guess() {
    let d = draft(
        "track_d.csv",
        b"userId,event,Bestellt,Geliefert\n1,x,25.03.2024,28.03.2024\n",
        true,
    )
    .unwrap();
    let rule: serde_json::Value = serde_json::from_str(&d.rule).unwrap();
    assert_eq!(rule["columns"]["Bestellt"]["to"], "timestamp");
    assert_eq!(rule["columns"]["Geliefert"]["to"], "properties.geliefert");
    assert_eq!(rule["columns"]["Geliefert"]["type"], "timestamp");
    assert_eq!(d.notes[0].path, "columns[\"Bestellt\"]");
    assert_eq!(d.notes[0].message, "the file has 2 date columns and none is named as the event's time: 'Bestellt', the first, is taken as the timestamp; give another the target timestamp if it is the one");
}

/// True when DRAFT_BLESS asks to rewrite the expected files from this code; refused under CI, where
/// it would make the test agree with whatever the code does (scripts/test.mjs refuses it too).
fn blessing() -> bool {
    let set = std::env::var_os("DRAFT_BLESS").is_some();
    let ci =
        std::env::var("CI").is_ok_and(|v| !matches!(v.to_lowercase().as_str(), "" | "false" | "0"));
    assert!(!(set && ci), "DRAFT_BLESS is set under CI: it rewrites the expected files from the code under test; unset it");
    set
}

/// The issue's case and its kin: names the engine's header rules refuse as targets
/// (`constructor`) or keep for themselves (`context.library`), and a target inside another
/// column's (`traits.company` in the header, then `Company`): each drafted to a place the engine
/// takes, and the draft runs with no header error.
#[test]
fn reserved_and_colliding_names_are_drafted_to_places_the_engine_takes() {
    let data = b"userId,constructor,__proto__,prototype,context.library,traits.company,Company,messageId\n\
                 u1,a,b,c,d,e,f,g\n";
    let d = draft("identify_x.csv", data, true).unwrap();
    let rule: serde_json::Value = serde_json::from_str(&d.rule).unwrap();
    assert_eq!(
        rule["columns"],
        serde_json::json!({
            "userId": "userId",
            "constructor": "traits.constructor2",
            "__proto__": "traits.proto",
            "prototype": "traits.prototype2",
            "context.library": "traits.contextLibrary",
            "traits.company": "traits.company",
            "Company": "traits.company2",
            "messageId": "traits.messageId"
        })
    );
    let report = run("identify_x.csv", data, mapping(&d, None)).unwrap();
    assert_eq!((report.rows, report.events, report.rejected), (1, 1, 0));
    assert!(report.header_errors.is_empty());
}
