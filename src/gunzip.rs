//! gzip decompression for the hosts whose own cannot read every .gz file: workerd's and the
//! browsers' DecompressionStream refuse a file of several gzip members ("trailing bytes"), the
//! concatenation `gzip -d`, Node's zlib and S3 tools read whole. Here every member is read in
//! order, a file cut short or corrupt is an error that says which, and each call's output is
//! bounded by its input (deflate's largest ratio is about 1,032 to 1).
use std::fmt;
use std::io::Write;

use flate2::write::MultiGzDecoder;

/// Why a .gz file cannot be read further: retrying cannot help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GzipError {
    /// What is wrong.
    pub kind: GzipErrorKind,
    /// The bytes decompressed before it.
    pub decompressed: u64,
}

/// The ways a .gz file can be unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GzipErrorKind {
    /// The compressed data ends inside a member: the file was cut short.
    Truncated,
    /// The bytes are not gzip, or not valid gzip (the decoder's reason).
    Corrupt(String),
}

impl fmt::Display for GzipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            GzipErrorKind::Truncated => write!(
                f,
                "the gzip data ends early, after {} decompressed bytes: the file was cut short",
                self.decompressed
            ),
            GzipErrorKind::Corrupt(why) => write!(
                f,
                "the gzip data is corrupt after {} decompressed bytes ({why})",
                self.decompressed
            ),
        }
    }
}

impl std::error::Error for GzipError {}

/// A streaming gzip decoder of any number of members.
pub struct Gunzip {
    decoder: MultiGzDecoder<Vec<u8>>,
    decompressed: u64,
    /// Compressed bytes given since the last member began (0: between members, or none yet).
    written: u64,
    failed: Option<GzipError>,
}

impl Default for Gunzip {
    fn default() -> Self {
        Self::new()
    }
}

impl Gunzip {
    /// A decoder with nothing written yet.
    pub fn new() -> Gunzip {
        Gunzip {
            decoder: MultiGzDecoder::new(Vec::new()),
            decompressed: 0,
            written: 0,
            failed: None,
        }
    }

    /// Decompresses `chunk`; returns the bytes it completes (possibly none). The bytes
    /// decompressed before an error come first: the error is the next call's answer.
    pub fn write(&mut self, chunk: &[u8]) -> Result<Vec<u8>, GzipError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.written += chunk.len() as u64;
        let result = self.decoder.write_all(chunk);
        let out = self.take();
        match result {
            Ok(()) => Ok(out),
            Err(e) => self.fail(GzipErrorKind::Corrupt(e.to_string()), out),
        }
    }

    /// Ends the input: the last bytes (call it again until it gives none), or an error when it
    /// stopped inside a member.
    pub fn finish(&mut self) -> Result<Vec<u8>, GzipError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.decoder.try_finish();
        let out = self.take();
        match result {
            Ok(()) if self.written == 0 => self.fail(GzipErrorKind::Truncated, out),
            Ok(()) => Ok(out),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                self.fail(GzipErrorKind::Truncated, out)
            }
            Err(e) => self.fail(GzipErrorKind::Corrupt(e.to_string()), out),
        }
    }

    /// The bytes decompressed so far.
    pub fn decompressed(&self) -> u64 {
        self.decompressed
    }

    /// The bytes decompressed since the last call.
    fn take(&mut self) -> Vec<u8> {
        let out = std::mem::take(self.decoder.get_mut());
        self.decompressed += out.len() as u64;
        out
    }

    /// Keeps the error for every later call; gives `out` first when there is any.
    fn fail(&mut self, kind: GzipErrorKind, out: Vec<u8>) -> Result<Vec<u8>, GzipError> {
        let e = GzipError {
            kind,
            decompressed: self.decompressed,
        };
        self.failed = Some(e.clone());
        if out.is_empty() {
            Err(e)
        } else {
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// The bytes out, and the error if any (after the bytes before it).
    fn run_all(input: &[u8], chunk: usize) -> (Vec<u8>, Option<GzipError>) {
        let mut g = Gunzip::new();
        let mut out = Vec::new();
        for c in input.chunks(chunk.max(1)) {
            match g.write(c) {
                Ok(bytes) => out.extend(bytes),
                Err(e) => return (out, Some(e)),
            }
        }
        loop {
            match g.finish() {
                Ok(bytes) if bytes.is_empty() => return (out, None),
                Ok(bytes) => out.extend(bytes),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    fn run(input: &[u8], chunk: usize) -> Result<Vec<u8>, GzipError> {
        match run_all(input, chunk) {
            (out, None) => Ok(out),
            (_, Some(e)) => Err(e),
        }
    }

    #[test]
    fn one_member_in_any_chunks() {
        let text: Vec<u8> = (0..5000)
            .flat_map(|i| format!("u{i},Paid\n").into_bytes())
            .collect();
        for chunk in [1, 7, 4096, usize::MAX] {
            assert_eq!(run(&gz(&text), chunk).unwrap(), text);
        }
    }

    #[test]
    fn every_member_is_read() {
        let mut input = gz(b"userId,event\n1,a\n");
        input.extend(gz(b""));
        input.extend(gz(b"2,b\n"));
        for chunk in [1, 3, usize::MAX] {
            assert_eq!(run(&input, chunk).unwrap(), b"userId,event\n1,a\n2,b\n");
        }
    }

    #[test]
    fn cut_short_is_truncated_wherever_it_is_cut() {
        let text: Vec<u8> = (0..3000)
            .flat_map(|i| format!("u{i},Paid\n").into_bytes())
            .collect();
        let full = gz(&text);
        for cut in [1, 5, 10, full.len() / 2] {
            let e = run(&full[..cut], 100).unwrap_err();
            assert_eq!(e.kind, GzipErrorKind::Truncated, "cut at {cut}: {e}");
        }
        // Cut in the 8-byte trailer: an error too (the decoder may call it a checksum's).
        for cut in [full.len() - 8, full.len() - 1] {
            assert!(run(&full[..cut], 100).is_err(), "cut at {cut}");
        }
        // The bytes before the cut come out before the error, however it is written.
        for chunk in [100, usize::MAX] {
            let (out, e) = run_all(&full[..full.len() / 2], chunk);
            let e = e.unwrap();
            assert_eq!(e.decompressed, out.len() as u64);
            assert!(
                !out.is_empty() && text.starts_with(&out),
                "{} bytes",
                out.len()
            );
        }
        // A second member cut short too.
        let mut two = full.clone();
        two.extend(&full[..full.len() / 2]);
        let e = run(&two, 4096).unwrap_err();
        assert_eq!(e.kind, GzipErrorKind::Truncated);
        assert!(e.decompressed >= text.len() as u64, "{e}");
    }

    #[test]
    fn empty_input_is_truncated() {
        let e = run(b"", 1).unwrap_err();
        assert_eq!(
            e,
            GzipError {
                kind: GzipErrorKind::Truncated,
                decompressed: 0
            }
        );
        assert_eq!(
            e.to_string(),
            "the gzip data ends early, after 0 decompressed bytes: the file was cut short"
        );
    }

    #[test]
    fn not_gzip_and_corrupt_data_are_corrupt() {
        let e = run(b"userId,event\n1,a\n", 4).unwrap_err();
        assert!(matches!(e.kind, GzipErrorKind::Corrupt(_)), "{e}");
        assert_eq!(e.decompressed, 0);
        let mut bad = gz(&vec![b'x'; 100_000]);
        let n = bad.len();
        bad[n - 6] ^= 0xff; // the length in the trailer
        let e = run(&bad, 1000).unwrap_err();
        assert!(matches!(e.kind, GzipErrorKind::Corrupt(_)), "{e}");
        // After an error, every call gives it again.
        let mut g = Gunzip::new();
        let first = g.write(b"nope, not gzip").unwrap_err();
        assert_eq!(g.write(&gz(b"a")).unwrap_err(), first);
        assert_eq!(g.finish().unwrap_err(), first);
    }
}
