// Shards in flight split the events-per-second budget: a file cut into two shards, run together
// by the Lambda handler (moto's S3, the local Segment server) with CSV2SEGMENT_PIECES_IN_FLIGHT=2,
// stays within SEGMENT_MAX_EVENTS_PER_SECOND taken together, each shard at half of it; the
// report adds up the pieces' paced time and 429s; every row arrives once. The senders and the
// server's timeline run on one virtual clock (tests/support/virtual-clock.mjs) that stands
// still during S3 and Segment requests: the two shards start together and the rates are the
// ones the pacing decides, whatever the machine's speed.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { before, describe, test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { generateTrackCsv } from '../../../../bench/generate.mjs';
import { createHandler } from '../../../../js/hosts/lambda/index.mjs';
import { nodeFetch } from '../../../../js/core/node-fetch.mjs';
import { LAMBDA_CONTEXT, useLambdaStack } from '../../../support/lambda-stack.mjs';
import { virtualClock } from '../../../support/virtual-clock.mjs';

const WRITE_KEY = 'wk_rate_shards_secret_91ab';
const BUCKET = 'csv-rate';
const BUDGET = 1000;
const ROWS = 10_000;
const context = LAMBDA_CONTEXT;

/**
 * `client` with the clock held during each S3 request, a body read whole before it answers (as a
 * Node stream with the SDK's transformToString): the clock does not move while a shard reads.
 */
function heldS3(client, clock) {
  return {
    send: (command) =>
      clock.hold(async () => {
        const res = await client.send(command);
        if (!res.Body) return res;
        const bytes = Buffer.from(await res.Body.transformToByteArray());
        const body = Object.assign(Readable.from([bytes]), { transformToString: async () => bytes.toString('utf8') });
        return { ...res, Body: body };
      }),
  };
}

describe('Lambda: shards in flight split the budget', () => {
  const stack = useLambdaStack({ bucket: BUCKET, writeKey: WRITE_KEY, seed: 3 });
  let seg;
  let client;
  before(() => ({ seg, client } = stack));

  test(`two shards with CSV2SEGMENT_PIECES_IN_FLIGHT=2 send ${BUDGET} events/s together, ${BUDGET / 2} each; nothing lost or twice`, async () => {
    const key = 'big/track_shared.csv';
    const body = generateTrackCsv(ROWS);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const size = head.ContentLength;
    const record = {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: BUCKET }, object: { key: encodeURIComponent(key), size, eTag: head.ETag.replaceAll('"', '') } },
    };
    const queue = [];
    const logs = [];
    const clock = virtualClock();
    seg.setClock(clock.now);
    const t0 = clock.now();
    const handler = createHandler({
      s3: heldS3(client, clock),
      fetch: clock.fetch(nodeFetch),
      sender: { clock },
      env: {
        ...process.env,
        SEGMENT_WRITE_KEY: WRITE_KEY,
        SEGMENT_ENDPOINT: seg.url,
        SEGMENT_MAX_EVENTS_PER_SECOND: String(BUDGET),
        CSV2SEGMENT_PIECES_IN_FLIGHT: '2',
        CSV2SEGMENT_SHARD_BYTES: String(Math.ceil(size / 2)),
      },
      log: (line) => logs.push(JSON.parse(line)),
      invoke: async (message) => void queue.push(structuredClone(message)),
    });
    await handler({ Records: [record] }, context);
    assert.deepEqual(queue.map((m) => m.csv2segment.shard), [{ index: 0, count: 2 }, { index: 1, count: 2 }]);
    await Promise.all(queue.splice(0).map((m) => handler(m, context)));

    const stats = seg.stats();
    assert.deepEqual({ accepted: stats.accepted, unique: stats.uniqueMessageIds, duplicates: stats.duplicates, dropped: stats.dropped }, { accepted: ROWS, unique: ROWS, duplicates: 0, dropped: 0 });
    // One shard ends as piece-done, the other completes the file and logs the whole of it.
    const pieces = logs.filter((l) => l.status === 'piece-done' || l.status === 'done');
    assert.deepEqual(pieces.map((l) => l.status).sort(), ['done', 'piece-done']);
    assert.deepEqual(pieces.map((l) => l.maxEventsPerSecond), [BUDGET / 2, BUDGET / 2]);
    // A request holds at most a second of its piece's budget.
    assert.ok(seg.timeline.every((e) => e.events <= BUDGET / 2), JSON.stringify(seg.timeline.map((e) => e.events)));

    // Together within the budget: over the run, all but each shard's first batch (its burst).
    const t = seg.timeline;
    const events = t.reduce((sum, e) => sum + e.events, 0) - t[0].events - t[1].events;
    const rate = events / ((t.at(-1).at - t[0].at) / 1000);
    const message = `${rate.toFixed(0)} events/s from two shards with a budget of ${BUDGET}`;
    assert.ok(rate <= BUDGET * 1.02, message);
    // ... and the two shares do add up to it: the shards ran side by side, each at its half.
    assert.ok(rate >= BUDGET * 0.8, message);
    // Exactly: each second one request of each shard, the budget's 1,000 events, never more;
    // the shards have 4,999 and 5,001 rows (their last requests: 499 events, then 1).
    const perSecond = new Map();
    for (const e of t) perSecond.set(e.at - t0, (perSecond.get(e.at - t0) ?? 0) + e.events);
    assert.deepEqual([...perSecond], [...Array.from({ length: 9 }, (_, i) => [i * 1000, BUDGET]), [9000, 999], [10_000, 1]]);
    assert.deepEqual(t.map((e) => e.status), Array(t.length).fill(200));

    const report = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `csv2segment-reports/${key}.report.json` }))).Body.transformToString());
    assert.deepEqual([report.status, report.rows, report.events, report.pieces, report.delivery.events], ['done', ROWS, ROWS, 2, ROWS]);
    assert.equal(report.delivery.throttled, 0);
    // The paced time of both shards, each paced for most of its run: the first to end, 10
    // requests a second apart (9 s); the file's, that and the other's 11 (10 s).
    const [first, whole] = [pieces.find((l) => l.status === 'piece-done'), pieces.find((l) => l.status === 'done')];
    assert.deepEqual([whole.throttled, whole.pacedMs], [0, report.delivery.pacedMs]);
    assert.deepEqual([first.pacedMs, report.delivery.pacedMs], [9000, 19_000]);
    seg.setClock(null);
  });
});
