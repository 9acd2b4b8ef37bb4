// Files as they come, through the hosts: the exports in tests/fixtures/exports read through
// their mapping by the CLI (found beside the file, in a parent folder, or named with --mapping),
// the Lambda (the mapping in a parent folder of moto's bucket, pinned for the pieces of a run)
// and the Worker (the mapping in R2; HTTP uploads with the root's or a named one), with the exact
// payloads the engine's own test checks.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHandler } from '../../../js/hosts/lambda/index.mjs';
import { EXPORTS, FIXTURES, MAPPING_FILE, exportBytes, expectedPayloads, withoutIds } from '../../support/exports.mjs';
import { LAMBDA_CONTEXT, useLambdaStack } from '../../support/lambda-stack.mjs';
import { useWorkerStack } from '../../support/use-worker-stack.mjs';
import { reportOf } from '../../support/worker-stack.mjs';
import { runCli as cli } from '../../support/run.mjs';

/** The SHA-256 a report names a mapping by: of its text as stored. */
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');



const ndjson = (text) => text.trimEnd().split('\n').map((line) => JSON.parse(line));

describe('CLI', () => {
  let tmp;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-exports-'));
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  for (const { name, rejected } of FIXTURES) {
    test(`preview ${name}: the mapping beside it, exact payloads`, async () => {
      const { code, stdout, stderr } = await cli(['preview', '--quiet', '--limit', '100', '--source-id', `fixture:${name}`, path.join(EXPORTS, name)]);
      assert.deepEqual(ndjson(stdout), expectedPayloads(name));
      assert.equal(code, rejected ? 1 : 0, stderr);
    });
  }

  test('the nearest csv2segment.json in a parent folder, and --mapping over it', async () => {
    const deep = path.join(tmp, 'exports', '2024', '03');
    await mkdir(deep, { recursive: true });
    await copyFile(MAPPING_FILE, path.join(tmp, 'exports', 'csv2segment.json'));
    await copyFile(path.join(EXPORTS, 'Bestellungen_Maerz.csv'), path.join(deep, 'Bestellungen_Maerz.csv'));
    const found = await cli(['validate', '--json', '--quiet', path.join(deep, 'Bestellungen_Maerz.csv')], { cwd: tmp });
    assert.equal(found.code, 0, found.stderr);
    const [result] = JSON.parse(found.stdout);
    assert.equal(result.status, 'done');
    assert.deepEqual(result.report.mapping, { key: path.join('exports', 'csv2segment.json'), eTag: null, sha256: sha256(await readFile(MAPPING_FILE)), rule: 5 });
    assert.equal(result.report.events, 2);

    // --mapping names another one: a rule that reads the same file as identify calls.
    const other = path.join(tmp, 'other.json');
    await writeFile(other, JSON.stringify({ files: [{ match: 'bestellungen*', call: 'identify', encoding: 'windows-1252', columns: { Kundennummer: 'userId' }, unmapped: 'drop' }] }));
    const named = await cli(['preview', '--quiet', '--mapping', other, '--source-id', 'x', path.join(deep, 'Bestellungen_Maerz.csv')]);
    assert.equal(named.code, 0, named.stderr);
    assert.deepEqual(withoutIds(ndjson(named.stdout)), [
      { type: 'identify', userId: 'K-1001', context: { library: { name: 'csv2segment', version: '0.1.0' } } },
      { type: 'identify', userId: 'K-1002', context: { library: { name: 'csv2segment', version: '0.1.0' } } },
    ]);
  });

  test('a broken mapping stops the file before anything is read, with its path and the JSON path', async () => {
    const dir = path.join(tmp, 'broken');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'csv2segment.json'), JSON.stringify({ files: [{ match: '*.csv', call: 'track', columns: { Created: { to: 'timestamp', format: '%Q' } } }] }));
    await copyFile(path.join(EXPORTS, 'unified_payments.csv'), path.join(dir, 'unified_payments.csv'));
    const { code, stdout, stderr } = await cli(['validate', '--quiet', 'broken/unified_payments.csv'], { cwd: tmp });
    assert.equal(code, 2, stderr);
    assert.equal(
      stdout,
      `broken/unified_payments.csv: ${path.join('broken', 'csv2segment.json')}: the mapping has 1 problem, so nothing was sent\n` +
        `  files[0].columns["Created"].format: %Q is not a date format; write it with chrono's strftime fields, like %d.%m.%Y %H:%M\n`,
    );
    const missing = await cli(['validate', '--mapping', path.join(tmp, 'nope.json'), 'broken/unified_payments.csv'], { cwd: tmp });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the mapping .*nope\.json: no such file/);
  });
});

const WRITE_KEY = 'wk_exports_secret_77aa31';
const TOKEN = 'tok_exports_secret_0099';
const FAST = { baseMs: 5, maxMs: 50, maxAttempts: 25 };
const context = LAMBDA_CONTEXT;

/** A payments export (Stripe's columns) of `rows` rows, for runs in several pieces. */
function paymentsCsv(rows) {
  const lines = ['id,Description,Created (UTC),Amount,Amount Refunded,Currency,Status,Fee,Customer ID,Customer Email,Card Brand,Captured'];
  for (let i = 0; i < rows; i += 1) lines.push(`ch_${i},Pro plan,2024-03-05 14:22:07,49.00,0.00,usd,Paid,1.72,cus_${i},u${i}@example.com,Visa,true`);
  return `${lines.join('\n')}\n`;
}

describe('Lambda', () => {
  const BUCKET = 'exports-drop';
  const stack = useLambdaStack({ bucket: BUCKET, writeKey: WRITE_KEY, seed: 5 });
  let seg;
  let client;
  before(() => ({ seg, client } = stack));
  beforeEach(() => seg.reset());

  const handlerWith = (env = {}, queue) =>
    createHandler({
      env: { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url, ...env },
      log: () => {},
      sender: { retry: FAST },
      ...(queue ? { invoke: async (message) => void queue.push(structuredClone(message)) } : {}),
    });

  async function put(key, body) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const eTag = head.ETag.replaceAll('"', '');
    const record = { eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object: { key: encodeURIComponent(key).replaceAll('%2F', '/'), size: head.ContentLength, eTag } } };
    return { record, eTag };
  }
  const getJson = async (key) => JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body.transformToString());

  test('exports under a folder whose parent holds csv2segment.json: exact payloads, the mapping in the report', async () => {
    const mapping = await put('exports/csv2segment.json', await readFile(MAPPING_FILE));
    const payments = await put('exports/stripe/2024/unified_payments.csv', exportBytes('unified_payments.csv'));
    const german = await put('exports/de/Bestellungen_Maerz.csv', exportBytes('Bestellungen_Maerz.csv'));
    const result = await handlerWith()({ Records: [mapping.record, payments.record, german.record] }, context);
    assert.deepEqual(result, { processed: 2 });
    assert.deepEqual(withoutIds(seg.events), [...withoutIds(expectedPayloads('unified_payments.csv')), ...withoutIds(expectedPayloads('Bestellungen_Maerz.csv'))]);
    const report = await getJson('csv2segment-reports/exports/stripe/2024/unified_payments.csv.report.json');
    assert.deepEqual([report.status, report.rows, report.events, report.rejected], ['done', 3, 2, 1]);
    assert.deepEqual(report.mapping, { key: 'exports/csv2segment.json', eTag: mapping.eTag, sha256: sha256(await readFile(MAPPING_FILE)), rule: 1 });
    const de = await getJson('csv2segment-reports/exports/de/Bestellungen_Maerz.csv.report.json');
    assert.deepEqual([de.file.delimiter, de.mapping.rule, de.events], [';', 5, 2]);
    // The upload of the mapping itself is not a file to send, and has no report.
    await assert.rejects(getJson('csv2segment-reports/exports/csv2segment.json.report.json'), { name: 'NoSuchKey' });
  });

  /**
   * Pieces on a budget, as lambda-pieces.test.mjs's: a piece stops taking rows after 0.3 s, and
   * its requests (one in flight) are paced at 5,000 events a second, 0.22 s for each of these
   * batches (about 1,100 payments, 500 KB). Reading waits for the slot, so a piece takes at most
   * four batches (sent at once, sent 0.22 s later, waiting for 0.44 s, being filled) and one
   * 256 KB slice of the file (about 2,400 rows): under 7,000 rows whatever the machine's speed,
   * and 20,000 rows are three pieces at least. Unpaced, a fast machine could send them in one or two.
   */
  const PIECES_ON_BUDGET = { MAX_RUN_SECONDS: '0.3', SEGMENT_MAX_EVENTS_PER_SECOND: '5000', SEGMENT_CONCURRENCY: '1' };

  test('a run in pieces keeps the mapping it started with, whatever is uploaded meanwhile', async () => {
    const ROWS = 20_000;
    const first = await put('pinned/csv2segment.json', await readFile(MAPPING_FILE));
    const file = await put('pinned/in/unified_payments_march.csv', paymentsCsv(ROWS));
    const queue = [];
    const handler = handlerWith(PIECES_ON_BUDGET, queue);
    await handler({ Records: [file.record] }, context);
    assert.equal(queue.length, 1, 'the first piece handed on');
    assert.equal(queue[0].csv2segment.mapping.eTag, first.eTag);
    // A new version of the mapping: the pieces of this run must not use it.
    const changed = JSON.parse(await readFile(MAPPING_FILE, 'utf8'));
    changed.files[1].set.event = 'Changed Meanwhile';
    await put('pinned/csv2segment.json', JSON.stringify(changed));
    let pieces = 1;
    while (queue.length > 0) {
      await handler(queue.shift(), context);
      pieces += 1;
    }
    assert.ok(pieces >= 3, `expected several pieces, got ${pieces}`);
    assert.equal(seg.stats().uniqueMessageIds, ROWS);
    assert.deepEqual([...new Set(seg.events.map((e) => e.event))], ['Payment Made']);
    const report = await getJson('csv2segment-reports/pinned/in/unified_payments_march.csv.report.json');
    assert.deepEqual([report.status, report.rows, report.events, report.pieces], ['done', ROWS, ROWS, pieces]);
    assert.deepEqual(report.mapping, { key: 'pinned/csv2segment.json', eTag: first.eTag, sha256: sha256(await readFile(MAPPING_FILE)), rule: 1 });
  });
});

describe('Worker', () => {
  const suite = useWorkerStack({ writeKey: WRITE_KEY, token: TOKEN, seed: 9, vars: { SEGMENT_MAX_ATTEMPTS: '2', SEGMENT_RETRY_BASE_MS: '5' }, port: 0, log: () => {} });
  let seg;
  let stack;
  before(async () => {
    ({ seg, worker: stack } = suite);
    await stack.bucket.put('csv2segment.json', await readFile(MAPPING_FILE, 'utf8'));
    await stack.bucket.put('named/csv2segment.json', JSON.stringify({ files: [{ match: '*.csv', call: 'identify', encoding: 'windows-1252', columns: { Kundennummer: 'userId' }, unmapped: 'drop' }] }));
  });

  test('an R2 upload read through the mapping at the bucket root: exact payloads, its key and eTag in the report', async () => {
    const key = 'incoming/q1/Q1 Signups.csv';
    await stack.putAndNotify(key, exportBytes('Q1 Signups.csv'));
    const report = await reportOf(stack, key);
    assert.deepEqual([report.status, report.rows, report.events, report.rejected], ['done', 3, 2, 1]);
    const head = await stack.bucket.head('csv2segment.json');
    assert.deepEqual(report.mapping, { key: 'csv2segment.json', eTag: head.etag, sha256: sha256(await readFile(MAPPING_FILE)), rule: 4 });
    assert.deepEqual(withoutIds(seg.events), withoutIds(expectedPayloads('Q1 Signups.csv')));
  });

  test('HTTP uploads: the root mapping, or the one X-Csv2segment-Mapping names', async () => {
    const post = (path, body, headers = {}) => fetch(`${stack.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, ...headers }, body });
    const ingest = await post('/v1/ingest/orders_export_1.csv', exportBytes('orders_export_1.csv'));
    assert.equal(ingest.status, 200);
    assert.deepEqual(withoutIds(seg.events), withoutIds(expectedPayloads('orders_export_1.csv')));

    const root = await (await post('/v1/validate/Bestellungen_Maerz.csv', exportBytes('Bestellungen_Maerz.csv'))).json();
    assert.deepEqual(withoutIds(root.payloads), withoutIds(expectedPayloads('Bestellungen_Maerz.csv')));
    assert.equal(root.report.mapping.key, 'csv2segment.json');

    const named = await (await post('/v1/validate/Bestellungen_Maerz.csv', exportBytes('Bestellungen_Maerz.csv'), { 'x-csv2segment-mapping': 'named/csv2segment.json' })).json();
    assert.deepEqual(withoutIds(named.payloads).map((p) => [p.type, p.userId]), [['identify', 'K-1001'], ['identify', 'K-1002']]);
    assert.equal(named.report.mapping.key, 'named/csv2segment.json');

    const wrong = await post('/v1/validate/x.csv', 'a\n', { 'x-csv2segment-mapping': 'secrets.json' });
    assert.equal(wrong.status, 400);
    assert.match((await wrong.json()).error, /X-Csv2segment-Mapping names a key in the bucket whose name is csv2segment\.json/);
  });
});
