// Line-item exports on the Worker (issue 25; Miniflare/workerd from wrangler.toml, a local R2
// bucket and queue, the strict Segment stand-in): Shopify's orders export with the mapping the
// draft gives it is one Order Completed per order on both ways in, an R2 notification (the
// report in R2, no rejects file) and HTTP `/v1/ingest` (the answer's report); `/v1/validate`
// answers with the same events, sending nothing.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadEngine } from '../../../../js/core/engine.mjs';
import { withoutIds } from '../../../support/exports.mjs';
import { draftedMapping, sentEvents, SHOPIFY, SHOPIFY_EVENTS, shopifyBytes } from '../../../support/line-items.mjs';
import { useWorkerStack } from '../../../support/use-worker-stack.mjs';
import { reportOf } from '../../../support/worker-stack.mjs';

const WRITE_KEY = 'wk_worker_group_6e5d4c';
const TOKEN = 'tok_group_secret_2501';

describe('Worker: line-item exports', () => {
  const suite = useWorkerStack({ writeKey: WRITE_KEY, token: TOKEN, seed: 25, vars: { SEGMENT_MAX_ATTEMPTS: '2', SEGMENT_RETRY_BASE_MS: '5' }, port: 0 });
  let seg;
  let stack;
  before(async () => {
    ({ seg, worker: stack } = suite);
    await stack.put('shop/csv2segment.json', draftedMapping(await loadEngine(), SHOPIFY, shopifyBytes()));
  });

  /** The events the stand-in received, in the file's order (one request: the order sent). */
  const sent = () => sentEvents(seg);
  const counts = (r) => [r.status, r.rows, r.events, r.rejected, r.groupedRows, r.delivery?.events];
  const post = (path) =>
    fetch(`${stack.url}${path}/${SHOPIFY}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-csv2segment-mapping': 'shop/csv2segment.json' },
      body: shopifyBytes(),
    });

  test('an R2 notification: one Order Completed per order, exact payloads, the report\'s counts, no rejects file', async () => {
    const key = `shop/${SHOPIFY}`;
    await stack.putAndNotify(key, shopifyBytes());
    const report = await reportOf(stack, key);
    assert.deepEqual(counts(report), ['done', 7, 3, 0, 4, 3]);
    assert.deepEqual(report.rejections, []);
    assert.equal(await stack.bucket.get(`csv2segment-reports/${key}.rejected.csv`), null);
    assert.deepEqual(sent(), SHOPIFY_EVENTS);
  });

  test('HTTP ingest through the named mapping: the same events, the answer\'s counts', async () => {
    const res = await post('/v1/ingest');
    const answer = await res.json();
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.deepEqual(counts(answer), ['done', 7, 3, 0, 4, 3]);
    assert.deepEqual(sent(), SHOPIFY_EVENTS);
    const stats = seg.stats();
    assert.deepEqual([stats.accepted, stats.uniqueMessageIds], [3, 3]);
  });

  test('HTTP validate: the orders\' events as payloads, nothing sent', async () => {
    const res = await post('/v1/validate');
    const { status, report, payloads } = await res.json();
    assert.equal(res.status, 200);
    assert.deepEqual([status, report.rows, report.events, report.rejected, report.groupedRows], ['done', 7, 3, 0, 4]);
    assert.deepEqual(withoutIds(payloads), SHOPIFY_EVENTS);
    assert.equal(seg.stats().requests, 0);
  });
});
