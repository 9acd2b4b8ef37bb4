//! What the hosts need to run a mapped file in pieces: its [`FileSpec`] with the mapping's call
//! and delimiter, and a [`Splitter`] that cuts it with the right delimiter, or not at all when
//! its encoding makes the engine's offsets differ from the file's.

use crate::base::position::Position;
use crate::map::file_name::FileSpec;
use crate::map::mapping::{rule_for, Rule, Skip};
use crate::options::Options;
use crate::pieces::split::{Split, Splitter};
use crate::read::decode::Encoding;
use crate::read::dialect;
use crate::read::records::{Record, RecordReader};
use crate::report::error::Error;

impl FileSpec {
    /// What the file at `key` is, read through the mapping in `options` when there is one: the
    /// rule's call, and its delimiter when it names one (else the one the name gives; the
    /// engine guesses it from the header when the rule says `auto`).
    pub fn for_file(key: &str, options: &Options) -> Result<FileSpec, Error> {
        let rule = rule_for(key, options)?;
        let mut spec = FileSpec::with_call(key, rule.as_ref().and_then(|r| r.call.as_ref()))?;
        if let Some(d) = rule.and_then(|r| r.delimiter) {
            spec.delimiter = d;
        }
        Ok(spec)
    }
}

/// The header record of a file's `head` (what [`crate::Ingest::header`] gives): the head itself,
/// or, when the mapping skips records before the header, the record after them.
pub(crate) fn header_record(key: &str, options: &Options, head: &[u8], delimiter: u8) -> Vec<u8> {
    let before = match rule_for(key, options) {
        Ok(Some(r)) if r.skip.before > 0 => r.skip.before,
        _ => return head.to_vec(),
    };
    let mut reader = RecordReader::new(delimiter, 0, head.len().max(1));
    reader.skip_records(before, 0);
    let mut found = None;
    let mut first = |rec: Record<'_>| {
        found.get_or_insert_with(|| rec.raw.to_vec());
        Ok::<bool, ()>(true)
    };
    let _ = reader.push(head, &mut first);
    let _ = reader.finish(&mut first);
    found.unwrap_or_else(|| head.to_vec())
}

/// A [`Splitter`] for a file as a mapping reads it.
#[derive(Debug)]
pub struct FileSplitter {
    state: Pass,
    every: u64,
    /// The runs' `maxRecordBytes`.
    limit: usize,
    /// The mapping's `skip`.
    skip: Skip,
}

#[derive(Debug)]
enum Pass {
    /// The first bytes, until the header record is in to guess the delimiter from.
    Guessing(dialect::Guess),
    Splitting(Box<Splitter>),
    /// The file is read whole from its start (a transcoded encoding).
    Whole,
}

impl FileSplitter {
    /// A pass over the file at `key`, about every `shard_bytes`, for runs whose record limit is
    /// `max_record_bytes`.
    pub fn new(
        key: &str,
        options: &Options,
        shard_bytes: u64,
        max_record_bytes: usize,
    ) -> Result<FileSplitter, Error> {
        let rule = rule_for(key, options)?;
        let spec = FileSpec::with_call(key, rule.as_ref().and_then(|r| r.call.as_ref()))?;
        let skip = rule.as_ref().map(|r| r.skip).unwrap_or_default();
        let state = match &rule {
            Some(r) if r.encoding != Encoding::Utf8 => Pass::Whole,
            Some(Rule {
                delimiter: Some(d), ..
            }) => Pass::Splitting(Box::new(Splitter::new(*d, shard_bytes))),
            _ if spec.delimiter == b'\t' => {
                Pass::Splitting(Box::new(Splitter::new(b'\t', shard_bytes)))
            }
            _ => Pass::Guessing(dialect::Guess::new(true).skipping(skip.before)),
        };
        let state = match state {
            Pass::Splitting(s) => Pass::Splitting(Box::new(
                s.with_max_record_bytes(max_record_bytes)
                    .with_skip(skip.before, skip.after),
            )),
            other => other,
        };
        Ok(FileSplitter {
            state,
            every: shard_bytes,
            limit: max_record_bytes,
            skip,
        })
    }

    /// A pass that goes on from `at` in a file whose header is `header` (see [`Splitter::resume`]).
    pub fn resume(
        key: &str,
        options: &Options,
        shard_bytes: u64,
        max_record_bytes: usize,
        header: &[u8],
        at: Position,
    ) -> Result<FileSplitter, Error> {
        let rule = rule_for(key, options)?;
        let spec = FileSpec::with_call(key, rule.as_ref().and_then(|r| r.call.as_ref()))?;
        let state = match &rule {
            Some(r) if r.encoding != Encoding::Utf8 => Pass::Whole,
            _ => {
                let skip = rule.as_ref().map(|r| r.skip).unwrap_or_default();
                let d = match rule.as_ref().and_then(|r| r.delimiter) {
                    Some(d) => d,
                    None if spec.delimiter == b'\t' => b'\t',
                    None => dialect::guess_after(header, skip.before),
                };
                Pass::Splitting(Box::new(
                    Splitter::resume(d, shard_bytes, header, at)
                        .with_max_record_bytes(max_record_bytes),
                ))
            }
        };
        Ok(FileSplitter {
            state,
            every: shard_bytes,
            limit: max_record_bytes,
            skip: Skip::default(),
        })
    }

    /// Reads the next bytes of the file.
    pub fn write(&mut self, chunk: &[u8]) {
        match &mut self.state {
            Pass::Splitting(s) => s.write(chunk),
            Pass::Whole => {}
            Pass::Guessing(guess) => {
                if guess.push(chunk) {
                    self.start();
                }
            }
        }
    }

    fn start(&mut self) {
        if let Pass::Guessing(guess) = &mut self.state {
            let (delimiter, held) = std::mem::take(guess).finish();
            let mut s = Splitter::new(delimiter, self.every)
                .with_max_record_bytes(self.limit)
                .with_skip(self.skip.before, self.skip.after);
            s.write(&held);
            self.state = Pass::Splitting(Box::new(s));
        }
    }

    /// Whether [`FileSplitter::suspend`] would stop with a shard in hand.
    pub fn can_suspend(&self) -> bool {
        matches!(&self.state, Pass::Splitting(s) if s.can_suspend())
    }

    /// Stops early (see [`Splitter::suspend`]).
    pub fn suspend(self) -> Option<(Split, Position)> {
        match self.state {
            Pass::Splitting(s) => (*s).suspend(),
            _ => None,
        }
    }

    /// The split, or `None` when the file must be read whole (see [`Splitter::finish`]).
    pub fn finish(mut self) -> Option<Split> {
        self.start();
        match self.state {
            Pass::Splitting(s) => (*s).finish(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::header_record;
    use crate::options::Options;

    #[test]
    fn the_header_record_of_a_head_is_the_one_after_the_preamble() {
        let options = |skip: u32| Options {
            mapping: Some(format!(
                r#"{{"files": [{{"match": "*.csv", "call": "track", "skip": {skip}}}]}}"#
            )),
            ..Options::default()
        };
        let head = b"# Events, all\n\n# Account: x\r\n\"a\nb\",c";
        assert_eq!(
            header_record("r.csv", &options(2), head, b','),
            b"\"a\nb\",c"
        );
        assert_eq!(header_record("r.csv", &options(0), b"a,b", b','), b"a,b");
        assert_eq!(
            header_record("r.csv", &Options::default(), b"a,b", b','),
            b"a,b"
        );
    }
}
