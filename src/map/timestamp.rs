//! Reads the date and time forms people put in CSV exports and writes the one Segment wants: ISO-8601 UTC with milliseconds.
//!
//! `parse` accepts, after trimming ASCII whitespace:
//! - an RFC 3339 / ISO 8601 date-time `YYYY-MM-DD(T|t| )HH:MM[:SS[.f…]]` followed by
//!   `Z`, `z`, an offset `±HH:MM`, `±HHMM` or `±HH`, or nothing (then it is UTC);
//!   fractions of any length are truncated to milliseconds, and a leap second `:60`
//!   reads as `:59.999`;
//! - a date alone, `YYYY-MM-DD`, as midnight UTC;
//! - Unix time, `[-]digits[.digits]`: seconds up to 11 integer digits, milliseconds from 12,
//!   the fraction truncated (towards zero) to milliseconds.
//!
//! Every accepted instant lies in the years 1900–2200 UTC ([`in_range`]): a value that reads
//! as a time outside them is refused rather than sent, since no export means the year 8 or
//! 5138 (`08-11-16` read year first, milliseconds read as seconds). The same rule holds for
//! dates read with a mapping's format. Both run without allocating: the forms are matched byte by byte, and the calendar
//! arithmetic is Howard Hinnant's `days_from_civil` and its inverse.

use crate::base::out::Out;
/// Why a cell is not a timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TimestampError {
    /// Not a date, date-time or Unix time in any accepted form, or not a real calendar date.
    Unreadable,
    /// Well formed, but the instant falls outside the years 1900–2200 UTC: the milliseconds it
    /// reads as, or `None` when they do not fit in an `i64`.
    OutOfRange(Option<i64>),
}

/// The first year a timestamp may fall in.
pub(crate) const FIRST_YEAR: i64 = 1900;
/// The last year a timestamp may fall in.
pub(crate) const LAST_YEAR: i64 = 2200;
/// `1900-01-01T00:00:00.000Z`, the earliest instant sent.
const FIRST_MS: i64 = days_from_civil(FIRST_YEAR as u32, 1, 1) * MS_PER_DAY;
/// `2200-12-31T23:59:59.999Z`, the latest instant sent.
const LAST_MS: i64 = days_from_civil(LAST_YEAR as u32 + 1, 1, 1) * MS_PER_DAY - 1;

/// Milliseconds in a day.
const MS_PER_DAY: i64 = 86_400_000;
/// `0000-01-01T00:00:00.000Z`, the earliest instant `write_iso` writes.
const MIN_MS: i64 = days_from_civil(0, 1, 1) * MS_PER_DAY;
/// `9999-12-31T23:59:59.999Z`, the latest instant `write_iso` writes.
const MAX_MS: i64 = days_from_civil(10_000, 1, 1) * MS_PER_DAY - 1;
/// Unix times with more integer digits than this are milliseconds rather than seconds.
const MAX_SECONDS_DIGITS: usize = 11;
/// Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
const EPOCH_FROM_MARCH_0000: i64 = 719_468;
/// Days in 400 Gregorian years; the calendar code works one such era ahead to stay unsigned.
const DAYS_PER_ERA: u32 = 146_097;

/// Milliseconds since the Unix epoch, UTC.
///
/// Surrounding ASCII whitespace is ignored; the module docs list the accepted forms.
pub(crate) fn parse(text: &str) -> Result<i64, TimestampError> {
    let bytes = text.as_bytes().trim_ascii();
    let ms = match bytes {
        [_, _, _, _, b'-', ..] => date_time(bytes).ok_or(TimestampError::Unreadable)?,
        _ => unix(bytes)?,
    };
    if in_range(ms) {
        Ok(ms)
    } else {
        Err(TimestampError::OutOfRange(Some(ms)))
    }
}

/// Whether `ms` lies in the years 1900–2200 UTC, as every timestamp sent must: the one rule
/// for dates read with and without a mapping's format.
pub(crate) fn in_range(ms: i64) -> bool {
    (FIRST_MS..=LAST_MS).contains(&ms)
}

/// How `parse` reads `text`, as a refusal says it: `as Unix seconds`, `as Unix milliseconds`,
/// or nothing for an ISO-8601 date.
pub(crate) fn how_read(text: &str) -> &'static str {
    let bytes = text.as_bytes().trim_ascii();
    if matches!(bytes, [_, _, _, _, b'-', ..]) {
        return "";
    }
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if split_digits(digits).0.len() <= MAX_SECONDS_DIGITS {
        "as Unix seconds"
    } else {
        "as Unix milliseconds"
    }
}

/// The year (UTC) that `ms` falls in, for saying why a time is refused; `None` past chrono's
/// range (some 262,000 years either side of the epoch).
pub(crate) fn year_of(ms: i64) -> Option<i64> {
    use chrono::Datelike;
    chrono::DateTime::from_timestamp_millis(ms).map(|t| i64::from(t.year()))
}

/// Whether `text` is already exactly what `write_iso(parse(text))` writes, such as
/// `2019-05-11T20:32:27.940Z`: a real calendar date in the years 1900–2200, no leap second,
/// upper-case `T` and `Z`.
///
/// Exports often hold timestamps in this very form; copying them as they are skips the
/// calendar arithmetic both ways.
pub(crate) fn is_canonical(b: &[u8]) -> bool {
    let Ok(b) = <&[u8; 24]>::try_from(b) else {
        return false;
    };
    // The shape `dddd-dd-ddTdd:dd:dd.dddZ`, eight bytes at a time, with the tens of the
    // month, day, hour, minute and second at most 1, 3, 2, 5 and 5.
    let mut off = 0;
    for (i, (nibbles, bound, literals, values)) in SHAPE_WORDS.into_iter().enumerate() {
        let mut w = [0; 8];
        w.copy_from_slice(&b[8 * i..8 * i + 8]);
        let w = u64::from_le_bytes(w);
        // A digit XOR '0' is 0-9; plus `15 - max` it stays below 16 when it is at most `max`.
        // A byte that is no digit has a bit of the high nibble in one or the other, and no
        // sum carries into the next byte unless its own byte fails already.
        let t = w ^ (ONES * u64::from(b'0'));
        off |= (t | t.wrapping_add(bound)) & nibbles | (w & literals ^ values);
    }
    if off != 0 {
        return false;
    }
    // Every field is digits now, so its ASCII text orders as its value does: each range is
    // tested on the bytes (read big-endian), without working the numbers out.
    let field = |at: usize, len: usize| {
        b[at..at + len]
            .iter()
            .fold(0, |n, &c| n << 8 | u32::from(c))
    };
    let text = |t: &[u8]| t.iter().fold(0, |n, &c| n << 8 | u32::from(c));
    (text(b"1900")..=text(b"2200")).contains(&field(0, 4))
        && field(11, 2) <= text(b"23")
        && (text(b"01")..=text(b"12")).contains(&field(5, 2))
        && ((text(b"01")..=text(b"28")).contains(&field(8, 2)) || is_late_day(b))
}

/// For [`is_canonical`]: whether the day of a shaped date past the 28th (or `00`) is in its
/// month, asked of the calendar.
#[cold]
#[inline(never)]
fn is_late_day(b: &[u8; 24]) -> bool {
    let pair = |at: usize| u32::from(b[at] - b'0') * 10 + u32::from(b[at + 1] - b'0');
    is_day_of(pair(0) * 100 + pair(2), pair(5), pair(8))
}

/// Whether `day` is a day of `month` (1-12 for a month) of `year`: the calendar is asked only
/// past the 28th, which every month has.
#[inline(always)]
pub(crate) fn is_day_of(year: u32, month: u32, day: u32) -> bool {
    if (1..=28).contains(&day) {
        return (1..=12).contains(&month);
    }
    month_days(year, month).is_some_and(|days| (1..=days).contains(&day))
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// `dddd-dd-ddTdd:dd:dd.dddZ` as three little-endian words: for each, the high nibbles of its
/// digits' bytes, what to add to each digit's value for a sum past 15 when it is past the
/// greatest it may be, the mask of the other bytes and what those must be.
const SHAPE_WORDS: [(u64, u64, u64, u64); 3] = {
    // The greatest digit at each place.
    const SHAPE: &[u8; 24] = b"2999-19-39T29:59:59.999Z";
    let mut words = [(0, 0, 0, 0); 3];
    let mut i = 0;
    while i < 24 {
        let shift = 8 * (i % 8);
        let (nibbles, bound, literals, values) = &mut words[i / 8];
        if SHAPE[i].is_ascii_digit() {
            *nibbles |= 0xf0 << shift;
            *bound |= (15 - (SHAPE[i] - b'0') as u64) << shift;
        } else {
            *literals |= 0xff << shift;
            *values |= (SHAPE[i] as u64) << shift;
        }
        i += 1;
    }
    words
};

/// Appends `2019-05-11T20:32:27.940Z` (always 24 bytes, years 0000-9999) for `ms`.
///
/// `ms` outside what `parse` returns is clamped to 0000-01-01 or 9999-12-31.
pub(crate) fn write_iso(ms: i64, out: &mut Out) {
    let ms = ms.clamp(MIN_MS, MAX_MS);
    let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    // In 0..86_400_000, so the cast is lossless.
    let ms_of_day = ms.rem_euclid(MS_PER_DAY) as u32;
    write_iso_parts(year, month, day, ms_of_day / 1000, ms_of_day % 1000, out);
}

/// Appends [`write_iso`]'s 24 bytes for a UTC date (a year up to 9999) and time: `seconds`
/// into the day (below 86,400) and `millis` (below 1,000).
#[inline(always)]
pub(crate) fn write_iso_parts(
    year: u32,
    month: u32,
    day: u32,
    seconds: u32,
    millis: u32,
    out: &mut Out,
) {
    let mut iso = *b"0000-00-00T00:00:00.000Z";
    for (at, value) in [
        (0, year / 100),
        (2, year % 100),
        (5, month),
        (8, day),
        (11, seconds / 3600),
        (14, seconds / 60 % 60),
        (17, seconds % 60),
        (21, millis % 100),
    ] {
        iso[at..at + 2].copy_from_slice(&digit_pair(value));
    }
    // A single decimal digit, so the cast is lossless.
    iso[20] = b'0' + (millis / 100) as u8;
    out.put(&iso);
}

/// `00` to `99` in ASCII, indexed by value.
const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0; 2]; 100];
    let mut value = 0;
    while value < 100 {
        pairs[value] = [b'0' + (value / 10) as u8, b'0' + (value % 10) as u8];
        value += 1;
    }
    pairs
};

/// The two ASCII digits of `value`, which is below 100.
fn digit_pair(value: u32) -> [u8; 2] {
    // The `% 100` keeps the lookup in bounds for any value; below 100 it changes nothing.
    DIGIT_PAIRS[(value % 100) as usize]
}

/// Reads `YYYY-MM-DD`, optionally followed by a separator, a time of day and a zone, as
/// milliseconds since the epoch (not yet checked against the year range); `None` if malformed.
fn date_time(bytes: &[u8]) -> Option<i64> {
    let (&[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1], rest) = bytes.split_first_chunk()? else {
        return None;
    };
    let year = two_digits(y0, y1)? * 100 + two_digits(y2, y3)?;
    let days = date_days(year, two_digits(m0, m1)?, two_digits(d0, d1)?)?;
    let (ms_of_day, offset_ms) = match rest {
        [] => (0, 0),
        [b'T' | b't' | b' ', time @ ..] => time_and_zone(time)?,
        _ => return None,
    };
    Some(days * MS_PER_DAY + ms_of_day - offset_ms)
}

/// Reads `HH:MM[:SS[.f…]]` and the zone after it: milliseconds into the day and the zone's
/// offset east of UTC in milliseconds.
fn time_and_zone(bytes: &[u8]) -> Option<(i64, i64)> {
    let (&[h0, h1, b':', m0, m1], rest) = bytes.split_first_chunk()? else {
        return None;
    };
    let (hour, minute) = (two_digits(h0, h1)?, two_digits(m0, m1)?);
    if hour > 23 || minute > 59 {
        return None;
    }
    let (second_ms, zone) = match rest {
        [b':', s0, s1, rest @ ..] => {
            let second = two_digits(*s0, *s1)?;
            let (fraction_ms, rest) = match rest {
                [b'.', digits @ ..] => fraction(digits)?,
                _ => (0, rest),
            };
            match second {
                0..=59 => (i64::from(second) * 1000 + fraction_ms, rest),
                // A leap second: the last millisecond of the minute it extends.
                60 => (59_999, rest),
                _ => return None,
            }
        }
        _ => (0, rest),
    };
    let ms_of_day = i64::from(hour * 3600 + minute * 60) * 1000 + second_ms;
    Some((ms_of_day, zone_offset_ms(zone)?))
}

/// Reads what follows the time: nothing or `Z` for UTC, else `±HH:MM`, `±HHMM` or `±HH`;
/// the offset east of UTC in milliseconds.
fn zone_offset_ms(bytes: &[u8]) -> Option<i64> {
    let (sign, h0, h1, minutes) = match bytes {
        [] | [b'Z' | b'z'] => return Some(0),
        [sign @ (b'+' | b'-'), h0, h1, minutes @ ..] => (*sign, *h0, *h1, minutes),
        _ => return None,
    };
    let hours = two_digits(h0, h1)?;
    let minutes = match minutes {
        [] => 0,
        [b':', m0, m1] | [m0, m1] => two_digits(*m0, *m1)?,
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    let offset = i64::from(hours * 60 + minutes) * 60_000;
    Some(if sign == b'-' { -offset } else { offset })
}

/// Reads Unix time, `[-]digits[.digits]`, as milliseconds since the epoch.
fn unix(bytes: &[u8]) -> Result<i64, TimestampError> {
    let (negative, bytes) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    let (integer, rest) = split_digits(bytes);
    let fraction_ms = match rest {
        [] => 0,
        [b'.', digits @ ..] => match fraction(digits) {
            Some((ms, [])) => ms,
            _ => return Err(TimestampError::Unreadable),
        },
        _ => return Err(TimestampError::Unreadable),
    };
    let ms = if integer.is_empty() {
        return Err(TimestampError::Unreadable);
    } else if integer.len() <= MAX_SECONDS_DIGITS {
        // At most 10^11 - 1 seconds: far from overflowing once in milliseconds.
        let seconds = integer.iter().fold(0, |n, &d| n * 10 + digit(d));
        seconds * 1000 + fraction_ms
    } else {
        integer
            .iter()
            .try_fold(0_i64, |n, &d| n.checked_mul(10)?.checked_add(digit(d)))
            .ok_or(TimestampError::OutOfRange(None))?
    };
    Ok(if negative { -ms } else { ms })
}

/// Reads the digits of a fraction (at least one) as whole milliseconds, truncating, and
/// returns the bytes after them; `None` if there is no digit.
fn fraction(bytes: &[u8]) -> Option<(i64, &[u8])> {
    // `9` is 900 ms and `94` is 940 ms; digits past the third are dropped.
    let (ms, rest) = match bytes {
        [h @ b'0'..=b'9', t @ b'0'..=b'9', o @ b'0'..=b'9', rest @ ..] => {
            (digit(*h) * 100 + digit(*t) * 10 + digit(*o), rest)
        }
        [h @ b'0'..=b'9', t @ b'0'..=b'9', rest @ ..] => (digit(*h) * 100 + digit(*t) * 10, rest),
        [h @ b'0'..=b'9', rest @ ..] => (digit(*h) * 100, rest),
        _ => return None,
    };
    Some((ms, split_digits(rest).1))
}

/// Splits `bytes` after its leading ASCII digits.
fn split_digits(bytes: &[u8]) -> (&[u8], &[u8]) {
    let mut rest = bytes;
    while let [b'0'..=b'9', tail @ ..] = rest {
        rest = tail;
    }
    bytes.split_at(bytes.len() - rest.len())
}

/// The value of an ASCII digit already matched as one.
fn digit(byte: u8) -> i64 {
    i64::from(byte.wrapping_sub(b'0'))
}

/// The value of two ASCII digits, or `None` if either is not one.
fn two_digits(tens: u8, ones: u8) -> Option<u32> {
    let (tens, ones) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
    (tens < 10 && ones < 10).then(|| u32::from(tens) * 10 + u32::from(ones))
}

/// Days from 1970-01-01 to `year-month-day` (year 0000–9999), or `None` if there is no such day.
pub(crate) fn date_days(year: u32, month: u32, day: u32) -> Option<i64> {
    is_day_of(year, month, day).then(|| days_from_civil(year, month, day))
}

/// The number of days in `month` of `year`, or `None` if there is no such month.
fn month_days(year: u32, month: u32) -> Option<u32> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => Some(29),
        2 => Some(28),
        4 | 6 | 9 | 11 => Some(30),
        1..=12 => Some(31),
        _ => None,
    }
}

/// Days from 1970-01-01 to a valid proleptic Gregorian date, year 0 to 10 399.
const fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    // Years start in March, so the leap day ends them, and are counted one era late so
    // that year 0's January and February (in "year -1") stay unsigned.
    let year = if month <= 2 { year + 399 } else { year + 400 };
    let (era, year_of_era) = (year / 400, year % 400);
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * DAYS_PER_ERA + day_of_era) as i64 - EPOCH_FROM_MARCH_0000 - DAYS_PER_ERA as i64
}

/// The date `days` after 1970-01-01, for days in years 0000–9999: (year, month, day).
fn civil_from_days(days: i64) -> (u32, u32, u32) {
    // One era late, as in `days_from_civil`, so that every value is unsigned; in range
    // this is below 4 million, so the cast is lossless. Neri and Schneider's Euclidean affine
    // forms ("Euclidean affine functions and their application to calendar algorithms", 2022):
    // each step a multiplication and a shift in place of most divisions.
    let days = (days + EPOCH_FROM_MARCH_0000 + i64::from(DAYS_PER_ERA)) as u32;
    // Centuries from 0000-03-01 (one era late), and the day in the century.
    let n1 = 4 * days + 3;
    let (century, day_of_century) = (n1 / DAYS_PER_ERA, n1 % DAYS_PER_ERA / 4);
    // Years in the century, and the day in the year (from March).
    let p2 = 2_939_745 * u64::from(4 * day_of_century + 3);
    let (year_of_century, day_of_year) = ((p2 >> 32) as u32, (p2 as u32) / 2_939_745 / 4);
    // The month from March (3-14) and the day in it.
    let n3 = 2141 * day_of_year + 197_913;
    let (month, day) = (n3 >> 16, (n3 & 0xffff) / 2141 + 1);
    let january = day_of_year >= 306;
    let year = 100 * century + year_of_century + u32::from(january) - 400;
    (year, if january { month - 12 } else { month }, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, Utc};

    /// Parses `text`, expecting `ms`, and checks that it writes back as `iso`.
    #[track_caller]
    fn check(text: &str, ms: i64, iso: &str) {
        assert_eq!(parse(text), Ok(ms), "parse({text:?})");
        assert_eq!(iso_of(ms), iso, "write_iso({ms})");
        assert_eq!(parse(iso), Ok(ms), "parse({iso:?})");
    }

    fn iso_of(ms: i64) -> String {
        let mut out = Out::default();
        write_iso(ms, &mut out);
        assert_eq!(out.len(), 24);
        String::from_utf8(out.into_vec()).unwrap()
    }

    /// chrono's rendering of `ms`, the oracle for `write_iso`.
    fn chrono_iso(ms: i64) -> String {
        DateTime::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// A small deterministic generator (Knuth's MMIX LCG).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 11
        }

        /// Uniform enough in `lo..=hi`.
        fn range(&mut self, lo: i64, hi: i64) -> i64 {
            lo + (self.next() % (hi - lo + 1) as u64) as i64
        }
    }

    #[test]
    fn range_constants_match_chrono() {
        assert_eq!(chrono_iso(MIN_MS), "0000-01-01T00:00:00.000Z");
        assert_eq!(chrono_iso(MAX_MS), "9999-12-31T23:59:59.999Z");
        assert_eq!(iso_of(MIN_MS), "0000-01-01T00:00:00.000Z");
        assert_eq!(iso_of(MAX_MS), "9999-12-31T23:59:59.999Z");
        assert_eq!(MAX_MS, 253_402_300_799_999);
        assert_eq!(MIN_MS, -62_167_219_200_000);
        assert_eq!(chrono_iso(FIRST_MS), "1900-01-01T00:00:00.000Z");
        assert_eq!(chrono_iso(LAST_MS), "2200-12-31T23:59:59.999Z");
    }

    #[test]
    fn rfc3339_with_zone() {
        check(
            "2019-05-11T20:32:27.940Z",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "2019-05-11T22:32:27.940+02:00",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "2019-05-11t20:32:27.940z",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "2019-05-11T15:02:27.940-05:30",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "2019-05-11T15:02:27.940-0530",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "2019-05-11T22:32:27.940+0200",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "2019-05-11T22:32:27.940+02",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "2019-05-11T20:32:27.940-00:00",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        // Across midnight and the year boundary.
        check(
            "2020-01-01T01:00:00+02:00",
            1_577_833_200_000,
            "2019-12-31T23:00:00.000Z",
        );
    }

    #[test]
    fn seconds_and_fractions() {
        check(
            "2019-05-11T20:32Z",
            1_557_606_720_000,
            "2019-05-11T20:32:00.000Z",
        );
        check(
            "2019-05-11T22:32+02:00",
            1_557_606_720_000,
            "2019-05-11T20:32:00.000Z",
        );
        check(
            "2019-05-11T20:32:27Z",
            1_557_606_747_000,
            "2019-05-11T20:32:27.000Z",
        );
        check(
            "2019-05-11T20:32:27.9Z",
            1_557_606_747_900,
            "2019-05-11T20:32:27.900Z",
        );
        check(
            "2019-05-11T20:32:27.94Z",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        // Nine digits, truncated rather than rounded.
        check(
            "2019-05-11T20:32:27.999999999Z",
            1_557_606_747_999,
            "2019-05-11T20:32:27.999Z",
        );
        check(
            "2019-05-11T20:32:27.940123456+02:00",
            1_557_606_740_000 - 7_200_000 + 7_940,
            "2019-05-11T18:32:27.940Z",
        );
        // Any number of digits.
        check(
            "2019-05-11T20:32:27.12345678901234567890123456789Z",
            1_557_606_747_123,
            "2019-05-11T20:32:27.123Z",
        );
        // A leap second reads as the last millisecond of its minute.
        check(
            "2016-12-31T23:59:60Z",
            1_483_228_799_999,
            "2016-12-31T23:59:59.999Z",
        );
        check(
            "2016-12-31T23:59:60.5Z",
            1_483_228_799_999,
            "2016-12-31T23:59:59.999Z",
        );
    }

    #[test]
    fn no_zone_is_utc() {
        check(
            "2019-05-11 20:32:27",
            1_557_606_747_000,
            "2019-05-11T20:32:27.000Z",
        );
        check(
            "2019-05-11T20:32:27",
            1_557_606_747_000,
            "2019-05-11T20:32:27.000Z",
        );
        check(
            "2019-05-11t20:32",
            1_557_606_720_000,
            "2019-05-11T20:32:00.000Z",
        );
        check(
            "2019-05-11 20:32:27.940",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "2019-05-11 20:32:27.940+02:00",
            1_557_606_740_000 - 7_200_000 + 7_940,
            "2019-05-11T18:32:27.940Z",
        );
    }

    #[test]
    fn date_alone_is_midnight_utc() {
        check("2019-05-11", 1_557_532_800_000, "2019-05-11T00:00:00.000Z");
        check("1970-01-01", 0, "1970-01-01T00:00:00.000Z");
        check("1969-12-31", -86_400_000, "1969-12-31T00:00:00.000Z");
        check("1900-01-01", FIRST_MS, "1900-01-01T00:00:00.000Z");
        check(
            "2200-12-31",
            LAST_MS - 86_399_999,
            "2200-12-31T00:00:00.000Z",
        );
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        check(
            " \t2019-05-11T20:32:27.940Z\r\n",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "  1557606747 ",
            1_557_606_747_000,
            "2019-05-11T20:32:27.000Z",
        );
    }

    #[test]
    fn unix_time() {
        check("1557606747", 1_557_606_747_000, "2019-05-11T20:32:27.000Z");
        check(
            "1557606747940",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "1557606747.94",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "1557606747.9",
            1_557_606_747_900,
            "2019-05-11T20:32:27.900Z",
        );
        check(
            "1557606747.940999999",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check(
            "1557606747940.5",
            1_557_606_747_940,
            "2019-05-11T20:32:27.940Z",
        );
        check("0", 0, "1970-01-01T00:00:00.000Z");
        check("-0", 0, "1970-01-01T00:00:00.000Z");
        check("-1", -1000, "1969-12-31T23:59:59.000Z");
        check("-1.5", -1500, "1969-12-31T23:59:58.500Z");
        // Negative fractions truncate towards zero, like positive ones.
        check("-0.0019", -1, "1969-12-31T23:59:59.999Z");
        check(
            "-100000000000",
            -100_000_000_000,
            "1966-10-31T14:13:20.000Z",
        );
        // Eleven digits are seconds, twelve are milliseconds, leading zeros included.
        check("07289654399", LAST_MS - 999, "2200-12-31T23:59:59.000Z");
        check("100000000000", 100_000_000_000, "1973-03-03T09:46:40.000Z");
        check("000001557606747", 1_557_606_747, "1970-01-19T00:40:06.747Z");
        check("7289654399999", LAST_MS, "2200-12-31T23:59:59.999Z");
        check("-2208988800", FIRST_MS, "1900-01-01T00:00:00.000Z");
        check("-2208988800000", FIRST_MS, "1900-01-01T00:00:00.000Z");
    }

    #[test]
    fn calendar_validity() {
        check("2020-02-29", 1_582_934_400_000, "2020-02-29T00:00:00.000Z");
        check(
            "2000-02-29T12:00Z",
            951_825_600_000,
            "2000-02-29T12:00:00.000Z",
        );
        check(
            "2200-12-31T23:59:59.999Z",
            LAST_MS,
            "2200-12-31T23:59:59.999Z",
        );
        for text in [
            "2019-02-29",
            "1900-02-29",
            "2019-04-31",
            "2019-00-10",
            "2019-13-01",
            "2019-02-30",
            "2019-05-00",
            "2019-05-32",
            "2019-05-11T24:00:00Z",
            "2019-05-11T24:00",
            "2019-05-11T23:60:00Z",
            "2019-05-11T23:59:61Z",
            "2019-05-11T20:32:27+24:00",
            "2019-05-11T20:32:27+02:60",
        ] {
            assert_eq!(parse(text), Err(TimestampError::Unreadable), "{text:?}");
        }
    }

    #[test]
    fn out_of_range() {
        // Outside the years 1900-2200: (text, the year it reads as).
        for (text, year) in [
            ("7289654400000", Some(2201)),
            ("-2208988800001", Some(1899)),
            ("-2208988801", Some(1899)),
            ("-99999999999", Some(-1199)),
            ("99999999999", Some(5138)),
            ("253402300800000", Some(10_000)),
            ("0008-11-16", Some(8)),
            ("0000-01-01", Some(0)),
            ("9999-12-31T23:59:59.999Z", Some(9999)),
            ("1900-01-01T00:00:00+00:01", Some(1899)),
            ("2200-12-31T23:59:59.999-00:01", Some(2201)),
            ("1899-12-31", Some(1899)),
            ("2201-01-01", Some(2201)),
            ("9223372036854775808", None),
            ("-9223372036854775809", None),
            ("99999999999999999999999999", None),
        ] {
            let Err(TimestampError::OutOfRange(ms)) = parse(text) else {
                panic!("{text:?} read as {:?}", parse(text));
            };
            assert_eq!(ms.and_then(year_of), year, "{text:?}");
        }
        assert_eq!(
            parse("1900-01-01T01:00:00+01:00"),
            Ok(FIRST_MS),
            "the edge itself"
        );
        assert_eq!(how_read("99999999999"), "as Unix seconds");
        assert_eq!(how_read(" -253402300800000"), "as Unix milliseconds");
        assert_eq!(how_read("0008-11-16"), "");
    }

    #[test]
    fn unreadable() {
        for text in [
            "yesterday",
            "2019-13-01",
            "2019-02-30",
            "05/11/2019",
            "",
            "   ",
            "12:00",
            "2019-05-11T",
            "2019-05-11T20",
            "2019-05-11T20:3",
            "2019-05-11T20:32:2",
            "2019-05-11T20:32:27.",
            "2019-05-11T20:32:27.Z",
            "2019-05-11T20:32.5Z",
            "2019-05-11T20:32:27,940Z",
            "2019-05-11T20:32:27 Z",
            "2019-05-11T20:32:27ZZ",
            "2019-05-11T20:32:27+2",
            "2019-05-11T20:32:27+02:",
            "2019-05-11T20:32:27+02:0",
            "2019-05-11T20:32:27+020",
            "2019-05-11T20:32:27+02:000",
            "2019-05-11T20:32:27 +02:00",
            "2019-05-11  20:32:27",
            "2019-05-11_20:32:27",
            "2019-05-11Z",
            "2019-5-11",
            "19-05-11",
            "+2019-05-11",
            "20190511T203227Z",
            "１９７０-01-01",
            "2019-05-11T20:32:27.940Z garbage",
            "-",
            "+1557606747",
            "1557606747.",
            ".5",
            "-.5",
            "1.5e9",
            "1557606747,94",
            "0x10",
            "1 557 606 747",
            "--1",
            "NaN",
        ] {
            assert_eq!(parse(text), Err(TimestampError::Unreadable), "{text:?}");
        }
    }

    #[test]
    fn canonical_text_is_what_write_iso_writes() {
        for text in [
            "2019-05-11T20:32:27.940Z",
            "1900-01-01T00:00:00.000Z",
            "2200-12-31T23:59:59.999Z",
            "2020-02-29T12:00:00.000Z",
            // The edges of each field's range.
            "2000-02-29T00:00:00.000Z",
            "2200-02-28T23:59:59.999Z",
            "2019-12-31T19:09:09.000Z",
            "2019-10-30T09:00:00.000Z",
            "2019-04-30T00:00:00.000Z",
            "2019-01-31T00:00:00.000Z",
            "2019-05-29T00:00:00.000Z",
            "1999-09-28T23:00:00.000Z",
            "2199-11-01T10:59:59.000Z",
        ] {
            assert!(is_canonical(text.as_bytes()), "{text}");
            assert_eq!(iso_of(parse(text).unwrap()), text);
        }
        for text in [
            // Read, but written back otherwise.
            "2019-05-11t20:32:27.940Z",
            "2019-05-11T20:32:27.940z",
            "2019-05-11 20:32:27.940Z",
            "2019-05-11T20:32:60.000Z",
            "2019-05-11T20:32:27.94Z",
            "2019-05-11T20:32:27.9400Z",
            "2019-05-11T20:32:27.940+00:00",
            " 2019-05-11T20:32:27.940Z",
            // Not read at all.
            "0000-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
            "1899-12-31T23:59:59.999Z",
            "2201-01-01T00:00:00.000Z",
            "2019-02-29T20:32:27.940Z",
            "2019-13-11T20:32:27.940Z",
            "2019-05-00T20:32:27.940Z",
            "2019-05-11T24:00:00.000Z",
            "2019-05-11T20:60:27.940Z",
            "2019-05-11T20:32:27.9a0Z",
            "2019-05-11T20:32:27.94aZ",
            "20x9-05-11T20:32:27.940Z",
            // Leap days, month ends, 24:00 and each field one past its edge.
            "2100-02-29T00:00:00.000Z",
            "1900-02-29T00:00:00.000Z",
            "2019-02-29T00:00:00.000Z",
            "2200-02-29T00:00:00.000Z",
            "2019-04-31T00:00:00.000Z",
            "2019-11-31T00:00:00.000Z",
            "2019-01-32T00:00:00.000Z",
            "2019-01-40T00:00:00.000Z",
            "2019-00-01T00:00:00.000Z",
            "2019-20-01T00:00:00.000Z",
            "2019-05-11T24:00:00.000Z",
            "2019-05-11T30:00:00.000Z",
            "2019-05-11T23:60:00.000Z",
            "2019-05-11T23:59:60.000Z",
            "2019-05-11T23:59:59.999+00:00",
            "2019-05-11T23:59:59.999-00:00",
            "2019-05-11T23:59:59+00:00",
            "2019-05-11T23:59:59Z",
            "2019-05-11T23:59:59.99Z",
            "1900-01-01T00:00:00.0000Z",
            "3000-01-01T00:00:00.000Z",
            "1800-01-01T00:00:00.000Z",
            "2019-05-11T20:32:27.940Z\n",
            "2019-05-11T20:32:27.940",
        ] {
            assert!(!is_canonical(text.as_bytes()), "{text}");
        }
        // Every text that `is_canonical` accepts writes back as itself.
        let mut lcg = Lcg(0xC0FFEE);
        for _ in 0..20_000 {
            let mut text = *b"2019-05-11T20:32:27.940Z";
            for at in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22] {
                if lcg.next() % 4 == 0 {
                    text[at] = b'0' + (lcg.next() % 10) as u8;
                }
            }
            let text = std::str::from_utf8(&text).unwrap();
            if is_canonical(text.as_bytes()) {
                assert_eq!(iso_of(parse(text).unwrap()), text);
            } else {
                assert!(parse(text).map_or(true, |ms| iso_of(ms) != text), "{text}");
            }
        }
    }

    #[test]
    fn canonical_shape_is_checked_byte_for_byte() {
        // The word-at-a-time test of the shape against a byte-at-a-time one, for every byte
        // value at every place of canonical texts (digits next to the edges of each range).
        const SHAPE: &[u8; 24] = b"dddd-dd-ddTdd:dd:dd.dddZ";
        let shaped = |t: &[u8; 24]| {
            t.iter().zip(SHAPE).all(|(&c, &s)| match s {
                b'd' => c.is_ascii_digit(),
                _ => c == s,
            })
        };
        for base in [
            *b"2019-05-11T20:32:27.940Z",
            *b"1999-09-29T09:59:59.999Z",
            *b"2000-10-10T10:00:00.000Z",
        ] {
            for at in 0..24 {
                for byte in 0..=255u8 {
                    let mut t = base;
                    t[at] = byte;
                    let want = shaped(&t) && {
                        let text = std::str::from_utf8(&t).unwrap();
                        parse(text).is_ok_and(|ms| iso_of(ms) == text)
                    };
                    assert_eq!(is_canonical(&t), want, "{:?}", String::from_utf8_lossy(&t));
                }
            }
        }
        assert!(!is_canonical(b"2019-05-11T20:32:27.940"));
        assert!(!is_canonical(b"2019-05-11T20:32:27.940ZZ"));
    }

    #[test]
    fn write_iso_appends_and_clamps() {
        let mut out = Out::from(b"ts=".to_vec());
        write_iso(1_557_606_747_940, &mut out);
        assert_eq!(out.as_slice(), b"ts=2019-05-11T20:32:27.940Z");
        assert_eq!(iso_of(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso_of(i64::MIN), "0000-01-01T00:00:00.000Z");
        assert_eq!(iso_of(i64::MAX), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn every_day_matches_chrono() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let mut date = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        loop {
            let days = (date - epoch).num_days();
            let (year, month, day) = (date.year() as u32, date.month(), date.day());
            assert_eq!(days_from_civil(year, month, day), days, "{date}");
            assert_eq!(date_days(year, month, day), Some(days), "{date}");
            assert_eq!(civil_from_days(days), (year, month, day), "{date}");
            if date == last {
                break;
            }
            date = date.succ_opt().unwrap();
        }
    }

    #[test]
    fn date_validity_matches_chrono() {
        for year in (0..=2100).chain(9900..=9999) {
            for month in 0..=13 {
                for day in 0..=32 {
                    let chrono = NaiveDate::from_ymd_opt(year as i32, month, day);
                    assert_eq!(
                        date_days(year, month, day).is_some(),
                        chrono.is_some(),
                        "{year}-{month}-{day}"
                    );
                }
            }
        }
    }

    #[test]
    fn is_day_of_matches_chrono() {
        for year in 1896..=2204 {
            for month in 0..=13 {
                for day in 0..=32 {
                    let chrono = NaiveDate::from_ymd_opt(year as i32, month, day);
                    assert_eq!(
                        is_day_of(year, month, day),
                        chrono.is_some(),
                        "{year}-{month}-{day}"
                    );
                }
            }
        }
    }

    #[test]
    fn random_instants_match_chrono() {
        // What `parse` gives for a text of the instant `ms`: refused outside 1900-2200.
        let within = |ms: i64| {
            if in_range(ms) {
                Ok(ms)
            } else {
                Err(TimestampError::OutOfRange(Some(ms)))
            }
        };
        let mut lcg = Lcg(0x5EED);
        for _ in 0..5000 {
            // UTC with milliseconds: write_iso against chrono, and back.
            let ms = lcg.range(MIN_MS, MAX_MS);
            let iso = chrono_iso(ms);
            assert_eq!(iso_of(ms), iso);
            assert_eq!(parse(&iso), within(ms), "{iso}");
            assert_eq!(is_canonical(iso.as_bytes()), in_range(ms), "{iso}");

            // Nanoseconds and an offset, as chrono writes them; truncation as chrono's.
            let seconds = lcg.range(MIN_MS / 1000 + 86_400, MAX_MS / 1000 - 86_400);
            let nanos = lcg.range(0, 999_999_999) as u32;
            let offset = FixedOffset::east_opt(lcg.range(-1439, 1439) as i32 * 60).unwrap();
            let instant = DateTime::<Utc>::from_timestamp(seconds, nanos).unwrap();
            let local = instant.with_timezone(&offset);
            let expected = instant.timestamp_millis();
            for format in [
                "%Y-%m-%dT%H:%M:%S%.9f%:z",
                "%Y-%m-%d %H:%M:%S%.f%z",
                "%Y-%m-%dt%H:%M:%S%.6f%:z",
            ] {
                let text = local.format(format).to_string();
                assert_eq!(parse(&text), within(expected), "{text}");
            }
            let text = local.format("%Y-%m-%dT%H:%M%:z").to_string();
            assert_eq!(
                parse(&text),
                within(expected - expected.rem_euclid(60_000)),
                "{text}"
            );
            let text = local
                .naive_local()
                .format("%Y-%m-%d %H:%M:%S%.3f")
                .to_string();
            assert_eq!(
                parse(&text),
                within(local.naive_local().and_utc().timestamp_millis()),
                "{text}"
            );
            let text = local.date_naive().format("%Y-%m-%d").to_string();
            assert_eq!(
                parse(&text),
                within(
                    local
                        .date_naive()
                        .and_hms_opt(0, 0, 0)
                        .unwrap()
                        .and_utc()
                        .timestamp_millis()
                ),
                "{text}"
            );

            // Unix seconds (with and without a fraction) and milliseconds.
            let seconds = lcg.range(MIN_MS / 1000, 99_999_999_999);
            let expected = DateTime::from_timestamp(seconds, 0)
                .unwrap()
                .timestamp_millis();
            assert_eq!(parse(&seconds.to_string()), within(expected), "{seconds}");
            let fraction = lcg.range(0, 999_999);
            let text = format!("{seconds}.{fraction:06}");
            let truncated = if seconds < 0 {
                expected - fraction / 1000
            } else {
                expected + fraction / 1000
            };
            assert_eq!(parse(&text), within(truncated), "{text}");
            let ms = lcg.range(100_000_000_000, MAX_MS);
            let sign = if lcg.next() % 2 == 0 { 1 } else { -1 };
            let text = (sign * ms).to_string();
            let expected = if sign * ms < MIN_MS {
                Err(TimestampError::OutOfRange(Some(sign * ms)))
            } else {
                within(
                    DateTime::from_timestamp_millis(sign * ms)
                        .unwrap()
                        .timestamp_millis(),
                )
            };
            assert_eq!(parse(&text), expected, "{text}");
        }
    }
}
