//! Packs events into request bodies as full as Segment's limits allow, writing each event once.
//!
//! An event is written straight into the open body. When it turns out not to fit, it is moved
//! into the next body: a copy at batch boundaries only, never per event.

use crate::base::out::Out;
use std::collections::VecDeque;

use serde::Serialize;

/// `sentAt` goes first in a `/v1/batch` body, as a placeholder the host overwrites at send time.
const BATCH_PREFIX: &[u8] = b"{\"sentAt\":\"1970-01-01T00:00:00.000Z\",\"batch\":[";
/// Where the placeholder's 24 bytes start in a `/v1/batch` body.
pub const SENT_AT_OFFSET: usize = 11;
/// The length of `2019-05-11T20:32:27.940Z`.
pub const SENT_AT_LEN: usize = 24;
const SUFFIX: &[u8] = b"]}";

/// Which of Segment's endpoints a body is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Endpoint {
    /// The HTTP Tracking API's `/v1/batch`.
    Batch,
    /// The Objects API's `/v1/set`.
    Set,
}

impl Endpoint {
    /// The request path.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Batch => "/v1/batch",
            Endpoint::Set => "/v1/set",
        }
    }
}

/// A request body, ready to send once `sentAt` is stamped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Where it goes.
    pub endpoint: Endpoint,
    /// The JSON body.
    pub body: Vec<u8>,
    /// How many events (or objects) it holds.
    pub events: u32,
    /// The line of its first row.
    pub first_line: u64,
    /// The line of its last row.
    pub last_line: u64,
}

/// A request body as a host is handed it: where it goes, the body, where to stamp `sentAt`, and
/// which lines it holds.
// `B` is the body as the host takes it (the binding's is a Uint8Array, the host's own buffer
// when it gives one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "Batch")]
pub struct BatchInfo<B> {
    /// Which API it is for.
    pub endpoint: Endpoint,
    /// The request path.
    #[schemars(schema_with = "endpoint_paths")]
    pub path: &'static str,
    /// Where `sentAt`'s placeholder starts, for /v1/batch bodies; null for /v1/set.
    pub sent_at_offset: Option<usize>,
    /// How many events (or objects) it holds.
    pub events: u32,
    /// The line of its first row.
    pub first_line: u64,
    /// The line of its last row.
    pub last_line: u64,
    /// The JSON body; for /v1/batch, write the ISO send time over the 24 bytes at sentAtOffset.
    #[schemars(schema_with = "bytes")]
    pub body: B,
}

fn endpoint_paths(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let paths = [Endpoint::Batch.path(), Endpoint::Set.path()];
    schemars::json_schema!({ "type": "string", "enum": paths })
}

/// A body's bytes: a Uint8Array in JavaScript.
fn bytes(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "x-typescript": "Uint8Array" })
}

impl Batch {
    /// What a host is told of the body, with the body as it takes it (see [`BatchInfo`]).
    pub fn info<B>(&self, body: B) -> BatchInfo<B> {
        BatchInfo {
            endpoint: self.endpoint,
            path: self.endpoint.path(),
            sent_at_offset: self.sent_at_offset(),
            events: self.events,
            first_line: self.first_line,
            last_line: self.last_line,
            body,
        }
    }

    /// Where `sentAt`'s placeholder starts, for `/v1/batch` bodies.
    pub fn sent_at_offset(&self) -> Option<usize> {
        (self.endpoint == Endpoint::Batch).then_some(SENT_AT_OFFSET)
    }

    /// Sets `sentAt` to an ISO-8601 time such as `2026-11-27T03:19:13.000Z`.
    ///
    /// Returns false, changing nothing, for a `/v1/set` body or a time of another length.
    pub fn set_sent_at(&mut self, iso: &str) -> bool {
        match self.sent_at_offset() {
            Some(at) if iso.len() == SENT_AT_LEN => {
                self.body[at..at + SENT_AT_LEN].copy_from_slice(iso.as_bytes());
                true
            }
            _ => false,
        }
    }
}

/// Builds bodies for one endpoint.
pub(crate) struct Batcher {
    endpoint: Endpoint,
    prefix: Vec<u8>,
    max_bytes: usize,
    max_events: u32,
    body: Out,
    /// A body given back once sent ([`Batcher::recycle`]): room for the next one.
    spare: Option<Vec<u8>>,
    events: u32,
    first_line: u64,
    last_line: u64,
    /// Where the event being written starts, its separating comma included.
    mark: usize,
    ready: VecDeque<Batch>,
    spill: Vec<u8>,
    /// Bodies completed so far.
    pub made: u64,
}

impl Batcher {
    /// A batcher for `/v1/batch`, or for `/v1/set` of `collection`.
    pub(crate) fn new(collection: Option<&str>, max_bytes: usize, max_events: usize) -> Batcher {
        let (endpoint, prefix) = match collection {
            None => (Endpoint::Batch, BATCH_PREFIX.to_vec()),
            Some(c) => {
                let mut p = Out::default();
                p.extend_from_slice(b"{\"collection\":");
                crate::base::json::write_str(&mut p, c.as_bytes());
                p.extend_from_slice(b",\"objects\":[");
                (Endpoint::Set, p.into_vec())
            }
        };
        let mut body = Out::with_room(max_bytes);
        body.extend_from_slice(&prefix);
        Batcher {
            endpoint,
            prefix,
            max_bytes,
            max_events: u32::try_from(max_events).unwrap_or(u32::MAX),
            body,
            spare: None,
            events: 0,
            first_line: 0,
            last_line: 0,
            mark: 0,
            ready: VecDeque::new(),
            spill: Vec::new(),
            made: 0,
        }
    }

    /// Opens a place for the next event and returns the buffer to write it into.
    pub(crate) fn begin(&mut self) -> &mut Out {
        if self.events >= self.max_events {
            self.flush();
        }
        self.mark = self.body.len();
        if self.events > 0 {
            self.body.push(b',');
        }
        &mut self.body
    }

    /// Where the event being written starts in the buffer.
    pub(crate) fn event_start(&self) -> usize {
        self.mark + usize::from(self.events > 0)
    }

    /// The event being written.
    pub(crate) fn current_event(&self) -> &[u8] {
        self.body.get(self.event_start()..).unwrap_or(&[])
    }

    /// Drops the event being written.
    pub(crate) fn rollback(&mut self) {
        self.body.truncate(self.mark);
    }

    /// Keeps the event being written, moving it to a new body when it overflows this one.
    ///
    /// Inlined into the per-row loop: the move, once a body, is out of line.
    #[inline]
    pub(crate) fn commit(&mut self, line: u64) {
        if self.events > 0 && self.body.len() + SUFFIX.len() > self.max_bytes {
            self.spill_event();
        }
        if self.events == 0 {
            self.first_line = line;
        }
        self.events += 1;
        self.last_line = line;
    }

    /// Moves the event being written to a new body, completing this one without it.
    #[inline(never)]
    fn spill_event(&mut self) {
        let start = self.event_start();
        self.spill.clear();
        self.spill.extend_from_slice(&self.body[start..]);
        self.body.truncate(self.mark);
        self.flush();
        self.body.extend_from_slice(&self.spill);
    }

    /// Completes the open body, if it holds any event.
    pub(crate) fn flush(&mut self) {
        if self.events == 0 {
            return;
        }
        let mut next = match self.spare.take() {
            Some(old) => Out::reuse(old),
            None => Out::with_room(self.max_bytes),
        };
        next.extend_from_slice(&self.prefix);
        let mut body = std::mem::replace(&mut self.body, next);
        body.extend_from_slice(SUFFIX);
        self.ready.push_back(Batch {
            endpoint: self.endpoint,
            body: body.into_vec(),
            events: self.events,
            first_line: self.first_line,
            last_line: self.last_line,
        });
        self.events = 0;
        self.made += 1;
    }

    /// Whether a completed body waits to be taken.
    pub(crate) fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The oldest completed body.
    pub(crate) fn pop(&mut self) -> Option<Batch> {
        self.ready.pop_front()
    }

    /// Takes back a body's buffer once its bytes are sent: the next body is written into it,
    /// over its old bytes, instead of into new memory (see [`crate::base::out`]).
    pub(crate) fn recycle(&mut self, body: Vec<u8>) {
        if self.spare.as_ref().map_or(true, |s| s.len() < body.len()) {
            self.spare = Some(body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(b: &mut Batcher, event: &str, line: u64) {
        b.begin().extend_from_slice(event.as_bytes());
        b.commit(line);
    }

    fn bodies(b: &mut Batcher) -> Vec<String> {
        std::iter::from_fn(|| b.pop())
            .map(|x| String::from_utf8(x.body).unwrap())
            .collect()
    }

    #[test]
    fn splits_on_event_count() {
        let mut b = Batcher::new(Some("rooms"), 1000, 2);
        for i in 0..5 {
            push(&mut b, &format!("{{\"id\":\"{i}\"}}"), i + 2);
        }
        b.flush();
        assert_eq!(
            bodies(&mut b),
            [
                r#"{"collection":"rooms","objects":[{"id":"0"},{"id":"1"}]}"#,
                r#"{"collection":"rooms","objects":[{"id":"2"},{"id":"3"}]}"#,
                r#"{"collection":"rooms","objects":[{"id":"4"}]}"#,
            ]
        );
        assert_eq!(b.made, 3);
    }

    #[test]
    fn splits_on_bytes_with_bodies_as_full_as_allowed() {
        let prefix_len = BATCH_PREFIX.len() + SUFFIX.len();
        // Room for exactly two 10-byte events and their comma.
        let mut b = Batcher::new(None, prefix_len + 21, 100);
        for line in 2..7 {
            push(&mut b, "\"aaaaaaaa\"", line);
        }
        b.flush();
        let mut lines = Vec::new();
        while let Some(x) = b.pop() {
            assert!(x.body.len() <= prefix_len + 21);
            serde_json::from_slice::<serde_json::Value>(&x.body).unwrap();
            lines.push((x.events, x.first_line, x.last_line));
        }
        assert_eq!(lines, [(2, 2, 3), (2, 4, 5), (1, 6, 6)]);
    }

    #[test]
    fn rollback_leaves_no_trace() {
        let mut b = Batcher::new(None, 10_000, 100);
        push(&mut b, "1", 2);
        b.begin().extend_from_slice(b"garbage");
        b.rollback();
        push(&mut b, "2", 4);
        b.flush();
        let mut x = b.pop().unwrap();
        assert!(x.set_sent_at("2026-11-27T03:19:13.000Z"));
        assert_eq!(
            String::from_utf8(x.body).unwrap(),
            r#"{"sentAt":"2026-11-27T03:19:13.000Z","batch":[1,2]}"#
        );
        assert_eq!(x.events, 2);
    }

    #[test]
    fn empty_batcher_makes_nothing() {
        let mut b = Batcher::new(None, 10_000, 100);
        b.flush();
        assert!(b.pop().is_none());
    }
}
