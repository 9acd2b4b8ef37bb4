//! Excel workbooks read directly (`validate_workbook`): the real workbooks of
//! ../shared/workbooks (read from there, never copied), with exact payloads.

use csv2segment::{validate_workbook, Options, WorkbookValidation};

fn shared(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/workbooks")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(file: &str, key: &str, mapping: Option<&str>, samples: usize) -> WorkbookValidation {
    let options = Options {
        sample_payloads: samples,
        mapping: mapping.map(String::from),
        ..Options::default()
    };
    validate_workbook(&shared(file), key, "test", options)
}

const MOCK: &str = r#"{"files":[{"match":"*","call":"identify","columns":{"id":"userId","first_name":"traits.firstName","last_name":"traits.lastName","email":"traits.email","gender":"traits.gender","ip_address":"context.ip"}}]}"#;

/// Inline strings only (no shared strings part), 1000 rows; a number id becomes userId "1".
#[test]
fn mock_data_inline_strings() {
    let v = run("MOCK_DATA.xlsx", "identify_mock.xlsx", Some(MOCK), 2);
    assert_eq!(v.report.error, None);
    assert_eq!(
        (v.report.rows, v.report.events, v.report.rejected),
        (1000, 1000, 0)
    );
    assert_eq!(v.sheet.as_deref(), Some("data"));
    assert!(v.notes.is_empty(), "{:?}", v.notes);
    assert_eq!(
        v.samples,
        [
            r#"{"type":"identify","userId":"1","traits":{"firstName":"Lettie","lastName":"Bourdon","email":"lbourdon0@twitter.com","gender":"Female"},"context":{"ip":"67.171.137.94","library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"98cab1dd-e9c3-8333-95bd-970d82a7088e"}"#,
            r#"{"type":"identify","userId":"2","traits":{"firstName":"Shelli","lastName":"McGann","email":"smcgann1@geocities.com","gender":"Female"},"context":{"ip":"200.6.189.201","library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"c3a4fbad-7f9a-8584-a323-26ef563d8b02"}"#,
        ]
    );
    // No mapping: the file name makes the call and the header names the fields.
    let plain = run("MOCK_DATA.xlsx", "identify_mock.xlsx", None, 0);
    assert_eq!(
        plain.report.error.as_deref(),
        Some("identify_mock.xlsx: the header has 1 problem, so nothing was sent\n  missing column userId: identify calls need a userId or anonymousId column; add it to the header")
    );
}

/// An .xlsx renamed .csv is read as a workbook, and said so.
#[test]
fn a_workbook_named_csv() {
    assert!(csv2segment::is_workbook(&shared("MOCK_DATA.xlsx")));
    assert!(!csv2segment::is_workbook(b"userId,event\n"));
    let v = run("MOCK_DATA.xlsx", "identify_mock.csv", Some(MOCK), 1);
    assert_eq!(v.report.events, 1000);
    assert_eq!(
        v.notes,
        ["identify_mock.csv: this is an Excel workbook named .csv; it was read as a workbook"]
    );
    // The same rows and messageIds as under its own name.
    let named = run("MOCK_DATA.xlsx", "identify_mock.xlsx", Some(MOCK), 1);
    assert_eq!(v.samples, named.samples);
}

/// Real dates (yyyy-mm-dd), TRUE/FALSE booleans, 18-digit text ids kept as text (here the
/// messageId), empty-string cells left out, multi-line text as it is.
#[test]
fn cc_summaries_dates_booleans_text_ids() {
    let mapping = r#"{"files":[{"match":"*.xlsx","call":"track","columns":{"Date":"timestamp","Card_Member":"userId","Reference":"messageId","Credit":"properties.credit","Amount":"properties.amount","Doing_Business_As":"properties.merchant","Receipt":"properties.receipt","Extended_Details":"properties.details"},"set":{"event":"Card Transaction"},"unmapped":"drop"}]}"#;
    let v = run("CC_Summaries.xlsx", "cc.xlsx", Some(mapping), 3);
    assert_eq!(v.report.error, None);
    assert_eq!(
        (v.report.rows, v.report.events, v.report.rejected),
        (208, 208, 0)
    );
    assert_eq!(
        v.samples,
        [
            r#"{"type":"track","userId":"Howard Washington","event":"Card Transaction","properties":{"credit":true,"amount":-1745.53,"details":" TD BANK, NATIONAL ASSOCIATION \n "},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2015-01-12T00:00:00.000Z","messageId":"320150120569599421"}"#,
            r#"{"type":"track","userId":"Howard Washington","event":"Card Transaction","properties":{"credit":false,"amount":382.06,"details":" Additional Information: 888-974-9928 \n  Description \n  MYPIZZA COM \n ","merchant":"MYPIZZA.COM - E COMMERCE"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2015-01-17T00:00:00.000Z","messageId":"320150170634561830"}"#,
            r#"{"type":"track","userId":"Nyssa O'Neil","event":"Card Transaction","properties":{"credit":false,"amount":4011,"details":" Additional Information: Ticket Number: 0201083059570 \n  1 (800) 872-7245 \n ","merchant":"AMTRAK TELEPHONE SALE"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2015-01-20T00:00:00.000Z","messageId":"320150210698966825"}"#,
        ]
    );
}

/// The 1904 date system: H2 holds serial 42300, 2019-10-24 (2015-10-23 were it read as 1900);
/// text ids with a leading zero stay text, a column mixing numbers and text keeps each its type.
#[test]
fn mens_line_1904_dates() {
    let mapping = r#"{"files":[{"match":"*.xlsx","call":"track","set":{"event":"Product Arrived","anonymousId":"catalog"},"columns":{"Arrival Date":"timestamp","STYLE NUMBER":"properties.sku","STYLE":"properties.name","Color Code":"properties.colorCode","SIZE":"properties.size"},"unmapped":"drop"}]}"#;
    let v = run("mens_line_sheet_1904.xlsx", "men.xlsx", Some(mapping), 4);
    assert_eq!(v.sheet.as_deref(), Some("MEN'S"));
    assert_eq!(
        (v.report.rows, v.report.events, v.report.rejected),
        (43, 43, 0)
    );
    assert_eq!(
        v.samples,
        [
            r#"{"type":"track","anonymousId":"catalog","event":"Product Arrived","properties":{"name":"ARCHIVE '85 TEE","sku":"044-448-PR","colorCode":204,"size":"M"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2019-10-24T00:00:00.000Z","messageId":"ceffd308-8233-874d-8925-5bfad5a5d24e"}"#,
            r#"{"type":"track","anonymousId":"catalog","event":"Product Arrived","properties":{"name":"MEN'S TOP","sku":"016-474-ST","colorCode":591,"size":"M"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2019-10-24T00:00:00.000Z","messageId":"dbd03d5a-8974-841b-a7e2-b3ba4a7098ed"}"#,
            r#"{"type":"track","anonymousId":"catalog","event":"Product Arrived","properties":{"name":"DECK","sku":"4313-53V-01","colorCode":542,"size":31},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2019-10-24T00:00:00.000Z","messageId":"65fce823-4126-8c9e-8f3b-04ac3c6477ba"}"#,
            r#"{"type":"track","anonymousId":"catalog","event":"Product Arrived","properties":{"name":"SLIM SLEEVE SHIRT","sku":"4334-21Y-PR","colorCode":"PR","size":"M"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2019-10-24T00:00:00.000Z","messageId":"1a4788c7-f9d6-8347-98c7-05c942182ae5"}"#,
        ]
    );
    // The "*" in the unlabeled column I: a note beside the table, left out and said; its row
    // is sent with the cells the header names.
    assert_eq!(v.cells_past_header, 1);
    assert_eq!(
        v.notes,
        ["1 cell right of the header's last column (the first at I14) was left out: the header names no column there; name the column in the header row, or in the mapping's \"header\", to send it"]
    );
    let row_14 = run("mens_line_sheet_1904.xlsx", "men.xlsx", Some(mapping), 13);
    assert_eq!(
        row_14.samples[12],
        r#"{"type":"track","anonymousId":"catalog","event":"Product Arrived","properties":{"name":"FORMAL BOMBER","sku":"7216-69B-22","colorCode":591,"size":"M"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2019-10-24T00:00:00.000Z","messageId":"27f03895-f260-8a47-a4d5-e39bdfe74ad1"}"#
    );
}

/// Formulas by their cached value (ROUND, EXP(200) = 7.2e86), 17- and 18-digit text ids kept
/// as text, a 10-decimal number as stored, date formats with times and month names.
#[test]
fn excel_types() {
    let mapping = r#"{"files":[{"match":"*.xlsx","call":"track","set":{"event":"Typed","userId":"u"},"unmapped":"keep"}]}"#;
    let v = run("test_excel_types.xlsx", "types.xlsx", Some(mapping), 3);
    assert_eq!(v.sheet.as_deref(), Some("Sheet1"));
    assert_eq!(
        (v.report.rows, v.report.events, v.report.rejected),
        (3, 3, 0)
    );
    assert_eq!(
        v.samples,
        [
            r#"{"type":"track","userId":"u","event":"Typed","properties":{"int1":-1234123,"int2":5,"textint":"12345678902345689","bigint":"320150170634561830","num2":123456789.123456,"bignum":7.225973768125749e+86,"date1":"2015-12-22T11:59:00.000Z","date2":"2015-12-20T00:00:00.000Z","datetext":"12/22/2015","datetimetext":"12/22/2015"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"995b38eb-4c8c-8533-b097-b17d2e32e5b5"}"#,
            r#"{"type":"track","userId":"u","event":"Typed","properties":{"datetimetext":"12/22/2015 1:15pm"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"ba6f5a2b-6ea9-8dac-8576-9162e3be6bbd"}"#,
            r#"{"type":"track","userId":"u","event":"Typed","properties":{"datetimetext":"2018-02-27 16:08:39 +0000"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"bb9efd8e-79f0-83c3-9372-bd63f0dc4053"}"#,
        ]
    );
}

/// A title row passed over by skip; #N/A and #REF! cells read as empty and counted; a bare
/// serial in number format `0` stays a number, a `mm-dd-yy` date is a date; percent values as stored.
#[test]
fn dirty_data_errors_and_title_row() {
    let mapping = r#"{"files":[{"match":"*.xlsx","call":"identify","skip":1,"set":{"anonymousId":"roster"},"columns":{"First Name":"traits.firstName","Last Name":"traits.lastName","Subject":"traits.subject","Hire Date":"traits.hireDate","% Allocated":"traits.allocated","Full time?":"traits.fullTime"},"unmapped":"drop"}]}"#;
    let v = run("dirty_data.xlsx", "dirty.xlsx", Some(mapping), 12);
    assert_eq!(v.report.error, None);
    assert_eq!(
        (v.report.rows, v.report.events, v.report.rejected),
        (12, 12, 0)
    );
    assert_eq!(v.error_cells, 3);
    assert_eq!(
        v.notes,
        ["3 cells held an error (#N/A, #REF!, ...) and were read as empty"]
    );
    assert_eq!(
        v.samples,
        [
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Jason","lastName":"Bourne","subject":"PE","hireDate":39690,"allocated":0.75,"fullTime":"Yes"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"12da1767-cee4-8676-b852-09504a9a8a3d"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Jason","lastName":"Bourne","subject":"Drafting","hireDate":"2019-01-14T00:00:00.000Z","allocated":0.25,"fullTime":"Yes"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"c04b53af-4e4c-889f-80c1-a97656938821"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Alicia","lastName":"Keys","subject":"Music","hireDate":"2001-08-15T00:00:00.000Z","allocated":1,"fullTime":"Yes"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"43f9f913-0f2b-8fd2-8b2a-42ca15087645"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Ada","lastName":"Lovelace","hireDate":38572,"allocated":1,"fullTime":"Yes"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"49cacd8d-3a83-8c58-8596-75c1765c2dc8"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Desus","lastName":"Nice","subject":"Dean","hireDate":"2017-02-25T00:00:00.000Z","allocated":1,"fullTime":"Yes"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"8171e240-1657-8cb1-995d-dc558686b3b1"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Chien-Shiung","lastName":"Wu","subject":"Physics","hireDate":11037,"allocated":0.5,"fullTime":"Yes"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"a6fa5c31-7791-89c4-a96b-0a8ecbcb9951"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Chien-Shiung","lastName":"Wu","subject":"Chemistry","hireDate":11037,"allocated":0.5,"fullTime":"Yes"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"6f65818d-65a9-86c1-8fda-c78e416c06ce"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"James","lastName":"Joyce","subject":"English","hireDate":"1999-09-20T00:00:00.000Z","allocated":0.5,"fullTime":"No"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"541b1e1b-23a6-84bd-bba4-f015c5bf5f88"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Hedy","lastName":"Lamarr","subject":"Science","hireDate":27919,"allocated":0.5,"fullTime":"No"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"a5d5d635-0e54-89ef-9232-b56ef910da2e"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Carlos","lastName":"Boozer","subject":"Basketball","hireDate":42221,"fullTime":"No"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"8842e889-77f0-8abe-8ed1-6940c035241f"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Young","lastName":"Boozer","hireDate":34700,"fullTime":"No"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"6bb6da24-ceeb-8a9d-a305-687225e392f8"}"#,
            r#"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Micheal","lastName":"Larsen","subject":"English","hireDate":40071,"allocated":0.8,"fullTime":"No"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"398db760-8522-84f4-9ca4-0d30c29f57b5"}"#,
        ]
    );
}

/// A damaged zip is a workbook error that says what to do.
#[test]
fn a_damaged_workbook_is_refused() {
    let mut bytes = shared("MOCK_DATA.xlsx");
    let len = bytes.len();
    bytes.truncate(len - 30);
    let v = validate_workbook(&bytes, "identify_mock.xlsx", "test", Options::default());
    assert_eq!(
        v.report.error.as_deref(),
        Some("the workbook cannot be read: its end of central directory record is missing; open it in Excel and save it again")
    );
    assert_eq!(v.report.events, 0);
}
