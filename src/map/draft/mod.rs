//! Drafts a mapping rule from the first part of a file, so a person confirms or corrects a
//! mapping instead of writing one: the delimiter, the encoding, whether there is a header row,
//! the call, and per column a target, a type and a date format, with notes saying which of
//! these are guesses and what is left to fill in.
//!
//! It reads with the engine's own parts (the [`dialect`](super::dialect) guess, the decoder,
//! the record reader, the cell conversions, [`DateFormat`]), so what the draft finds is what a
//! run of the file reads; its output is the mapping's JSON, checked again by [`Mapping::parse`]
//! wherever it is used.
//!
//! A draft asks six questions in turn, one module each: [`sniff`] (how the file is written;
//! for a workbook's sheet, whose cells come typed, [`sheet`]: which row is the header),
//! [`profile`] (what each column holds), [`call`] (what a row is), [`identity`] (who a row is
//! about), [`when`] (which columns make one date together) and [`targets`] (where each column
//! goes), and of an orders export [`group`] (whether its rows are the line items of orders);
//! [`rule_out`] writes the answer as the mapping's JSON.

use serde::Serialize;

use super::mapping::glob_matches;
#[cfg(doc)]
use super::mapping::Mapping;
use crate::map::file_name::CallKind;
use crate::read::decode::Compressed;

mod call;
mod group;
/// The list the draft puts an order's items in: the vocabulary says it to editors.
pub(crate) use group::PRODUCTS as ITEMS_LIST;
mod identity;
mod profile;
mod rule_out;
mod sheet;
mod sniff;
mod taken;
mod targets;
mod vocabulary;
mod when;

use rule_out::Drafted;
pub(crate) use sheet::SheetSample;

/// How much of a file the draft reads: the first 64 KiB, cut at the last record boundary.
pub const DRAFT_SAMPLE_BYTES: usize = crate::base::limits::limit!(DRAFT_SAMPLE_BYTES);

/// What a note on a draft is: a guess, an ambiguous date order, a blank to fill, a dropped
/// column, damaged values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "DraftNoteKind")]
pub enum NoteKind {
    /// A decision the sample does not settle (the encoding, the call, a column's target).
    Guess,
    /// A date whose day and month order no sampled value decides.
    Ambiguous,
    /// Something a person must fill in before the mapping runs.
    Blank,
    /// A column left out: empty in every sampled row.
    Dropped,
    /// Values a program damaged before the export reached us (Excel's `1.23457E+15` ids, its
    /// `'02134` apostrophes): said, so the file can be exported again.
    Damaged,
}

/// One thing a person should look at in a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DraftNote {
    /// What kind of note.
    pub kind: NoteKind,
    /// Where in the rule, like `columns["Signup Date"].format`; "" for the rule as a whole.
    pub path: String,
    /// The column it is about, if one.
    pub column: Option<String>,
    /// The note, in plain words.
    pub message: String,
}

#[doc = concat!(" A mapping rule drafted from a file's first ", crate::base::limits::limit!(DRAFT_SAMPLE_BYTES), " bytes (DRAFT_SAMPLE_BYTES), and the notes on it.")]
// `R` is how the rule is handed over: the engine gives JSON text, pretty-printed with its keys
// in a reading order; the binding hands it to JavaScript parsed, in that order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Draft<R = String> {
    /// One entry of a mapping's `files`, keys in reading order.
    #[schemars(with = "super::mapping::shape::RuleShape")]
    pub rule: R,
    /// Guesses, ambiguities, blanks and dropped columns, in the order of the rule.
    pub notes: Vec<DraftNote>,
    /// Every column of the file, in file order, with its first non-empty sampled value.
    pub examples: Vec<ColumnExample>,
    /// The file's first records as the draft read them (its delimiter and encoding), none
    /// skipped: the rows the rule's `skip` passes over, the header row and the first rows of
    /// values, so an editor can show which rows `skip` leaves unread. At least
    /// [`sniff::FIRST_ROWS`] when the sample has them.
    pub first_rows: Vec<Vec<String>>,
}

/// A column of the drafted file and one of its values, for an editor to show next to the
/// column's target (and to read with its date format).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ColumnExample {
    /// The column's name (as in the rule's `columns`).
    pub column: String,
    /// Its first non-empty value in the sampled rows, trimmed; null when all were empty.
    pub value: Option<String>,
}

/// The notes of a draft, in the order the questions raise them.
pub(super) struct Notes(Vec<DraftNote>);

impl Notes {
    pub(super) fn note(
        &mut self,
        kind: NoteKind,
        path: String,
        column: Option<&str>,
        message: String,
    ) {
        self.0.push(DraftNote {
            kind,
            path,
            column: column.map(str::to_string),
            message,
        });
    }
}

/// Whether a rule's `match` fits the file `key` (its base name), as the engine picks it.
pub fn rule_matches(pattern: &str, key: &str) -> bool {
    let name = key.rsplit(['/', '\\']).next().unwrap_or(key);
    glob_matches(pattern, name)
}

/// Drafts a rule for the file `name` from `head` (see [`crate::draft`], which gives its
/// failure the crate's [`crate::Error`]).
pub(crate) fn draft(name: &str, head: &[u8], whole: bool) -> Result<Draft, Compressed> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (head, whole) = if head.len() > DRAFT_SAMPLE_BYTES {
        (&head[..DRAFT_SAMPLE_BYTES], false)
    } else {
        (head, whole)
    };
    let mut notes = Notes(Vec::new());
    let sample = sniff::sniff(base, head, whole, &mut notes)?;
    Ok(from_sample(base, sample, notes))
}

/// Drafts a rule for the workbook `name` from its first sheet's first rows, each cell with its
/// stored type (see [`crate::draft_workbook`]): a date cell is a date without a format to
/// guess, a number cell a number, a text cell a string however it looks. `sheets` names the
/// workbook's sheets, the first being the one read; `whole` when `sheet` holds all its rows.
pub(crate) fn draft_sheet(name: &str, sheets: &[String], sheet: SheetSample, whole: bool) -> Draft {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut notes = Notes(Vec::new());
    if let [first, _, ..] = sheets {
        let all: Vec<String> = sheets.iter().map(|s| format!("\"{s}\"")).collect();
        notes.note(
            NoteKind::Guess,
            String::new(),
            None,
            format!("the workbook has {} sheets ({}): the draft read the first, \"{first}\", the one a run reads", sheets.len(), all.join(", ")),
        );
    }
    let sample = sheet::sniff_sheet(sheet, whole, &mut notes);
    from_sample(base, sample, notes)
}

/// The draft's questions after the first, on the sampled records.
fn from_sample(base: &str, sample: sniff::Sample, mut notes: Notes) -> Draft {
    let mut profile = profile::profile(
        &sample.names,
        sample.rows(),
        sample.row_cells(),
        sample.has_header,
        sample.delimiter,
    );
    let line_items = group::group(&profile, sample.rows());
    let call = call::call(base, &profile, line_items.is_some(), &mut notes);
    // Orders are events, and an events log's rows are each their own.
    let line_items =
        line_items.filter(|_| call.kind == CallKind::Track && call.event_column.is_none());
    let roles = identity::identity(&profile, &call, &mut notes);
    let joins = when::joins(&mut profile, &mut notes);
    let targets = targets::targets(
        &profile,
        &call,
        &roles,
        &joins,
        line_items.as_ref(),
        &mut notes,
    );
    if let Some(g) = &line_items {
        g.say(&profile, &targets.columns, &mut notes);
    }

    let rule = Drafted {
        pattern: pattern_for(base),
        call: call.kind,
        collection: call.collection,
        delimiter: (!sample.workbook).then_some(sample.delimiter),
        encoding: sample.encoding,
        decimal_comma: profile.decimal_comma,
        skip: sample.skip,
        header: (!sample.has_header).then_some(sample.names),
        columns: targets.columns,
        set: targets.set,
        group: line_items.map(|g| profile.columns[g.key].name.trim().to_string()),
    }
    .rule_json();
    Draft {
        rule,
        notes: notes.0,
        examples: profile.examples,
        first_rows: sample.first_rows,
    }
}

/// A glob for the file and its later exports: a trailing run of digits (a date, a counter)
/// becomes `*`; glob characters in the name match themselves through `?`.
fn pattern_for(base: &str) -> String {
    let lower = base.to_ascii_lowercase();
    let ext_len = [
        ".csv.gz", ".tsv.gz", ".txt.gz", ".csv", ".tsv", ".txt", ".xlsx", ".xlsm",
    ]
    .iter()
    .find(|e| lower.ends_with(*e))
    .map_or(0, |e| e.len());
    let (stem, ext) = base.split_at(base.len() - ext_len);
    let tail = stem
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b' '))
        .count();
    let run = &stem[stem.len() - tail..];
    let lead = run.bytes().take_while(|b| !b.is_ascii_digit()).count();
    let keep = stem.len() - tail + lead;
    let stem = if run.bytes().any(|b| b.is_ascii_digit()) && keep > 0 {
        format!("{}*", &stem[..keep])
    } else {
        stem.to_string()
    };
    // A `*` or `?` of the name itself stands for any text, which also fits the name.
    let pattern = format!("{stem}{ext}");
    if glob_matches(&pattern, base) {
        pattern
    } else {
        base.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::profile::decimal_mark;
    use super::targets::camel_case;
    use super::{draft, pattern_for, ColumnExample};

    /// Short names, in base 36: `f0`, `f1`, … `fzz`.
    fn b36(mut i: usize) -> String {
        let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut s = Vec::new();
        loop {
            s.push(digits[i % 36]);
            i /= 36;
            if i == 0 {
                break;
            }
        }
        s.reverse();
        String::from_utf8(s).unwrap_or_default()
    }

    /// A header of `n` distinct names, in turns of 8: names of their own (`f1a`), names that all
    /// draft to the same target (`a!!!`, `a!!#`…: `properties.a`, `properties.a2`…, slots 1 and
    /// 3), and a name in header syntax (`traits.1a`, slot 5).
    fn wide_header(n: usize) -> Vec<String> {
        let punct: Vec<char> = "!#$%&'()*+-/;<=>?@^_`{|}~".chars().collect();
        let p = punct.len();
        let mut same = 0;
        (0..n)
            .map(|i| match i % 8 {
                0 | 2 | 4 | 6 | 7 => format!("f{}", b36(i)),
                1 | 3 => {
                    same += 1;
                    let k = same - 1;
                    format!(
                        "a{}{}{}",
                        punct[k / p / p % p],
                        punct[k / p % p],
                        punct[k % p]
                    )
                }
                _ => format!("traits.{}", b36(i)),
            })
            .collect()
    }

    #[test]
    fn the_draft_of_10000_columns_looks_up_each_target_a_bounded_number_of_times() {
        const COLUMNS: usize = 10_000;
        let header = wide_header(COLUMNS);
        let csv = format!("{}\n", header.join(","));
        assert!(csv.len() < super::DRAFT_SAMPLE_BYTES, "{}", csv.len());
        crate::map::probe::take();
        let d = draft("track_wide.csv", csv.as_bytes(), true).expect("a draft");
        let work = crate::map::probe::take();
        // Each column: its name once, then a few look-ups per step of its target's path (paths
        // of 2 or 3 steps): so many per column on 10 columns or on 10,000.
        assert!(
            work <= 14 * COLUMNS,
            "{work} look-ups for {COLUMNS} columns"
        );
        let rule: serde_json::Value = serde_json::from_str(&d.rule).expect("JSON");
        let columns = rule["columns"].as_object().expect("columns");
        assert_eq!(columns.len(), COLUMNS);
        let mut same = 0;
        for (i, name) in header.iter().enumerate() {
            let want: serde_json::Value = match i % 8 {
                0 | 2 | 4 | 6 | 7 => format!("properties.{name}").into(),
                5 => name.clone().into(),
                _ => {
                    same += 1;
                    match same {
                        1 => "properties.a".to_string().into(),
                        k => format!("properties.a{k}").into(),
                    }
                }
            };
            assert_eq!(columns[name], want, "{name}");
        }
        assert_eq!(same, COLUMNS / 4);
    }

    /// A line-item export of as many item columns as the sample holds (`Item f0`…, `Item a!!!`…
    /// whose fields collide): grouped, each item column in the products, in as few look-ups per
    /// column as any other draft.
    #[test]
    fn the_draft_of_a_wide_line_item_export_looks_up_each_target_a_bounded_number_of_times() {
        const COLUMNS: usize = 4_000;
        let mut header = vec!["Order ID".to_string()];
        header.extend(wide_header(COLUMNS).iter().map(|n| format!("Item {n}")));
        let row = |order: &str, v: &str| {
            let mut r = vec![order.to_string()];
            r.extend(std::iter::repeat_n(v.to_string(), COLUMNS));
            r.join(",")
        };
        let csv = format!(
            "{}\n{}\n{}\n",
            header.join(","),
            row("5001", "1"),
            row("5001", "2")
        );
        assert!(csv.len() < super::DRAFT_SAMPLE_BYTES, "{}", csv.len());
        crate::map::probe::take();
        let d = draft("orders.csv", csv.as_bytes(), true).expect("a draft");
        let work = crate::map::probe::take();
        assert!(
            work <= 14 * COLUMNS,
            "{work} look-ups for {COLUMNS} columns"
        );
        let rule: serde_json::Value = serde_json::from_str(&d.rule).expect("JSON");
        assert_eq!(rule["group"], "Order ID");
        let columns = rule["columns"].as_object().expect("columns");
        assert_eq!(columns.len(), COLUMNS + 1);
        let items = columns
            .values()
            .filter(|t| {
                t.as_str()
                    .is_some_and(|t| t.starts_with("properties.products[]."))
            })
            .count();
        assert_eq!(items, COLUMNS);
    }

    #[test]
    fn examples_are_each_columns_first_filled_value_in_file_order() {
        let csv = b"Email;Datum;Leer;Betrag\n;05.03.2024 14:30;;12,50\nada@example.com; 06.03.2024 09:00 ;;3,00\n";
        let d = draft("Bestellungen.csv", csv, true).expect("a draft");
        let ex = |column: &str, value: Option<&str>| ColumnExample {
            column: column.into(),
            value: value.map(str::to_string),
        };
        assert_eq!(
            d.examples,
            [
                ex("Email", Some("ada@example.com")),
                ex("Datum", Some("05.03.2024 14:30")),
                ex("Leer", None),
                ex("Betrag", Some("12,50")),
            ]
        );
        let headless = draft("x.csv", b"1,2024-03-05\n", true).expect("a draft");
        assert_eq!(
            headless.examples,
            [ex("column1", Some("1")), ex("column2", Some("2024-03-05"))]
        );
    }

    #[test]
    fn first_rows_are_the_records_skip_passes_over_the_header_and_rows_after() {
        let rows = |d: &super::Draft| -> Vec<String> {
            d.first_rows.iter().map(|r| r.join("|")).collect()
        };
        // A # block with commas, a blank line, then a ;-separated header: read with ;, the
        // delimiter of the rows after the preamble, blank lines not counted, as a run reads it.
        let ga4 = "# Events\n# Account: Demo, Shop\n\nuserId;event;n\nu1;Viewed;1\nu2;Added;2\n";
        let d = draft("events_export.csv", ga4.as_bytes(), true).expect("a draft");
        assert_eq!(
            rows(&d),
            [
                "# Events",
                "# Account: Demo, Shop",
                "userId|event|n",
                "u1|Viewed|1",
                "u2|Added|2"
            ]
        );
        // Qualtrics: the header, two more header rows, then values; at least FIRST_ROWS given,
        // and as many more as skip passes over and two rows of values after them.
        let mut q = String::from("A,B,C\nLabel A,Label B,Label C\n");
        q.push_str(r#""{""ImportId"":""a""}","{""ImportId"":""b""}","{""ImportId"":""c""}""#);
        q.push('\n');
        for i in 0..12 {
            q.push_str(&format!("2017-07-18,{i},x{i}\n"));
        }
        let d = draft("survey.csv", q.as_bytes(), true).expect("a draft");
        assert_eq!(d.first_rows.len(), super::sniff::FIRST_ROWS);
        assert_eq!(
            rows(&d)[..4],
            [
                "A|B|C",
                "Label A|Label B|Label C",
                r#"{"ImportId":"a"}|{"ImportId":"b"}|{"ImportId":"c"}"#,
                "2017-07-18|0|x0"
            ]
        );
        let mut long = "# a comment\n".repeat(9);
        long.push_str("a,b,c\n1,2,3\n4,5,6\n7,8,9\n");
        let d = draft("long.csv", long.as_bytes(), true).expect("a draft");
        assert_eq!(d.first_rows.len(), 9 + 1 + 2);
        assert_eq!(rows(&d)[9..], ["a|b|c", "1|2|3", "4|5|6"]);
    }

    #[test]
    fn ip_addresses_are_no_numbers_and_go_to_context_ip() {
        // Their dots in groups of three read as thousands separators: a decimal comma, before.
        let csv = b"id,email,ip_address\n1,a@example.com,10.100.200.250\n2,b@example.com,192.168.100.101\n";
        let d = draft("people.csv", csv, true).expect("a draft");
        let rule: serde_json::Value = serde_json::from_str(&d.rule).expect("JSON");
        assert_eq!(rule.get("decimal"), None, "{}", d.rule);
        assert_eq!(rule["columns"]["ip_address"], "context.ip");
    }

    #[test]
    fn file_names_of_sales_by_customer_and_of_employees() {
        let call = |name: &str, csv: &str| -> (String, String) {
            let d = draft(name, csv.as_bytes(), true).expect("a draft");
            let rule: serde_json::Value = serde_json::from_str(&d.rule).expect("JSON");
            (rule["call"].to_string(), rule["columns"].to_string())
        };
        // The rows are sales (grouped by customer), not customers.
        assert_eq!(
            call("sales_by_customer.csv", "Customer,Amount\nAmy,12.50\n").0,
            "\"track\""
        );
        assert_eq!(
            call(
                "Employee Sample Data.csv",
                "EEID,Full Name,Department\nE02387,Emily Davis,IT\n"
            ),
            (
                "\"identify\"".to_string(),
                r#"{"Department":"traits.department","EEID":"userId","Full Name":"traits.fullName"}"#
                    .to_string()
            )
        );
    }

    #[test]
    fn names_and_patterns() {
        assert_eq!(camel_case("Phone Number"), "phoneNumber");
        assert_eq!(camel_case("DOUBLE_OPT-IN"), "doubleOptIn");
        assert_eq!(camel_case("Created (UTC)"), "createdUTC");
        assert_eq!(camel_case("###"), "column");
        assert_eq!(camel_case("2nd"), "column2nd");
        assert_eq!(
            pattern_for("hubspot-crm-exports-all-contacts-2024-03-05.csv"),
            "hubspot-crm-exports-all-contacts-*.csv"
        );
        assert_eq!(pattern_for("orders_export_1.csv"), "orders_export_*.csv");
        assert_eq!(pattern_for("Q1 Signups.csv"), "Q1 Signups.csv");
        assert_eq!(pattern_for("2024.csv"), "2024.csv");
        assert_eq!(pattern_for("a?b.csv"), "a?b.csv");
        assert_eq!(pattern_for("orders_2024-03.xlsx"), "orders_*.xlsx");
    }

    #[test]
    fn decimal_marks() {
        assert_eq!(decimal_mark("12,50"), Some(b','));
        assert_eq!(decimal_mark("1.234,50"), Some(b','));
        assert_eq!(decimal_mark("1,234.50"), Some(b'.'));
        assert_eq!(decimal_mark("1,234"), None);
        assert_eq!(decimal_mark("19.99"), Some(b'.'));
        assert_eq!(decimal_mark("42"), None);
        assert_eq!(decimal_mark("1.234.567"), Some(b','));
        assert_eq!(decimal_mark("1.234.567,5"), Some(b','));
        // Dates with dots or commas are not numbers of any locale.
        assert_eq!(decimal_mark("02.01.2033"), None);
        assert_eq!(decimal_mark("1.2.2020"), None);
        assert_eq!(decimal_mark("12.345.67"), None);
    }
}
