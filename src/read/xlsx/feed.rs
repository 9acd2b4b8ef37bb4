//! A part's XML pushed in pieces, parsed as far as it can be: the inflated bytes wait here
//! until they hold whole events, and each pass hands the events of the whole ones to a handler,
//! which may stop after any event (a row is read, a body is ready) and go on later from there.
//!
//! **Where a piece is cut.** The bytes before the last `<` hold only whole events: a `<` never
//! stands unescaped inside a tag or in text (XML forbids it in attribute values and text), so
//! the markup before it is closed and the text before it ends there. Text with no `<` after it
//! (one enormous cell) is cut before a reference that is not closed and on a character's first
//! byte, so it is read as it comes rather than held; a tag, comment or CDATA section with no
//! `<` after it is held, up to [`crate::base::limits::MAX_XML_TAG_BYTES`].

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::read::xlsx::error::{xml_error, XlsxError};

/// The inflated bytes of a part not yet parsed.
#[derive(Default)]
pub(crate) struct XmlFeed {
    buf: Vec<u8>,
    /// Bytes of `buf` already parsed.
    pos: usize,
    /// The part is all in: what is left is parsed whole.
    ended: bool,
}

/// Whether a handler goes on after an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Go,
    Stop,
}

impl XmlFeed {
    /// The buffer to inflate into, its parsed bytes dropped first.
    pub(crate) fn buffer(&mut self) -> &mut Vec<u8> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        &mut self.buf
    }

    /// Bytes waiting to be parsed.
    pub(crate) fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether the part is all in.
    pub(crate) fn ended(&self) -> bool {
        self.ended
    }

    /// The part is all in.
    pub(crate) fn end(&mut self) {
        self.ended = true;
    }

    /// How many of the waiting bytes hold whole events.
    fn cut(&self) -> usize {
        let p = &self.buf[self.pos..];
        if self.ended {
            return p.len();
        }
        match p.iter().rposition(|&b| b == b'<') {
            Some(i) if i > 0 => i,
            // One tag, and perhaps text after it: the tag once it is whole, and the text.
            Some(_) => tag_end(p).map_or(0, |end| end + text_cut(&p[end..])),
            None => text_cut(p),
        }
    }

    /// Parses the whole events waiting, handing each to `handle` until it says [`Flow::Stop`]:
    /// then the next pass starts after that event. Returns whether it stopped.
    ///
    /// Fails on malformed XML, and when the bytes waiting hold no whole event and are more than
    /// `max_tag`: a tag that long is not held.
    pub(crate) fn parse(
        &mut self,
        part: &str,
        max_tag: usize,
        mut handle: impl FnMut(Event<'_>) -> Result<Flow, XlsxError>,
    ) -> Result<Flow, XlsxError> {
        let cut = self.cut();
        if cut == 0 {
            if self.pending() > max_tag {
                return Err(XlsxError::TagTooLong {
                    part: part.to_string(),
                    max: max_tag,
                });
            }
            return Ok(Flow::Go);
        }
        let slice = &self.buf[self.pos..self.pos + cut];
        let mut xml = Reader::from_reader(slice);
        let config = xml.config_mut();
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        let (flow, used) = loop {
            let ev = xml.read_event().map_err(|e| xml_error(part, e))?;
            if matches!(ev, Event::Eof) {
                break (Flow::Go, cut);
            }
            if handle(ev)? == Flow::Stop {
                let used = usize::try_from(xml.buffer_position()).unwrap_or(cut);
                break (Flow::Stop, used.min(cut));
            }
        };
        self.pos += used;
        Ok(flow)
    }
}

/// Where the markup at the start of `p` ends (the byte after it), when it is whole: a tag's
/// `>` outside its attributes' quotes, a comment's `-->`, a CDATA section's `]]>`, a
/// processing instruction's `?>`.
fn tag_end(p: &[u8]) -> Option<usize> {
    let find = |from: usize, pat: &[u8]| {
        p.get(from..)?
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|i| from + i + pat.len())
    };
    if p.starts_with(b"<!--") {
        return find(4, b"-->");
    }
    if p.starts_with(b"<![CDATA[") {
        return find(9, b"]]>");
    }
    if p.starts_with(b"<?") {
        return find(2, b"?>");
    }
    let mut quote = None;
    for (i, &b) in p.iter().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Where text with no `<` in it can be cut: before a reference not yet closed, on a
/// character's first byte.
fn text_cut(p: &[u8]) -> usize {
    let mut cut = p.len();
    if let Some(amp) = p.iter().rposition(|&b| b == b'&') {
        if !p[amp..].contains(&b';') {
            cut = amp;
        }
    }
    // Not inside a character: back to the first byte of one whose bytes are not all there.
    let mut start = cut;
    while start > 0 && cut - start < 4 && (p[start - 1] & 0xc0) == 0x80 {
        start -= 1;
    }
    if start > 0 {
        let lead = p[start - 1];
        let len = match lead {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => 1,
        };
        if start - 1 + len > cut {
            cut = start - 1;
        }
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cut of a document into two pushes gives the events of the whole, in order.
    #[test]
    fn any_cut_gives_the_same_events() {
        let doc =
            "<?xml version=\"1.0\"?><a x=\"1>2\"><b>caf\u{e9} &amp; t\u{e9}</b><c/>tail &#10;</a>";
        let events = |pieces: &[&[u8]]| {
            let mut feed = XmlFeed::default();
            let mut out = Vec::new();
            for (i, p) in pieces.iter().enumerate() {
                feed.buffer().extend_from_slice(p);
                if i + 1 == pieces.len() {
                    feed.end();
                }
                feed.parse("p", 64, |ev| {
                    let text = match ev {
                        Event::Start(e) => format!("<{}>", e.local_name().as_ref() as &str),
                        Event::Empty(e) => format!("<{}/>", e.local_name().as_ref() as &str),
                        Event::End(e) => format!("</{}>", e.local_name().as_ref() as &str),
                        Event::Text(t) => (*t).to_string(),
                        Event::GeneralRef(r) => format!("&{};", &*r),
                        _ => String::new(),
                    };
                    out.push(text);
                    Ok(Flow::Go)
                })
                .unwrap();
            }
            // Text split across pushes comes in runs: join them to compare.
            out.concat()
        };
        let whole = events(&[doc.as_bytes()]);
        assert_eq!(whole, "<a><b>caf\u{e9} &amp; t\u{e9}</b><c/>tail &#10;</a>");
        // Cut in three anywhere.
        for at in (1..doc.len()).step_by(3) {
            for len in [1, 2, 5] {
                let b = doc.as_bytes();
                let (x, rest) = b.split_at(at);
                let (y, z) = rest.split_at(len.min(rest.len()));
                assert_eq!(events(&[x, y, z]), whole, "cut at {at} and {}", at + len);
            }
        }
        for at in 1..doc.len() {
            let (x, y) = doc.as_bytes().split_at(at);
            assert_eq!(events(&[x, y]), whole, "cut at {at}");
        }
    }

    #[test]
    fn a_tag_longer_than_the_limit_is_refused() {
        let mut feed = XmlFeed::default();
        feed.buffer().extend_from_slice(b"<a><b x=\"");
        feed.buffer().extend_from_slice(&[b'y'; 100]);
        let mut n = 0;
        assert_eq!(
            feed.parse("p", 64, |_| {
                n += 1;
                Ok(Flow::Go)
            }),
            Ok(Flow::Go)
        );
        assert_eq!(n, 1);
        assert_eq!(
            feed.parse("p", 64, |_| Ok(Flow::Go)),
            Err(XlsxError::TagTooLong {
                part: "p".into(),
                max: 64
            })
        );
    }
}
