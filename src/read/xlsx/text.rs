//! The text of a workbook's strings: `<t>` runs without phonetic guides, XML references, and
//! Excel's `_xHHHH_` escapes.

use quick_xml::events::{BytesCData, BytesRef, BytesText};

/// Collects the text of `<t>` elements inside a string item (`<si>`, `<is>`), without the
/// phonetic runs (`<rPh>`), and decodes Excel's `_xHHHH_` escapes once the item ends.
#[derive(Default)]
pub(crate) struct TextSink {
    in_t: bool,
    in_phonetic: u32,
    start: usize,
}

impl TextSink {
    /// A string item starts; its text goes to the end of `out`.
    pub(crate) fn begin(&mut self, out: &mut [u8]) {
        *self = TextSink {
            start: out.len(),
            ..TextSink::default()
        };
    }

    pub(crate) fn start(&mut self, name: &str) {
        match name {
            "t" => self.in_t = true,
            "rPh" => self.in_phonetic += 1,
            _ => {}
        }
    }

    pub(crate) fn end(&mut self, name: &str) {
        match name {
            "t" => self.in_t = false,
            "rPh" => self.in_phonetic = self.in_phonetic.saturating_sub(1),
            _ => {}
        }
    }

    fn taking(&self) -> bool {
        self.in_t && self.in_phonetic == 0
    }

    pub(crate) fn text(&mut self, t: &[u8], out: &mut Vec<u8>) {
        if self.taking() {
            out.extend_from_slice(t);
        }
    }

    /// An entity or character reference in the text.
    pub(crate) fn reference(&mut self, r: &BytesRef<'_>, out: &mut Vec<u8>) {
        if self.taking() {
            push_reference(r, out);
        }
    }

    /// The item ends: decodes the escapes in its text.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) {
        self.in_t = false;
        unescape_x(out, self.start);
    }
}

/// Appends what the reference `r` (`&amp;`, `&#10;`) stands for; an unknown one as it stands.
pub(crate) fn push_reference(r: &BytesRef<'_>, out: &mut Vec<u8>) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        return;
    }
    let name: &str = r;
    match quick_xml::escape::resolve_predefined_entity(name) {
        Some(s) => out.extend_from_slice(s.as_bytes()),
        None => {
            out.push(b'&');
            out.extend_from_slice(name.as_bytes());
            out.push(b';');
        }
    }
}

/// The bytes of a text event.
pub(crate) fn text_bytes<'b>(t: &'b BytesText<'_>) -> &'b [u8] {
    let s: &str = t;
    s.as_bytes()
}

/// The bytes of a CDATA section.
pub(crate) fn cdata_bytes<'b>(t: &'b BytesCData<'_>) -> &'b [u8] {
    let s: &str = t;
    s.as_bytes()
}

/// Decodes Excel's `_xHHHH_` escapes (`_x000D_` is a carriage return, `_x005F_` an
/// underscore) in `out` from `start` on.
fn unescape_x(out: &mut Vec<u8>, start: usize) {
    let Some(first) = memchr_x(&out[start..]) else {
        return;
    };
    let tail: Vec<u8> = out.split_off(start + first);
    let mut i = 0;
    while i < tail.len() {
        if let Some(c) = escape_at(&tail[i..]) {
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            i += 7;
        } else {
            out.push(tail[i]);
            i += 1;
        }
    }
}

fn memchr_x(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"_x")
}

/// The character of an escape `_xHHHH_` at the start of `b`.
fn escape_at(b: &[u8]) -> Option<char> {
    let e = b.get(..7)?;
    if &e[..2] != b"_x" || e[6] != b'_' {
        return None;
    }
    let hex = std::str::from_utf8(&e[2..6]).ok()?;
    char::from_u32(u32::from_str_radix(hex, 16).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_escapes() {
        let mut out = b"keep ".to_vec();
        out.extend_from_slice(b"a_x000D__x000A_b _x005F_x000D_ _xZZZZ_ _x00");
        unescape_x(&mut out, 5);
        assert_eq!(out, b"keep a\r\nb _x000D_ _xZZZZ_ _x00");
    }
}
