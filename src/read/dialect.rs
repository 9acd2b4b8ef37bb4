//! Guesses a file's delimiter from its header record, for files whose mapping says `auto` (or
//! that have no mapping): among `,` `;` tab and `|`, the one the header holds most, when it is
//! the only one with that count; otherwise `,`.

/// The delimiters a guess chooses among, the default first.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter of a file whose header record is at the start of `head`, quoted text not
/// counted: the record ends at the first line break outside quotes (see [`header_end`]), so a
/// quoted header cell holding a line break is read whole, as the record reader reads it.
pub(crate) fn guess(head: &[u8]) -> u8 {
    let mut counts = [0usize; CANDIDATES.len()];
    scan(head, |b| {
        if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
            counts[i] += 1;
        }
    });
    let best = counts.iter().copied().max().unwrap_or(0);
    if best == 0 || counts.iter().filter(|&&c| c == best).count() > 1 {
        return b',';
    }
    CANDIDATES[counts.iter().position(|&c| c == best).unwrap_or(0)]
}

/// Where the header record at the start of `head` ends: the index of its line break, the first
/// one outside a quoted field; `None` while it is not in `head` yet. A quote opens a field only
/// at its start (the start of `head`, or after one of the candidate delimiters), `""` inside is
/// a quote, and a quote anywhere else is text, as the record reader has it.
pub(crate) fn header_end(head: &[u8]) -> Option<usize> {
    scan(head, |_| {})
}

/// Walks the header record at the start of `head`, calling `outside` with each byte outside
/// quotes; returns the index of the line break that ends it, if it is in `head`.
fn scan(head: &[u8], mut outside: impl FnMut(u8)) -> Option<usize> {
    let mut quoted = false;
    // Inside quotes, the byte before was a quote: a second one is text, anything else closes.
    let mut closing = false;
    let mut field_start = true;
    for (i, &b) in head.iter().enumerate() {
        if quoted {
            if closing {
                closing = false;
                if b == b'"' {
                    continue;
                }
                quoted = false;
            } else {
                if b == b'"' {
                    closing = true;
                }
                continue;
            }
        }
        match b {
            b'\n' => return Some(i),
            b'"' if field_start => {
                quoted = true;
                field_start = false;
            }
            _ => {
                outside(b);
                field_start = CANDIDATES.contains(&b);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::guess;

    #[test]
    fn the_clear_winner_or_a_comma() {
        assert_eq!(guess(b"Id;Betrag;Datum\n1;2,50;x"), b';');
        assert_eq!(guess(b"a\tb\tc"), b'\t');
        assert_eq!(guess(b"a|b|c\n"), b'|');
        assert_eq!(guess(b"userId,event,properties.plan\n"), b',');
        // Quoted delimiters do not count.
        assert_eq!(guess(b"\"a;b;c\",d\n"), b',');
        // A tie, or nothing at all, keeps the comma.
        assert_eq!(guess(b"a;b,c\n"), b',');
        assert_eq!(guess(b"single\n1;2;3"), b',');
        assert_eq!(guess(b""), b',');
        // A quoted header cell may hold a line break (and its own delimiters); the header record
        // ends at the first line break outside quotes.
        assert_eq!(guess(b"\"a,b\n\"\"c\"\"\r\n\";\",\"\"\"\n1;2\n"), b';');
        // A quote inside a field is text: it opens nothing.
        assert_eq!(guess(b"a\"b;c;d\ne,f,g,h"), b';');
    }

    #[test]
    fn the_header_ends_at_its_first_line_break_outside_quotes() {
        use super::header_end;
        assert_eq!(header_end(b"userId,event\n1,x\n"), Some(12));
        assert_eq!(header_end(b"\"a\nb\",c\nd"), Some(7));
        assert_eq!(header_end(b"\"a\"\"\nb\"\n"), Some(7));
        assert_eq!(header_end(b"x;\"a\nb\"\n"), Some(7));
        // Not in yet: the quote is still open, or no line break came.
        assert_eq!(header_end(b"\"a\nb"), None);
        assert_eq!(header_end(b"userId,event"), None);
        // A quote past a field's start is text, so the line break ends the header.
        assert_eq!(header_end(b"a\"b\nc\""), Some(3));
    }
}
