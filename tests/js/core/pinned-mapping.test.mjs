// A run reads through the mapping it started with (issue 22, findings 1 and 3; issue 28, item 3):
// a retry of its first piece, its continuations and its shards use the pinned mapping whatever is
// uploaded meanwhile; tasks carry a reference to it, never its text, so a mapping near the size
// limit goes through queues that take 128 KB (Cloudflare) or 256 KB (SQS); a re-upload, or the
// CLI sending a file again through a corrected mapping, gets new ids that Segment does not drop.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { nodeFetch } from '../../../js/core/node-fetch.mjs';
import { createHandler } from '../../../js/hosts/lambda/index.mjs';
import { LAMBDA_CONTEXT, useLambdaStack } from '../../support/lambda-stack.mjs';
import { runCli } from '../../support/run.mjs';
import { startSegmentServer } from '../../support/segment-server.mjs';
import { useWorkerStack } from '../../support/use-worker-stack.mjs';
import { reportOf } from '../../support/worker-stack.mjs';

const WRITE_KEY = 'wk_pinned_secret_5150';
const TOKEN = 'tok_pinned_secret_4411';
const FAST = { baseMs: 5, maxMs: 20, maxAttempts: 2 };
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** A payments export of `rows` rows. */
function paymentsCsv(rows) {
  const lines = ['Charge ID,Customer ID,Amount'];
  for (let i = 0; i < rows; i += 1) lines.push(`ch_${i},cus_${i},${(i % 90) + 10}.00`);
  return `${lines.join('\n')}\n`;
}

/** A mapping that sends those rows as `event`. */
const mappingFor = (event) =>
  JSON.stringify({ files: [{ match: 'payments*.csv', call: 'track', columns: { 'Customer ID': 'userId', 'Charge ID': 'properties.charge', Amount: 'properties.amount:number' }, set: { event } }] }, null, 2);

/**
 * A mapping of about `bytes` bytes (within the engine's 1 MiB limit): many rules for other files
 * before the one for payments, as a team's shared mapping grows.
 */
function largeMapping(bytes, event) {
  const rules = [];
  let size = 0;
  for (let i = 0; size < bytes; i += 1) {
    const rule = { match: `other_export_${String(i).padStart(6, '0')}_*.csv`, call: 'identify', columns: { [`Customer number ${i}`]: 'userId', [`Plan of customer ${i}`]: 'traits.plan', [`Seats of customer ${i}`]: 'traits.seats:integer' } };
    rules.push(rule);
    size += JSON.stringify(rule).length + 1;
  }
  rules.push(JSON.parse(mappingFor(event)).files[0]);
  return JSON.stringify({ files: rules });
}

const eventNames = (seg) => [...new Set(seg.events.map((e) => e.event))].sort();

describe('Lambda: a run keeps the mapping it started with', () => {
  const BUCKET = 'pinned-drop';
  const stack = useLambdaStack({ bucket: BUCKET, writeKey: WRITE_KEY, seed: 22 });
  let sequencer = 0;
  let logs;
  beforeEach(() => {
    stack.seg.reset();
    logs = [];
  });

  /** The S3 record of a new upload of `key`: each has its own sequencer, as S3's do. */
  async function upload(key, body) {
    await stack.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const head = await stack.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    sequencer += 1;
    return {
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: BUCKET }, object: { key, size: head.ContentLength, eTag: head.ETag.replaceAll('"', ''), sequencer: sequencer.toString(16).padStart(18, '0') } },
    };
  }
  const put = (key, body) => stack.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const getJson = async (key) => JSON.parse(await (await stack.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body.transformToString());
  const listed = async (prefix) => ((await stack.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);

  const handlerWith = (env = {}, { queue, fetch = nodeFetch } = {}) =>
    createHandler({
      env: { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: stack.seg.url, SEGMENT_OBJECTS_ENDPOINT: stack.seg.url, ...env },
      log: (line) => logs.push(JSON.parse(line)),
      fetch,
      sender: { retry: FAST },
      ...(queue ? { invoke: async (message) => void queue.push(structuredClone(message)) } : {}),
    });

  test('a retry after the mapping was replaced sends what the first attempt sent; a re-upload sends the new mapping, not dropped', async () => {
    const ROWS = 5000;
    const key = 'retry/payments_march.csv';
    const wrong = mappingFor('Wrong Event');
    await put('retry/csv2segment.json', wrong);
    const record = await upload(key, paymentsCsv(ROWS));
    // Segment takes the first request, then the network fails: the run fails after sending part.
    let requests = 0;
    const flaky = (url, init) => (++requests > 1 ? Promise.reject(new Error('socket hang up (injected)')) : nodeFetch(url, init));
    await assert.rejects(handlerWith({}, { fetch: flaky })({ Records: [record] }, LAMBDA_CONTEXT), /not fully delivered/);
    const sentFirst = stack.seg.stats().uniqueMessageIds;
    assert.ok(sentFirst > 0 && sentFirst < ROWS, `the first attempt sent part of the file (${sentFirst})`);
    assert.equal((await getJson(`csv2segment-reports/${key}.report.json`)).status, 'failed');

    // The mapping is corrected, then the event comes again (Lambda's retry of the invocation).
    await put('retry/csv2segment.json', mappingFor('Right Event'));
    assert.deepEqual(await handlerWith()({ Records: [record] }, LAMBDA_CONTEXT), { processed: 1 });
    assert.equal(stack.seg.stats().uniqueMessageIds, ROWS);
    assert.deepEqual(eventNames(stack.seg), ['Wrong Event']);
    const report = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([report.status, report.events], ['done', ROWS]);
    assert.deepEqual({ key: report.mapping.key, sha256: report.mapping.sha256 }, { key: 'retry/csv2segment.json', sha256: sha256(wrong) });

    // The same bytes uploaded again: a new run, through the mapping as it is now, with new ids.
    stack.seg.reset();
    const again = await upload(key, paymentsCsv(ROWS));
    assert.equal(again.s3.object.eTag, record.s3.object.eTag);
    assert.deepEqual(await handlerWith()({ Records: [again] }, LAMBDA_CONTEXT), { processed: 1 });
    assert.deepEqual(eventNames(stack.seg), ['Right Event']);
    const ids = new Set(stack.seg.events.map((e) => e.messageId));
    assert.equal(ids.size, ROWS);
    assert.equal((await getJson(`csv2segment-reports/${key}.report.json`)).mapping.sha256, sha256(mappingFor('Right Event')));
  });

  test('a mapping near the size limit through shards and continuations: tasks carry a reference of a few hundred bytes', async () => {
    const ROWS = 30_000;
    const key = 'large/payments_q1.csv';
    const mapping = largeMapping(1_000_000, 'Payment Made');
    assert.ok(mapping.length > 1_000_000 && mapping.length < 1_048_576, `${mapping.length} bytes`);
    await put('large/csv2segment.json', mapping);
    const text = paymentsCsv(ROWS);
    const record = await upload(key, text);
    const queue = [];
    const sizes = [];
    // Shards of about a third of the file (10,000 rows), each paced so that it hands on at least
    // once on any machine: with one request in flight at 4,000 events a second (batches of 2,500,
    // 0.625 s apart), a piece of 0.2 s reads on only while its first two batches go: about 5,000
    // rows.
    const env = { CSV2SEGMENT_SHARD_BYTES: String(Math.ceil(text.length / 3)), MAX_RUN_SECONDS: '0.2', SEGMENT_MAX_EVENTS_PER_SECOND: '4000', SEGMENT_CONCURRENCY: '1' };
    const handler = handlerWith(env, { queue });
    await handler({ Records: [record] }, LAMBDA_CONTEXT);
    let pieces = 0;
    while (queue.length > 0) {
      const message = queue.shift();
      sizes.push(JSON.stringify(message).length);
      assert.deepEqual(message.csv2segment.mapping, { key: 'large/csv2segment.json', eTag: message.csv2segment.mapping.eTag, sha256: sha256(mapping) });
      assert.equal('text' in message.csv2segment.mapping, false);
      await handler(message, LAMBDA_CONTEXT);
      pieces += 1;
    }
    const statuses = logs.map((l) => l.status);
    assert.ok(statuses.includes('sharded') && statuses.includes('continued'), statuses.join(' '));
    assert.ok(Math.max(...sizes) < 1024, `the largest task is ${Math.max(...sizes)} bytes`);
    const stats = stack.seg.stats();
    assert.deepEqual([stats.uniqueMessageIds, stats.accepted, stats.dropped], [ROWS, ROWS, 0]);
    assert.deepEqual(eventNames(stack.seg), ['Payment Made']);
    const report = await getJson(`csv2segment-reports/${key}.report.json`);
    // Each piece that read rows stored a part (the splitting passes did not).
    assert.equal(pieces, statuses.filter((s) => s !== 'done').length);
    assert.deepEqual([report.status, report.rows, report.events, report.pieces], ['done', ROWS, ROWS, statuses.filter((s) => ['continued', 'piece-done', 'done'].includes(s)).length]);
    assert.equal(report.mapping.sha256, sha256(mapping));
    // The mapping's text is kept once, by its hash, under the report prefix.
    assert.ok((await listed('csv2segment-reports/mappings/')).includes(`csv2segment-reports/mappings/${sha256(mapping)}.json`));
  });

  test('a piece whose task names another mapping than its run pinned is refused: a forged key, eTag, hash or none', async () => {
    const key = 'forged/payments_april.csv';
    await put('forged/csv2segment.json', mappingFor('Payment Made'));
    const record = await upload(key, paymentsCsv(10_000));
    const queue = [];
    // One request in flight, paced at 2,000 events a second (batches of 2,000, a second apart): a
    // piece of 0.05 s reads on only while its first two batches go, so it takes at most about
    // 4,100 of the 10,000 rows and hands on, on any machine.
    const handler = handlerWith({ MAX_RUN_SECONDS: '0.05', SEGMENT_MAX_EVENTS_PER_SECOND: '2000', SEGMENT_CONCURRENCY: '1' }, { queue });
    await handler({ Records: [record] }, LAMBDA_CONTEXT);
    assert.equal(queue.length, 1, 'the first piece handed on');
    const real = queue[0].csv2segment;
    const forged = (mapping) => ({ csv2segment: { ...real, mapping } });
    const cases = [
      [{ ...real.mapping, key: 'elsewhere/csv2segment.json' }, `the task names the mapping elsewhere/csv2segment.json (eTag ${real.mapping.eTag}, SHA-256 ${real.mapping.sha256}), but its run pinned forged/csv2segment.json (eTag ${real.mapping.eTag}, SHA-256 ${real.mapping.sha256})`],
      [{ ...real.mapping, eTag: '0123456789abcdef0123456789abcdef' }, `the task names the mapping forged/csv2segment.json (eTag 0123456789abcdef0123456789abcdef, SHA-256 ${real.mapping.sha256}), but its run pinned forged/csv2segment.json (eTag ${real.mapping.eTag}, SHA-256 ${real.mapping.sha256})`],
      [{ ...real.mapping, sha256: sha256('{"files":[]}') }, `the task names the mapping forged/csv2segment.json (eTag ${real.mapping.eTag}, SHA-256 ${sha256('{"files":[]}')}), but its run pinned forged/csv2segment.json (eTag ${real.mapping.eTag}, SHA-256 ${real.mapping.sha256})`],
      [null, `the task names the mapping none, but its run pinned forged/csv2segment.json (eTag ${real.mapping.eTag}, SHA-256 ${real.mapping.sha256})`],
    ];
    const before = stack.seg.stats().requests;
    for (const [mapping, error] of cases) {
      logs = [];
      assert.deepEqual(await handler(forged(mapping), LAMBDA_CONTEXT), { processed: 0, refused: 1 });
      assert.deepEqual(logs.map((l) => [l.level, l.status, l.error]), [['error', 'refused', `a task refused: ${error}`]]);
    }
    // With a text of its own: refused before it is read.
    logs = [];
    assert.deepEqual(await handler(forged({ ...real.mapping, text: '{"files":[{"match":"*.csv","call":"identify"}]}' }), LAMBDA_CONTEXT), { processed: 0, refused: 1 });
    assert.deepEqual(logs.map((l) => l.error), ["a task refused: the message's csv2segment task carries a mapping text: a task names its run's mapping by reference (key, eTag, sha256), never its text"]);
    assert.equal(stack.seg.stats().requests, before, 'nothing sent for a forged task');
    // The real one runs.
    while (queue.length > 0) await handler(queue.shift(), LAMBDA_CONTEXT);
    assert.equal(stack.seg.stats().uniqueMessageIds, 10_000);
  });
});

describe('CLI: the same file sent again through a corrected mapping', () => {
  let seg;
  let dir;
  before(async () => {
    seg = await startSegmentServer({ writeKey: WRITE_KEY, seed: 23 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-pinned-'));
  });
  after(async () => {
    await seg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('new ids, so Segment keeps the corrected events; the same mapping again, the same ids', async () => {
    await writeFile(path.join(dir, 'payments_may.csv'), paymentsCsv(40));
    const send = async (event) => {
      await writeFile(path.join(dir, 'csv2segment.json'), mappingFor(event));
      const { code, stderr } = await runCli(['send', '--quiet', '--endpoint', seg.url, 'payments_may.csv'], { cwd: dir, env: { SEGMENT_WRITE_KEY: WRITE_KEY } });
      assert.equal(code, 0, stderr);
    };
    await send('Wrong Event');
    await send('Right Event');
    await send('Right Event');
    const stats = seg.stats();
    assert.deepEqual([stats.accepted, stats.uniqueMessageIds, stats.duplicates], [120, 80, 40]);
    const ids = (event) => new Set(seg.events.filter((e) => e.event === event).map((e) => e.messageId)).size;
    assert.deepEqual([ids('Wrong Event'), ids('Right Event')], [40, 40]);
  });
});

describe('Worker: a run keeps the mapping it started with', () => {
  const suite = useWorkerStack({
    writeKey: WRITE_KEY,
    token: TOKEN,
    seed: 24,
    vars: {
      SEGMENT_RETRY_BASE_MS: '5',
      SEGMENT_MAX_ATTEMPTS: '2',
      QUEUE_RETRY_DELAY_SECONDS: '1',
      // Pieces of at most 1 s, one request in flight paced at 2,000 events a second: a piece
      // takes at most about 6,000 of a file's 20,000 rows, so there are several, on any machine.
      MAX_RUN_SECONDS: '1',
      SEGMENT_MAX_EVENTS_PER_SECOND: '2000',
      SEGMENT_CONCURRENCY: '1',
    },
    port: 0,
    queueRetryDelaySeconds: 1,
  });
  let seg;
  let stack;
  before(() => ({ seg, worker: stack } = suite));

  test('a retry after the mapping was replaced sends what the first attempt would have', async () => {
    const key = 'retry/payments_june.csv';
    const wrong = mappingFor('Wrong Event');
    await stack.bucket.put('retry/csv2segment.json', wrong);
    seg.setFaults({ error500: 1 });
    await stack.putAndNotify(key, paymentsCsv(2000));
    await reportOf(stack, key, { status: 'failed', timeoutMs: 180_000 });
    await stack.bucket.put('retry/csv2segment.json', mappingFor('Right Event'));
    seg.setFaults({});
    const report = await reportOf(stack, key, { status: 'done', timeoutMs: 180_000 });
    assert.equal(report.mapping.sha256, sha256(wrong));
    assert.deepEqual(eventNames(seg), ['Wrong Event']);
    assert.equal(seg.stats().uniqueMessageIds, 2000);
  });

  test('a mapping near the size limit through continuations: the queue takes every task', async () => {
    const key = 'large/payments_july.csv';
    const mapping = largeMapping(1_000_000, 'Payment Made');
    await stack.bucket.put('large/csv2segment.json', mapping);
    const ROWS = 20_000;
    await stack.putAndNotify(key, paymentsCsv(ROWS));
    const report = await reportOf(stack, key, { status: 'done', timeoutMs: 180_000 });
    assert.ok(report.pieces >= 2, `several pieces (${report.pieces})`);
    assert.equal(report.mapping.sha256, sha256(mapping));
    const stats = seg.stats();
    assert.deepEqual([stats.uniqueMessageIds, stats.dropped], [ROWS, 0]);
    assert.deepEqual(stack.deadLetters(), []);
  });

  test('HTTP: an Idempotency-Key is bound to the mapping: a retry after the mapping changed is a 409, nothing of it sent', async () => {
    const body = paymentsCsv(30);
    const post = () => fetch(`${stack.url}/v1/ingest/payments_august.csv`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'august-1' }, body });
    await stack.bucket.put('csv2segment.json', mappingFor('Payment Made'));
    const first = await post();
    assert.equal(first.status, 200, await first.clone().text());
    assert.equal((await first.json()).delivery.events, 30);
    // The same upload under the same key and the same mapping: the same ids again.
    assert.equal((await post()).status, 200);
    assert.deepEqual([seg.stats().uniqueMessageIds, seg.stats().duplicates], [30, 30]);
    await stack.bucket.put('csv2segment.json', mappingFor('Payment Refunded'));
    const changed = await post();
    assert.equal(changed.status, 409);
    assert.deepEqual(await changed.json(), {
      error: 'this Idempotency-Key was used for an upload read through another mapping (csv2segment.json changed since): use a new key to send it through the mapping as it is now; nothing of this one was sent',
    });
    assert.equal(seg.stats().accepted, 60);
    assert.deepEqual(eventNames(seg), ['Payment Made']);
    await stack.bucket.delete('csv2segment.json');
  });
});
