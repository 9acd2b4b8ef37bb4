// The loop every host runs for one file: chunks in, the engine's batches out to the sender,
// progress on the way, and one result at the end. Hosts bring the bytes and the sender.
// runIngest is the loop for any input: ingestFile gives it a CSV's stream, workbook-run.mjs a
// workbook's byte ranges.
import { isGzipError } from './gunzip.mjs';

/** Chunks bigger than this are written in slices, so the engine never queues many bodies. */
const WRITE_SLICE = 256 * 1024;

const between = (/** @type {number} */ x, /** @type {number} */ low, /** @type {number | undefined} */ high) => x > low && high !== undefined && x < high;

/**
 * True for the engine's own errors (bad file name, header, options), which a retry cannot fix.
 * @param {unknown} err
 * @returns {err is Error & { code: string }}
 */
export function isEngineError(err) {
  return /** @type {{ name?: unknown } | null | undefined} */ (err)?.name === 'Csv2SegmentError';
}

/**
 * The outcome of one file.
 * - `status`: `done` (every row was read; rows Segment refused are in `delivery.failedBatches`),
 *   or `unprocessable` (the file name, header or encoding stopped it before any row was sent,
 *   or a .gz file is cut short or corrupt: the rows before the damage were read and sent, none
 *   after; `report.error` says why, and running it again cannot help).
 * @typedef {object} FileResult
 * - `suspended`: `suspendAt` came; the rows before `position` are delivered, the rest is for
 *   another run that resumes there with `header`.
 * @property {'done' | 'unprocessable' | 'suspended'} status
 * @property {import('../../pkg/csv2segment.js').Report} report the engine's report
 * @property {Uint8Array | undefined} rejectsCsv the rejected rows with their reasons, if any
 * @property {unknown[]} [samples] the first payloads, as many as the `samplePayloads` option keeps
 * @property {import('./sender.mjs').DeliverySummary | null} delivery the sender's summary (null when nothing was sent)
 * @property {{ startedAt: string, ms: number }} timing
 * @property {{ offset: number, line: number }} [position] where the next row starts (the end, once done)
 * @property {string | undefined} [header] the file's header record, once read
 */

/**
 * Runs one file through the engine and delivers its batches with `sender`.
 *
 * Rejects with the sender's DeliveryError when delivery stopped, or with the source's error when
 * reading failed: both are worth the host's retry, which sends the same messageIds again.
 *
 * @param {object} job
 * @param {typeof import('../../pkg/csv2segment.js')} job.engine
 * @param {string} job.key object key or file name; its basename picks the call
 * @param {string} job.identity the source identity messageIds derive from
 * @param {object} [job.options] engine options
 * @param {AsyncIterable<Uint8Array>} job.source the file's bytes
 * @param {{ send(batch: import('../../pkg/csv2segment.js').Batch): Promise<void>, flush(): Promise<import('./sender.mjs').DeliverySummary> }} [job.sender] omit to only validate
 * @param {(progress: import('../../pkg/csv2segment.js').Progress) => void} [job.onProgress] called at most every `progressMs`
 * @param {number} [job.progressMs]
 * @param {{ at: { offset: number, line: number }, header: string | null }} [job.resume] a piece
 *   that starts at `at`: with the header, `source` is the bytes from `at.offset` on; without it,
 *   `source` is the whole file and the rows before `at` are skipped
 * @param {number} [job.suspendAt] epoch ms after which no more rows are taken (status `suspended`)
 * @param {number} [job.endOffset] where the input ends, when known: a run that has read up to it
 *   finishes rather than leave an empty piece
 * @returns {Promise<FileResult>}
 */
export async function ingestFile({ engine, key, identity, options, source, sender, onProgress, progressMs = 1000, resume, suspendAt, endOffset = Infinity }) {
  return runIngest({
    engine,
    key,
    identity,
    options,
    open: () => {
      if (resume?.header != null) return engine.Ingest.resume(key, identity, options, resume.header, resume.at.offset, resume.at.line);
      const ing = new engine.Ingest(key, identity, options);
      if (resume && resume.at.offset > 0) ing.skipTo(resume.at.offset, resume.at.line);
      return ing;
    },
    head: resume?.header != null ? `${resume.header}\n` : '',
    chunks: () => source,
    sender,
    onProgress,
    progressMs,
    suspendAt,
    mayStop: (ing) => between(ing.position().offset, resume?.at.offset ?? 0, endOffset),
    stopped: async (err, ing, drain, timing) => {
      if (isGzipError(err)) {
        // The same bytes give the same error: a report that says so, not a retry. The whole
        // rows before the damage are delivered (the open body completed at the last row
        // boundary, and its requests ended), the rest cannot be read.
        try {
          ing.suspend();
          await drain();
        } catch (e) {
          if (!isEngineError(e)) throw e;
          // No header yet, so no row: nothing to complete.
        }
        const delivery = sender ? await sender.flush() : null;
        const error = `${key}: ${err.message}; the rows before it were read (${ing.report().rows}), none after: compress the file again and upload it whole`;
        return { status: 'unprocessable', report: { ...ing.report(), error }, rejectsCsv: ing.rejectsCsv(), delivery, timing: timing() };
      }
      if (!isEngineError(err)) return undefined;
      // A header error (or an encoding the engine refuses) comes before any row is read, so
      // nothing has been sent: the report says what to fix.
      if (sender) await sender.flush();
      return { status: 'unprocessable', report: ing.report(), rejectsCsv: undefined, delivery: null, timing: timing() };
    },
  });
}

/** @typedef {import('../../pkg/csv2segment.js').Ingest | import('../../pkg/csv2segment.js').WorkbookIngest} Running */
/** @typedef {{ send(batch: import('../../pkg/csv2segment.js').Batch): Promise<void>, flush(): Promise<import('./sender.mjs').DeliverySummary> }} Sender */

/**
 * The loop itself, whatever the input (a CSV's stream, a workbook's ranges: ingestFile,
 * ingestWorkbook): the engine's run `open()` makes is written `chunks` in slices, its batches go
 * to the sender in a few reused buffers, progress on the way, a stop at a row boundary once
 * `suspendAt` has come (where `mayStop` lets it), and one result at the end. Frees the run.
 *
 * Rejects with the sender's DeliveryError or the reading's error (after the requests in flight
 * ended), unless `stopped` makes a result of it.
 *
 * @template {Running} I
 * @param {object} run
 * @param {typeof import('../../pkg/csv2segment.js')} run.engine
 * @param {string} run.key
 * @param {string} run.identity
 * @param {object} [run.options]
 * @param {() => I} run.open the engine's run for this input; a Csv2SegmentError other than
 *   the options' gives the engine's report for `head` (the key or the header refused)
 * @param {string} run.head the input's start as the engine's report of a refused `open` reads it
 * @param {(ing: I) => AsyncIterable<Uint8Array>} run.chunks the bytes to write, in order
 * @param {Sender} [run.sender] omit to only validate
 * @param {(progress: import('../../pkg/csv2segment.js').Progress) => void} [run.onProgress]
 * @param {number} run.progressMs
 * @param {number} [run.suspendAt]
 * @param {(ing: I) => boolean} run.mayStop whether a run out of time may stop where it is
 * @param {(err: any, ing: I, drain: () => Promise<unknown>, timing: () => FileResult['timing']) => Promise<FileResult | undefined>} run.stopped
 *   the result when `err`, thrown while reading, ends the run with a report; undefined rejects with it
 * @param {(ing: I) => object} [run.more] the fields a result from the run adds for this kind
 *   of input (a workbook's sheet and notes)
 * @returns {Promise<FileResult>}
 */
export async function runIngest({ engine, key, identity, options, open, head, chunks, sender, onProgress, progressMs, suspendAt, mayStop, stopped, more }) {
  const startedAt = new Date();
  const timing = () => ({ startedAt: startedAt.toISOString(), ms: Date.now() - startedAt.getTime() });

  /** @type {I} */
  let ing;
  try {
    ing = open();
  } catch (err) {
    // Wrong options are the host's mistake, not the file's: no report can say it better.
    if (!isEngineError(err) || err.code === 'options') throw err;
    // The engine's own report for a file (or header) it cannot take: same shape, `error` set.
    const { report } = engine.validate(new TextEncoder().encode(head), key, identity, options);
    return { status: 'unprocessable', report, rejectsCsv: undefined, delivery: null, timing: timing() };
  }

  try {
    let lastProgress = Date.now();
    // Bodies are written into a few reused buffers (one per request in flight, plus the one
    // being filled) instead of a new array each: garbage per body is what made memory grow.
    /** @type {Uint8Array[]} */
    const pool = [];
    const drain = async () => {
      for (;;) {
        const buffer = pool.pop() ?? new Uint8Array(ing.maxBodyBytes);
        const next = ing.nextBatchInto(buffer);
        const release = () => pool.push(buffer);
        if (!next) return release();
        /** @type {import('../../pkg/csv2segment.js').Batch & { release?: () => void }} the sender calls release once done with the body */
        const batch = next;
        if (batch.body.buffer !== buffer.buffer) release();
        else batch.release = release;
        if (sender) await sender.send(batch);
        else batch.release?.();
      }
    };
    let position;
    try {
      read: for await (const chunk of chunks(ing)) {
        for (let at = 0; at < chunk.length; at += WRITE_SLICE) {
          ing.write(at === 0 && chunk.length <= WRITE_SLICE ? chunk : chunk.subarray(at, at + WRITE_SLICE));
          await drain();
          // A piece always gets past its first row, so a chain of pieces always ends.
          if (suspendAt !== undefined && Date.now() >= suspendAt && mayStop(ing)) {
            // Out of time: stop at a row boundary; the rest is another run's (leaving the loop
            // cancels the source).
            position = ing.suspend();
            break read;
          }
        }
        if (onProgress && Date.now() - lastProgress >= progressMs) {
          lastProgress = Date.now();
          onProgress(ing.progress());
        }
      }
      if (!position) ing.finish();
      await drain();
    } catch (err) {
      const result = await stopped(err, ing, drain, timing);
      if (result) return { ...result, ...more?.(ing) };
      // Reading failed or delivery stopped: let the requests in flight end before giving up,
      // so that no request outlives the invocation that made it.
      await sender?.flush().catch(() => {});
      throw err;
    }
    const delivery = sender ? await sender.flush() : null;
    onProgress?.(ing.progress());
    return {
      status: position ? 'suspended' : 'done',
      report: ing.report(),
      rejectsCsv: ing.rejectsCsv(),
      samples: ing.samples(),
      delivery,
      timing: timing(),
      position: position ?? ing.position(),
      // The header record (a sheet's header row), for the rejects CSV of a run in pieces.
      header: ing.header,
      ...more?.(ing),
    };
  } finally {
    ing.free();
  }
}
