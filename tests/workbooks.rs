//! Excel workbooks read directly (`validate_workbook`) and drafted from (`draft_workbook`):
//! the real workbooks of ../shared/workbooks (read from there, never copied), with exact
//! payloads; each drafted, its blanks filled as its SOURCES.md describes, and previewed.

mod common;

use common::{shared_workbook, show_draft};
use csv2segment::{draft_workbook, validate_workbook, Draft, Options, WorkbookValidation};
use serde_json::{json, Value};

fn run(file: &str, key: &str, mapping: Option<&str>, samples: usize) -> WorkbookValidation {
    let options = Options {
        sample_payloads: samples,
        mapping: mapping.map(String::from),
        ..Options::default()
    };
    validate_workbook(&shared_workbook(file), key, "test", options)
}

fn drafted(file: &str) -> Draft {
    draft_workbook(file, &shared_workbook(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The drafted rule, edited by `edit` as a person fills its blanks, run over the workbook.
fn preview(file: &str, d: &Draft, samples: usize, edit: impl Fn(&mut Value)) -> WorkbookValidation {
    let mut rule: Value = serde_json::from_str(&d.rule).expect("the rule is JSON");
    edit(&mut rule);
    let mapping = json!({ "files": [rule] }).to_string();
    run(file, file, Some(&mapping), samples)
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
    assert!(csv2segment::is_workbook(&shared_workbook("MOCK_DATA.xlsx")));
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
    let mut bytes = shared_workbook("MOCK_DATA.xlsx");
    let len = bytes.len();
    bytes.truncate(len - 30);
    let v = validate_workbook(&bytes, "identify_mock.xlsx", "test", Options::default());
    assert_eq!(
        v.report.error.as_deref(),
        Some("the workbook cannot be read: its end of central directory record is missing; open it in Excel and save it again")
    );
    assert_eq!(v.report.events, 0);
}

/// A real workbook drafted, its blanks filled as its SOURCES.md describes, and previewed: the
/// facts it gives.
struct Drafted {
    /// The workbook in ../shared/workbooks.
    file: &'static str,
    /// The draft: its rule, then a line per note (as [`show_draft`] writes them).
    draft: &'static str,
    /// The rule's blanks filled in, as a person does.
    fill: fn(&mut Value),
    /// The preview's rows, events and rejected rows; the preview never stops the file.
    counts: (u64, u64, u64),
    /// The first rejection's message, for a workbook with rows rejected.
    first_rejection: Option<&'static str>,
    /// The preview's first payloads, exactly (as many as are here are sampled).
    samples: &'static [&'static str],
}

/// Every real workbook drafted, one row each.
const DRAFTED: [Drafted; 8] = [
    // A charge-card statement: real dates (the timestamp, no format), TRUE/FALSE booleans, the
    // 18-digit Reference held as text drafted as a string (no `:number`); the event and the card
    // member as userId, the Reference as messageId, filled in as SOURCES.md says.
    Drafted {
        file: "CC_Summaries.xlsx",
        draft: r##"{
  "match": "CC_Summaries.xlsx",
  "call": "track",
  "columns": {
    "Date": "timestamp",
    "Receipt": null,
    "Credit": "properties.credit",
    "Description": "properties.description",
    "Card_Member": "properties.cardMember",
    "Account": "properties.account",
    "Amount": "properties.amount",
    "Receipt_URL": null,
    "Extended_Details": "properties.extendedDetails",
    "Doing_Business_As": "properties.doingBusinessAs",
    "Parent_Company": null,
    "Street_Address": "properties.streetAddress",
    "City_State_Zip": "properties.cityStateZip",
    "Reference": "properties.reference",
    "Category": "properties.category"
  },
  "set": {
    "event": "<fill in: the event name every row is, like Order Completed>"
  }
}
Guess call | the file name has no prefix such as track_: the rows are drafted as track calls (a date and an amount); change "call" if they are not
Dropped columns["Receipt"] | 'Receipt' is empty in every sampled row: left out (null); give it a target if later rows fill it
Dropped columns["Receipt_URL"] | 'Receipt_URL' is empty in every sampled row: left out (null); give it a target if later rows fill it
Dropped columns["Parent_Company"] | 'Parent_Company' is empty in every sampled row: left out (null); give it a target if later rows fill it
Blank set["event"] | no column names the event: write the event every row of this file is (like "Order Completed") in "set": {"event": …}; until then the mapping is refused
Blank columns | no column looks like a user id: give one column the target userId (or anonymousId); until then the file is refused
"##,
        fill: |r| {
            r["set"]["event"] = json!("Card Transaction");
            r["columns"]["Card_Member"] = json!("userId");
            r["columns"]["Reference"] = json!("messageId");
        },
        counts: (208, 208, 0),
        first_rejection: None,
        samples: &[
            r##"{"type":"track","userId":"Howard Washington","event":"Card Transaction","properties":{"credit":true,"description":"AUTOPAY PAYMENT RECEIVED - THANK YOU","account":"XXXX-XXXXXX-43003","amount":-1745.53,"extendedDetails":" TD BANK, NATIONAL ASSOCIATION \n "},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2015-01-12T00:00:00.000Z","messageId":"320150120569599421"}"##,
            r##"{"type":"track","userId":"Howard Washington","event":"Card Transaction","properties":{"credit":false,"description":"MYPIZZA.COM*MYPIZZA STATEN ISLA NY","account":"XXXX-XXXXXX-43003","amount":382.06,"extendedDetails":" Additional Information: 888-974-9928 \n  Description \n  MYPIZZA COM \n ","doingBusinessAs":"MYPIZZA.COM - E COMMERCE","streetAddress":"97 NEW DORP PLZ N\nSTATEN ISLAND\nNY","cityStateZip":"10306-2903\nUNITED STATES OF AMERICA (THE)","category":"Restaurant-Bar & Café"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2015-01-17T00:00:00.000Z","messageId":"320150170634561830"}"##,
            r##"{"type":"track","userId":"Nyssa O'Neil","event":"Card Transaction","properties":{"credit":false,"description":"AMTRAK TELEPHONE SALWASHINGTON DC","account":"XXXX-XXXXXX-41122","amount":4011,"extendedDetails":" Additional Information: Ticket Number: 0201083059570 \n  1 (800) 872-7245 \n ","doingBusinessAs":"AMTRAK TELEPHONE SALE","streetAddress":"60 MASSACHUSETTS AVE NE\nWASHINGTON\nDC","cityStateZip":"20002\nUNITED STATES OF AMERICA (THE)","category":"Transportation-Rail Services"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2015-01-20T00:00:00.000Z","messageId":"320150210698966825"}"##,
        ],
    },
    // An HR export (Excel Online): identify by EEID, Hire Date and Exit Date as date cells (no
    // format), Exit Date's empty-string cells left out; the draft runs as it is.
    Drafted {
        file: "Employee Sample Data.xlsx",
        draft: r##"{
  "match": "Employee Sample Data.xlsx",
  "call": "identify",
  "columns": {
    "EEID": "userId",
    "Full Name": "traits.fullName",
    "Job Title": "traits.title",
    "Department": "traits.department",
    "Business Unit": "traits.businessUnit",
    "Gender": "traits.gender",
    "Ethnicity": "traits.ethnicity",
    "Age": "traits.age",
    "Hire Date": "traits.hireDate:timestamp",
    "Annual Salary": "traits.annualSalary",
    "Bonus %": "traits.bonus",
    "Country": "traits.country",
    "City": "traits.city",
    "Exit Date": "traits.exitDate:timestamp"
  }
}
Guess call | the file name has no prefix such as track_: the rows are drafted as identify calls (the file name says employee); change "call" if they are not
"##,
        fill: |_r| {},
        counts: (1000, 1000, 0),
        first_rejection: None,
        samples: &[
            r##"{"type":"identify","userId":"E02387","traits":{"fullName":"Emily Davis","title":"Sr. Manger","department":"IT","businessUnit":"Research & Development","gender":"Female","ethnicity":"Black","age":55,"hireDate":"2016-04-08T00:00:00.000Z","annualSalary":141604,"bonus":0.15,"country":"United States","city":"Seattle","exitDate":"2021-10-16T00:00:00.000Z"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"3307419d-0555-88ab-b446-bac9ca41595f"}"##,
            r##"{"type":"identify","userId":"E04105","traits":{"fullName":"Theodore Dinh","title":"Technical Architect","department":"IT","businessUnit":"Manufacturing","gender":"Male","ethnicity":"Asian","age":59,"hireDate":"1997-11-29T00:00:00.000Z","annualSalary":99975,"bonus":0,"country":"China","city":"Chongqing"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"e15461a5-24b4-8b68-938d-c596df6adc38"}"##,
            r##"{"type":"identify","userId":"E02572","traits":{"fullName":"Luna Sanders","title":"Director","department":"Finance","businessUnit":"Speciality Products","gender":"Female","ethnicity":"Caucasian","age":50,"hireDate":"2006-10-26T00:00:00.000Z","annualSalary":163099,"bonus":0.2,"country":"United States","city":"Chicago"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"da04573a-6169-8516-9e2a-690e5f9c08e5"}"##,
        ],
    },
    // Mockaroo's inline strings: identify by id, the IP addresses to context.ip (their dots made
    // the sample look like decimal commas before); the draft runs as it is.
    Drafted {
        file: "MOCK_DATA.xlsx",
        draft: r##"{
  "match": "MOCK_DATA.xlsx",
  "call": "identify",
  "columns": {
    "id": "userId",
    "first_name": "traits.firstName",
    "last_name": "traits.lastName",
    "email": "traits.email",
    "gender": "traits.gender",
    "ip_address": "context.ip"
  }
}
Guess call | the file name has no prefix such as track_: the rows are drafted as identify calls (an email column and names, or no amount); change "call" if they are not
Guess columns["id"] | no column is named like a user id: 'id' is taken as the userId; if it is not the id your other tools know the person by, map that column to userId (an email column can be the userId)
"##,
        fill: |_r| {},
        counts: (1000, 1000, 0),
        first_rejection: None,
        samples: &[
            r##"{"type":"identify","userId":"1","traits":{"firstName":"Lettie","lastName":"Bourdon","email":"lbourdon0@twitter.com","gender":"Female"},"context":{"ip":"67.171.137.94","library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"609d3d94-a57d-80f8-9d2b-9587b052fc84"}"##,
            r##"{"type":"identify","userId":"2","traits":{"firstName":"Shelli","lastName":"McGann","email":"smcgann1@geocities.com","gender":"Female"},"context":{"ip":"200.6.189.201","library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"41f32c21-decf-8b2d-b453-9b52e8168b0d"}"##,
        ],
    },
    // A hand-kept roster: the title row above the header skipped, the repeated Certification
    // left out, Hire Date's bare serials beside its dates said, Yes/No as booleans; no id column,
    // so an anonymousId is set, as SOURCES.md allows.
    Drafted {
        file: "dirty_data.xlsx",
        draft: r##"{
  "match": "dirty_data.xlsx",
  "call": "identify",
  "skip": 1,
  "columns": {
    "First Name": "traits.firstName",
    "Last Name": "traits.lastName",
    "Employee Status": "traits.employeeStatus",
    "Subject": "traits.subject",
    "Hire Date": "traits.hireDate",
    "% Allocated": "traits.allocated",
    "Full time?": "traits.fullTime:boolean",
    "do not edit! --->": null,
    "Certification": null,
    "Active?": "traits.active:boolean"
  }
}
Guess skip | the first 1 rows (a title or a key-value block) come before the header row: "skip" leaves them unread; if the header is another row, change "skip"
Guess call | the file name has no prefix such as track_: the rows are drafted as identify calls (columns name a person, and no date or amount); change "call" if they are not
Guess columns["Hire Date"] | 'Hire Date' holds 4 date cell(s) and 8 cell(s) that are not dates (like '39690'): each is sent as its cell holds it, the dates as ISO-8601 and the numbers as numbers; if the numbers are dates too (a number is a date's serial when its cell has no date format), give their cells a date format in the workbook
Dropped columns["do not edit! --->"] | 'do not edit! --->' is empty in every sampled row: left out (null); give it a target if later rows fill it
Dropped columns["Certification"] | two columns are named 'Certification': both are left out; give one of them another name in the file to send it
Blank columns | no column looks like a user id: give one column the target userId (or anonymousId); until then the file is refused
"##,
        fill: |r| {
            r["set"] = json!({"anonymousId": "roster"});
        },
        counts: (12, 12, 0),
        first_rejection: None,
        samples: &[
            r##"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Jason","lastName":"Bourne","employeeStatus":"Teacher","subject":"PE","hireDate":39690,"allocated":0.75,"fullTime":true,"active":true},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"ce7f218c-6609-892b-971e-df02d5960f4a"}"##,
            r##"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Jason","lastName":"Bourne","employeeStatus":"Teacher","subject":"Drafting","hireDate":"2019-01-14T00:00:00.000Z","allocated":0.25,"fullTime":true,"active":true},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"e1de4cd4-22d8-8e7a-9675-f370a7b0c49c"}"##,
            r##"{"type":"identify","anonymousId":"roster","traits":{"firstName":"Alicia","lastName":"Keys","employeeStatus":"Teacher","subject":"Music","hireDate":"2001-08-15T00:00:00.000Z","allocated":1,"fullTime":true,"active":true},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"f8217275-00f8-8979-b364-68c2de29a6f9"}"##,
        ],
    },
    // A 1904-date-system line sheet of two sheets: the first drafted and said, Arrival Date the
    // timestamp (2019-10-24, not 1900's 2015-10-23), Color Code and SIZE mixing numbers and text
    // drafted :string; the event and a constant anonymousId filled in; the `*` in I14 left out.
    Drafted {
        file: "mens_line_sheet_1904.xlsx",
        draft: r##"{
  "match": "mens_line_sheet_*.xlsx",
  "call": "track",
  "columns": {
    "LINE": "properties.line",
    "IMAGE": null,
    "COLOR": "properties.color",
    "STYLE": "properties.style",
    "STYLE NUMBER": "properties.styleNumber",
    "Color Code": "properties.colorCode:string",
    "SIZE": "properties.size:string",
    "Arrival Date": "timestamp"
  },
  "set": {
    "event": "<fill in: the event name every row is, like Order Completed>"
  }
}
Guess  | the workbook has 2 sheets ("MEN'S", "Sheet2"): the draft read the first, "MEN'S", the one a run reads
Guess call | the file name has no prefix such as track_: the rows are drafted as track calls (no email column); change "call" if they are not
Dropped columns["IMAGE"] | 'IMAGE' is empty in every sampled row: left out (null); give it a target if later rows fill it
Guess columns["Color Code"] | 'Color Code' holds 36 number cell(s) and 6 text cell(s) (like '204'): drafted as :string, so every value is sent as a string, as one property should be; remove ":string" to send each as its cell holds it
Guess columns["SIZE"] | 'SIZE' holds 20 number cell(s) and 23 text cell(s) (like 'M'): drafted as :string, so every value is sent as a string, as one property should be; remove ":string" to send each as its cell holds it
Blank set["event"] | no column names the event: write the event every row of this file is (like "Order Completed") in "set": {"event": …}; until then the mapping is refused
Blank columns | no column looks like a user id: give one column the target userId (or anonymousId); until then the file is refused
"##,
        fill: |r| {
            r["set"] = json!({"event": "Product Arrived", "anonymousId": "catalog"});
        },
        counts: (43, 43, 0),
        first_rejection: None,
        samples: &[
            r##"{"type":"track","anonymousId":"catalog","event":"Product Arrived","properties":{"line":"CLOSED","color":"WHITE","style":"ARCHIVE '85 TEE","styleNumber":"044-448-PR","colorCode":"204","size":"M"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2019-10-24T00:00:00.000Z","messageId":"0e31efa1-135f-8c52-9b5b-617cfaba984d"}"##,
            r##"{"type":"track","anonymousId":"catalog","event":"Product Arrived","properties":{"line":"CLOSED","color":"NAVY STRIPE","style":"MEN'S TOP","styleNumber":"016-474-ST","colorCode":"591","size":"M"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2019-10-24T00:00:00.000Z","messageId":"392f4ce2-09d8-890c-ab9b-147da4cb978a"}"##,
            r##"{"type":"track","anonymousId":"catalog","event":"Product Arrived","properties":{"line":"CLOSED","color":"DARK BLUE","style":"DECK","styleNumber":"4313-53V-01","colorCode":"542","size":"31"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2019-10-24T00:00:00.000Z","messageId":"450284c6-7d17-8dcb-8104-de9a89ef0857"}"##,
        ],
    },
    // A French bank statement, all text: the key-value block above the header skipped, Date read
    // day first (%d/%m/%y) from the decimal commas, Debit and Credit `:number` with `decimal`;
    // the footer row rejected by its date. The account number of the block as userId, the
    // operation number as messageId, filled in.
    Drafted {
        file: "meta_data_separated_credit_debit.xlsx",
        draft: r##"{
  "match": "meta_data_separated_credit_debit.xlsx",
  "call": "track",
  "decimal": ",",
  "skip": 3,
  "columns": {
    "Date": {
      "to": "timestamp",
      "format": "%d/%m/%y"
    },
    "Operation Number": "properties.operationNumber",
    "Label": "properties.label",
    "Debit": "properties.debit:number",
    "Credit": "properties.credit:number",
    "Detail": "properties.detail"
  },
  "set": {
    "event": "<fill in: the event name every row is, like Order Completed>"
  }
}
Guess skip | the first 3 rows (a title or a key-value block) come before the header row: "skip" leaves them unread; if the header is another row, change "skip"
Guess call | the file name has no prefix such as track_: the rows are drafted as track calls (a date and an amount); change "call" if they are not
Guess columns["Date"].format | 'Date': no sampled date has a day over 12; read as %d/%m/%y, day first, since the file looks European (decimal commas); if the file is %m/%d/%y, change "format"
Blank set["event"] | no column names the event: write the event every row of this file is (like "Order Completed") in "set": {"event": …}; until then the mapping is refused
Blank columns | no column looks like a user id: give one column the target userId (or anonymousId); until then the file is refused
"##,
        fill: |r| {
            r["set"] = json!({"event": "Bank Transaction", "userId": "08088804068"});
            r["columns"]["Operation Number"] = json!("messageId");
        },
        counts: (5, 4, 1),
        first_rejection: Some(
            r##"line 10, column 1 (Date): cannot read 'Balance at start of period' as a date in the mapping's format %d/%m/%y; fix the cell or the format"##,
        ),
        samples: &[
            r##"{"type":"track","userId":"08088804068","event":"Bank Transaction","properties":{"label":"LABEL 1","debit":-50,"detail":"DETAILS 1"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2020-04-01T00:00:00.000Z","messageId":"UNIQUE OP 1"}"##,
            r##"{"type":"track","userId":"08088804068","event":"Bank Transaction","properties":{"label":"LABEL 2","debit":-100,"detail":"CLIENTS X"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2020-04-01T00:00:00.000Z","messageId":"UNIQUE OP 2"}"##,
            r##"{"type":"track","userId":"08088804068","event":"Bank Transaction","properties":{"label":"LABEL 3","debit":-80.68,"detail":"DETAILS 2"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2020-04-02T00:00:00.000Z","messageId":"UNIQUE OP 3"}"##,
            r##"{"type":"track","userId":"08088804068","event":"Bank Transaction","properties":{"label":"LABEL 4","credit":1300,"detail":"DETAILS 3"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2020-04-02T00:00:00.000Z","messageId":"UNIQUE OP 4"}"##,
        ],
    },
    // QuickBooks' Sales by Customer Detail: three title rows skipped, track calls (sales, by
    // customer), the event from Transaction type, the text dates by %m/%d/%Y, Num kept text; the
    // 70 lines sent, the customer, total, grand-total and footer rows rejected as having no event.
    // The customer sits on its group row only, so a constant userId is set.
    Drafted {
        file: "qbo_sales_by_customer_detail.xlsx",
        draft: r##"{
  "match": "qbo_sales_by_customer_detail.xlsx",
  "call": "track",
  "skip": 3,
  "columns": {
    "": null,
    "Transaction date": {
      "to": "timestamp",
      "format": "%m/%d/%Y"
    },
    "Transaction type": "event",
    "Num": "properties.num",
    "Product/Service full name": "properties.productServiceFullName",
    "Description": "properties.description",
    "Quantity": "properties.quantity",
    "Sales price": "properties.salesPrice",
    "Amount": "properties.amount",
    "Balance": "properties.balance"
  }
}
Guess skip | the first 3 rows (a title or a key-value block) come before the header row: "skip" leaves them unread; if the header is another row, change "skip"
Guess call | the file name has no prefix such as track_: the rows are drafted as track calls (a column names the event); change "call" if they are not
Dropped columns[""] | column 1 has no name in the header: left out (null), with any other column without one; name it in the file to send it
Guess columns["Transaction date"].format | 'Transaction date': dates read as %m/%d/%Y in UTC, since they carry no time zone; add "timezone" (like "+01:00") if they are local times
Blank columns | no column looks like a user id: give one column the target userId (or anonymousId); until then the file is refused
"##,
        fill: |r| {
            r["set"] = json!({"userId": "tims-landscaping"});
        },
        counts: (122, 70, 52),
        first_rejection: Some(
            r##"line 6, column 3 (Transaction type): event is empty; every track call needs one"##,
        ),
        samples: &[
            r##"{"type":"track","userId":"tims-landscaping","event":"Invoice","properties":{"num":"1025","productServiceFullName":"Gardening","description":"Weekly Gardening Service","quantity":4,"salesPrice":30,"amount":120,"balance":120},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2026-04-11T00:00:00.000Z","messageId":"bcb1cb3b-a5cd-8256-82d6-34905cfe948c"}"##,
            r##"{"type":"track","userId":"tims-landscaping","event":"Invoice","properties":{"num":"1025","productServiceFullName":"Pest Control","description":"Pest Control Services","quantity":1,"salesPrice":35,"amount":35,"balance":155},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2026-04-11T00:00:00.000Z","messageId":"d5dc77cb-51fa-89fa-b8f9-5110a07bd149"}"##,
            r##"{"type":"track","userId":"tims-landscaping","event":"Invoice","properties":{"num":"1025","productServiceFullName":"Maintenance & Repair","description":"Maintenance & Repair","quantity":1,"salesPrice":50,"amount":50,"balance":205},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2026-04-11T00:00:00.000Z","messageId":"3051b7dc-89d0-856a-96be-c8434d7528c5"}"##,
        ],
    },
    // An importer's type fixture: 17- and 18-digit text ids stay strings, formulas by their
    // cached value, date1 (a date cell with a time) the timestamp, a text date by its format.
    Drafted {
        file: "test_excel_types.xlsx",
        draft: r##"{
  "match": "test_excel_types.xlsx",
  "call": "track",
  "columns": {
    "int1": "properties.int1",
    "int2": "properties.int2",
    "textint": "properties.textint",
    "bigint": "properties.bigint",
    "num2": "properties.num2",
    "bignum": "properties.bignum",
    "date1": "timestamp",
    "date2": "properties.date2:timestamp",
    "datetext": {
      "to": "properties.datetext",
      "type": "timestamp",
      "format": "%m/%d/%Y"
    },
    "datetimetext": "properties.datetimetext"
  },
  "set": {
    "event": "<fill in: the event name every row is, like Order Completed>"
  }
}
Guess  | the workbook has 2 sheets ("Sheet1", "Sheet2"): the draft read the first, "Sheet1", the one a run reads
Guess call | the file name has no prefix such as track_: the rows are drafted as track calls (no email column); change "call" if they are not
Guess columns["datetext"].format | 'datetext': dates read as %m/%d/%Y in UTC, since they carry no time zone; add "timezone" (like "+01:00") if they are local times
Blank set["event"] | no column names the event: write the event every row of this file is (like "Order Completed") in "set": {"event": …}; until then the mapping is refused
Blank columns | no column looks like a user id: give one column the target userId (or anonymousId); until then the file is refused
"##,
        fill: |r| {
            r["set"] = json!({"event": "Typed", "userId": "u"});
        },
        counts: (3, 3, 0),
        first_rejection: None,
        samples: &[
            r##"{"type":"track","userId":"u","event":"Typed","properties":{"int1":-1234123,"int2":5,"textint":"12345678902345689","bigint":"320150170634561830","num2":123456789.123456,"bignum":7.225973768125749e+86,"date2":"2015-12-20T00:00:00.000Z","datetext":"2015-12-22T00:00:00.000Z","datetimetext":"12/22/2015"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"timestamp":"2015-12-22T11:59:00.000Z","messageId":"7cf4d89f-f31a-8033-815f-058bf83a9472"}"##,
            r##"{"type":"track","userId":"u","event":"Typed","properties":{"datetimetext":"12/22/2015 1:15pm"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"11deb266-a42d-8b54-9012-6109741f2b53"}"##,
            r##"{"type":"track","userId":"u","event":"Typed","properties":{"datetimetext":"2018-02-27 16:08:39 +0000"},"context":{"library":{"name":"csv2segment","version":"0.1.0"}},"messageId":"4dfdd696-6655-8665-bd2d-7d1249bbd1aa"}"##,
        ],
    },
];

/// One workbook's draft, filled in and previewed, against its row of [`DRAFTED`].
fn check(w: &Drafted) {
    let d = drafted(w.file);
    assert_eq!(show_draft(&d), w.draft, "{}: the draft", w.file);
    let v = preview(w.file, &d, w.samples.len(), w.fill);
    assert_eq!(v.report.error, None, "{}", w.file);
    assert_eq!(
        (v.report.rows, v.report.events, v.report.rejected),
        w.counts,
        "{}: rows, events, rejected",
        w.file
    );
    if let Some(first) = w.first_rejection {
        assert_eq!(v.report.rejections[0].to_string(), first, "{}", w.file);
    }
    assert_eq!(v.samples, w.samples, "{}: the samples", w.file);
}

/// Each real workbook drafted, its blanks filled and previewed, gives its row's facts. Every
/// row is checked; the workbooks that did not are named at the end.
#[test]
fn drafts_each_real_workbook() {
    let failed: Vec<&str> = DRAFTED
        .iter()
        .filter(|w| std::panic::catch_unwind(|| check(w)).is_err())
        .map(|w| w.file)
        .collect();
    assert!(
        failed.is_empty(),
        "drafts that did not give their facts: {failed:?}"
    );
}
