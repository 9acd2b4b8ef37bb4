//! Writes JSON strings straight into a byte buffer, so no payload is built as a tree first.

use crate::base::blocks::append;
use crate::base::blockscan;
use crate::base::out::Out;

/// For each byte: 0 when it goes out as it is, else the letter of its short escape, or `u`.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends UTF-8 text `s` as a quoted JSON string.
#[inline]
pub(crate) fn write_str(out: &mut Out, s: &[u8]) {
    out.push(b'"');
    write_str_body(out, s);
    out.push(b'"');
}

/// Appends UTF-8 text `s` escaped for the inside of a JSON string, without the quotes.
///
/// A block of bytes is checked at once (see [`crate::base::blockscan`]) up to the next byte to
/// escape; only the bytes past the last whole block are looked at one by one.
#[inline]
pub(crate) fn write_str_body(out: &mut Out, bytes: &[u8]) {
    let mut start = 0;
    let mut i = 0;
    loop {
        i = blockscan::skip_plain(bytes, i, blockscan::escape_marks);
        if i >= bytes.len() {
            break;
        }
        escape_at(out, bytes, &mut start, i);
        i += 1;
    }
    append(out, &bytes[start..]);
}

/// Escapes `bytes[j]` if it needs it, first copying the run since `start`.
#[inline]
fn escape_at(out: &mut Out, bytes: &[u8], start: &mut usize, j: usize) {
    let b = bytes[j];
    let esc = ESCAPE[usize::from(b)];
    if esc == 0 {
        return;
    }
    out.extend_from_slice(&bytes[*start..j]);
    if esc == b'u' {
        out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 0xf)],
        ]);
    } else {
        out.extend_from_slice(&[b'\\', esc]);
    }
    *start = j + 1;
}

/// `,"key":`, as it is written before a value (the writer turns a container's first comma into
/// its opening bracket).
pub(crate) fn key_prefix(key: &str) -> Vec<u8> {
    let mut out = Out::with_capacity(key.len() + 4);
    out.push(b',');
    write_str(&mut out, key.as_bytes());
    out.push(b':');
    out.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut out = Out::default();
        write_str(&mut out, s.as_bytes());
        String::from_utf8(out.into_vec()).unwrap()
    }

    #[test]
    fn escapes_what_json_requires() {
        assert_eq!(esc("plain"), r#""plain""#);
        assert_eq!(esc(r#"a "q" \ b"#), r#""a \"q\" \\ b""#);
        assert_eq!(esc("l1\nl2\r\t"), r#""l1\nl2\r\t""#);
        assert_eq!(esc("\u{1}\u{1f}"), r#""\u0001\u001f""#);
        assert_eq!(esc("héllo ✓ 🎉"), "\"héllo ✓ 🎉\"");
    }

    #[test]
    fn agrees_with_serde_json() {
        let samples = [
            "",
            "x",
            "\u{7f}\u{0}\u{8}\u{c}",
            "\"\\/",
            "multi\nline, \"quoted\"",
        ];
        for s in samples {
            assert_eq!(esc(s), serde_json::to_string(s).unwrap());
        }
    }
}
