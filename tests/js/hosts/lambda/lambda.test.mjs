// The Lambda handler against real parts: moto's S3 server read by the real AWS SDK, and the
// strict local Segment server. Events are shaped as S3 sends them.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { before, beforeEach, describe, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { generateTrackCsv } from '../../../../bench/generate.mjs';
import { pinOf } from '../../../../js/core/pinned-mapping.mjs';
import { createHandler, decodeS3Key } from '../../../../js/hosts/lambda/index.mjs';
import { LAMBDA_CONTEXT, s3EventKey, s3Record as s3RecordIn, useLambdaStack } from '../../../support/lambda-stack.mjs';

const WRITE_KEY = 'wk_lambda_secret_9f8e7d';
const BUCKET = 'csv-drop';
// Many tries: the fault tests check that every row arrives, not where the retries stop.
const FAST = { baseMs: 5, maxMs: 50, maxAttempts: 25 };
const LIBRARY = { name: 'csv2segment', version: '0.1.0' };
const sample = (name) => readFile(new URL(`../../../../samples/${name}`, import.meta.url));
const context = LAMBDA_CONTEXT;

/** An S3 event record for `key` in the suite's bucket (or `bucket`). */
const s3Record = (key, eTag, { bucket = BUCKET, ...object } = {}) => s3RecordIn(bucket, key, { eTag, ...object });

describe('decodeS3Key', () => {
  test('+ is a space, %2B a plus, percent-encoded UTF-8 decoded', () => {
    assert.equal(decodeS3Key('uploads/track+q1%2Bq2+%C3%A9.csv'), 'uploads/track q1+q2 é.csv');
    assert.equal(decodeS3Key(s3EventKey('a b/c+d (1)/é.csv')), 'a b/c+d (1)/é.csv');
  });
});

describe('Lambda handler', () => {
  const stack = useLambdaStack({ bucket: BUCKET, writeKey: WRITE_KEY, seed: 3 });
  let seg;
  let client;
  let logs;
  before(() => ({ seg, client } = stack));
  beforeEach(() => {
    seg.reset();
    seg.setFaults({});
    logs = [];
  });

  const handlerWith = (env = {}, sender = { retry: FAST }) =>
    createHandler({
      env: { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url, ...env },
      log: (line) => logs.push(line),
      sender,
    });

  async function put(key, body) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return s3Record(key, head.ETag.replaceAll('"', ''), { size: head.ContentLength });
  }

  async function getText(key) {
    const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return res.Body.transformToString();
  }

  async function exists(key) {
    const res = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
    return (res.Contents ?? []).some((o) => o.Key === key);
  }

  const withoutIds = (events) => events.map(({ messageId, ...rest }) => (assert.match(messageId, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/), rest));
  const logged = () => logs.map((l) => JSON.parse(l));

  test('both samples in one event: every row, exactly as expected, and a report beside each', async () => {
    const event = { Records: [await put('incoming/identify_1.csv', await sample('identify_1.csv')), await put('incoming/track_1.csv', await sample('track_1.csv'))] };
    assert.deepEqual(await handlerWith()(event, context), { processed: 2 });

    const names = ['Tyler Ortiz', 'Jacob Johnson', 'Ally Sweeney', 'Jasmin Christian'];
    const plans = ['bronze', 'silver', 'gold', 'platinum'];
    const sources = ['Facebook', 'Twitter', 'Instagram', 'Pinterest'];
    const identifies = names.map((name, i) => ({
      type: 'identify',
      userId: String(i + 1),
      traits: { name, plan: plans[i], accountType: sources[i] },
      context: { library: LIBRARY },
    }));
    const tracks = names.map((name, i) => ({
      type: 'track',
      userId: String(i + 1),
      event: 'test event',
      properties: { name, plan: plans[i], accountType: sources[i] },
      context: { device: { id: String(i + 1) }, library: LIBRARY },
      timestamp: `2019-05-1${i + 1}T20:32:27.940Z`,
    }));
    assert.deepEqual(withoutIds(seg.events), [...identifies, ...tracks]);
    assert.equal(seg.stats().uniqueMessageIds, 8);
    assert.equal(seg.stats().requests, 2);

    const report = JSON.parse(await getText('csv2segment-reports/incoming/track_1.csv.report.json'));
    assert.equal(report.status, 'done');
    assert.deepEqual([report.rows, report.events, report.rejected, report.delivery.events, report.delivery.requests], [4, 4, 0, 4, 1]);
    assert.equal(report.source.key, 'incoming/track_1.csv');
    assert.equal(report.file.kind, 'track');
    assert.equal(await exists('csv2segment-reports/incoming/track_1.csv.rejected.csv'), false);
    const lines = logged();
    assert.deepEqual(
      lines.map((l) => [l.level, l.key, l.status, l.rows, l.events, l.rejected, l.delivered, l.requests]),
      [
        ['info', 'incoming/identify_1.csv', 'done', 4, 4, 0, 4, 1],
        ['info', 'incoming/track_1.csv', 'done', 4, 4, 0, 4, 1],
      ],
    );
  });

  test('200,000 rows arrive whole, each messageId once; the same event again sends the same ids', async () => {
    const record = await put('big/track_bench 200k.csv', generateTrackCsv(200_000));
    const handler = handlerWith();
    await handler({ Records: [record] }, context);
    let stats = seg.stats();
    assert.equal(stats.accepted, 200_000);
    assert.equal(stats.uniqueMessageIds, 200_000);
    assert.equal(stats.dropped, 0);
    const firstIds = new Set(seg.messageIds.keys());

    // S3 delivers at least once: a redelivered event is harmless.
    await handler({ Records: [record] }, context);
    stats = seg.stats();
    assert.equal(stats.accepted, 400_000);
    assert.equal(stats.uniqueMessageIds, 200_000);
    assert.equal(stats.duplicates, 200_000);
    assert.deepEqual(new Set(seg.messageIds.keys()), firstIds);
    const report = JSON.parse(await getText('csv2segment-reports/big/track_bench 200k.csv.report.json'));
    assert.deepEqual([report.rows, report.events, report.delivery.events], [200_000, 200_000, 200_000]);
  });

  test('20% 500s, 10% 429s, 5% dropped connections: every row still delivered, none lost', async () => {
    seg.setFaults({ error500: 0.2, rateLimit429: 0.1, drop: 0.05, retryAfter: 0 });
    const record = await put('faults/track_faults.csv', generateTrackCsv(30_000));
    await handlerWith({}, { retry: FAST, concurrency: 4 })({ Records: [record] }, context);
    const stats = seg.stats();
    assert.ok(stats.faults[500] > 0 && stats.faults[429] > 0 && stats.faults.drop > 0, JSON.stringify(stats.faults));
    assert.equal(stats.uniqueMessageIds, 30_000);
    const [line] = logged();
    assert.equal(line.delivered, 30_000);
    assert.ok(line.retries > 0);
  });

  test('bad rows: delivered rows go, the rest are in the report and the rejects CSV with their reasons', async () => {
    const csv = 'userId,event,properties.amount:number,timestamp\n1,Paid,10.5,2024-01-02T03:04:05Z\n,Paid,3,2024-01-02\n3,Paid,ten,2024-01-02\n4,Paid,4,\n';
    await handlerWith()({ Records: [await put('track_payments.csv', csv)] }, context);
    assert.deepEqual(
      withoutIds(seg.events).map((e) => [e.userId, e.properties.amount]),
      [['1', 10.5], ['4', 4]],
    );
    const report = JSON.parse(await getText('csv2segment-reports/track_payments.csv.report.json'));
    assert.deepEqual([report.rows, report.events, report.rejected], [4, 2, 2]);
    assert.deepEqual(
      report.rejections.map((r) => r.message),
      [
        'line 3, column 1 (userId): userId and anonymousId are both empty; fill in at least one',
        "line 4, column 3 (properties.amount:number): 'ten' is not a number; write it like 1234.5",
      ],
    );
    assert.equal(
      await getText('csv2segment-reports/track_payments.csv.rejected.csv'),
      'userId,event,properties.amount:number,timestamp,csv2segment_error\n' +
        ',Paid,3,2024-01-02,"line 3, column 1 (userId): userId and anonymousId are both empty; fill in at least one"\n' +
        "3,Paid,ten,2024-01-02,\"line 4, column 3 (properties.amount:number): 'ten' is not a number; write it like 1234.5\"\n",
    );
    assert.equal(logged()[0].level, 'warn');
  });

  test('an unknown file name: a report saying why, nothing sent, the invocation succeeds', async () => {
    const record = await put('exports/users 2024.csv', 'userId,traits.plan\n1,pro\n');
    assert.deepEqual(await handlerWith()({ Records: [record] }, context), { processed: 1 });
    assert.equal(seg.stats().requests, 0);
    const report = JSON.parse(await getText('csv2segment-reports/exports/users 2024.csv.report.json'));
    assert.equal(report.status, 'unprocessable');
    assert.equal(
      report.error,
      'users 2024.csv: the file name does not say which call to make; start it with identify_, track_, page_, screen_, group_, alias_ or object_<collection>_ (for example track_2024-05.csv)',
    );
    assert.equal(logged()[0].status, 'unprocessable');
  });

  test('a header error: a report with every header problem, nothing sent, the invocation succeeds', async () => {
    const record = await put('track_bad_header.csv', 'userId,event,properties..plan,event\n1,a,b,c\n');
    await handlerWith()({ Records: [record] }, context);
    assert.equal(seg.stats().requests, 0);
    const report = JSON.parse(await getText('csv2segment-reports/track_bad_header.csv.report.json'));
    assert.equal(report.status, 'unprocessable');
    assert.deepEqual(report.headerErrors.map((e) => e.column), [3, 4]);
  });

  test('keys with spaces, + and non-ASCII; gzip objects; reports and deletes are skipped', async () => {
    const csv = (await sample('track_1.csv')).toString();
    const plain = await put('in/track_q1 + q2 é.csv', csv);
    const gz = await put('in/track_zipped.csv.gz', gzipSync(csv));
    const ownReport = s3Record('csv2segment-reports/in/track_1.csv.report.json', 'x');
    const removed = s3Record('in/track_gone.csv', 'x', { eventName: 'ObjectRemoved:Delete' });
    assert.deepEqual(await handlerWith()({ Records: [plain, ownReport, gz, removed] }, context), { processed: 2 });
    assert.equal(seg.stats().uniqueMessageIds, 8);
    assert.deepEqual(
      logged().map((l) => [l.key, l.status]),
      [
        ['in/track_q1 + q2 é.csv', 'done'],
        ['csv2segment-reports/in/track_1.csv.report.json', 'skipped'],
        ['in/track_zipped.csv.gz', 'done'],
        ['in/track_gone.csv', 'skipped'],
      ],
    );
    assert.ok(await exists('csv2segment-reports/in/track_q1 + q2 é.csv.report.json'));
  });

  test('an object replaced after its event is skipped: its own event will carry the new version', async () => {
    const record = await put('track_replaced.csv', 'userId,event\n1,a\n');
    await put('track_replaced.csv', 'userId,event\n1,a\n2,b\n');
    await handlerWith()({ Records: [record] }, context);
    assert.equal(seg.stats().requests, 0);
    assert.match(logged()[0].reason, /^the object changed after this event/);
  });

  test('delivery that outlasts its retries fails the invocation, so Lambda retries it', async () => {
    seg.setFaults({ error500: 1 });
    const record = await put('track_down.csv', 'userId,event\n1,a\n');
    await assert.rejects(handlerWith({}, { retry: { ...FAST, maxAttempts: 2 } })({ Records: [record] }, context), {
      message: 'csv2segment: 1 object(s) not fully delivered, to be retried: track_down.csv: line 2: still failing after 2 tries, last: HTTP 500 {"success":false,"error":"internal server error (injected fault)"}',
    });
    const report = JSON.parse(await getText('csv2segment-reports/track_down.csv.report.json'));
    assert.equal(report.status, 'failed');
  });

  test('tasks and S3 records through SQS are checked before anything is read', async () => {
    const key = 'incoming/track_guarded.csv';
    const text = 'userId,event\n1,Paid\n2,Paid\n';
    const record = await put(key, text);
    assert.deepEqual(await handlerWith()({ Records: [record] }, context), { processed: 1 });
    const finished = await getText(`csv2segment-reports/${key}.report.json`);
    await client.send(new CreateBucketCommand({ Bucket: 'someone-elses' }));
    await client.send(new PutObjectCommand({ Bucket: 'someone-elses', Key: key, Body: text }));
    seg.reset();
    logs = [];
    const { eTag, size } = record.s3.object;
    // The run the record started pinned its mapping (none) under its event's pin.
    const pin = await pinOf(record.s3.object.sequencer);
    const task = (fields) => ({
      csv2segment: { v: 2, bucket: BUCKET, origin: BUCKET, key, eTag, size, start: { offset: 20, line: 3 }, end: null, header: 'userId,event', run: '0e5f4cf2-4c1f-4b8e-9a57-2f0d7c3f4a10', shard: null, pin, mapping: null, ...fields },
    });
    const reportKey = `csv2segment-reports/${key}.report.json`;
    const cases = [
      // A forged task naming another bucket, with that bucket as its origin: CSV2SEGMENT_BUCKETS decides.
      [{ bucket: 'someone-elses', origin: 'someone-elses' }, { CSV2SEGMENT_BUCKETS: BUCKET }, 'the task names bucket someone-elses, which is not among the buckets allowed (csv-drop; CSV2SEGMENT_BUCKETS)'],
      // Without the setting, the bucket the run started from.
      [{ bucket: 'someone-elses' }, {}, 'the task names bucket someone-elses, which is not among the buckets allowed (csv-drop; CSV2SEGMENT_BUCKETS)'],
      [{ key: reportKey }, {}, `the task names ${reportKey}, a key under the report prefix csv2segment-reports/`],
      [{ header: 'userId,event,properties.forged' }, {}, "the task's header is not the object's first record"],
      [{ start: { offset: 999, line: 9 } }, {}, "the task's range 999-end is not within the object's 27 bytes"],
      // The mapping: by reference to the run's pin, never a text, never another mapping.
      [{ mapping: { key: 'csv2segment.json', eTag: null, text: '{"files":[]}' } }, {}, "the message's csv2segment task carries a mapping text: a task names its run's mapping by reference (key, eTag, sha256), never its text"],
      [{ mapping: { key: 'csv2segment.json', eTag: null, sha256: 'a'.repeat(64) } }, {}, `the task names the mapping csv2segment.json (eTag none, SHA-256 ${'a'.repeat(64)}), but its run pinned none`],
      [{ pin: 'b'.repeat(64) }, {}, 'the task names a run that has no pinned mapping (no pin at its key): it is not a piece of a run of this object'],
      // A task of the release before, which carried the text.
      [{ v: 1 }, {}, "the message's csv2segment task is of version 1, which carried its mapping's text: a release before this one wrote it; send the file again (upload it anew)"],
      // Not well formed: which field says so.
      [{ run: '../../x' }, {}, "the message's csv2segment task is not well formed (run)"],
      [{ end: 10 }, {}, "the message's csv2segment task is not well formed (end)"],
      [{ eTag: 'x"y' }, {}, "the message's csv2segment task is not well formed (eTag)"],
      [{ start: { offset: 5, line: 0 } }, {}, "the message's csv2segment task is not well formed (start)"],
    ];
    for (const [fields, env, error] of cases) {
      logs = [];
      assert.deepEqual(await handlerWith(env)(task(fields), context), { processed: 0, refused: 1 });
      assert.deepEqual(logged().map((l) => [l.level, l.status, l.error]), [['error', 'refused', `a task refused: ${error}`]]);
    }
    assert.equal(seg.stats().requests, 0);
    assert.equal(await getText(reportKey), finished);
    assert.equal(await exists(`csv2segment-reports/${key}.parts/`), false);

    // An S3 record through SQS from a bucket not on the list: not read, and the message comes back.
    logs = [];
    const foreign = { ...record, s3: { ...record.s3, bucket: { name: 'someone-elses' } } };
    const sqs = { Records: [{ eventSource: 'aws:sqs', messageId: 'm-1', body: JSON.stringify({ Records: [foreign] }) }] };
    assert.deepEqual(await handlerWith({ CSV2SEGMENT_BUCKETS: BUCKET })(sqs, context), { batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    assert.deepEqual(logged()[0], { source: 'csv2segment', level: 'error', bucket: 'someone-elses', key, status: 'refused', error: 'bucket someone-elses is not among CSV2SEGMENT_BUCKETS (csv-drop)' });
    assert.equal(seg.stats().requests, 0);

    // The right task is run: the rest of the file.
    logs = [];
    assert.deepEqual(await handlerWith({ CSV2SEGMENT_BUCKETS: `other,${BUCKET}` })(task({}), context), { processed: 1 });
    assert.deepEqual(seg.events.map((e) => e.userId), ['2']);
  });

  test('a missing write key is a clear error at the first invocation', async () => {
    const handler = createHandler({ env: { SEGMENT_ENDPOINT: seg.url }, log: (l) => logs.push(l) });
    await assert.rejects(handler({ Records: [] }, context), {
      name: 'Csv2SegmentConfigError',
      message: 'SEGMENT_WRITE_KEY is not set: set it to the write key of the Segment source the rows should go to',
    });
  });

  test('the write key appears in no log line and no report, even when it is refused', async () => {
    const record = await put('track_key.csv', 'userId,event\n1,a\n');
    await handlerWith()({ Records: [record] }, context);
    const wrong = 'wk_refused_secret_1234';
    await assert.rejects(handlerWith({ SEGMENT_WRITE_KEY: wrong })({ Records: [record] }, context), /the write key was refused/);
    const texts = [...logs, await getText('csv2segment-reports/track_key.csv.report.json')];
    for (const secret of [WRITE_KEY, wrong, Buffer.from(`${wrong}:`).toString('base64')]) {
      assert.ok(!texts.some((t) => t.includes(secret)), `${secret} leaked`);
    }
    assert.equal(logs.length, 2);
  });

  test('an answer that echoes the credential, cut in its middle: no piece of it in the report or the log', async () => {
    const credential = Buffer.from(`${WRITE_KEY}:`).toString('base64');
    // The credential (32 characters) starts at 262 + 21: the answer is cut at 300, in its middle.
    seg.setFaults({ echoAuth: 262 });
    const record = await put('track_echo.csv', 'userId,event\n1,a\n');
    assert.deepEqual(await handlerWith()({ Records: [record] }, context), { processed: 1 });
    const report = await getText('csv2segment-reports/track_echo.csv.report.json');
    assert.equal(JSON.parse(report).delivery.failedBatches[0].answer, `${'.'.repeat(262)}Authorization: Basic <write key> was refused`.slice(0, 300));
    for (let i = 0; i + 4 <= credential.length; i += 1) {
      const piece = credential.slice(i, i + 4);
      assert.ok(![report, ...logs].some((t) => t.includes(piece)), `${piece} of the credential is kept`);
    }
  });
});
