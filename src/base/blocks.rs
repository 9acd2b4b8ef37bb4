//! Appends short byte strings a fixed-size block at a time, so that writing a key or a cell
//! is a few loads and stores rather than a call to `memcpy`.
//!
//! A copy whose length is known only at run time compiles to a call to `memcpy`, and in
//! WebAssembly to `memory.copy`, which V8 runs as a call out of the compiled code: for the few
//! bytes of a key or a cell, the call costs more than the copy. A copy of a constant size
//! compiles to plain loads and stores instead. So a short string is copied in whole blocks,
//! with whatever bytes follow it in its buffer, and the output is then cut back to its end.

/// The size of a block: most keys and cells fit in one.
pub(crate) const BLOCK: usize = 16;

/// Strings longer than this are copied at once: next to their length, the call is cheap.
const MAX_BLOCKED: usize = 4 * BLOCK;

/// Appends the first `len` bytes of `src` (all of it, if shorter), reading up to a block of
/// the bytes that follow them when `src` has them.
#[inline(always)]
pub(crate) fn extend(out: &mut Vec<u8>, src: &[u8], len: usize) {
    let len = len.min(src.len());
    let end = out.len() + len;
    match src.first_chunk::<BLOCK>() {
        // The common case: one block.
        Some(block) if len <= BLOCK => out.extend_from_slice(block),
        Some(_) if len <= MAX_BLOCKED => extend_blocks(out, src, len),
        _ => out.extend_from_slice(&src[..len]),
    }
    out.truncate(end);
}

/// Appends the first `len` bytes of `src` in blocks, the last one short if `src` ends first.
fn extend_blocks(out: &mut Vec<u8>, src: &[u8], len: usize) {
    let mut rest = src;
    // Bytes still to copy; `rest` holds at least this many.
    let mut left = len;
    while left > 0 {
        match rest.split_first_chunk::<BLOCK>() {
            Some((block, after)) => {
                out.extend_from_slice(block);
                rest = after;
                left = left.saturating_sub(BLOCK);
            }
            None => {
                out.extend_from_slice(&rest[..left]);
                break;
            }
        }
    }
}

/// Bytes written as they are, kept padded to whole blocks: a pre-rendered key such as
/// `,"plan":`, or a constant value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Padded {
    bytes: Box<[u8]>,
    len: usize,
}

impl Padded {
    pub(crate) fn new(bytes: &[u8]) -> Padded {
        let mut padded = bytes.to_vec();
        padded.resize(bytes.len().div_ceil(BLOCK) * BLOCK, 0);
        Padded {
            bytes: padded.into_boxed_slice(),
            len: bytes.len(),
        }
    }

    /// Appends the bytes to `out`.
    #[inline(always)]
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        extend(out, &self.bytes, self.len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_exactly_the_bytes_asked_for() {
        let src: Vec<u8> = (0..=200u8).collect();
        for start in [0, 1, 15, 16, 17, 100, 150, 190, 200, 201] {
            for len in [0, 1, 7, 15, 16, 17, 31, 32, 33, 64, 65, 100] {
                let mut out = b"head".to_vec();
                extend(&mut out, &src[start..], len);
                let want = &src[start..(start + len).min(src.len())];
                assert_eq!(&out[..4], b"head");
                assert_eq!(&out[4..], want, "start {start}, len {len}");
            }
        }
    }

    #[test]
    fn padded_writes_its_bytes() {
        for len in [0, 1, 15, 16, 17, 40, 80] {
            let bytes: Vec<u8> = (0..len as u8).map(|b| b'a' + b % 26).collect();
            let mut out = b",".to_vec();
            Padded::new(&bytes).write(&mut out);
            assert_eq!(&out[1..], &bytes[..]);
        }
    }
}
