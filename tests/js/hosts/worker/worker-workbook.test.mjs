// Excel workbooks on the Worker (issue 27), in workerd through Miniflare, against the strict
// Segment stand-in: an R2 upload read with ranged gets, a zip named .csv told by its first bytes
// and said, and the HTTP endpoints, whose body is a stream that cannot be read in ranges: a
// workbook is held whole up to 16 MiB, and a larger one answered 413 naming the limit and the
// bucket. A generated workbook of 50,000 rows runs as one chain of continuations through the
// queue, with exactly the events and messageIds of a single run.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../../../../js/core/engine.mjs';
import { ingestWorkbook } from '../../../../js/core/workbook-run.mjs';
import { eventsById } from '../../../support/pieces.mjs';
import { writeWorkbook } from '../../../support/xlsx-writer.mjs';
import { after, before, describe, test } from 'node:test';
import { useWorkerStack } from '../../../support/use-worker-stack.mjs';
import { reportOf } from '../../../support/worker-stack.mjs';

const MOCK = fileURLToPath(new URL('../../../../../shared/workbooks/MOCK_DATA.xlsx', import.meta.url));
const WRITE_KEY = 'wk_worker_xlsx_2e71';
const TOKEN = 'tok_worker_xlsx_9a0c';
const MAPPING = JSON.stringify({ files: [{ match: '*', call: 'identify', columns: { id: 'userId', email: 'traits.email', ip_address: 'context.ip' }, unmapped: 'drop' }] });
const LIBRARY = { name: 'csv2segment', version: '0.1.0' };
const FIRST = [
  { type: 'identify', userId: '1', traits: { email: 'lbourdon0@twitter.com' }, context: { ip: '67.171.137.94', library: LIBRARY } },
  { type: 'identify', userId: '2', traits: { email: 'smcgann1@geocities.com' }, context: { ip: '200.6.189.201', library: LIBRARY } },
];
const MISNAMED = 'identify_mock.csv: this is an Excel workbook named .csv; it was read as a workbook';
/** @param {Record<string, unknown>} e */
const strip = (e) => Object.fromEntries(Object.entries(e).filter(([k]) => !['sentAt', 'messageId', 'timestamp'].includes(k)));

describe('Worker: Excel workbooks', () => {
  const suite = useWorkerStack({ writeKey: WRITE_KEY, token: TOKEN, seed: 27, vars: { SEGMENT_MAX_ATTEMPTS: '2', SEGMENT_RETRY_BASE_MS: '5' }, port: 0 });
  let seg;
  let stack;
  let mock;
  before(async () => {
    ({ seg, worker: stack } = suite);
    mock = await readFile(MOCK);
    await stack.put('people/csv2segment.json', MAPPING);
  });

  const byUser = () => new Map(seg.events.map((e) => [e.userId, e]));
  /** @param {string} path @param {Uint8Array | string} body */
  const post = (path, body) =>
    fetch(`${stack.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'x-csv2segment-mapping': 'people/csv2segment.json' }, body });

  test('an R2 upload of MOCK_DATA.xlsx: 1,000 identify calls with their exact payloads, the sheet in the report', async () => {
    await stack.putAndNotify('people/MOCK_DATA.xlsx', mock);
    const report = await reportOf(stack, 'people/MOCK_DATA.xlsx');
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.delivery.events, report.sheet, report.notes], ['done', 1000, 1000, 0, 1000, 'data', []]);
    assert.deepEqual([seg.stats().accepted, seg.stats().uniqueMessageIds], [1000, 1000]);
    const users = byUser();
    assert.deepEqual([strip(users.get('1')), strip(users.get('2'))], FIRST);
  });

  test('an R2 upload of a workbook named .csv: told by its first bytes, read as a workbook, said in the report', async () => {
    await stack.putAndNotify('people/identify_mock.csv', mock);
    const report = await reportOf(stack, 'people/identify_mock.csv');
    assert.deepEqual([report.status, report.rows, report.events, report.notes], ['done', 1000, 1000, [MISNAMED]]);
    assert.equal(seg.stats().uniqueMessageIds, 1000);
  });

  test('HTTP validate of a workbook: the report and the first payloads, nothing sent; named .csv, said', async () => {
    const res = await post('/v1/validate/identify_mock.xlsx?samples=2', mock);
    const answer = await res.json();
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.deepEqual([answer.status, answer.report.rows, answer.report.events, answer.report.rejected, answer.sheet, answer.notes], ['done', 1000, 1000, 0, 'data', []]);
    assert.deepEqual(answer.payloads.map(strip), FIRST);
    const renamed = await (await post('/v1/validate/identify_mock.csv?samples=2', mock)).json();
    assert.deepEqual([renamed.status, renamed.report.events, renamed.notes], ['done', 1000, [MISNAMED]]);
    assert.deepEqual(renamed.payloads.map(strip), FIRST);
    assert.equal(seg.stats().requests, 0);
  });

  test('HTTP ingest of a workbook: delivered; over 16 MiB, a 413 that names the limit and the bucket', async () => {
    const res = await post('/v1/ingest/identify_mock.xlsx', mock);
    const answer = await res.json();
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.deepEqual([answer.status, answer.rows, answer.events, answer.delivery.events, answer.sheet], ['done', 1000, 1000, 1000, 'data']);
    const users = byUser();
    assert.deepEqual([strip(users.get('1')), strip(users.get('2'))], FIRST);
    // A zip's first bytes, then more than the limit: refused before the engine sees it.
    const big = new Uint8Array(16 * 1024 * 1024 + 1);
    big.set([0x50, 0x4b, 0x03, 0x04]);
    seg.reset();
    for (const mode of ['ingest', 'validate']) {
      const tooLarge = await post(`/v1/${mode}/identify_big.csv`, big);
      assert.equal(tooLarge.status, 413, mode);
      assert.deepEqual(await tooLarge.json(), {
        error: 'the file is an Excel workbook of more than 16,777,216 bytes: a request\'s body cannot be read in ranges, so a workbook sent here is held whole and may be at most that many; upload it to the bucket instead, where it is read in ranges at any size',
      });
    }
    assert.equal(seg.stats().requests, 0);
  });
});

describe('Worker: a workbook in continuations', () => {
  const ROWS = 50_000;
  // A piece stops after 0.3 s and delivery is paced at 50,000 events a second: 50,000 rows take several pieces whatever the machine's speed.
  const suite = useWorkerStack({
    writeKey: WRITE_KEY,
    seed: 28,
    vars: { SEGMENT_RETRY_BASE_MS: '5', QUEUE_RETRY_DELAY_SECONDS: '1', MAX_RUN_SECONDS: '0.3', SEGMENT_MAX_EVENTS_PER_SECOND: '50000' },
    port: 0,
    queueRetryDelaySeconds: 1,
  });
  let seg;
  let stack;
  let dir;
  before(async () => {
    ({ seg, worker: stack } = suite);
    dir = await mkdtemp(path.join(tmpdir(), 'worker-xlsx-'));
  });
  after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  test(`${ROWS.toLocaleString('en')} generated rows through the queue in pieces: exactly a single run's events and messageIds`, async () => {
    const file = path.join(dir, 'track_views.xlsx');
    await writeWorkbook(file, {
      *rows() {
        yield ['userId', 'event', 'n', 'note'];
        for (let i = 1; i <= ROWS; i++) yield [i % 500 === 0 ? '' : `u${i}`, 'Viewed', i, `note ${i} & more`];
      },
    });
    const bytes = new Uint8Array(await readFile(file));
    const key = 'views/track_views.xlsx';
    const object = await stack.put(key, bytes);
    // The oracle: the engine run whole here, with the Worker's identity for this object.
    const engine = await loadEngine();
    /** @type {Map<string, any>} */
    const single = new Map();
    const whole = await ingestWorkbook({
      engine,
      key,
      identity: `r2://${stack.bucketName}/${key}#${object.etag}`,
      options: {},
      size: bytes.length,
      readRange: async function* (start, end) {
        yield bytes.subarray(start, end);
      },
      sender: {
        async send(batch) {
          for (const e of JSON.parse(new TextDecoder().decode(batch.body)).batch) single.set(e.messageId, { ...e, sentAt: undefined });
          batch.release?.();
        },
        async flush() {
          return /** @type {any} */ (null);
        },
      },
    });
    assert.deepEqual([whole.report.rows, whole.report.events, single.size], [ROWS, ROWS - ROWS / 500, ROWS - ROWS / 500]);

    await stack.putAndNotify(key, bytes);
    const report = await reportOf(stack, key, { timeoutMs: 120_000 });
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.sheet], ['done', ROWS, ROWS - ROWS / 500, ROWS / 500, 'Sheet1']);
    assert.ok(report.pieces >= 3, `expected several pieces, got ${report.pieces}`);
    const stats = seg.stats();
    assert.deepEqual([stats.accepted, stats.uniqueMessageIds, stats.duplicates], [ROWS - ROWS / 500, ROWS - ROWS / 500, 0]);
    const pieced = eventsById(seg);
    assert.deepEqual([...pieced.keys()].sort(), [...single.keys()].sort());
    for (const [id, event] of single) {
      const { sentAt, ...expected } = event;
      assert.equal(sentAt, undefined);
      assert.deepEqual(pieced.get(id), expected, id);
    }
  });
});
