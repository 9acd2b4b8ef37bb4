//! Workbooks written here, one per edge of the format, read (`validate_workbook`) and drafted
//! (`draft_workbook`) with exact payloads: each cell type, both date systems, inline and shared
//! strings, formulas by their cached value, error cells, a title row, several sheets, a zip
//! named `.csv`, an empty sheet, a sheet whose dimension lies, cells right of the header.
//!
//! The zip is written by the `zip` crate, a writer independent of the engine's own reader; the
//! XML parts are written out in full below, so each fixture says exactly what it holds.

mod common;

use std::io::Write;

use common::show_draft;
use csv2segment::{draft_workbook, validate_workbook, Draft, Options, WorkbookValidation};
use zip::write::SimpleFileOptions;

/// A sheet: its name and its `<sheetData>` rows, as XML.
struct Sheet {
    name: &'static str,
    /// Written as `<dimension ref="…"/>` when given.
    dimension: Option<&'static str>,
    rows: Vec<String>,
}

/// A workbook to write: its sheets, shared strings, cell styles' number formats, date system.
struct Book {
    sheets: Vec<Sheet>,
    /// `None`: no shared strings part at all.
    shared: Option<Vec<&'static str>>,
    /// Each cell style's number format id (`s="1"` is the second); custom ones in `custom`.
    styles: Vec<u32>,
    custom: Vec<(u32, &'static str)>,
    date1904: bool,
}

impl Default for Book {
    fn default() -> Book {
        Book {
            sheets: Vec::new(),
            shared: Some(Vec::new()),
            // 0 General; 14 m/d/yyyy; 164 below: yyyy-mm-dd hh:mm; 20 h:mm; 165: "$"#,##0.00
            styles: vec![0, 14, 164, 20, 165],
            custom: vec![(164, "yyyy-mm-dd hh:mm"), (165, "\"$\"#,##0.00")],
            date1904: false,
        }
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Book {
    fn one(rows: Vec<String>) -> Book {
        Book {
            sheets: vec![Sheet {
                name: "Data",
                dimension: None,
                rows,
            }],
            ..Book::default()
        }
    }

    /// The workbook's bytes, a zip of its parts (deflated, as Excel writes them).
    fn bytes(&self) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut part = |path: &str, text: String| {
            zip.start_file(path, opts).expect("a part");
            zip.write_all(text.as_bytes()).expect("written");
        };
        let mut types = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
        );
        for i in 1..=self.sheets.len() {
            types.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#));
        }
        types.push_str("</Types>");
        part("[Content_Types].xml", types);
        part("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string());
        let mut rels = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
        );
        if self.shared.is_some() {
            rels.push_str(r#"<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
        }
        let mut book = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr{}/><sheets>"#,
            if self.date1904 {
                r#" date1904="1""#
            } else {
                ""
            }
        );
        for (i, s) in self.sheets.iter().enumerate() {
            let n = i + 1;
            rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
            book.push_str(&format!(
                r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#,
                xml_escape(s.name)
            ));
        }
        rels.push_str("</Relationships>");
        book.push_str("</sheets></workbook>");
        part("xl/workbook.xml", book);
        part("xl/_rels/workbook.xml.rels", rels);
        let mut styles = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts>"#,
        );
        for (id, code) in &self.custom {
            styles.push_str(&format!(
                r#"<numFmt numFmtId="{id}" formatCode="{}"/>"#,
                xml_escape(code)
            ));
        }
        styles.push_str("</numFmts><cellXfs>");
        for id in &self.styles {
            styles.push_str(&format!(
                r#"<xf numFmtId="{id}" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
            ));
        }
        styles.push_str("</cellXfs></styleSheet>");
        part("xl/styles.xml", styles);
        if let Some(shared) = &self.shared {
            let mut s = format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">"#,
                shared.len()
            );
            for t in shared {
                s.push_str(&format!(
                    r#"<si><t xml:space="preserve">{}</t></si>"#,
                    xml_escape(t)
                ));
            }
            s.push_str("</sst>");
            part("xl/sharedStrings.xml", s);
        }
        for (i, sheet) in self.sheets.iter().enumerate() {
            let mut s = String::from(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
            );
            if let Some(d) = sheet.dimension {
                s.push_str(&format!(r#"<dimension ref="{d}"/>"#));
            }
            if sheet.rows.is_empty() {
                s.push_str("<sheetData/>");
            } else {
                s.push_str("<sheetData>");
                for r in &sheet.rows {
                    s.push_str(r);
                }
                s.push_str("</sheetData>");
            }
            s.push_str("</worksheet>");
            part(&format!("xl/worksheets/sheet{}.xml", i + 1), s);
        }
        zip.finish().expect("the zip").into_inner()
    }
}

/// A row `r` of cells, each written as XML by the helpers below.
fn row(r: u32, cells: &[String]) -> String {
    format!(r#"<row r="{r}">{}</row>"#, cells.concat())
}
/// A shared string, by its index.
fn s(at: &str, i: usize) -> String {
    format!(r#"<c r="{at}" t="s"><v>{i}</v></c>"#)
}
/// An inline string.
fn is(at: &str, text: &str) -> String {
    format!(
        r#"<c r="{at}" t="inlineStr"><is><t>{}</t></is></c>"#,
        xml_escape(text)
    )
}
/// A number, with cell style `style`.
fn n(at: &str, v: &str, style: u32) -> String {
    format!(r#"<c r="{at}" s="{style}"><v>{v}</v></c>"#)
}
fn b(at: &str, v: bool) -> String {
    format!(r#"<c r="{at}" t="b"><v>{}</v></c>"#, u8::from(v))
}
/// An error cell (`#N/A`), as a formula caches it.
fn e(at: &str, err: &str) -> String {
    format!(r#"<c r="{at}" t="e"><f>VLOOKUP(A1,Z:Z,2,FALSE)</f><v>{err}</v></c>"#)
}
/// A formula and its cached value: a number, or text (`t="str"`).
fn f_num(at: &str, formula: &str, cached: &str) -> String {
    format!(r#"<c r="{at}"><f>{formula}</f><v>{cached}</v></c>"#)
}
fn f_str(at: &str, formula: &str, cached: &str) -> String {
    format!(
        r#"<c r="{at}" t="str"><f>{}</f><v>{}</v></c>"#,
        xml_escape(formula),
        xml_escape(cached)
    )
}

fn validate(bytes: &[u8], key: &str, mapping: &str, samples: usize) -> WorkbookValidation {
    let options = Options {
        sample_payloads: samples,
        mapping: Some(mapping.to_string()),
        ..Options::default()
    };
    validate_workbook(bytes, key, "fixtures", options)
}

/// Each payload up to its `"context"`: the call, the ids and what the row's cells made.
fn before_context(samples: &[String]) -> Vec<&str> {
    samples
        .iter()
        .map(|p| &p[..p.find(r#","context""#).expect("context")])
        .collect()
}

const LIB: &str = r#""context":{"library":{"name":"csv2segment","version":"0.1.0"}}"#;

/// Every kind of cell, each read as its type says: a number as stored, shared and inline text
/// (a text `0186` stays text), a boolean, a date with a built-in and a custom format, a time of
/// day, a currency, formulas by their cached number and text, an error as empty.
#[test]
fn each_cell_type() {
    let mut book = Book::one(vec![
        row(
            1,
            &[
                is("A1", "userId"),
                is("B1", "n"),
                is("C1", "code"),
                is("D1", "flag"),
                is("E1", "day"),
                is("F1", "at"),
                is("G1", "clock"),
                is("H1", "price"),
                is("I1", "sum"),
                is("J1", "label"),
                is("K1", "lookup"),
                is("L1", "ref"),
            ],
        ),
        row(
            2,
            &[
                s("A2", 0),
                n("B2", "-1745.53", 0),
                s("C2", 1),
                b("D2", true),
                n("E2", "42016", 1),
                n("F2", "42360.499305555555", 2),
                n("G2", "0.5451388888888889", 3),
                n("H2", "19.989999999999998", 4),
                f_num("I2", "ROUND(4.567,0)", "5"),
                f_str("J2", "A2&\"-x\"", "u1-x"),
                e("K2", "#N/A"),
                e("L2", "#REF!"),
            ],
        ),
    ]);
    book.shared = Some(vec!["u1", "0186"]);
    let bytes = book.bytes();
    let mapping =
        r#"{"files":[{"match":"*","call":"track","set":{"event":"Typed"},"unmapped":"keep"}]}"#;
    let v = validate(&bytes, "types.xlsx", mapping, 1);
    assert_eq!(v.report.error, None);
    assert_eq!((v.report.rows, v.report.events), (1, 1));
    assert_eq!(v.error_cells, 2);
    assert_eq!(
        v.notes,
        ["2 cells held an error (#N/A, #REF!, ...) and were read as empty"]
    );
    assert_eq!(
        v.samples,
        [format!(
            r#"{{"type":"track","userId":"u1","event":"Typed","properties":{{"n":-1745.53,"code":"0186","flag":true,"day":"2015-01-12T00:00:00.000Z","at":"2015-12-22T11:59:00.000Z","clock":"13:05:00","price":19.99,"sum":5,"label":"u1-x"}},{LIB},"messageId":"{}"}}"#,
            message_id(&v.samples[0])
        )]
    );

    // The draft takes each column's type from its cells: no format for the dates, no type for
    // the text code that looks like a number.
    let d = draft_workbook("types.xlsx", &bytes).expect("a draft");
    assert_eq!(
        d.rule,
        r#"{
  "match": "types.xlsx",
  "call": "track",
  "columns": {
    "userId": "userId",
    "n": "properties.n",
    "code": "properties.code",
    "flag": "properties.flag",
    "day": "timestamp",
    "at": "properties.at:timestamp",
    "clock": "properties.clock",
    "price": "properties.price",
    "sum": "properties.sum",
    "label": "properties.label",
    "lookup": null,
    "ref": null
  },
  "set": {
    "event": "<fill in: the event name every row is, like Order Completed>"
  }
}"#
    );
}

/// The messageId of a payload (derived from the row's place: checked by the engine's tests).
fn message_id(payload: &str) -> String {
    let at = payload.find(r#""messageId":""#).expect("a messageId") + 13;
    payload[at..at + 36].to_string()
}

/// The same serial read in each date system: 42300 is 2019-10-24 from 1904, 2015-10-23 from
/// 1900; the draft's date column has no format either way.
#[test]
fn both_date_systems() {
    let rows = vec![
        row(1, &[is("A1", "userId"), is("B1", "Arrival Date")]),
        row(2, &[is("A2", "u1"), n("B2", "42300", 1)]),
        row(3, &[is("A3", "u2"), n("B3", "0", 1)]),
    ];
    let mapping = r#"{"files":[{"match":"*","call":"track","set":{"event":"Arrived"},"columns":{"Arrival Date":"timestamp"}}]}"#;
    let mut seen = Vec::new();
    for date1904 in [false, true] {
        let book = Book {
            date1904,
            ..Book::one(rows.clone())
        };
        let bytes = book.bytes();
        let v = validate(&bytes, "arrivals.xlsx", mapping, 2);
        assert_eq!(v.report.error, None);
        let stamps: Vec<String> = v
            .samples
            .iter()
            .map(|p| {
                let at = p.find(r#""timestamp":""#).expect("a timestamp") + 13;
                p[at..at + 24].to_string()
            })
            .collect();
        let why: Vec<String> = v.report.rejections.iter().map(|r| r.to_string()).collect();
        seen.push((stamps, why));
        let d = draft_workbook("arrivals.xlsx", &bytes).expect("a draft");
        assert!(
            d.rule.contains(r#""Arrival Date": "timestamp""#),
            "{}",
            d.rule
        );
    }
    // Serial 0 of 1900 is Excel's "0 January 1900", a day before the years a time may have:
    // refused as such; of 1904, it is 1 January 1904.
    assert_eq!(
        seen,
        [
            (
                vec!["2015-10-23T00:00:00.000Z".to_string()],
                vec!["line 3, column 2 (Arrival Date): '1899-12-31T00:00:00.000Z' reads as the year 1899, outside the years 1900 to 2200; fix the cell".to_string()]
            ),
            (
                vec![
                    "2019-10-24T00:00:00.000Z".to_string(),
                    "1904-01-01T00:00:00.000Z".to_string()
                ],
                vec![]
            ),
        ]
    );
}

/// Text in shared strings and inline strings reads the same: the same payloads, the same
/// messageIds (a row's place, not its bytes, makes its id); a workbook with no shared strings
/// part at all is read, and text that looks like a number or a boolean stays text.
#[test]
fn inline_and_shared_strings() {
    let names = ["userId", "zip", "answer", "id"];
    let values = ["u1", "02134", "TRUE", "320150120569599421"];
    let cols = ["A", "B", "C", "D"];
    let mut shared = Book::one(vec![
        row(
            1,
            &(0..4)
                .map(|i| s(&format!("{}1", cols[i]), i))
                .collect::<Vec<_>>(),
        ),
        row(
            2,
            &(0..4)
                .map(|i| s(&format!("{}2", cols[i]), 4 + i))
                .collect::<Vec<_>>(),
        ),
    ]);
    shared.shared = Some(names.iter().chain(values.iter()).copied().collect());
    let mut inline = Book::one(vec![
        row(
            1,
            &(0..4)
                .map(|i| is(&format!("{}1", cols[i]), names[i]))
                .collect::<Vec<_>>(),
        ),
        row(
            2,
            &(0..4)
                .map(|i| is(&format!("{}2", cols[i]), values[i]))
                .collect::<Vec<_>>(),
        ),
    ]);
    inline.shared = None;
    let mapping = r#"{"files":[{"match":"*","call":"identify","unmapped":"keep"}]}"#;
    let a = validate(&shared.bytes(), "people.xlsx", mapping, 1);
    let b = validate(&inline.bytes(), "people.xlsx", mapping, 1);
    assert_eq!(a.report.error, None);
    assert_eq!(a.samples, b.samples);
    assert_eq!(
        a.samples,
        [format!(
            r#"{{"type":"identify","userId":"u1","traits":{{"zip":"02134","answer":"TRUE","id":"320150120569599421"}},{LIB},"messageId":"{}"}}"#,
            message_id(&a.samples[0])
        )]
    );
    let (da, db) = (
        draft_workbook("people.xlsx", &shared.bytes()).expect("a draft"),
        draft_workbook("people.xlsx", &inline.bytes()).expect("a draft"),
    );
    assert_eq!(da, db);
    assert_eq!(
        da.rule,
        r#"{
  "match": "people.xlsx",
  "call": "identify",
  "columns": {
    "userId": "userId",
    "zip": "traits.zip",
    "answer": "traits.answer",
    "id": "traits.id"
  }
}"#
    );
}

/// A title and a blank row above the header: the draft's `skip` passes over the title (blank
/// rows are passed over by any run), and the preview reads the rows under the header.
#[test]
fn a_title_row() {
    let book = Book::one(vec![
        row(1, &[is("A1", "Orders export, March 2024")]),
        row(
            3,
            &[
                is("A3", "Order ID"),
                is("B3", "Customer ID"),
                is("C3", "Total"),
                is("D3", "Ordered"),
            ],
        ),
        row(
            4,
            &[
                is("A4", "1001"),
                is("B4", "c-7"),
                n("C4", "49.5", 4),
                n("D4", "45356.5", 2),
            ],
        ),
        row(
            5,
            &[
                is("A5", "1002"),
                is("B5", "c-9"),
                n("C5", "12", 4),
                n("D5", "45357.25", 2),
            ],
        ),
    ]);
    let bytes = book.bytes();
    let d = draft_workbook("orders.xlsx", &bytes).expect("a draft");
    assert_eq!(
        show_draft(&d),
        r#"{
  "match": "orders.xlsx",
  "call": "track",
  "skip": 1,
  "columns": {
    "Order ID": "properties.orderID",
    "Customer ID": "userId",
    "Total": "properties.total",
    "Ordered": "timestamp"
  },
  "set": {
    "event": "<fill in: the event name every row is, like Order Completed>"
  }
}
Guess skip | the first 1 rows (a title or a key-value block) come before the header row: "skip" leaves them unread; if the header is another row, change "skip"
Guess call | the file name has no prefix such as track_: the rows are drafted as track calls (the file name says orders); change "call" if they are not
Blank set["event"] | no column names the event: write the event every row of this file is (like "Order Completed") in "set": {"event": …}; until then the mapping is refused; the file name says orders, which Segment's e-commerce spec calls "Order Completed"
"#
    );
    assert_eq!(
        d.first_rows,
        [
            vec!["Orders export, March 2024"],
            vec!["Order ID", "Customer ID", "Total", "Ordered"],
            vec!["1001", "c-7", "49.5", "2024-03-05T12:00:00.000Z"],
            vec!["1002", "c-9", "12", "2024-03-06T06:00:00.000Z"],
        ]
    );
    let mapping = format!(
        r#"{{"files":[{}]}}"#,
        d.rule.replace(
            "<fill in: the event name every row is, like Order Completed>",
            "Order Completed"
        )
    );
    let v = validate(&bytes, "orders.xlsx", &mapping, 2);
    assert_eq!(v.report.error, None);
    assert_eq!((v.report.rows, v.report.events), (2, 2));
    assert_eq!(
        v.samples,
        [
            format!(
                r#"{{"type":"track","userId":"c-7","event":"Order Completed","properties":{{"orderID":"1001","total":49.5}},{LIB},"timestamp":"2024-03-05T12:00:00.000Z","messageId":"{}"}}"#,
                message_id(&v.samples[0])
            ),
            format!(
                r#"{{"type":"track","userId":"c-9","event":"Order Completed","properties":{{"orderID":"1002","total":12}},{LIB},"timestamp":"2024-03-06T06:00:00.000Z","messageId":"{}"}}"#,
                message_id(&v.samples[1])
            ),
        ]
    );
}

/// Several sheets: the first is read by default (here its name needs escaping), and the draft
/// says which it read.
#[test]
fn several_sheets() {
    let book = Book {
        sheets: vec![
            Sheet {
                name: "MEN'S & <co>",
                dimension: None,
                rows: vec![
                    row(1, &[is("A1", "userId"), is("B1", "plan")]),
                    row(2, &[is("A2", "u1"), is("B2", "pro")]),
                ],
            },
            Sheet {
                name: "Other",
                dimension: None,
                rows: vec![
                    row(1, &[is("A1", "userId"), is("B1", "plan")]),
                    row(2, &[is("A2", "u2"), is("B2", "free")]),
                ],
            },
        ],
        ..Book::default()
    };
    let bytes = book.bytes();
    let v = validate(
        &bytes,
        "identify_plans.xlsx",
        r#"{"files":[{"match":"*","call":"identify","unmapped":"keep"}]}"#,
        5,
    );
    assert_eq!(v.sheet.as_deref(), Some("MEN'S & <co>"));
    assert_eq!(v.report.events, 1);
    assert!(
        v.samples[0].contains(r#""userId":"u1","traits":{"plan":"pro"}"#),
        "{}",
        v.samples[0]
    );
    let d = draft_workbook("identify_plans.xlsx", &bytes).expect("a draft");
    assert_eq!(
        show_draft(&d),
        r#"{
  "match": "identify_plans.xlsx",
  "call": "identify",
  "columns": {
    "userId": "userId",
    "plan": "traits.plan"
  }
}
Guess  | the workbook has 2 sheets ("MEN'S & <co>", "Other"): the draft read the first, "MEN'S & <co>", the one a run reads
"#
    );
}

/// A workbook renamed `.csv` is read as a workbook, said, and drafted under its name.
#[test]
fn a_zip_named_csv() {
    let book = Book::one(vec![
        row(1, &[is("A1", "userId"), is("B1", "email")]),
        row(2, &[is("A2", "u1"), is("B2", "a@example.com")]),
    ]);
    let bytes = book.bytes();
    assert!(csv2segment::is_workbook(&bytes));
    let v = validate(
        &bytes,
        "identify_users.csv",
        r#"{"files":[{"match":"*","call":"identify","unmapped":"keep"}]}"#,
        1,
    );
    assert_eq!(
        v.notes,
        ["identify_users.csv: this is an Excel workbook named .csv; it was read as a workbook"]
    );
    assert_eq!(v.report.events, 1);
    let d = draft_workbook("identify_users.csv", &bytes).expect("a draft");
    assert_eq!(
        d.rule,
        r#"{
  "match": "identify_users.csv",
  "call": "identify",
  "columns": {
    "userId": "userId",
    "email": "traits.email"
  }
}"#
    );
}

/// An empty sheet: nothing to send, said as for an empty CSV; the draft has no columns.
#[test]
fn an_empty_sheet() {
    let bytes = Book::one(Vec::new()).bytes();
    let v = validate(
        &bytes,
        "identify_none.xlsx",
        r#"{"files":[{"match":"*","call":"identify"}]}"#,
        1,
    );
    assert_eq!(
        (v.report.error.as_deref(), v.report.rows, v.report.events),
        (
            Some("the file is empty: its first row must be a header naming the columns, like userId,event,timestamp"),
            0,
            0
        )
    );
    let d = draft_workbook("identify_none.xlsx", &bytes).expect("a draft");
    assert_eq!(
        show_draft(&d),
        r#"{
  "match": "identify_none.xlsx",
  "call": "identify",
  "columns": {}
}
Blank columns | no column looks like a user id: give one column the target userId (or anonymousId); until then the file is refused
"#
    );
}

/// A sheet whose `<dimension>` says A1:B2 holds five rows to column C: the rows are read, not
/// the dimension; rows without `r` numbers follow the last.
#[test]
fn a_sheet_whose_dimension_lies() {
    let book = Book {
        sheets: vec![Sheet {
            name: "Data",
            dimension: Some("A1:B2"),
            rows: vec![
                row(1, &[is("A1", "userId"), is("B1", "plan"), is("C1", "seats")]),
                row(2, &[is("A2", "u1"), is("B2", "pro"), n("C2", "5", 0)]),
                row(3, &[is("A3", "u2"), is("B3", "free"), n("C3", "1", 0)]),
                r#"<row><c t="inlineStr"><is><t>u3</t></is></c><c t="inlineStr"><is><t>team</t></is></c><c><v>12</v></c></row>"#.to_string(),
                row(9, &[is("A9", "u9"), is("C9", "x")]),
            ],
        }],
        ..Book::default()
    };
    let v = validate(
        &book.bytes(),
        "identify_d.xlsx",
        r#"{"files":[{"match":"*","call":"identify","unmapped":"keep"}]}"#,
        4,
    );
    assert_eq!(v.report.error, None);
    assert_eq!((v.report.rows, v.report.events), (4, 4));
    let traits = before_context(&v.samples);
    assert_eq!(
        traits,
        [
            r#"{"type":"identify","userId":"u1","traits":{"plan":"pro","seats":5}"#,
            r#"{"type":"identify","userId":"u2","traits":{"plan":"free","seats":1}"#,
            r#"{"type":"identify","userId":"u3","traits":{"plan":"team","seats":12}"#,
            r#"{"type":"identify","userId":"u9","traits":{"seats":"x"}"#,
        ]
    );
}

/// Cells right of the header's last column (notes beside the table) are left out, counted and
/// placed by the first; the rows are sent with the cells the header names.
#[test]
fn cells_right_of_the_header() {
    let book = Book::one(vec![
        row(1, &[is("A1", "userId"), is("B1", "plan")]),
        row(
            2,
            &[is("A2", "u1"), is("B2", "pro"), is("E2", "checked by Ann")],
        ),
        row(3, &[is("A3", "u2"), is("B3", "free")]),
        row(
            4,
            &[
                is("A4", "u3"),
                is("B4", "team"),
                is("C4", "*"),
                f_num("F4", "SUM(1,2)", "3"),
            ],
        ),
    ]);
    let v = validate(
        &book.bytes(),
        "identify_n.xlsx",
        r#"{"files":[{"match":"*","call":"identify","unmapped":"keep"}]}"#,
        3,
    );
    assert_eq!(
        (v.report.rows, v.report.events, v.report.rejected),
        (3, 3, 0)
    );
    assert_eq!(v.cells_past_header, 3);
    assert_eq!(
        v.notes,
        [
            r#"3 cells right of the header's last column (the first at E2) were left out: the header names no column there; name the column in the header row, or in the mapping's "header", to send them"#
        ]
    );
    assert!(
        v.samples[2].starts_with(r#"{"type":"identify","userId":"u3","traits":{"plan":"team"},"#),
        "{}",
        v.samples[2]
    );
    // A sheet with no header row, its columns named by the mapping's header: a third name
    // reads column C; E2 and F4 are still past it.
    let headless = Book::one(book.sheets[0].rows[1..].to_vec());
    let named = validate(
        &headless.bytes(),
        "identify_n.xlsx",
        r#"{"files":[{"match":"*","call":"identify","header":["userId","plan","flag"],"unmapped":"keep"}]}"#,
        3,
    );
    assert_eq!((named.report.events, named.cells_past_header), (3, 2));
    assert!(
        named.samples[2].starts_with(
            r#"{"type":"identify","userId":"u3","traits":{"plan":"team","flag":"*"},"#
        ),
        "{}",
        named.samples[2]
    );
}

/// The draft reads a sheet's first 64 KB of cell text, as a CSV's first 64 KB: a text cell far
/// down a column of numbers is not seen (the column is drafted as numbers), one near the top is
/// (the column mixes numbers and text: `:string`).
#[test]
fn the_draft_reads_the_sheets_first_rows_only() {
    let sheet = |text_at: u32| {
        let mut rows = vec![row(
            1,
            &[is("A1", "userId"), is("B1", "size"), is("C1", "note")],
        )];
        for r in 2..=5000u32 {
            let size = if r == text_at {
                is(&format!("B{r}"), "M")
            } else {
                n(&format!("B{r}"), "31", 0)
            };
            rows.push(row(
                r,
                &[
                    is(&format!("A{r}"), &format!("user-{r:05}")),
                    size,
                    is(&format!("C{r}"), "twenty bytes of text"),
                ],
            ));
        }
        Book::one(rows).bytes()
    };
    let size = |d: &Draft| {
        let rule: serde_json::Value = serde_json::from_str(&d.rule).expect("JSON");
        rule["columns"]["size"].clone()
    };
    // About 37 bytes of text a row: row 10 is in the first 64 KB, row 4000 is not.
    let near = draft_workbook("identify_sizes.xlsx", &sheet(10)).expect("a draft");
    assert_eq!(size(&near), "traits.size:string");
    let far = draft_workbook("identify_sizes.xlsx", &sheet(4000)).expect("a draft");
    assert_eq!(size(&far), "traits.size");
}

/// A date column with other cells among its dates: numbers (a date typed without a date
/// format) or text (`n/a`). Each cell is sent as it holds it, and the draft gives the column no
/// type (a timestamp type would reject the rows of the others), saying why.
#[test]
fn dates_mixed_with_numbers_or_text() {
    let book = Book::one(vec![
        row(
            1,
            &[is("A1", "userId"), is("B1", "Hired"), is("C1", "Left")],
        ),
        row(
            2,
            &[is("A2", "u1"), n("B2", "42016", 1), n("C2", "42300", 1)],
        ),
        row(3, &[is("A3", "u2"), n("B3", "39690", 0), is("C3", "n/a")]),
    ]);
    let bytes = book.bytes();
    let d = draft_workbook("identify_staff.xlsx", &bytes).expect("a draft");
    assert_eq!(
        show_draft(&d),
        r#"{
  "match": "identify_staff.xlsx",
  "call": "identify",
  "columns": {
    "userId": "userId",
    "Hired": "traits.hired",
    "Left": "traits.left"
  }
}
Guess columns["Hired"] | 'Hired' holds 1 date cell(s) and 1 cell(s) that are not dates (like '39690'): each is sent as its cell holds it, the dates as ISO-8601 and the numbers as numbers; if the numbers are dates too (a number is a date's serial when its cell has no date format), give their cells a date format in the workbook
Guess columns["Left"] | 'Left' holds 1 date cell(s) and 1 text cell(s) (like 'n/a'): each is sent as its cell holds it, the dates as ISO-8601 and the text as it is; it has no type, since a timestamp type would reject the rows of the text cells
"#
    );
    let mapping = format!(r#"{{"files":[{}]}}"#, d.rule);
    let v = validate(&bytes, "identify_staff.xlsx", &mapping, 2);
    let traits = before_context(&v.samples);
    assert_eq!(
        traits,
        [
            r#"{"type":"identify","userId":"u1","traits":{"hired":"2015-01-12T00:00:00.000Z","left":"2015-10-23T00:00:00.000Z"}"#,
            r#"{"type":"identify","userId":"u2","traits":{"hired":39690,"left":"n/a"}"#,
        ]
    );
}

/// A damaged workbook is no draft: the reader's error, which says what to do.
#[test]
fn a_damaged_workbook_is_not_drafted() {
    let mut bytes = Book::one(vec![row(1, &[is("A1", "userId")])]).bytes();
    let len = bytes.len();
    bytes.truncate(len - 10);
    let e = draft_workbook("identify_x.xlsx", &bytes).expect_err("no draft");
    assert_eq!(
        e.to_string(),
        "the workbook cannot be read: its end of central directory record is missing; open it in Excel and save it again"
    );
}
