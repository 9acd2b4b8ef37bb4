//! Matches a mapping rule's `match` pattern against a file's base name: `*` and `?`, case-insensitive.

/// Whether `name` fits `pattern`: `*` stands for any run of characters, `?` for one; letters
/// match in either case.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let n: Vec<char> = name.chars().flat_map(char::to_lowercase).collect();
    // The classic two-pointer match: on a mismatch, the last `*` takes one more character.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_and_marks() {
        assert!(matches("unified_payments*.csv", "unified_payments (3).csv"));
        assert!(matches("unified_payments*.csv", "Unified_Payments.CSV"));
        assert!(!matches("unified_payments*.csv", "unified_payments.tsv"));
        assert!(matches("*", "anything.csv"));
        assert!(matches("orders_????.csv", "orders_2024.csv"));
        assert!(!matches("orders_????.csv", "orders_202.csv"));
        assert!(matches("*export*", "hubspot-crm-exports-all-contacts.csv"));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(!matches("a*b*c", "aXbYbZ"));
        assert!(matches("KUNDEN_*.CSV", "kunden_ümlaut.csv"));
        assert!(matches("", ""));
        assert!(!matches("", "x"));
    }
}
