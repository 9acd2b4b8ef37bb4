//! The WebAssembly binding: the only module that knows of JavaScript.
//!
//! It wraps [`Ingest`] for JS hosts (Node, Workers, browsers), turns reports into plain
//! objects and errors into `Error`s with the engine's message and a `code`.

use js_sys::{Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::base::limits::limit;
use crate::{Batch, FileSpec, FileSplitter, Ingest, Options, Position, SplitSoFar, WorkbookIngest};

/// The engine's types: the mapping's (Mapping, MappingRule, MappedColumn, CallKind, ColumnType,
/// Vocabulary) and the values this binding hands over and takes (Report, Batch, IngestOptions,
/// …), generated from their Rust types by tests/generated.rs.
#[wasm_bindgen(typescript_custom_section)]
const MAPPING_TYPES: &'static str = include_str!("../schema/csv2segment.d.ts");
#[wasm_bindgen(typescript_custom_section)]
const VALUE_TYPES: &'static str = include_str!("../schema/engine.d.ts");

/// Values go to JavaScript as plain objects (maps too), `None` as `null`, counts as numbers.
const TO_JS: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::new()
    .serialize_missing_as_null(true)
    .serialize_maps_as_objects(true);

fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value.serialize(&TO_JS).unwrap_or(JsValue::NULL)
}

/// A JavaScript value placed as it is inside a serialised one: a body in the host's buffer,
/// payloads parsed by `JSON.parse` (their keys in order), `undefined`.
#[derive(Serialize)]
struct Js(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

/// An `Error` named `name` with a `code`, as every error the binding throws.
fn thrown(name: &str, code: &str, message: &str) -> js_sys::Error {
    let err = js_sys::Error::new(message);
    err.set_name(name);
    let _ = Reflect::set(&err, &"code".into(), &code.into());
    err
}

/// Turns an engine error into a JS `Error` with the message and a `code`.
fn js_error(e: crate::Error) -> JsValue {
    thrown("Csv2SegmentError", e.code(), &e.to_string()).into()
}

/// An `options` error, shaped like the engine's own errors (name `Csv2SegmentError`, a `code`).
fn options_error(message: &str) -> JsValue {
    thrown("Csv2SegmentError", "options", message).into()
}

fn options_from(value: Option<Object>) -> Result<Options, JsValue> {
    let Some(value) = value else {
        return Ok(Options::default());
    };
    for key in Object::keys(&value).iter() {
        let name = key.as_string().unwrap_or_default();
        if !Options::NAMES.contains(&name.as_str()) {
            let msg = format!(
                "invalid option: unknown option '{name}'; the options are {}",
                Options::NAMES.join(", ")
            );
            return Err(options_error(&msg));
        }
    }
    serde_wasm_bindgen::from_value(value.into()).map_err(|e| {
        options_error(&format!(
            "invalid option: {}",
            e.to_string().trim_start_matches("Error: ")
        ))
    })
}

/// The batch for JS; the body is copied into `into` when it fits, else into a new array.
fn batch_to_js(b: &Batch, into: Option<&Uint8Array>) -> JsValue {
    let body = match into {
        Some(buffer) if buffer.length() as usize >= b.body.len() => {
            let view = buffer.subarray(0, b.body.len() as u32);
            view.copy_from(&b.body);
            view
        }
        _ => Uint8Array::from(&b.body[..]),
    };
    to_js(&b.info(Js(body.into())))
}

/// What `Ingest` and `WorkbookIngest` both give JavaScript, written once: wasm_bindgen exports
/// no trait, so each class's method calls these in one line. Both read their rows with an
/// [`Ingest`], whose bodies, options, report and samples they are.
trait Engine {
    /// The engine the rows go through.
    fn ingest(&self) -> &Ingest;
    /// The next body that is ready (a workbook reads on to fill one).
    fn batch(&mut self) -> Option<Batch>;
    /// Takes a body's buffer back once JavaScript has its bytes.
    fn recycle(&mut self, body: Vec<u8>);

    fn js_next_batch(&mut self, into: Option<&Uint8Array>) -> JsValue {
        let Some(b) = self.batch() else {
            return JsValue::UNDEFINED;
        };
        let js = batch_to_js(&b, into);
        self.recycle(b.body);
        js
    }

    fn js_skip_batch(&mut self) -> Option<u32> {
        let b = self.batch()?;
        let len = u32::try_from(b.body.len()).unwrap_or(u32::MAX);
        self.recycle(b.body);
        Some(len)
    }

    fn js_max_body_bytes(&self) -> u32 {
        u32::try_from(self.ingest().options().max_batch_bytes).unwrap_or(u32::MAX)
    }

    fn js_file(&self) -> JsValue {
        to_js(self.ingest().file())
    }

    fn js_report(&self) -> JsValue {
        to_js(&self.ingest().report())
    }

    fn js_progress(&self) -> JsValue {
        to_js(&self.ingest().report().progress())
    }

    fn js_samples(&self) -> JsValue {
        parse_all(self.ingest().samples())
    }

    fn js_rejects_csv(&self) -> Option<Vec<u8>> {
        self.ingest().rejects_csv()
    }
}

impl Engine for JsIngest {
    fn ingest(&self) -> &Ingest {
        &self.inner
    }

    fn batch(&mut self) -> Option<Batch> {
        self.inner.next_batch()
    }

    fn recycle(&mut self, body: Vec<u8>) {
        self.inner.recycle(body);
    }
}

impl Engine for JsWorkbookIngest {
    fn ingest(&self) -> &Ingest {
        self.inner.ingest()
    }

    fn batch(&mut self) -> Option<Batch> {
        self.inner.next_batch()
    }

    fn recycle(&mut self, body: Vec<u8>) {
        self.inner.recycle(body);
    }
}

/// The streaming engine, for JavaScript.
#[wasm_bindgen(js_name = Ingest)]
pub struct JsIngest {
    inner: Ingest,
}

#[wasm_bindgen(js_class = Ingest)]
impl JsIngest {
    /// An engine for the file at `key` (its name picks the call), whose messageIds derive from
    /// `identity` (for example `s3://bucket/key#etag`). Throws when the name is not accepted.
    #[wasm_bindgen(constructor)]
    pub fn new(
        key: &str,
        identity: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "IngestOptions")] options: Option<Object>,
    ) -> Result<JsIngest, JsValue> {
        let options = options_from(options)?;
        Ingest::new(key, identity, options)
            .map(|inner| JsIngest { inner })
            .map_err(js_error)
    }

    /// An engine for the piece of the file that starts at `offset` (on `line`), a row boundary
    /// from `suspend()` or a `Splitter` shard: write it the bytes from `offset` on. `header` is
    /// the file's header record. Rows get the same lines and messageIds as in a whole run.
    /// Throws as the constructor does, and on a header problem.
    pub fn resume(
        key: &str,
        identity: &str,
        #[wasm_bindgen(unchecked_param_type = "IngestOptions | undefined")] options: Option<Object>,
        header: &str,
        offset: f64,
        line: f64,
    ) -> Result<JsIngest, JsValue> {
        let options = options_from(options)?;
        let at = position(offset, line)?;
        Ingest::resume(key, identity, options, header.as_bytes(), at)
            .map(|inner| JsIngest { inner })
            .map_err(js_error)
    }

    /// For input that can only be read from its start (gzip): write the whole file, and rows
    /// before `offset` (a place `suspend()` returned) are dropped unread.
    #[wasm_bindgen(js_name = skipTo)]
    pub fn skip_to(&mut self, offset: f64, line: f64) -> Result<(), JsValue> {
        self.inner.skip_to(position(offset, line)?);
        Ok(())
    }

    /// Stops at a row boundary: completes the open body and returns where the next row starts.
    /// Take the remaining bodies with `nextBatch`; then go on from the place with `resume`.
    #[wasm_bindgen(unchecked_return_type = "Position")]
    pub fn suspend(&mut self) -> Result<JsValue, JsValue> {
        self.inner.suspend().map(|p| to_js(&p)).map_err(js_error)
    }

    /// Where the next row starts; after `finish()`, the end of the input.
    #[wasm_bindgen(unchecked_return_type = "Position")]
    pub fn position(&self) -> JsValue {
        to_js(&self.inner.position())
    }

    /// The header record as it stands in the file, once read, for `resume`; `undefined` when a
    /// piece must be read from the start with `skipTo` instead (a transcoded encoding: UTF-16,
    /// a mapping's Windows-1252 or ISO-8859-1; or no header row).
    #[wasm_bindgen(getter, unchecked_return_type = "string | undefined")]
    pub fn header(&self) -> JsValue {
        self.inner.header().map_or(JsValue::UNDEFINED, |h| {
            String::from_utf8_lossy(h).as_ref().into()
        })
    }

    /// Reads a chunk of the file; throws on a header problem (and ever after).
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.inner.write(chunk).map_err(js_error)
    }

    /// Reads the end of the file and completes the last body.
    pub fn finish(&mut self) -> Result<(), JsValue> {
        self.inner.finish().map_err(js_error)
    }

    /// The next body that is ready, or `undefined`.
    #[wasm_bindgen(js_name = nextBatch, unchecked_return_type = "Batch | undefined")]
    pub fn next_batch(&mut self) -> JsValue {
        self.js_next_batch(None)
    }

    /// Like `nextBatch`, but writes the body into `buffer` and returns it as a view of
    /// `buffer` (a new array only when the body does not fit). Hosts that reuse a few buffers of
    /// `maxBodyBytes` this way make no garbage per body.
    #[wasm_bindgen(js_name = nextBatchInto, unchecked_return_type = "Batch | undefined")]
    pub fn next_batch_into(&mut self, buffer: &Uint8Array) -> JsValue {
        self.js_next_batch(Some(buffer))
    }

    /// Drops the next body that is ready and gives its size in bytes, or `undefined` when none
    /// is ready: for a host that sends nothing (the browser's validator counts the bodies), so
    /// that no body is copied out of the engine.
    #[wasm_bindgen(js_name = skipBatch)]
    pub fn skip_batch(&mut self) -> Option<u32> {
        self.js_skip_batch()
    }

    /// The size a body can reach (the `maxBatchBytes` option), for `nextBatchInto`'s buffers.
    #[wasm_bindgen(getter, js_name = maxBodyBytes)]
    pub fn max_body_bytes(&self) -> u32 {
        self.js_max_body_bytes()
    }

    /// What the file name says.
    #[wasm_bindgen(getter, unchecked_return_type = "FileInfo")]
    pub fn file(&self) -> JsValue {
        self.js_file()
    }

    /// The report so far; complete after `finish()` once `nextBatch()` returns `undefined`.
    #[wasm_bindgen(unchecked_return_type = "Report")]
    pub fn report(&self) -> JsValue {
        self.js_report()
    }

    /// Counts so far.
    #[wasm_bindgen(unchecked_return_type = "Progress")]
    pub fn progress(&self) -> JsValue {
        self.js_progress()
    }

    /// The sample payloads kept (see `samplePayloads`), parsed.
    #[wasm_bindgen(unchecked_return_type = "unknown[]")]
    pub fn samples(&self) -> JsValue {
        self.js_samples()
    }

    /// A CSV of the rejected rows kept in the report, with a reason column; `undefined` if none.
    #[wasm_bindgen(js_name = rejectsCsv)]
    pub fn rejects_csv(&self) -> Option<Vec<u8>> {
        self.js_rejects_csv()
    }
}

/// An Excel workbook (.xlsx, .xlsm) read in the byte ranges the engine asks for, so that the
/// host never holds it: while `wants()` gives a range, read those bytes of the file (a ranged
/// GET, `File.slice`, a positioned read) and `write` them, whole or in chunks in order, taking
/// the bodies with `nextBatch` after each write; then `finish()` and take the last ones.
#[wasm_bindgen(js_name = WorkbookIngest)]
pub struct JsWorkbookIngest {
    inner: WorkbookIngest,
}

#[wasm_bindgen(js_class = WorkbookIngest)]
impl JsWorkbookIngest {
    /// An engine for the workbook at `key`, a file of `size` bytes (its name, or the mapping's
    /// rule, picks the call; the rule's `sheet` the sheet), whose messageIds derive from
    /// `identity`. Throws when the name is not accepted.
    #[wasm_bindgen(constructor)]
    pub fn new(
        key: &str,
        identity: &str,
        #[wasm_bindgen(unchecked_param_type = "IngestOptions | undefined")] options: Option<Object>,
        size: f64,
    ) -> Result<JsWorkbookIngest, JsValue> {
        let options = options_from(options)?;
        let size = file_size(size)?;
        WorkbookIngest::new(key, identity, options, size)
            .map(|inner| JsWorkbookIngest { inner })
            .map_err(js_error)
    }

    /// An engine for the workbook from the sheet row `suspend()` returned (its `offset`, and
    /// `line`, the same row): the sheet is read again from its start, the rows before it
    /// passed over, so rows get the lines and messageIds of a single run.
    pub fn resume(
        key: &str,
        identity: &str,
        #[wasm_bindgen(unchecked_param_type = "IngestOptions | undefined")] options: Option<Object>,
        size: f64,
        offset: f64,
        line: f64,
    ) -> Result<JsWorkbookIngest, JsValue> {
        let options = options_from(options)?;
        let size = file_size(size)?;
        let at = position(offset, line)?;
        WorkbookIngest::resume(key, identity, options, size, at)
            .map(|inner| JsWorkbookIngest { inner })
            .map_err(js_error)
    }

    /// The byte range to read and write next, `{ start, end, stream }` (`end` not included;
    /// `stream`: write it in chunks rather than holding it); `undefined` once the sheet's bytes
    /// are all in: call `finish()`.
    #[wasm_bindgen(unchecked_return_type = "ByteRange | undefined")]
    pub fn wants(&self) -> JsValue {
        self.inner.wants().map_or(JsValue::UNDEFINED, |r| to_js(&r))
    }

    /// Writes the next bytes of the range `wants()` gives; throws when the workbook cannot be
    /// read, on more bytes than were asked for, and on a header problem (and ever after).
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.inner.write(chunk).map_err(js_error)
    }

    /// Ends the input; throws when a range asked for was not written whole.
    pub fn finish(&mut self) -> Result<(), JsValue> {
        self.inner.finish().map_err(js_error)
    }

    /// The next body that is ready, or `undefined`.
    #[wasm_bindgen(js_name = nextBatch, unchecked_return_type = "Batch | undefined")]
    pub fn next_batch(&mut self) -> JsValue {
        self.js_next_batch(None)
    }

    /// Like `nextBatch`, into `buffer` when the body fits (see `Ingest.nextBatchInto`).
    #[wasm_bindgen(js_name = nextBatchInto, unchecked_return_type = "Batch | undefined")]
    pub fn next_batch_into(&mut self, buffer: &Uint8Array) -> JsValue {
        self.js_next_batch(Some(buffer))
    }

    /// Drops the next body, read on to fill one, and gives its size in bytes (see
    /// `Ingest.skipBatch`).
    #[wasm_bindgen(js_name = skipBatch)]
    pub fn skip_batch(&mut self) -> Option<u32> {
        self.js_skip_batch()
    }

    /// The size a body can reach (the `maxBatchBytes` option).
    #[wasm_bindgen(getter, js_name = maxBodyBytes)]
    pub fn max_body_bytes(&self) -> u32 {
        self.js_max_body_bytes()
    }

    /// Stops between two rows: completes the open body and returns the sheet row where the
    /// next run goes on (as `offset` and `line`), for `resume`.
    #[wasm_bindgen(unchecked_return_type = "Position")]
    pub fn suspend(&mut self) -> Result<JsValue, JsValue> {
        self.inner.suspend().map(|p| to_js(&p)).map_err(js_error)
    }

    /// The sheet row where the next row starts, as `offset` and `line`.
    #[wasm_bindgen(unchecked_return_type = "Position")]
    pub fn position(&self) -> JsValue {
        to_js(&self.inner.position())
    }

    /// What the file name says.
    #[wasm_bindgen(getter, unchecked_return_type = "FileInfo")]
    pub fn file(&self) -> JsValue {
        self.js_file()
    }

    /// The sheet read, once the workbook part is read.
    #[wasm_bindgen(getter)]
    pub fn sheet(&self) -> Option<String> {
        self.inner.sheet().map(String::from)
    }

    /// The workbook's sheets, in order, once the workbook part is read.
    #[wasm_bindgen(getter)]
    pub fn sheets(&self) -> Vec<String> {
        self.inner.sheets()
    }

    /// What the reader says of the file: a workbook named `.csv`, error cells read as empty.
    #[wasm_bindgen(getter)]
    pub fn notes(&self) -> Vec<String> {
        self.inner.notes()
    }

    /// The sheet's header row as a CSV record, once read (for `combineParts`); `undefined`
    /// before it.
    #[wasm_bindgen(getter)]
    pub fn header(&self) -> Option<String> {
        self.inner
            .header()
            .map(|h| String::from_utf8_lossy(h).into_owned())
    }

    /// The report so far; complete after `finish()` once `nextBatch()` returns `undefined`.
    #[wasm_bindgen(unchecked_return_type = "Report")]
    pub fn report(&self) -> JsValue {
        self.js_report()
    }

    /// Counts so far.
    #[wasm_bindgen(unchecked_return_type = "Progress")]
    pub fn progress(&self) -> JsValue {
        self.js_progress()
    }

    /// The sample payloads kept (see `samplePayloads`), parsed.
    #[wasm_bindgen(unchecked_return_type = "unknown[]")]
    pub fn samples(&self) -> JsValue {
        self.js_samples()
    }

    /// A CSV of the rejected rows kept in the report, with a reason column; `undefined` if none.
    #[wasm_bindgen(js_name = rejectsCsv)]
    pub fn rejects_csv(&self) -> Option<Vec<u8>> {
        self.js_rejects_csv()
    }
}

/// Whether `head`, a file's first bytes (4 are enough), are a workbook's (a zip's), whatever
/// the file's name: a host reads such a file with `WorkbookIngest`.
#[wasm_bindgen(js_name = isWorkbook)]
pub fn is_workbook(head: &[u8]) -> bool {
    crate::is_workbook(head)
}

/// A mapping rule drafted from an Excel workbook read in the byte ranges the engine asks for,
/// as `WorkbookIngest` reads it: while `wants()` gives a range, read those bytes (`File.slice`,
/// a ranged GET) and `write` them, whole or in chunks in order; then `finish()` gives the
/// draft. It stops asking once it has the first rows it drafts from.
#[wasm_bindgen(js_name = WorkbookDraft)]
pub struct JsWorkbookDraft {
    inner: Option<crate::WorkbookDraft>,
}

#[wasm_bindgen(js_class = WorkbookDraft)]
impl JsWorkbookDraft {
    /// A draft of the workbook `name`, a file of `size` bytes.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, size: f64) -> Result<JsWorkbookDraft, JsValue> {
        let size = file_size(size)?;
        Ok(JsWorkbookDraft {
            inner: Some(crate::WorkbookDraft::new(name, size)),
        })
    }

    /// The byte range to read and write next, `{ start, end, stream }`; `undefined` once the
    /// draft has what it needs: call `finish()`.
    #[wasm_bindgen(unchecked_return_type = "ByteRange | undefined")]
    pub fn wants(&self) -> JsValue {
        self.inner
            .as_ref()
            .and_then(|d| d.wants())
            .map_or(JsValue::UNDEFINED, |r| to_js(&r))
    }

    /// Writes the next bytes of the range `wants()` gives; throws when the workbook cannot be
    /// read.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        match self.inner.as_mut() {
            Some(d) => d.write(chunk).map_err(js_error),
            None => Err(js_error(crate::Error::new(crate::ErrorKind::Finished))),
        }
    }

    /// The draft: the rule and the notes on it, as `draftMapping` gives them. Throws when a
    /// range asked for was not written whole, or when called twice.
    #[wasm_bindgen(unchecked_return_type = "Draft")]
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        let d = self
            .inner
            .take()
            .ok_or_else(|| js_error(crate::Error::new(crate::ErrorKind::Finished)))?;
        let d = d.finish().map_err(js_error)?;
        Ok(to_js(&crate::Draft {
            rule: Js(js_sys::JSON::parse(&d.rule).unwrap_or(JsValue::NULL)),
            notes: d.notes,
            examples: d.examples,
            first_rows: d.first_rows,
        }))
    }
}

fn file_size(size: f64) -> Result<u64, JsValue> {
    if size >= 0.0 && size.fract() == 0.0 && size <= 9_007_199_254_740_991.0 {
        Ok(size as u64)
    } else {
        Err(options_error(&format!(
            "invalid size {size}: give the file's size in bytes, a whole number"
        )))
    }
}

fn position(offset: f64, line: f64) -> Result<Position, JsValue> {
    let whole = |n: f64| n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0;
    if !whole(offset) || !whole(line) || line < 1.0 {
        return Err(options_error(&format!(
            "invalid position: offset {offset} and line {line} must be whole numbers, the line at least 1"
        )));
    }
    Ok(Position {
        offset: offset as u64,
        line: line as u64,
    })
}

/// Finds where a file can be cut into shards of about `shardBytes`, at row boundaries, in one
/// pass that reads no fields.
#[wasm_bindgen(js_name = Splitter)]
pub struct JsSplitter {
    inner: Option<FileSplitter>,
}

#[wasm_bindgen(js_class = Splitter)]
impl JsSplitter {
    /// A pass over the file at `key` (its name, or the mapping in `options`, gives the
    /// delimiter), for runs whose `maxRecordBytes` option is `max_record_bytes` (default 1 MiB).
    /// Throws for a name the engine does not take.
    #[wasm_bindgen(constructor)]
    pub fn new(
        key: &str,
        shard_bytes: f64,
        max_record_bytes: Option<f64>,
        #[wasm_bindgen(unchecked_optional_param_type = "IngestOptions")] options: Option<Object>,
    ) -> Result<JsSplitter, JsValue> {
        let options = options_from(options)?;
        let every = shard_size(shard_bytes)?;
        let limit = record_limit(max_record_bytes)?;
        let inner = FileSplitter::new(key, &options, every, limit).map_err(js_error)?;
        Ok(JsSplitter { inner: Some(inner) })
    }

    /// A pass that goes on from `offset` (on `line`), where a suspended pass stopped, in a file
    /// whose header is `header`: write it the bytes from `offset` on.
    pub fn resume(
        key: &str,
        shard_bytes: f64,
        header: &str,
        offset: f64,
        line: f64,
        max_record_bytes: Option<f64>,
        #[wasm_bindgen(unchecked_optional_param_type = "IngestOptions")] options: Option<Object>,
    ) -> Result<JsSplitter, JsValue> {
        let options = options_from(options)?;
        let every = shard_size(shard_bytes)?;
        let at = position(offset, line)?;
        let limit = record_limit(max_record_bytes)?;
        let inner = FileSplitter::resume(key, &options, every, limit, header.as_bytes(), at)
            .map_err(js_error)?;
        Ok(JsSplitter { inner: Some(inner) })
    }

    /// Stops early: `{ split, next }`, the shards complete so far and where `resume` goes on;
    /// `undefined`, and the pass goes on, when no shard is complete yet or the file cannot be split.
    #[wasm_bindgen(unchecked_return_type = "SplitSoFar | undefined")]
    pub fn suspend(&mut self) -> JsValue {
        if !self.inner.as_ref().is_some_and(FileSplitter::can_suspend) {
            return JsValue::UNDEFINED;
        }
        match self.inner.take().and_then(FileSplitter::suspend) {
            Some((split, next)) => to_js(&SplitSoFar { split, next }),
            None => JsValue::UNDEFINED,
        }
    }

    /// Reads the next bytes of the file.
    pub fn write(&mut self, chunk: &[u8]) {
        if let Some(s) = self.inner.as_mut() {
            s.write(chunk);
        }
    }

    /// The split, or `undefined` when the file must be read whole from its start (UTF-16, gzip,
    /// a header over 64 KB, or no data rows).
    #[wasm_bindgen(unchecked_return_type = "Split | undefined")]
    pub fn finish(&mut self) -> JsValue {
        match self.inner.take().and_then(FileSplitter::finish) {
            Some(split) => to_js(&split),
            None => JsValue::UNDEFINED,
        }
    }
}

/// The splitter's record limit: the engine's option, checked as the engine checks it.
fn record_limit(bytes: Option<f64>) -> Result<usize, JsValue> {
    let options = Options {
        max_record_bytes: match bytes {
            None => crate::DEFAULT_MAX_RECORD_BYTES,
            Some(b) if b.fract() == 0.0 && b >= 0.0 && b <= usize::MAX as f64 => b as usize,
            Some(b) => {
                return Err(options_error(&format!(
                    "invalid option: maxRecordBytes must be a whole number of bytes, not {b}"
                )))
            }
        },
        ..Options::default()
    };
    options.check().map_err(|e| js_error(e.into()))?;
    Ok(options.max_record_bytes)
}

fn shard_size(bytes: f64) -> Result<u64, JsValue> {
    if bytes.is_finite() && bytes >= 1.0 {
        Ok(bytes as u64)
    } else {
        Err(options_error(&format!(
            "invalid shard size {bytes}: give a number of bytes, at least 1"
        )))
    }
}

/// The report of a whole file from the parts its pieces stored, or `undefined` while a piece is
/// missing. `header` is the file's header record, for the rejects CSV.
#[wasm_bindgen(js_name = combineParts, unchecked_return_type = "Combined | undefined")]
pub fn combine_parts(
    key: &str,
    header: &str,
    #[wasm_bindgen(unchecked_param_type = "Part[]")] parts: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "IngestOptions")] options: Option<Object>,
) -> Result<JsValue, JsValue> {
    let options = options_from(options)?;
    let parts: Vec<crate::merge::Part> = serde_wasm_bindgen::from_value(parts)
        .map_err(|e| options_error(&format!("invalid parts: {e}")))?;
    let combined =
        crate::merge::combine_file(key, header.as_bytes(), &parts, &options).map_err(js_error)?;
    Ok(combined.map_or(JsValue::UNDEFINED, |c| {
        let csv = c.rejects_csv.as_deref().map(Uint8Array::from);
        to_js(&crate::merge::Combined {
            report: c.report,
            rejects_csv: Js(csv.map_or(JsValue::UNDEFINED, JsValue::from)),
        })
    }))
}

/// Which of `parts` (their indexes), in file order, make the whole run, or `undefined` while
/// one is missing. Only the offsets of `start` and `end`, and `last`, are read.
#[wasm_bindgen(js_name = partsChain, unchecked_return_type = "number[] | undefined")]
pub fn parts_chain(
    #[wasm_bindgen(
        unchecked_param_type = "{ start: { offset: number }, end: { offset: number }, last: boolean }[]"
    )]
    parts: JsValue,
) -> Result<JsValue, JsValue> {
    let parts: Vec<crate::merge::Part> = serde_wasm_bindgen::from_value(parts)
        .map_err(|e| options_error(&format!("invalid parts: {e}")))?;
    Ok(crate::merge::chain(&parts).map_or(JsValue::UNDEFINED, |c| to_js(&c)))
}

/// JSON texts the engine wrote, parsed by JavaScript's own parser (so keys keep their order).
fn parse_all(samples: &[String]) -> JsValue {
    samples
        .iter()
        .map(|s| js_sys::JSON::parse(s).unwrap_or(JsValue::NULL))
        .collect::<js_sys::Array>()
        .into()
}

/// What a file name says (through the mapping in `options`, when there is one), or throws why
/// it is not accepted.
#[wasm_bindgen(js_name = parseKey, unchecked_return_type = "FileInfo")]
pub fn parse_key(
    key: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "IngestOptions")] options: Option<Object>,
) -> Result<JsValue, JsValue> {
    let options = options_from(options)?;
    FileSpec::for_file(key, &options)
        .map(|s| to_js(&s))
        .map_err(js_error)
}

/// Validates a whole file in one call: the report and the first payloads, nothing sent. The
/// arguments are in the order of the Rust `validate` and of `new Ingest(key, identity, options)`;
/// `identity` (default `validate:<key>`) gives the payloads the messageIds a run with it sends.
///
/// Never throws for the file's content: a bad name or header is in `report.error`.
#[wasm_bindgen(unchecked_return_type = "Validation")]
pub fn validate(
    bytes: &[u8],
    key: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] identity: Option<String>,
    #[wasm_bindgen(unchecked_optional_param_type = "IngestOptions")] options: Option<Object>,
) -> Result<JsValue, JsValue> {
    let options = options_from(options)?;
    let identity = identity.unwrap_or_else(|| format!("validate:{key}"));
    let v = crate::validate(bytes, key, &identity, options);
    Ok(to_js(&crate::Validation {
        samples: Js(parse_all(&v.samples)),
        report: v.report,
    }))
}

/// Drafts a mapping rule for the file `name` from `head`, its first bytes (at least the first
/// 64 KB, or the whole file when `whole`): the rule (parsed from the engine's JSON, so its keys
/// keep their reading order) and the notes on it. Throws only for a gzip file.
#[wasm_bindgen(js_name = draftMapping, unchecked_return_type = "Draft")]
pub fn draft_mapping(name: &str, head: &[u8], whole: bool) -> Result<JsValue, JsValue> {
    let d = crate::draft(name, head, whole).map_err(js_error)?;
    Ok(to_js(&crate::Draft {
        rule: Js(js_sys::JSON::parse(&d.rule).unwrap_or(JsValue::NULL)),
        notes: d.notes,
        examples: d.examples,
        first_rows: d.first_rows,
    }))
}

/// The fields of Segment's spec a column can go to in a `call` ("track", "object", …), the
/// call's own first: what a mapping editor offers before free text under `properties.` or
/// `traits.`. Throws for a call that is not one.
#[wasm_bindgen(js_name = specFields, unchecked_return_type = "string[]")]
pub fn spec_fields(
    #[wasm_bindgen(unchecked_param_type = "CallKind")] call: &str,
) -> Result<JsValue, JsValue> {
    let kind = crate::CallKind::from_name(call).ok_or_else(|| {
        options_error(&format!(
            "invalid call: '{call}'; the calls are identify, track, page, screen, group, alias, object"
        ))
    })?;
    Ok(to_js(&crate::spec_fields(kind)))
}

/// The prefixes a file name may start with, as every message that asks for one words them
/// (`identify_, track_, … or object_<collection>_`): for a host's help text, so the list is
/// kept in one place.
#[wasm_bindgen(js_name = acceptedPrefixes)]
pub fn accepted_prefixes() -> String {
    crate::ACCEPTED_PREFIXES.to_string()
}

/// One value read with a mapping's date `format` (and `timezone`, a fixed offset), as a run
/// writes it: the ISO-8601 UTC time; with `withValues`, the values of the column's `with`
/// columns joined to it as a run joins them. Throws the run's message when the format, the
/// zone or the value is wrong.
#[wasm_bindgen(js_name = readDate)]
pub fn read_date(
    value: &str,
    format: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] timezone: Option<String>,
    #[wasm_bindgen(js_name = withValues, unchecked_optional_param_type = "string[]")]
    with_values: Option<Vec<String>>,
) -> Result<String, JsValue> {
    let with: Vec<&str> = with_values.iter().flatten().map(String::as_str).collect();
    crate::read_joined_date(value, &with, format, timezone.as_deref())
        .map_err(|m| options_error(&m))
}

/// Whether a rule's `match` fits the file `key` (its base name), as a mapping picks rules.
#[wasm_bindgen(js_name = ruleMatches)]
pub fn rule_matches(pattern: &str, key: &str) -> bool {
    crate::rule_matches(pattern, key)
}

/// What a mapping may say (calls, types, encodings, delimiters, the draft's blank) and the
/// engine's sizes around it (the draft's sample, the mapping's limits): hosts and editors offer
/// these instead of keeping copies.
#[wasm_bindgen(unchecked_return_type = "Vocabulary")]
pub fn vocabulary() -> JsValue {
    to_js(&crate::vocabulary())
}

/// The largest mapping text the engine reads, in bytes (`MAX_MAPPING_BYTES`): hosts refuse a
/// larger mapping object before they download it.
#[wasm_bindgen(js_name = maxMappingBytes)]
pub fn max_mapping_bytes() -> u32 {
    limit!(MAX_MAPPING_BYTES)
}

/// The engine's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// A .gz file's bytes, every member (see [`crate::Gunzip`]). Errors are `Error`s named
/// `GzipError` with code `gzip`: the file cannot be read past them, and retrying cannot help.
#[wasm_bindgen(js_name = Gunzip)]
pub struct JsGunzip {
    inner: crate::Gunzip,
}

fn gzip_error(e: crate::GzipError) -> JsValue {
    let err = thrown("GzipError", "gzip", &e.to_string());
    let _ = Reflect::set(
        &err,
        &"decompressed".into(),
        &(e.decompressed as f64).into(),
    );
    err.into()
}

#[wasm_bindgen(js_class = Gunzip)]
impl JsGunzip {
    /// A decoder with nothing written yet.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsGunzip {
        JsGunzip {
            inner: crate::Gunzip::new(),
        }
    }

    /// Decompresses the next compressed bytes; returns what they complete (possibly nothing).
    pub fn write(&mut self, chunk: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.inner.write(chunk).map_err(gzip_error)
    }

    /// Ends the input; throws when the file stopped inside a member.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsValue> {
        self.inner.finish().map_err(gzip_error)
    }
}

impl Default for JsGunzip {
    fn default() -> Self {
        Self::new()
    }
}
