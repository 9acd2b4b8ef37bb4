//! Deterministic messageIds: the same file and row always give the same id, so Segment drops repeats.
//!
//! The id of a row is a function of the host's source identity (bucket, key and eTag, for
//! example), of the mapping rule the file is read through (when one is), and of the row's byte
//! offset in the file, and of nothing else: a redelivered event, a retried invocation or a
//! resumed run sends the same ids again, and the same file sent again through a corrected
//! mapping sends new ones, which Segment does not drop as repeats. The algorithm is part of the
//! product's contract; a test pins it, and it must never change.
//!
//! Per file, SHA-1 of a fixed namespace and the identity gives two 64-bit keys. Per row, each
//! half of the id is a bijective mix (MurmurHash3's finaliser) of one key and the offset, so two
//! rows of one file never share an id, and rows of different files collide with odds of about
//! 2^-122. The result is formatted as an RFC 9562 version-8 (custom) UUID.

use crate::base::out::Out;
/// Mixed into every identity, so our ids do not collide with another tool's hashes of the same text.
const NAMESPACE: &[u8] = b"csv2segment messageId v1\n";

/// The ids of one source.
#[derive(Clone, Debug)]
pub(crate) struct MessageIds {
    a: u64,
    b: u64,
}

impl MessageIds {
    /// Keys for `identity`, such as `s3://bucket/track_1.csv#d41d8cd98f00b204e9800998ecf8427e`,
    /// and the digest of the mapping rule that reads the file, if one does.
    pub(crate) fn new(identity: &str, rule: Option<&[u8; 20]>) -> MessageIds {
        let mut h = sha1_smol::Sha1::new();
        h.update(NAMESPACE);
        h.update(identity.as_bytes());
        if let Some(digest) = rule {
            // A NUL cannot end an identity that is text, so no identity alone collides with this.
            h.update(b"\0mapping rule\0");
            h.update(digest);
        }
        let d = h.digest().bytes();
        let mut a = [0u8; 8];
        let mut b = [0u8; 8];
        a.copy_from_slice(&d[..8]);
        b.copy_from_slice(&d[8..16]);
        MessageIds {
            a: u64::from_be_bytes(a),
            b: u64::from_be_bytes(b),
        }
    }

    /// The 16 bytes of the id of the row at `offset`.
    pub(crate) fn bytes(&self, offset: u64) -> [u8; 16] {
        let hi = fmix64(self.a ^ offset);
        let lo = fmix64(self.b ^ offset.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut u = [0u8; 16];
        u[..8].copy_from_slice(&hi.to_be_bytes());
        u[8..].copy_from_slice(&lo.to_be_bytes());
        u[6] = (u[6] & 0x0f) | 0x80; // version 8
        u[8] = (u[8] & 0x3f) | 0x80; // RFC 9562 variant
        u
    }

    /// Appends the id of the row at `offset` as a quoted JSON string.
    pub(crate) fn write_json(&self, offset: u64, out: &mut Out) {
        /// Where each byte's two hex digits go in `"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"`.
        const AT: [usize; 16] = [1, 3, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 29, 31, 33, 35];
        let u = self.bytes(offset);
        let mut s = *b"\"........-....-....-....-............\"";
        for (byte, at) in u.iter().zip(AT) {
            s[at..at + 2].copy_from_slice(&HEX_PAIRS[usize::from(*byte)]);
        }
        out.put(&s);
    }
}

/// Each byte's two lowercase hex digits.
static HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [HEX[i >> 4], HEX[i & 0xf]];
        i += 1;
    }
    t
};

/// MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit over the output.
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn id(identity: &str, offset: u64) -> String {
        let mut out = Out::default();
        MessageIds::new(identity, None).write_json(offset, &mut out);
        String::from_utf8(out.into_vec()).unwrap()
    }

    #[test]
    fn pinned_values_never_change() {
        // These are the ids users' data already carries: changing them would resend everything.
        assert_eq!(id("s3://bucket/track_1.csv#etag", 0), PINNED_0);
        assert_eq!(id("s3://bucket/track_1.csv#etag", 75), PINNED_75);
    }

    const PINNED_0: &str = "\"319f0882-5a2a-8170-84be-73b4ecd35937\"";
    const PINNED_75: &str = "\"2377a1c9-c3ad-847b-a787-eab13134faf3\"";

    #[test]
    fn shape_is_a_version_8_uuid() {
        let s = id("x", 12345);
        let s = s.trim_matches('"');
        assert_eq!(s.len(), 36);
        let parts: Vec<&str> = s.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('8'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn distinct_per_offset_and_identity() {
        let ids = MessageIds::new("s3://b/k#e", None);
        let set: HashSet<[u8; 16]> = (0..200_000u64).map(|o| ids.bytes(o)).collect();
        assert_eq!(set.len(), 200_000);
        assert_ne!(id("s3://b/k#e1", 10), id("s3://b/k#e2", 10));
        assert_eq!(id("same", 10), id("same", 10));
    }

    #[test]
    fn a_rule_changes_every_id_and_the_same_rule_none() {
        let json = |ids: &MessageIds, offset| {
            let mut out = Out::default();
            ids.write_json(offset, &mut out);
            String::from_utf8(out.into_vec()).unwrap()
        };
        let plain = MessageIds::new("s3://b/k#e", None);
        let one = MessageIds::new("s3://b/k#e", Some(&[1; 20]));
        let two = MessageIds::new("s3://b/k#e", Some(&[2; 20]));
        assert_eq!(json(&plain, 7), id("s3://b/k#e", 7));
        assert_ne!(json(&one, 7), json(&plain, 7));
        assert_ne!(json(&one, 7), json(&two, 7));
        assert_eq!(
            json(&one, 7),
            json(&MessageIds::new("s3://b/k#e", Some(&[1; 20])), 7)
        );
        assert_eq!(
            json(&one, 0),
            "\"442ff579-45ad-88e0-a4de-b73b7fc29d11\"",
            "pinned: ids of mapped files must not change either"
        );
    }
}
