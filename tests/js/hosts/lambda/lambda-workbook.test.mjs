// Excel workbooks uploaded to S3 (issue 27), through the Lambda handler, moto's S3 server and
// the strict Segment stand-in: read with ranged GETs (never the whole object), a zip named .csv
// told by its first bytes and said in the report, a workbook run as one chain of continuations
// that resume at a sheet row with exactly a single run's events and messageIds, and a workbook
// whose central directory is broken reported with the engine's message and acked.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHandler } from '../../../../js/hosts/lambda/index.mjs';
import { LAMBDA_CONTEXT as context, useLambdaStack } from '../../../support/lambda-stack.mjs';
import { eventsById } from '../../../support/pieces.mjs';
import { writeWorkbook } from '../../../support/xlsx-writer.mjs';

const MOCK = fileURLToPath(new URL('../../../../../shared/workbooks/MOCK_DATA.xlsx', import.meta.url));
const BUCKET = 'xlsx-uploads';
const WRITE_KEY = 'wk_lambda_xlsx_5d1e';
const FAST = { baseMs: 5, maxMs: 50, maxAttempts: 25 };
/** A piece stops after 0.3 s and delivery is paced at 50,000 events a second: 50,000 rows take several pieces whatever the machine's speed. */
const ON_BUDGET = { MAX_RUN_SECONDS: '0.3', SEGMENT_MAX_EVENTS_PER_SECOND: '50000' };
const ROWS = 50_000;
const MAPPING = { files: [{ match: '*', call: 'identify', columns: { id: 'userId', email: 'traits.email', ip_address: 'context.ip' }, unmapped: 'drop' }] };
const LIBRARY = { name: 'csv2segment', version: '0.1.0' };

describe('Lambda: Excel workbooks', () => {
  const stack = useLambdaStack({ bucket: BUCKET, writeKey: WRITE_KEY, seed: 27 });
  let dir;
  let logs;
  /** @type {{ command: string, range?: string }[]} */
  let requests;
  let s3;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lambda-xlsx-'));
    await stack.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'people/csv2segment.json', Body: JSON.stringify(MAPPING) }));
    // The handler's own S3 client, its requests recorded: what it asked of the bucket.
    s3 = stack.s3.client();
    s3.middlewareStack.add(
      (next, ctx) => async (args) => {
        requests.push({ command: ctx.commandName, range: args.input.Range });
        return next(args);
      },
      { step: 'initialize' },
    );
  });
  after(async () => {
    s3?.destroy();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    stack.seg.reset();
    logs = [];
    requests = [];
  });

  /** The handler, with the recorded S3 client; its hand-offs go to `queue` (an array the test drains). */
  const handlerWith = (env = {}, queue = []) =>
    createHandler({
      env: { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: stack.seg.url, SEGMENT_OBJECTS_ENDPOINT: stack.seg.url, ...env },
      log: (line) => logs.push(line),
      s3,
      sender: { retry: FAST },
      invoke: async (message) => void queue.push(structuredClone(message)),
    });
  const getJson = async (key) => JSON.parse(await stack.getText(key));
  const listed = async (prefix) => ((await stack.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);
  /** Runs the queued invocations until none is left; returns how many ran. */
  async function drain(handler, queue) {
    let ran = 0;
    for (let m = queue.shift(); m; m = queue.shift()) {
      await handler(m, context);
      ran += 1;
    }
    return ran;
  }

  test('MOCK_DATA.xlsx: 1,000 identify calls with their exact payloads, read in ranges, never whole', async () => {
    const bytes = await readFile(MOCK);
    const record = await stack.put('people/MOCK_DATA.xlsx', bytes);
    await handlerWith()({ Records: [record] }, context);
    const report = await getJson('csv2segment-reports/people/MOCK_DATA.xlsx.report.json');
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.sheet, report.notes, report.error], ['done', 1000, 1000, 0, 'data', [], null]);
    const stats = stack.seg.stats();
    assert.deepEqual([stats.accepted, stats.uniqueMessageIds, stats.dropped], [1000, 1000, 0]);
    const byUser = new Map(stack.seg.events.map((e) => [e.userId, e]));
    const strip = (/** @type {Record<string, unknown>} */ e) => Object.fromEntries(Object.entries(e).filter(([k]) => !['sentAt', 'messageId', 'timestamp'].includes(k)));
    assert.deepEqual(strip(byUser.get('1')), { type: 'identify', userId: '1', traits: { email: 'lbourdon0@twitter.com' }, context: { ip: '67.171.137.94', library: LIBRARY } });
    assert.deepEqual(strip(byUser.get('2')), { type: 'identify', userId: '2', traits: { email: 'smcgann1@geocities.com' }, context: { ip: '200.6.189.201', library: LIBRARY } });
    // A workbook under 64 KB is read in one ranged GET, of the tail the engine asks for first.
    assert.deepEqual(
      requests.filter((r) => r.command === 'GetObjectCommand' && r.range !== undefined).map((r) => r.range),
      [`bytes=0-${bytes.length - 1}`],
    );
  });

  test('a workbook named .csv is told by its first bytes, read as a workbook, and said in the report', async () => {
    const record = await stack.put('people/identify_mock.csv', await readFile(MOCK));
    await handlerWith()({ Records: [record] }, context);
    const report = await getJson('csv2segment-reports/people/identify_mock.csv.report.json');
    assert.deepEqual(
      [report.status, report.rows, report.events, report.rejected, report.notes],
      ['done', 1000, 1000, 0, ['identify_mock.csv: this is an Excel workbook named .csv; it was read as a workbook']],
    );
    assert.equal(stack.seg.stats().uniqueMessageIds, 1000);
    // The first bytes were a ranged read of four.
    assert.equal(requests.filter((r) => r.range === 'bytes=0-3').length, 1);
  });

  test(`a generated workbook of ${ROWS.toLocaleString('en')} rows in several continuations: exactly a single run's events and messageIds`, async () => {
    const file = path.join(dir, 'track_views.xlsx');
    await writeWorkbook(file, {
      *rows() {
        yield ['userId', 'event', 'n', 'note'];
        for (let i = 1; i <= ROWS; i++) yield [i % 500 === 0 ? '' : `u${i}`, 'Viewed', i, `note ${i} & more`];
      },
    });
    const record = await stack.put('views/track_views.xlsx', await readFile(file));
    const reportKey = 'csv2segment-reports/views/track_views.xlsx.report.json';
    // The single run: no budget to speak of.
    await handlerWith()({ Records: [record] }, context);
    const single = eventsById(stack.seg);
    const alone = await getJson(reportKey);
    assert.deepEqual([alone.status, alone.rows, alone.events, alone.rejected, single.size], ['done', ROWS, ROWS - ROWS / 500, ROWS / 500, ROWS - ROWS / 500]);
    assert.deepEqual(single.get(stack.seg.events.find((e) => e.userId === 'u1').messageId), {
      ...single.get(stack.seg.events.find((e) => e.userId === 'u1').messageId),
      type: 'track',
      userId: 'u1',
      event: 'Viewed',
      properties: { n: 1, note: 'note 1 & more' },
    });

    stack.seg.reset();
    logs = [];
    const queue = [];
    const handler = handlerWith(ON_BUDGET, queue);
    await handler({ Records: [record] }, context);
    const continuations = await drain(handler, queue);
    assert.ok(continuations >= 2, `expected several continuations, got ${continuations}`);
    const pieced = eventsById(stack.seg);
    const stats = stack.seg.stats();
    assert.deepEqual([stats.accepted, stats.uniqueMessageIds, stats.duplicates], [ROWS - ROWS / 500, ROWS - ROWS / 500, 0]);
    assert.deepEqual([...pieced.keys()].sort(), [...single.keys()].sort());
    for (const [id, event] of single) assert.deepEqual(pieced.get(id), event, id);
    const report = await getJson(reportKey);
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.pieces, report.sheet], ['done', ROWS, ROWS - ROWS / 500, ROWS / 500, continuations + 1, 'Sheet1']);
    assert.deepEqual(report.rejections.slice(0, 2).map((r) => r.line), [501, 1001]);
    // The rejects CSV of the pieces put together: the sheet's header, then the rows with why.
    const rejects = (await stack.getText('csv2segment-reports/views/track_views.xlsx.rejected.csv')).split('\n');
    assert.deepEqual(rejects.slice(0, 2), ['userId,event,n,note,csv2segment_error', ',Viewed,500,note 500 & more,"line 501, column 1 (userId): userId and anonymousId are both empty; fill in at least one"']);
    assert.equal(rejects.length, ROWS / 500 + 2);
    assert.deepEqual(await listed('csv2segment-reports/views/track_views.xlsx.parts/'), []);
    const lines = logs.map((l) => JSON.parse(l));
    const continued = lines.filter((l) => l.status === 'continued');
    assert.equal(continued.length, continuations);
    // Each piece resumes at a sheet row, past the last: one chain, no byte-offset shards.
    const rows = continued.map((l) => l.next);
    assert.deepEqual(rows, [...rows].sort((a, b) => a - b));
    // The sheet's rows are 1 (the header) to ROWS + 1; a piece that stopped after the last leaves ROWS + 2.
    assert.ok(rows.every((r) => r > 2 && r <= ROWS + 2), JSON.stringify(rows));
    assert.equal(lines.filter((l) => l.status === 'sharded').length, 0);
    // The workbook was read in ranged GETs, none of the whole object; the sheet streamed.
    const size = record.s3.object.size;
    const reads = requests.filter((r) => r.command === 'GetObjectCommand' && r.range !== undefined);
    assert.ok(reads.length >= 3 * (continuations + 1), JSON.stringify(reads));
    for (const r of reads) {
      const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(r.range) ?? [];
      assert.ok(to !== undefined && Number(to) - Number(from) + 1 < size, `${r.range} of ${size}`);
    }
  });

  test('a workbook whose central directory is broken: the engine says so in the report, and the event is acked', async () => {
    const bytes = Buffer.from(await readFile(MOCK));
    // The end record's offset of the central directory, pointed past the end of the file.
    const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    bytes.writeUInt32LE(bytes.length + 1000, end + 16);
    const record = await stack.put('people/identify_broken.xlsx', bytes);
    // Resolves: nothing a retry could change, so the event is not retried.
    await handlerWith()({ Records: [record] }, context);
    const report = await getJson('csv2segment-reports/people/identify_broken.xlsx.report.json');
    assert.deepEqual(
      [report.status, report.rows, report.events, report.error],
      ['unprocessable', 0, 0, 'the workbook cannot be read: its central directory is outside the file; open it in Excel and save it again'],
    );
    assert.equal(stack.seg.stats().accepted, 0);
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.key === 'people/identify_broken.xlsx');
    assert.deepEqual([line.status, line.error], ['unprocessable', report.error]);
  });
});
