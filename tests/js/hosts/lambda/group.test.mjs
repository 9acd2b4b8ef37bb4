// Line-item exports on the Lambda (issue 25), against moto's S3 server and the strict Segment
// stand-in: Shopify's orders export with the mapping the draft gives it is one Order Completed
// per order, the report's counts exact; and a grouped file run in pieces (shards of a few KB,
// continuations on a budget of 0.2 s) sends exactly the events, messageIds, counts and
// rejections of a single run: no order is cut between two pieces.
import assert from 'node:assert/strict';
import { before, beforeEach, describe, test } from 'node:test';
import { createHandler } from '../../../../js/hosts/lambda/index.mjs';
import { loadEngine } from '../../../../js/core/engine.mjs';
import { LAMBDA_CONTEXT, useLambdaStack } from '../../../support/lambda-stack.mjs';
import { draftedMapping, manyOrders, sentEvents, SHOPIFY, SHOPIFY_EVENTS, shopifyBytes } from '../../../support/line-items.mjs';
import { eventsById } from '../../../support/pieces.mjs';

const WRITE_KEY = 'wk_lambda_group_9f8e7d';
const BUCKET = 'csv-orders';
const FAST = { baseMs: 5, maxMs: 50, maxAttempts: 25 };
/**
 * A budget of 0.2 s, one request at a time, delivery paced at 1,000 events a second (batches of
 * 1,000): 3,000 orders' 2,944 events need three batches, and the second cannot go before a
 * second has passed, so the first piece stops before the file's end whatever the machine's speed.
 */
const ON_BUDGET = { MAX_RUN_SECONDS: '0.2', SEGMENT_CONCURRENCY: '1', SEGMENT_MAX_EVENTS_PER_SECOND: '1000' };

describe('Lambda: line-item exports', () => {
  const stack = useLambdaStack({ bucket: BUCKET, writeKey: WRITE_KEY, seed: 25 });
  let mapping;
  let logs;
  before(async () => {
    mapping = draftedMapping(await loadEngine(), SHOPIFY, shopifyBytes());
  });
  beforeEach(() => {
    stack.seg.reset();
    logs = [];
  });

  /** A handler whose hand-offs (shards, continuations) go to `queue`, an array the test drains; none: the file runs whole. */
  const handlerWith = (env = {}, queue) =>
    createHandler({
      env: { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: stack.seg.url, SEGMENT_OBJECTS_ENDPOINT: stack.seg.url, ...env },
      log: (line) => logs.push(line),
      sender: { retry: FAST },
      ...(queue ? { invoke: async (message) => void queue.push(structuredClone(message)) } : {}),
    });
  const report = async (key) => JSON.parse(await stack.getText(`csv2segment-reports/${key}.report.json`));
  const logged = () => logs.map((l) => JSON.parse(l));
  async function drain(handler, queue, parallel = 1) {
    let ran = 0;
    while (queue.length > 0) {
      const wave = queue.splice(0, parallel);
      await Promise.all(wave.map((m) => handler(m, LAMBDA_CONTEXT)));
      ran += wave.length;
    }
    return ran;
  }
  const counts = (r) => [r.status, r.rows, r.events, r.rejected, r.groupedRows, r.delivery.events];

  test("Shopify's export, as drafted: one Order Completed per order, exact payloads and counts, no rejects file", async () => {
    await stack.put('shop/csv2segment.json', mapping);
    const key = `shop/${SHOPIFY}`;
    assert.deepEqual(await handlerWith()({ Records: [await stack.put(key, shopifyBytes())] }, LAMBDA_CONTEXT), { processed: 1 });
    assert.deepEqual(sentEvents(stack.seg), SHOPIFY_EVENTS);
    const r = await report(key);
    assert.deepEqual(counts(r), ['done', 7, 3, 0, 4, 3]);
    assert.deepEqual(r.rejections, []);
    await assert.rejects(stack.getText(`csv2segment-reports/${key}.rejected.csv`), /NoSuchKey|does not exist/);
    assert.deepEqual(logged().map((l) => [l.level, l.status]), [['info', 'done']]);
  });

  test('a grouped file in shards of any size gives exactly the single run\'s events, ids, counts and rejections', async () => {
    await stack.put('many/csv2segment.json', mapping);
    const key = 'many/orders_export_2.csv';
    const text = manyOrders(600);
    const record = await stack.put(key, text);
    await handlerWith()({ Records: [record] }, LAMBDA_CONTEXT);
    const single = eventsById(stack.seg);
    const whole = await report(key);
    // 600 orders of 1 to 5 lines: 1,800 lines; 11 orders (every 53rd: 3, 1, 4, 2, 5, 3, 1, 4, 2,
    // 5 and 3 lines) rejected whole, 33 lines; the 589 others' 1,767 lines are 589 events.
    assert.deepEqual(counts(whole), ['done', 1800, 589, 33, 1178, 589]);
    assert.equal(single.size, 589);
    assert.equal(whole.rejections.length, 33);

    for (const shardBytes of [2048, 9000, 65536]) {
      stack.seg.reset();
      logs = [];
      const queue = [];
      const handler = handlerWith({ CSV2SEGMENT_SHARD_BYTES: String(shardBytes) }, queue);
      await handler({ Records: [record] }, LAMBDA_CONTEXT);
      const sharded = logged().find((l) => l.status === 'sharded');
      assert.ok(sharded.shards >= Math.floor(text.length / shardBytes / 2), `${sharded.shards} shards of ${shardBytes}`);
      await drain(handler, queue, 3);
      assert.deepEqual(eventsById(stack.seg), single, `shard size ${shardBytes}`);
      assert.equal(stack.seg.stats().accepted, 589);
      const r = await report(key);
      assert.deepEqual([...counts(r), r.pieces], [...counts(whole), sharded.shards]);
      assert.deepEqual([r.columns, r.rejections], [whole.columns, whole.rejections]);
    }
  });

  test('a grouped file in continuations on a budget of 0.2 s: the single run\'s events and ids, one report', async () => {
    await stack.put('budget/csv2segment.json', mapping);
    const key = 'budget/orders_export_3.csv';
    const record = await stack.put(key, manyOrders(3000));
    await handlerWith()({ Records: [record] }, LAMBDA_CONTEXT);
    const single = eventsById(stack.seg);
    const whole = await report(key);
    // 56 orders rejected (every 53rd), of 168 lines.
    assert.deepEqual(counts(whole), ['done', 9000, 2944, 168, 5888, 2944]);

    stack.seg.reset();
    logs = [];
    const queue = [];
    const handler = handlerWith(ON_BUDGET, queue);
    await handler({ Records: [record] }, LAMBDA_CONTEXT);
    const continuations = await drain(handler, queue);
    assert.ok(continuations >= 1, `${continuations} continuations`);
    assert.deepEqual(eventsById(stack.seg), single);
    const r = await report(key);
    assert.deepEqual([...counts(r), r.pieces], [...counts(whole), continuations + 1]);
    assert.deepEqual(r.rejections, whole.rejections);
  });
});
