//! Looks at a file's first bytes: skips a UTF-8 byte order mark, decodes UTF-16, refuses gzip;
//! and decodes the encoding a mapping names (UTF-16 without a byte order mark, Windows-1252,
//! Mac Roman, ISO-8859-1) to UTF-8, so every host reads such exports the same way.
//!
//! Windows-1252 is a table of the 32 characters where it differs from ISO-8859-1 (bytes
//! 0x80–0x9F); the rest of both is Unicode's first 256 code points. Mac Roman (WHATWG's
//! `macintosh`, as Excel for Mac saved CSV until 2016) is a table of its 128 upper bytes.
//! `encoding_rs` would add the same encodings for far more wasm (its single-byte tables come
//! with its whole label and decoder machinery), so the tables stay ours.

/// The file is not text but an archive the reader cannot read: the run stops the file with an
/// [`crate::Error`] that says what it is and what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compressed {
    /// gzip: the file's name should end in .gz, so it is decompressed first.
    Gzip,
    /// A zip, as an Excel workbook is (`PK\x03\x04`): it is read as a workbook only where a
    /// host reads workbooks ([`crate::workbook`]).
    Zip,
}

/// The encoding a mapping says a file is in; a byte order mark wins over it.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[schemars(inline)]
pub(crate) enum Encoding {
    /// UTF-8 (and ASCII), the default.
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-16, little-endian unless a byte order mark says otherwise.
    #[serde(rename = "utf-16")]
    Utf16,
    /// UTF-16, big-endian unless a byte order mark says otherwise.
    #[serde(rename = "utf-16be")]
    Utf16Be,
    /// Windows' Western European code page, as Excel saves CSV on Western European machines.
    #[serde(rename = "windows-1252")]
    Windows1252,
    /// Mac OS Roman, as Excel for Mac saved CSV (with CR line ends) before its UTF-8 option.
    #[serde(rename = "macintosh")]
    MacRoman,
    /// ISO-8859-1 (Latin-1): each byte is the code point of the same number.
    #[serde(rename = "iso-8859-1")]
    Latin1,
}

impl Encoding {
    /// Every encoding a mapping can name, in the order messages list them.
    pub(crate) const ALL: [Encoding; 6] = [
        Encoding::Utf8,
        Encoding::Utf16,
        Encoding::Utf16Be,
        Encoding::Windows1252,
        Encoding::MacRoman,
        Encoding::Latin1,
    ];
}

/// Windows-1252's bytes 0x80–0x9F; the five it leaves undefined map to the C1 control of the
/// same number, as the WHATWG Encoding Standard has it.
const WINDOWS_1252_HIGH: [char; 32] = [
    '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}', '\u{8f}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}', '\u{178}',
];

/// Mac Roman's bytes 0x80–0xFF, as the WHATWG Encoding Standard's `macintosh` index has them
/// (0xDB the euro sign, 0xF0 the Apple logo's private-use character).
const MAC_ROMAN_HIGH: [char; 128] = [
    '\u{c4}', '\u{c5}', '\u{c7}', '\u{c9}', '\u{d1}', '\u{d6}', '\u{dc}', '\u{e1}', '\u{e0}',
    '\u{e2}', '\u{e4}', '\u{e3}', '\u{e5}', '\u{e7}', '\u{e9}', '\u{e8}', '\u{ea}', '\u{eb}',
    '\u{ed}', '\u{ec}', '\u{ee}', '\u{ef}', '\u{f1}', '\u{f3}', '\u{f2}', '\u{f4}', '\u{f6}',
    '\u{f5}', '\u{fa}', '\u{f9}', '\u{fb}', '\u{fc}', '\u{2020}', '\u{b0}', '\u{a2}', '\u{a3}',
    '\u{a7}', '\u{2022}', '\u{b6}', '\u{df}', '\u{ae}', '\u{a9}', '\u{2122}', '\u{b4}', '\u{a8}',
    '\u{2260}', '\u{c6}', '\u{d8}', '\u{221e}', '\u{b1}', '\u{2264}', '\u{2265}', '\u{a5}',
    '\u{b5}', '\u{2202}', '\u{2211}', '\u{220f}', '\u{3c0}', '\u{222b}', '\u{aa}', '\u{ba}',
    '\u{3a9}', '\u{e6}', '\u{f8}', '\u{bf}', '\u{a1}', '\u{ac}', '\u{221a}', '\u{192}', '\u{2248}',
    '\u{2206}', '\u{ab}', '\u{bb}', '\u{2026}', '\u{a0}', '\u{c0}', '\u{c3}', '\u{d5}', '\u{152}',
    '\u{153}', '\u{2013}', '\u{2014}', '\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}', '\u{f7}',
    '\u{25ca}', '\u{ff}', '\u{178}', '\u{2044}', '\u{20ac}', '\u{2039}', '\u{203a}', '\u{fb01}',
    '\u{fb02}', '\u{2021}', '\u{b7}', '\u{201a}', '\u{201e}', '\u{2030}', '\u{c2}', '\u{ca}',
    '\u{c1}', '\u{cb}', '\u{c8}', '\u{cd}', '\u{ce}', '\u{cf}', '\u{cc}', '\u{d3}', '\u{d4}',
    '\u{f8ff}', '\u{d2}', '\u{da}', '\u{db}', '\u{d9}', '\u{131}', '\u{2c6}', '\u{2dc}', '\u{af}',
    '\u{2d8}', '\u{2d9}', '\u{2da}', '\u{b8}', '\u{2dd}', '\u{2db}', '\u{2c7}',
];

/// What the input is, once its first bytes are known.
#[derive(Debug)]
pub(crate) enum Decoder {
    /// Up to three first bytes, waiting for enough to decide; then the encoding the mapping names.
    Sniffing(Vec<u8>, Encoding),
    /// UTF-8 (or ASCII): passed through as it is.
    Utf8,
    /// UTF-16 with a byte order mark, transcoded to UTF-8.
    Utf16(Utf16),
    /// A single-byte encoding, transcoded to UTF-8.
    SingleByte(SingleByte),
}

/// Input for the record reader.
pub(crate) struct Decoded<'a> {
    /// Bytes of the file not to feed (a byte order mark), counted in offsets.
    pub skip: u64,
    /// Bytes held back while sniffing, to feed before `rest`.
    pub head: Vec<u8>,
    /// The rest of this chunk, as UTF-8.
    pub rest: &'a [u8],
}

impl Decoder {
    #[cfg(test)]
    pub(crate) fn new() -> Decoder {
        Decoder::with(Encoding::Utf8)
    }

    /// A decoder for input in `encoding`, unless its byte order mark says otherwise.
    pub(crate) fn with(encoding: Encoding) -> Decoder {
        Decoder::Sniffing(Vec::with_capacity(3), encoding)
    }

    /// A decoder for input in `encoding` that starts after the byte order mark, if any.
    pub(crate) fn past_start(encoding: Encoding) -> Decoder {
        match encoding {
            Encoding::Utf8 => Decoder::Utf8,
            Encoding::Utf16 => Decoder::Utf16(Utf16::new(false)),
            Encoding::Utf16Be => Decoder::Utf16(Utf16::new(true)),
            Encoding::Windows1252 | Encoding::MacRoman | Encoding::Latin1 => {
                Decoder::SingleByte(SingleByte::new(encoding))
            }
        }
    }

    /// Whether the bytes the reader sees are the file's own: offsets then are the file's.
    pub(crate) fn is_identity(&self) -> bool {
        match self {
            Decoder::Sniffing(_, e) => *e == Encoding::Utf8,
            Decoder::Utf8 => true,
            Decoder::Utf16(_) | Decoder::SingleByte(_) => false,
        }
    }

    /// Decodes a chunk; `eof` says no more will come.
    pub(crate) fn decode<'a>(
        &'a mut self,
        chunk: &'a [u8],
        eof: bool,
    ) -> Result<Decoded<'a>, Compressed> {
        let mut skip = 0;
        let mut head = Vec::new();
        let mut chunk = chunk;
        if let Decoder::Sniffing(seen, encoding) = self {
            let take = (3 - seen.len()).min(chunk.len());
            seen.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            let Some(found) = sniff(seen, *encoding, eof) else {
                return Ok(Decoded {
                    skip,
                    head,
                    rest: &[],
                });
            };
            let seen = std::mem::take(seen);
            let (bom, next) = found?;
            skip = bom as u64;
            *self = next;
            match self {
                Decoder::Utf8 => head = seen[bom..].to_vec(),
                Decoder::Utf16(u) => {
                    u.transcode(&seen[bom..]);
                    head = std::mem::take(&mut u.out);
                }
                Decoder::SingleByte(d) => {
                    d.transcode(&seen[bom..]);
                    head = std::mem::take(&mut d.out);
                }
                Decoder::Sniffing(..) => {}
            }
        }
        let rest: &'a [u8] = match self {
            Decoder::Utf16(u) => {
                u.out.clear();
                u.transcode(chunk);
                if eof {
                    u.end();
                }
                &u.out
            }
            Decoder::SingleByte(d) => {
                d.out.clear();
                d.transcode(chunk);
                &d.out
            }
            _ => chunk,
        };
        Ok(Decoded { skip, head, rest })
    }
}

/// Decides from the first bytes: `None` while more are needed, else the BOM's length and the decoder.
fn sniff(
    seen: &[u8],
    encoding: Encoding,
    eof: bool,
) -> Option<Result<(usize, Decoder), Compressed>> {
    let need = |n: usize| seen.len() < n && !eof;
    let utf16 = |big_endian| Some(Ok((2, Decoder::Utf16(Utf16::new(big_endian)))));
    match seen {
        [] if !eof => None,
        [0x1f, ..] if need(2) => None,
        [0x1f, 0x8b, ..] => Some(Err(Compressed::Gzip)),
        [b'P', ..] if need(3) => None,
        [b'P', b'K', 0x03, ..] => Some(Err(Compressed::Zip)),
        [0xef, ..] if need(3) => None,
        [0xef, 0xbb, 0xbf, ..] => Some(Ok((3, Decoder::Utf8))),
        [0xff | 0xfe, ..] if need(2) => None,
        [0xff, 0xfe, ..] => utf16(false),
        [0xfe, 0xff, ..] => utf16(true),
        _ => Some(Ok((0, Decoder::past_start(encoding)))),
    }
}

/// The character a byte of a single-byte `encoding` stands for (UTF-8 and UTF-16 bytes are
/// read as ISO-8859-1's).
pub(crate) fn single_byte_char(encoding: Encoding, b: u8) -> char {
    match (encoding, b) {
        (Encoding::Windows1252, 0x80..=0x9f) => WINDOWS_1252_HIGH[usize::from(b - 0x80)],
        (Encoding::MacRoman, 0x80..=0xff) => MAC_ROMAN_HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// A streaming Windows-1252, Mac Roman or ISO-8859-1 to UTF-8 transcoder: every byte is one
/// character.
#[derive(Debug)]
pub(crate) struct SingleByte {
    encoding: Encoding,
    out: Vec<u8>,
}

impl SingleByte {
    fn new(encoding: Encoding) -> SingleByte {
        SingleByte {
            encoding,
            out: Vec::new(),
        }
    }

    fn transcode(&mut self, bytes: &[u8]) {
        self.out.reserve(bytes.len() + bytes.len() / 8);
        let mut rest = bytes;
        while !rest.is_empty() {
            // ASCII runs, most of an export, are copied whole.
            let ascii = ascii_prefix(rest);
            self.out.extend_from_slice(&rest[..ascii]);
            let Some((&b, tail)) = rest[ascii..].split_first() else {
                break;
            };
            let c = single_byte_char(self.encoding, b);
            let mut buf = [0u8; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            rest = tail;
        }
    }
}

/// How many bytes `bytes` starts with that are ASCII: eight looked at at once.
fn ascii_prefix(bytes: &[u8]) -> usize {
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(word) = bytes.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let high = u64::from_le_bytes(*word) & HIGHS;
        if high != 0 {
            // The lowest high bit is the first byte past ASCII (little-endian).
            return i + (high.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while bytes.get(i).is_some_and(u8::is_ascii) {
        i += 1;
    }
    i
}

/// A streaming UTF-16 to UTF-8 transcoder; lone surrogates become U+FFFD.
#[derive(Debug)]
pub(crate) struct Utf16 {
    big_endian: bool,
    odd: Option<u8>,
    high: Option<u16>,
    out: Vec<u8>,
}

impl Utf16 {
    fn new(big_endian: bool) -> Utf16 {
        Utf16 {
            big_endian,
            odd: None,
            high: None,
            out: Vec::new(),
        }
    }

    fn transcode(&mut self, mut bytes: &[u8]) {
        if let (Some(first), Some((&second, rest))) = (self.odd, bytes.split_first()) {
            self.odd = None;
            self.unit([first, second]);
            bytes = rest;
        }
        let mut pairs = bytes.chunks_exact(2);
        for pair in &mut pairs {
            self.unit([pair[0], pair[1]]);
        }
        if let [last] = pairs.remainder() {
            self.odd = Some(*last);
        }
    }

    fn unit(&mut self, pair: [u8; 2]) {
        let u = if self.big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        };
        let c = match (self.high.take(), u) {
            (Some(hi), 0xdc00..=0xdfff) => {
                let cp = 0x10000 + ((u32::from(hi) - 0xd800) << 10) + (u32::from(u) - 0xdc00);
                char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            (hi, 0xd800..=0xdbff) => {
                if hi.is_some() {
                    self.push(char::REPLACEMENT_CHARACTER);
                }
                self.high = Some(u);
                return;
            }
            (hi, _) => {
                if hi.is_some() {
                    self.push(char::REPLACEMENT_CHARACTER);
                }
                char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
        };
        self.push(c);
    }

    fn push(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.out
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    fn end(&mut self) {
        if self.high.take().is_some() || self.odd.take().is_some() {
            self.push(char::REPLACEMENT_CHARACTER);
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn ascii_prefix_stops_at_the_first_byte_past_ascii() {
        for len in 0..40 {
            let all = vec![b'a'; len];
            assert_eq!(ascii_prefix(&all), len);
            for at in 0..len {
                for high in [0x80, 0xe9, 0xff] {
                    let mut b = all.clone();
                    b[at] = high;
                    if at + 1 < len {
                        b[len - 1] = 0x9f;
                    }
                    assert_eq!(ascii_prefix(&b), at, "len {len}, at {at}");
                }
            }
        }
    }

    use super::*;
    use crate::report::error::{Error, ErrorKind};

    /// Decodes `data` cut into `size`-byte chunks; returns the bytes skipped and the output.
    fn run(data: &[u8], size: usize) -> Result<(u64, Vec<u8>), Error> {
        decode_with(Decoder::new(), data, size)
    }

    fn decode_with(mut d: Decoder, data: &[u8], size: usize) -> Result<(u64, Vec<u8>), Error> {
        let mut out = Vec::new();
        let mut skipped = 0;
        let mut chunks: Vec<&[u8]> = data.chunks(size.max(1)).collect();
        chunks.push(&[]);
        let last = chunks.len() - 1;
        for (i, c) in chunks.into_iter().enumerate() {
            let got = d.decode(c, i == last)?;
            skipped += got.skip;
            out.extend_from_slice(&got.head);
            out.extend_from_slice(got.rest);
        }
        Ok((skipped, out))
    }

    #[test]
    fn utf8_with_and_without_bom() {
        for size in 1..6 {
            assert_eq!(
                run(b"\xef\xbb\xbfa,b\n", size).unwrap(),
                (3, b"a,b\n".to_vec())
            );
            assert_eq!(run(b"a,b\n", size).unwrap(), (0, b"a,b\n".to_vec()));
            assert_eq!(run(b"\xef\xbb", size).unwrap(), (0, b"\xef\xbb".to_vec()));
            assert_eq!(run(b"", size).unwrap(), (0, Vec::new()));
            assert_eq!(run(b"x", size).unwrap(), (0, b"x".to_vec()));
        }
    }

    #[test]
    fn utf16_both_orders_any_chunking() {
        let text = "userId,name\n1,Zoë 🎉\n";
        let mut le = vec![0xff, 0xfe];
        let mut be = vec![0xfe, 0xff];
        for u in text.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        for size in 1..8 {
            assert_eq!(run(&le, size).unwrap(), (2, text.as_bytes().to_vec()));
            assert_eq!(run(&be, size).unwrap(), (2, text.as_bytes().to_vec()));
        }
    }

    #[test]
    fn lone_surrogates_are_replaced() {
        let data = [0xff, 0xfe, 0x00, 0xd8, b'a', 0x00];
        assert_eq!(run(&data, 3).unwrap().1, "\u{fffd}a".as_bytes());
    }

    fn run_as(data: &[u8], encoding: Encoding, size: usize) -> (u64, Vec<u8>) {
        decode_with(Decoder::with(encoding), data, size).unwrap()
    }

    #[test]
    fn single_byte_encodings() {
        // "Müller;12,50 €;“x”" as German Excel saves it.
        let data = b"M\xfcller;12,50 \x80;\x93x\x94\n";
        for size in 1..6 {
            assert_eq!(
                run_as(data, Encoding::Windows1252, size),
                (0, "Müller;12,50 €;“x”\n".as_bytes().to_vec())
            );
            assert_eq!(
                run_as(b"Gr\xfc\xdfe \x80", Encoding::Latin1, size),
                (0, "Grüße \u{80}".as_bytes().to_vec())
            );
        }
        // Every byte decodes, to the character the standard gives it.
        let all: Vec<u8> = (0..=255).collect();
        let text = String::from_utf8(run_as(&all, Encoding::Windows1252, 7).1).unwrap();
        assert_eq!(text.chars().count(), 256);
        assert_eq!(text.chars().nth(0x8a), Some('Š'));
        assert_eq!(text.chars().nth(0x9f), Some('Ÿ'));
        assert_eq!(text.chars().nth(0xe9), Some('é'));
    }

    #[test]
    fn mac_roman() {
        // "Café Müller ’s “Zoë” ﬁ" as Excel for Mac (2011) saved it, with a CR line end.
        let data = b"Caf\x8e M\x9fller \xd5s \xd2Zo\x91\xd3 \xde\r";
        for size in 1..6 {
            assert_eq!(
                run_as(data, Encoding::MacRoman, size),
                (0, "Café Müller ’s “Zoë” ﬁ\r".as_bytes().to_vec())
            );
        }
        let all: Vec<u8> = (0..=255).collect();
        let text = String::from_utf8(run_as(&all, Encoding::MacRoman, 5).1).unwrap();
        assert_eq!(text.chars().count(), 256);
        let at = |b: usize| text.chars().nth(b);
        assert_eq!(at(0x7f), Some('\u{7f}'));
        assert_eq!(
            [at(0x80), at(0x87), at(0x8a), at(0x8e), at(0x9a), at(0xd5)],
            [
                Some('Ä'),
                Some('á'),
                Some('ä'),
                Some('é'),
                Some('ö'),
                Some('’')
            ]
        );
        // WHATWG's index: the euro sign at 0xDB, the Apple logo at 0xF0, a caron last.
        assert_eq!(
            [at(0xdb), at(0xf0), at(0xff)],
            [Some('€'), Some('\u{f8ff}'), Some('ˇ')]
        );
    }

    #[test]
    fn utf16_big_endian_without_a_bom() {
        let mut be = Vec::new();
        for u in "a\tb\n".encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(run_as(&be, Encoding::Utf16Be, 3), (0, b"a\tb\n".to_vec()));
    }

    #[test]
    fn a_bom_wins_over_the_mapping() {
        let text = "a;b\n";
        let mut le = vec![0xff, 0xfe];
        for u in text.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(
            run_as(&le, Encoding::Windows1252, 3),
            (2, b"a;b\n".to_vec())
        );
        assert_eq!(
            run_as(b"\xef\xbb\xbfa\xc3\xa9", Encoding::Windows1252, 2),
            (3, "aé".as_bytes().to_vec())
        );
        // UTF-16 named by the mapping, without a byte order mark: little-endian.
        assert_eq!(run_as(&le[2..], Encoding::Utf16, 3), (0, b"a;b\n".to_vec()));
    }

    #[test]
    fn gzip_is_refused() {
        let err = run(&[0x1f, 0x8b, 8, 0], 1).unwrap_err();
        assert_eq!(*err.kind(), ErrorKind::Compressed);
    }

    #[test]
    fn a_zip_is_refused_as_a_workbook_whatever_its_chunks() {
        for chunk in [1, 2, 3, 64] {
            let err = run(b"PK\x03\x04\x14\x00\x06\x00", chunk).unwrap_err();
            assert_eq!(
                err.to_string(),
                crate::report::error::WORKBOOK_AS_TEXT,
                "{chunk}"
            );
        }
        // Text that starts with P is text.
        assert_eq!(
            run(b"PK,Name\n1,a\n", 1).unwrap().1,
            b"PK,Name\n1,a\n".to_vec()
        );
    }
}
