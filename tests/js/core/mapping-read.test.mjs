// How the hosts read a mapping (issue 22, items 6 and 10): only "not found" means none; a mapping
// that is there but cannot be read, or is over MAX_MAPPING_BYTES, stops the file before anything
// is sent, with a report and a log line that name its key; CSV2SEGMENT_REQUIRE_MAPPING refuses a
// file with none; the search reads at most 17 keys; the Worker's /v1/validate has its caps. The
// Lambda against moto's S3 (which enforces no IAM: a denial is an answer of S3's own shape, given
// by a client wrapped around moto's), the Worker in Miniflare, the CLI as a process.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readConfig } from '../../../js/core/config.mjs';
import { MAX_MAPPING_BYTES, MappingUnreadable, findMapping, mappingCandidates } from '../../../js/core/mapping.mjs';
import { createHandler } from '../../../js/hosts/lambda/index.mjs';
import { getR2Mapping } from '../../../js/hosts/worker/r2-mapping.mjs';
import { LAMBDA_CONTEXT, useLambdaStack } from '../../support/lambda-stack.mjs';
import { runCli as cli } from '../../support/run.mjs';
import { useWorkerStack } from '../../support/use-worker-stack.mjs';
import { reportOf } from '../../support/worker-stack.mjs';
import { freshPost } from '../../support/fresh-post.mjs';

const WRITE_KEY = 'wk_mapping_read_3c4d5e';
const TOKEN = 'tok_mapping_read';
/** A mapping that keeps the ssn column out. */
const MAPPING = JSON.stringify({ files: [{ match: 'track_*.csv', call: 'track', columns: { userId: 'userId', event: 'event' }, unmapped: 'drop' }] });
const CSV = 'userId,event,ssn\nu1,Signed Up,078-05-1120\n';
const OVER = `${' '.repeat(MAX_MAPPING_BYTES)}{}`;
const tooLarge = (key) => `csv2segment.json at ${key} is 1,048,578 bytes; a mapping may have at most 1,048,576`;

describe('the search', () => {
  test('the nearest 16 folders, then the root: 17 keys at most, however deep the key', () => {
    // 500 folders of one letter: a key of 1,011 bytes, within S3's 1,024.
    const folders = (n) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26)));
    const deep = (n) => `${folders(n).join('/')}/track_x.csv`;
    const keys = mappingCandidates(deep(500));
    assert.equal(keys.length, 17);
    assert.equal(keys[0], `${folders(500).join('/')}/csv2segment.json`);
    assert.equal(keys[15], `${folders(485).join('/')}/csv2segment.json`);
    assert.equal(keys[16], 'csv2segment.json');
    assert.equal(mappingCandidates(deep(15)).length, 16);
    assert.equal(mappingCandidates(deep(16)).length, 17);
    assert.deepEqual(mappingCandidates('a/b/x.csv'), ['a/b/csv2segment.json', 'a/csv2segment.json', 'csv2segment.json']);
    // A key S3 and R2 could not hold is not asked for.
    const long = `${'d'.repeat(1010)}/t.csv`;
    assert.deepEqual(mappingCandidates(long), ['csv2segment.json']);
  });

  test('an error of the store is never "none": the search stops there, with the key', async () => {
    const asked = [];
    const get = async (key) => {
      asked.push(key);
      if (key === 'a/csv2segment.json') throw new Error('We encountered an internal error. Please try again.');
      return key === 'csv2segment.json' ? { text: '{}' } : null;
    };
    await assert.rejects(findMapping('a/b/track.csv', get), (err) => err instanceof MappingUnreadable && err.message === 'csv2segment.json at a/csv2segment.json could not be read (Error: We encountered an internal error. Please try again.), so nothing was sent');
    assert.deepEqual(asked, ['a/b/csv2segment.json', 'a/csv2segment.json']);
  });

  test('CSV2SEGMENT_REQUIRE_MAPPING: true or false, default false', () => {
    assert.equal(readConfig({ SEGMENT_WRITE_KEY: 'k' }).requireMapping, false);
    assert.equal(readConfig({ SEGMENT_WRITE_KEY: 'k', CSV2SEGMENT_REQUIRE_MAPPING: 'TRUE' }).requireMapping, true);
    assert.throws(() => readConfig({ SEGMENT_WRITE_KEY: 'k', CSV2SEGMENT_REQUIRE_MAPPING: 'yes' }), { message: 'CSV2SEGMENT_REQUIRE_MAPPING is "yes": use true or false' });
  });
});

describe('Lambda', () => {
  const BUCKET = 'mapping-read';
  const stack = useLambdaStack({ bucket: BUCKET, writeKey: WRITE_KEY, seed: 11 });
  let logs;
  beforeEach(() => {
    stack.seg.reset();
    logs = [];
  });

  /** moto's client, with a 403 for GETs of `denied` (as S3 answers when KMS or a policy denies), counting the mapping GETs. */
  function clientDenying(denied) {
    const real = stack.client;
    const counted = { mappingGets: [] };
    counted.client = {
      send(command, ...rest) {
        if (command instanceof GetObjectCommand && command.input.Key.endsWith('csv2segment.json')) {
          counted.mappingGets.push(command.input.Key);
          if (command.input.Key === denied) {
            const err = Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/csv2segment/fn is not authorized to perform: kms:Decrypt'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
            return Promise.reject(err);
          }
        }
        return real.send(command, ...rest);
      },
    };
    return counted;
  }

  const handlerWith = (env = {}, s3 = undefined) =>
    createHandler({
      env: { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: stack.seg.url, SEGMENT_OBJECTS_ENDPOINT: stack.seg.url, ...env },
      log: (line) => logs.push(JSON.parse(line)),
      sender: { retry: { baseMs: 5, maxMs: 50, maxAttempts: 3 } },
      ...(s3 ? { s3 } : {}),
    });

  async function put(key, body) {
    await stack.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const head = await stack.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return { eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object: { key, size: head.ContentLength, eTag: head.ETag.replaceAll('"', '') } } };
  }
  const report = async (key) => JSON.parse(await (await stack.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `csv2segment-reports/${key}.report.json` }))).Body.transformToString());

  test('a mapping answered 403 stops the file: nothing sent, a report and a log line with its key, the invocation fails (retried, then kept)', async () => {
    await put('kms/csv2segment.json', MAPPING);
    const record = await put('kms/in/track_signups.csv', CSV);
    const { client } = clientDenying('kms/csv2segment.json');
    const error =
      "csv2segment.json at kms/csv2segment.json could not be read (AccessDenied, HTTP 403: User: arn:aws:sts::123456789012:assumed-role/csv2segment/fn is not authorized to perform: kms:Decrypt), so nothing was sent: the function's role needs s3:GetObject on it (and kms:Decrypt on its KMS key, if it has one), and s3:ListBucket on the bucket, without which S3 answers 403 for a missing one too";
    await assert.rejects(handlerWith({}, client)({ Records: [record] }, LAMBDA_CONTEXT), (err) => err.message === `csv2segment: 1 object(s) not fully delivered, to be retried: kms/in/track_signups.csv: ${error}`);
    assert.equal(stack.seg.events.length, 0);
    assert.equal(stack.seg.stats().requests, 0);
    const r = await report('kms/in/track_signups.csv');
    assert.deepEqual([r.status, r.error, r.events], ['failed', error, 0]);
    const line = logs.find((l) => l.status === 'failed');
    assert.deepEqual([line.level, line.key, line.error, line.FailedFiles], ['error', 'kms/in/track_signups.csv', error, 1]);
  });

  test('a mapping over 1 MiB is refused by its size: nothing sent', async () => {
    await put('big/csv2segment.json', OVER);
    const record = await put('big/track_signups.csv', CSV);
    await assert.rejects(handlerWith()({ Records: [record] }, LAMBDA_CONTEXT), (err) => err.message.endsWith(tooLarge('big/csv2segment.json')));
    assert.equal(stack.seg.events.length, 0);
    assert.equal((await report('big/track_signups.csv')).error, tooLarge('big/csv2segment.json'));
  });

  test('CSV2SEGMENT_REQUIRE_MAPPING=true: a file with no mapping is unprocessable, reported, not retried; one with a mapping goes', async () => {
    const none = await put('bare/track_signups.csv', CSV);
    assert.deepEqual(await handlerWith({ CSV2SEGMENT_REQUIRE_MAPPING: 'true' })({ Records: [none] }, LAMBDA_CONTEXT), { processed: 1 });
    assert.equal(stack.seg.events.length, 0);
    const error = 'no csv2segment.json in bare/ or the folders above it, and CSV2SEGMENT_REQUIRE_MAPPING is true, so nothing was sent: put a mapping beside the file (or above it), then upload the file again';
    assert.deepEqual([(await report('bare/track_signups.csv')).status, (await report('bare/track_signups.csv')).error], ['unprocessable', error]);
    assert.deepEqual(logs.filter((l) => l.key === 'bare/track_signups.csv').map((l) => [l.status, l.error, l.UnprocessableFiles]), [['unprocessable', error, 1]]);

    await put('kept/csv2segment.json', MAPPING);
    const mapped = await put('kept/track_signups.csv', CSV);
    assert.deepEqual(await handlerWith({ CSV2SEGMENT_REQUIRE_MAPPING: 'true' })({ Records: [mapped] }, LAMBDA_CONTEXT), { processed: 1 });
    assert.deepEqual(stack.seg.events.map((e) => [e.userId, e.event, e.properties]), [['u1', 'Signed Up', undefined]]);
  });

  test('a key 40 folders deep: 17 mapping GETs, and the root mapping still found', async () => {
    await put('csv2segment.json', MAPPING);
    const key = `${Array.from({ length: 40 }, (_, i) => `d${i}`).join('/')}/track_deep.csv`;
    const record = await put(key, CSV);
    const counted = clientDenying(null);
    assert.deepEqual(await handlerWith({}, counted.client)({ Records: [record] }, LAMBDA_CONTEXT), { processed: 1 });
    assert.equal(counted.mappingGets.length, 17);
    assert.equal(counted.mappingGets.at(-1), 'csv2segment.json');
    assert.deepEqual((await report(key)).mapping.key, 'csv2segment.json');
    assert.deepEqual(stack.seg.events.map((e) => [e.userId, e.properties]), [['u1', undefined]]);
  });
});

describe('Worker', () => {
  const suite = useWorkerStack({
    writeKey: WRITE_KEY,
    token: TOKEN,
    seed: 12,
    vars: { SEGMENT_MAX_ATTEMPTS: '2', SEGMENT_RETRY_BASE_MS: '5', CSV2SEGMENT_REQUIRE_MAPPING: 'true', QUEUE_RETRY_DELAY_SECONDS: '0' },
    port: 0,
    log: () => {},
  });
  let seg;
  let stack;
  before(async () => {
    ({ seg, worker: stack } = suite);
    await stack.bucket.put('ok/csv2segment.json', MAPPING);
    await stack.bucket.put('big/csv2segment.json', OVER);
  });

  test('R2: a mapping over 1 MiB stops the file (failed, retried); no mapping, with CSV2SEGMENT_REQUIRE_MAPPING, is unprocessable; a mapped one goes', async () => {
    await stack.putAndNotify('big/in/track_signups.csv', CSV);
    const big = await reportOf(stack, 'big/in/track_signups.csv');
    assert.deepEqual([big.status, big.error], ['failed', tooLarge('big/csv2segment.json')]);
    await stack.putAndNotify('bare/track_signups.csv', CSV);
    const bare = await reportOf(stack, 'bare/track_signups.csv');
    assert.deepEqual([bare.status, bare.error], ['unprocessable', 'no csv2segment.json in bare/ or the folders above it, and CSV2SEGMENT_REQUIRE_MAPPING is true, so nothing was sent: put a mapping beside the file (or above it), then upload the file again']);
    await stack.putAndNotify('ok/track_signups.csv', CSV);
    assert.equal((await reportOf(stack, 'ok/track_signups.csv')).status, 'done');
    assert.deepEqual(seg.events.map((e) => [e.userId, e.properties]), [['u1', undefined]]);
  });

  test('an error of R2 is never "none"', async () => {
    const failing = { get: async () => Promise.reject(new Error('get: We encountered an internal error. Please try again. (10001)')) };
    await assert.rejects(getR2Mapping(failing, 'x/csv2segment.json'), (err) => err instanceof MappingUnreadable && err.message === 'csv2segment.json at x/csv2segment.json could not be read (R2: get: We encountered an internal error. Please try again. (10001)), so nothing was sent; the file is tried again');
    await assert.rejects(findMapping('x/track.csv', (k) => getR2Mapping(failing, k)), MappingUnreadable);
    assert.equal(await getR2Mapping(stack.bucket, 'nowhere/csv2segment.json'), null);
    assert.deepEqual(await getR2Mapping(stack.bucket, 'ok/csv2segment.json'), { text: MAPPING, eTag: (await stack.bucket.head('ok/csv2segment.json')).etag });
  });

  // Some of these are answered before their body is read: each on a connection of its own.
  const post = (p, body, headers = {}) => freshPost(`${stack.url}${p}`, { authorization: `Bearer ${TOKEN}`, ...headers }, body);

  test('HTTP: no mapping with CSV2SEGMENT_REQUIRE_MAPPING is 422; a named mapping over 1 MiB is 422 with the reason', async () => {
    const bare = await post('/v1/ingest/track_signups.csv', CSV);
    assert.equal(bare.status, 422);
    assert.deepEqual(await bare.json(), { error: 'no csv2segment.json in the root or the folders above it, and CSV2SEGMENT_REQUIRE_MAPPING is true, so nothing was sent: put a mapping beside the file (or above it), then upload the file again', status: 'unprocessable' });
    const big = await post('/v1/validate/track_signups.csv', CSV, { 'x-csv2segment-mapping': 'big/csv2segment.json' });
    assert.equal(big.status, 422);
    assert.equal((await big.json()).error, tooLarge('big/csv2segment.json'));
    const ok = await post('/v1/ingest/track_signups.csv', CSV, { 'x-csv2segment-mapping': 'ok/csv2segment.json' });
    assert.equal(ok.status, 200);
  });

  test('/v1/validate reads at most 1,000,000 rows and 64 MiB after decompression: 413 with the reason', async () => {
    const named = { 'x-csv2segment-mapping': 'ok/csv2segment.json' };
    // 1,000,001 rows in a small .gz.
    const rows = gzipSync(Buffer.from(`userId,event\n${'u,E\n'.repeat(1_000_001)}`));
    const many = await post('/v1/validate/track_many.csv.gz', rows, named);
    assert.equal(many.status, 413);
    assert.equal((await many.json()).error, 'the file has more than 1,000,000 rows; /v1/validate reads at most that many (and 67,108,864 bytes after decompression): validate it with the CLI or the page, which read any size');
    // 1,000,000 rows is within it.
    const within = await post('/v1/validate/track_many.csv.gz', gzipSync(Buffer.from(`userId,event\n${'u,E\n'.repeat(1_000_000)}`)), named);
    assert.equal(within.status, 200);
    assert.equal((await within.json()).report.rows, 1_000_000);
    // Long rows: the bytes' cap comes first.
    const wide = gzipSync(Buffer.from(`userId,event\n${`u,${'E'.repeat(1000)}\n`.repeat(70_000)}`));
    const big = await post('/v1/validate/track_wide.csv.gz', wide, named);
    assert.equal(big.status, 413);
    assert.equal((await big.json()).error, 'the file is more than 67,108,864 bytes (after decompression); /v1/validate reads at most that many (and 1,000,000 rows): validate it with the CLI or the page, which read any size');
  });
});

describe('CLI', () => {
  let dir;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-mapping-read-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function tree(name, mapping) {
    const folder = path.join(dir, name);
    await mkdir(path.join(folder, 'in'), { recursive: true });
    await writeFile(path.join(folder, 'in', 'track_signups.csv'), CSV);
    await mapping(path.join(folder, 'csv2segment.json'));
    return path.join(folder, 'in', 'track_signups.csv');
  }

  test('a csv2segment.json that is there but cannot be read stops that file, never passes for none; others go on', async () => {
    const dangling = await tree('dangling', (p) => symlink(path.join(dir, 'nowhere.json'), p));
    const folder = await tree('folder', (p) => mkdir(p));
    const big = await tree('big', (p) => writeFile(p, OVER));
    const good = await tree('good', (p) => writeFile(p, MAPPING));
    const r = await cli(['validate', dangling, folder, big, good], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `csv2segment: ${dangling}: csv2segment.json at ${path.join('dangling', 'csv2segment.json')} could not be read (no such file: a link to a file that is not there), so nothing was sent\n` +
        `csv2segment: ${folder}: csv2segment.json at ${path.join('folder', 'csv2segment.json')} could not be read (is a directory), so nothing was sent\n` +
        `csv2segment: ${big}: ${tooLarge(path.join('big', 'csv2segment.json'))}\n`,
    );
    assert.equal(r.stdout, `${good}: track calls: 1 row, 1 event, 0 rejected; 1 request to send\n`);
    const json = JSON.parse((await cli(['validate', '--json', dangling, good], { cwd: dir })).stdout);
    assert.deepEqual(json.map((f) => f.status), ['unreadable', 'done']);
  });

  test('CSV2SEGMENT_REQUIRE_MAPPING=true: a file with no mapping is refused; --mapping or one above it goes', async () => {
    const bare = path.join(dir, 'bare', 'track_bare.csv');
    await mkdir(path.dirname(bare), { recursive: true });
    await writeFile(bare, CSV);
    const env = { CSV2SEGMENT_REQUIRE_MAPPING: 'true' };
    const r = await cli(['validate', bare], { env, cwd: path.dirname(bare) });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `csv2segment: ${bare}: no csv2segment.json in ${path.dirname(bare)} or the folders above it, and CSV2SEGMENT_REQUIRE_MAPPING is true, so nothing was sent: put a mapping beside the file (or above it), then run again, or give --mapping FILE\n`);
    assert.equal(r.stdout, '');
    const mapping = path.join(dir, 'given.json');
    await writeFile(mapping, MAPPING);
    assert.equal((await cli(['validate', '--mapping', mapping, bare], { env })).code, 0);
    const wrong = await cli(['validate', bare], { env: { CSV2SEGMENT_REQUIRE_MAPPING: 'yes' } });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /^csv2segment: CSV2SEGMENT_REQUIRE_MAPPING is "yes": use true or false\n/);
  });
});
