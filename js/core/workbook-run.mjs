// The loop every host runs for one Excel workbook: the engine says which byte range it wants
// next, the host reads it (a positioned file read, a ranged GET, File.slice) and writes it in
// chunks, and the batches go to the sender as a CSV's do. The host never holds the workbook.
import { isEngineError, runIngest } from './pipeline.mjs';

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
  /** @type {import('../../pkg/csv2segment.js').ByteRange | undefined} the range being read */
  let range;
  return runIngest({
    engine,
    key,
    identity,
    options,
    open: () => (resume ? engine.WorkbookIngest.resume(key, identity, options, size, resume.at.offset, resume.at.line) : new engine.WorkbookIngest(key, identity, options, size)),
    head: '',
    chunks: async function* (ing) {
      for (range = ing.wants(); range; range = ing.wants()) yield* readRange(range.start, range.end);
    },
    sender,
    onProgress,
    progressMs,
    suspendAt,
    // Only in the sheet's rows, read as they come, and past the piece's first row.
    mayStop: (ing) => Boolean(range?.stream) && ing.position().offset > (resume?.at.offset ?? 1),
    stopped: async (err, ing, drain, timing) => {
      if (!isEngineError(err)) return undefined;
      // The workbook cannot be read, or its header has a problem: the report says what to fix.
      await drain().catch(() => {});
      const delivery = sender ? await sender.flush() : null;
      return { status: 'unprocessable', report: ing.report(), rejectsCsv: undefined, delivery, timing: timing() };
    },
    more: (ing) => ({ sheet: ing.sheet, notes: ing.notes }),
  });
}
