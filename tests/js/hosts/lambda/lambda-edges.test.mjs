// Edges of the Lambda's promises, against moto's S3 server and the strict local Segment server:
// .gz objects cut short, not gzip, or of several members; a .gz file and Windows-1252 and UTF-16
// files run in pieces (a budget and a pace), equal to a single run to the event; the CLI's
// `--source-id s3://BUCKET/KEY#ETAG` giving exactly the ids the Lambda sent; and the objects of a
// versioned bucket, each version read as its event names it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, beforeEach, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readConfig } from '../../../../js/core/config.mjs';
import { loadEngine } from '../../../../js/core/engine.mjs';
import { withMapping } from '../../../../js/core/mapping.mjs';
import { createHandler, s3Identity } from '../../../../js/hosts/lambda/index.mjs';
import { eventsById, hardFile, singleRunEvents } from '../../../support/pieces.mjs';
import { LAMBDA_CONTEXT, s3Record, useLambdaStack } from '../../../support/lambda-stack.mjs';
import { runCli } from '../../../support/run.mjs';

const WRITE_KEY = 'wk_lambda_edges_secret_2f7a';
const BUCKET = 'csv-edges';
const VERSIONED = 'csv-edges-versioned';
const FAST = { baseMs: 5, maxMs: 50, maxAttempts: 25 };
const context = LAMBDA_CONTEXT;
/** A piece stops taking rows after 0.3 s, delivery paced at 50,000 events a second (lambda-pieces.test.mjs). */
const ON_BUDGET = { MAX_RUN_SECONDS: '0.3', SEGMENT_MAX_EVENTS_PER_SECOND: '50000' };

/** `rows` track rows of users `${prefix}0`, `${prefix}1`, … */
const trackCsv = (prefix, rows) => `userId,event\n${Array.from({ length: rows }, (_, i) => `${prefix}${i},Paid\n`).join('')}`;

/** hardFile's rows with only Windows-1252's characters (no emoji), in Windows-1252. */
const windows1252 = (rows) => Buffer.from(hardFile(rows).replaceAll('😀', 'ß').replaceAll('€', '\x80'), 'latin1');

describe('Lambda edges', () => {
  const stack = useLambdaStack({ bucket: BUCKET, writeKey: WRITE_KEY, seed: 5 });
  let seg;
  let client;
  let logs;
  let engine;

  before(async () => {
    ({ seg, client } = stack);
    engine = await loadEngine();
    await client.send(new CreateBucketCommand({ Bucket: VERSIONED }));
    await client.send(new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Enabled' } }));
  });
  beforeEach(() => {
    seg.reset();
    logs = [];
  });

  const env = (extra = {}) => ({ ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url, ...extra });
  /** A handler whose hand-offs go to `queue` (an array drained by `drain`), if given. */
  const handlerWith = (extra = {}, queue) =>
    createHandler({
      env: env(extra),
      log: (line) => logs.push(JSON.parse(line)),
      sender: { retry: FAST },
      ...(queue ? { invoke: async (message) => void queue.push(structuredClone(message)) } : {}),
    });
  async function drain(handler, queue) {
    let ran = 0;
    for (let m = queue.shift(); m; m = queue.shift(), ran += 1) await handler(m, context);
    return ran;
  }
  async function put(key, body, bucket = BUCKET) {
    const res = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(res.VersionId ? { VersionId: res.VersionId } : {}) }));
    return { eTag: head.ETag.replaceAll('"', ''), size: head.ContentLength, versionId: res.VersionId };
  }
  const reportOf = async (key, bucket = BUCKET) =>
    JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: `csv2segment-reports/${key}.report.json` }))).Body.transformToString());
  const options = (mapping = null) => withMapping(readConfig(env()).engineOptions, mapping);

  test('a .gz object cut short, or not gzip: a report that says so, and the invocation succeeds (no retry)', async () => {
    const text = trackCsv('cut', 20_000);
    const full = gzipSync(text);
    const cut = await put('gz/track_cut.csv.gz', full.subarray(0, full.length >> 1));
    const fake = await put('gz/track_fake.csv.gz', text);
    const handler = handlerWith();
    // Both records of one event: it resolves, so Lambda does not retry it.
    assert.deepEqual(
      await handler({ Records: [s3Record(BUCKET, 'gz/track_cut.csv.gz', cut), s3Record(BUCKET, 'gz/track_fake.csv.gz', fake)] }, context),
      { processed: 2 },
    );
    const cutReport = await reportOf('gz/track_cut.csv.gz');
    assert.equal(cutReport.status, 'unprocessable');
    const [, decompressed, read] = /^gz\/track_cut\.csv\.gz: the gzip data ends early, after (\d+) decompressed bytes: the file was cut short; the rows before it were read \((\d+)\), none after: compress the file again and upload it whole$/.exec(cutReport.error) ?? assert.fail(cutReport.error);
    const rows = Number(read);
    assert.ok(rows > 0 && rows < 20_000 && Number(decompressed) < text.length, cutReport.error);
    assert.deepEqual([cutReport.rows, cutReport.events, cutReport.delivery.events], [rows, rows, rows]);
    // (Requests in flight at once arrive in any order.)
    assert.deepEqual(seg.events.map((e) => e.userId).sort(), Array.from({ length: rows }, (_, i) => `cut${i}`).sort());
    const fakeReport = await reportOf('gz/track_fake.csv.gz');
    assert.deepEqual([fakeReport.status, fakeReport.error], [
      'unprocessable',
      'gz/track_fake.csv.gz: the gzip data is corrupt after 0 decompressed bytes (incorrect header check); the rows before it were read (0), none after: compress the file again and upload it whole',
    ]);
    assert.deepEqual(logs.map((l) => [l.key, l.status]), [['gz/track_cut.csv.gz', 'unprocessable'], ['gz/track_fake.csv.gz', 'unprocessable']]);
  });

  test("a .gz object of several gzip members: every member's rows", async () => {
    const members = Buffer.concat([gzipSync('userId,event\nm0,Paid\n'), gzipSync('m1,Paid\nm2,'), gzipSync(''), gzipSync('Paid\nm3,Paid\n')]);
    const object = await put('gz/track_members.csv.gz', members);
    assert.deepEqual(await handlerWith()({ Records: [s3Record(BUCKET, 'gz/track_members.csv.gz', object)] }, context), { processed: 1 });
    const report = await reportOf('gz/track_members.csv.gz');
    assert.deepEqual([report.status, report.rows, report.events, report.delivery.events], ['done', 4, 4, 4]);
    assert.deepEqual(seg.events.map((e) => e.userId), ['m0', 'm1', 'm2', 'm3']);
  });

  /** Runs `key` (its bytes `bytes`, stored as `stored`) in pieces; checks it equals a single run. */
  async function inPiecesEqualsSingleRun(key, bytes, stored, mapping = null) {
    const object = await put(key, stored);
    const queue = [];
    const handler = handlerWith(ON_BUDGET, queue);
    await handler({ Records: [s3Record(BUCKET, key, object)] }, context);
    const continuations = await drain(handler, queue);
    // At 50,000 events a second, 30,000 rows take 0.6 s: two budgets of 0.3 s at least.
    assert.ok(continuations >= 1, `${key}: ${continuations} continuations`);
    const report = await reportOf(key);
    assert.deepEqual([report.status, report.pieces], ['done', continuations + 1]);
    const single = singleRunEvents(engine, { key, identity: s3Identity(BUCKET, key, object.eTag), bytes, options: options(mapping) });
    assert.ok(single.byId.size > 29_000, `${single.byId.size} events`);
    assert.deepEqual(eventsById(seg), single.byId, key);
    assert.deepEqual([report.rows, report.events, report.rejected, report.rejections], [single.report.rows, single.report.events, single.report.rejected, single.report.rejections]);
    assert.equal(seg.stats().accepted, single.byId.size, 'each event sent once');
  }

  test('a .gz file in pieces, on a budget and paced: exactly the events and ids of a single run', async () => {
    const bytes = Buffer.from(hardFile(30_000));
    await inPiecesEqualsSingleRun('gz/track_hard.csv.gz', bytes, gzipSync(bytes));
  });

  test('a Windows-1252 file (by its mapping) in pieces: exactly the events and ids of a single run', async () => {
    const text = JSON.stringify({ files: [{ match: '*.csv', encoding: 'windows-1252' }] });
    const mapping = await put('latin/csv2segment.json', text);
    const bytes = windows1252(30_000);
    await inPiecesEqualsSingleRun('latin/track_w1252.csv', bytes, bytes, { key: 'latin/csv2segment.json', text, eTag: mapping.eTag });
    assert.ok(seg.events.some((e) => e.properties.note === '€1ß,é'), 'the text decoded from Windows-1252');
  });

  test('a UTF-16 file (its byte order mark) in pieces: exactly the events and ids of a single run', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(hardFile(30_000), 'utf16le')]);
    await inPiecesEqualsSingleRun('utf16/track_u16.csv', bytes, bytes);
    assert.ok(seg.events.some((e) => e.properties.note === '€1😀,é'), 'the text decoded from UTF-16');
  });

  /** Runs the CLI with `args`, with the write key; resolves to { code, stdout, stderr }. */
  const cli = (args) => runCli(args, { env: { SEGMENT_WRITE_KEY: WRITE_KEY } });


  test("the CLI's --source-id s3://BUCKET/KEY#ETAG sends exactly the ids and events the Lambda sent for that object", async () => {
    const key = 'drop/track_same.csv';
    const bytes = Buffer.from(hardFile(3000));
    const object = await put(key, bytes);
    await handlerWith()({ Records: [s3Record(BUCKET, key, object)] }, context);
    const byLambda = eventsById(seg);
    assert.ok(byLambda.size > 2900, `${byLambda.size} events`);
    seg.reset();
    const dir = await mkdtemp(path.join(tmpdir(), 'csv2segment-edges-'));
    try {
      const file = path.join(dir, 'track_same.csv');
      await writeFile(file, bytes);
      const r = await cli(['send', file, '--source-id', `s3://${BUCKET}/${key}#${object.eTag}`, '--endpoint', seg.url, '--objects-endpoint', seg.url]);
      assert.equal(r.code, 1, r.stderr); // 1: the file has rejected rows (every 97th has no userId)
      assert.deepEqual(eventsById(seg), byLambda);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a versioned bucket: each version's event reads that version, its ids those of its own eTag", async () => {
    const key = 'v/track_versions.csv';
    const first = await put(key, trackCsv('v1-', 3), VERSIONED);
    const second = await put(key, trackCsv('v2-', 2), VERSIONED);
    assert.ok(first.versionId && second.versionId && first.versionId !== second.versionId);
    const handler = handlerWith();
    // The first version's event, after the second was put: still the first version's rows.
    assert.deepEqual(await handler({ Records: [s3Record(VERSIONED, key, first)] }, context), { processed: 1 });
    assert.deepEqual(seg.events.map((e) => e.userId), ['v1-0', 'v1-1', 'v1-2']);
    const ids = singleRunEvents(engine, { key, identity: s3Identity(VERSIONED, key, first.eTag, first.versionId), bytes: Buffer.from(trackCsv('v1-', 3)), options: options() }).byId;
    assert.deepEqual(eventsById(seg), ids);
    assert.equal(s3Identity(VERSIONED, key, first.eTag, first.versionId), `s3://${VERSIONED}/${key}#${first.eTag}`);
    seg.reset();
    await handler({ Records: [s3Record(VERSIONED, key, second)] }, context);
    assert.deepEqual(seg.events.map((e) => e.userId), ['v2-0', 'v2-1']);
    assert.deepEqual((await reportOf(key, VERSIONED)).source, { bucket: VERSIONED, key, eTag: second.eTag, versionId: second.versionId, size: second.size });
    // Without a versionId (an unversioned bucket's event), a replaced object is skipped: its own
    // event carries the new bytes.
    seg.reset();
    await handler({ Records: [s3Record(VERSIONED, key, { eTag: first.eTag, size: first.size })] }, context);
    assert.equal(seg.stats().requests, 0);
    assert.equal(logs.at(-1).status, 'skipped');
  });
});
