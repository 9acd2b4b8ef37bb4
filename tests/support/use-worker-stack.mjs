// What the Worker's tests share: the strict Segment server and the Worker in workerd
// (worker-stack.mjs) sending to it with the test's write key, started together and closed
// together on every path: a stack start that fails closes the Segment server it was given, and a
// failing or timed-out test still gets both closed (a server or a workerd left open keeps
// node --test from exiting, which in CI hangs the whole run).
//
//   describe('...', () => {
//     const suite = useWorkerStack({ writeKey: WRITE_KEY, token: TOKEN, seed: 7, vars: { SEGMENT_MAX_ATTEMPTS: '2' } });
//     let seg; let stack;
//     before(() => ({ seg, worker: stack } = suite)); // in a describe; at a file's top level, use suite.worker
//   });
//   test('...', async () => { await stack.putAndNotify(...); seg.events; suite.logs; });
//
//   test('one of its own', async (t) => {
//     const { seg, worker: stack } = await startWorkerFor(t, { writeKey: WRITE_KEY, record: false });
//   });
import { after, before, beforeEach } from 'node:test';
import { startSegmentServer } from './segment-server.mjs';
import { startWorkerStack } from './worker-stack.mjs';

/**
 * @typedef {object} WorkerStackOptions
 * @property {string} writeKey the Worker's SEGMENT_WRITE_KEY, the one the Segment server takes
 * @property {string} [token] the Worker's INGEST_TOKEN (none: no HTTP ingest)
 * @property {number} [seed] the Segment server's seed
 * @property {boolean} [record] whether the Segment server keeps what it is sent (its default: yes)
 * @property {Record<string, string>} [vars] the Worker's vars beside SEGMENT_ENDPOINT and SEGMENT_OBJECTS_ENDPOINT
 * Any other option goes to startWorkerStack as is (config, port, recordAnalytics, queueRetryDelaySeconds, log...).
 */

/**
 * Closes every one of `things` that was started (null/undefined skipped), all of them even when
 * one fails; then throws the first failure.
 * @param {...({ close(): unknown } | null | undefined)} things
 */
export async function closeAll(...things) {
  const results = await Promise.allSettled(things.filter(Boolean).map((thing) => thing.close()));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * The Segment server, then the Worker sending to it: { seg, worker }. When the Worker fails to
 * start, the Segment server is closed before the error is thrown.
 * @param {WorkerStackOptions} options
 */
export async function startWorkerAndSegment({ writeKey, token, seed, record, vars = {}, ...stackOptions }) {
  const seg = await startSegmentServer({ writeKey, ...(seed === undefined ? {} : { seed }), ...(record === undefined ? {} : { record }) });
  try {
    const worker = await startWorkerStack({
      ...stackOptions,
      vars: { SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url, ...vars },
      secrets: { SEGMENT_WRITE_KEY: writeKey, ...(token === undefined ? {} : { INGEST_TOKEN: token }) },
    });
    return { seg, worker };
  } catch (e) {
    await seg.close().catch(() => {});
    throw e;
  }
}

/**
 * startWorkerAndSegment for one test, closed by the test's own after hook (which runs when the
 * test fails or times out too).
 * @param {import('node:test').TestContext} t
 * @param {WorkerStackOptions} options
 */
export async function startWorkerFor(t, options) {
  const started = await startWorkerAndSegment(options);
  t.after(() => closeAll(started.worker, started.seg));
  return started;
}

/**
 * Registers the suite's hooks: before, the Segment server and the Worker; before each test, the
 * Segment server's recordings and faults cleared and `logs` emptied; after, both closed. The
 * returned object holds `seg` and `worker` once the suite's `before` hooks have run, `logs` (the
 * lines logged since the current test began) and `allLogs` (every line since the start).
 * `options` may be a function giving them (awaited in the before hook), for options that need I/O.
 * @param {WorkerStackOptions | (() => WorkerStackOptions | Promise<WorkerStackOptions>)} options
 */
export function useWorkerStack(options) {
  const suite = { seg: null, worker: null, logs: [], allLogs: [] };
  before(async () => {
    const settings = typeof options === 'function' ? await options() : options;
    const log = (line, info) => {
      suite.logs.push(line);
      suite.allLogs.push(line);
      settings.log?.(line, info);
    };
    Object.assign(suite, await startWorkerAndSegment({ ...settings, log }));
  });
  after(() => closeAll(suite.worker, suite.seg));
  beforeEach(() => {
    if (!suite.seg) return; // the before hook failed, and says why
    suite.seg.reset();
    suite.seg.setFaults({});
    suite.logs = [];
  });
  return suite;
}
