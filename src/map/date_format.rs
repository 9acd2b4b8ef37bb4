//! Reads dates written in a mapping's own format (`%d.%m.%Y %H:%M`), with chrono, in the zone
//! the mapping gives for values that carry none.
//!
//! The format is parsed once per file into chrono's items; each cell is parsed against them
//! without allocating, and written as Segment wants it (ISO-8601 UTC with milliseconds).
//!
//! Most export formats are digits and separators (`%d.%m.%Y %H:%M`, `%Y-%m-%d %H:%M:%S%.f`):
//! those are also compiled to a plain matcher that reads such a cell in a few dozen
//! instructions, where chrono's general parser costs as much as the rest of the row. It takes a
//! subset of what chrono takes, with the same result; any cell it does not take goes to chrono.
//!
//! A `%Z` reads a time zone abbreviation from a fixed table ([`ZONES`]), which chrono cannot:
//! it only skips the word. A date that reads as a time outside the years 1900–2200 is refused
//! (the rule of [`timestamp::in_range`]), and the message names a format of the draft's list
//! ([`candidates`]) that reads it inside them, looked for only then.

use crate::base::out::Out;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::OnceLock;

use chrono::format::{Fixed, Item, Numeric, Parsed, StrftimeItems};
use chrono::NaiveTime;

use crate::base::reason::{quote, Reason};
use crate::map::timestamp;

/// A date format from a mapping, ready to read cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DateFormat {
    /// The pattern as written, for messages.
    pub text: String,
    items: Vec<Item<'static>>,
    /// Seconds east of UTC for values without a zone of their own.
    offset: i32,
    /// The plain matcher, when the format is digits and separators only.
    fast: Option<Fast>,
    /// Where the format's `%Z` is among `items`, when it has one.
    zone_name: Option<usize>,
    /// What the search for a refused date's fix remembers.
    fixes: FixSearch,
}

/// The fix a refused date's message names is searched for among the [`candidates`]; a file's
/// refused dates mostly share one, so the last found is tried first, and after
/// [`FixSearch::MAX_SEARCHES`] whole searches only it is: a file of refused rows costs a few
/// parses a row, not a few hundred.
#[derive(Debug, Default)]
struct FixSearch {
    /// The index in [`candidates`] of the last fix found, or `usize::MAX`.
    last: AtomicUsize,
    /// Whole searches made.
    searches: AtomicU32,
}

impl FixSearch {
    const MAX_SEARCHES: u32 = 64;
    const NONE: usize = usize::MAX;

    fn new() -> FixSearch {
        FixSearch {
            last: AtomicUsize::new(FixSearch::NONE),
            searches: AtomicU32::new(0),
        }
    }
}

impl Clone for FixSearch {
    fn clone(&self) -> FixSearch {
        FixSearch::new()
    }
}

/// A cache: two formats are the same whatever their searches remember.
impl PartialEq for FixSearch {
    fn eq(&self, _: &FixSearch) -> bool {
        true
    }
}

impl Eq for FixSearch {}

/// The time zone abbreviations a `%Z` reads, with their offsets east of UTC in minutes.
///
/// Only abbreviations that name one offset in common use: `IST` (India, Ireland, Israel) and
/// `AST` (Atlantic, Arabia) are left out; `CST` is US Central (not China), `BST` British
/// Summer Time. Read in any letter case.
pub(crate) const ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("UT", 0),
    ("GMT", 0),
    ("Z", 0),
    ("WET", 0),
    ("WEST", 60),
    ("BST", 60),
    ("CET", 60),
    ("CEST", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    ("JST", 540),
    ("KST", 540),
    ("HKT", 480),
    ("SGT", 480),
    ("AWST", 480),
    ("ACST", 570),
    ("ACDT", 630),
    ("AEST", 600),
    ("AEDT", 660),
    ("NZST", 720),
    ("NZDT", 780),
    ("BRT", -180),
    ("ART", -180),
    ("NST", -210),
    ("NDT", -150),
    ("EST", -300),
    ("EDT", -240),
    ("CST", -360),
    ("CDT", -300),
    ("MST", -420),
    ("MDT", -360),
    ("PST", -480),
    ("PDT", -420),
    ("AKST", -540),
    ("AKDT", -480),
    ("HST", -600),
];

/// The offset east of UTC, in seconds, of a zone abbreviation of [`ZONES`].
fn zone_offset(name: &str) -> Option<i32> {
    ZONES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, minutes)| minutes * 60)
}

/// Whether day or month comes first in a candidate format.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Order {
    /// Year first, or no question of order.
    Fixed,
    MonthFirst,
    DayFirst,
}

/// A date format of the list a draft tries on a column.
#[derive(Debug)]
pub(crate) struct Candidate {
    pub pattern: String,
    pub format: DateFormat,
    pub order: Order,
}

/// The date formats a draft tries on a column, and among which a refused date's fix is looked
/// for: year first; month first before day first for `/` (as US exports write them); day first
/// first for `.` and `-` (as European ones do); each with a 4- and a 2-digit year (`%y` reads
/// 69–99 as 1969–1999 and 00–68 as 2000–2068); then English month names (`Nov 1, 2019`,
/// `1 Nov 2019`), with a 4-digit year; alone or with a 24- or 12-hour time ([`TIMES`]), and
/// then with no zone, an offset (`%z`: `+0100` or `+01:00`) or an abbreviation (`%Z`: `UTC`,
/// `PST`). Built once.
pub(crate) fn candidates() -> &'static [Candidate] {
    static LIST: OnceLock<Vec<Candidate>> = OnceLock::new();
    LIST.get_or_init(|| {
        let dates: [(&str, Order); 11] = [
            ("%Y-%m-%d", Order::Fixed),
            ("%Y/%m/%d", Order::Fixed),
            ("%m/%d/%Y", Order::MonthFirst),
            ("%d/%m/%Y", Order::DayFirst),
            ("%d.%m.%Y", Order::DayFirst),
            ("%m.%d.%Y", Order::MonthFirst),
            ("%d-%m-%Y", Order::DayFirst),
            ("%m-%d-%Y", Order::MonthFirst),
            ("%b %d, %Y", Order::Fixed),
            ("%d %b %Y", Order::Fixed),
            ("%b %d %Y", Order::Fixed),
        ];
        let mut list = Vec::new();
        for (d, order) in dates {
            for y in ["%Y", "%y"] {
                if y == "%y" && (d.starts_with("%Y") || d.contains("%b")) {
                    continue;
                }
                let d = d.replace("%Y", y);
                let mut patterns = vec![d.clone()];
                for t in TIMES {
                    for z in ZONE_FORMS {
                        patterns.push(format!("{d} {t}{z}"));
                    }
                }
                for pattern in patterns {
                    if let Ok(format) = DateFormat::new(&pattern, None) {
                        list.push(Candidate {
                            pattern,
                            format,
                            order,
                        });
                    }
                }
            }
        }
        list
    })
}

/// The times of day the draft's formats have, after their date and a space.
pub(crate) const TIMES: [&str; 5] = [
    "%H:%M",
    "%H:%M:%S",
    "%H:%M:%S%.f",
    "%I:%M %p",
    "%I:%M:%S %p",
];

/// What follows a time: nothing, an offset or a zone.
pub(crate) const ZONE_FORMS: [&str; 3] = ["", " %z", " %Z"];

/// The format of a time of day alone (a column of its own, like `07:45:51` or `3:29:44 AM
/// PDT`) that reads every one of `values`, among [`TIMES`] × [`ZONE_FORMS`]: each is read
/// after a fixed date, as it will be once joined to its date.
pub(crate) fn time_format(values: &[String]) -> Option<String> {
    const DAY: &str = "2000-01-01";
    if values.is_empty() {
        return None;
    }
    let mut joined = Vec::new();
    let mut out = Out::default();
    for t in TIMES {
        for z in ZONE_FORMS {
            let pattern = format!("{t}{z}");
            let Ok(f) = DateFormat::new(&format!("%Y-%m-%d {pattern}"), None) else {
                continue;
            };
            let reads = values.iter().all(|v| {
                joined.clear();
                joined.extend_from_slice(DAY.as_bytes());
                joined.push(b' ');
                joined.extend_from_slice(v.trim().as_bytes());
                out.clear();
                f.write(&joined, &mut out).is_ok()
            });
            if reads {
                return Some(pattern);
            }
        }
    }
    None
}

/// Whether `v` names a time zone a `%Z` reads.
pub(crate) fn is_zone_name(v: &str) -> bool {
    zone_offset(v.trim()).is_some()
}

/// The plain matcher: its steps, and the fixed-width shape they take when every number is
/// written at full width (`05.03.2024 14:22:07`), which is tried first.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fast {
    pieces: Vec<Piece>,
    shape: Option<Shape>,
}

/// Text of one length with each number's digits and each separator at a fixed place, as
/// masks over the text's 8-byte words (the last one, when the length is not a multiple of 8,
/// read as the text's last 8 bytes shifted down to it): a cell is tested a word at a time,
/// and each number read from fixed places, with no branch per byte.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shape {
    len: usize,
    /// Per word: `0xff` at each separator's byte.
    literal_mask: [u64; Shape::WORDS],
    /// Per word: each separator's byte where it is, else zero.
    literals: [u64; Shape::WORDS],
    /// Per word: `0xff` at each digit's byte.
    digit_mask: [u64; Shape::WORDS],
    /// Per field (in [`Field`]'s order): where its digits start and how many there are (none
    /// for a field the format does not have).
    numbers: [(u8, u8); 6],
    /// What a field the format does not have reads as (a day or month of 1, else 0).
    defaults: [u32; 6],
}

impl Shape {
    /// The longest shape: 32 bytes, four words (`%d.%m.%Y %H:%M:%S` is 19).
    const MAX: usize = 32;
    const WORDS: usize = Shape::MAX / 8;

    /// The shape of `pieces`: each number at its full width, each space one space; none with
    /// a fraction, whose width varies, shorter than a word or longer than [`Shape::MAX`].
    fn of(pieces: &[Piece]) -> Option<Shape> {
        let mut literal = [0u8; Shape::MAX];
        let mut literal_mask = [0u8; Shape::MAX];
        let mut digit_mask = [0u8; Shape::MAX];
        let mut numbers = [(0u8, 0u8); 6];
        let mut defaults = [0u32, 1, 1, 0, 0, 0];
        let mut len = 0usize;
        let mut put = |len: &mut usize, b: u8| -> Option<()> {
            *literal.get_mut(*len)? = b;
            literal_mask[*len] = 0xff;
            *len += 1;
            Some(())
        };
        for piece in pieces {
            match piece {
                Piece::Num(field, width) => {
                    // `read` reads numbers of two and four digits.
                    if len + width > Shape::MAX || !matches!(width, 2 | 4) {
                        return None;
                    }
                    numbers[*field as usize] =
                        (u8::try_from(len).ok()?, u8::try_from(*width).ok()?);
                    defaults[*field as usize] = 0;
                    digit_mask[len..len + width].fill(0xff);
                    len += width;
                }
                Piece::Lit(lit) => {
                    for &b in lit.iter() {
                        put(&mut len, b)?;
                    }
                }
                Piece::Space => put(&mut len, b' ')?,
                Piece::Fraction => return None,
            }
        }
        if len < 8 {
            return None;
        }
        let words = |bytes: &[u8; Shape::MAX]| {
            std::array::from_fn(|i| {
                u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap_or_default())
            })
        };
        Some(Shape {
            len,
            literal_mask: words(&literal_mask),
            literals: words(&literal),
            digit_mask: words(&digit_mask),
            numbers,
            defaults,
        })
    }

    /// The fields of `text`, when it has exactly this shape: what the steps read from it.
    #[inline]
    fn read(&self, text: &[u8]) -> Option<[u32; 6]> {
        const ZEROS: u64 = 0x3030_3030_3030_3030;
        const SIXES: u64 = 0x0606_0606_0606_0606;
        const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
        if text.len() != self.len {
            return None;
        }
        let word = |at: usize| -> Option<u64> {
            Some(u64::from_le_bytes(text.get(at..at + 8)?.try_into().ok()?))
        };
        let mut bad = 0u64;
        let mut test = |i: usize, w: u64| {
            let i = i % Shape::WORDS;
            bad |= (w & self.literal_mask[i]) ^ self.literals[i];
            // A digit's byte is 0x30 to 0x39: its xor with 0x30 is 0 to 9, which plus 6
            // stays under 0x10; any other byte sets a high bit of the one or the other. (A
            // carry out of a byte comes only from one whose own high bits are set.)
            let t = (w ^ ZEROS) & self.digit_mask[i];
            bad |= (t | t.wrapping_add(SIXES)) & HIGH;
        };
        let (full, rest) = (self.len / 8, self.len % 8);
        for i in 0..full {
            test(i, word(i * 8)?);
        }
        if rest != 0 {
            // The last 8 bytes, those before the word's start shifted out: the word's bytes,
            // zeros past the end (as the masks have).
            test(full, word(self.len - 8)? >> (8 * (8 - rest)));
        }
        if bad != 0 {
            return None;
        }
        let digit = |at: usize| text.get(at).map_or(0, |&b| u32::from(b & 0x0f));
        let mut v = self.defaults;
        for (out, &(at, width)) in v.iter_mut().zip(&self.numbers) {
            // Unrolled by width (the same for every row): a loop per digit costs more than
            // the digits.
            let at = usize::from(at);
            *out = match width {
                2 => digit(at) * 10 + digit(at + 1),
                4 => (digit(at) * 10 + digit(at + 1)) * 100 + digit(at + 2) * 10 + digit(at + 3),
                _ => *out,
            };
        }
        Some(v)
    }
}

/// A step of the plain matcher.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    /// 1 to `width` digits, after any spaces (as chrono reads numbers).
    Num(Field, usize),
    /// These bytes exactly.
    Lit(Box<[u8]>),
    /// Any run of spaces, or none.
    Space,
    /// `%.f`: a `.` and 1 to 9 digits, or nothing.
    Fraction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

/// The plain matcher for `items`, when each is a digit field, a literal or a space, and the
/// date is whole.
fn compile(items: &[Item<'_>]) -> Option<Fast> {
    let pieces = compile_pieces(items)?;
    let shape = Shape::of(&pieces);
    Some(Fast { pieces, shape })
}

/// The steps of [`compile`].
fn compile_pieces(items: &[Item<'_>]) -> Option<Vec<Piece>> {
    let mut pieces = Vec::with_capacity(items.len());
    let mut seen = [false; 6];
    for item in items {
        let piece = match item {
            Item::Literal(s) => Piece::Lit(s.as_bytes().into()),
            Item::OwnedLiteral(s) => Piece::Lit(s.as_bytes().into()),
            Item::Space(_) | Item::OwnedSpace(_) => Piece::Space,
            Item::Fixed(Fixed::Nanosecond) => Piece::Fraction,
            Item::Numeric(n, _) => {
                let (field, width) = match n {
                    Numeric::Year => (Field::Year, 4),
                    Numeric::Month => (Field::Month, 2),
                    Numeric::Day => (Field::Day, 2),
                    Numeric::Hour => (Field::Hour, 2),
                    Numeric::Minute => (Field::Minute, 2),
                    Numeric::Second => (Field::Second, 2),
                    _ => return None,
                };
                // A field given twice must agree with itself: chrono checks that.
                if std::mem::replace(&mut seen[field as usize], true) {
                    return None;
                }
                Piece::Num(field, width)
            }
            _ => return None,
        };
        pieces.push(piece);
    }
    // A year, month and day; an hour with its minutes (chrono needs both to read a time, and
    // without them it reads none: then no seconds or fraction either).
    let [y, mo, d, h, mi, sec] = seen;
    let fraction = pieces.contains(&Piece::Fraction);
    (y && mo && d && h == mi && (h || !(sec || fraction))).then_some(pieces)
}

/// Runs the plain matcher: milliseconds of the local time, or `None` to ask chrono.
fn run_fast(fast: &Fast, text: &[u8]) -> Option<i64> {
    let (fields, ms) = fast_fields(fast, text)?;
    local_millis(fields, ms)
}

/// The milliseconds of the local time [`fast_fields`] read, or `None` for no such date.
fn local_millis([year, month, day, hour, minute, second]: [u32; 6], ms: u32) -> Option<i64> {
    let days = timestamp::date_days(year, month, day)?;
    Some(days * 86_400_000 + i64::from((hour * 3600 + minute * 60 + second) * 1000 + ms))
}

/// The plain matcher's fields (year, month, day, hour, minute, second: the date unchecked)
/// and milliseconds, or `None` to ask chrono.
#[inline(always)]
fn fast_fields(fast: &Fast, text: &[u8]) -> Option<([u32; 6], u32)> {
    // The full-width shape reads what the steps would read, with fewer tests.
    let (v, ms) = match fast.shape.as_ref().and_then(|s| s.read(text)) {
        Some(v) => (v, 0),
        None => run_pieces(&fast.pieces, text)?,
    };
    let [_, _, _, hour, minute, second] = v;
    (hour <= 23 && minute <= 59 && second <= 59).then_some((v, ms))
}

/// The fields and milliseconds the steps read from the whole of `text`.
fn run_pieces(pieces: &[Piece], text: &[u8]) -> Option<([u32; 6], u32)> {
    let mut v = [0u32, 1, 1, 0, 0, 0];
    let mut ms = 0u32;
    let mut at = 0;
    let skip_spaces = |at: &mut usize| {
        while text.get(*at).is_some_and(|b| b.is_ascii_whitespace()) {
            *at += 1;
        }
    };
    for piece in pieces {
        match piece {
            Piece::Lit(lit) => {
                // Byte by byte: a literal is a byte or two, shorter than a call to compare them.
                for &l in lit.iter() {
                    if text.get(at) != Some(&l) {
                        return None;
                    }
                    at += 1;
                }
            }
            Piece::Space => skip_spaces(&mut at),
            Piece::Num(field, width) => {
                skip_spaces(&mut at);
                let start = at;
                let mut n = 0u32;
                while at - start < *width {
                    match text.get(at) {
                        Some(&b @ b'0'..=b'9') => n = n * 10 + u32::from(b - b'0'),
                        _ => break,
                    }
                    at += 1;
                }
                if at == start {
                    return None;
                }
                v[*field as usize] = n;
            }
            Piece::Fraction => {
                if text.get(at) == Some(&b'.') {
                    let start = at + 1;
                    let digits = text[start..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                    if digits == 0 || digits > 9 {
                        return None;
                    }
                    let mut n = 0u32;
                    for (i, &b) in text[start..start + digits].iter().take(3).enumerate() {
                        n += u32::from(b - b'0') * [100, 10, 1][i];
                    }
                    ms = n;
                    at = start + digits;
                }
            }
        }
    }
    (at == text.len()).then_some((v, ms))
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
        let mut names = items
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i, Item::Fixed(Fixed::TimezoneName)));
        let zone_name = names.next().map(|(at, _)| at);
        if names.next().is_some() {
            return Err((
                "format",
                format!("{format} has %Z more than once; a date has one time zone"),
            ));
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
            fast: compile(&items),
            items,
            offset,
            zone_name,
            fixes: FixSearch::new(),
        })
    }

    /// Writes the non-empty `cell` as a JSON string, or says why it cannot be read.
    pub(crate) fn write(&self, cell: &[u8], out: &mut Out) -> Result<(), Reason> {
        let fields = self
            .fast
            .as_ref()
            .and_then(|f| fast_fields(f, cell.trim_ascii()));
        if let Some((fields, ms)) = fields {
            if self.write_same_day(fields, ms, out) {
                return Ok(());
            }
            // Read once: the instant from the fields, not from the cell again.
            if let Some(local) = local_millis(fields, ms) {
                return self.write_instant(cell, self.utc(local), out);
            }
        }
        self.write_by_millis(cell, out)
    }

    /// [`DateFormat::write`] of what the plain matcher read, when no calendar arithmetic is
    /// needed: a real date of a year well inside the range, whose time in UTC falls on the
    /// same day. Writes nothing and says `false` otherwise.
    #[inline(always)]
    fn write_same_day(&self, fields: [u32; 6], ms: u32, out: &mut Out) -> bool {
        let [year, month, day, hour, minute, second] = fields;
        // Seconds into the local day, less the zone's offset (seconds east of UTC).
        let local = (hour * 3600 + minute * 60 + second) as i32;
        let Some(utc) = local
            .checked_sub(self.offset)
            .and_then(|t| u32::try_from(t).ok())
        else {
            return false;
        };
        if utc >= 86_400
            || !(1901..=2199).contains(&year)
            || !timestamp::is_day_of(year, month, day)
        {
            return false;
        }
        out.push(b'"');
        timestamp::write_iso_parts(year, month, day, utc, ms, out);
        out.push(b'"');
        true
    }

    /// [`DateFormat::write`] by the instant the cell reads as: every date it reads.
    fn write_by_millis(&self, cell: &[u8], out: &mut Out) -> Result<(), Reason> {
        self.write_instant(cell, self.millis(cell)?, out)
    }

    /// Writes `ms`, the instant `cell` reads as, or refuses it outside the range.
    fn write_instant(&self, cell: &[u8], ms: i64, out: &mut Out) -> Result<(), Reason> {
        if !timestamp::in_range(ms) {
            return Err(self.out_of_range(cell, ms));
        }
        out.push(b'"');
        timestamp::write_iso(ms, out);
        out.push(b'"');
        Ok(())
    }

    /// The instant of the local time `local` (milliseconds) in the mapping's zone.
    fn utc(&self, local: i64) -> i64 {
        local - i64::from(self.offset) * 1000
    }

    /// The instant the non-empty `cell` reads as, in any year, or why it cannot be read.
    pub(crate) fn millis(&self, cell: &[u8]) -> Result<i64, Reason> {
        let fast = self
            .fast
            .as_ref()
            .and_then(|f| run_fast(f, cell.trim_ascii()));
        if let Some(local) = fast {
            return Ok(self.utc(local));
        }
        let text = std::str::from_utf8(cell).map_err(|_| Reason::NotUtf8)?;
        let text = text.trim();
        let unread = || Reason::TimestampFormat {
            text: quote(text),
            format: self.text.clone(),
        };
        match self.zone_name {
            None => self.chrono_millis(text).ok_or_else(unread),
            Some(at) => {
                // Up to the `%Z`, then the abbreviation, then the rest of the format.
                let mut p = Parsed::new();
                let rest =
                    chrono::format::parse_and_remainder(&mut p, text, self.items[..at].iter())
                        .map_err(|_| unread())?
                        .trim_start();
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let (zone, rest) = rest.split_at(end);
                let offset = zone_offset(zone).ok_or_else(|| Reason::TimeZoneName {
                    text: quote(text),
                    zone: quote(zone),
                })?;
                chrono::format::parse(&mut p, rest, self.items[at + 1..].iter())
                    .map_err(|_| unread())?;
                self.parsed_millis(&p, Some(offset)).ok_or_else(unread)
            }
        }
    }

    /// Why `cell`, read as `ms`, is refused: the year it reads as, and a format of the draft's
    /// list that reads it inside the range, if one does. Only on the refused path.
    #[cold]
    fn out_of_range(&self, cell: &[u8], ms: i64) -> Reason {
        let list = candidates();
        let fits = |c: &Candidate| {
            c.pattern != self.text && c.format.millis(cell).is_ok_and(timestamp::in_range)
        };
        let last = self.fixes.last.load(Ordering::Relaxed);
        let fix = match list.get(last) {
            Some(c) if fits(c) => Some(last),
            _ if self.fixes.searches.fetch_add(1, Ordering::Relaxed) < FixSearch::MAX_SEARCHES => {
                let found = list.iter().position(fits);
                if let Some(at) = found {
                    self.fixes.last.store(at, Ordering::Relaxed);
                }
                found
            }
            _ => None,
        };
        let fix = fix.map(|at| list[at].pattern.clone());
        Reason::TimestampRange {
            text: quote(&String::from_utf8_lossy(cell)),
            year: timestamp::year_of(ms),
            how: format!("with {}", self.text),
            fix,
        }
    }

    /// What chrono reads: every format, with its zone when it has one.
    fn chrono_millis(&self, text: &str) -> Option<i64> {
        let mut p = Parsed::new();
        chrono::format::parse(&mut p, text, self.items.iter()).ok()?;
        self.parsed_millis(&p, None)
    }

    /// The instant of what chrono parsed; `zone` is the offset (seconds east) of the
    /// abbreviation a `%Z` read.
    fn parsed_millis(&self, p: &Parsed, zone: Option<i32>) -> Option<i64> {
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
        let offset = p.offset().or(zone).unwrap_or(self.offset);
        local.checked_sub(i64::from(offset) * 1000)
    }
}

/// One value read with a mapping's `format` (and `timezone`), as a run writes it: the ISO-8601
/// UTC time, or the message a run gives (a bad format or zone, or a value the format does not
/// read). For an editor that shows what a column's format makes of an example value.
pub fn read_date(value: &str, format: &str, timezone: Option<&str>) -> Result<String, String> {
    read_joined_date(value, &[], format, timezone)
}

/// [`read_date`] of a date column's value joined with the values of its `with` columns (a time,
/// a zone), as a run joins them ([`join_date_parts`]); an empty one is refused as a run
/// refuses its row.
pub fn read_joined_date(
    value: &str,
    with: &[&str],
    format: &str,
    timezone: Option<&str>,
) -> Result<String, String> {
    let f = DateFormat::new(format, timezone)
        .map_err(|(field, message)| format!("{field}: {message}"))?;
    let mut joined = Vec::new();
    let text = join_date_parts(
        &mut joined,
        value.as_bytes(),
        with.iter().map(|w| w.as_bytes()),
    )
    .map_err(|i| {
        format!(
            "the date '{value}' is read with with[{i}], which is empty here; give its value, or \
             take it out of \"with\" if the date is whole without it"
        )
    })?;
    let mut out = Out::default();
    f.write(text, &mut out).map_err(|r| r.to_string())?;
    Ok(String::from_utf8_lossy(&out).trim_matches('"').to_string())
}

/// A date's cell and the cells of its `with` columns (a time, a zone) as the one text its format
/// reads: each trimmed of ASCII white space, with a single space between, in `buf` (reused row
/// after row). `Err(i)` when the `i`th of the others is empty: the date is not whole.
pub(crate) fn join_date_parts<'b, 'p>(
    buf: &'b mut Vec<u8>,
    cell: &[u8],
    others: impl IntoIterator<Item = &'p [u8]>,
) -> Result<&'b [u8], usize> {
    buf.clear();
    buf.extend_from_slice(cell.trim_ascii());
    for (i, part) in others.into_iter().enumerate() {
        let part = part.trim_ascii();
        if part.is_empty() {
            return Err(i);
        }
        buf.push(b' ');
        buf.extend_from_slice(part);
    }
    Ok(buf)
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
    let month_name = items
        .iter()
        .any(|i| matches!(i, Item::Fixed(Fixed::ShortMonthName | Fixed::LongMonthName)));
    fixed
        || has(&[Numeric::Timestamp])
        || (has(&[Numeric::Year, Numeric::YearMod100])
            && (has(&[Numeric::Ordinal])
                || ((has(&[Numeric::Month]) || month_name) && has(&[Numeric::Day]))))
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
    #[test]
    fn read_date_gives_the_iso_time_or_the_runs_message() {
        assert_eq!(
            read_date("05.03.2024 14:30", "%d.%m.%Y %H:%M", Some("+01:00")),
            Ok("2024-03-05T13:30:00.000Z".to_string())
        );
        assert_eq!(
            read_date("2024-03-05 14:25:10 -0500", "%Y-%m-%d %H:%M:%S %z", None),
            Ok("2024-03-05T19:25:10.000Z".to_string())
        );
        let wrong = read_date("2024-03-05", "%d.%m.%Y", None).unwrap_err();
        assert!(wrong.contains("%d.%m.%Y"), "{wrong}");
        assert_eq!(
            read_date("x", "%H:%M", None).unwrap_err(),
            "format: %H:%M has no date in it; it needs a year, month and day (%Y, %m, %d) or Unix seconds (%s)"
        );
        assert!(read_date("05.03.2024", "%d.%m.%Y", Some("Europe/Berlin"))
            .unwrap_err()
            .starts_with("timezone: Europe/Berlin is not a fixed offset"));
    }

    use super::*;

    fn read(format: &str, tz: Option<&str>, cell: &str) -> Result<String, Reason> {
        let f = DateFormat::new(format, tz).unwrap();
        let mut out = Out::default();
        f.write(cell.as_bytes(), &mut out)?;
        Ok(String::from_utf8(out.into_vec()).unwrap())
    }

    #[test]
    fn exports_dates_in_their_zones() {
        // (format, the mapping's zone, cell, what Segment gets)
        let cases = [
            // German Excel, in its zone; a date alone is midnight.
            (
                "%d.%m.%Y %H:%M",
                Some("+01:00"),
                "05.03.2024 14:22",
                "2024-03-05T13:22:00.000Z",
            ),
            ("%d.%m.%Y", None, " 05.03.2024 ", "2024-03-05T00:00:00.000Z"),
            // US Excel.
            (
                "%m/%d/%Y %I:%M %p",
                Some("-05:00"),
                "3/5/2024 2:22 PM",
                "2024-03-05T19:22:00.000Z",
            ),
            // A zone in the cell wins over the mapping's.
            (
                "%Y-%m-%d %H:%M:%S %z",
                Some("+09:00"),
                "2024-03-05 14:22:00 +0000",
                "2024-03-05T14:22:00.000Z",
            ),
            ("%d %b %Y", None, "5 Mar 2024", "2024-03-05T00:00:00.000Z"),
            ("%s", None, "1709648520", "2024-03-05T14:22:00.000Z"),
        ];
        for (format, tz, cell, want) in cases {
            assert_eq!(
                read(format, tz, cell),
                Ok(format!("\"{want}\"")),
                "{format} {cell}"
            );
        }
    }

    #[test]
    fn a_refused_dates_fix_is_searched_for_a_bounded_number_of_times() {
        let fix = |f: &DateFormat, cell: &str| match f.write(cell.as_bytes(), &mut Out::default()) {
            Err(Reason::TimestampRange { fix, .. }) => fix,
            other => panic!("{cell}: {other:?}"),
        };
        let f = DateFormat::new("%Y-%m-%d", None).unwrap();
        assert_eq!(fix(&f, "08-11-16").as_deref(), Some("%d-%m-%y"));
        assert_eq!(fix(&f, "09-12-16").as_deref(), Some("%d-%m-%y"));
        // The last fix does not read it: searched again, and no format of the list does.
        assert_eq!(fix(&f, "0008-11-16"), None);
        assert_eq!(fix(&f, "10-11-16").as_deref(), Some("%d-%m-%y"));
        let f = DateFormat::new("%d.%m.%Y", None).unwrap();
        for _ in 0..FixSearch::MAX_SEARCHES {
            assert_eq!(fix(&f, "01.02.1850"), None);
        }
        // Searched out: no fix named any more, although one reads it.
        assert_eq!(fix(&f, "01.02.50"), None);
        let fresh = DateFormat::new("%d.%m.%Y", None).unwrap();
        assert_eq!(fix(&fresh, "01.02.50").as_deref(), Some("%d.%m.%y"));
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

    /// Numbers below `n` from a xorshift generator: the tests' cells, the same on every run.
    fn numbers(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |n| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        }
    }

    /// `format` with each number at full width (year, month, day, hour, minute, second) and
    /// `%.f` as `fraction`.
    fn filled(format: &str, [y, mo, d, h, mi, s]: [u32; 6], fraction: &str) -> String {
        format
            .replace("%Y", &format!("{y:04}"))
            .replace("%m", &format!("{mo:02}"))
            .replace("%d", &format!("{d:02}"))
            .replace("%H", &format!("{h:02}"))
            .replace("%M", &format!("{mi:02}"))
            .replace("%S", &format!("{s:02}"))
            .replace("%.f", fraction)
    }

    /// The plain matcher takes a subset of what chrono takes, and reads it the same.
    #[test]
    fn the_plain_matcher_agrees_with_chrono() {
        let formats = [
            "%d.%m.%Y %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%m/%d/%Y",
            "%Y%m%d",
            "%d.%m.%Y",
        ];
        let mut next = numbers(0x2545_f491_4f6c_dd1d);
        let mut fast_taken = 0;
        for format in formats {
            let f = DateFormat::new(format, Some("+01:00")).unwrap();
            assert!(f.fast.is_some(), "{format}");
            for _ in 0..4000 {
                // Cells near the format: digits of random widths, its separators, noise.
                let mut cell = String::new();
                for c in format.chars() {
                    match next(12) {
                        0 => cell.push(' '),
                        1 => cell.push_str(&next(10).to_string()),
                        2 => cell.push('x'),
                        _ => {}
                    }
                    if c == '%' || c.is_ascii_alphabetic() {
                        continue;
                    }
                    cell.push(c);
                }
                let digits = [
                    next(32),
                    next(13),
                    next(10_000),
                    next(25),
                    next(61),
                    next(62),
                ];
                let cell = cell
                    .replacen('.', &format!("{}.", digits[0]), 1)
                    .replacen('-', &format!("{}-", digits[2]), 1)
                    .replacen(':', &format!("{}:", digits[3]), 1)
                    .replacen('/', &format!("{}/", digits[1]), 1);
                let fast = run_fast(f.fast.as_ref().unwrap(), cell.as_bytes());
                if let Some(local) = fast {
                    fast_taken += 1;
                    assert_eq!(
                        Some(local - 3_600_000),
                        f.chrono_millis(&cell),
                        "{format}: {cell:?}"
                    );
                }
            }
            // And real values, of every field's width.
            for (y, mo, d, h, mi, s, ms) in [
                (2024, 3, 5, 14, 22, 7, 123),
                (1999, 12, 31, 0, 0, 0, 0),
                (2000, 2, 29, 23, 59, 59, 999),
            ] {
                let text = filled(format, [y, mo, d, h, mi, s], &format!(".{ms:03}456"));
                let local = run_fast(f.fast.as_ref().unwrap(), text.as_bytes()).unwrap();
                assert_eq!(
                    Some(local - 3_600_000),
                    f.chrono_millis(&text),
                    "{format}: {text}"
                );
                fast_taken += 1;
            }
        }
        assert!(
            fast_taken > 100,
            "only {fast_taken} cells took the plain path"
        );
        // Formats it leaves to chrono.
        for format in [
            "%m/%d/%Y %I:%M %p",
            "%d %b %Y",
            "%Y-%m-%d %H:%M:%S %z",
            "%s",
            "%H:%M %d.%m.%Y %H",
        ] {
            assert!(
                DateFormat::new(format, None).unwrap().fast.is_none(),
                "{format}"
            );
        }
    }

    /// The same-day path writes what the path by the instant writes, on either side of
    /// midnight, of the range's ends, of a month's end, in every kind of zone.
    #[test]
    fn dates_written_on_the_same_day_are_written_as_by_their_instant() {
        let mut next = numbers(0x2545_f491_4f6c_dd1d);
        let mut same_day = 0;
        for tz in ["UTC", "+02:00", "-05:30", "+14:00", "-12:00", "+00:01"] {
            for format in [
                "%d.%m.%Y %H:%M:%S",
                "%Y-%m-%d %H:%M:%S%.f",
                "%m/%d/%Y %H:%M",
                "%Y%m%d",
            ] {
                let f = DateFormat::new(format, Some(tz)).unwrap();
                for _ in 0..3000 {
                    let year = [1899, 1900, 1901, 2024, 2199, 2200, 2201][next(7) as usize];
                    let (month, day) =
                        [(1, 1), (2, 28), (2, 29), (12, 31), (4, 31), (6, 15)][next(6) as usize];
                    let (h, mi) = [(0, 0), (23, 59), (12, 30), (1, 59), (22, 0)][next(5) as usize];
                    let (s, ms) = (next(60) as u32, next(1000));
                    let text = filled(format, [year, month, day, h, mi, s], &format!(".{ms:03}"));
                    let (mut a, mut b) = (Out::default(), Out::default());
                    let ra = f.write(text.as_bytes(), &mut a);
                    let rb = f.write_by_millis(text.as_bytes(), &mut b);
                    assert_eq!(ra, rb, "{format} {tz}: {text}");
                    if ra.is_ok() {
                        assert_eq!(&a[..], &b[..], "{format} {tz}: {text}");
                    }
                    let fields = fast_fields(f.fast.as_ref().unwrap(), text.as_bytes());
                    if let Some((v, ms)) = fields {
                        same_day += usize::from(f.write_same_day(v, ms, &mut Out::default()));
                    }
                }
            }
        }
        assert!(
            same_day > 10_000,
            "only {same_day} dates took the same-day path"
        );
    }

    #[test]
    fn full_width_dates_are_read_by_their_shape() {
        let f = DateFormat::new("%d.%m.%Y %H:%M:%S", Some("+02:00")).unwrap();
        let fast = f.fast.as_ref().unwrap();
        let shape = fast.shape.as_ref().unwrap();
        assert_eq!(
            shape.read(b"05.03.2024 14:22:07"),
            Some([2024, 3, 5, 14, 22, 7])
        );
        // Narrower numbers, other spaces and other lengths are the steps' to read.
        for text in [
            "5.3.2024 14:22:07",
            "05.03.2024  14:22:07",
            "05.03.2024 14:22",
        ] {
            assert_eq!(shape.read(text.as_bytes()), None, "{text}");
        }
        for text in [
            "05.03.2024 14:22:07",
            "5.3.2024 14:22:07",
            "05.03.2024  14:22:07",
        ] {
            assert_eq!(
                f.millis(text.as_bytes()).ok(),
                f.chrono_millis(text),
                "{text}"
            );
        }
        // Not a date, in the shape of one.
        assert_eq!(shape.read(b"05.03.2024 14:22:0x"), None);
        assert!(f.millis(b"31.02.2024 14:22:07").is_err());
        // A fraction's width varies: no shape.
        let f = DateFormat::new("%Y-%m-%d %H:%M:%S%.f", None).unwrap();
        assert_eq!(f.fast.as_ref().unwrap().shape, None);
    }

    /// What a shape reads, byte by byte: the fields of `text` when each digit of `format`'s
    /// full-width numbers is a digit and each other byte is the format's.
    fn read_by_bytes(f: &DateFormat, text: &[u8]) -> Option<[u32; 6]> {
        let pieces = &f.fast.as_ref()?.pieces;
        let mut v = [0u32, 1, 1, 0, 0, 0];
        let mut at = 0;
        for piece in pieces {
            match piece {
                Piece::Num(field, width) => {
                    let digits = text.get(at..at + width)?;
                    if !digits.iter().all(u8::is_ascii_digit) {
                        return None;
                    }
                    v[*field as usize] = std::str::from_utf8(digits).ok()?.parse().ok()?;
                    at += width;
                }
                Piece::Lit(lit) => {
                    if text.get(at..at + lit.len())? != &lit[..] {
                        return None;
                    }
                    at += lit.len();
                }
                Piece::Space => {
                    if text.get(at) != Some(&b' ') {
                        return None;
                    }
                    at += 1;
                }
                Piece::Fraction => return None,
            }
        }
        (at == text.len()).then_some(v)
    }

    #[test]
    fn shapes_test_every_byte_of_every_word() {
        // Numbers across a word's end (the year at 15..19, bytes 8 and 16 mid-number), a
        // date alone in one word, a shape of exactly 32 bytes (four words, the last full).
        for (format, good) in [
            ("%d.%m.%Y %H:%M:%S", "05.03.2024 14:22:07"),
            ("%H:%M:%S %d.%m.%Y", "14:22:07 29.02.2024"),
            ("%Y%m%d", "20240229"),
            ("%Y-%m-%d", "1999-12-31"),
            (
                "%Y-%m-%d, at %H:%M:%S sharp...",
                "2024-03-05, at 14:22:07 sharp...",
            ),
            // One byte past: the steps read it.
            (
                "%Y-%m-%d, at %H:%M:%S sharp....",
                "2024-03-05, at 14:22:07 sharp....",
            ),
        ] {
            let f = DateFormat::new(format, None).unwrap();
            if good.len() > Shape::MAX {
                assert_eq!(f.fast.as_ref().unwrap().shape, None, "{format}");
                assert_eq!(f.millis(good.as_bytes()).ok(), f.chrono_millis(good));
                assert!(f.millis(good.as_bytes()).is_ok());
                continue;
            }
            let shape = f.fast.as_ref().unwrap().shape.as_ref().unwrap();
            assert_eq!(shape.len, good.len(), "{format}");
            assert!(shape.read(good.as_bytes()).is_some(), "{format}");
            let mut text = good.as_bytes().to_vec();
            for at in 0..text.len() {
                for b in 0..=255u8 {
                    text[at] = b;
                    assert_eq!(
                        shape.read(&text),
                        read_by_bytes(&f, &text),
                        "{format}: {text:?}"
                    );
                    if let Ok(s) = std::str::from_utf8(&text) {
                        assert_eq!(f.millis(&text).ok(), f.chrono_millis(s.trim()), "{s}");
                    }
                }
                text[at] = good.as_bytes()[at];
            }
            // One byte more or less is not the shape.
            assert_eq!(shape.read(&good.as_bytes()[1..]), None);
            assert_eq!(shape.read(format!("{good}0").as_bytes()), None);
        }
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
