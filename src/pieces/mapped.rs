//! What the hosts need to run a mapped file in pieces: its [`FileSpec`] with the mapping's call
//! and delimiter, and a [`Splitter`] that cuts it with the right delimiter, or not at all when
//! its encoding makes the engine's offsets differ from the file's.

use crate::base::position::Position;
use crate::map::file_name::FileSpec;
use crate::map::file_plan::{Delimiter, FilePlan, HeaderSource};
use crate::map::mapping::Skip;
use crate::options::Options;
use crate::pieces::split::{Split, Splitter};
use crate::read::dialect;
use crate::report::error::Error;

impl FileSpec {
    /// What the file at `key` is, read through the mapping in `options` when there is one: the
    /// rule's call, and its delimiter when it names one (else the one the name gives; the
    /// engine guesses it from the header when the rule says `auto`).
    pub fn for_file(key: &str, options: &Options) -> Result<FileSpec, Error> {
        Ok(FilePlan::resolve(key, options)?.spec)
    }
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
    /// The mapping's `group`: the column whose groups a shard never cuts.
    group: Option<String>,
    /// The mapping's `header` names, for a file without a header row.
    names: Option<Vec<String>>,
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
        let file = FilePlan::resolve(key, options)?;
        Ok(FileSplitter::from_plan(
            &file,
            shard_bytes,
            max_record_bytes,
            None,
        ))
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
        let file = FilePlan::resolve(key, options)?;
        Ok(FileSplitter::from_plan(
            &file,
            shard_bytes,
            max_record_bytes,
            Some((header, at)),
        ))
    }

    /// The one constructor: a pass over the file `file` plans, from its start or, with
    /// `from`, from a place after its header (the file's header record, and the place).
    fn from_plan(
        file: &FilePlan,
        every: u64,
        limit: usize,
        from: Option<(&[u8], Position)>,
    ) -> FileSplitter {
        let skip = file.skip;
        let group = file.rule.as_ref().and_then(|r| r.group.clone());
        let group = group.as_deref();
        let names = match &file.header {
            HeaderSource::Mapping(names) => Some(names.clone()),
            HeaderSource::File => None,
        };
        let named = |s: Splitter| match &names {
            Some(names) => s.group_among(names),
            None => s,
        };
        let state = match (file.delimiter, from) {
            // The engine's offsets are not the file's: it is read whole.
            _ if !file.offsets_are_the_files() => Pass::Whole,
            (Delimiter::Given(d), None) => Pass::Splitting(Box::new(named(
                Splitter::new(d, every)
                    .with_max_record_bytes(limit)
                    .with_skip(skip.before, skip.after)
                    .with_group(group),
            ))),
            (Delimiter::Guessed, None) => {
                Pass::Guessing(dialect::Guess::new(true).skipping(skip.before))
            }
            (delimiter, Some((header, at))) => {
                let d = match delimiter {
                    Delimiter::Given(d) => d,
                    Delimiter::Guessed => dialect::guess_after(header, skip.before),
                };
                Pass::Splitting(Box::new(named(
                    Splitter::resume(d, every, header, at)
                        .with_max_record_bytes(limit)
                        .with_group(group)
                        .group_in(&file.header_record(header, d)),
                )))
            }
        };
        FileSplitter {
            state,
            every,
            limit,
            // A pass that goes on is past the header and the records after it.
            skip: if from.is_some() {
                Skip::default()
            } else {
                skip
            },
            group: group.map(str::to_string),
            names,
        }
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
            let s = Splitter::new(delimiter, self.every)
                .with_max_record_bytes(self.limit)
                .with_skip(self.skip.before, self.skip.after)
                .with_group(self.group.as_deref());
            let mut s = match &self.names {
                Some(names) => s.group_among(names),
                None => s,
            };
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
