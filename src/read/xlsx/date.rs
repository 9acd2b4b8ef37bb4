//! Which number formats make a cell a date, and a date cell's serial number as ISO-8601 UTC.
//!
//! A workbook stores a date as a number of days (a "serial") and says it is a date only by the
//! cell's number format: one of the built-in format ids, or a custom format code with day,
//! month or year parts. The serial counts from 1899-12-30 in the 1900 date system (Excel keeps
//! Lotus 1-2-3's 29 February 1900, so serials below 61 count from a day later), or from
//! 1904-01-01 in the 1904 system (`<workbookPr date1904="1"/>`, old Excel for Mac).

/// What a cell's number format makes of its number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// A number, as stored.
    Number,
    /// A date, or a date and time.
    Date,
    /// A time of day without a date (`h:mm`): sent as `13:05:00`.
    Time,
}

/// The built-in format ids: 14–17 and 22 are dates, 18–21 and 45–47 times, 27–36 and 50–58
/// the East Asian locales' dates.
pub(crate) fn builtin(id: u32) -> Format {
    match id {
        14..=17 | 22 | 27..=36 | 50..=58 => Format::Date,
        18..=21 | 45..=47 => Format::Time,
        _ => Format::Number,
    }
}

/// What a custom format code (`yyyy-mm-dd`, `[$-409]m/d/yy h:mm AM/PM;@`, `"$"#,##0.00`)
/// makes of a number: its first section is read, without quoted text, escaped characters,
/// colours and locales; elapsed times (`[h]:mm`) are durations, numbers.
pub(crate) fn custom(code: &str) -> Format {
    let first = code.split(';').next().unwrap_or("");
    let (mut date, mut time, mut month_or_minute) = (false, false, false);
    let mut chars = first.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => {
                let mut inner = String::new();
                for q in chars.by_ref() {
                    if q == ']' {
                        break;
                    }
                    inner.push(q);
                }
                let lower = inner.to_ascii_lowercase();
                if !lower.is_empty() && lower.chars().all(|c| matches!(c, 'h' | 'm' | 's')) {
                    // An elapsed time: a duration, not a date.
                    return Format::Number;
                }
            }
            _ => match c.to_ascii_lowercase() {
                'y' | 'd' => date = true,
                'h' | 's' => time = true,
                'm' => month_or_minute = true,
                'a' => {
                    // AM/PM and A/P are time markers, not months.
                    let rest: String = chars
                        .clone()
                        .take(4)
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if rest.starts_with("m/pm") {
                        chars.nth(3);
                        time = true;
                    } else if rest.starts_with("/p") {
                        chars.nth(1);
                        time = true;
                    }
                }
                _ => {}
            },
        }
    }
    if date || (month_or_minute && !time) {
        Format::Date
    } else if time {
        Format::Time
    } else {
        Format::Number
    }
}

const MS_PER_DAY: f64 = 86_400_000.0;
/// Days from 1970-01-01 back to each system's day 0.
const DAY0_1900: i64 = -25_569;
const DAY0_1904: i64 = -24_107;
/// The last serial Excel shows as a date: 9999-12-31.
const LAST_SERIAL: f64 = 2_958_466.0;

/// The serial `serial` as milliseconds since 1970, rounded to the millisecond; `None` for a
/// number no date format can show (negative, or past 9999-12-31).
pub(crate) fn serial_ms(serial: f64, date1904: bool) -> Option<i64> {
    if !(0.0..LAST_SERIAL).contains(&serial) {
        return None;
    }
    let day0 = if date1904 {
        DAY0_1904
    } else if serial < 61.0 {
        // Before Lotus's 29 February 1900 (serial 60, shown as that day and read as the 28th).
        DAY0_1900 + 1
    } else {
        DAY0_1900
    };
    let serial = if !date1904 && (60.0..61.0).contains(&serial) {
        serial - 1.0
    } else {
        serial
    };
    // Within ±2^53 by the range above, so the cast is exact.
    let ms = (serial * MS_PER_DAY).round() as i64;
    Some(day0 * 86_400_000 + ms)
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends `ms` as `2015-01-20T00:00:00.000Z`.
pub(crate) fn write_iso(ms: i64, out: &mut Vec<u8>) {
    use std::io::Write;
    let (y, mo, d) = civil(ms.div_euclid(86_400_000));
    let t = ms.rem_euclid(86_400_000);
    let _ = write!(
        out,
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        t / 3_600_000,
        t / 60_000 % 60,
        t / 1000 % 60,
        t % 1000
    );
}

/// Appends the time of day of `ms` as `13:05:00` (with `.250` when it has milliseconds).
pub(crate) fn write_time(ms: i64, out: &mut Vec<u8>) {
    use std::io::Write;
    let t = ms.rem_euclid(86_400_000);
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}",
        t / 3_600_000,
        t / 60_000 % 60,
        t / 1000 % 60
    );
    if t % 1000 != 0 {
        let _ = write!(out, ".{:03}", t % 1000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(serial: f64, date1904: bool) -> String {
        let mut out = Vec::new();
        write_iso(serial_ms(serial, date1904).unwrap(), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn serials_in_both_systems() {
        assert_eq!(iso(42016.0, false), "2015-01-12T00:00:00.000Z");
        assert_eq!(iso(42300.0, true), "2019-10-24T00:00:00.000Z");
        assert_eq!(iso(42300.0, false), "2015-10-23T00:00:00.000Z");
        assert_eq!(
            iso(42_360.499_305_555_55, false),
            "2015-12-22T11:59:00.000Z"
        );
        assert_eq!(iso(1.0, false), "1900-01-01T00:00:00.000Z");
        assert_eq!(iso(59.0, false), "1900-02-28T00:00:00.000Z");
        // Lotus's 29 February 1900 does not exist: read as the 28th.
        assert_eq!(iso(60.0, false), "1900-02-28T00:00:00.000Z");
        assert_eq!(iso(61.0, false), "1900-03-01T00:00:00.000Z");
        assert_eq!(iso(0.0, true), "1904-01-01T00:00:00.000Z");
        assert_eq!(serial_ms(-1.0, false), None);
        assert_eq!(serial_ms(3e6, false), None);
    }

    #[test]
    fn formats() {
        for id in [14, 15, 16, 17, 22, 30, 57] {
            assert_eq!(builtin(id), Format::Date, "{id}");
        }
        for id in [18, 21, 45, 46, 47] {
            assert_eq!(builtin(id), Format::Time, "{id}");
        }
        for id in [0, 1, 2, 9, 10, 11, 44, 49] {
            assert_eq!(builtin(id), Format::Number, "{id}");
        }
        for code in [
            "yyyy-mm-dd",
            "mm-dd-yy",
            "DD/MM/YYYY",
            "m/d/yy h:mm AM/PM",
            "mmmm d, yyyy",
            "[$-409]mmm-yy;@",
            "mmm",
            "d-mmm",
        ] {
            assert_eq!(custom(code), Format::Date, "{code}");
        }
        for code in ["h:mm", "h:mm AM/PM", "hh:mm:ss", "mm:ss", "h:mm A/P"] {
            assert_eq!(custom(code), Format::Time, "{code}");
        }
        for code in [
            "General",
            "GENERAL",
            "0",
            "0%",
            "0.0000000000",
            "#,##0.00",
            "\"$\"#,##0.00",
            "\"$\"#,##0_);\\(\"$\"#,##0\\);\"$\"0_)",
            "[Red]#,##0",
            "[h]:mm:ss",
            "0.00E+00",
            "\"Day \"0",
            "#,##0\\ \"days\"",
        ] {
            assert_eq!(custom(code), Format::Number, "{code}");
        }
    }

    #[test]
    fn times() {
        let mut out = Vec::new();
        write_time(
            serial_ms(13.0 / 24.0 + 5.0 / 1440.0, false).unwrap(),
            &mut out,
        );
        assert_eq!(String::from_utf8(out).unwrap(), "13:05:00");
    }
}
