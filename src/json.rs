//! Writes JSON strings straight into a byte buffer, so no payload is built as a tree first.

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

/// Appends `s` as a quoted JSON string.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_str_body(out, s);
    out.push(b'"');
}

/// Appends `s` escaped for the inside of a JSON string, without the quotes.
pub(crate) fn write_str_body(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPE[b as usize];
        if esc == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if esc == b'u' {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', esc]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// `"key":`, as it is written before a value.
pub(crate) fn key_prefix(key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 3);
    write_str(&mut out, key);
    out.push(b':');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).unwrap()
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
