//! Tests a block of bytes at once for the first byte a scan must look at (a delimiter, a byte
//! JSON escapes, a byte past ASCII), so that the record reader and the JSON escaper skip plain
//! text a block at a time: 16 bytes with WebAssembly SIMD where the build has `simd128` (the
//! shipped wasm, see `.cargo/config.toml`), 8 bytes in a `u64` elsewhere (native builds, where
//! `cargo test` covers the logic; tests/wasm.rs covers the SIMD blocks under Node).
//!
//! Every test has one contract in both builds: given `buf` and `i`, `None` when fewer than
//! [`BLOCK`] bytes are left at `i`, else the marks of the block at `i`: zero when none of its
//! bytes is one to look at, and otherwise [`first`] of them is the index in the block of the
//! first such byte (marks above the first may be inexact: only the first is read).

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use simd::*;

/// From `i`, a block at a time: the position of the first byte `marks` marks, or, when no
/// block holds one, of the first of the last bytes (fewer than a block) for the caller to read
/// one at a time. `marks` is one of the tests below, on `buf` at a position.
#[inline(always)]
pub(crate) fn skip_plain(
    buf: &[u8],
    mut i: usize,
    marks: impl Fn(&[u8], usize) -> Option<Marks>,
) -> usize {
    while let Some(m) = marks(buf, i) {
        if m != 0 {
            return i + first(m);
        }
        i += BLOCK;
    }
    i
}
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) use swar::*;

/// `marks` without its first: to walk every mark of a block in turn, [`first`] then this.
/// Marks above the first may be inexact (see each test), so a walk reads each marked byte.
#[inline(always)]
pub(crate) fn without_first(marks: Marks) -> Marks {
    marks & marks.wrapping_sub(1)
}

/// 16 bytes at a time in a `v128`: one bit per byte from `u8x16_bitmask`.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{
        i8x16_lt, i8x16_splat, u8x16, u8x16_bitmask, u8x16_eq, u8x16_lt, u8x16_splat, v128, v128_or,
    };

    /// Bytes tested at once.
    pub(crate) const BLOCK: usize = 16;

    /// A block's marks: bit `k` for byte `k`.
    pub(crate) type Marks = u32;

    /// The 16 bytes at `i`, if `buf` holds them (one `v128.load`).
    #[inline(always)]
    fn block_at(buf: &[u8], i: usize) -> Option<v128> {
        let b: &[u8; 16] = buf.get(i..i.checked_add(16)?)?.try_into().ok()?;
        Some(u8x16(
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
            b[14], b[15],
        ))
    }

    /// Below 0x20 or past ASCII: below 0x20 as a signed byte.
    #[inline(always)]
    fn control_or_wide(v: v128) -> v128 {
        i8x16_lt(v, i8x16_splat(0x20))
    }

    /// `"` or `\\`.
    #[inline(always)]
    fn quote_or_backslash(v: v128) -> v128 {
        v128_or(
            u8x16_eq(v, u8x16_splat(b'"')),
            u8x16_eq(v, u8x16_splat(b'\\')),
        )
    }

    /// The bytes an unquoted field's scan stops at: `delimiter`, below 0x20 (among them `\r`
    /// and `\n`), `"`, `\\`, past ASCII.
    #[inline(always)]
    pub(crate) fn unquoted_marks(buf: &[u8], i: usize, delimiter: u8) -> Option<Marks> {
        let v = block_at(buf, i)?;
        let delimiters = u8x16_eq(v, u8x16_splat(delimiter));
        let hits = v128_or(
            v128_or(control_or_wide(v), quote_or_backslash(v)),
            delimiters,
        );
        Some(u32::from(u8x16_bitmask(hits)))
    }

    /// The bytes a quoted field's scan stops at: below 0x20, `"`, `\\`, past ASCII.
    #[inline(always)]
    pub(crate) fn quoted_marks(buf: &[u8], i: usize) -> Option<Marks> {
        let v = block_at(buf, i)?;
        Some(u32::from(u8x16_bitmask(v128_or(
            control_or_wide(v),
            quote_or_backslash(v),
        ))))
    }

    /// The bytes JSON escapes: below 0x20, `"`, `\\`.
    #[inline(always)]
    pub(crate) fn escape_marks(buf: &[u8], i: usize) -> Option<Marks> {
        let v = block_at(buf, i)?;
        let control = u8x16_lt(v, u8x16_splat(0x20));
        Some(u32::from(u8x16_bitmask(v128_or(
            control,
            quote_or_backslash(v),
        ))))
    }

    /// The index in the block of the first marked byte (`marks` not zero).
    #[inline(always)]
    pub(crate) fn first(marks: Marks) -> usize {
        marks.trailing_zeros() as usize
    }

    /// Each of the first `n` bytes of a block marked (`n` below [`BLOCK`]): the last bytes of
    /// a buffer, fewer than a block, walked as marks.
    #[inline(always)]
    pub(crate) fn each_of(n: usize) -> Marks {
        (1 << n.min(BLOCK - 1)) - 1
    }
}

/// 8 bytes at a time in a `u64` (SWAR): the high bit of each byte marked, from the
/// has-zero-byte trick.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod swar {
    /// Bytes tested at once.
    pub(crate) const BLOCK: usize = 8;

    /// A block's marks: the high bit of byte `k`'s 8 bits for byte `k`, little-endian.
    pub(crate) type Marks = u64;

    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;

    /// The eight bytes at `i`, little-endian, if `buf` holds them.
    #[inline(always)]
    fn word_at(buf: &[u8], i: usize) -> Option<u64> {
        let bytes: [u8; 8] = buf.get(i..i.checked_add(8)?)?.try_into().ok()?;
        Some(u64::from_le_bytes(bytes))
    }

    /// The high bit of each zero byte of `w` set, and maybe of bytes above one (a borrow
    /// carries): the lowest bit set is always a zero byte's, and none is missed.
    #[inline(always)]
    fn zero_bytes(w: u64) -> u64 {
        w.wrapping_sub(ONES) & !w & HIGHS
    }

    /// `"` or `\\`, marked as [`zero_bytes`] marks.
    #[inline(always)]
    fn quote_or_backslash(w: u64) -> u64 {
        zero_bytes(w ^ (ONES * u64::from(b'"'))) | zero_bytes(w ^ (ONES * u64::from(b'\\')))
    }

    /// Below 0x20, marked as [`zero_bytes`] marks: the lowest mark is exact (a byte past ASCII
    /// is marked only above a marked byte, by a borrow).
    #[inline(always)]
    fn control(w: u64) -> u64 {
        w.wrapping_sub(ONES * 0x20) & !w & HIGHS
    }

    /// The bytes an unquoted field's scan stops at: `delimiter`, below 0x20 (among them `\r`
    /// and `\n`), `"`, `\\`, past ASCII.
    #[inline(always)]
    pub(crate) fn unquoted_marks(buf: &[u8], i: usize, delimiter: u8) -> Option<Marks> {
        let w = word_at(buf, i)?;
        let delimiters = zero_bytes(w ^ (ONES * u64::from(delimiter)));
        Some(control(w) | (w & HIGHS) | quote_or_backslash(w) | delimiters)
    }

    /// The bytes a quoted field's scan stops at: below 0x20, `"`, `\\`, past ASCII.
    #[inline(always)]
    pub(crate) fn quoted_marks(buf: &[u8], i: usize) -> Option<Marks> {
        let w = word_at(buf, i)?;
        Some(control(w) | (w & HIGHS) | quote_or_backslash(w))
    }

    /// The bytes JSON escapes: below 0x20, `"`, `\\`. A byte past ASCII is never the first
    /// mark: `control`'s borrow only marks bytes above a marked one.
    #[inline(always)]
    pub(crate) fn escape_marks(buf: &[u8], i: usize) -> Option<Marks> {
        let w = word_at(buf, i)?;
        Some(control(w) | quote_or_backslash(w))
    }

    /// The index in the block of the first marked byte (`marks` not zero).
    #[inline(always)]
    pub(crate) fn first(marks: Marks) -> usize {
        (marks.trailing_zeros() / 8) as usize
    }

    /// Each of the first `n` bytes of a block marked (`n` below [`BLOCK`]): the last bytes of
    /// a buffer, fewer than a block, walked as marks.
    #[inline(always)]
    pub(crate) fn each_of(n: usize) -> Marks {
        HIGHS & ((1 << (8 * n.min(BLOCK - 1))) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What each test must find first in `block`: the index of its first byte to look at.
    fn expected(block: &[u8], stop: impl Fn(u8) -> bool) -> Option<usize> {
        block.iter().position(|&b| stop(b))
    }

    fn is_escaped(b: u8) -> bool {
        b < 0x20 || b == b'"' || b == b'\\'
    }

    /// Every byte value at every place of a block, over plain text and over text with a
    /// byte to look at further on: the first mark is that byte's, or none.
    #[test]
    fn every_byte_at_every_place_is_marked_as_its_class_says() {
        let delimiter = b';';
        for background in [b'a', 0xe9] {
            for at in 0..BLOCK {
                for b in 0..=255u8 {
                    for later in [None, Some(b'\n'), Some(b'"')] {
                        let mut block = vec![background; BLOCK];
                        block[at] = b;
                        if let (Some(l), true) = (later, at + 1 < BLOCK) {
                            block[BLOCK - 1] = l;
                        }
                        let got = |m: Option<Marks>| m.and_then(|m| (m != 0).then(|| first(m)));
                        assert_eq!(
                            got(unquoted_marks(&block, 0, delimiter)),
                            expected(&block, |c| c == delimiter || is_escaped(c) || c >= 0x80),
                            "unquoted {block:?}"
                        );
                        assert_eq!(
                            got(quoted_marks(&block, 0)),
                            expected(&block, |c| is_escaped(c) || c >= 0x80),
                            "quoted {block:?}"
                        );
                        assert_eq!(
                            got(escape_marks(&block, 0)),
                            expected(&block, is_escaped),
                            "escape {block:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_block_is_tested_only_when_the_buffer_holds_it() {
        let buf = [b'a'; 20];
        assert_eq!(unquoted_marks(&buf, 20 - BLOCK, b','), Some(0));
        assert_eq!(unquoted_marks(&buf, 21 - BLOCK, b','), None);
        assert_eq!(quoted_marks(&buf, 21 - BLOCK), None);
        assert_eq!(escape_marks(&buf, 21 - BLOCK), None);
        assert_eq!(escape_marks(&buf, usize::MAX), None);
    }
}
