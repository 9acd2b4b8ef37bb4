//! How a file is written, drafted and read back by the engine: encodings (Mac Roman, UTF-16
//! with and without a byte order mark), header rows with blank or padded names, and preambles
//! (`skip`), on small files written from what real exports show, and on the real exports in
//! `../shared/exports` (issue 24's corpus).

mod common;

use common::{filled, mapped, rule, run_with};
use csv2segment::{draft, Draft, Ingest, NoteKind, Options, Report};
use serde_json::{json, Value};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/exports");

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}/{name}")).unwrap_or_else(|e| panic!("{CORPUS}/{name}: {e}"))
}

/// The draft's rule as a mapping, its blanks filled with `fill`.
fn mapping(d: &Draft, fill: &str) -> String {
    filled(d, Some(fill))
}

/// Runs `data` in chunks of `chunk` bytes through the engine with `mapping`: the report and
/// every event sent, in order.
fn run(name: &str, data: &[u8], mapping: &str, chunk: usize) -> (Report, Vec<Value>) {
    let r = run_with(name, data, mapped(mapping), chunk);
    (r.report, r.events)
}

fn utf16(text: &str, bom: bool, big_endian: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if big_endian {
            &[0xfe, 0xff]
        } else {
            &[0xff, 0xfe]
        });
    }
    for u in text.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn mac_roman_with_cr_line_ends_is_drafted_and_read_as_macintosh() {
    // An Excel for Mac 2011 sheet: Mac Roman, CR line ends. "Café Zoë", "Müller", "Jörg’s".
    let data = b"userId,Name,Note\rada,Caf\x8e Zo\x91,M\x9fller\rbo,J\x9arg\xd5s,\x87 la carte\r";
    let d = draft("identify_contacts.csv", data, true).unwrap();
    let r = rule(&d);
    assert_eq!(r["encoding"], "macintosh");
    assert_eq!(d.notes[0].path, "encoding");
    assert_eq!(d.notes[0].kind, NoteKind::Guess);
    assert!(
        d.notes[0].message.contains("Mac Roman"),
        "{}",
        d.notes[0].message
    );
    let (report, events) = run("identify_contacts.csv", data, &mapping(&d, "x"), 7);
    assert_eq!((report.rows, report.rejected), (2, 0), "{report:?}");
    assert_eq!(events[0]["traits"]["name"], "Café Zoë");
    assert_eq!(events[0]["traits"]["note"], "Müller");
    assert_eq!(events[1]["traits"]["name"], "Jörg’s");
    assert_eq!(events[1]["traits"]["note"], "á la carte");
}

#[test]
fn windows_1252_stays_windows_1252_with_its_quotes_and_letters() {
    // “Quoted” names, an apostrophe and é in Windows-1252, with LF line ends.
    let data =
        b"Email,Name,Note\nada@example.com,\x93Ada\x94,caf\xe9\nbo@example.com,Bo\x92s,M\xfcller\n";
    let d = draft("contacts.csv", data, true).unwrap();
    assert_eq!(rule(&d)["encoding"], "windows-1252");
    // The real Salesforce export: é (0xE9) and º (0xBA) in Windows-1252.
    let d = draft("accountData.csv", &corpus("accountData.csv"), true).unwrap();
    assert_eq!(rule(&d)["encoding"], "windows-1252");
}

#[test]
fn utf16_tab_separated_is_decoded_before_the_delimiter_is_guessed() {
    let text = "userId\tevent\tproperties.note\n1\tSigned Up\tZoë, Jr\n2\tLogged In\ta;b\n";
    for (bom, big_endian, name) in [
        (true, false, "utf-16"),
        (false, false, "utf-16"),
        (false, true, "utf-16be"),
        (true, true, "utf-16"),
    ] {
        let data = utf16(text, bom, big_endian);
        let d = draft("events.csv", &data, true).unwrap();
        let r = rule(&d);
        let what = format!("bom {bom}, big-endian {big_endian}");
        assert_eq!(r["delimiter"], "\t", "{what}");
        assert_eq!(r["encoding"], name, "{what}");
        assert_eq!(
            r["columns"],
            json!({"userId": "userId", "event": "event", "properties.note": "properties.note"}),
            "{what}"
        );
        let (report, events) = run("events.csv", &data, &mapping(&d, "x"), 5);
        assert_eq!((report.rows, report.rejected), (2, 0), "{what}");
        assert_eq!(events[0]["properties"]["note"], "Zoë, Jr", "{what}");
        assert_eq!(events[1]["event"], "Logged In", "{what}");
    }
    // Matomo's visits log: UTF-16LE with a byte order mark, commas.
    let d = draft(
        "test_csvExport__Live.getLastVisitsDetails_day.csv",
        &corpus("test_csvExport__Live.getLastVisitsDetails_day.csv"),
        true,
    )
    .unwrap();
    let r = rule(&d);
    assert_eq!(
        (&r["encoding"], &r["delimiter"]),
        (&json!("utf-16"), &json!(","))
    );
    assert_eq!(r["columns"]["idVisit"], "properties.idVisit");
}

/// The rule of `d` as a mapping after `patch` (to fill what the draft leaves to a person).
fn patched(d: &Draft, patch: impl FnOnce(&mut Value)) -> String {
    let mut r = rule(d);
    patch(&mut r);
    json!({ "files": [r] }).to_string()
}

#[test]
fn a_header_with_padded_names_is_a_header_and_keeps_its_names() {
    // PayPal's Portuguese activity download: a space before every name.
    let data = "Data, Hora, Fuso horário, Nome, Tipo, Status, Moeda, Bruto, E-mail do remetente, Código da transação\n\
                05/03/2024,14:30:00,BRT,Ana,Pagamento,Concluído,BRL,12.50,ana@example.com,8AB12345CD\n\
                06/03/2024,09:00:00,BRT,Bo,Pagamento,Concluído,BRL,3.00,bo@example.com,9XY67890EF\n";
    let d = draft("Download.csv", data.as_bytes(), true).unwrap();
    let r = rule(&d);
    assert_eq!(r.get("header"), None, "{}", d.rule);
    let columns = r["columns"].as_object().unwrap();
    // Targets come from trimmed names, and the engine matches names trimmed.
    assert!(
        columns["Nome"].as_str().unwrap().ends_with(".nome"),
        "{}",
        d.rule
    );
    assert!(columns["Código da transação"]
        .as_str()
        .unwrap()
        .ends_with(".códigoDaTransação"));
    // Data, Hora and Fuso horário make one date, joined by trimmed names.
    assert_eq!(
        columns["Data"]["with"],
        json!(["Hora", "Fuso horário"]),
        "{}",
        d.rule
    );
    assert_eq!(columns.get("Fuso horário"), None, "{}", d.rule);
    assert!(!d.notes.iter().any(|n| n.path == "header"));
    let mapping = patched(&d, |r| {
        r["call"] = json!("track");
        r["columns"]["Nome"] = json!("properties.nome");
        r["columns"]["E-mail do remetente"] = json!("userId");
        r["set"] = json!({"event": "Payment Received"});
    });
    let (report, events) = run("Download.csv", data.as_bytes(), &mapping, 9);
    assert_eq!((report.rows, report.rejected), (2, 0), "{report:?}");
    // The column keeps its name as written.
    assert_eq!(report.columns[3].name, " Nome");
    assert_eq!(events[1]["properties"]["nome"], "Bo");
    assert_eq!(events[1]["userId"], "bo@example.com");
    assert_eq!(events[1]["timestamp"], "2024-03-06T12:00:00.000Z");
}

#[test]
fn a_column_with_no_name_is_left_out_with_a_note() {
    // A ledger whose header names one column with a single space.
    let data = "Date,Description, ,Amount,Account\n2024-03-05,Coffee,*,3.50,acct_1\n2024-03-06,Rent,,900.00,acct_2\n";
    let d = draft("ledger.csv", data.as_bytes(), true).unwrap();
    let r = rule(&d);
    assert_eq!(r.get("header"), None, "{}", d.rule);
    assert_eq!(r["columns"][""], Value::Null);
    assert!(r["columns"].as_object().unwrap().contains_key(""));
    let note = d.notes.iter().find(|n| n.path == "columns[\"\"]").unwrap();
    assert_eq!(note.kind, NoteKind::Dropped);
    assert_eq!(
        note.message,
        "column 3 has no name in the header: left out (null), with any other column without one; name it in the file to send it"
    );
    let mapping = patched(&d, |r| {
        r["call"] = json!("track");
        r["columns"]["Description"] = json!("properties.description");
        r["columns"]["Account"] = json!("userId");
        r["set"] = json!({"event": "Entry Booked"});
    });
    let (report, events) = run("ledger.csv", data.as_bytes(), &mapping, 4);
    assert_eq!((report.rows, report.rejected), (2, 0), "{report:?}");
    assert!(report.columns[2].dropped);
    assert_eq!(events[0]["properties"]["description"], "Coffee");

    // Text over text, with blanks: values, not a header.
    let d = draft("people.csv", b"Alice,,Smith\nBob,,Jones\n", true).unwrap();
    assert_eq!(rule(&d)["header"], json!(["column1", "column2", "column3"]));
}

#[test]
fn trailing_header_cells_with_no_name_may_be_missing_from_rows() {
    // PayPal's Spanish statement: 24 header cells, the last 6 empty; its rows have 18 fields.
    let data = "Fecha,Hora,Nombre,Correo electrónico del remitente,Bruto,,,\n\
                2/1/2020,10:00:00,Ana,ana@example.com,\"49,37\"\n\
                13/1/2020,11:00:00,Bo,bo@example.com,\"4.626,81\",,\n\
                14/1/2020,12:00:00,Cy,cy@example.com\n";
    let d = draft("statement.csv", data.as_bytes(), true).unwrap();
    let r = rule(&d);
    assert_eq!(r.get("header"), None, "{}", d.rule);
    assert_eq!(r["columns"][""], Value::Null);
    let mapping = patched(&d, |r| {
        r["call"] = json!("track");
        r["columns"]["Bruto"] = json!("properties.bruto");
        r["columns"]["Correo electrónico del remitente"] = json!("userId");
        r["set"] = json!({"event": "Payment Received"});
    });
    let (report, events) = run("statement.csv", data.as_bytes(), &mapping, 6);
    // A row may stop before the nameless columns; not before a named one.
    assert_eq!((report.rows, report.rejected), (3, 1), "{report:?}");
    assert_eq!(
        report.rejections[0].to_string(),
        "line 4: the row has 4 fields but the header has 8; check for a missing or extra delimiter, or a quote that is not closed"
    );
    assert_eq!(events[1]["properties"]["bruto"], 4626.81);

    // The real statement: a header, its nameless cells left out, every row read.
    let data = corpus("statement_es.csv");
    let d = draft("statement_es.csv", &data, true).unwrap();
    assert_eq!(rule(&d).get("header"), None, "{}", d.rule);
    let mapping = patched(&d, |r| {
        r["call"] = json!("track");
        r["columns"]["Correo electrónico del remitente"] = json!("userId");
        r["columns"]["Fecha"] = json!({"to": "timestamp", "format": "%d/%m/%Y"});
        r["set"] = json!({"event": "Payment Received"});
    });
    let (report, _) = run("statement_es.csv", &data, &mapping, 100);
    assert_eq!((report.rows, report.rejected), (4, 0), "{report:?}");
}

/// A GA4-style export: a `#` comment block with commas in it, a blank line, the header (`;`).
const GA4: &str = "# ----------------------------------------\n\
                   # Events, all users\n\
                   # Account: Demo, Shop\n\
                   # ----------------------------------------\n\
                   \n\
                   userId;event;properties.count\n\
                   u1;page_view;10\n\
                   u2;;3\n\
                   u3;purchase;1\n";

fn skip_mapping(skip: Value) -> String {
    json!({"files": [{"match": "*.csv", "call": "track", "skip": skip}]}).to_string()
}

#[test]
fn skip_passes_over_a_preamble_and_lines_stay_the_files() {
    let mapping = skip_mapping(json!(4));
    for chunk in [1, 7, 64, usize::MAX] {
        let (report, events) = run("ga4.csv", GA4.as_bytes(), &mapping, chunk);
        assert_eq!(
            (report.rows, report.rejected),
            (3, 1),
            "chunk {chunk}: {report:?}"
        );
        // The delimiter is guessed from the header, not from the comment lines.
        assert_eq!(report.file.as_ref().unwrap().delimiter, b';');
        assert_eq!(
            report.rejections[0].to_string(),
            "line 8, column 2 (event): event is empty; every track call needs one"
        );
        assert_eq!(events[1]["properties"]["count"], 1);
        assert_eq!(events[1]["event"], "purchase");
    }
    // Qualtrics writes two more header rows after its names; a label may hold a line break.
    let qualtrics = "StartDate,ResponseId,Q1\n\
                     \"Start Date\",\"Response ID\",\"How was it?\nPick one\"\n\
                     \"{\"\"ImportId\"\":\"\"startDate\"\"}\",\"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"QID1\"\"}\"\n\
                     2017-07-18 08:28:48,R_1,Good\n";
    let mapping = json!({"files": [{"match": "*.csv", "call": "track", "skip": {"after": 2},
        "columns": {"StartDate": "timestamp", "ResponseId": "anonymousId"}, "set": {"event": "Survey Response Submitted"}}]})
    .to_string();
    let (report, events) = run("sample.csv", qualtrics.as_bytes(), &mapping, 5);
    assert_eq!((report.rows, report.rejected), (1, 0), "{report:?}");
    assert_eq!(events[0]["anonymousId"], "R_1");
    assert_eq!(events[0]["properties"]["Q1"], "Good");
    assert_eq!(report.columns[2].name, "Q1");
}

#[test]
fn skip_holds_on_every_piece_of_a_split_file() {
    use csv2segment::FileSplitter;
    let mut file = String::from(GA4);
    for i in 4..40 {
        file.push_str(&format!("u{i};e{i};{i}\n"));
    }
    let data = file.as_bytes();
    let options = Options {
        mapping: Some(skip_mapping(json!({"before": 4}))),
        ..Options::default()
    };
    let whole = run("ga4.csv", data, options.mapping.as_deref().unwrap(), 10);

    let mut splitter = FileSplitter::new("ga4.csv", &options, 64, 1 << 20).unwrap();
    for c in data.chunks(9) {
        splitter.write(c);
    }
    let split = splitter.finish().unwrap();
    // The head: the preamble and the header, as they stand at the file's start.
    let head_end = GA4.find("\nu1;").unwrap();
    assert_eq!(split.header, &data[..head_end]);
    assert!(split.shards.len() > 3, "{}", split.shards.len());
    assert_eq!(split.shards[0].start.line, 7);
    let mut events = Vec::new();
    let mut lines = Vec::new();
    for shard in &split.shards {
        let mut ing = Ingest::resume(
            "ga4.csv",
            common::IDENTITY,
            options.clone(),
            &split.header,
            shard.start,
        )
        .unwrap();
        ing.write(&data[shard.start.offset as usize..shard.end as usize])
            .unwrap();
        ing.finish().unwrap();
        while let Some(b) = ing.next_batch() {
            let body: Value = serde_json::from_slice(&b.body).unwrap();
            events.extend(body["batch"].as_array().unwrap().iter().cloned());
        }
        lines.extend(ing.report().rejections.iter().map(|r| r.line));
    }
    assert_eq!(lines, [8]);
    assert_eq!(events, whole.1);

    // A run that stops and goes on from where it stopped, with the head as its header.
    let mut first = Ingest::new("ga4.csv", common::IDENTITY, options.clone()).unwrap();
    first.write(&data[..head_end + 40]).unwrap();
    let at = first.suspend().unwrap();
    let head = first.header().unwrap().to_vec();
    assert_eq!(head, &data[..head_end]);
    let mut rest = Ingest::resume("ga4.csv", common::IDENTITY, options.clone(), &head, at).unwrap();
    rest.write(&data[at.offset as usize..]).unwrap();
    rest.finish().unwrap();
    assert_eq!(
        first.report().rows + rest.report().rows,
        whole.0.rows,
        "{at:?}"
    );
    assert_eq!(rest.header().unwrap(), &data[..head_end]);
}

#[test]
fn the_draft_proposes_skip_for_a_preamble_and_extra_header_rows() {
    // GA4's # block (with commas), Clarity's Key,Value block, a report title and blank lines.
    let clarity = "Key,Value\nProject,Demo Shop\nDate range,03/01/2024 - 03/07/2024\n\nuserId,event,Device,Browser,Duration\nu1,Session,PC,Chrome,12\nu2,Session,Mobile,Safari,40\n";
    let title =
        "Sales report, March 2024\n\nuserId,event,Amount,Currency\nu1,Order Completed,12.50,EUR\n";
    for (name, data, skip, rows) in [
        ("ga4.csv", GA4, 4, 3),
        ("clarity.csv", clarity, 3, 2),
        ("title.csv", title, 1, 1),
    ] {
        let d = draft(name, data.as_bytes(), true).unwrap();
        let r = rule(&d);
        assert_eq!(r["skip"], skip, "{name}: {}", d.rule);
        assert_eq!(r.get("header"), None, "{name}");
        assert_eq!(r["columns"]["userId"], "userId", "{name}");
        let note = d.notes.iter().find(|n| n.path == "skip").unwrap();
        assert_eq!(note.kind, NoteKind::Guess);
        let (report, _) = run(name, data.as_bytes(), &mapping(&d, "x"), 3);
        assert_eq!(report.rows, rows, "{name}: {report:?}");
        assert!(report.header_errors.is_empty(), "{name}");
    }
    assert_eq!(
        rule(&draft("ga4.csv", GA4.as_bytes(), true).unwrap())["delimiter"],
        ";"
    );

    // Qualtrics: three header rows (names, labels, import ids); its legacy export two (codes,
    // then names, and a trailing comma on every line).
    for (name, skip, anonymous) in [
        ("sample.csv", json!({"before": 0, "after": 2}), "ResponseId"),
        ("sample_legacy.csv", json!(1), "ResponseID"),
    ] {
        let data = corpus(name);
        let d = draft(name, &data, true).unwrap();
        let r = rule(&d);
        assert_eq!(r["skip"], skip, "{name}: {}", d.rule);
        let mapping = patched(&d, |r| {
            r["columns"][anonymous] = json!("anonymousId");
            r["set"] = json!({"event": "Survey Response Submitted"});
        });
        let (report, events) = run(name, &data, &mapping, 100);
        assert_eq!((report.rows, report.rejected), (1, 0), "{name}: {report:?}");
        assert!(events[0]["anonymousId"].as_str().unwrap().starts_with("R_"));
        // A time of the one data row (which of its dates is the event's is the corpus test's
        // question): the rows skipped were not read as data.
        let time = events[0]["timestamp"].as_str().unwrap_or_default();
        assert!(time.starts_with("2017-07-18T08:28:"), "{name}: {time}");
    }
    // No preamble: no skip.
    assert_eq!(
        rule(&draft("x.csv", b"userId,event\n1,a\n", true).unwrap()).get("skip"),
        None
    );
}

/// Found by the draft's property test: with two sampled records, a header narrower than its
/// one (ragged) row was taken for a preamble, and the row of values became the "header".
#[test]
fn a_header_narrower_than_a_ragged_row_is_not_a_preamble() {
    let d = draft(
        "identify_p.csv",
        b"Email,Email\n,\"|,\",\"0,000,000.00\"\n",
        true,
    )
    .unwrap();
    let r = rule(&d);
    assert_eq!(r.get("skip"), None, "{}", d.rule);
    assert!(
        d.notes.iter().all(|n| !n.path.starts_with("skip")),
        "{:?}",
        d.notes
    );
    // A title line over a real header is still skipped.
    let titled = b"Orders report\nid,email,amount\n1,a@example.com,3\n2,b@example.com,4\n";
    let r = rule(&draft("orders.csv", titled, true).unwrap());
    assert_eq!(r["skip"], json!(1));
}
