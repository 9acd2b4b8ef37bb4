// The loop every host runs for one Excel workbook: the engine says which byte range it wants
// next, the host reads it (a positioned file read, a ranged GET, File.slice) and writes it in
// chunks, and the batches go to the sender as a CSV's do. The host never holds the workbook.
import { isEngineError } from './pipeline.mjs';

/** Chunks bigger than this are written in slices, so the engine never queues many bodies. */
const WRITE_SLICE = 256 * 1024;

/**
 * The outcome of one workbook: a FileResult (see pipeline.mjs), with the sheet read and the
 * engine's notes (a workbook named .csv, error cells read as empty). `position` is a sheet row
 * (its `offset` and `line` both the row), for `resume`.
 * @typedef {import('./pipeline.mjs').FileResult & { sheet?: string, notes?: string[] }} WorkbookResult
 */

/**
 * Runs one workbook through the engine and delivers its batches with `sender`.
 *
 * Rejects with the sender's DeliveryError when delivery stopped, or with `readRange`'s error
 * when reading failed: both are worth the host's retry, which sends the same messageIds again.
 *
 * @param {object} job
 * @param {typeof import('../../pkg/csv2segment.js')} job.engine
 * @param {string} job.key object key or file name; its basename picks the call
 * @param {string} job.identity the source identity messageIds derive from
 * @param {object} [job.options] engine options
 * @param {number} job.size the file's size in bytes
 * @param {(start: number, end: number) => AsyncIterable<Uint8Array>} job.readRange the file's
 *   bytes from `start` up to `end` (not included), in chunks of any size; a chunk may be reused
 *   by the reader once the next is asked for
 * @param {{ send(batch: import('../../pkg/csv2segment.js').Batch): Promise<void>, flush(): Promise<import('./sender.mjs').DeliverySummary> }} [job.sender] omit to only validate
 * @param {(progress: import('../../pkg/csv2segment.js').Progress) => void} [job.onProgress] called at most every `progressMs`
 * @param {number} [job.progressMs]
 * @param {{ at: { offset: number, line: number } }} [job.resume] a piece that starts at the sheet
 *   row `at.offset` (from a suspended run's `position`): the sheet is read again, the rows before
 *   it passed over
 * @param {number} [job.suspendAt] epoch ms after which no more rows are taken (status `suspended`)
 * @returns {Promise<WorkbookResult>}
 */
export async function ingestWorkbook({ engine, key, identity, options, size, readRange, sender, onProgress, progressMs = 1000, resume, suspendAt }) {
  const startedAt = new Date();
  const timing = () => ({ startedAt: startedAt.toISOString(), ms: Date.now() - startedAt.getTime() });
  let ing;
  try {
    ing = resume ? engine.WorkbookIngest.resume(key, identity, options, size, resume.at.offset, resume.at.line) : new engine.WorkbookIngest(key, identity, options, size);
  } catch (err) {
    if (!isEngineError(err) || err.code === 'options') throw err;
    const { report } = engine.validate(new Uint8Array(0), key, identity, options);
    return { status: 'unprocessable', report, rejectsCsv: undefined, delivery: null, timing: timing() };
  }
  try {
    let lastProgress = Date.now();
    // Bodies are written into a few reused buffers, as pipeline.mjs does: no garbage per body.
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
      read: for (let range = ing.wants(); range; range = ing.wants()) {
        for await (const chunk of readRange(range.start, range.end)) {
          for (let at = 0; at < chunk.length; at += WRITE_SLICE) {
            ing.write(at === 0 && chunk.length <= WRITE_SLICE ? chunk : chunk.subarray(at, at + WRITE_SLICE));
            await drain();
            // A piece always gets past its first row, so a chain of pieces always ends.
            if (suspendAt !== undefined && Date.now() >= suspendAt && range.stream && ing.position().offset > (resume?.at.offset ?? 1)) {
              position = ing.suspend();
              break read;
            }
          }
          if (onProgress && Date.now() - lastProgress >= progressMs) {
            lastProgress = Date.now();
            onProgress(ing.progress());
          }
        }
      }
      if (!position) ing.finish();
      await drain();
    } catch (err) {
      if (!isEngineError(err)) {
        await sender?.flush().catch(() => {});
        throw err;
      }
      // The workbook cannot be read, or its header has a problem: the report says what to fix.
      await drain().catch(() => {});
      const delivery = sender ? await sender.flush() : null;
      return { status: 'unprocessable', report: ing.report(), rejectsCsv: undefined, delivery, timing: timing(), sheet: ing.sheet, notes: ing.notes };
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
      // The sheet's header row, for the rejects CSV of a run in pieces (combineParts).
      header: ing.header,
      sheet: ing.sheet,
      notes: ing.notes,
    };
  } finally {
    ing.free();
  }
}
