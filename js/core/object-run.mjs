// One stored object (an S3 or R2 upload) through the engine to Segment, with its report and
// rejects written beside it and one log line: the part the bucket hosts share. Each host brings
// how to open the object, how to use its bucket, and how to hand a piece of work to another
// invocation (Lambda: an async invoke or SQS; Workers: its queue).
//
// A file that does not fit one invocation runs in pieces. When time runs short, a piece stops
// at a row boundary and hands the rest on (a continuation); a file over the shard size is cut
// at row boundaries first and its shards run in parallel. Each piece stores its part of the
// report (pieces.mjs); the piece that completes the file writes the whole report. Pieces are
// idempotent: messageIds come from the object's identity and each row's offset, so a piece that
// runs again sends the same ids, and Segment drops the repeats.
//
// An Excel workbook (.xlsx, .xlsm, or a zip by any name, told by its first bytes) is read in the
// byte ranges the engine asks for (workbook-run.mjs), never whole. It cannot be cut at byte
// offsets: it runs as one chain of pieces, each resuming at a sheet row.
import { MappingUnreadable, mappingRequiredError, withMapping } from './mapping.mjs';
import { pinKey, pinMapping, pinOf, pinnedMapping } from './pinned-mapping.mjs';
import { combineIfComplete, partsPrefix, savePart } from './pieces.mjs';
import { ingestFile } from './pipeline.mjs';
import { ingestWorkbook } from './workbook-run.mjs';
import { batchOptions, pieceBudget, runWindow } from './rate.mjs';
import { Sender } from './sender.mjs';
import { reportKeys, versionName, versionOf } from './report-keys.mjs';
import { Superseded, checkTaskNames, checkTaskObject } from './task-checks.mjs';
import { TaskRefused, makeTask, taskOf } from './task.mjs';

export { Superseded, TaskRefused, taskOf };

/** @typedef {import('./task.mjs').Task} Task */
/** @typedef {import('./task.mjs').MappingRef} MappingRef */
/** @typedef {import('../../pkg/csv2segment.js').IngestOptions} IngestOptions */
/** @typedef {import('../../pkg/csv2segment.js').Report} Report */

/**
 * A bucket as a run uses it: the report, the rejects, the parts and the pins beside the object.
 * @typedef {{ put(key: string, body: string | Uint8Array, contentType: string): Promise<void>, remove(key: string): Promise<void>, get(key: string): Promise<string | null>, list(prefix: string): Promise<string[]> }} ObjectStore
 */

/** @typedef {{ bucket: string, key: string, eTag?: string, versionId?: string, size?: number, origin?: string }} StoredObject */

/**
 * What a host gives runObject.
 * @typedef {object} ObjectRun
 * @property {typeof import('../../pkg/csv2segment.js')} engine
 * @property {ReturnType<typeof import('./config.mjs').readConfig>} config
 * @property {StoredObject} object
 * @property {string} identity the source identity messageIds derive from
 * @property {(gzip: boolean, range: { start: number, end: number | null } | null) => Promise<AsyncIterable<Uint8Array>>} open
 *   the object's bytes (those of `range`, end exclusive), pinned to its version; throws Superseded
 * @property {ObjectStore} store
 * @property {number} limitMs the time the host gives this invocation from now, less what it keeps
 *   to return (see runWindow)
 * @property {(task: import('./task.mjs').Task) => Promise<void>} [handOff] sends a task to another invocation;
 *   without it, a file runs whole in this one
 * @property {import('./task.mjs').Task | null} [task] the piece to run; null for a new object
 * @property {(key: string) => Promise<{ key: string, text: string, eTag: string | null } | null>} [findMapping]
 *   the nearest csv2segment.json of a new object (see mapping.mjs); a retry of the run's start and
 *   its pieces use the one the run pinned
 * @property {string} [event] what tells this upload event from another of the same object
 *   version (S3's sequencer, R2's event time): a redelivery of the event keeps the run's pinned
 *   mapping, a new upload finds the mapping anew
 * @property {string[]} [buckets] the buckets a task may name (with a task)
 * @property {() => Promise<{ size: number, eTag?: string } | null>} [head] the object's size
 *   and eTag now, or null when it is gone (with a task)
 * @property {(fields: Record<string, unknown>) => void} emit one log line
 * @property {Partial<import('./sender.mjs').SenderSettings>} [sender] Sender settings over the config's (fetch, retry, ...)
 */

/**
 * A run under way: what the host gave, its time window, and what its start found (the keys
 * beside the object, the mapping it pinned and the engine options with it).
 * @typedef {ObjectRun & { deadline: number, suspendAt: number, keys: { base: string, report: string, rejects: string }, version: string }} KeyedRun
 * @typedef {KeyedRun & { pin: string, mapping: MappingRef | null, options: IngestOptions }} PinnedRun
 */

/**
 * Runs one object, or one piece of it. Resolves when it is done: delivered, or handed on, or
 * unprocessable (reported, nothing sent), or superseded (nothing to do). Rejects when delivery
 * or reading failed, after writing a report that says so: the host then retries it, and the
 * same messageIds go out again.
 *
 * @param {ObjectRun} given
 * @returns {Promise<'done' | 'unprocessable' | 'skipped' | 'continued' | 'sharded' | 'piece-done' | 'refused'>}
 */
export async function runObject(given) {
  const { task = null } = given;
  const { deadline, suspendAt } = runWindow(Date.now(), given.limitMs, given.config.pieces.maxRunSeconds);
  const started = { ...given, deadline, suspendAt };
  const { engine, config, handOff } = started;
  let { object } = started;
  try {
    // A host gives the buckets a task may name with every task (ObjectRun's docs).
    if (task) checkTaskNames({ config, task, buckets: /** @type {readonly string[]} */ (given.buckets) });
    // The mapping is found once, when the run starts, and pinned: a retry of that start, and
    // every piece, reads the pin (pinned-mapping.mjs), so a new version uploaded meanwhile never
    // mixes into this run.
    const keys = await reportKeys(config.reportPrefix, object.key);
    const version = await versionName(object);
    const pin = task ? task.pin : await pinOf(given.event ?? '');
    /** @type {KeyedRun} */
    const keyed = { ...started, keys, version };
    const at = { store: keyed.store, reportPrefix: config.reportPrefix, pinKey: pinKey(keys.base, version, pin) };
    const mapping = task
      ? { ref: task.mapping, text: await pinnedMapping({ ...at, ref: task.mapping }) }
      : // Found by startMapping, which stops the file when its mapping cannot be read or is required.
        await pinMapping({ ...at, find: () => startMapping(keyed) });
    const options = withMapping(config.engineOptions, mapping.text === null ? null : { .../** @type {MappingRef} a text comes with its reference */ (mapping.ref), text: mapping.text });
    /** @type {PinnedRun} */
    let run = { ...keyed, pin, mapping: mapping.ref, options };
    let info = null;
    try {
      info = engine.parseKey(object.key, options);
    } catch {
      // Not a name the engine takes: ingestFile reports why, without opening the object.
    }
    if (task) {
      // With a task, a host gives `head` too (ObjectRun's docs).
      object = await checkTaskObject({ object, task, head: /** @type {NonNullable<ObjectRun['head']>} */ (given.head), open: run.open }, info?.gzip ?? false);
      run = { ...run, object };
    }
    if (await isWorkbookObject(run, task, info)) {
      if (run.object.size == null) {
        // The engine asks for ranges from the end: it needs the size (a HEAD when the event had none).
        const found = await /** @type {NonNullable<ObjectRun['head']>} */ (given.head)?.();
        if (!found) throw new Superseded(`${object.key} is gone`);
        run = { ...run, object: { ...run.object, size: found.size } };
      }
      return await runPiece(run, false, true);
    }
    if (task?.split || (!task && handOff && info && !info.gzip && (object.size ?? 0) > config.pieces.shardBytes)) {
      // A task comes from a host that hands on, and so does a new run that shards (the condition above).
      const shards = await fanOut({ ...run, handOff: /** @type {NonNullable<ObjectRun['handOff']>} */ (handOff) });
      if (shards) return 'sharded';
    }
    return await runPiece(run, info?.gzip ?? false);
  } catch (err) {
    if (err instanceof Superseded) {
      given.emit({ level: 'info', bucket: object.bucket, key: object.key, status: 'skipped', reason: `${err.message}; that upload has an event of its own` });
      return 'skipped';
    }
    if (err instanceof TaskRefused) {
      given.emit({ level: 'error', bucket: object.bucket, key: object.key, status: 'refused', error: `a task refused: ${err.message}` });
      return 'refused';
    }
    // Reported by startMapping: the file has no mapping and one is required.
    if (err instanceof MappingRequired) return 'unprocessable';
    throw err;
  }
}

/**
 * Whether the object is an Excel workbook: a task says so; a new run's name does (.xlsx,
 * .xlsm), or its first four bytes are a zip's whatever its name (one small ranged read).
 * @param {PinnedRun} run
 * @param {Task | null} task
 * @param {import('../../pkg/csv2segment.js').FileInfo | null} info what the name says; null when the engine refuses it
 */
async function isWorkbookObject({ engine, object, open }, task, info) {
  if (task) return task.workbook === true;
  if (/\.xls[xm]$/i.test(object.key)) return true;
  if (!info || info.gzip) return false;
  if (object.size === 0) return false;
  const head = new Uint8Array(4);
  let got = 0;
  for await (const chunk of await open(false, { start: 0, end: 4 })) {
    const n = Math.min(chunk.length, 4 - got);
    head.set(chunk.subarray(0, n), got);
    got += n;
  }
  return engine.isWorkbook(head.subarray(0, got));
}

/** A file with no mapping where CSV2SEGMENT_REQUIRE_MAPPING is true: reported, not retried. */
class MappingRequired extends Error {}

/**
 * The mapping a new run starts with. A mapping that cannot be read stops the file before anything
 * is read or sent: a report and a log line say which key and why, and the error goes to the host,
 * which retries the file and then keeps its event (Lambda: its on-failure destination, or the
 * queue's dead-letter queue; Worker: the queue's dead-letter queue). A file with none, when
 * CSV2SEGMENT_REQUIRE_MAPPING is true, is unprocessable: reported, then MappingRequired thrown.
 * @param {KeyedRun} run
 * @returns {Promise<{ key: string, text: string, eTag: string | null } | null>}
 */
async function startMapping({ engine, config, object, store, emit, findMapping, keys }) {
  if (!findMapping) return null;
  let mapping;
  try {
    mapping = await findMapping(object.key);
  } catch (err) {
    if (!(err instanceof MappingUnreadable)) throw err;
    await stopFile({ engine, object, store, emit, keys }, 'failed', err.message);
    throw err;
  }
  if (mapping || !config.requireMapping) return mapping ?? null;
  const folder = object.key.includes('/') ? object.key.slice(0, object.key.lastIndexOf('/') + 1) : '';
  await stopFile({ engine, object, store, emit, keys }, 'unprocessable', mappingRequiredError(folder));
  throw new MappingRequired();
}

/**
 * The report and the log line of a file stopped before it was read: nothing was sent.
 * @param {Pick<KeyedRun, 'engine' | 'object' | 'store' | 'emit' | 'keys'>} run
 * @param {'failed' | 'unprocessable'} status
 * @param {string} error
 */
async function stopFile({ engine, object, store, emit, keys }, status, error) {
  const { bucket, key } = object;
  await store
    .put(keys.report, JSON.stringify({ version: engine.version(), source: object, status, error, rows: 0, events: 0, rejected: 0, mapping: null }, null, 2), 'application/json')
    .catch((e) => emit({ level: 'error', bucket, key, status: 'report-failed', report: keys.report, error: e?.message ?? String(e) }));
  // A fixed re-upload's rejects are its own; this attempt has none.
  await store.remove(keys.rejects).catch(() => {});
  // requests: 0, so the line counts as the file's outcome (FailedFiles, UnprocessableFiles).
  emit({ level: status === 'failed' ? 'error' : 'warn', bucket, key, status, error, rows: 0, events: 0, rejected: 0, delivered: 0, failed: 0, requests: 0, ms: 0, report: keys.report });
}

/**
 * Cuts the object into shards at row boundaries and hands each on; false when it cannot be cut
 * (a bad header, no rows): then it runs as one piece, which reports why. When time runs short,
 * it hands on the shards found so far and the rest of the pass itself (a `split` task).
 * @param {PinnedRun & { handOff: NonNullable<ObjectRun['handOff']> }} run
 */
async function fanOut({ engine, config, object, identity, open, handOff, emit, task, suspendAt, options, mapping, pin }) {
  const started = Date.now();
  const rest = task?.split ? task : null;
  const from = rest ? rest.start : null;
  const splitter = rest
    ? // A split task's header is the one its pass read (checked against the object's first record).
      engine.Splitter.resume(object.key, config.pieces.shardBytes, /** @type {string} */ (rest.header), rest.start.offset, rest.start.line, options.maxRecordBytes, options)
    : new engine.Splitter(object.key, config.pieces.shardBytes, options.maxRecordBytes, options);
  /** @type {import('../../pkg/csv2segment.js').Split | undefined} */
  let split;
  /** @type {import('../../pkg/csv2segment.js').Position | null} */
  let next = null;
  try {
    for await (const chunk of await open(false, from ? { start: from.offset, end: null } : null)) {
      splitter.write(chunk);
      if (suspendAt !== undefined && Date.now() >= suspendAt) {
        const stopped = splitter.suspend();
        if (stopped) {
          ({ split, next } = stopped);
          break;
        }
      }
    }
    if (!next) split = splitter.finish();
  } finally {
    splitter.free();
  }
  // Stopped right at the end of the object: nothing is left to split.
  if (next && object.size != null && next.offset >= object.size) next = null;
  // No split: a pass that went on has handed on all it had; a first pass cannot cut the file.
  if (!split) return Boolean(from);
  if (!from) {
    if (split.shards.length < 2 && !next) return false;
    try {
      // Every shard reads with this header: check it once, here.
      const at = split.shards[split.shards.length - 1].start;
      engine.Ingest.resume(object.key, identity, options, split.header, at.offset, at.line).free();
    } catch {
      return false;
    }
  }
  const run = task?.run ?? crypto.randomUUID();
  const base = task?.shard?.index ?? 0;
  // The count is known once the pass has reached the end.
  const count = next ? null : base + split.shards.length;
  for (const [i, shard] of split.shards.entries()) {
    // The first shard starts at the file's start, so every run's parts chain from offset 0.
    const first = !from && i === 0;
    await handOff(
      makeTask(object, {
        start: first ? { offset: 0, line: 1 } : shard.start,
        end: shard.end,
        header: first ? null : split.header,
        run,
        shard: { index: base + i, count },
        pin,
        mapping,
      }),
    );
  }
  if (next) {
    await handOff({ ...makeTask(object, { start: next, end: null, header: split.header, run, shard: { index: base + split.shards.length, count: null }, pin, mapping }), split: true });
  }
  emit({ level: 'info', bucket: object.bucket, key: object.key, status: 'sharded', run, from: from?.offset ?? 0, shards: split.shards.length, ...(next ? { next: next.offset } : { total: count }), bytes: (next?.offset ?? split.size) - (from?.offset ?? 0), ms: Date.now() - started });
  return true;
}

/**
 * Runs one piece (or the whole file) through the engine and Segment, and stores its part or the report.
 * @param {PinnedRun} run
 * @param {boolean} gzip
 * @param {boolean} [workbook] an Excel workbook: read in the ranges the engine asks for, its
 *   pieces resuming at a sheet row (`start.offset`)
 */
async function runPiece(run, gzip, workbook = false) {
  const { engine, config, object, identity, open, store, deadline, suspendAt, handOff, emit, task, options, mapping, pin, keys, version } = run;
  const { bucket, key } = object;
  // A shard takes its share of the run's events-per-second budget; a file in one piece, all of it.
  const budget = pieceBudget(config.rate, task);
  const sender = Sender.fromConfig(config, { deadline, maxEventsPerSecond: budget, ...(run.sender ?? {}) });
  const writeReport = (/** @type {Record<string, unknown>} */ fields) =>
    store.put(keys.report, JSON.stringify({ version: engine.version(), source: object, ...fields }, null, 2), 'application/json');

  const start = task?.start ?? { offset: 0, line: 1 };
  const end = task?.end ?? null;
  const header = task?.header ?? null;
  // With the header, a piece reads only its bytes; else (gzip, or no header yet) from the start.
  const ranged = header !== null && !gzip;
  const range = ranged ? { start: start.offset, end } : end !== null ? { start: 0, end } : null;
  // A piece that stopped right at the end of its range leaves an empty one (S3 refuses it).
  const empty = range !== null && range.start >= (range.end ?? object.size ?? Infinity);
  const lazy = {
    async *[Symbol.asyncIterator]() {
      if (!empty) yield* await open(gzip, range);
    },
  };
  // Say so where the user looks, then let the host retry; but a late repeat of a piece of a file
  // that is already done must not replace that file's report.
  /** @param {any} err what reading, delivery or the store threw: an Error in practice, read as it is */
  const failed = async (err) => {
    if (!(task && (await isDone(store, keys.report, object).catch(() => false)))) {
      await writeReport({ status: 'failed', error: err.message, piece: pieceOf(task), delivery: sender.summary }).catch((e) =>
        emit({ level: 'error', bucket, key, status: 'report-failed', report: keys.report, error: e?.message ?? String(e) }),
      );
    }
    const { failedBatches, ...counts } = sender.summary;
    emit({ level: 'error', bucket, key, status: 'failed', error: err.message, ...pieceOf(task), ...counts, failedBatches: failedBatches.length });
  };
  /** @type {import('./workbook-run.mjs').WorkbookResult} */
  let result;
  try {
    result = workbook
      ? await ingestWorkbook({
          engine,
          key,
          identity,
          options: { ...options, ...batchOptions(budget) },
          size: /** @type {number} runObject heads the object when its event had no size */ (object.size),
          readRange: (s, e) => ({
            async *[Symbol.asyncIterator]() {
              yield* await open(false, { start: s, end: e });
            },
          }),
          sender,
          resume: task ? { at: start } : undefined,
          suspendAt: handOff ? suspendAt : undefined,
        })
      : await ingestFile({
      engine,
      key,
      identity,
      options: { ...options, ...batchOptions(budget) },
      source: lazy,
      sender,
      resume: task ? { at: start, header: ranged ? header : null } : undefined,
      // Without a way to hand on, the file runs whole here.
      suspendAt: handOff ? suspendAt : undefined,
      endOffset: gzip ? undefined : end ?? object.size ?? undefined,
    });
  } catch (err) {
    if (err instanceof Superseded) throw err;
    await failed(err);
    throw err;
  }

  const { delivery, timing } = result;
  // A workbook's report says which sheet was read, and what the reader noted (a workbook named .csv).
  /** @type {import('../../pkg/csv2segment.js').Report & { sheet?: string | null, notes?: string[] }} */
  const report = workbook ? { ...result.report, sheet: result.sheet ?? null, notes: result.notes ?? [] } : result.report;
  if (result.status === 'done' && !task) return finish(run, keys, writeReport, { report, rejectsCsv: result.rejectsCsv, delivery, timing, status: 'done', budget });
  if (result.status === 'unprocessable') return finish(run, keys, writeReport, { report, rejectsCsv: result.rejectsCsv, delivery, timing, status: 'unprocessable', budget });

  // A piece of a file in several pieces: store its part, then hand on or try to complete; a
  // failure on the way is the piece's, reported as one.
  // A new run's id comes with its first hand-off: parts a re-upload of the same bytes (the same
  // eTag) left behind can never complete another run's chain.
  const runId = task?.run ?? crypto.randomUUID();
  // ingestFile gives a position with every result but `unprocessable`, returned above.
  const position = result.position;
  if (!position) throw new Error(`ingestFile returned a ${result.status} result without a position`);
  let combined;
  try {
    const prefix = partsPrefix(keys.base, version, runId);
    const suspended = result.status === 'suspended';
    const last = !suspended && (end === null || (object.size != null && end >= object.size));
    await savePart(store, prefix, { start, end: position, last, report, delivery, timing });
    if (suspended) {
      const before = task?.done ?? { rows: 0, events: 0, rejected: 0 };
      const done = { rows: before.rows + report.rows, events: before.events + report.events, rejected: before.rejected + report.rejected };
      // Suspended only with a way to hand on (suspendAt above).
      await /** @type {NonNullable<ObjectRun['handOff']>} */ (handOff)(makeTask(object, { start: position, end, header: workbook ? null : result.header ?? null, run: runId, shard: task?.shard ?? null, done, pin, mapping, workbook }));
      // Progress: how far this piece got, and the rows of this chain so far.
      emit({ level: 'info', bucket, key, status: 'continued', run: runId, ...pieceOf(task), from: start.offset, next: position.offset, line: position.line, rows: report.rows, delivered: delivery?.events ?? 0, rowsSoFar: done.rows, ...pacing(delivery, budget), ms: timing.ms });
      return 'continued';
    }
    combined = await combineIfComplete({ engine, store, prefix, key, header: result.header ?? header ?? '', options });
    if (combined && workbook) combined = { ...combined, report: { ...combined.report, sheet: result.sheet ?? null, notes: result.notes ?? [] } };
  } catch (err) {
    await failed(err);
    throw err;
  }
  if (!combined) {
    emit({ level: 'info', bucket, key, status: 'piece-done', run: runId, ...pieceOf(task), from: start.offset, to: position.offset, rows: report.rows, delivered: delivery?.events ?? 0, ...pacing(delivery, budget), ms: timing.ms });
    return 'piece-done';
  }
  const whole = { startedAt: combined.startedAt ?? timing.startedAt, ms: Date.now() - Date.parse(combined.startedAt ?? timing.startedAt) };
  const status = await finish(run, keys, writeReport, { report: combined.report, rejectsCsv: combined.rejectsCsv, delivery: combined.delivery, timing: whole, status: 'done', pieces: combined.pieces, budget });
  // The parts served their purpose; one left behind by a late duplicate is harmless.
  await Promise.all(combined.keys.map((k) => store.remove(k).catch(() => {})));
  return status;
}

/**
 * True when the report of this version of the object already says 'done'.
 * @param {ObjectStore} store
 * @param {string} reportKey
 * @param {StoredObject} object
 */
async function isDone(store, reportKey, object) {
  try {
    const report = JSON.parse((await store.get(reportKey)) ?? 'null');
    return report?.status === 'done' && versionOf(report.source ?? {}) === versionOf(object);
  } catch {
    return false;
  }
}

/**
 * A piece's log fields about its rate: its budget (events/s), the 429s it met, the time it was paced.
 * @param {{ throttled?: number, pacedMs?: number } | null} delivery
 * @param {number | null} budget
 */
const pacing = (delivery, budget) => ({ maxEventsPerSecond: budget, throttled: delivery?.throttled ?? 0, pacedMs: delivery?.pacedMs ?? 0 });

/** @param {Task | null | undefined} task */
const pieceOf = (task) => (task ? { from: task.start.offset, ...(task.shard ? { shard: task.shard.index, shards: task.shard.count } : {}) } : {});

/**
 * Writes the whole file's report and rejects CSV, and logs one line: the file's counts (its
 * pieces' added up) and this invocation's budget. The rows are delivered by now: a report that
 * cannot be written is logged, and what fits of it written, but never fails the run, whose retry
 * would send every row again.
 * @param {Pick<ObjectRun, 'object' | 'store' | 'emit'>} run
 * @param {{ report: string, rejects: string }} keys
 * @param {(report: Record<string, unknown>) => Promise<void>} writeReport
 * @param {{ report: import('../../pkg/csv2segment.js').Report & { sheet?: string | null, notes?: string[] }, rejectsCsv: Uint8Array | undefined, delivery: Record<string, any> | null, timing: { startedAt: string, ms: number }, status: 'done' | 'unprocessable', pieces?: number, budget: number | null }} outcome
 * @returns {Promise<'done' | 'unprocessable'>}
 */
async function finish({ object, store, emit }, keys, writeReport, { report, rejectsCsv, delivery, timing, status, pieces, budget }) {
  const { bucket, key } = object;
  const logFailure = (/** @type {string} */ what, /** @type {unknown} */ err) =>
    emit({ level: 'error', bucket, key, status: 'report-failed', report: what, error: /** @type {{ message?: string } | null | undefined} */ (err)?.message ?? String(err) });
  try {
    await writeReport({ status, timing, ...(pieces ? { pieces } : {}), ...report, delivery });
  } catch (err) {
    logFailure(keys.report, err);
    // The counts without the rejected rows and refused batches, which are what can make it large.
    const counts = { ...report, rejections: undefined, columns: undefined };
    const sent = delivery ? { ...delivery, failedBatches: undefined } : null;
    await writeReport({ status, timing, ...(pieces ? { pieces } : {}), ...counts, delivery: sent, reportError: `the full report could not be written: ${/** @type {{ message?: string } | null | undefined} */ (err)?.message ?? err}` }).catch(
      (e) => logFailure(keys.report, e),
    );
  }
  // A fixed re-upload must not leave the last run's rejects behind.
  await (rejectsCsv ? store.put(keys.rejects, rejectsCsv, 'text/csv; charset=utf-8') : store.remove(keys.rejects)).catch((err) => logFailure(keys.rejects, err));
  emit({
    level: status === 'done' && !delivery?.failedEvents && !report.rejected ? 'info' : 'warn',
    bucket,
    key,
    status,
    error: report.error ?? undefined,
    rows: report.rows,
    events: report.events,
    rejected: report.rejected,
    delivered: delivery?.events ?? 0,
    failed: delivery?.failedEvents ?? 0,
    requests: delivery?.requests ?? 0,
    retries: delivery?.retries ?? 0,
    maxEventsPerSecond: budget,
    throttled: delivery?.throttled ?? 0,
    pacedMs: delivery?.pacedMs ?? 0,
    ...(pieces ? { pieces } : {}),
    ms: timing.ms,
    report: keys.report,
  });
  return status;
}
