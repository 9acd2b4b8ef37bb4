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
import { MappingUnreadable, mappingRequiredError, withMapping } from './mapping.mjs';
import { pinKey, pinMapping, pinOf, pinnedMapping } from './pinned-mapping.mjs';
import { combineIfComplete, partsPrefix, savePart } from './pieces.mjs';
import { ingestFile } from './pipeline.mjs';
import { batchOptions, pieceBudget, runWindow } from './rate.mjs';
import { Sender } from './sender.mjs';
import { reportKeys, versionName, versionOf } from './report-keys.mjs';
import { Superseded, checkTaskNames, checkTaskObject } from './task-checks.mjs';
import { TaskRefused, makeTask, taskOf } from './task.mjs';

export { Superseded, TaskRefused, taskOf };

/**
 * Runs one object, or one piece of it. Resolves when it is done: delivered, or handed on, or
 * unprocessable (reported, nothing sent), or superseded (nothing to do). Rejects when delivery
 * or reading failed, after writing a report that says so: the host then retries it, and the
 * same messageIds go out again.
 *
 * @param {object} run
 * @param {typeof import('../../pkg/csv2segment.js')} run.engine
 * @param {ReturnType<typeof import('./config.mjs').readConfig>} run.config
 * @param {{ bucket: string, key: string, eTag?: string, versionId?: string, size?: number }} run.object
 * @param {string} run.identity the source identity messageIds derive from
 * @param {(gzip: boolean, range: { start: number, end: number | null } | null) => Promise<AsyncIterable<Uint8Array>>} run.open
 *   the object's bytes (those of `range`, end exclusive), pinned to its version; throws Superseded
 * @param {{ put(key: string, body: string | Uint8Array, contentType: string): Promise<void>, remove(key: string): Promise<void>, get(key: string): Promise<string | null>, list(prefix: string): Promise<string[]> }} run.store
 * @param {number} run.limitMs the time the host gives this invocation from now, less what it keeps
 *   to return (see runWindow)
 * @param {(task: import('./task.mjs').Task) => Promise<void>} [run.handOff] sends a task to another invocation;
 *   without it, a file runs whole in this one
 * @param {import('./task.mjs').Task | null} [run.task] the piece to run; null for a new object
 * @param {(key: string) => Promise<{ key: string, text: string, eTag: string | null } | null>} [run.findMapping]
 *   the nearest csv2segment.json of a new object (see mapping.mjs); a retry of the run's start and
 *   its pieces use the one the run pinned
 * @param {string} [run.event] what tells this upload event from another of the same object
 *   version (S3's sequencer, R2's event time): a redelivery of the event keeps the run's pinned
 *   mapping, a new upload finds the mapping anew
 * @param {string[]} [run.buckets] the buckets a task may name (with a task)
 * @param {() => Promise<{ size: number, eTag?: string } | null>} [run.head] the object's size
 *   and eTag now, or null when it is gone (with a task)
 * @param {(fields: object) => void} run.emit one log line
 * @param {object} [run.sender] Sender settings over the config's (fetch, retry, ...)
 * @returns {Promise<'done' | 'unprocessable' | 'skipped' | 'continued' | 'sharded' | 'piece-done' | 'refused'>}
 */
export async function runObject(given) {
  const { task = null } = given;
  const { deadline, suspendAt } = runWindow(Date.now(), given.limitMs, given.config.pieces.maxRunSeconds);
  let run = { ...given, deadline, suspendAt };
  const { engine, config, handOff } = run;
  let { object } = run;
  try {
    if (task) checkTaskNames(run);
    // The mapping is found once, when the run starts, and pinned: a retry of that start, and
    // every piece, reads the pin (pinned-mapping.mjs), so a new version uploaded meanwhile never
    // mixes into this run.
    const keys = await reportKeys(config.reportPrefix, object.key);
    const version = await versionName(object);
    const pin = task ? task.pin : await pinOf(given.event ?? '');
    run = { ...run, keys, version };
    const at = { store: run.store, reportPrefix: config.reportPrefix, pinKey: pinKey(keys.base, version, pin) };
    const mapping = task
      ? { ref: task.mapping, text: await pinnedMapping({ ...at, ref: task.mapping }) }
      : // Found by startMapping, which stops the file when its mapping cannot be read or is required.
        await pinMapping({ ...at, find: () => startMapping(run) });
    const options = withMapping(config.engineOptions, mapping.text === null ? null : { ...mapping.ref, text: mapping.text });
    run = { ...run, pin, mapping: mapping.ref, options };
    let info = null;
    try {
      info = engine.parseKey(object.key, options);
    } catch {
      // Not a name the engine takes: ingestFile reports why, without opening the object.
    }
    if (task) {
      object = await checkTaskObject(run, info?.gzip ?? false);
      run = { ...run, object };
    }
    if (task?.split || (!task && handOff && info && !info.gzip && (object.size ?? 0) > config.pieces.shardBytes)) {
      const shards = await fanOut(run);
      if (shards) return 'sharded';
    }
    return await runPiece(run, info?.gzip ?? false);
  } catch (err) {
    if (err instanceof Superseded) {
      run.emit({ level: 'info', bucket: object.bucket, key: object.key, status: 'skipped', reason: `${err.message}; that upload has an event of its own` });
      return 'skipped';
    }
    if (err instanceof TaskRefused) {
      run.emit({ level: 'error', bucket: object.bucket, key: object.key, status: 'refused', error: `a task refused: ${err.message}` });
      return 'refused';
    }
    // Reported by startMapping: the file has no mapping and one is required.
    if (err instanceof MappingRequired) return 'unprocessable';
    throw err;
  }
}

/** A file with no mapping where CSV2SEGMENT_REQUIRE_MAPPING is true: reported, not retried. */
class MappingRequired extends Error {}

/**
 * The mapping a new run starts with. A mapping that cannot be read stops the file before anything
 * is read or sent: a report and a log line say which key and why, and the error goes to the host,
 * which retries the file and then keeps its event (Lambda: its on-failure destination, or the
 * queue's dead-letter queue; Worker: the queue's dead-letter queue). A file with none, when
 * CSV2SEGMENT_REQUIRE_MAPPING is true, is unprocessable: reported, then MappingRequired thrown.
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

/** The report and the log line of a file stopped before it was read: nothing was sent. */
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
 */
async function fanOut({ engine, config, object, identity, open, handOff, emit, task, suspendAt, options, mapping, pin }) {
  const started = Date.now();
  const from = task?.split ? task.start : null;
  const splitter = from
    ? engine.Splitter.resume(object.key, config.pieces.shardBytes, task.header, from.offset, from.line, options.maxRecordBytes, options)
    : new engine.Splitter(object.key, config.pieces.shardBytes, options.maxRecordBytes, options);
  let split;
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
  if (from && !split) return true;
  if (!from) {
    if (!split || (split.shards.length < 2 && !next)) return false;
    try {
      // Every shard reads with this header: check it once, here.
      const at = split.shards.at(-1).start;
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

async function runPiece(run, gzip) {
  const { engine, config, object, identity, open, store, deadline, suspendAt, handOff, emit, task, options, mapping, pin, keys, version } = run;
  const { bucket, key } = object;
  // A shard takes its share of the run's events-per-second budget; a file in one piece, all of it.
  const budget = pieceBudget(config.rate, task);
  const sender = Sender.fromConfig(config, { deadline, maxEventsPerSecond: budget, ...(run.sender ?? {}) });
  const writeReport = (fields) =>
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
  const failed = async (err) => {
    if (!(task && (await isDone(store, keys.report, object).catch(() => false)))) {
      await writeReport({ status: 'failed', error: err.message, piece: pieceOf(task), delivery: sender.summary }).catch((e) =>
        emit({ level: 'error', bucket, key, status: 'report-failed', report: keys.report, error: e?.message ?? String(e) }),
      );
    }
    const { failedBatches, ...counts } = sender.summary;
    emit({ level: 'error', bucket, key, status: 'failed', error: err.message, ...pieceOf(task), ...counts, failedBatches: failedBatches.length });
  };
  let result;
  try {
    result = await ingestFile({
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

  const { report, delivery, timing } = result;
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
      await handOff(makeTask(object, { start: position, end, header: result.header ?? null, run: runId, shard: task?.shard ?? null, done, pin, mapping }));
      // Progress: how far this piece got, and the rows of this chain so far.
      emit({ level: 'info', bucket, key, status: 'continued', run: runId, ...pieceOf(task), from: start.offset, next: position.offset, line: position.line, rows: report.rows, delivered: delivery?.events ?? 0, rowsSoFar: done.rows, ...pacing(delivery, budget), ms: timing.ms });
      return 'continued';
    }
    combined = await combineIfComplete({ engine, store, prefix, key, header: result.header ?? header ?? '', options });
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

/** True when the report of this version of the object already says 'done'. */
async function isDone(store, reportKey, object) {
  try {
    const report = JSON.parse((await store.get(reportKey)) ?? 'null');
    return report?.status === 'done' && versionOf(report.source ?? {}) === versionOf(object);
  } catch {
    return false;
  }
}

/** A piece's log fields about its rate: its budget (events/s), the 429s it met, the time it was paced. */
const pacing = (delivery, budget) => ({ maxEventsPerSecond: budget, throttled: delivery?.throttled ?? 0, pacedMs: delivery?.pacedMs ?? 0 });

const pieceOf = (task) => (task ? { from: task.start.offset, ...(task.shard ? { shard: task.shard.index, shards: task.shard.count } : {}) } : {});

/**
 * Writes the whole file's report and rejects CSV, and logs one line: the file's counts (its
 * pieces' added up) and this invocation's budget. The rows are delivered by now: a report that
 * cannot be written is logged, and what fits of it written, but never fails the run, whose retry
 * would send every row again.
 * @param {{ object: { bucket: string, key: string }, store: { put(key: string, body: string | Uint8Array, contentType: string): Promise<void>, remove(key: string): Promise<void> }, emit: (fields: object) => void }} run
 * @param {{ report: string, rejects: string }} keys
 * @param {(report: object) => Promise<void>} writeReport
 * @param {{ report: import('../../pkg/csv2segment.js').Report, rejectsCsv: Uint8Array | undefined, delivery: Record<string, any> | null, timing: { startedAt: string, ms: number }, status: 'done' | 'unprocessable', pieces?: number, budget: number | null }} outcome
 * @returns {Promise<'done' | 'unprocessable'>}
 */
async function finish({ object, store, emit }, keys, writeReport, { report, rejectsCsv, delivery, timing, status, pieces, budget }) {
  const { bucket, key } = object;
  const logFailure = (what, err) => emit({ level: 'error', bucket, key, status: 'report-failed', report: what, error: err?.message ?? String(err) });
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
