// One stored object (an S3 or R2 upload) through the engine to Segment, with its report and
// rejects written beside it and one log line: the part the bucket hosts share. Each host brings
// how to open the object and how to write to its bucket.
import { ingestFile } from './pipeline.mjs';
import { Sender } from './sender.mjs';

/** The object was replaced or deleted after the event: that upload has an event of its own. */
export class Superseded extends Error {
  constructor(message) {
    super(message);
    this.name = 'Superseded';
  }
}

/** Where the report and the rejects CSV of `key` go. */
export function reportKeys(prefix, key) {
  return { report: `${prefix}${key}.report.json`, rejects: `${prefix}${key}.rejected.csv` };
}

/**
 * Runs one object. Resolves when it is done: delivered, or unprocessable (reported, nothing
 * sent), or superseded (nothing to do). Rejects when delivery or reading failed, after writing a
 * report that says so: the host then retries it, and the same messageIds go out again.
 *
 * @param {object} run
 * @param {typeof import('../pkg/csv2segment.js')} run.engine
 * @param {ReturnType<typeof import('./config.mjs').readConfig>} run.config
 * @param {{ bucket: string, key: string, eTag?: string, versionId?: string, size?: number }} run.object
 * @param {string} run.identity the source identity messageIds derive from
 * @param {(gzip: boolean) => Promise<AsyncIterable<Uint8Array>>} run.open the object's bytes, pinned to its version; throws Superseded
 * @param {{ put(key: string, body: string | Uint8Array, contentType: string): Promise<void>, remove(key: string): Promise<void> }} run.store
 * @param {number} run.deadline epoch ms by which delivery must be done
 * @param {(fields: object) => void} run.emit one log line
 * @param {object} [run.sender] Sender settings over the config's (fetch, retry, ...)
 */
export async function runObject({ engine, config, object, identity, open, store, deadline, emit, sender: extra = {} }) {
  const { bucket, key } = object;
  const keys = reportKeys(config.reportPrefix, key);
  let gzip = false;
  try {
    gzip = engine.parseKey(key).gzip;
  } catch {
    // Not a name the engine takes: ingestFile reports why, without opening the object.
  }
  const sender = Sender.fromConfig(config, { deadline, ...extra });
  const writeReport = (fields) =>
    store.put(keys.report, JSON.stringify({ version: engine.version(), source: object, ...fields }, null, 2), 'application/json');

  const lazy = {
    async *[Symbol.asyncIterator]() {
      yield* await open(gzip);
    },
  };
  let result;
  try {
    result = await ingestFile({ engine, key, identity, options: config.engineOptions, source: lazy, sender });
  } catch (err) {
    if (err instanceof Superseded) {
      emit({ level: 'info', bucket, key, status: 'skipped', reason: `${err.message}; that upload has an event of its own` });
      return 'skipped';
    }
    // Say so where the user looks, then let the host retry.
    await writeReport({ status: 'failed', error: err.message, delivery: sender.summary }).catch(() => {});
    const { failedBatches, ...counts } = sender.summary;
    emit({ level: 'error', bucket, key, status: 'failed', error: err.message, ...counts, failedBatches: failedBatches.length });
    throw err;
  }

  const { report, rejectsCsv, delivery, timing } = result;
  await writeReport({ status: result.status, timing, ...report, delivery });
  // A fixed re-upload must not leave the last run's rejects behind.
  await (rejectsCsv ? store.put(keys.rejects, rejectsCsv, 'text/csv; charset=utf-8') : store.remove(keys.rejects));
  emit({
    level: result.status === 'done' && !delivery?.failedEvents && !report.rejected ? 'info' : 'warn',
    bucket,
    key,
    status: result.status,
    error: report.error ?? undefined,
    rows: report.rows,
    events: report.events,
    rejected: report.rejected,
    delivered: delivery?.events ?? 0,
    failed: delivery?.failedEvents ?? 0,
    requests: delivery?.requests ?? 0,
    retries: delivery?.retries ?? 0,
    ms: timing.ms,
    report: keys.report,
  });
  return result.status;
}
