//! Turns one cell's text into the JSON value its column calls for, written straight to the payload.

use crate::base::blocks::append;
use crate::base::json;
use crate::base::out::Out;
use crate::base::reason::{quote, Reason};
use crate::map::column::{CellType, ColumnType};
use crate::map::timestamp;
use crate::read::records::CellKind;

/// How a column's cells become JSON values; chosen once per column by the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Conv {
    /// Always a string.
    Str,
    /// A number when the text reads back as the same number, `true`/`false` as booleans, else a string.
    Auto,
    /// `true`/`false` as booleans, else a string (`integrations.*`).
    Flag,
    /// Any decimal number (`:number`).
    Number,
    /// A whole number (`:integer`).
    Integer,
    /// A boolean (`:boolean`).
    Boolean,
    /// An ISO-8601 UTC date-time (`:timestamp`, and `timestamp`/`createdAt` columns).
    Timestamp,
    /// A JSON literal (`:json`).
    Json,
    /// A JSON object literal, where the spec wants an object (`traits:json`).
    JsonObject,
    /// [`Conv::Auto`] in a file whose mapping says `decimal: ","`: `12,50` is 12.5.
    AutoComma,
    /// [`Conv::Auto`] for the Objects API, which takes no booleans: `true`/`false` (and Excel's
    /// `TRUE`/`FALSE`) are sent as the strings `"true"`/`"false"`.
    AutoText,
    /// [`Conv::AutoText`] with `decimal: ","`.
    AutoTextComma,
    /// [`Conv::Boolean`] for the Objects API: the strings `"true"`/`"false"`.
    BooleanText,
    /// [`Conv::Number`] with `decimal: ","`: `1.234,50` is 1234.5.
    NumberComma,
    /// A date in the mapping's format: the index of the format in the plan's list.
    Formatted(u16),
}

impl Conv {
    /// The type shown in the report's column table.
    pub(crate) fn cell_type(self) -> CellType {
        match self {
            Conv::Str => CellType::Typed(ColumnType::String),
            Conv::Auto | Conv::AutoComma | Conv::AutoText | Conv::AutoTextComma => CellType::Auto,
            Conv::Flag => CellType::Flag,
            Conv::Number | Conv::NumberComma => CellType::Typed(ColumnType::Number),
            Conv::Integer => CellType::Typed(ColumnType::Integer),
            Conv::Boolean | Conv::BooleanText => CellType::Typed(ColumnType::Boolean),
            Conv::Timestamp | Conv::Formatted(_) => CellType::Typed(ColumnType::Timestamp),
            Conv::Json | Conv::JsonObject => CellType::Typed(ColumnType::Json),
        }
    }

    /// The conversion for a cell whose type the workbook stored (see [`CellKind`]): the type
    /// decides what an untyped column would have guessed from the text, and a number's or a
    /// date's text is in one fixed form whatever the file's `decimal` or date format says.
    /// A column's own type (`:number`, `:string`, ...) is kept: it reads the cell's text.
    #[inline]
    pub(crate) fn for_kind(self, kind: CellKind) -> Conv {
        match (kind, self) {
            (
                CellKind::Text,
                Conv::Auto | Conv::AutoComma | Conv::AutoText | Conv::AutoTextComma,
            ) => Conv::Str,
            (
                CellKind::Number,
                Conv::Auto
                | Conv::AutoComma
                | Conv::AutoText
                | Conv::AutoTextComma
                | Conv::NumberComma,
            ) => Conv::Number,
            (CellKind::Bool, Conv::AutoComma) => Conv::Auto,
            (CellKind::Bool, Conv::AutoTextComma) => Conv::AutoText,
            (CellKind::Date, Conv::Formatted(_)) => Conv::Timestamp,
            (
                CellKind::Date,
                Conv::Auto | Conv::AutoComma | Conv::AutoText | Conv::AutoTextComma,
            ) => Conv::Str,
            _ => self,
        }
    }

    /// Appends the JSON value of a non-empty UTF-8 `cell`; `clean` says it has nothing to escape.
    ///
    /// Inlined into the payload writer: the common conversions are a few tests and a copy,
    /// less than a call costs (in WebAssembly, a frame on the stack in memory for the result).
    #[inline(always)]
    pub(crate) fn write(self, cell: &[u8], clean: bool, out: &mut Out) -> Result<(), Reason> {
        // The common conversions work on the bytes; the others read the text.
        match self {
            Conv::Str => write_string(out, cell, clean),
            Conv::Auto => auto(cell, clean, false, false, out),
            Conv::AutoComma => auto(cell, clean, true, false, out),
            Conv::AutoText => auto(cell, clean, false, true, out),
            Conv::AutoTextComma => auto(cell, clean, true, true, out),
            // Already as Segment wants it: parsing and writing back would give the same bytes.
            Conv::Timestamp if timestamp::is_canonical(cell) => write_string(out, cell, true),
            _ => {
                let text = std::str::from_utf8(cell).map_err(|_| Reason::NotUtf8)?;
                return self.write_text(text, clean, out);
            }
        }
        Ok(())
    }

    /// [`Conv::write`] for the conversions that read the cell as text.
    #[inline(never)]
    fn write_text(self, cell: &str, clean: bool, out: &mut Out) -> Result<(), Reason> {
        match self {
            Conv::Str | Conv::Auto | Conv::AutoComma | Conv::AutoText | Conv::AutoTextComma => {
                write_string(out, cell.as_bytes(), clean)
            }
            // The payload writer reads these with the plan's formats.
            Conv::Formatted(_) => write_string(out, cell.as_bytes(), clean),
            Conv::Flag => match bool_word(cell, false) {
                Some(b) => write_bool(out, b),
                None => write_string(out, cell.as_bytes(), clean),
            },
            Conv::Number | Conv::NumberComma => {
                let t = cell.trim();
                let comma = self == Conv::NumberComma;
                if comma || t.contains(',') {
                    let mut buf = [0u8; NUMBER_BUF];
                    let n = ungroup(t.as_bytes(), comma, &mut buf)
                        .ok_or_else(|| Reason::Number(quote(t)))?;
                    // ASCII by construction.
                    write_number(std::str::from_utf8(n).unwrap_or(""), out)
                        .map_err(|_| Reason::Number(quote(t)))?;
                } else {
                    write_number(t, out)?;
                }
            }
            Conv::Integer => {
                let t = cell.trim();
                let n: i64 = t
                    .strip_prefix('+')
                    .unwrap_or(t)
                    .parse()
                    .map_err(|_| Reason::Integer(quote(cell)))?;
                out.extend_from_slice(n.to_string().as_bytes());
            }
            Conv::Boolean | Conv::BooleanText => {
                let b = bool_word(cell.trim(), true).ok_or_else(|| Reason::Boolean(quote(cell)))?;
                if self == Conv::BooleanText {
                    write_bool_text(out, b);
                } else {
                    write_bool(out, b);
                }
            }
            Conv::Timestamp => {
                let ms = timestamp::parse(cell).map_err(|e| match e {
                    timestamp::TimestampError::Unreadable => Reason::Timestamp(quote(cell)),
                    timestamp::TimestampError::OutOfRange(ms) => Reason::TimestampRange {
                        text: quote(cell),
                        year: ms.and_then(timestamp::year_of),
                        how: timestamp::how_read(cell).to_string(),
                        fix: None,
                    },
                })?;
                out.push(b'"');
                timestamp::write_iso(ms, out);
                out.push(b'"');
            }
            Conv::Json | Conv::JsonObject => {
                let t = cell.trim();
                serde_json::from_str::<serde::de::IgnoredAny>(t).map_err(|e| Reason::Json {
                    text: quote(cell),
                    detail: e.to_string(),
                })?;
                if self == Conv::JsonObject && !t.starts_with('{') {
                    return Err(Reason::JsonNotObject(quote(cell)));
                }
                out.extend_from_slice(t.as_bytes());
            }
        }
        Ok(())
    }
}

/// An untyped cell: a number when the text reads back as the same number (in the file's
/// notation with `comma`), `true`/`false` (and `TRUE`/`FALSE`) a boolean (with `bool_text`, the
/// string of that word), anything else a string.
#[inline(always)]
fn auto(cell: &[u8], clean: bool, comma: bool, bool_text: bool, out: &mut Out) {
    // With a decimal comma, a `.` groups thousands: `1.5` is no number.
    if is_plain_number(cell) && !(comma && cell.contains(&b'.')) {
        append(out, cell);
        return;
    }
    let b = match cell {
        b"true" | b"TRUE" => Some(true),
        b"false" | b"FALSE" => Some(false),
        _ => None,
    };
    match b {
        Some(b) if bool_text => write_bool_text(out, b),
        Some(b) => write_bool(out, b),
        None if comma => {
            let mut buf = [0u8; NUMBER_BUF];
            match comma_number(cell, &mut buf) {
                Some(n) => out.extend_from_slice(n),
                None => write_string(out, cell, clean),
            }
        }
        None => write_string(out, cell, clean),
    }
}

/// A JSON string; a `clean` cell has nothing to escape and is copied as it is.
#[inline(always)]
fn write_string(out: &mut Out, cell: &[u8], clean: bool) {
    if clean {
        out.push(b'"');
        append(out, cell);
        out.push(b'"');
    } else {
        json::write_str(out, cell);
    }
}

fn write_bool(out: &mut Out, b: bool) {
    if b {
        out.put(b"true");
    } else {
        out.put(b"false");
    }
}

/// A boolean as the Objects API can take it: the string of the word.
fn write_bool_text(out: &mut Out, b: bool) {
    if b {
        out.put(b"\"true\"");
    } else {
        out.put(b"\"false\"");
    }
}

/// The longest number text rewritten on the stack; longer text is not taken for a number.
const NUMBER_BUF: usize = 64;

/// A number written with separators, rewritten plain into `buf`: with `comma`, `.` groups
/// thousands and `,` is the decimal mark (`1.234,50` → `1234.50`); else `,` groups thousands
/// (`1,234.50` → `1234.50`). Groups after the first have exactly three digits. `None` for
/// anything else.
fn ungroup<'b>(t: &[u8], comma: bool, buf: &'b mut [u8; NUMBER_BUF]) -> Option<&'b [u8]> {
    let (group, decimal) = if comma { (b'.', b',') } else { (b',', b'.') };
    if t.len() > NUMBER_BUF {
        return None;
    }
    let mut n = 0;
    let mut push = |b: u8, buf: &mut [u8; NUMBER_BUF]| {
        buf[n] = b;
        n += 1;
    };
    let mut rest = t;
    if let Some((&s, tail)) = rest.split_first() {
        if s == b'-' || s == b'+' {
            push(s, buf);
            rest = tail;
        }
    }
    let (int, frac) = match rest.iter().position(|&b| b == decimal) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    for (i, g) in int.split(|&b| b == group).enumerate() {
        let ok = g.iter().all(u8::is_ascii_digit)
            && if i == 0 {
                (1..=3).contains(&g.len()) || (!int.contains(&group) && !g.is_empty())
            } else {
                g.len() == 3
            };
        if !ok {
            return None;
        }
        for &d in g {
            push(d, buf);
        }
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
            return None;
        }
        push(b'.', buf);
        for &d in f {
            push(d, buf);
        }
    }
    Some(&buf[..n])
}

/// An inferred cell in a `decimal: ","` file that is a number: the plain number it denotes,
/// trailing zeros of the fraction dropped (`12,50` → `12.5`), when that reads back exactly.
fn comma_number<'b>(cell: &[u8], buf: &'b mut [u8; NUMBER_BUF]) -> Option<&'b [u8]> {
    if matches!(cell.first(), Some(b'+')) {
        return None;
    }
    let len = ungroup(cell, true, buf)?.len();
    let mut end = len;
    if buf[..len].contains(&b'.') {
        while buf[end - 1] == b'0' {
            end -= 1;
        }
        if buf[end - 1] == b'.' {
            end -= 1;
        }
    }
    let n = &buf[..end];
    is_plain_number(n).then_some(n)
}

/// `true`/`false` in any case; with `loose`, also `yes`/`no` and `1`/`0`.
fn bool_word(s: &str, loose: bool) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else if !loose {
        None
    } else if s == "1" || s.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if s == "0" || s.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;
/// Significant digits that any decimal text keeps through a double and back.
const MAX_EXACT_DIGITS: usize = 15;
/// Zeros after `0.` before JavaScript switches to exponent form (`0.000001` vs `1e-7`).
const MAX_LEADING_FRACTION_ZEROS: usize = 5;

/// Whether `s` is a number that reads back as the same text: `42`, `-3.25`, `0.5`.
///
/// Not `02134` (a zip code), `1e5`, `1.50`, `+1`, `-0`, or an integer past 2^53.
///
/// Most text is not a number: the first byte decides, inlined where it is asked; only text
/// that starts like a number goes on to [`plain_number_rest`].
#[inline(always)]
pub(crate) fn is_plain_number(b: &[u8]) -> bool {
    matches!(b.first(), Some(b'0'..=b'9' | b'-')) && plain_number_rest(b)
}

/// [`is_plain_number`] of text that starts with a digit or `-`.
#[inline(never)]
fn plain_number_rest(b: &[u8]) -> bool {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let int_len = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 || (int_len > 1 && digits[0] == b'0') {
        return false;
    }
    let (int, rest) = digits.split_at(int_len);
    if rest.is_empty() {
        if int == b"0" {
            return digits.len() == b.len();
        }
        return int_len <= MAX_EXACT_DIGITS
            || (int_len == 16
                // Sixteen digits cannot overflow a u64.
                && int.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0')) <= MAX_SAFE_INTEGER);
    }
    let Some(frac) = rest.strip_prefix(b".") else {
        return false;
    };
    if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) || frac.ends_with(b"0") {
        return false;
    }
    let significant = if int == b"0" {
        let zeros = frac.iter().take_while(|&&c| c == b'0').count();
        if zeros > MAX_LEADING_FRACTION_ZEROS {
            return false;
        }
        frac.len() - zeros
    } else {
        int_len + frac.len()
    };
    significant <= MAX_EXACT_DIGITS
}

/// A cell Excel escaped as text with a leading apostrophe (`'02134`, Mailchimp's `'-6`): the
/// value after it, when that is number-like (a sign, then digits with `.` or `,` marks), which
/// is what the apostrophe was written to keep. Other text after an apostrophe is left as it is.
#[cold]
pub(crate) fn excel_text(cell: &[u8]) -> Option<&[u8]> {
    let rest = cell.strip_prefix(b"'")?;
    let digits = rest
        .strip_prefix(b"-")
        .or_else(|| rest.strip_prefix(b"+"))
        .unwrap_or(rest);
    let number_like = digits.first().is_some_and(u8::is_ascii_digit)
        && digits
            .iter()
            .all(|b| b.is_ascii_digit() || *b == b'.' || *b == b',');
    number_like.then_some(rest)
}

/// Writes a `:number` cell: as written when it is plain, else as the double it denotes.
fn write_number(t: &str, out: &mut Out) -> Result<(), Reason> {
    if is_plain_number(t.as_bytes()) {
        out.extend_from_slice(t.as_bytes());
        return Ok(());
    }
    let bad = || Reason::Number(quote(t));
    // Rust also reads `inf` and `NaN`; JSON has neither.
    if !t
        .bytes()
        .all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c))
    {
        return Err(bad());
    }
    let v: f64 = t.parse().map_err(|_| bad())?;
    let n = serde_json::Number::from_f64(v).ok_or_else(bad)?;
    if v.fract() == 0.0 && v.abs() <= MAX_SAFE_INTEGER as f64 {
        out.extend_from_slice((v as i64).to_string().as_bytes());
    } else {
        out.extend_from_slice(n.to_string().as_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_cell_is_converted_by_its_stored_type() {
        let w = |conv: Conv, kind: CellKind, cell: &str| {
            let mut out = Out::default();
            conv.for_kind(kind)
                .write(cell.as_bytes(), true, &mut out)
                .unwrap();
            String::from_utf8(out.into_vec()).unwrap()
        };
        // Text stays text where a CSV's cell would be guessed a number or a boolean.
        assert_eq!(w(Conv::Auto, CellKind::Text, "12345"), "\"12345\"");
        assert_eq!(w(Conv::Auto, CellKind::Text, "TRUE"), "\"TRUE\"");
        assert_eq!(w(Conv::Auto, CellKind::Bool, "TRUE"), "true");
        // A stored number is a number in any notation, and whatever the file's decimal mark.
        assert_eq!(
            w(Conv::Auto, CellKind::Number, "0.30000000000000004"),
            "0.30000000000000004"
        );
        assert_eq!(w(Conv::AutoComma, CellKind::Number, "12.5"), "12.5");
        assert_eq!(
            w(Conv::Auto, CellKind::Number, "7.225973768125749e+86"),
            "7.225973768125749e+86"
        );
        // A date cell is a date whatever format the mapping gives the column.
        assert_eq!(
            w(
                Conv::Formatted(0),
                CellKind::Date,
                "2015-01-12T00:00:00.000Z"
            ),
            "\"2015-01-12T00:00:00.000Z\""
        );
        // A column's own type reads the text.
        assert_eq!(w(Conv::Number, CellKind::Text, "42"), "42");
    }

    fn w(conv: Conv, cell: &str) -> Result<String, Reason> {
        let mut out = Out::default();
        conv.write(cell.as_bytes(), false, &mut out)?;
        let escaped = String::from_utf8(out.into_vec()).unwrap();
        // Where the cell has nothing to escape, the fast path writes the same.
        if !cell.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
            let mut fast = Out::default();
            conv.write(cell.as_bytes(), true, &mut fast)?;
            assert_eq!(String::from_utf8(fast.into_vec()).unwrap(), escaped);
        }
        Ok(escaped)
    }

    #[test]
    fn plain_numbers() {
        for yes in [
            "0",
            "7",
            "-7",
            "42",
            "3.25",
            "-0.5",
            "0.000001",
            "123456789012345",
            "9007199254740991",
            "-9007199254740991",
        ] {
            assert!(is_plain_number(yes.as_bytes()), "{yes}");
        }
        for no in [
            "",
            "-",
            "-0",
            "02134",
            "00",
            "1e5",
            "1.50",
            "1.",
            ".5",
            "+1",
            "1,000",
            "0.0000001",
            "9007199254740992",
            "12345678901234567",
            "1234567890.1234567",
            " 1",
            "NaN",
        ] {
            assert!(!is_plain_number(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn auto_infers_numbers_and_booleans_only_when_exact() {
        assert_eq!(w(Conv::Auto, "42").unwrap(), "42");
        assert_eq!(w(Conv::Auto, "19.99").unwrap(), "19.99");
        assert_eq!(w(Conv::Auto, "02134").unwrap(), r#""02134""#);
        assert_eq!(w(Conv::Auto, "1e5").unwrap(), r#""1e5""#);
        assert_eq!(w(Conv::Auto, "true").unwrap(), "true");
        // Excel writes TRUE and FALSE.
        assert_eq!(w(Conv::Auto, "TRUE").unwrap(), "true");
        assert_eq!(w(Conv::Auto, "FALSE").unwrap(), "false");
        assert_eq!(w(Conv::Auto, "True").unwrap(), r#""True""#);
        assert_eq!(w(Conv::Auto, "bronze").unwrap(), r#""bronze""#);
    }

    #[test]
    fn strings_stay_strings() {
        assert_eq!(w(Conv::Str, "42").unwrap(), r#""42""#);
        assert_eq!(w(Conv::Str, "say \"hi\"").unwrap(), r#""say \"hi\"""#);
    }

    #[test]
    fn flags() {
        assert_eq!(w(Conv::Flag, "false").unwrap(), "false");
        assert_eq!(w(Conv::Flag, "True").unwrap(), "true");
        assert_eq!(w(Conv::Flag, "abc123").unwrap(), r#""abc123""#);
    }

    #[test]
    fn typed_numbers() {
        assert_eq!(w(Conv::Number, "1.50").unwrap(), "1.5");
        assert_eq!(w(Conv::Number, "1e5").unwrap(), "100000");
        assert_eq!(w(Conv::Number, " 02134 ").unwrap(), "2134");
        assert_eq!(w(Conv::Number, "+3").unwrap(), "3");
        assert_eq!(w(Conv::Number, "1e300").unwrap(), "1e+300");
        assert_eq!(w(Conv::Number, "0.1").unwrap(), "0.1");
        assert_eq!(w(Conv::Number, "abc"), Err(Reason::Number("abc".into())));
        assert_eq!(w(Conv::Number, "inf"), Err(Reason::Number("inf".into())));
        assert_eq!(
            w(Conv::Number, "1e999"),
            Err(Reason::Number("1e999".into()))
        );
        assert_eq!(w(Conv::Integer, "+12").unwrap(), "12");
        assert_eq!(w(Conv::Integer, "-007").unwrap(), "-7");
        assert_eq!(w(Conv::Integer, "1.5"), Err(Reason::Integer("1.5".into())));
    }

    #[test]
    fn decimal_commas() {
        assert_eq!(w(Conv::NumberComma, "12,50").unwrap(), "12.5");
        assert_eq!(w(Conv::NumberComma, "1.234,50").unwrap(), "1234.5");
        assert_eq!(w(Conv::NumberComma, "-1.234.567").unwrap(), "-1234567");
        assert_eq!(w(Conv::NumberComma, "7").unwrap(), "7");
        assert_eq!(
            w(Conv::NumberComma, "1.23,4"),
            Err(Reason::Number("1.23,4".into()))
        );
        assert_eq!(
            w(Conv::NumberComma, "12.50"),
            Err(Reason::Number("12.50".into()))
        );
        // Inferred: numbers when they are numbers in the file's notation.
        assert_eq!(w(Conv::AutoComma, "12,50").unwrap(), "12.5");
        assert_eq!(w(Conv::AutoComma, "1.234,00").unwrap(), "1234");
        assert_eq!(w(Conv::AutoComma, "0,05").unwrap(), "0.05");
        assert_eq!(w(Conv::AutoComma, "42").unwrap(), "42");
        assert_eq!(w(Conv::AutoComma, "02134").unwrap(), r#""02134""#);
        assert_eq!(w(Conv::AutoComma, "1.5").unwrap(), r#""1.5""#);
        assert_eq!(w(Conv::AutoComma, "Berlin").unwrap(), r#""Berlin""#);
        assert_eq!(w(Conv::AutoComma, "TRUE").unwrap(), "true");
        // With the decimal point, `,` groups thousands in :number columns.
        assert_eq!(w(Conv::Number, "1,234.50").unwrap(), "1234.5");
        assert_eq!(w(Conv::Number, "1,234").unwrap(), "1234");
        assert_eq!(
            w(Conv::Number, "12,50"),
            Err(Reason::Number("12,50".into()))
        );
        assert_eq!(w(Conv::Auto, "1,234").unwrap(), r#""1,234""#);
    }

    #[test]
    fn booleans() {
        assert_eq!(w(Conv::Boolean, "Yes").unwrap(), "true");
        assert_eq!(w(Conv::Boolean, "0").unwrap(), "false");
        assert_eq!(
            w(Conv::Boolean, "maybe"),
            Err(Reason::Boolean("maybe".into()))
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            w(Conv::Timestamp, "2019-05-11T22:32:27.940+02:00").unwrap(),
            r#""2019-05-11T20:32:27.940Z""#
        );
        assert_eq!(
            w(Conv::Timestamp, "yesterday"),
            Err(Reason::Timestamp("yesterday".into()))
        );
    }

    #[test]
    fn json_literals() {
        assert_eq!(
            w(Conv::Json, r#" [1, {"a": 2}] "#).unwrap(),
            r#"[1, {"a": 2}]"#
        );
        assert_eq!(
            w(Conv::JsonObject, r#"{"plan":"pro"}"#).unwrap(),
            r#"{"plan":"pro"}"#
        );
        assert_eq!(
            w(Conv::JsonObject, "[1]"),
            Err(Reason::JsonNotObject("[1]".into()))
        );
        assert_eq!(
            w(Conv::Json, "[1,"),
            Err(Reason::Json {
                text: "[1,".into(),
                detail: "EOF while parsing a value at line 1 column 3".into()
            })
        );
        assert!(matches!(w(Conv::Json, "[1] x"), Err(Reason::Json { .. })));
    }
}
