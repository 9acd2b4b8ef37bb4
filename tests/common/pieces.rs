//! Running one file in pieces as the hosts do (the shards of a split read apart, a run
//! suspended and resumed, a split pass suspended and resumed), so that a property test can
//! compare the pieces with one run of the whole file. One copy for the plain files' tests
//! (tests/props.rs) and the grouped files' (tests/group_props.rs).

use super::IDENTITY;
use csv2segment::{FileSplitter, Ingest, Options, Position, Report, Shard, Split, Splitter};
use proptest::prelude::*;
use serde_json::Value;

/// The bodies a run sent (each batch's bytes), in order.
pub type Bodies = Vec<Vec<u8>>;

/// A file of `header`, then lines drawn from `tokens` (up to 39 of them), built to be hard to
/// cut: sometimes a BOM before the header, sometimes no final line ending.
pub fn file_of(
    header: &'static str,
    tokens: impl Strategy<Value = &'static str>,
) -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(tokens, 0..40),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(move |(tokens, bom, cut_end)| {
            let mut text = String::new();
            if bom {
                text.push('\u{feff}');
            }
            text.push_str(header);
            for t in tokens {
                text.push_str(t);
            }
            if cut_end {
                while text.ends_with(['\n', '\r']) {
                    text.pop();
                }
            }
            text.into_bytes()
        })
}

/// The events of some bodies, in order, as JSON values (`sentAt` is per body, not per event).
pub fn events(bodies: &[Vec<u8>]) -> Vec<Value> {
    bodies
        .iter()
        .flat_map(|b| {
            let v: Value = serde_json::from_slice(b).unwrap();
            v["batch"].as_array().unwrap().clone()
        })
        .collect()
}

/// Writes `input` to `ing` in chunks of `chunk`, taking the batches as they are ready, and
/// then the last ones after `finish`.
fn drain(mut ing: Ingest, input: &[u8], chunk: usize) -> (Bodies, Report) {
    let mut bodies = Vec::new();
    for part in input.chunks(chunk.max(1)) {
        ing.write(part).unwrap();
        bodies.extend(std::iter::from_fn(|| ing.next_batch()).map(|b| b.body));
    }
    ing.finish().unwrap();
    bodies.extend(std::iter::from_fn(|| ing.next_batch()).map(|b| b.body));
    (bodies, ing.report())
}

/// A file run in pieces: its key, and the options every run and piece of it is read with.
pub struct Pieces {
    pub key: &'static str,
    pub options: Options,
}

impl Pieces {
    fn fresh(&self) -> Ingest {
        Ingest::new(self.key, IDENTITY, self.options.clone()).unwrap()
    }

    fn resumed(&self, header: &[u8], at: Position) -> Ingest {
        Ingest::resume(self.key, IDENTITY, self.options.clone(), header, at).unwrap()
    }

    /// Runs `data` whole, in chunks of `chunk`; the engine must take every chunk.
    pub fn whole(&self, data: &[u8], chunk: usize) -> (Bodies, Report) {
        drain(self.fresh(), data, chunk)
    }

    /// A piece `[start, end)` of `data`, read with `resume` and the file's header.
    pub fn piece(
        &self,
        data: &[u8],
        header: &[u8],
        start: Position,
        end: u64,
        chunk: usize,
    ) -> (Bodies, Report) {
        let input = &data[start.offset as usize..end as usize];
        drain(self.resumed(header, start), input, chunk)
    }

    /// Reads every shard apart: the bodies and the reports.
    pub fn shards(
        &self,
        data: &[u8],
        header: &[u8],
        shards: &[Shard],
        chunk: usize,
    ) -> (Bodies, Vec<Report>) {
        let mut bodies = Vec::new();
        let mut reports = Vec::new();
        for shard in shards {
            let (b, r) = self.piece(data, header, shard.start, shard.end, chunk);
            bodies.extend(b);
            reports.push(r);
        }
        (bodies, reports)
    }

    /// Runs `data` suspended after the chunks `stops` name and resumed each time (by a ranged
    /// read with the file's header, or from the start with `skip_to`), as hosts run a file in
    /// pieces. Returns the bodies and the pieces' reports; fails if a piece would step back.
    pub fn suspended(
        &self,
        data: &[u8],
        chunk: usize,
        stops: impl IntoIterator<Item = usize>,
        from_start: bool,
    ) -> Result<(Bodies, Vec<Report>), String> {
        let mut bodies = Vec::new();
        let mut reports = Vec::new();
        let mut at = Position::START;
        let mut header: Option<Vec<u8>> = None;
        let mut stops = stops.into_iter();
        loop {
            let (mut ing, input) = match (&header, from_start) {
                (Some(h), false) => (self.resumed(h, at), &data[at.offset as usize..]),
                _ => {
                    let mut ing = self.fresh();
                    ing.skip_to(at);
                    (ing, data)
                }
            };
            let stop_after = stops.next();
            let mut suspended = None;
            for (i, part) in input.chunks(chunk).enumerate() {
                ing.write(part).unwrap();
                bodies.extend(std::iter::from_fn(|| ing.next_batch()).map(|b| b.body));
                if Some(i + 1) == stop_after {
                    suspended = Some(ing.suspend().unwrap());
                    break;
                }
            }
            if suspended.is_none() {
                ing.finish().unwrap();
            }
            bodies.extend(std::iter::from_fn(|| ing.next_batch()).map(|b| b.body));
            reports.push(ing.report());
            match suspended {
                Some(next) if next.offset < at.offset => {
                    return Err(format!("{next:?} before {at:?}"))
                }
                Some(next) => {
                    header = ing.header().map(<[u8]>::to_vec);
                    at = next;
                }
                None => return Ok((bodies, reports)),
            }
        }
    }
}

/// A split pass over a file: a [`Splitter`] or a [`FileSplitter`].
pub trait SplitPass: Sized {
    fn write(&mut self, chunk: &[u8]);
    fn suspend(self) -> Option<(Split, Position)>;
    fn finish(self) -> Option<Split>;
}

impl SplitPass for Splitter {
    fn write(&mut self, chunk: &[u8]) {
        Splitter::write(self, chunk)
    }
    fn suspend(self) -> Option<(Split, Position)> {
        Splitter::suspend(self)
    }
    fn finish(self) -> Option<Split> {
        Splitter::finish(self)
    }
}

impl SplitPass for FileSplitter {
    fn write(&mut self, chunk: &[u8]) {
        FileSplitter::write(self, chunk)
    }
    fn suspend(self) -> Option<(Split, Position)> {
        FileSplitter::suspend(self)
    }
    fn finish(self) -> Option<Split> {
        FileSplitter::finish(self)
    }
}

/// A split pass made by `fresh`, over `data` in chunks of `chunk`, stopped after the `stop`th
/// chunk; when the file goes on past it, the pass is suspended and a pass made by `resume`
/// (with what the first split and where it says to go on) reads the rest, or, when it cannot
/// suspend there, a pass made by `fresh` reads the file again from its start. Returns the
/// suspended pass's split with where it said to go on, if it suspended, and the last pass's.
pub fn split_suspended<P: SplitPass>(
    data: &[u8],
    chunk: usize,
    stop: usize,
    fresh: impl Fn() -> P,
    resume: impl Fn(&Split, Position) -> P,
) -> (Option<(Split, Position)>, Option<Split>) {
    let mut pass = fresh();
    let mut done = None;
    let mut at = 0;
    for (i, part) in data.chunks(chunk).enumerate() {
        pass.write(part);
        at += part.len();
        if i + 1 == stop {
            break;
        }
    }
    if at < data.len() {
        if let Some((split, next)) = pass.suspend() {
            pass = resume(&split, next);
            at = next.offset as usize;
            done = Some((split, next));
        } else {
            pass = fresh();
            at = 0;
        }
        pass.write(&data[at..]);
    }
    (done, pass.finish())
}

/// Whether `shards` follow one another with no gap and end at the file's end, `size`.
pub fn cover(shards: &[Shard], size: usize) -> Result<(), TestCaseError> {
    for w in shards.windows(2) {
        prop_assert_eq!(w[0].end, w[1].start.offset);
    }
    prop_assert_eq!(shards.last().map(|s| s.end), Some(size as u64));
    Ok(())
}
