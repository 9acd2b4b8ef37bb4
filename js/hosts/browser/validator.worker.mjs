// The validation page's Web Worker (a module worker): it streams one File at a time through
// the engine and posts progress and the report back. Nothing is sent anywhere; the bodies the
// engine makes are counted and dropped. An Excel workbook (.xlsx, .xlsm, or a zip by any name,
// told by its first bytes) is read in the byte ranges the engine asks for, by File.slice: the
// worker never holds it whole.
//
// Messages in:   { type: 'load', pkgUrl }                             load the engine ahead of the first file
//                { type: 'validate', id, file: File, pkgUrl, options }
//                { type: 'draft', id, file: File, pkgUrl, base }        the mapping editor: draft a rule (base: a mapping's text, or null)
//                { type: 'preview', id, seq, rule, options }            the first rows read through { files: [rule] }
//                { type: 'download', id, rule }                         the mapping to download, the rule merged into base
// Messages out:  { type: 'ready', version }                          the engine loaded
//                { type: 'start', id, file: FileInfo | null, fileError, workbook? }  workbook: read as an Excel workbook
//                { type: 'columns', id, columns, headerErrors }        once the header is read
//                { type: 'progress', id, bytes, total, rows, events, rejected, batches, ms }
//                { type: 'done', id, status, report, samples, rejectsCsv, batches, bodyBytes, ms, sheet?, notes? }  sheet, notes: a workbook's
//                { type: 'error', id, message }                        reading failed, or the engine would not load
//                { type: 'load-error', message }                       the 'load' message failed
//                { type: 'drafted', id, rule, notes, examples, firstRows, fields, vocabulary }  fields: each call's spec fields; firstRows: the file's first records, none skipped
//                { type: 'previewed', id, seq, report, payloads, dates }  dates: { column: { iso } | { error } }
//                { type: 'mapping', id, text }                          the csv2segment.json to download
//
// The editor's messages are answered from the file's first bytes, kept per id; they never wait
// on a validation (the editor has its own worker).
//
// One file at a time: the page sends the next one after `done` or `error`. To cancel, the
// page terminates the worker and starts a new one.

/** Writes of at most this size, so the engine never holds many finished bodies at once. */
const WRITE_SLICE = 256 * 1024;
/** Progress messages at most this often. */
const PROGRESS_MS = 100;

/** @typedef {typeof import('../../../pkg/csv2segment.js')} Engine */
/** @typedef {import('../../../pkg/csv2segment.js').IngestOptions} IngestOptions */
/** @typedef {import('../../../pkg/csv2segment.js').MappingRule} MappingRule */

/**
 * The engine's module, loaded once per worker (keyed by the package URL).
 * @type {Promise<Engine> | null}
 */
let loading = null;
/** @type {string | null} */
let loadingUrl = null;

/**
 * @param {string} pkgUrl where pkg/ is, relative to the worker
 * @returns {Promise<Engine>}
 */
function loadEngine(pkgUrl) {
  if (loading && loadingUrl === pkgUrl) return loading;
  loadingUrl = pkgUrl;
  loading = (async () => {
    const base = new URL(pkgUrl, self.location.href);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    const mod = await import(new URL('csv2segment.js', base).href);
    await mod.default({ module_or_path: new URL('csv2segment_bg.wasm', base) });
    self.postMessage({ type: 'ready', version: mod.version() });
    return mod;
  })();
  // A failed load is tried again with the next file.
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

/** Bytes asked of the file per read. */
const READ_CHUNK = 1 << 20;

/**
 * The stream's chunks; a reader loop, so it works where streams are not async-iterable.
 * @param {ReadableStream<Uint8Array>} stream
 */
async function* chunksOf(stream) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The file's bytes, read into one buffer used over and over (a "BYOB" read of the file's byte
 * stream): each chunk is valid until the next one is asked for. Reading with new chunks instead
 * leaves garbage the worker's GC collects late, and the tab grows by most of the file's size.
 * @param {Blob} file
 * @param {{ bytes: number }} counter
 * @returns {AsyncGenerator<Uint8Array>}
 */
async function* fileBytes(file, counter) {
  let reader;
  try {
    reader = file.stream().getReader({ mode: 'byob' });
  } catch {
    // A browser whose Blob streams are not byte streams: new chunks each time.
    for await (const chunk of chunksOf(file.stream())) {
      counter.bytes += chunk.byteLength;
      yield chunk;
    }
    return;
  }
  try {
    let buffer = new ArrayBuffer(READ_CHUNK);
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done) return;
      counter.bytes += value.byteLength;
      yield value;
      buffer = value.buffer;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The file's bytes as the engine wants them, counting the bytes read from the file; gunzipped
 * when the name says .gz, by the engine (../../core/gunzip.mjs): the browsers' DecompressionStream
 * refuses a file of several gzip members, which the Lambda and the CLI read whole.
 * @param {Blob} file
 * @param {boolean} gzip
 * @param {{ bytes: number }} counter
 * @param {Engine} engine
 * @returns {AsyncGenerator<Uint8Array>}
 */
async function* sourceOf(file, gzip, counter, engine) {
  if (!gzip) {
    yield* fileBytes(file, counter);
    return;
  }
  const { gunzip } = await import('../../core/gunzip.mjs');
  yield* gunzip(fileBytes(file, counter), engine);
}

/**
 * The bytes of `file` from `start` up to `end` (not included), in slices of READ_CHUNK.
 * @param {Blob} file
 * @param {number} start
 * @param {number} end
 * @param {{ bytes: number }} [counter] counts the bytes read
 */
async function* rangeOf(file, start, end, counter) {
  for (let at = start; at < end; at += READ_CHUNK) {
    const chunk = new Uint8Array(await file.slice(at, Math.min(end, at + READ_CHUNK)).arrayBuffer());
    if (counter) counter.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * Whether `file` is an Excel workbook: by its name, or by its first four bytes (a zip's) whatever
 * its name, unless it is gzip.
 * @param {File} file
 * @param {Engine} engine
 */
async function isWorkbookFile(file, engine) {
  if (/\.xls[xm]$/i.test(file.name)) return true;
  if (/\.gz$/i.test(file.name)) return false;
  return engine.isWorkbook(new Uint8Array(await file.slice(0, 4).arrayBuffer()));
}

/**
 * @param {unknown} err
 * @returns {err is Error & { code: string }}
 */
function isEngineError(err) {
  return /** @type {{ name?: unknown } | null | undefined} */ (err)?.name === 'Csv2SegmentError';
}

/** @param {{ id: number, file: File, pkgUrl: string, options?: IngestOptions }} msg */
async function validateFile({ id, file, pkgUrl, options }) {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const engine = await loadEngine(pkgUrl);
  const { Ingest, parseKey, validate } = engine;
  const identity = `browser://${file.name}#${file.size}-${file.lastModified}`;
  const opts = { samplePayloads: 20, ...options };

  let info = null;
  try {
    info = parseKey(file.name, opts);
  } catch (err) {
    if (!isEngineError(err)) throw err;
    // The name alone stops it: the engine's report for such a file says why.
    const { report } = validate(new Uint8Array(0), file.name, identity, opts);
    self.postMessage({ type: 'start', id, file: null, fileError: err.message });
    self.postMessage({ type: 'done', id, status: 'unprocessable', report, samples: [], rejectsCsv: null, batches: 0, bodyBytes: 0, ms: ms() });
    return;
  }
  const workbook = await isWorkbookFile(file, engine);
  self.postMessage({ type: 'start', id, file: info, fileError: null, workbook });
  const counter = { bytes: 0 };
  if (workbook) {
    const ing = new engine.WorkbookIngest(file.name, identity, opts, file.size);
    await validateRun({ id, file, ing, chunks: rangesOf(file, ing, counter), counter, ms, more: () => ({ sheet: ing.sheet ?? null, notes: ing.notes }) });
  } else {
    await validateRun({ id, file, ing: new Ingest(file.name, identity, opts), chunks: sourceOf(file, info.gzip, counter, engine), counter, ms });
  }
}

/**
 * A workbook's bytes as the engine asks for them: the ranges it wants, read by File.slice.
 * @param {File} file
 * @param {import('../../../pkg/csv2segment.js').WorkbookIngest} ing
 * @param {{ bytes: number }} counter
 */
async function* rangesOf(file, ing, counter) {
  for (let range = ing.wants(); range; range = ing.wants()) yield* rangeOf(file, range.start, range.end, counter);
}

/**
 * validateFile's run, a CSV's or a workbook's: `chunks` written to `ing` in slices, every body
 * counted and dropped, the columns once the header is read, progress on the way, and the report
 * with its first payloads and rejected rows. Frees `ing`.
 * @param {object} run
 * @param {number} run.id
 * @param {File} run.file
 * @param {import('../../../pkg/csv2segment.js').Ingest | import('../../../pkg/csv2segment.js').WorkbookIngest} run.ing
 * @param {AsyncIterable<Uint8Array>} run.chunks the bytes to write, read as `ing` takes them
 * @param {{ bytes: number }} run.counter the bytes read from the file so far
 * @param {() => number} run.ms
 * @param {() => object} [run.more] what the 'done' message adds (a workbook's sheet and notes)
 */
async function validateRun({ id, file, ing, chunks, counter, ms, more }) {
  try {
    // Every body is counted and dropped inside the engine: none is copied out.
    let batches = 0;
    let bodyBytes = 0;
    const drain = () => {
      for (let size = ing.skipBatch(); size !== undefined; size = ing.skipBatch()) {
        batches += 1;
        bodyBytes += size;
      }
    };
    let columnsSent = false;
    let lastProgress = 0;
    const progress = () => {
      const p = ing.progress();
      // A workbook's ranges may be read more than once: never more than the whole file.
      self.postMessage({ type: 'progress', id, bytes: Math.min(counter.bytes, file.size), total: file.size, rows: p.rows, events: p.events, rejected: p.rejected, batches: p.batches, ms: ms() });
    };
    const sendColumns = () => {
      if (columnsSent) return;
      const report = ing.report();
      if (report.columns.length === 0 && report.headerErrors.length === 0) return;
      columnsSent = true;
      self.postMessage({ type: 'columns', id, columns: report.columns, headerErrors: report.headerErrors });
    };

    try {
      for await (const chunk of chunks) {
        for (let at = 0; at < chunk.length; at += WRITE_SLICE) {
          ing.write(at === 0 && chunk.length <= WRITE_SLICE ? chunk : chunk.subarray(at, at + WRITE_SLICE));
          drain();
        }
        if (!columnsSent) sendColumns();
        const now = performance.now();
        if (now - lastProgress >= PROGRESS_MS) {
          lastProgress = now;
          progress();
          // A moment off between tasks lets the GC catch up with the chunks a gunzip leaves.
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
      ing.finish();
      drain();
    } catch (err) {
      if (!isEngineError(err)) throw err;
      // A header problem, an encoding the engine refuses or a workbook it cannot read: the
      // report says what to fix.
      self.postMessage({ type: 'done', id, status: 'unprocessable', report: ing.report(), samples: [], rejectsCsv: null, batches, bodyBytes, ms: ms(), ...more?.() });
      return;
    }
    counter.bytes = file.size;
    progress();
    const rejects = ing.rejectsCsv() ?? null;
    self.postMessage(
      { type: 'done', id, status: 'done', report: ing.report(), samples: ing.samples(), rejectsCsv: rejects, batches, bodyBytes, ms: ms(), ...more?.() },
      // @ts-expect-error -- this runs in a Web Worker, whose postMessage takes a transfer list; tsc checks it against the DOM lib's Window.postMessage.
      rejects ? [rejects.buffer] : [],
    );
  } finally {
    ing.free();
  }
}

// ---------------------------------------------------------------------------------------------
// The mapping editor: the engine drafts, previews and merges; this only reads the file's start.

/** The editor previews the rows in the file's first this many bytes (all of a smaller file). */
const PREVIEW_BYTES = 1 << 20;
/** A workbook's preview reads its sheet's first this many rows. */
const PREVIEW_ROWS = 5000;
const MAPPING_KEY = 'csv2segment.json';
/**
 * Per editor id: { name, head, whole, base }; a workbook's `file`, read again in ranges, in place of its head.
 * @type {Map<number, { name: string, head: Uint8Array, whole: boolean, base: string | null, identity: string, file?: File }>}
 */
const drafts = new Map();

/**
 * The first `limit` bytes of the file (decompressed for .gz), and whether that is all of it.
 * @param {File} file
 * @param {number} limit
 * @param {Engine} engine
 */
async function headOf(file, limit, engine) {
  if (!/\.gz$/i.test(file.name)) {
    return { head: new Uint8Array(await file.slice(0, limit).arrayBuffer()), whole: file.size <= limit };
  }
  const out = new Uint8Array(limit);
  let size = 0;
  let whole = true;
  for await (const chunk of sourceOf(file, true, { bytes: 0 }, engine)) {
    const take = Math.min(chunk.length, limit - size);
    out.set(chunk.subarray(0, take), size);
    size += take;
    if (take < chunk.length) {
      whole = false;
      break;
    }
  }
  return { head: out.subarray(0, size), whole };
}

/** @param {{ id: number, file: File, pkgUrl: string, base?: string | null }} msg */
async function draftFile({ id, file, pkgUrl, base }) {
  const engine = await loadEngine(pkgUrl);
  const name = file.name;
  const identity = `browser://${name}#${file.size}-${file.lastModified}`;
  // What the draft reads, the calls and the editor's other words: the engine's vocabulary.
  const vocabulary = engine.vocabulary();
  let drafted;
  if (await isWorkbookFile(file, engine)) {
    drafted = await draftWorkbook(file, engine);
    drafts.set(id, { name, head: new Uint8Array(0), whole: false, base: base ?? null, identity, file });
  } else {
    const { head, whole } = await headOf(file, PREVIEW_BYTES, engine);
    drafts.set(id, { name, head, whole, base: base ?? null, identity });
    const draftBytes = vocabulary.draftSampleBytes;
    const draftHead = head.subarray(0, draftBytes + 1);
    drafted = engine.draftMapping(name, draftHead, whole && head.length <= draftBytes);
  }
  const fields = Object.fromEntries(vocabulary.calls.map((call) => [call, engine.specFields(/** @type {import('../../../pkg/csv2segment.js').CallKind} the vocabulary's calls are the CallKinds */ (call))]));
  self.postMessage({ type: 'drafted', id, rule: drafted.rule, notes: drafted.notes, examples: drafted.examples, firstRows: drafted.firstRows, fields, vocabulary });
}

/**
 * A workbook's draft, from the ranges WorkbookDraft asks for (File.slice), never the whole file.
 * @param {File} file
 * @param {Engine} engine
 */
async function draftWorkbook(file, engine) {
  const d = new engine.WorkbookDraft(file.name, file.size);
  try {
    for (let range = d.wants(); range; range = d.wants()) {
      for await (const chunk of rangeOf(file, range.start, range.end)) {
        d.write(chunk);
        // Its sample full, the draft asks for nothing more: the rest of the sheet is not read.
        if (!d.wants()) break;
      }
    }
    return d.finish();
  } finally {
    d.free();
  }
}

/**
 * A workbook's first PREVIEW_ROWS rows through `opts`: the report and the first payloads.
 * @param {File} file
 * @param {string} identity
 * @param {IngestOptions} opts
 * @param {Engine} engine
 */
async function previewWorkbook(file, identity, opts, engine) {
  /** @type {import('../../../pkg/csv2segment.js').WorkbookIngest} */
  let ing;
  try {
    ing = new engine.WorkbookIngest(file.name, identity, opts, file.size);
  } catch (err) {
    if (!isEngineError(err)) throw err;
    return { report: engine.validate(new Uint8Array(0), file.name, identity, opts).report, payloads: [] };
  }
  let stopped = false;
  try {
    try {
      read: for (let range = ing.wants(); range; range = ing.wants()) {
        for await (const chunk of rangeOf(file, range.start, range.end)) {
          for (let at = 0; at < chunk.length; at += WRITE_SLICE) {
            ing.write(chunk.subarray(at, at + WRITE_SLICE));
            while (ing.nextBatch()) {
              // Nothing is sent.
            }
            if (ing.position().offset > PREVIEW_ROWS) {
              ing.suspend();
              stopped = true;
              break read;
            }
          }
        }
      }
      if (!stopped) ing.finish();
      while (ing.nextBatch()) {
        // Nothing is sent.
      }
    } catch (err) {
      if (!isEngineError(err)) throw err;
    }
    return { report: ing.report(), payloads: ing.samples() };
  } finally {
    ing.free();
  }
}

/**
 * The rows of the file's start read through the rule alone: the report and the first payloads.
 * @param {{ id: number, seq: number, rule: MappingRule, options?: IngestOptions, examples?: Record<string, string | null | undefined> }} msg
 */
async function previewRule({ id, seq, rule, options, examples }) {
  // The editor asks only after a draft, which loaded the engine.
  const engine = await loadEngine(/** @type {string} */ (loadingUrl));
  const kept = drafts.get(id);
  if (!kept) return;
  const opts = { samplePayloads: 5, ...options, mapping: JSON.stringify({ files: [rule] }), mappingKey: MAPPING_KEY };
  /** @type {import('../../../pkg/csv2segment.js').Report | undefined} */
  let report;
  /** @type {unknown[]} */
  let payloads = [];
  if (kept.file) {
    ({ report, payloads } = await previewWorkbook(kept.file, kept.identity, opts, engine));
  } else if (kept.whole) {
    ({ report, payloads } = engine.validate(kept.head, kept.name, kept.identity, opts));
  } else {
    // A part of the file: read up to the last whole row, and stop there.
    /** @type {import('../../../pkg/csv2segment.js').Ingest | undefined} */
    let ing;
    try {
      ing = new engine.Ingest(kept.name, kept.identity, opts);
    } catch (err) {
      if (!isEngineError(err)) throw err;
      ({ report } = engine.validate(new Uint8Array(0), kept.name, kept.identity, opts));
    }
    if (ing) {
      // Bodies are counted by the report and dropped, slice by slice as validateFile does.
      const running = ing;
      const drain = () => {
        while (running.nextBatch()) {
          // Nothing is sent.
        }
      };
      try {
        for (let at = 0; at < kept.head.length; at += WRITE_SLICE) {
          ing.write(kept.head.subarray(at, at + WRITE_SLICE));
          drain();
        }
        ing.suspend();
        drain();
      } catch (err) {
        if (!isEngineError(err)) throw err;
      }
      report = ing.report();
      payloads = ing.samples();
      ing.free();
    }
  }
  // Each dated column's example, read with its format as a run reads it.
  /** @type {Record<string, { iso: string } | { error: string }>} */
  const dates = {};
  // A message's rule, checked here entry by entry: any entry may be any JSON.
  for (const [column, entry] of Object.entries(/** @type {Record<string, any>} */ (rule.columns ?? {}))) {
    const value = examples?.[column];
    if (!entry || typeof entry !== 'object' || !entry.format || value == null) continue;
    // A joined date (`with`) is read with its columns' examples, as a run joins a row's cells.
    const joined = Array.isArray(entry.with) ? entry.with.map((/** @type {unknown} */ c) => (typeof c === 'string' ? examples?.[c] : null)) : [];
    const missing = Array.isArray(entry.with) ? entry.with.find((/** @type {unknown} */ _, /** @type {number} */ i) => joined[i] == null) : undefined;
    if (missing !== undefined) {
      dates[column] = { error: `no example of ${JSON.stringify(missing)}, which "with" joins to this date: every sampled value of it is empty, or the file has no such column` };
      continue;
    }
    try {
      dates[column] = { iso: engine.readDate(value, entry.format, entry.timezone, joined.length ? joined : undefined) };
    } catch (err) {
      if (!isEngineError(err)) throw err;
      dates[column] = { error: err.message };
    }
  }
  self.postMessage({ type: 'previewed', id, seq, report, payloads, dates });
}

/** @param {{ id: number, rule: MappingRule }} msg */
async function mappingText({ id, rule }) {
  // The editor asks only after a draft, which loaded the engine.
  const engine = await loadEngine(/** @type {string} */ (loadingUrl));
  const kept = drafts.get(id);
  if (!kept) return;
  // Loaded on the first download only; the CLI's map merges with the same function.
  const { mergeDrafts } = await import('../../core/draft.mjs');
  const mapping = mergeDrafts(engine, [{ name: kept.name, rule }], kept.base);
  self.postMessage({ type: 'mapping', id, text: `${JSON.stringify(mapping, null, 2)}\n` });
}

/** @type {Record<string, ((msg: any) => Promise<void>) | undefined>} */
const EDITOR = { draft: draftFile, preview: previewRule, download: mappingText };

self.addEventListener('message', async (event) => {
  /** @type {any} the page's message (see the list at the top), read by its type */
  const msg = event.data;
  const editor = typeof msg?.type === 'string' && Object.hasOwn(EDITOR, msg.type) ? EDITOR[msg.type] : undefined;
  if (editor) {
    try {
      await editor(msg);
    } catch (err) {
      self.postMessage({ type: 'error', id: msg.id, message: String(/** @type {{ message?: string } | null | undefined} */ (err)?.message ?? err) });
    }
    return;
  }
  if (msg?.type === 'load') {
    loadEngine(msg.pkgUrl).catch((/** @type {any} */ err) => self.postMessage({ type: 'load-error', message: String(err?.message ?? err) }));
    return;
  }
  if (msg?.type !== 'validate') return;
  try {
    await validateFile(msg);
  } catch (err) {
    self.postMessage({ type: 'error', id: msg.id, message: String(/** @type {{ message?: string } | null | undefined} */ (err)?.message ?? err) });
  }
});
