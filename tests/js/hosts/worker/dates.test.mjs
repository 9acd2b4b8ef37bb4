// A time that cannot be meant, on the Worker (Miniflare/workerd from wrangler.toml, a local R2
// bucket and queue, the strict Segment server): a mapping whose format reads a date outside the
// years 1900-2200 gets the row rejected with the engine's message (src/base/reason.rs,
// Reason::TimestampRange), never sent, on both ways in: an R2 notification (the report and the
// rejects CSV in R2) and the HTTP endpoints (the answer's report). The other rows are sent.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CSV, MESSAGE, REJECTION, RULE } from '../../../support/out-of-range-date.mjs';
import { useWorkerStack } from '../../../support/use-worker-stack.mjs';
import { reportOf } from '../../../support/worker-stack.mjs';

const WRITE_KEY = 'wk_worker_dates_3a2b1c';
const TOKEN = 'tok_dates_secret_0815';
const MAPPING = JSON.stringify({ files: [RULE] });
/** What the stand-in must receive: the two rows in range, with their times. */
const SENT = [
  ['track', 'c1', 'Order Completed', { total: 10 }, '2016-11-08T00:00:00.000Z'],
  ['track', 'c3', 'Order Completed', { total: 14 }, '2016-11-09T00:00:00.000Z'],
];

describe('Worker: times out of range', () => {
  const suite = useWorkerStack({ writeKey: WRITE_KEY, token: TOKEN, seed: 17, vars: { SEGMENT_MAX_ATTEMPTS: '2', SEGMENT_RETRY_BASE_MS: '5' }, port: 0 });
  let seg;
  let stack;
  before(async () => {
    ({ seg, worker: stack } = suite);
    await stack.put('shop/csv2segment.json', MAPPING);
  });

  const sent = () => seg.events.map((e) => [e.type, e.userId, e.event, e.properties, e.timestamp]).sort((a, b) => a[1].localeCompare(b[1]));

  test('an R2 notification: the row read as the year 8 is in the report and the rejects CSV with the likely format, and not sent', async () => {
    const key = 'shop/orders_2016.csv';
    await stack.putAndNotify(key, CSV);
    const report = await reportOf(stack, key);
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.delivery.events], ['done', 3, 2, 1, 2]);
    assert.deepEqual(report.rejections, [REJECTION]);
    const rejects = await stack.bucket.get(`csv2segment-reports/${key}.rejected.csv`);
    assert.equal(await rejects.text(), `Customer,Total,Order Date,csv2segment_error\nc2,12,08-11-16,"${MESSAGE}"\n`);
    assert.deepEqual(sent(), SENT);
  });

  test('HTTP ingest through the named mapping: the answer lists the rejection, the stand-in gets the other rows only', async () => {
    const res = await fetch(`${stack.url}/v1/ingest/orders_2016.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-csv2segment-mapping': 'shop/csv2segment.json' },
      body: CSV,
    });
    const answer = await res.json();
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.deepEqual([answer.status, answer.rows, answer.events, answer.rejected, answer.delivery.events], ['done', 3, 2, 1, 2]);
    assert.deepEqual(answer.rejections, [REJECTION]);
    assert.deepEqual(sent(), SENT);
  });

  test('HTTP validate: the rejection in the report, the payloads in range, nothing sent', async () => {
    const res = await fetch(`${stack.url}/v1/validate/orders_2016.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-csv2segment-mapping': 'shop/csv2segment.json' },
      body: CSV,
    });
    const { status, report, payloads } = await res.json();
    assert.equal(res.status, 200);
    assert.deepEqual([status, report.rows, report.events, report.rejected], ['done', 3, 2, 1]);
    assert.deepEqual(report.rejections, [REJECTION]);
    assert.deepEqual(payloads.map((p) => [p.userId, p.timestamp]), [['c1', '2016-11-08T00:00:00.000Z'], ['c3', '2016-11-09T00:00:00.000Z']]);
    assert.equal(seg.stats().requests, 0);
  });
});
