//! Guesses a file's delimiter from its header record, for files whose mapping says `auto` (or
//! that have no mapping): among `,` `;` tab and `|`, the one the header holds most, when it is
//! the only one with that count; otherwise `,`.

/// The delimiters a guess chooses among, the default first.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter of a file whose first line (or its start) is `head`, quoted text not counted.
pub(crate) fn guess(head: &[u8]) -> u8 {
    let line = match head.iter().position(|&b| b == b'\n') {
        Some(end) => &head[..end],
        None => head,
    };
    let mut counts = [0usize; CANDIDATES.len()];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    let best = counts.iter().copied().max().unwrap_or(0);
    if best == 0 || counts.iter().filter(|&&c| c == best).count() > 1 {
        return b',';
    }
    CANDIDATES[counts.iter().position(|&c| c == best).unwrap_or(0)]
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
    }
}
