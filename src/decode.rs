//! Looks at a file's first bytes: skips a UTF-8 byte order mark, decodes UTF-16, refuses gzip.

use crate::error::{Error, ErrorKind};

/// What the input is, once its first bytes are known.
#[derive(Debug)]
pub(crate) enum Decoder {
    /// Up to three first bytes, waiting for enough to decide.
    Sniffing(Vec<u8>),
    /// UTF-8 (or ASCII): passed through as it is.
    Utf8,
    /// UTF-16 with a byte order mark, transcoded to UTF-8.
    Utf16(Utf16),
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
    pub(crate) fn new() -> Decoder {
        Decoder::Sniffing(Vec::with_capacity(3))
    }

    /// Decodes a chunk; `eof` says no more will come.
    pub(crate) fn decode<'a>(
        &'a mut self,
        chunk: &'a [u8],
        eof: bool,
    ) -> Result<Decoded<'a>, Error> {
        let mut skip = 0;
        let mut head = Vec::new();
        let mut chunk = chunk;
        if let Decoder::Sniffing(seen) = self {
            let take = (3 - seen.len()).min(chunk.len());
            seen.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            let Some(found) = sniff(seen, eof) else {
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
                Decoder::Sniffing(_) => {}
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
            _ => chunk,
        };
        Ok(Decoded { skip, head, rest })
    }
}

/// Decides from the first bytes: `None` while more are needed, else the BOM's length and the decoder.
fn sniff(seen: &[u8], eof: bool) -> Option<Result<(usize, Decoder), Error>> {
    let need = |n: usize| seen.len() < n && !eof;
    let utf16 = |big_endian| Some(Ok((2, Decoder::Utf16(Utf16::new(big_endian)))));
    match seen {
        [] if !eof => None,
        [0x1f, ..] if need(2) => None,
        [0x1f, 0x8b, ..] => Some(Err(Error::new(ErrorKind::Compressed))),
        [0xef, ..] if need(3) => None,
        [0xef, 0xbb, 0xbf, ..] => Some(Ok((3, Decoder::Utf8))),
        [0xff | 0xfe, ..] if need(2) => None,
        [0xff, 0xfe, ..] => utf16(false),
        [0xfe, 0xff, ..] => utf16(true),
        _ => Some(Ok((0, Decoder::Utf8))),
    }
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
    use super::*;

    /// Decodes `data` cut into `size`-byte chunks; returns the bytes skipped and the output.
    fn run(data: &[u8], size: usize) -> Result<(u64, Vec<u8>), Error> {
        let mut d = Decoder::new();
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

    #[test]
    fn gzip_is_refused() {
        let err = run(&[0x1f, 0x8b, 8, 0], 1).unwrap_err();
        assert_eq!(*err.kind(), ErrorKind::Compressed);
    }
}
