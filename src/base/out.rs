//! The buffer messages are written into: its room past the output's end stays initialised, so a
//! copy of a constant size is a bounds check and a store.
//!
//! In the wasm build, `Vec::extend_from_slice` stays a call at the engine's hundreds of call
//! sites (LLVM does not inline it there), and the call runs a `memory.copy`, which V8 runs as a
//! call out of the compiled code: for the few bytes of a key or a cell, that was most of the
//! write (15% of a run in `Vec::append_elements` alone). [`Out`] keeps the output's end apart
//! from its vector's length: the bytes between are older output, written over before they
//! count, so once a buffer has held a body, writes land in room it already has. A body given
//! back after it is sent ([`crate::Ingest::recycle`]) is that room for the next one.

use std::ops::{Deref, DerefMut};

/// Bytes written so far (`..end`), then room (`end..buf.len()`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Out {
    buf: Vec<u8>,
    end: usize,
}

impl Out {
    /// An empty buffer with room for `n` bytes, allocated but not yet initialised.
    pub(crate) fn with_capacity(n: usize) -> Out {
        Out {
            buf: Vec::with_capacity(n),
            end: 0,
        }
    }

    /// An empty buffer with `n` bytes of room, zeroed once here so that the writes into it
    /// need not grow it one by one (a body's first pass, when no body was given back).
    pub(crate) fn with_room(n: usize) -> Out {
        Out {
            buf: vec![0; n],
            end: 0,
        }
    }

    /// An empty buffer whose room is `old`'s bytes.
    pub(crate) fn reuse(old: Vec<u8>) -> Out {
        Out { buf: old, end: 0 }
    }

    /// The bytes written, as a vector (its room dropped).
    pub(crate) fn into_vec(mut self) -> Vec<u8> {
        self.buf.truncate(self.end);
        self.buf
    }

    #[inline(always)]
    pub(crate) fn as_slice(&self) -> &[u8] {
        // `end` never passes the vector's length.
        self.buf.get(..self.end).unwrap_or_default()
    }

    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.end
    }

    /// Cuts the output back to `n` bytes (the rest stays as room).
    #[inline(always)]
    pub(crate) fn truncate(&mut self, n: usize) {
        self.end = self.end.min(n);
    }

    pub(crate) fn clear(&mut self) {
        self.end = 0;
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, b: u8) {
        match self.buf.get_mut(self.end) {
            Some(slot) => *slot = b,
            None => self.grow(&[b]),
        }
        self.end += 1;
    }

    /// Appends `N` bytes: in room, a bounds check and a store of a constant size.
    #[inline(always)]
    pub(crate) fn put<const N: usize>(&mut self, bytes: &[u8; N]) {
        match self.buf.get_mut(self.end..self.end + N) {
            Some(room) => room.copy_from_slice(bytes),
            None => self.grow(bytes),
        }
        self.end += N;
    }

    /// Appends `bytes`, of any length (a `memory.copy` in wasm: [`crate::base::blocks::append`]
    /// writes short ones as constant-size copies).
    #[inline]
    pub(crate) fn extend_from_slice(&mut self, bytes: &[u8]) {
        match self.buf.get_mut(self.end..self.end + bytes.len()) {
            Some(room) => room.copy_from_slice(bytes),
            None => self.grow(bytes),
        }
        self.end += bytes.len();
    }

    /// Appends `bytes` past the room: the vector grows (and the room with it).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, bytes: &[u8]) {
        self.buf.truncate(self.end);
        self.buf.extend_from_slice(bytes);
    }
}

impl From<Vec<u8>> for Out {
    /// `bytes` as output so far.
    fn from(bytes: Vec<u8>) -> Out {
        Out {
            end: bytes.len(),
            buf: bytes,
        }
    }
}

impl Deref for Out {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl DerefMut for Out {
    fn deref_mut(&mut self) -> &mut [u8] {
        let end = self.end;
        self.buf.get_mut(..end).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_over_old_room_and_keeps_only_what_it_wrote() {
        let mut out = Out::reuse(b"OLD OUTPUT, MUCH LONGER THAN WHAT FOLLOWS".to_vec());
        assert!(out.is_empty());
        out.put(b"{\"a\":");
        out.push(b'1');
        out.extend_from_slice(b",\"b\":2}");
        assert_eq!(out.as_slice(), b"{\"a\":1,\"b\":2}");
        out.truncate(5);
        assert_eq!(&out[..], b"{\"a\":");
        // Past the old room: the vector grows.
        for _ in 0..10 {
            out.put(b"0123456789abcdef");
        }
        assert_eq!(out.len(), 5 + 160);
        assert_eq!(&out[5..21], b"0123456789abcdef");
        out.truncate(1000);
        assert_eq!(out.len(), 165);
        if let Some(b) = out.get_mut(0) {
            *b = b'[';
        }
        let v = out.into_vec();
        assert_eq!(v.len(), 165);
        assert_eq!(&v[..5], b"[\"a\":");
    }

    #[test]
    fn an_empty_buffer_grows_from_nothing() {
        let mut out = Out::default();
        out.push(b'x');
        out.put(b"yz");
        out.extend_from_slice(b"");
        out.extend_from_slice(b"w");
        assert_eq!(out.as_slice(), b"xyzw");
        out.clear();
        out.put(b"ab");
        assert_eq!(out.into_vec(), b"ab");
    }
}
