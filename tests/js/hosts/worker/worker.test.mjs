// The Worker in the real Workers runtime (Miniflare/workerd) from wrangler.toml, with a local R2
// bucket and queue, delivering to the strict local Segment server.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import { generateTrackCsv } from '../../../../bench/generate.mjs';
import { pinOf } from '../../../../js/core/pinned-mapping.mjs';
import { freshPost } from '../../../support/fresh-post.mjs';
import { startWorkerFor, useWorkerStack } from '../../../support/use-worker-stack.mjs';
import { r2Notification, reportOf } from '../../../support/worker-stack.mjs';

const WRITE_KEY = 'wk_worker_secret_5150';
const TOKEN = 'tok_ingest_secret_0042';
const sample = (name) => readFile(new URL(`../../../../samples/${name}`, import.meta.url));

describe('Worker', () => {
  const suite = useWorkerStack({
    writeKey: WRITE_KEY,
    token: TOKEN,
    seed: 11,
    vars: { SEGMENT_MAX_ATTEMPTS: '2', SEGMENT_RETRY_BASE_MS: '5', QUEUE_RETRY_DELAY_SECONDS: '1' },
    port: 0,
  });
  let seg;
  let stack;
  before(() => ({ seg, worker: stack } = suite));

  /** The Worker's JSON log lines about `key`. */
  const linesFor = (key) =>
    suite.logs
      .filter((l) => l.includes('"source":"csv2segment"'))
      .map((l) => JSON.parse(l.slice(l.indexOf('{'))))
      .filter((l) => l.key === key);

  /**
   * The queue broker's outcome of the consumer's batches after the `since`-th queue event, once
   * `count` have ended (one message a batch: max_batch_size = 1): `acked` of `total` each, and
   * the messages it retried or dead-lettered. Miniflare logs a batch's line when the consumer's
   * handler has returned, so this is the ack itself, not a wait for a redelivery that may come.
   */
  async function batchesAfter(since, count) {
    const events = await stack.waitFor(
      () => {
        const later = stack.queueEvents().slice(since);
        return later.filter((e) => e.type === 'batch' && e.queue === stack.queueName).length >= count ? later : false;
      },
      { timeoutMs: 30_000, what: `${count} batches of the queue ended` },
    );
    return {
      batches: events.filter((e) => e.type === 'batch' && e.queue === stack.queueName).map((e) => `${e.acked}/${e.total}`),
      retried: events.filter((e) => e.type !== 'batch').map((e) => `${e.type} ${e.id}`),
    };
  }

  test('R2 notifications for the samples: every row delivered, reports written, messages acked', async () => {
    const since = stack.queueEvents().length;
    await stack.putAndNotify('incoming/identify_1.csv', await sample('identify_1.csv'));
    await stack.putAndNotify('incoming/track_1.csv', await sample('track_1.csv'));
    const reports = [await reportOf(stack, 'incoming/identify_1.csv'), await reportOf(stack, 'incoming/track_1.csv')];
    assert.deepEqual(reports.map((r) => [r.status, r.rows, r.events, r.rejected, r.delivery.events]), [
      ['done', 4, 4, 0, 4],
      ['done', 4, 4, 0, 4],
    ]);
    assert.deepEqual(
      seg.events.map((e) => [e.type, e.userId]).sort(),
      [1, 2, 3, 4].flatMap((n) => [['identify', String(n)], ['track', String(n)]]).sort(),
    );
    assert.equal(seg.stats().uniqueMessageIds, 8);
    const [track] = seg.events.filter((e) => e.type === 'track' && e.userId === '1');
    assert.deepEqual(track.properties, { name: 'Tyler Ortiz', plan: 'bronze', accountType: 'Facebook' });
    assert.equal(track.timestamp, '2019-05-11T20:32:27.940Z');
    assert.deepEqual(linesFor('incoming/track_1.csv').map((l) => [l.level, l.status, l.delivered]), [['info', 'done', 4]]);
    // Acked: each message's batch ended 1/1, none retried (it would come back) or dead-lettered.
    assert.deepEqual(await batchesAfter(since, 2), { batches: ['1/1', '1/1'], retried: [] });
    assert.equal(seg.stats().accepted, 8);
    assert.deepEqual(await stack.deadLetters(), []);
  });

  test('a file with bad rows: acked, with the report and the rejects CSV in R2', async () => {
    await stack.putAndNotify('incoming/track_mixed.csv', 'userId,event\n1,Paid\n,Paid\n3,\n');
    const report = await reportOf(stack, 'incoming/track_mixed.csv');
    assert.deepEqual([report.rows, report.events, report.rejected], [3, 1, 2]);
    const rejects = await stack.bucket.get('csv2segment-reports/incoming/track_mixed.csv.rejected.csv');
    assert.equal(
      await rejects.text(),
      'userId,event,csv2segment_error\n' +
        ',Paid,"line 3, column 1 (userId): userId and anonymousId are both empty; fill in at least one"\n' +
        '3,,"line 4, column 2 (event): event is empty; every track call needs one"\n',
    );
    assert.equal(seg.stats().accepted, 1);
  });

  test('a delete notification is acked untouched', async () => {
    await stack.notify({ account: 'x', action: 'DeleteObject', bucket: 'csv2segment-uploads', object: { key: 'incoming/track_old.csv' }, eventTime: new Date().toISOString() });
    await stack.waitFor(() => linesFor('incoming/track_old.csv').length > 0, { timeoutMs: 15_000 });
    assert.deepEqual(linesFor('incoming/track_old.csv').map((l) => [l.status, l.reason]), [['skipped', 'action DeleteObject']]);
    assert.equal(await stack.bucket.get('csv2segment-reports/incoming/track_old.csv.report.json'), null);
    assert.equal(seg.stats().requests, 0);
  });

  test("a notification about another bucket is not read, and not acked: it comes back", async () => {
    // The same key in the bound bucket: before, that object was processed instead.
    const key = 'incoming/track_foreign.csv';
    await stack.put(key, await sample('track_1.csv'));
    const head = await stack.bucket.head(key);
    await stack.notify(r2Notification({ bucket: 'someone-elses-bucket', key, size: head.size, eTag: head.etag }));
    await stack.waitFor(() => linesFor(key).length >= 2, { timeoutMs: 20_000, what: 'the message retried' });
    assert.deepEqual(
      linesFor(key).slice(0, 2).map((l) => [l.level, l.status, l.error]),
      Array(2).fill(['error', 'failed', 'the notification is about bucket "someone-elses-bucket", not csv2segment-uploads (BUCKET_NAME, the BUCKET binding\'s): not read']),
    );
    assert.equal(seg.stats().requests, 0);
    assert.equal(await stack.bucket.get(`csv2segment-reports/${key}.report.json`), null);
  });

  test('tasks are checked before anything is read: the bucket, the report prefix, the header', async () => {
    const key = 'incoming/track_target.csv';
    const text = 'userId,event\n1,Paid\n2,Paid\n';
    const note = await stack.putAndNotify(key, text);
    const done = await reportOf(stack, key, { status: 'done' });
    seg.reset();
    // The run the notification started pinned its mapping (none) under its event's pin.
    const pin = await pinOf(note.eventTime);
    const task = (fields) => ({
      csv2segment: { v: 2, bucket: note.bucket, key, eTag: note.object.eTag, size: note.object.size, start: { offset: 20, line: 3 }, end: null, header: 'userId,event', run: crypto.randomUUID(), shard: null, pin, mapping: null, ...fields },
    });
    const reportKey = `csv2segment-reports/${key}.report.json`;
    const cases = [
      [{ bucket: 'other-bucket' }, key, 'a task refused: the task names bucket other-bucket, which is not among the buckets allowed (csv2segment-uploads; CSV2SEGMENT_BUCKETS)'],
      [{ key: reportKey }, reportKey, `a task refused: the task names ${reportKey}, a key under the report prefix csv2segment-reports/`],
      // A made-up header would have replaced the finished report with "unprocessable".
      [{ header: 'nobody,knows' }, key, "a task refused: the task's header is not the object's first record"],
      [{ size: 9999 }, key, `a task refused: the task says the object has 9999 bytes; it has ${note.object.size}`],
      // The mapping: by reference to the run's pin, never another mapping, never none for one.
      [{ mapping: { key: 'csv2segment.json', eTag: null, sha256: 'a'.repeat(64) } }, key, `a task refused: the task names the mapping csv2segment.json (eTag none, SHA-256 ${'a'.repeat(64)}), but its run pinned none`],
      [{ pin: 'b'.repeat(64) }, key, 'a task refused: the task names a run that has no pinned mapping (no pin at its key): it is not a piece of a run of this object'],
    ];
    for (const [fields, about, error] of cases) {
      suite.logs = [];
      await stack.notify(task(fields));
      const [line] = await stack.waitFor(() => linesFor(about).length > 0 && linesFor(about), { timeoutMs: 15_000, what: error });
      assert.deepEqual([line.level, line.status, line.error], ['error', 'refused', error]);
    }
    assert.equal(seg.stats().requests, 0);
    assert.deepEqual(await reportOf(stack, key), done);
    // The right header is taken: the rest of the file is sent.
    suite.logs = [];
    await stack.notify(task({}));
    await stack.waitFor(() => linesFor(key).some((l) => l.status === 'piece-done' || l.status === 'done'), { timeoutMs: 15_000 });
    assert.deepEqual(seg.events.map((e) => e.userId), ['2']);
  });

  test('a Segment outage: the message is retried, not acked, and the later success sends each id once', async () => {
    seg.setFaults({ error500: 1 });
    await stack.putAndNotify('incoming/track_outage.csv', generateTrackCsv(3000));
    const failed = await reportOf(stack, 'incoming/track_outage.csv', { status: 'failed' });
    assert.match(failed.error, /still failing after 2 tries, last: HTTP 500/);
    seg.setFaults({});
    const done = await reportOf(stack, 'incoming/track_outage.csv', { status: 'done' });
    assert.equal(done.delivery.events, 3000);
    const stats = seg.stats();
    assert.equal(stats.uniqueMessageIds, 3000);
    assert.equal(stats.accepted, 3000);
    assert.ok(linesFor('incoming/track_outage.csv').some((l) => l.status === 'failed'));
  });

  test('HTTP: ingest with the token sends and answers the report; a wrong or missing token is a 401', async () => {
    const body = await sample('track_1.csv');
    const post = (path, headers = {}) => fetch(`${stack.url}${path}`, { method: 'POST', headers, body });
    const ok = await post('/v1/ingest/track_1.csv', { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'sample-1' });
    assert.equal(ok.status, 200);
    const report = await ok.json();
    assert.deepEqual([report.status, report.rows, report.events, report.delivery.events], ['done', 4, 4, 4]);
    assert.equal(seg.stats().uniqueMessageIds, 4);
    // The same upload again, with the same Idempotency-Key: the same messageIds.
    await (await post('/v1/ingest/track_1.csv', { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'sample-1' })).json();
    assert.deepEqual([seg.stats().accepted, seg.stats().uniqueMessageIds], [8, 4]);

    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Basic ${TOKEN}` }]) {
      // Answered before the body is read: each on a connection of its own (fresh-post.mjs).
      const res = await freshPost(`${stack.url}/v1/ingest/track_1.csv`, headers, body);
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { error: 'missing or wrong token: send Authorization: Bearer <INGEST_TOKEN>' });
    }
    assert.equal(seg.stats().accepted, 8);
  });

  test('an answer that echoes the credential, cut in its middle: redacted in the HTTP answer, the report and the log', async () => {
    const credential = Buffer.from(`${WRITE_KEY}:`).toString('base64');
    // The credential starts at 260 + 21 and the answer is cut at 300.
    seg.setFaults({ echoAuth: 260 });
    const expected = `${'.'.repeat(260)}Authorization: Basic <write key> was refused`.slice(0, 300);
    const res = await fetch(`${stack.url}/v1/ingest/track_echo.csv`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: await sample('track_1.csv') });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(JSON.parse(text).delivery.failedBatches[0].answer, expected);
    await stack.putAndNotify('incoming/track_echo.csv', await sample('track_1.csv'));
    const report = await reportOf(stack, 'incoming/track_echo.csv');
    assert.equal(report.delivery.failedBatches[0].answer, expected);
    const stored = await (await stack.bucket.get('csv2segment-reports/incoming/track_echo.csv.report.json')).text();
    for (let i = 0; i + 4 <= credential.length; i += 1) {
      const piece = credential.slice(i, i + 4);
      assert.ok(!text.includes(piece) && !stored.includes(piece), `${piece} of the credential is kept`);
      for (const line of suite.logs) assert.ok(!line.includes(piece), `${piece} is in ${line}`);
    }
  });

  test('HTTP: an Idempotency-Key is bound to its body: another body under it is a 409, and nothing of it is sent', async () => {
    const post = (path, body, key) => fetch(`${stack.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'idempotency-key': key }, body });
    const first = await post('/v1/ingest/track_x.csv', 'userId,event\n1,Paid\n2,Paid\n', 'bound-1');
    assert.equal(first.status, 200);
    assert.equal(seg.stats().accepted, 2);
    const other = await post('/v1/ingest/track_x.csv', 'userId,event\n3,Refunded\n4,Refunded\n', 'bound-1');
    assert.equal(other.status, 409);
    assert.deepEqual(await other.json(), { error: 'this Idempotency-Key was used for an upload of other content: use a new key for a new upload; nothing of this one was sent' });
    const renamed = await post('/v1/ingest/track_y.csv', 'userId,event\n1,Paid\n2,Paid\n', 'bound-1');
    assert.equal(renamed.status, 409);
    assert.deepEqual(await renamed.json(), { error: 'this Idempotency-Key was used for an upload of another file name: use a new key for a new upload' });
    assert.equal(seg.stats().requests, 1);
    // The same body again is a retry: sent again with the same messageIds.
    const again = await post('/v1/ingest/track_x.csv', 'userId,event\n1,Paid\n2,Paid\n', 'bound-1');
    assert.equal(again.status, 200);
    assert.deepEqual([seg.stats().accepted, seg.stats().uniqueMessageIds], [4, 2]);
    // Every spelling of one name is one name: the same ids.
    seg.reset();
    const body = 'userId,event\n1,Paid\n';
    for (const path of ['/v1/ingest/track_%C3%A9t%C3%A9.csv', '/v1/ingest/track_%c3%a9t%c3%a9.csv', '/v1/ingest/track_%C3%A9t%C3%A9%2Ecsv', '/v1/ingest/track_%C3%A9t%C3%A9%2ecsv']) {
      const res = await post(path, body, 'spelled-1');
      assert.equal(res.status, 200, path);
    }
    assert.deepEqual([seg.stats().accepted, seg.stats().uniqueMessageIds], [4, 1]);
    // A keyed body is stored before it is sent, so its length must be known.
    // Answered before the body is read: on a connection of its own (fresh-post.mjs), so that the
    // next request does not meet the socket workerd closes after it.
    const chunked = await freshPost(`${stack.url}/v1/ingest/track_x.csv`, { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'chunked-1' }, body, { chunked: true });
    assert.equal(chunked.status, 411);
    assert.match((await chunked.json()).error, /^an upload with an Idempotency-Key needs a Content-Length/);
    // Only the keys' records stay: each stored body is removed once it is sent.
    const kept = (await stack.bucket.list({ prefix: 'csv2segment-reports/idempotency/' })).objects.map((o) => o.key);
    const record = (key) => `csv2segment-reports/idempotency/${createHash('sha256').update(key).digest('hex')}.json`;
    assert.ok(kept.includes(record('bound-1')) && kept.includes(record('spelled-1')), kept.join());
    assert.ok(kept.every((k) => /^csv2segment-reports\/idempotency\/[0-9a-f]{64}\.json$/.test(k)), kept.join());
    const stored = JSON.parse(await (await stack.bucket.get(record('bound-1'))).text());
    assert.deepEqual([stored.name, stored.sha256, stored.bytes], ['track_x.csv', createHash('sha256').update('userId,event\n1,Paid\n2,Paid\n').digest('hex'), 27]);
  });

  test('HTTP: validate answers the report and the first payloads, and sends nothing', async () => {
    const res = await fetch(`${stack.url}/v1/validate/track_1.csv?samples=2`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: await sample('track_1.csv'),
    });
    assert.equal(res.status, 200);
    const { status, report, payloads } = await res.json();
    assert.equal(status, 'done');
    assert.equal(report.events, 4);
    assert.deepEqual(payloads.map((p) => [p.type, p.userId, p.event]), [['track', '1', 'test event'], ['track', '2', 'test event']]);
    assert.equal(seg.stats().requests, 0);

    const bad = await fetch(`${stack.url}/v1/validate/users.csv`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'a,b\n' });
    assert.equal(bad.status, 422);
    assert.match((await bad.json()).report.error, /^users\.csv: the file name does not say which call to make/);
    const notFound = await fetch(`${stack.url}/v2/whatever`, { method: 'POST' });
    assert.equal(notFound.status, 404);
    assert.match((await notFound.json()).error, /^no such endpoint: \/v2\/whatever/);
    // GET / is the browser validation page, with the engine beside it (wrangler.toml [assets]).
    const page = await fetch(`${stack.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Check a CSV file before you upload it · csv2segment<\/title>/);
    assert.match(page.headers.get('content-security-policy'), /script-src 'self' 'wasm-unsafe-eval'/);
    const wasm = await fetch(`${stack.url}/pkg/csv2segment_bg.wasm`);
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.deepEqual([...new Uint8Array(await wasm.arrayBuffer()).subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);
    assert.equal((await fetch(`${stack.url}/app.mjs`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
  });

  test('the write key and the token appear in none of the log lines above', async () => {
    // Lines of its own too (an upload, an HTTP ingest, a wrong token), so the test can run alone.
    await stack.putAndNotify('incoming/track_secrets.csv', await sample('track_1.csv'));
    await reportOf(stack, 'incoming/track_secrets.csv');
    for (const authorization of [`Bearer ${TOKEN}`, 'Bearer nope']) {
      await (await fetch(`${stack.url}/v1/ingest/track_secrets.csv`, { method: 'POST', headers: { authorization }, body: await sample('track_1.csv') })).text();
    }
    assert.ok(suite.allLogs.filter((l) => l.includes('"source":"csv2segment"')).length >= 2);
    for (const line of suite.allLogs) {
      assert.ok(!line.includes(WRITE_KEY) && !line.includes(TOKEN), line);
    }
  });
});

describe('Worker on a 300 MB object', () => {
  test('streams it through: every row delivered, the runtime growing far less than 128 MB', async (t) => {
    const { seg, worker: stack } = await startWorkerFor(t, { writeKey: WRITE_KEY, token: TOKEN, record: false, port: 0 });
    // 150,000 rows of about 2 KB: 303 MB, generated as it is put, never whole in memory.
    const rows = 150_000;
    const note = 'abcdefghij'.repeat(200);
    const header = 'userId,event,properties.note\n';
    const line = (i) => `u${String(i).padStart(8, '0')},Big Row,${note}\n`;
    const size = header.length + rows * line(0).length;
    const encoder = new TextEncoder();
    async function* chunks() {
      let buf = header;
      for (let i = 0; i < rows; i += 1) {
        buf += line(i);
        if (buf.length >= 1 << 20) {
          yield encoder.encode(buf);
          buf = '';
        }
      }
      if (buf) yield encoder.encode(buf);
    }
    const key = 'incoming/track_big.csv';
    await stack.put(key, chunks(), { size });
    const head = await stack.bucket.head(key);
    assert.equal(head.size, size);

    const memory = stack.sampleMemory({ intervalMs: 25 });
    let sampled;
    try {
      await stack.notify(r2Notification({ bucket: stack.bucketName, key, size, eTag: head.etag }));
      await stack.waitFor(async () => (await stack.bucket.head(`csv2segment-reports/${key}.report.json`)) !== null, { timeoutMs: 240_000, intervalMs: 100 });
    } finally {
      sampled = memory.stop();
    }
    const { growthBytes, samples } = sampled;
    const report = JSON.parse(await (await stack.bucket.get(`csv2segment-reports/${key}.report.json`)).text());
    assert.deepEqual([report.status, report.rows, report.events, report.delivery.events], ['done', rows, rows, rows]);
    assert.equal(seg.stats().uniqueMessageIds, rows);
    assert.ok(samples > 10);
    // The whole workerd process, the R2 and queue simulators included (Miniflare reports no
    // isolate's memory): a buffered object would add its 303 MB. Measured: about 51 MB here,
    // against 28 MB for a 30 MB object.
    assert.ok(growthBytes < 80 * 2 ** 20, `workerd grew by ${(growthBytes / 2 ** 20).toFixed(1)} MB`);
  });
});
