//! Appends short byte strings a fixed-size block at a time, so that writing a key, a
//! constant or a cell is a few loads and stores rather than a call to `memcpy`.
//!
//! A copy whose length is known only at run time compiles to a call to `memcpy`, and in
//! WebAssembly to `memory.copy`, which V8 runs as a call out of the compiled code: for the few
//! bytes of a key or a cell, the call costs more than the copy. A copy of a constant size
//! compiles to plain loads and stores instead. So a short string is kept padded to whole
//! blocks ([`Padded`]), copied block by block, and the output is then cut back to its end.

use crate::base::out::Out;

/// Appends `s` to `out`: when it is short, as two copies of a constant size that overlap
/// (its first and its last 16, 8 or 4 bytes), the output cut back between them, so a cell of
/// a few bytes costs a few loads and stores where `extend_from_slice` would be a `memory.copy`
/// (about three times as long in V8 for ten bytes).
#[inline(always)]
pub(crate) fn append(out: &mut Out, s: &[u8]) {
    macro_rules! overlapping {
        ($k:literal) => {
            if let (Some(first), Some(last)) = (s.first_chunk::<$k>(), s.last_chunk::<$k>()) {
                let end = out.len() + s.len();
                out.put(first);
                out.truncate(end - $k);
                out.put(last);
            }
        };
    }
    match s.len() {
        33.. => out.extend_from_slice(s),
        16.. => overlapping!(16),
        8.. => overlapping!(8),
        4.. => overlapping!(4),
        _ => {
            for &b in s {
                out.push(b);
            }
        }
    }
}

/// The size of a block: most keys and cells fit in one.
pub(crate) const BLOCK: usize = 16;

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

    /// The bytes, without their padding.
    pub(crate) fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// Appends the bytes to `out`: its whole blocks (the padding makes them a whole number),
    /// the output then cut back to its end. A constant of a few blocks (`,"library":{...}`)
    /// is a few block copies, with no test for a short last block.
    #[inline(always)]
    pub(crate) fn write(&self, out: &mut Out) {
        let end = out.len() + self.len;
        for block in self.bytes.chunks_exact(BLOCK) {
            if let Ok(block) = <&[u8; BLOCK]>::try_from(block) {
                out.put(block);
            }
        }
        out.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_writes_whole_blocks_and_cuts_back_after_any_output() {
        for head in [0, 1, 15, 16, 17] {
            for len in [16, 17, 31, 32, 33, 48, 52, 63, 64, 65, 200] {
                let bytes: Vec<u8> = (0..len).map(|b| b'A' + (b % 26) as u8).collect();
                let mut out = Out::from(vec![b'.'; head]);
                let padded = Padded::new(&bytes);
                padded.write(&mut out);
                padded.write(&mut out);
                assert_eq!(out.len(), head + 2 * len, "head {head}, len {len}");
                assert!(out[..head].iter().all(|&b| b == b'.'));
                assert_eq!(&out[head..head + len], &bytes[..]);
                assert_eq!(&out[head + len..], &bytes[..]);
            }
        }
    }

    #[test]
    fn append_writes_any_length_after_any_output() {
        for head in [0, 1, 7, 16] {
            for len in 0..80 {
                let bytes: Vec<u8> = (0..len).map(|b| b'a' + (b % 26) as u8).collect();
                let mut out = Out::from(vec![b'.'; head]);
                append(&mut out, &bytes);
                append(&mut out, &bytes);
                let mut want = vec![b'.'; head];
                want.extend_from_slice(&bytes);
                want.extend_from_slice(&bytes);
                assert_eq!(out.as_slice(), &want[..], "head {head}, len {len}");
            }
        }
    }

    #[test]
    fn padded_writes_its_bytes() {
        for len in [0, 1, 15, 16, 17, 40, 80] {
            let bytes: Vec<u8> = (0..len as u8).map(|b| b'a' + b % 26).collect();
            let mut out = Out::from(b",".to_vec());
            Padded::new(&bytes).write(&mut out);
            assert_eq!(&out[1..], &bytes[..]);
        }
    }
}
