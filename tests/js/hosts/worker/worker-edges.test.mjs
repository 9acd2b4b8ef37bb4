// Edges of the Worker's promises, in the real Workers runtime (Miniflare/workerd, from
// wrangler.toml) against the strict local Segment server: two uploads racing on one
// Idempotency-Key; .gz objects and uploads cut short, not gzip, or of several members; a .gz file
// run in pieces, equal to a single run to the event; Segment's 32 KB event limit at its boundary.
// Run against wrangler's own bundle too (tests/js/hosts/worker/worker-bundle.test.mjs).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readConfig } from '../../../../js/core/config.mjs';
import { loadEngine } from '../../../../js/core/engine.mjs';
import { freshPost } from '../../../support/fresh-post.mjs';
import { eventsById, hardFile, singleRunEvents } from '../../../support/pieces.mjs';
import { startWorkerFor, useWorkerStack } from '../../../support/use-worker-stack.mjs';
import { reportOf } from '../../../support/worker-stack.mjs';

const WRITE_KEY = 'wk_worker_edges_secret_93b1';
const TOKEN = 'tok_edges_secret_51c0';
const VARS = { SEGMENT_MAX_ATTEMPTS: '2', SEGMENT_RETRY_BASE_MS: '5', QUEUE_RETRY_DELAY_SECONDS: '1' };

/** `rows` track rows of users `${prefix}0`, `${prefix}1`, … */
const trackCsv = (prefix, rows) => `userId,event\n${Array.from({ length: rows }, (_, i) => `${prefix}${i},Paid\n`).join('')}`;

/** The Worker's JSON log lines about `key`. */
function linesFor(stack, key) {
  const out = [];
  for (const { line, source } of stack.logs()) {
    if (source !== 'worker' || !line.includes('"source":"csv2segment"')) continue;
    const fields = JSON.parse(line.slice(line.indexOf('{')));
    if (fields.key === key) out.push(fields);
  }
  return out;
}

/**
 * Puts `body` at `key`, notifies, and waits for the queue's answer to that message: its batch
 * line (max_batch_size is 1: one message a batch). Returns { acked, report }.
 */
async function putAndSettle(stack, key, body) {
  const batches = () => stack.queueEvents().filter((e) => e.type === 'batch');
  const before = batches().length;
  await stack.putAndNotify(key, body);
  const batch = await stack.waitFor(() => batches().length > before && batches()[before], { timeoutMs: 60_000, what: `the queue's answer about ${key}` });
  return { acked: batch.acked === batch.total, report: await reportOf(stack, key, { timeoutMs: 60_000 }) };
}

describe('Worker edges', () => {
  const suite = useWorkerStack({ writeKey: WRITE_KEY, token: TOKEN, seed: 7, vars: VARS, queueRetryDelaySeconds: 1 });
  let seg;
  let stack;
  before(() => ({ seg, worker: stack } = suite));

  const post = (path, body, headers = {}) => fetch(`${stack.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, ...headers }, body });

  test("HTTP: two uploads racing on one Idempotency-Key: one 200, one 409, only the winner's rows sent", async () => {
    for (let round = 0; round < 4; round += 1) {
      seg.reset();
      const bodies = [trackCsv(`a${round}-`, 3), trackCsv(`b${round}-`, 3)];
      const key = `race-${round}-${crypto.randomUUID()}`;
      const answers = await Promise.all(bodies.map((body) => post('/v1/ingest/track_race.csv', body, { 'idempotency-key': key })));
      const texts = await Promise.all(answers.map((r) => r.text()));
      assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409], texts.join('\n'));
      const winner = answers.findIndex((r) => r.status === 200);
      assert.deepEqual(JSON.parse(texts[1 - winner]), { error: 'this Idempotency-Key was used for an upload of other content: use a new key for a new upload; nothing of this one was sent' });
      assert.deepEqual(JSON.parse(texts[winner]).delivery.events, 3);
      assert.deepEqual(seg.events.map((e) => e.userId).sort(), [0, 1, 2].map((i) => `${'ab'[winner]}${round}-${i}`));
      assert.equal(seg.stats().accepted, 3);
    }
  });

  test('R2: a .gz object cut short, or not gzip: a report that says so, the message acked, not retried', async () => {
    const text = trackCsv('cut', 20_000);
    const full = gzipSync(text);
    const cut = await putAndSettle(stack, 'incoming/track_cut.csv.gz', full.subarray(0, full.length >> 1));
    assert.equal(cut.acked, true);
    assert.equal(cut.report.status, 'unprocessable');
    const [, decompressed, read] = /^incoming\/track_cut\.csv\.gz: the gzip data ends early, after (\d+) decompressed bytes: the file was cut short; the rows before it were read \((\d+)\), none after: compress the file again and upload it whole$/.exec(cut.report.error) ?? assert.fail(cut.report.error);
    const rows = Number(read);
    // The rows before the cut, every one whole, were sent; the one the cut went through was not.
    assert.ok(rows > 0 && rows < 20_000 && Number(decompressed) < text.length, cut.report.error);
    assert.deepEqual([cut.report.rows, cut.report.events, cut.report.delivery.events], [rows, rows, rows]);
    assert.equal(text.split('\n').slice(0, rows + 1).join('\n').length < Number(decompressed), true);
    // (Requests in flight at once arrive in any order.)
    assert.deepEqual(seg.events.map((e) => e.userId).sort(), Array.from({ length: rows }, (_, i) => `cut${i}`).sort());

    const fake = await putAndSettle(stack, 'incoming/track_fake.csv.gz', text);
    assert.equal(fake.acked, true);
    assert.equal(fake.report.status, 'unprocessable');
    assert.equal(fake.report.error, 'incoming/track_fake.csv.gz: the gzip data is corrupt after 0 decompressed bytes (invalid gzip header); the rows before it were read (0), none after: compress the file again and upload it whole');
    // One run each: no retry, nothing in the dead-letter queue.
    assert.deepEqual(stack.queueEvents().filter((e) => e.type !== 'batch'), []);
    assert.deepEqual(stack.deadLetters(), []);
    assert.deepEqual(linesFor(stack, 'incoming/track_cut.csv.gz').map((l) => [l.level, l.status]), [['warn', 'unprocessable']]);
    assert.deepEqual(linesFor(stack, 'incoming/track_fake.csv.gz').map((l) => [l.level, l.status]), [['warn', 'unprocessable']]);
  });

  test("R2: a .gz object of several gzip members: every member's rows", async () => {
    const members = Buffer.concat([gzipSync('userId,event\nm0,Paid\n'), gzipSync('m1,Paid\nm2,'), gzipSync(''), gzipSync('Paid\nm3,Paid\n')]);
    const { acked, report } = await putAndSettle(stack, 'incoming/track_members.csv.gz', members);
    assert.equal(acked, true);
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.delivery.events], ['done', 4, 4, 0, 4]);
    assert.deepEqual(seg.events.map((e) => e.userId), ['m0', 'm1', 'm2', 'm3']);
  });

  test('HTTP: .gz uploads are read whole, several members too; one cut short is a 422 that says so', async () => {
    const text = trackCsv('h', 500);
    const whole = await post('/v1/ingest/track_up.csv.gz', gzipSync(text), { 'idempotency-key': `gz-${crypto.randomUUID()}` });
    const report = await whole.json();
    assert.equal(whole.status, 200, JSON.stringify(report));
    assert.deepEqual([report.status, report.rows, report.events, report.delivery.events], ['done', 500, 500, 500]);
    seg.reset();
    const members = await post('/v1/ingest/track_up2.csv.gz', Buffer.concat([gzipSync('userId,event\nx0,Paid\n'), gzipSync('x1,Paid\n')]));
    assert.equal(members.status, 200);
    assert.equal((await members.json()).delivery.events, 2);
    assert.deepEqual(seg.events.map((e) => e.userId), ['x0', 'x1']);
    const full = gzipSync(text);
    // Answered before the rest of the body is read: each on a connection of its own
    // (fresh-post.mjs), so that the next request does not meet the socket workerd closes.
    const auth = { authorization: `Bearer ${TOKEN}` };
    const cut = await freshPost(`${stack.url}/v1/validate/track_up.csv.gz`, auth, full.subarray(0, full.length - 10));
    const answer = await cut.json();
    assert.equal(cut.status, 422, JSON.stringify(answer));
    assert.match(answer.report.error, /^track_up\.csv\.gz: the gzip data (ends early,|is corrupt) after \d+ decompressed bytes/);
    const fake = await freshPost(`${stack.url}/v1/ingest/track_up.csv.gz`, auth, text);
    assert.equal(fake.status, 422);
    assert.equal((await fake.json()).error, 'track_up.csv.gz: the gzip data is corrupt after 0 decompressed bytes (invalid gzip header); the rows before it were read (0), none after: compress the file again and upload it whole');
  });

  test("HTTP: an event of exactly 32,768 bytes is sent and taken by Segment's rule; one of 32,769 is rejected with the reason", async () => {
    const row = (note) => `userId,event,properties.note\n1,Big,${note}\n`;
    // The event's size for a note of one byte: Segment measures the JSON of the event (here
    // without a top-level context to merge), which is the engine's bytes of it.
    const validate = async (body) => (await (await post('/v1/validate/track_edge.csv?samples=1', body)).json()).payloads[0];
    const base = Buffer.byteLength(JSON.stringify(await validate(row('x')))) - 1;
    // Two-byte characters: the limit is in bytes, not characters.
    const fill = (bytes) => 'é'.repeat(Math.floor(bytes / 2)) + 'x'.repeat(bytes % 2);
    const fits = fill(32_768 - base);
    const over = fill(32_769 - base);
    const res = await post('/v1/ingest/track_edge.csv', `${row(fits)}2,Big,${over}\n`);
    const report = await res.json();
    assert.equal(res.status, 200, JSON.stringify(report).slice(0, 500));
    assert.deepEqual([report.rows, report.events, report.rejected, report.delivery.events, report.delivery.failedEvents], [2, 1, 1, 1, 0]);
    assert.deepEqual(report.rejections.map((r) => r.message ?? r), ["line 3: the event would be 32769 bytes, over Segment's limit of 32768; shorten its longest values"]);
    // This upload's events only, one per messageId as Segment keeps them: a queue message of an
    // R2 test above may still be redelivered into the shared stand-in while this one runs, and a
    // request retried after a lost answer repeats its ids.
    const mine = [...new Map(seg.events.filter((e) => e.event === 'Big').map((e) => [e.messageId, e])).values()];
    assert.equal(mine.length, 1);
    const [event] = mine;
    const sent = { ...event };
    delete sent.sentAt;
    assert.equal(Buffer.byteLength(JSON.stringify(sent)), 32_768);
    assert.equal(event.properties.note, fits);
  });
});

describe('Worker: a .gz file in pieces', () => {
  test('continuations on a budget, paced: exactly the events and ids of a single run', async (t) => {
    const budget = { MAX_RUN_SECONDS: '0.5', SEGMENT_MAX_EVENTS_PER_SECOND: '50000' };
    const { seg, worker: stack } = await startWorkerFor(t, { writeKey: WRITE_KEY, seed: 3, vars: { ...VARS, ...budget }, queueRetryDelaySeconds: 1 });
    const key = 'incoming/track_hard.csv.gz';
    const bytes = Buffer.from(hardFile(100_000));
    const note = await stack.putAndNotify(key, gzipSync(bytes));
    const report = await reportOf(stack, key, { status: ['done', 'failed'], timeoutMs: 60_000 });
    assert.equal(report.status, 'done', JSON.stringify(report).slice(0, 500));
    const lines = linesFor(stack, key);
    const continued = lines.filter((l) => l.status === 'continued').length;
    // At 50,000 events a second, 100,000 rows take two seconds; a piece of 0.5 s takes at most
    // its half second's 25,000 rows, the budget's first second (a full bucket, 50,000) and the
    // batches in flight: never the whole file, on any machine.
    assert.ok(continued >= 1, `${continued} continuations`);
    assert.equal(report.pieces, continued + 1);
    const engine = await loadEngine();
    const { engineOptions } = readConfig({ SEGMENT_WRITE_KEY: WRITE_KEY, CSV2SEGMENT_EMPTY_CELLS: 'omit', CSV2SEGMENT_TYPING: 'infer' });
    const single = singleRunEvents(engine, { key, identity: `r2://${note.bucket}/${key}#${note.object.eTag}`, bytes, options: engineOptions });
    const got = eventsById(seg);
    assert.equal(got.size, single.byId.size);
    assert.deepEqual(got, single.byId);
    assert.deepEqual([report.rows, report.events, report.rejected], [single.report.rows, single.report.events, single.report.rejected]);
    assert.deepEqual(report.rejections, single.report.rejections);
  });
});
