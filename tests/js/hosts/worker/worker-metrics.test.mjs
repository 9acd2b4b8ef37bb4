// The Worker's metrics in the real Workers runtime: with wrangler.toml's optional
// [[analytics_engine_datasets]] block turned on, each file's outcome goes to Workers Analytics
// Engine beside its log line. Miniflare's own local dataset keeps nothing, so the stack binds a
// recorder in its place (worker-stack.mjs, recordAnalytics) and the test reads what the Worker
// wrote. Without the block (every other Worker test), the Worker writes only its log line.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { METRICS } from '../../../../js/core/metrics.mjs';
import { ROOT } from '../../../../scripts/lib/proc.mjs';
import { useWorkerStack } from '../../../support/use-worker-stack.mjs';

const WRITE_KEY = 'wk_metrics_secret_0c9d';
const TOKEN = 'tok_metrics_secret_77aa';
const BLOCK = ['[[analytics_engine_datasets]]', 'binding = "METRICS"', 'dataset = "csv2segment"'];

/** wrangler.toml with the commented block turned on, its paths made absolute for test-output/. */
async function wranglerWithMetrics() {
  let toml = await readFile(path.join(ROOT, 'wrangler.toml'), 'utf8');
  for (const line of BLOCK) {
    assert.ok(toml.includes(`\n# ${line}\n`), `wrangler.toml has the commented line "# ${line}"`);
    toml = toml.replace(`\n# ${line}\n`, `\n${line}\n`);
  }
  toml = toml
    .replace(/^main = "(.*)"$/m, (_, p) => `main = ${JSON.stringify(path.join(ROOT, p))}`)
    .replace(/^directory = "(.*)"$/m, (_, p) => `directory = ${JSON.stringify(path.join(ROOT, p))}`);
  const file = path.join(ROOT, 'test-output', 'wrangler.metrics.toml');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, toml);
  return file;
}

describe('Worker metrics to Workers Analytics Engine', () => {
  const suite = useWorkerStack(async () => ({
    writeKey: WRITE_KEY,
    token: TOKEN,
    seed: 2,
    config: await wranglerWithMetrics(),
    recordAnalytics: true,
    vars: { SEGMENT_MAX_ATTEMPTS: '2', SEGMENT_RETRY_BASE_MS: '5' },
  }));
  let seg;
  let stack;
  before(() => ({ seg, worker: stack } = suite));

  /** The Worker's JSON line about `key` with `status`. */
  const lineOf = (key, status) =>
    suite.logs
      .filter((l) => l.includes('"source":"csv2segment"'))
      .map((l) => JSON.parse(l.slice(l.indexOf('{'))))
      .find((l) => l.key === key && l.status === status);
  const pointsFor = (key) => stack.analyticsPoints().filter((p) => p.point.blobs[2] === key);
  const doubles = (counts) => METRICS.map(([name]) => counts[name] ?? 0);

  test('an R2 upload: one data point with the counts of its log line', async () => {
    const key = 'incoming/metrics/track_1.csv';
    await stack.putAndNotify(key, await readFile(path.join(ROOT, 'samples', 'track_1.csv')));
    const [{ dataset, point }] = await stack.waitFor(() => pointsFor(key).length > 0 && pointsFor(key), { what: 'the data point' });
    const line = lineOf(key, 'done');
    assert.equal(dataset, 'csv2segment');
    assert.deepEqual(point, {
      indexes: [stack.bucketName],
      blobs: ['done', stack.bucketName, key],
      doubles: doubles({ Files: 1, Rows: 4, Events: 4, Delivered: 4, Requests: 1, Seconds: line.ms / 1000 }),
    });
    assert.deepEqual([line.rows, line.delivered, line.requests], [4, 4, 1]);
    assert.equal(seg.events.length, 4);
  });

  const ingest = (name, body) =>
    stack.dispatchFetch(`http://localhost/v1/ingest/${name}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body });

  test('HTTP uploads: a file with a rejected row, a file with a bad header, a delivery that fails', async () => {
    const rejecting = await ingest('track_http.csv', 'userId,event\n1,Signed Up\n,Signed Up\n');
    assert.equal(rejecting.status, 200);
    await rejecting.text();
    const ok = lineOf('track_http.csv', 'done');
    assert.deepEqual(pointsFor('track_http.csv').map((p) => p.point), [
      { indexes: ['http'], blobs: ['done', 'http', 'track_http.csv'], doubles: doubles({ Files: 1, Rows: 2, Events: 1, Rejected: 1, Delivered: 1, Requests: 1, Seconds: ok.ms / 1000 }) },
    ]);

    const bad = await ingest('track_bad.csv', 'userId,userId\n1,2\n');
    assert.equal(bad.status, 422);
    await bad.text();
    const unprocessable = lineOf('track_bad.csv', 'unprocessable');
    assert.deepEqual(pointsFor('track_bad.csv').map((p) => p.point.doubles), [doubles({ Files: 1, UnprocessableFiles: 1, Seconds: unprocessable.ms / 1000 })]);

    seg.setFaults({ error500: 1 });
    const failing = await ingest('track_fail.csv', 'userId,event\n1,Signed Up\n');
    assert.equal(failing.status, 502);
    await failing.text();
    const failed = lineOf('track_fail.csv', 'failed');
    // One request, tried twice (SEGMENT_MAX_ATTEMPTS); its rows count when a retry delivers them.
    assert.deepEqual([failed.requests, failed.attempts], [1, 2]);
    assert.deepEqual(pointsFor('track_fail.csv').map((p) => p.point), [
      { indexes: ['http'], blobs: ['failed', 'http', 'track_fail.csv'], doubles: doubles({ FailedFiles: 1, Requests: 1 }) },
    ]);
    assert.ok(!stack.logs().some((l) => l.line.includes(WRITE_KEY) || l.line.includes(TOKEN)));
  });

  test("Segment's 429s: counted in Throttled, with the time they held batches back in PacedSeconds", async () => {
    seg.setFaults({ rateLimit429: 1, retryAfter: 0 });
    try {
      const limited = await ingest('track_429.csv', 'userId,event\n1,Signed Up\n');
      assert.equal(limited.status, 502);
      await limited.text();
    } finally {
      seg.setFaults({});
    }
    const failed = lineOf('track_429.csv', 'failed');
    // Both tries (SEGMENT_MAX_ATTEMPTS) were answered 429.
    assert.deepEqual([failed.requests, failed.attempts, failed.throttled], [1, 2, 2]);
    assert.deepEqual(pointsFor('track_429.csv').map((p) => p.point), [
      { indexes: ['http'], blobs: ['failed', 'http', 'track_429.csv'], doubles: doubles({ FailedFiles: 1, Requests: 1, Throttled: 2, PacedSeconds: failed.pacedMs / 1000 }) },
    ]);
  });
});
