//! What the hosts need to run a mapped file in pieces: its [`FileSpec`] with the mapping's call
//! and delimiter, and a [`Splitter`] that cuts it with the right delimiter, or not at all when
//! its encoding makes the engine's offsets differ from the file's.

use crate::base::position::Position;
use crate::map::file_name::FileSpec;
use crate::map::mapping::{rule_for, Rule};
use crate::options::Options;
use crate::pieces::split::{Split, Splitter};
use crate::read::decode::Encoding;
use crate::read::dialect;
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

/// A [`Splitter`] for a file as a mapping reads it.
#[derive(Debug)]
pub struct FileSplitter {
    state: Pass,
    every: u64,
    /// The runs' `maxRecordBytes`.
    limit: usize,
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
        let state = match &rule {
            Some(r) if r.encoding != Encoding::Utf8 => Pass::Whole,
            Some(Rule {
                delimiter: Some(d), ..
            }) => Pass::Splitting(Box::new(Splitter::new(*d, shard_bytes))),
            _ if spec.delimiter == b'\t' => {
                Pass::Splitting(Box::new(Splitter::new(b'\t', shard_bytes)))
            }
            _ => Pass::Guessing(dialect::Guess::new(true)),
        };
        let state = match state {
            Pass::Splitting(s) => {
                Pass::Splitting(Box::new(s.with_max_record_bytes(max_record_bytes)))
            }
            other => other,
        };
        Ok(FileSplitter {
            state,
            every: shard_bytes,
            limit: max_record_bytes,
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
                let d = match rule.as_ref().and_then(|r| r.delimiter) {
                    Some(d) => d,
                    None if spec.delimiter == b'\t' => b'\t',
                    None => dialect::guess(header),
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
            let mut s = Splitter::new(delimiter, self.every).with_max_record_bytes(self.limit);
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
