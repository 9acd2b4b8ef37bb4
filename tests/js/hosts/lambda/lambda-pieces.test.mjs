// Files that do not fit one Lambda invocation: continuations (a budget of well under a second)
// and shards, through the injectable invoker and through a real SQS queue (moto's server),
// against the strict local Segment server. Every row must arrive, each messageId once, with one
// combined report, whatever runs twice or dies half way.
import assert from 'node:assert/strict';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { generateTrackCsv } from '../../../../bench/generate.mjs';
import { createHandler } from '../../../../js/hosts/lambda/index.mjs';
import { startS3Server } from '../../../support/s3-server.mjs';
import { eventsById, hardFile } from '../../../support/pieces.mjs';
import { startSegmentServer } from '../../../support/segment-server.mjs';
import { s3Record } from '../../../support/lambda-stack.mjs';

const WRITE_KEY = 'wk_pieces_secret_4c3b2a';
const BUCKET = 'csv-pieces';
const FAST = { baseMs: 5, maxMs: 50, maxAttempts: 25 };
const context = { getRemainingTimeInMillis: () => 300_000 };
const ROWS = 200_000;
/**
 * Pieces on a budget: a piece stops taking rows after 0.3 s, and delivery is paced at 50,000
 * events a second (reading waits for the sender's slots), so a piece takes at most about
 * 15,000 rows plus the batches in flight whatever the machine's speed, and 200,000 rows need
 * at least 4 s and eight pieces. Unpaced, a fast machine could finish them in one or two.
 */
const ON_BUDGET = { MAX_RUN_SECONDS: '0.3', SEGMENT_MAX_EVENTS_PER_SECOND: '50000' };

describe('Lambda: files in pieces', () => {
  let s3;
  let seg;
  let client;
  let sqs;
  let logs;
  const savedEnv = { ...process.env };

  before(async () => {
    [s3, seg] = await Promise.all([startS3Server(), startSegmentServer({ writeKey: WRITE_KEY, seed: 11 })]);
    Object.assign(process.env, s3.env, { AWS_ENDPOINT_URL_SQS: s3.endpoint });
    client = s3.client();
    sqs = new SQSClient({ endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(async () => {
    process.env = savedEnv;
    sqs?.destroy();
    await Promise.all([seg?.close(), s3?.close()]);
  });
  beforeEach(() => {
    seg.reset();
    logs = [];
  });

  /** A handler whose hand-offs go to `queue` (an array the test drains), or to SQS. */
  const handlerWith = (env = {}, queue) =>
    createHandler({
      env: { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url, ...env },
      log: (line) => logs.push(line),
      sender: { retry: FAST },
      ...(queue ? { invoke: async (message) => void queue.push(structuredClone(message)) } : {}),
    });

  async function put(key, body) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return s3Record(BUCKET, key, { eTag: head.ETag.replaceAll('"', ''), size: head.ContentLength });
  }
  const getJson = async (key) => JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body.transformToString());
  const listed = async (prefix) => ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);
  const logged = () => logs.map((l) => JSON.parse(l));

  /** Runs the queued invocations until none is left, `parallel` at a time; returns how many ran. */
  async function drain(handler, queue, { parallel = 1, onMessage } = {}) {
    let ran = 0;
    while (queue.length > 0) {
      const wave = queue.splice(0, parallel);
      await Promise.all(wave.map(async (m) => (onMessage ? onMessage(m) : handler(m, context))));
      ran += wave.length;
    }
    return ran;
  }

  test(`${ROWS.toLocaleString('en')} rows with a budget of 0.3 s: several continuations, every row once, one report`, async () => {
    const key = 'big/track_resume.csv';
    const record = await put(key, generateTrackCsv(ROWS));
    const queue = [];
    const handler = handlerWith(ON_BUDGET, queue);
    await handler({ Records: [record] }, context);
    const continuations = await drain(handler, queue);
    assert.ok(continuations >= 2, `expected several continuations, got ${continuations}`);

    const stats = seg.stats();
    assert.equal(stats.uniqueMessageIds, ROWS);
    assert.equal(stats.accepted, ROWS);
    assert.equal(stats.dropped, 0);
    const report = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.finished], ['done', ROWS, ROWS, 0, true]);
    assert.equal(report.pieces, continuations + 1);
    assert.equal(report.delivery.events, ROWS);
    assert.equal(report.inputBytes, record.s3.object.size);
    // The parts are gone once the report is written.
    assert.deepEqual(await listed(`csv2segment-reports/${key}.parts/`), []);
    const statuses = logged().map((l) => l.status);
    assert.equal(statuses.filter((s) => s === 'continued').length, continuations);
    assert.equal(statuses.at(-1), 'done');
  });

  test('a continuation delivered twice, and a run killed before its hand-off: same ids, one report', async () => {
    const key = 'big/track_twice.csv';
    const record = await put(key, generateTrackCsv(ROWS));
    const queue = [];
    const handler = handlerWith(ON_BUDGET, queue);
    await handler({ Records: [record] }, context);
    assert.equal(queue.length, 1);
    // The first continuation dies after delivering its rows, before handing on ...
    const dying = handlerWith(ON_BUDGET, {
      push() {
        throw new Error('the invocation died');
      },
    });
    await assert.rejects(dying(queue[0], context), /died/);
    assert.ok(seg.stats().accepted > 0);
    // ... so Lambda retries it; and it delivers async invocations at least once: it comes twice.
    const retried = structuredClone(queue[0]);
    queue.push(structuredClone(queue[0]));
    await drain(handler, queue);
    const stats = seg.stats();
    assert.equal(stats.uniqueMessageIds, ROWS);
    assert.ok(stats.duplicates > 0, 'the repeated pieces sent some ids again');
    assert.equal(stats.accepted, ROWS + stats.duplicates);
    const report = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([report.status, report.rows, report.events], ['done', ROWS, ROWS]);

    // A late repeat that fails (Segment down) is retried, but leaves the finished report alone.
    seg.setFaults({ error500: 1 });
    const late = createHandler({
      env: { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: seg.url, ...ON_BUDGET },
      log: (line) => logs.push(line),
      sender: { retry: { ...FAST, maxAttempts: 2 } },
      invoke: async () => {},
    });
    await assert.rejects(late(retried, context), /still failing after 2 tries/);
    seg.setFaults({});
    assert.deepEqual(await getJson(`csv2segment-reports/${key}.report.json`), report);
  });

  test('shards of a hard file give exactly the ids and payloads of a sequential run, at any shard size', async () => {
    const text = hardFile(1500);
    const key = 'hard/track_hard.csv';
    const record = await put(key, text);
    // The sequential run: no way to hand on, so the file runs whole.
    await handlerWith()({ Records: [record] }, context);
    const sequential = eventsById(seg);
    const whole = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([whole.rows, whole.events, whole.rejected, sequential.size], [1500, 1484, 16, 1484]);

    for (const shardBytes of [2048, 9000, 65536]) {
      seg.reset();
      logs = [];
      const queue = [];
      const handler = handlerWith({ CSV2SEGMENT_SHARD_BYTES: String(shardBytes) }, queue);
      await handler({ Records: [record] }, context);
      const sharded = logged().find((l) => l.status === 'sharded');
      assert.equal(sharded.shards, queue.length);
      assert.ok(queue.length >= Math.floor(text.length / shardBytes / 2), `${queue.length} shards of ${shardBytes}`);
      await drain(handler, queue, { parallel: 3 });
      assert.deepEqual(eventsById(seg), sequential, `shard size ${shardBytes}`);
      assert.equal(seg.stats().accepted, 1484);
      const report = await getJson(`csv2segment-reports/${key}.report.json`);
      assert.deepEqual([report.rows, report.events, report.rejected, report.pieces], [whole.rows, whole.events, whole.rejected, sharded.shards]);
      assert.deepEqual([report.columns, report.rejections], [whole.columns, whole.rejections]);
    }
  });

  test('a mapping that skips a preamble: every shard reads past it, lines stay the file\'s, as one run', async () => {
    // GA4's export: a # block (with commas) and a blank line before a ;-separated header.
    const preamble = '# ----------------------------------------\n# Events, all users\n# Account: Demo, Shop\n# ----------------------------------------\n\n';
    const rows = Array.from({ length: 600 }, (_, i) => (i === 420 ? `u${i};;${i}` : `u${i};Event ${i % 7};${i}`));
    const text = `${preamble}userId;event;properties.n\n${rows.join('\n')}\n`;
    await put('ga4/csv2segment.json', JSON.stringify({ files: [{ match: '*.csv', call: 'track', skip: 4 }] }));
    const key = 'ga4/events_export.csv';
    const record = await put(key, text);
    await handlerWith()({ Records: [record] }, context);
    const sequential = eventsById(seg);
    const whole = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([whole.rows, whole.events, whole.rejected, sequential.size], [600, 599, 1, 599]);
    // The preamble is 5 lines, the header line 6: the row at index 420 is on line 427.
    assert.deepEqual(whole.rejections.map((r) => [r.line, r.column, r.reason]), [[427, 2, 'event is empty; every track call needs one']]);

    seg.reset();
    logs = [];
    const queue = [];
    const handler = handlerWith({ CSV2SEGMENT_SHARD_BYTES: '2048' }, queue);
    await handler({ Records: [record] }, context);
    const sharded = logged().find((l) => l.status === 'sharded');
    assert.ok(sharded.shards >= 4, `${sharded.shards} shards`);
    await drain(handler, queue, { parallel: 3 });
    assert.deepEqual(eventsById(seg), sequential);
    const report = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([report.rows, report.events, report.rejected, report.pieces], [600, 599, 1, sharded.shards]);
    assert.deepEqual([report.columns, report.rejections], [whole.columns, whole.rejections]);
  });

  test('a gzip file is never sharded; its continuations read from the start and skip', async () => {
    const key = 'gz/track_gz.csv.gz';
    const record = await put(key, gzipSync(generateTrackCsv(ROWS)));
    const queue = [];
    const handler = handlerWith({ ...ON_BUDGET, CSV2SEGMENT_SHARD_BYTES: '65536' }, queue);
    await handler({ Records: [record] }, context);
    assert.equal(logged().some((l) => l.status === 'sharded'), false);
    const continuations = await drain(handler, queue);
    assert.ok(continuations >= 1);
    assert.equal(queue.length, 0);
    for (const l of logged().filter((x) => x.status === 'continued')) assert.equal(l.shard, undefined);
    const stats = seg.stats();
    assert.deepEqual([stats.uniqueMessageIds, stats.accepted], [ROWS, ROWS]);
    const report = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([report.rows, report.pieces], [ROWS, continuations + 1]);
  });

  test('by default a piece is an async invocation of the function itself (Lambda Invoke, Event)', async () => {
    // The Lambda API's Invoke, as the SDK sends it, answered as Lambda answers an async call.
    const invocations = [];
    const lambdaApi = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        invocations.push({ method: req.method, url: req.url, type: req.headers['x-amz-invocation-type'], body: JSON.parse(body) });
        res.writeHead(202).end();
      });
    });
    await new Promise((resolve) => lambdaApi.listen(0, '127.0.0.1', resolve));
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:csv2segment';
    try {
      const key = 'self/track_self.csv';
      const record = await put(key, generateTrackCsv(20_000));
      // The SDK's Lambda client finds the endpoint the standard way, in the process's environment.
      process.env.AWS_ENDPOINT_URL_LAMBDA = `http://127.0.0.1:${lambdaApi.address().port}`;
      const handler = handlerWith({ MAX_RUN_SECONDS: '0.001' });
      const invoked = { ...context, invokedFunctionArn: arn };
      await handler({ Records: [record] }, invoked);
      assert.equal(invocations.length, 1);
      const [call] = invocations;
      assert.deepEqual([call.method, call.url, call.type], ['POST', `/2015-03-31/functions/${encodeURIComponent(arn)}/invocations`, 'Event']);
      assert.equal(call.body.csv2segment.key, key);
      // Lambda then runs the function with that payload as its event: the rest of the file.
      for (let i = 0; i < invocations.length; i++) await handler(invocations[i].body, invoked);
      const report = await getJson(`csv2segment-reports/${key}.report.json`);
      assert.deepEqual([report.rows, report.pieces], [20_000, invocations.length + 1]);
      assert.equal(seg.stats().uniqueMessageIds, 20_000);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_LAMBDA;
      await new Promise((resolve) => lambdaApi.close(resolve));
    }
  });

  test('through a real SQS queue: S3 notification in SQS, shards and continuations as SQS messages', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'csv2segment-pieces' }));
    const key = 'sqs/track_sqs.csv';
    const record = await put(key, generateTrackCsv(60_000));
    const handler = handlerWith({ CSV2SEGMENT_QUEUE_URL: QueueUrl, MAX_RUN_SECONDS: '0.001', CSV2SEGMENT_SHARD_BYTES: String(3 * 1024 * 1024) });
    const sqsRecord = (m) => ({ messageId: m.MessageId, receiptHandle: m.ReceiptHandle, body: m.Body, eventSource: 'aws:sqs', awsRegion: 'us-east-1' });

    // S3 → SQS: the notification arrives as a message body.
    const first = await handler({ Records: [{ messageId: 'n-1', receiptHandle: 'r', body: JSON.stringify({ Records: [record] }), eventSource: 'aws:sqs' }] }, context);
    assert.deepEqual(first, { batchItemFailures: [] });
    let messages = 0;
    for (let idle = 0; idle < 2; ) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 3, WaitTimeSeconds: 0 }));
      if (Messages.length === 0) {
        idle += 1;
        continue;
      }
      idle = 0;
      messages += Messages.length;
      // The event source mapping: one batch per poll, failed ones stay on the queue.
      const { batchItemFailures } = await handler({ Records: Messages.map(sqsRecord) }, context);
      const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
      for (const m of Messages) if (!failed.has(m.MessageId)) await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
    // On so small a budget the splitting pass itself stops after each shard and goes on in
    // the next invocation: the passes cover the file one after the other.
    const passes = logged().filter((l) => l.status === 'sharded');
    assert.ok(passes.length >= 2, `${passes.length} splitting passes`);
    for (let i = 1; i < passes.length; i++) assert.equal(passes[i].from, passes[i - 1].next);
    assert.equal(passes.at(-1).total, passes.reduce((n, p) => n + p.shards, 0));
    const shards = passes.at(-1).total;
    assert.ok(shards >= 2);
    assert.ok(messages > shards + passes.length - 1, `continuations as well as shards (${messages} messages)`);
    const stats = seg.stats();
    assert.deepEqual([stats.uniqueMessageIds, stats.accepted, stats.dropped], [60_000, 60_000, 0]);
    const report = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([report.status, report.rows, report.events], ['done', 60_000, 60_000]);
    // Every message but the splitting passes' is a piece of the report.
    assert.equal(report.pieces, messages - (passes.length - 1));
    assert.equal(JSON.stringify(logs).includes(WRITE_KEY), false);
  });

  /** An S3 client of the handler's whose PutObject fails (before it is sent) when `fails(input)` says so. */
  function failingPuts(fails) {
    const c = s3.client();
    c.middlewareStack.add(
      (next, ctx) => async (args) => {
        if (ctx.commandName === 'PutObjectCommand' && fails(args.input)) throw new Error('injected: the bucket refused the write');
        return next(args);
      },
      { step: 'initialize', name: 'failPuts' },
    );
    return c;
  }

  test('a report that cannot be written whole: logged, the counts written, the rows not sent again', async () => {
    const key = 'fragile/track_report.csv';
    const record = await put(key, 'userId,event\n1,Paid\n,Paid\n3,Paid\n');
    const handler = createHandler({
      env: { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url },
      s3: failingPuts((input) => input.Key.endsWith('.report.json') && String(input.Body).includes('"rejections"')),
      log: (line) => logs.push(line),
      sender: { retry: FAST },
    });
    assert.deepEqual(await handler({ Records: [record] }, context), { processed: 1 });
    assert.equal(seg.stats().accepted, 2);
    const report = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.rejections, report.delivery.events], ['done', 3, 2, 1, undefined, 2]);
    assert.equal(report.reportError, 'the full report could not be written: injected: the bucket refused the write');
    const failed = logged().find((l) => l.status === 'report-failed');
    assert.deepEqual([failed.level, failed.report, failed.error], ['error', `csv2segment-reports/${key}.report.json`, 'injected: the bucket refused the write']);
    assert.equal(logged().at(-1).status, 'done');
  });

  test('a piece whose part cannot be stored writes its failed report; its retry completes the file', async () => {
    const key = 'fragile/track_part.csv';
    let text = 'userId,event,properties.n\n';
    for (let i = 0; i < 60; i += 1) text += `user${i},Order Placed,${'x'.repeat(40)}${i}\n`;
    const record = await put(key, text);
    const queue = [];
    const env = { CSV2SEGMENT_SHARD_BYTES: '1024' };
    await handlerWith(env, queue)({ Records: [record] }, context);
    assert.ok(queue.length >= 3, `${queue.length} shards`);
    let refused = 0;
    const fragile = createHandler({
      env: { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url, ...env },
      s3: failingPuts((input) => input.Key.includes('.parts/') && refused++ === 0),
      log: (line) => logs.push(line),
      sender: { retry: FAST },
      invoke: async (message) => void queue.push(structuredClone(message)),
    });
    const first = queue.shift();
    await assert.rejects(fragile(first, context), /injected: the bucket refused the write/);
    const failed = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([failed.status, failed.error, failed.delivery.events], ['failed', 'injected: the bucket refused the write', seg.stats().accepted]);
    // Lambda retries the failed invocation.
    queue.push(first);
    await drain(handlerWith(env, queue), queue);
    const stats = seg.stats();
    assert.equal(stats.uniqueMessageIds, 60);
    const report = await getJson(`csv2segment-reports/${key}.report.json`);
    assert.deepEqual([report.status, report.rows, report.events], ['done', 60, 60]);
  });
});
