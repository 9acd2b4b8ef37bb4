//! The run: bytes of a file in, request bodies and a report out ([`Ingest`]); and the calls
//! a host makes on a whole file at once ([`validate`], [`draft`]).

use crate::base::limits::MAX_EVENT_BYTES;
use crate::base::position::Position;
use crate::base::reason::Reason;
use crate::map::draft::Draft;
use crate::map::file_name::{CallKind, FileSpec};
use crate::map::file_plan::{Delimiter, FilePlan, HeaderSource};
use crate::map::mapping::Rule;
use crate::map::plan::Plan;
use crate::options::Options;
use crate::read::decode::Decoder;
use crate::read::dialect;
use crate::read::frame::{Broken, RAW_KEPT};
use crate::read::records::{Record, RecordReader};
use crate::report::error::{Error, ErrorKind};
use crate::report::reject::Rejection;
use crate::report::GroupNotes;
use crate::report::{MappingUsed, Report};
use crate::write::batch::{Batch, Batcher};
use crate::write::group::{Grouper, Outputs, Tally};
use crate::write::message_id::MessageIds;
use crate::write::payload::{PayloadWriter, RowError};

/// Rejected rows are kept whole up to this size while the rows kept so far hold less than
/// [`RAW_BUDGET`] bytes; past either, only their first [`RAW_KEPT`] bytes.
const MAX_RAW_KEPT: usize = 64 * 1024;
/// What the report's rejected rows may hold in full, together.
const RAW_BUDGET: usize = 1 << 20;
/// The most a file's head (a preamble that `skip` passes over, and the header) may be for a
/// piece to be read from its offset with it; a longer one is read from the start.
const MAX_HEAD_BYTES: usize = 2 * crate::base::limits::MAX_HEADER_BYTES;

/// Turns one CSV file into Segment request bodies, chunk by chunk.
///
/// Write the file's bytes in chunks of any size, cut anywhere; after each write take the bodies
/// that are ready with [`Ingest::next_batch`]; call [`Ingest::finish`] at the end and take the
/// last ones. Memory stays bounded by one body and one row, whatever the file, as long as the
/// host takes the ready bodies after each write: a row is at most `maxRecordBytes` (longer ones,
/// and quotes that never close, are rejected by the rule of `src/read/frame.rs` without being held).
///
/// A header problem stops the file: `write` returns the error, and so does every later call.
///
/// ```
/// use csv2segment::{Ingest, Options};
///
/// let mut ing = Ingest::new("uploads/track_1.csv", "s3://bucket/track_1.csv#etag", Options::default())?;
/// ing.write(b"userId,event,properties.plan\n1,Signed Up,pro\n2,Signed")?;
/// ing.write(b" Up,\n")?;
/// ing.finish()?;
/// let batch = ing.next_batch().unwrap();
/// assert_eq!(batch.events, 2);
/// assert_eq!(ing.report().rows, 2);
/// assert!(ing.next_batch().is_none());
/// # Ok::<(), csv2segment::Error>(())
/// ```
pub struct Ingest {
    decoder: Decoder,
    input: Input,
    rows: Rows,
}

/// The reading side: the first bytes held until the delimiter is known, then records.
enum Input {
    /// The delimiter is guessed from the header record ([`Delimiter::Guessed`]): the bytes are
    /// held until it is in.
    Guessing(dialect::Guess),
    Reading(Box<RecordReader>),
}

/// Where a run starts in its file (see [`Ingest::from_plan`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Start<'a> {
    /// At its first byte: the whole file is written.
    File,
    /// At `at`, a record boundary after the header (from [`Ingest::suspend`] or a
    /// [`crate::Splitter`] shard): the bytes from `at.offset` on are written, read with `head`,
    /// the file's header record as it stands (its head, preamble included, with a `skip`).
    ///
    /// Input that can only be read from its start (gzip, a transcoded encoding) starts at
    /// [`Start::File`] and is moved on with [`Ingest::skip_to`].
    Resume { head: &'a [u8], at: Position },
}

/// Everything the record callback needs, apart from the reader that calls it.
struct Rows {
    /// How the file is read; its spec's delimiter is the one read with, once known.
    file: FilePlan,
    options: Options,
    ids: MessageIds,
    state: State,
    batcher: Batcher,
    writer: PayloadWriter,
    /// The report but for the counts the output side keeps (see [`Rows::report`]).
    report: Report,
    header_raw: Vec<u8>,
    /// With a `skip` before the header: the file's head (the preamble and the header record as
    /// they stand, from the start of its text), what [`Ingest::header`] gives; `None` without
    /// a preamble, or past [`MAX_HEAD_BYTES`].
    head: Option<Vec<u8>>,
    /// Bytes of a byte order mark before the file's text.
    text_start: u64,
    samples: Vec<String>,
    /// Where the run starts: the file's first byte, a resumed piece's place, or the one
    /// [`Ingest::skip_to`] gives. Rows that start before it are not read, [`Ingest::position`]
    /// is never earlier, and a reader behind it jumps to it once the header is in.
    start: Position,
    /// Bytes of rejected rows the report keeps.
    raw_kept: usize,
    /// With a mapping's `group`: the group being read.
    grouper: Grouper,
}

enum State {
    Header,
    Body(Plan),
    Failed(Error),
    Finished,
    /// Stopped at a row boundary by [`Ingest::suspend`]; another run goes on from there.
    Suspended,
}

impl Ingest {
    /// An engine for the file at `key`, whose rows get messageIds derived from `identity`.
    ///
    /// Fails when the file name does not say which call to make, or an option is out of range.
    pub fn new(key: &str, identity: &str, options: Options) -> Result<Ingest, Error> {
        let file = plan_checked(key, &options)?;
        Ingest::from_plan(file, identity, options, Start::File)
    }

    /// An engine for a piece of the file at `key` that starts at `at`, a record boundary after
    /// the header (from [`Ingest::suspend`] or a [`crate::Splitter`] shard): write it the bytes
    /// from `at.offset` on, and it reads them with the file's `header` (the header record as it
    /// stands in the file). Rows get the same lines and messageIds as in a run of the whole file.
    ///
    /// Fails as [`Ingest::new`] does, and when the header has a problem.
    ///
    /// ```
    /// use csv2segment::{Ingest, Options, Position};
    ///
    /// let file = b"userId,event\n1,Signed Up\n2,Logged In\n";
    /// let mut whole = Ingest::new("track_x.csv", "id", Options::default())?;
    /// whole.write(file)?;
    /// whole.finish()?;
    /// let mut piece = Ingest::resume("track_x.csv", "id", Options::default(), b"userId,event",
    ///     Position { offset: 25, line: 3 })?;
    /// piece.write(&file[25..])?;
    /// piece.finish()?;
    /// let (a, b) = (whole.next_batch().unwrap(), piece.next_batch().unwrap());
    /// assert_eq!((a.events, b.events, b.first_line), (2, 1, 3));
    /// let id = |body: &[u8]| String::from_utf8_lossy(body).rsplit("messageId").next().unwrap()[3..39].to_string();
    /// assert_eq!(id(&a.body), id(&b.body));
    /// # Ok::<(), csv2segment::Error>(())
    /// ```
    pub fn resume(
        key: &str,
        identity: &str,
        options: Options,
        header: &[u8],
        at: Position,
    ) -> Result<Ingest, Error> {
        let file = plan_checked(key, &options)?;
        Ingest::from_plan(file, identity, options, Start::Resume { head: header, at })
    }

    /// The one constructor: an engine that reads the file `file` plans from `start`, with
    /// `options` already checked ([`Options::check`], see [`plan_checked`]) and messageIds
    /// derived from `identity`; [`Ingest::new`] and [`Ingest::resume`] are calls of it.
    ///
    /// Fails when the mapping's `header` does not fit its rule, and, for [`Start::Resume`],
    /// when the header has a problem.
    pub(crate) fn from_plan(
        file: FilePlan,
        identity: &str,
        options: Options,
        start: Start<'_>,
    ) -> Result<Ingest, Error> {
        let (max_events, collection) = match file.spec.kind {
            CallKind::Object => (
                options.max_objects_per_request,
                file.spec.collection.as_deref(),
            ),
            _ => (options.max_batch_events, None),
        };
        let batcher = Batcher::new(collection, options.max_batch_bytes, max_events);
        let (decoder, at) = match start {
            Start::File => (Decoder::with(file.encoding), Position::default()),
            Start::Resume { at, .. } => (Decoder::past_start(file.encoding), at),
        };
        let mut rows = Rows {
            report: Report {
                file: Some(file.spec.clone()),
                mapping: mapping_used(&options, file.rule.as_ref()),
                ..Report::default()
            },
            ids: MessageIds::new(identity, file.digest.as_ref()),
            head: (file.skip.before > 0).then(Vec::new),
            file,
            options,
            state: State::Header,
            batcher,
            writer: PayloadWriter::default(),
            header_raw: Vec::new(),
            text_start: 0,
            samples: Vec::new(),
            start: at,
            raw_kept: 0,
            grouper: Grouper::default(),
        };
        // The delimiter: the mapping's, or a tab for `.tsv`; else guessed from the header
        // record: a piece's from its head, a whole file's once its header record is in.
        let delimiter = match (rows.file.delimiter, start) {
            (Delimiter::Given(d), _) => Some(d),
            (Delimiter::Guessed, Start::Resume { head, .. }) => {
                Some(dialect::guess_after(head, rows.file.skip.before))
            }
            (Delimiter::Guessed, Start::File) => None,
        };
        if let Some(d) = delimiter {
            rows.set_delimiter(d);
        }
        // A file without a header row: the mapping names its columns.
        if let HeaderSource::Mapping(names) = &rows.file.header {
            let names = names.clone();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            rows.plan(&names)?;
        }
        let reader = match (delimiter, start) {
            (None, _) => None,
            (Some(d), Start::Resume { head, at }) => {
                rows.read_header(head)?;
                let mut reader = RecordReader::new(d, 0, rows.options.max_record_bytes);
                reader.jump(at);
                Some(reader)
            }
            (Some(d), Start::File) => Some(rows.reader(d, 0)),
        };
        let input = match reader {
            Some(mut reader) => {
                if let State::Body(plan) = &rows.state {
                    // Its first record is a row: the record limit applies from the start.
                    reader.body(plan.width);
                }
                Input::Reading(Box::new(reader))
            }
            None => Input::Guessing(dialect::Guess::new(false).skipping(rows.file.skip.before)),
        };
        Ok(Ingest {
            decoder,
            input,
            rows,
        })
    }

    /// For input that can only be read from the start (gzip, UTF-16): the run starts at `at`
    /// (a place [`Ingest::suspend`] returned) rather than at the file's first byte. The header
    /// is read as usual, then everything before `at` is dropped unread, and the run goes on
    /// from there as the suspended one would have.
    pub fn skip_to(&mut self, at: Position) {
        self.rows.start = at;
    }

    /// Where the next row starts: the first byte not yet read into a row (with a mapping's
    /// `group`, into a sent or rejected event: the first row of the group still open). After
    /// [`Ingest::finish`], the end of the input.
    pub fn position(&self) -> Position {
        let at = match (&self.input, self.rows.grouper.open_at()) {
            // An open group's rows are not read into an event yet: they start where it does.
            (_, Some(group)) => group,
            (Input::Reading(reader), None) => reader.position(),
            // Nothing is read into rows while the delimiter is guessed.
            (Input::Guessing(_), None) => Position { offset: 0, line: 1 },
        };
        let start = self.rows.start;
        if start.offset > at.offset {
            start
        } else {
            at
        }
    }

    /// Stops at a row boundary (with a mapping's `group`, before the group still open, whose
    /// rows are left to the next run): completes the open body, and returns where the next row starts,
    /// for a later run to go on from with [`Ingest::resume`] (or [`Ingest::skip_to`]). The
    /// bodies still to take are those of the rows before that place; the report counts them.
    ///
    /// A run cut short (a host out of time) and a later one that goes on from where it stopped
    /// send each row once, with the messageIds of a single run:
    ///
    /// ```
    /// use csv2segment::{Ingest, Options};
    ///
    /// let file = b"userId,event\n1,Signed Up\n2,Logged In\n3,Logged Out\n";
    /// let mut first = Ingest::new("track_x.csv", "id", Options::default())?;
    /// first.write(&file[..30])?; // the second row is read up to "Log"
    /// let at = first.suspend()?;
    /// assert_eq!((at.offset, at.line), (25, 3)); // the second row is left for the next run
    /// let sent = first.next_batch().unwrap();
    /// assert_eq!((sent.events, sent.first_line, sent.last_line), (1, 2, 2));
    /// assert!(first.next_batch().is_none());
    ///
    /// let header = first.header().unwrap().to_vec();
    /// let mut rest = Ingest::resume("track_x.csv", "id", Options::default(), &header, at)?;
    /// rest.write(&file[at.offset as usize..])?;
    /// rest.finish()?;
    /// let sent = rest.next_batch().unwrap();
    /// assert_eq!((sent.events, sent.first_line, sent.last_line), (2, 3, 4));
    /// # Ok::<(), csv2segment::Error>(())
    /// ```
    pub fn suspend(&mut self) -> Result<Position, Error> {
        self.usable()?;
        let at = self.position();
        let rows = &mut self.rows;
        // The open group is left whole to the run that goes on from `at`, where it starts.
        rows.grouper.drop_open();
        rows.batcher.flush();
        rows.state = State::Suspended;
        Ok(at)
    }

    /// The header record as it stands in the file, once read: what [`Ingest::resume`] takes to
    /// read a piece of the file from its offset. With a mapping's `skip` before the header, the
    /// file's head: from the start of its text to the end of the header record, the preamble
    /// included, so that it is still the file's start. `None` when a piece must be read from
    /// the start with [`Ingest::skip_to`] instead: a transcoded file (UTF-16, a mapping's
    /// single-byte encoding), whose offsets are not the file's, a file without a header row (a
    /// host checks a piece's header against the file's first record), or a head over 128 KiB.
    pub fn header(&self) -> Option<&[u8]> {
        if self.rows.file.skip.before > 0 {
            let head = self
                .rows
                .head
                .as_deref()
                .filter(|_| self.rows.state_past_header());
            return head.filter(|_| self.decoder.is_identity());
        }
        // A header record is never empty: blank lines before it are skipped.
        let raw = &self.rows.header_raw;
        let own = self.rows.file.header == HeaderSource::File;
        (!raw.is_empty() && own && self.decoder.is_identity()).then_some(raw.as_slice())
    }

    /// What the file name says.
    pub fn file(&self) -> &FileSpec {
        &self.rows.file.spec
    }

    /// The options this engine runs with.
    pub fn options(&self) -> &Options {
        &self.rows.options
    }

    /// Reads a chunk of the file.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.usable()?;
        self.rows.report.input_bytes += chunk.len() as u64;
        self.feed(chunk, false)
    }

    /// Reads the end of the file and completes the last body.
    ///
    /// Rows held back so that no more than one body is ready at a time (after a long row or a
    /// stray quote, the reader may hold up to `maxRecordBytes` of complete rows) are read as
    /// [`Ingest::next_batch`] takes the bodies: the report is complete once it returns `None`.
    pub fn finish(&mut self) -> Result<(), Error> {
        self.usable()?;
        self.feed(&[], true)?;
        let rows = &mut self.rows;
        // The end of the input ends the guess: the reader is there.
        let Input::Reading(reader) = &mut self.input else {
            return Err(rows.fail(Error::new(ErrorKind::NoHeader)));
        };
        if let Err(e) = reader.finish(&mut |rec: Record<'_>| rows.record(rec)) {
            return Err(rows.fail(e));
        }
        if matches!(rows.state, State::Header) {
            return Err(rows.fail(Error::new(ErrorKind::NoHeader)));
        }
        if !reader.paused() {
            rows.complete();
        }
        Ok(())
    }

    /// Whether the engine takes more input: not after a fatal error, after [`Ingest::finish`],
    /// or after [`Ingest::suspend`].
    fn usable(&self) -> Result<(), Error> {
        if matches!(&self.input, Input::Reading(r) if r.ended()) {
            return Err(Error::new(ErrorKind::Finished));
        }
        match &self.rows.state {
            State::Failed(e) => Err(e.clone()),
            State::Finished | State::Suspended => Err(Error::new(ErrorKind::Finished)),
            _ => Ok(()),
        }
    }

    fn feed(&mut self, chunk: &[u8], eof: bool) -> Result<(), Error> {
        let rows = &mut self.rows;
        let decoded = match self.decoder.decode(chunk, eof) {
            Ok(d) => d,
            Err(e) => return Err(rows.fail(e.into())),
        };
        rows.text_start += decoded.skip;
        let held: Vec<u8>;
        let (reader, parts): (&mut RecordReader, [&[u8]; 2]) = match &mut self.input {
            Input::Guessing(guess) => {
                // The delimiter is guessed from the header record: hold the bytes until it is in.
                guess.push(&decoded.head);
                if !(guess.push(decoded.rest) || eof) {
                    return Ok(());
                }
                let (d, bytes) = std::mem::take(guess).finish();
                held = bytes;
                let mut reader = rows.reader(d, rows.text_start);
                if let State::Body(plan) = &rows.state {
                    reader.body(plan.width);
                }
                rows.set_delimiter(d);
                self.input = Input::Reading(Box::new(reader));
                let Input::Reading(reader) = &mut self.input else {
                    return Ok(());
                };
                (reader, [&held[..], &[]])
            }
            Input::Reading(reader) => {
                reader.skip(decoded.skip);
                (reader, [&decoded.head[..], decoded.rest])
            }
        };
        for part in parts {
            let part = skip_unread(reader, rows.start, &rows.state, part);
            rows.keep_head(part);
            let result = reader.push(part, &mut |rec: Record<'_>| rows.record(rec));
            if let Err(e) = result {
                return Err(rows.fail(e));
            }
        }
        Ok(())
    }

    /// Reads rows held back, until a body is ready or none is left; after `finish`, completes
    /// the file once none is left.
    fn go_on(&mut self) {
        let Input::Reading(reader) = &mut self.input else {
            return;
        };
        if !reader.paused() || !matches!(self.rows.state, State::Body(_)) {
            return;
        }
        let rows = &mut self.rows;
        let result = reader.go_on(&mut |rec: Record<'_>| rows.record(rec));
        if let Err(e) = result {
            rows.fail(e);
        } else if reader.ended() && !reader.paused() {
            rows.complete();
        }
    }

    /// The mapping's `skip`: rows dropped before the header and after it (for a workbook's
    /// rows, which [`crate::workbook`] reads, not the record reader).
    pub(crate) fn skip_rows(&self) -> (usize, usize) {
        let skip = self.rows.file.skip;
        (skip.before, skip.after)
    }

    /// The mapping's `sheet`: which sheet of a workbook is read.
    pub(crate) fn sheet_choice(&self) -> Option<crate::read::xlsx::SheetChoice> {
        self.rows.file.sheet.clone()
    }

    /// Whether a body is ready to take.
    pub(crate) fn body_ready(&self) -> bool {
        self.rows.batcher.has_ready()
    }

    /// Whether the run stopped on an error.
    pub(crate) fn failed(&self) -> bool {
        matches!(self.rows.state, State::Failed(_))
    }

    /// Whether the engine takes more input (for a workbook's rows).
    pub(crate) fn check_usable(&self) -> Result<(), Error> {
        self.usable()
    }

    /// Counts input read by another reader (a workbook's bytes).
    pub(crate) fn count_input(&mut self, bytes: u64) {
        self.rows.report.input_bytes += bytes;
    }

    /// The header's width, once it is planned.
    pub(crate) fn width(&self) -> Option<usize> {
        match &self.rows.state {
            State::Body(plan) => Some(plan.width),
            _ => None,
        }
    }

    /// Reads a record that was not cut from bytes (a workbook's row) as the record reader's
    /// would be: the header first, then rows. Take the ready bodies after each.
    pub(crate) fn push_record(&mut self, rec: Record<'_>) -> Result<(), Error> {
        self.usable()?;
        let rows = &mut self.rows;
        rows.set_delimiter(b',');
        let result = rows.record(rec);
        result.map(|_| ()).map_err(|e| rows.fail(e))
    }

    /// Ends a run of [`Ingest::push_record`]s, as [`Ingest::finish`] ends one of bytes.
    pub(crate) fn finish_records(&mut self, input_bytes: u64) -> Result<(), Error> {
        self.usable()?;
        let rows = &mut self.rows;
        rows.report.input_bytes = rows.report.input_bytes.max(input_bytes);
        if matches!(rows.state, State::Header) {
            return Err(rows.fail(Error::new(ErrorKind::NoHeader)));
        }
        rows.complete();
        Ok(())
    }

    /// Stops the file with `e`, which the report keeps.
    pub(crate) fn stop(&mut self, e: Error) -> Error {
        self.rows.fail(e)
    }

    /// The next request body that is ready, oldest first.
    pub fn next_batch(&mut self) -> Option<Batch> {
        if let Some(b) = self.rows.batcher.pop() {
            return Some(b);
        }
        self.go_on();
        self.rows.batcher.pop()
    }

    /// Gives a body's buffer back once its bytes are sent (or copied out): the next body is
    /// written into that memory instead of new memory, which is quicker in WebAssembly (see
    /// `src/base/out.rs`). Optional: a body not given back is dropped as usual.
    pub fn recycle(&mut self, body: Vec<u8>) {
        self.rows.batcher.recycle(body);
    }

    /// The report so far; complete after [`Ingest::finish`] once [`Ingest::next_batch`] returns `None`.
    pub fn report(&self) -> Report {
        self.rows.report()
    }

    /// The first payloads, as sent, up to the `sample_payloads` option.
    pub fn samples(&self) -> &[String] {
        &self.rows.samples
    }

    /// A CSV of the rejected rows kept in the report, with the reason for each; `None` if none.
    pub fn rejects_csv(&self) -> Option<Vec<u8>> {
        self.rows
            .report
            .rejects_csv(&self.rows.header_raw, self.rows.file.spec.delimiter)
    }
}

/// The plan of the file at `key` for a run: its options checked first.
fn plan_checked(key: &str, options: &Options) -> Result<FilePlan, Error> {
    options.check()?;
    Ok(FilePlan::resolve(key, options)?)
}

/// What the report says of the mapping: `None` when the options carry none.
fn mapping_used(options: &Options, rule: Option<&Rule>) -> Option<MappingUsed> {
    options.mapping.as_ref().map(|text| MappingUsed {
        key: options.mapping_key.clone(),
        etag: options.mapping_etag.clone(),
        sha256: MappingUsed::sha256_of(text),
        rule: rule.map(|r| r.index),
    })
}

impl Rows {
    /// The report, with the counts the output side keeps: the bodies the batcher made.
    fn report(&self) -> Report {
        Report {
            file: Some(self.file.spec.clone()),
            batches: self.batcher.made,
            ..self.report.clone()
        }
    }

    /// The report, when the run is done with.
    fn into_report(self) -> Report {
        Report {
            file: Some(self.file.spec),
            batches: self.batcher.made,
            ..self.report
        }
    }

    /// A reader of the file's records from `offset`, with its `delimiter`, passing over the
    /// records the mapping's `skip` leaves unread.
    fn reader(&self, delimiter: u8, offset: u64) -> RecordReader {
        let mut reader = RecordReader::new(delimiter, offset, self.options.max_record_bytes);
        reader.skip_records(self.file.skip.before, self.file.skip.after);
        reader
    }

    /// Reads the header of a piece from `head`, the file's header record as it stands (its
    /// head, preamble included, with a `skip`); a file without a header row was planned from
    /// the mapping already.
    fn read_header(&mut self, head: &[u8]) -> Result<(), Error> {
        if self.head.is_some() {
            self.head = Some(head.to_vec());
        }
        if !matches!(self.state, State::Header) {
            return Ok(());
        }
        let mut reader =
            RecordReader::new(self.file.spec.delimiter, 0, self.options.max_record_bytes);
        reader.skip_records(self.file.skip.before, 0);
        let mut first = |rec: Record<'_>| match self.state {
            State::Header => self.header(&rec).map(|()| true),
            _ => Ok(true),
        };
        reader
            .push(head, &mut first)
            .and_then(|()| reader.finish(&mut first))?;
        if matches!(self.state, State::Header) {
            return Err(Error::new(ErrorKind::NoHeader));
        }
        Ok(())
    }

    /// Whether the header is read (or the file stopped after it).
    fn state_past_header(&self) -> bool {
        !matches!(self.state, State::Header | State::Failed(_)) || !self.header_raw.is_empty()
    }

    /// Keeps the bytes of the file's head while the header is still to come.
    fn keep_head(&mut self, part: &[u8]) {
        if !matches!(self.state, State::Header) {
            return;
        }
        if let Some(head) = &mut self.head {
            if head.len() + part.len() > MAX_HEAD_BYTES {
                self.head = None;
            } else {
                head.extend_from_slice(part);
            }
        }
    }

    /// Records a fatal error in the report and poisons the engine with it.
    fn fail(&mut self, e: Error) -> Error {
        if !matches!(self.state, State::Failed(_)) {
            self.report.error = Some(e.to_string());
            self.report.header_errors = e.header_errors().to_vec();
            self.state = State::Failed(e.clone());
        }
        e
    }

    /// The file is read: completes the last body.
    fn complete(&mut self) {
        self.grouped(|grouper, plan, out| grouper.end(plan, out));
        self.batcher.flush();
        self.report.finished = true;
        self.state = State::Finished;
    }

    /// Runs `f` on the grouper with the plan, the run's output side and the report's tally (the
    /// one place they are lent to it), once the header is read.
    fn grouped(&mut self, f: impl FnOnce(&mut Grouper, &Plan, &mut Outputs<'_>)) {
        let State::Body(plan) = &self.state else {
            return;
        };
        let mut tally = ReportTally {
            report: &mut self.report,
            raw_kept: &mut self.raw_kept,
            max_rejections: self.options.max_rejections,
            names: &plan.names,
        };
        let mut out = Outputs {
            ids: &self.ids,
            options: &self.options,
            batcher: &mut self.batcher,
            writer: &mut self.writer,
            tally: &mut tally,
            samples: &mut self.samples,
        };
        f(&mut self.grouper, plan, &mut out);
    }

    /// Reads one record; `false` asks the reader to hold the rest back, a body being ready.
    fn record(&mut self, rec: Record<'_>) -> Result<bool, Error> {
        match &self.state {
            State::Body(_) => {
                self.row(&rec);
                Ok(!self.batcher.has_ready())
            }
            State::Header => self.header(&rec).map(|()| true),
            State::Failed(e) => Err(e.clone()),
            State::Finished | State::Suspended => Err(Error::new(ErrorKind::Finished)),
        }
    }

    /// The delimiter, once known (the mapping's, or guessed from the header record).
    fn set_delimiter(&mut self, d: u8) {
        self.file.spec.delimiter = d;
        if let HeaderSource::Mapping(names) = &self.file.header {
            // The rejects CSV of a file without a header row gets the mapping's.
            let sep = char::from(d).to_string();
            self.header_raw = names.join(&sep).into_bytes();
        }
    }

    fn header(&mut self, rec: &Record<'_>) -> Result<(), Error> {
        if let Some(broken) = rec.broken {
            return Err(Error::new(ErrorKind::HeaderUnreadable(broken)));
        }
        let row = rec
            .row()
            .map_err(|_| Error::new(ErrorKind::HeaderNotUtf8))?;
        let names: Vec<&str> = (0..row.len()).map(|i| row.cell_str(i)).collect();
        self.header_raw = rec.raw.to_vec();
        if let Some(head) = &mut self.head {
            // The head ends with the header record.
            let end = rec.offset + rec.raw.len() as u64 - self.text_start;
            match usize::try_from(end) {
                Ok(end) if end <= head.len() => head.truncate(end),
                _ => self.head = None,
            }
        }
        self.plan(&names)
    }

    /// Plans the columns `names`, through the mapping's rule when one matched the file.
    fn plan(&mut self, names: &[&str]) -> Result<(), Error> {
        let layout = match self.file.rule.as_ref().map(|r| r.layout(names)) {
            None => None,
            Some(Ok(layout)) => Some(layout),
            Some(Err(errors)) => {
                return Err(Error::new(ErrorKind::Header {
                    name: self.file.spec.name.clone(),
                    errors,
                }))
            }
        };
        let (columns, plan) = Plan::new(&self.file.spec, names, &self.options, layout.as_ref());
        self.report.columns = columns;
        match plan {
            Ok(plan) => {
                self.state = State::Body(plan);
                Ok(())
            }
            Err(errors) => Err(Error::new(ErrorKind::Header {
                name: self.file.spec.name.clone(),
                errors,
            })),
        }
    }

    fn row(&mut self, rec: &Record<'_>) {
        let State::Body(plan) = &self.state else {
            return;
        };
        if rec.offset < self.start.offset {
            return;
        }
        if plan.group.is_some() {
            self.grouped(|grouper, plan, out| {
                if let Some(g) = plan.group.as_deref() {
                    grouper.row(plan, g, rec, out);
                }
            });
            return;
        }
        self.report.rows += 1;
        let written = write_row(
            plan,
            rec,
            &self.ids,
            &self.options,
            &mut self.batcher,
            &mut self.writer,
        );
        match written {
            Ok(bytes) => {
                if self.samples.len() < self.options.sample_payloads {
                    let event = self.batcher.current_event();
                    self.samples
                        .push(String::from_utf8_lossy(event).into_owned());
                }
                self.batcher.commit(rec.line);
                self.report.events += 1;
                self.report.payload_bytes += bytes as u64;
                self.report.apostrophes_removed += u64::from(self.writer.apostrophes);
            }
            Err((col, reason)) => {
                self.report.rejected += 1;
                if self.report.rejections.len() < self.options.max_rejections {
                    let column = col.map(|c| {
                        let c = c as usize;
                        (c + 1, plan.names.get(c).cloned().unwrap_or_default())
                    });
                    self.report.rejections.push(Rejection {
                        line: rec.line,
                        offset: rec.offset,
                        column,
                        reason,
                        raw: keep_raw(&mut self.raw_kept, rec.raw),
                        group: None,
                    });
                }
            }
        }
    }
}

/// The report, as a group's rows come to it (see [`crate::write::group`]).
struct ReportTally<'a> {
    report: &'a mut Report,
    raw_kept: &'a mut usize,
    max_rejections: usize,
    names: &'a [String],
}

impl Tally for ReportTally<'_> {
    fn room(&self) -> usize {
        self.max_rejections
            .saturating_sub(self.report.rejections.len())
    }

    fn keep<'r>(&self, pending: usize, raw: &'r [u8]) -> &'r [u8] {
        let cap = if *self.raw_kept + pending < RAW_BUDGET && raw.len() <= MAX_RAW_KEPT {
            raw.len()
        } else {
            RAW_KEPT
        };
        &raw[..raw.len().min(cap)]
    }

    fn reject(
        &mut self,
        line: u64,
        offset: u64,
        column: Option<u32>,
        reason: Reason,
        raw: Vec<u8>,
        group: Option<u64>,
    ) {
        self.report.rows += 1;
        self.report.rejected += 1;
        if self.report.rejections.len() < self.max_rejections {
            *self.raw_kept += raw.len();
            let column = column.map(|c| {
                let c = c as usize;
                (c + 1, self.names.get(c).cloned().unwrap_or_default())
            });
            self.report.rejections.push(Rejection {
                line,
                offset,
                column,
                reason,
                raw,
                group,
            });
        }
    }

    fn reject_unkept(&mut self, rows: u64) {
        self.report.rows += rows;
        self.report.rejected += rows;
    }

    fn sent(&mut self, rows: u64, bytes: usize, apostrophes: u64) {
        self.report.rows += rows;
        self.report.events += 1;
        self.report.grouped_rows += rows.saturating_sub(1);
        self.report.payload_bytes += bytes as u64;
        self.report.apostrophes_removed += apostrophes;
    }

    fn conflict(&mut self, words: &dyn Fn() -> String) {
        GroupNotes::note(&mut self.report.group_conflicts, words);
    }

    fn split(&mut self, words: &dyn Fn() -> String) {
        GroupNotes::note(&mut self.report.split_groups, words);
    }

    fn unlisted(&mut self, words: &dyn Fn() -> String) {
        GroupNotes::note(&mut self.report.unlisted_groups, words);
    }
}

/// The text of a rejected row as the report keeps it, bounded whatever the rows; `kept` counts
/// what the report holds so far.
fn keep_raw(kept: &mut usize, raw: &[u8]) -> Vec<u8> {
    let cap = if *kept < RAW_BUDGET && raw.len() <= MAX_RAW_KEPT {
        raw.len()
    } else {
        RAW_KEPT
    };
    let raw = raw[..raw.len().min(cap)].to_vec();
    *kept += raw.len();
    raw
}

/// What of `part` the reader must see: while the run's `start` is ahead of the reader and the
/// header is known, the bytes before it are dropped and the reader jumps to it.
fn skip_unread<'a>(
    reader: &mut RecordReader,
    start: Position,
    state: &State,
    part: &'a [u8],
) -> &'a [u8] {
    let here = reader.end_offset();
    if here >= start.offset || !matches!(state, State::Body(_)) {
        // Rows before the start in this chunk are left out one by one (see `Rows::row`).
        return part;
    }
    let until = start.offset - here;
    if until >= part.len() as u64 {
        reader.jump(Position {
            offset: here + part.len() as u64,
            line: start.line,
        });
        return &[];
    }
    reader.jump(start);
    &part[until as usize..]
}

/// Writes one data row into the open body; on rejection, the body is as it was.
fn write_row(
    plan: &Plan,
    rec: &Record<'_>,
    ids: &MessageIds,
    options: &Options,
    batcher: &mut Batcher,
    writer: &mut PayloadWriter,
) -> Result<usize, (Option<u32>, Reason)> {
    match rec.broken {
        Some(Broken::TooLong) => {
            let max = options.max_record_bytes;
            return Err((None, Reason::RowTooLong { max }));
        }
        Some(Broken::Stray { column, eof }) => {
            let max = (!eof).then_some(options.max_record_bytes);
            return Err((None, Reason::StrayQuote { column, max }));
        }
        None => {}
    }
    if rec.len() > plan.width || rec.len() < plan.needed {
        return Err((
            None,
            Reason::FieldCount {
                found: rec.len(),
                expected: plan.width,
            },
        ));
    }
    let row = rec
        .row()
        .map_err(|col| (Some(col as u32), Reason::NotUtf8))?;
    plan.check(|i| row.cell(i)).map_err(|(c, r)| (Some(c), r))?;
    let written: Result<(), RowError> =
        writer.write(plan, &row, ids, rec.offset, options.empty, batcher.begin());
    let result = match written {
        Err((c, r)) => Err((Some(c), r)),
        Ok(()) => {
            let bytes = batcher.current_event().len();
            if bytes > MAX_EVENT_BYTES {
                Err((
                    None,
                    Reason::TooLarge {
                        bytes,
                        max: MAX_EVENT_BYTES,
                    },
                ))
            } else {
                Ok(bytes)
            }
        }
    };
    if result.is_err() {
        batcher.rollback();
    }
    result
}

/// The outcome of [`validate`]: the report and the first payloads, nothing sent.
// `P` is how the payloads are handed over: the engine gives each as JSON text; the binding hands
// them to JavaScript parsed.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Validation<P = Vec<String>> {
    /// The report, with `error` set when the file could not be read at all.
    pub report: Report,
    /// The first payloads, as they would be sent.
    #[serde(rename = "payloads")]
    #[schemars(with = "Vec<serde_json::Value>")]
    pub samples: P,
}

/// Drafts a rule for the file `name` from `head`, its first bytes (the whole file, or at least
/// its first [`crate::DRAFT_SAMPLE_BYTES`]); `whole` says `head` is the whole file.
///
/// Fails only for input that no mapping can read (a gzip file).
pub fn draft(name: &str, head: &[u8], whole: bool) -> Result<Draft, Error> {
    Ok(crate::map::draft::draft(name, head, whole)?)
}

/// Reads a whole file in memory without sending anything: its report and first payloads
/// (`sample_payloads` of them; when that is 0, the default, a preview's
/// `VALIDATE_SAMPLE_PAYLOADS`, 5).
///
/// ```
/// let v = csv2segment::validate(b"userId,event\n1,Signed Up\n2,\n", "track_x.csv", "id",
///     csv2segment::Options { sample_payloads: 1, ..Default::default() });
/// assert_eq!((v.report.events, v.report.rejected), (1, 1));
/// assert_eq!(v.report.rejections[0].to_string(),
///     "line 3, column 2 (event): event is empty; every track call needs one");
/// assert_eq!(v.samples.len(), 1);
/// ```
pub fn validate(bytes: &[u8], key: &str, identity: &str, mut options: Options) -> Validation {
    if options.sample_payloads == 0 {
        options.sample_payloads = crate::base::limits::limit!(VALIDATE_SAMPLE_PAYLOADS);
    }
    let mapping = mapping_used(&options, None);
    let mut ing = match Ingest::new(key, identity, options) {
        Ok(ing) => ing,
        Err(e) => {
            return Validation {
                report: Report {
                    error: Some(e.to_string()),
                    header_errors: e.header_errors().to_vec(),
                    mapping,
                    ..Report::default()
                },
                samples: Vec::new(),
            }
        }
    };
    // Errors are kept in the report; bodies are counted there and dropped here.
    for chunk in bytes.chunks(1 << 16) {
        if ing.write(chunk).is_err() {
            break;
        }
        while ing.next_batch().is_some() {}
    }
    let _ = ing.finish();
    while ing.next_batch().is_some() {}
    Validation {
        samples: std::mem::take(&mut ing.rows.samples),
        report: ing.rows.into_report(),
    }
}
