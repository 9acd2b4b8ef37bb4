//! Reads dates written in a mapping's own format (`%d.%m.%Y %H:%M`), with chrono, in the zone
//! the mapping gives for values that carry none.
//!
//! The format is parsed once per file into chrono's items; each cell is parsed against them
//! without allocating, and written as Segment wants it (ISO-8601 UTC with milliseconds).

use chrono::format::{Fixed, Item, Numeric, Parsed, StrftimeItems};
use chrono::NaiveTime;

use crate::reject::{quote, Reason};
use crate::timestamp;

/// A date format from a mapping, ready to read cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DateFormat {
    /// The pattern as written, for messages.
    pub text: String,
    items: Vec<Item<'static>>,
    /// Seconds east of UTC for values without a zone of their own.
    offset: i32,
}

impl DateFormat {
    /// Reads `format` and `timezone` (a fixed offset such as `+01:00`, or `UTC`); the error is
    /// the message for the mapping's path, naming the field at fault.
    pub(crate) fn new(
        format: &str,
        timezone: Option<&str>,
    ) -> Result<DateFormat, (&'static str, String)> {
        let bad = || {
            (
                "format",
                format!("{format} is not a date format; write it with chrono's strftime fields, like %d.%m.%Y %H:%M"),
            )
        };
        let items = StrftimeItems::new(format)
            .parse_to_owned()
            .map_err(|_| bad())?;
        if items.iter().any(|i| matches!(i, Item::Error)) {
            return Err(bad());
        }
        if !has_date(&items) {
            return Err((
                "format",
                format!("{format} has no date in it; it needs a year, month and day (%Y, %m, %d) or Unix seconds (%s)"),
            ));
        }
        let offset = match timezone {
            None => 0,
            Some(tz) => parse_offset(tz).ok_or_else(|| {
                (
                    "timezone",
                    format!("{tz} is not a fixed offset; write it like +01:00, -05:00 or UTC (zone names such as Europe/Berlin are not supported)"),
                )
            })?,
        };
        Ok(DateFormat {
            text: format.to_string(),
            items,
            offset,
        })
    }

    /// Writes the non-empty `cell` as a JSON string, or says why it cannot be read.
    pub(crate) fn write(&self, cell: &[u8], out: &mut Vec<u8>) -> Result<(), Reason> {
        let text = std::str::from_utf8(cell).map_err(|_| Reason::NotUtf8)?;
        let ms = self
            .millis(text.trim())
            .ok_or_else(|| Reason::TimestampFormat {
                text: quote(text),
                format: self.text.clone(),
            })?;
        if !timestamp::in_range(ms) {
            return Err(Reason::TimestampRange(quote(text)));
        }
        out.push(b'"');
        timestamp::write_iso(ms, out);
        out.push(b'"');
        Ok(())
    }

    fn millis(&self, text: &str) -> Option<i64> {
        let mut p = Parsed::new();
        chrono::format::parse(&mut p, text, self.items.iter()).ok()?;
        if let Some(secs) = p.timestamp() {
            let ms = i64::from(p.nanosecond().unwrap_or(0) / 1_000_000);
            return secs.checked_mul(1000)?.checked_add(ms);
        }
        let date = p.to_naive_date().ok()?;
        let time = if p.hour_div_12().is_none() && p.hour_mod_12().is_none() {
            NaiveTime::MIN
        } else {
            p.to_naive_time().ok()?
        };
        let local = date.and_time(time).and_utc().timestamp_millis();
        let offset = p.offset().unwrap_or(self.offset);
        local.checked_sub(i64::from(offset) * 1000)
    }
}

/// Whether the items name a whole date: a year with a month and day or a day of the year,
/// Unix seconds, or a fixed form that holds a date.
fn has_date(items: &[Item<'_>]) -> bool {
    let has = |want: &[Numeric]| {
        items
            .iter()
            .any(|i| matches!(i, Item::Numeric(n, _) if want.contains(n)))
    };
    let fixed = items
        .iter()
        .any(|i| matches!(i, Item::Fixed(Fixed::RFC2822 | Fixed::RFC3339)));
    fixed
        || has(&[Numeric::Timestamp])
        || (has(&[Numeric::Year, Numeric::YearMod100])
            && (has(&[Numeric::Ordinal]) || (has(&[Numeric::Month]) && has(&[Numeric::Day]))))
        || has(&[Numeric::IsoYear]) && has(&[Numeric::IsoWeek])
}

/// `+01:00`, `-0530`, `+02`, `Z` or `UTC`, as seconds east of UTC.
pub(crate) fn parse_offset(tz: &str) -> Option<i32> {
    let tz = tz.trim();
    if tz.eq_ignore_ascii_case("z") || tz.eq_ignore_ascii_case("utc") {
        return Some(0);
    }
    let (sign, rest) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|&c| c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || rest.matches(':').count() > 1 {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    (h <= 23 && m <= 59).then_some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(format: &str, tz: Option<&str>, cell: &str) -> Result<String, Reason> {
        let f = DateFormat::new(format, tz).unwrap();
        let mut out = Vec::new();
        f.write(cell.as_bytes(), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn german_excel_in_its_zone() {
        assert_eq!(
            read("%d.%m.%Y %H:%M", Some("+01:00"), "05.03.2024 14:22").unwrap(),
            r#""2024-03-05T13:22:00.000Z""#
        );
        assert_eq!(
            read("%d.%m.%Y", None, " 05.03.2024 ").unwrap(),
            r#""2024-03-05T00:00:00.000Z""#
        );
    }

    #[test]
    fn us_excel_and_zones_in_the_cell() {
        assert_eq!(
            read("%m/%d/%Y %I:%M %p", Some("-05:00"), "3/5/2024 2:22 PM").unwrap(),
            r#""2024-03-05T19:22:00.000Z""#
        );
        // A zone in the cell wins over the mapping's.
        assert_eq!(
            read(
                "%Y-%m-%d %H:%M:%S %z",
                Some("+09:00"),
                "2024-03-05 14:22:00 +0000"
            )
            .unwrap(),
            r#""2024-03-05T14:22:00.000Z""#
        );
        assert_eq!(
            read("%s", None, "1709648520").unwrap(),
            r#""2024-03-05T14:22:00.000Z""#
        );
    }

    #[test]
    fn cells_that_do_not_fit() {
        assert_eq!(
            read("%d.%m.%Y %H:%M", None, "2024-03-05"),
            Err(Reason::TimestampFormat {
                text: "2024-03-05".into(),
                format: "%d.%m.%Y %H:%M".into()
            })
        );
        assert!(read("%d.%m.%Y", None, "31.02.2024").is_err());
    }

    #[test]
    fn formats_and_zones_are_checked() {
        assert_eq!(
            DateFormat::new("%Q", None).unwrap_err(),
            (
                "format",
                "%Q is not a date format; write it with chrono's strftime fields, like %d.%m.%Y %H:%M".to_string()
            )
        );
        assert_eq!(DateFormat::new("%H:%M", None).unwrap_err().0, "format");
        assert_eq!(
            DateFormat::new("%Y-%m-%d", Some("Europe/Berlin"))
                .unwrap_err()
                .0,
            "timezone"
        );
        assert_eq!(parse_offset("+01:00"), Some(3600));
        assert_eq!(parse_offset("-0530"), Some(-19800));
        assert_eq!(parse_offset("+02"), Some(7200));
        assert_eq!(parse_offset("UTC"), Some(0));
        assert_eq!(parse_offset("+25:00"), None);
        assert_eq!(parse_offset("1:00"), None);
    }
}
