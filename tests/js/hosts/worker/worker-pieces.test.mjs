// Files that do not fit one Worker invocation, in the real Workers runtime (Miniflare/workerd,
// from wrangler.toml): continuations on a budget and shards over CSV2SEGMENT_SHARD_BYTES, carried
// as task messages by the real Miniflare queue the Worker consumes, against the strict local
// Segment server. Every row must arrive, each messageId once (or again with the same payload),
// with one combined report. The Lambda side of the same is tests/js/hosts/lambda/lambda-pieces.test.mjs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { generateTrackCsv } from '../../../../bench/generate.mjs';
import { pinOf } from '../../../../js/core/pinned-mapping.mjs';
import { eventsById, hardFile } from '../../../support/pieces.mjs';
import { startSegmentServer } from '../../../support/segment-server.mjs';
import { startWorkerStack } from '../../../support/worker-stack.mjs';

const WRITE_KEY = 'wk_worker_pieces_secret_7d1e';
const REPORTS = 'csv2segment-reports/';
const ROWS = 200_000;
/**
 * Pieces on a budget: a piece stops taking rows after BUDGET seconds, and delivery is paced at
 * PACE events a second (SEGMENT_MAX_EVENTS_PER_SECOND; reading waits for the sender's slots), so
 * a piece can take at most about BUDGET × PACE rows (25,000) plus the batches in flight (up to
 * 4 × 2,500), whatever the machine's speed: 200,000 rows need at least 200,000 / PACE = 4 s and
 * six pieces or more, a shard of 100,000 rows at least three. Without the pace a fast machine
 * finished 200,000 rows in two pieces and a shard in one, and the tests' counts varied.
 */
const BUDGET = '0.5';
const PACE = '50000';
/** The settings of every budget test below. */
const ON_BUDGET = { MAX_RUN_SECONDS: BUDGET, SEGMENT_MAX_EVENTS_PER_SECOND: PACE };
/** The Worker's statuses that end the handling of one queue message. */
const HANDLED = new Set(['continued', 'sharded', 'piece-done', 'done', 'unprocessable', 'skipped', 'failed']);

/**
 * The strict Segment server for test `t`, closed by the test's after hook, which runs when the
 * test fails or times out too (a `finally` would wait for the test's own code to end).
 * @param {import('node:test').TestContext} t
 * @param {object} options startSegmentServer's, beside the write key
 */
async function segmentFor(t, options) {
  const seg = await startSegmentServer({ writeKey: WRITE_KEY, ...options });
  t.after(() => seg.close());
  return seg;
}

/**
 * A Worker stack delivering to `seg`, with `vars` over wrangler.toml's; closed after `fn`, or
 * by test `t`'s after hook when `fn` never ends (a timed-out test).
 * @param {import('node:test').TestContext} t
 */
async function withStack(t, seg, vars, fn) {
  const stack = await startWorkerStack({
    vars: {
      SEGMENT_ENDPOINT: seg.url,
      SEGMENT_OBJECTS_ENDPOINT: seg.url,
      SEGMENT_RETRY_BASE_MS: '5',
      QUEUE_RETRY_DELAY_SECONDS: '1',
      ...vars,
    },
    secrets: { SEGMENT_WRITE_KEY: WRITE_KEY },
    port: 0,
    queueRetryDelaySeconds: 1,
  });
  t.after(() => stack.close());
  try {
    return await fn(stack);
  } finally {
    await stack.close();
  }
}

/** The Worker's own log lines (JSON, source csv2segment), all or those about `key`. */
function linesFor(stack, key) {
  const out = [];
  for (const { line, source } of stack.logs()) {
    if (source !== 'worker' || !line.includes('"source":"csv2segment"')) continue;
    const fields = JSON.parse(line.slice(line.indexOf('{')));
    if (key === undefined || fields.key === key) out.push(fields);
  }
  return out;
}

/** The first sign of a failure in the Worker (every test has a stack of its own), if any. */
function firstFailure(stack) {
  const failed = linesFor(stack).find((l) => l.status === 'failed' || l.level === 'error');
  if (failed) return JSON.stringify(failed);
  return stack.logs().find((l) => l.source === 'worker' && l.line.startsWith('Uncaught'))?.line;
}

const countOf = (lines, status) => lines.filter((l) => l.status === status).length;

/**
 * Waits until every message about `key` has been handled: the `sent` this test put on the queue
 * plus the Worker's own (a continuation per 'continued', a shard per 'sharded' shard). Fails at
 * once when a piece fails: a retried piece would send its ids again and spoil the counts.
 */
async function settled(stack, key, { sent, timeoutMs = 120_000 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failed = firstFailure(stack);
    if (failed) assert.fail(`a piece of ${key} failed: ${failed}`);
    const lines = linesFor(stack, key);
    const handled = lines.filter((l) => HANDLED.has(l.status)).length;
    // A splitting pass out of budget (a 'sharded' line with `next`) hands on the rest of itself too.
    const sharded = lines.filter((l) => l.status === 'sharded');
    const expected = sent + countOf(lines, 'continued') + sharded.reduce((n, l) => n + l.shards + (l.next === undefined ? 0 : 1), 0);
    if (handled === expected && countOf(lines, 'done') > 0) return lines;
    if (Date.now() > deadline) {
      assert.fail(`${key} not settled after ${timeoutMs} ms: ${handled} of ${expected} messages handled; last lines:\n${lines.slice(-5).map((l) => JSON.stringify(l)).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function getJson(stack, key) {
  const object = await stack.bucket.get(key);
  assert.ok(object, `${key} is in the bucket`);
  return JSON.parse(await object.text());
}

async function getText(stack, key) {
  const object = await stack.bucket.get(key);
  return object ? object.text() : null;
}

async function listed(stack, prefix) {
  const keys = [];
  let cursor;
  do {
    const page = await stack.bucket.list({ prefix, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

/** The parts are removed just after the report is written: wait for that. */
const partsGone = (stack, key) =>
  stack.waitFor(async () => (await listed(stack, `${REPORTS}${key}.parts/`)).length === 0, { timeoutMs: 10_000, what: `the parts of ${key} removed` });

test(`${ROWS.toLocaleString('en')} rows with a budget of ${BUDGET} s: continuations through the queue, every row once, one report`, async (t) => {
  const seg = await segmentFor(t, { seed: 11, record: false });
  await withStack(t, seg, ON_BUDGET, async (stack) => {
    const key = 'big/track_resume.csv';
    const text = generateTrackCsv(ROWS);
    const note = await stack.putAndNotify(key, text);
    assert.equal(note.object.size, Buffer.byteLength(text));
    const lines = await settled(stack, key, { sent: 1 });

    const continued = lines.filter((l) => l.status === 'continued');
    assert.ok(continued.length >= 4, `expected at least 4 continuations (4 s of paced delivery), got ${continued.length}`);
    t.diagnostic(`${continued.length} continuations`);
    // Each continuation starts where the one before stopped, and the rows add up.
    let at = 0;
    for (const l of continued) {
      assert.equal(l.from, at);
      assert.ok(l.next > l.from && l.rows > 0, JSON.stringify(l));
      at = l.next;
    }
    assert.equal(countOf(lines, 'sharded'), 0);
    assert.equal(countOf(lines, 'done'), 1);
    assert.equal(countOf(lines, 'piece-done'), 0);

    const stats = seg.stats();
    assert.deepEqual([stats.uniqueMessageIds, stats.accepted, stats.dropped, stats.duplicates], [ROWS, ROWS, 0, 0]);

    const report = await getJson(stack, `${REPORTS}${key}.report.json`);
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.finished], ['done', ROWS, ROWS, 0, true]);
    assert.equal(report.pieces, continued.length + 1);
    assert.equal(report.inputBytes, note.object.size);
    assert.deepEqual(report.rejections, []);
    assert.equal(report.delivery.events, ROWS);
    assert.equal(report.delivery.failedEvents, 0);
    assert.equal(report.delivery.requests, stats.requests);
    assert.ok(continued.reduce((n, l) => n + l.rows, 0) < ROWS, 'the last piece had rows of its own');
    assert.equal(lines.find((l) => l.status === 'done').rows, ROWS, 'the done line counts the whole file');
    assert.equal(await getText(stack, `${REPORTS}${key}.rejected.csv`), null);
    await partsGone(stack, key);
    assert.deepEqual(stack.deadLetters(), []);
  });
});

test('shards of a hard file give exactly the ids, payloads and report of a sequential run, at any shard size', async (t) => {
  const seg = await segmentFor(t, { seed: 11 });
  const text = hardFile(1500);
  const key = 'hard/track_hard.csv';
  // The sequential run: the file is far under wrangler.toml's shard size, and has the whole budget.
  const sequential = await withStack(t, seg, {}, async (stack) => {
    const note = await stack.putAndNotify(key, text);
    const lines = await settled(stack, key, { sent: 1 });
    assert.deepEqual(lines.map((l) => l.status), ['done']);
    return {
      eTag: note.object.eTag,
      events: eventsById(seg),
      report: await getJson(stack, `${REPORTS}${key}.report.json`),
      rejects: await getText(stack, `${REPORTS}${key}.rejected.csv`),
    };
  });
  const whole = sequential.report;
  assert.equal(whole.rows, 1500);
  assert.ok(whole.rejected > 0, 'the file has rejected rows');
  assert.equal(sequential.events.size, whole.events);
  assert.equal(whole.events + whole.rejected, 1500);
  assert.ok(sequential.rejects, 'a rejects CSV');

  for (const shardBytes of [2048, 9000, 65536]) {
    seg.reset();
    await withStack(t, seg, { CSV2SEGMENT_SHARD_BYTES: String(shardBytes) }, async (stack) => {
      const note = await stack.putAndNotify(key, text);
      // The same bytes give the same ETag, and so the same identity and messageIds.
      assert.equal(note.object.eTag, sequential.eTag);
      const lines = await settled(stack, key, { sent: 1 });
      const sharded = lines.filter((l) => l.status === 'sharded');
      assert.equal(sharded.length, 1);
      const { shards } = sharded[0];
      t.diagnostic(`${shardBytes} bytes: ${shards} shards`);
      assert.ok(shards >= Math.floor(note.object.size / shardBytes / 2), `${shards} shards of ${shardBytes} bytes`);
      assert.equal(countOf(lines, 'continued'), 0);
      // Every shard ran once; the one that found the others' parts complete wrote the report.
      const ran = lines.filter((l) => l.status === 'piece-done' || l.status === 'done');
      assert.equal(ran.length, shards);
      assert.equal(new Set(lines.filter((l) => l.shard !== undefined).map((l) => l.shard)).size, shards - countOf(lines, 'done'));

      assert.deepEqual(eventsById(seg), sequential.events, `shard size ${shardBytes}`);
      const stats = seg.stats();
      assert.deepEqual([stats.accepted, stats.uniqueMessageIds, stats.duplicates, stats.dropped], [whole.events, whole.events, 0, 0]);

      const report = await getJson(stack, `${REPORTS}${key}.report.json`);
      assert.equal(report.status, 'done');
      assert.equal(report.pieces, shards);
      for (const field of ['rows', 'events', 'rejected', 'columns', 'rejections', 'inputBytes', 'finished']) {
        assert.deepEqual(report[field], whole[field], `${field}, shard size ${shardBytes}`);
      }
      assert.equal(report.delivery.events, whole.events);
      assert.equal(await getText(stack, `${REPORTS}${key}.rejected.csv`), sequential.rejects, `rejects CSV, shard size ${shardBytes}`);
      await partsGone(stack, key);
    });
  }
});

test('a continuation delivered twice: the same ids again, each row counted once in one report', async (t) => {
  const seg = await segmentFor(t, { seed: 11, record: false });
  await withStack(t, seg, ON_BUDGET, async (stack) => {
    const key = 'big/track_twice.csv';
    const text = generateTrackCsv(ROWS);
    const note = await stack.putAndNotify(key, text);
    // The first piece hands on; its log line says where the continuation starts.
    const first = await stack.waitFor(() => linesFor(stack, key).find((l) => l.status === 'continued'), { timeoutMs: 60_000, what: 'the first continuation' });
    assert.equal(first.from, 0);
    // Line 1 is the header, so the rows before the continuation's line are line - 2.
    assert.equal(first.rows, first.line - 2);
    // (Offsets count bytes, and the names have multi-byte letters.)
    const before = Buffer.from(text).subarray(0, first.next).toString();
    assert.ok(before.endsWith('\n'), 'the continuation starts at a row boundary');
    assert.equal(before.split('\n').length, first.line);
    // The queue delivers at least once: the same continuation comes a second time.
    const task = {
      v: 2,
      bucket: note.bucket,
      key,
      eTag: note.object.eTag,
      size: note.object.size,
      start: { offset: first.next, line: first.line },
      end: null,
      header: text.slice(0, text.indexOf('\n')),
      run: first.run,
      shard: null,
      pin: await pinOf(note.eventTime),
      mapping: null,
    };
    await stack.notify({ csv2segment: task });
    const lines = await settled(stack, key, { sent: 2 });

    const stats = seg.stats();
    assert.equal(stats.uniqueMessageIds, ROWS);
    assert.equal(stats.dropped, 0);
    // Every row after the first piece went out twice, with the same messageId.
    assert.equal(stats.duplicates, ROWS - first.rows);
    t.diagnostic(`${countOf(lines, 'continued')} continuations, ${stats.duplicates} duplicates`);
    assert.equal(stats.accepted, ROWS + stats.duplicates);

    const report = await getJson(stack, `${REPORTS}${key}.report.json`);
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.inputBytes], ['done', ROWS, ROWS, 0, note.object.size]);
    assert.equal(report.delivery.events, ROWS, 'the report counts the rows of one chain of pieces');
    assert.deepEqual(stack.deadLetters(), []);
  });
});

test('shards that continue: a shard out of budget hands on the rest of its own range', async (t) => {
  const seg = await segmentFor(t, { seed: 11, record: false });
  // Two shards of 100,000 rows, paced at PACE at most: each needs three pieces or more.
  await withStack(t, seg, { ...ON_BUDGET, CSV2SEGMENT_SHARD_BYTES: String(11 * 1024 * 1024) }, async (stack) => {
    const key = 'big/track_shards_continue.csv';
    const text = generateTrackCsv(ROWS);
    const note = await stack.putAndNotify(key, text);
    const lines = await settled(stack, key, { sent: 1 });
    // The splitting pass may itself run out of budget and go on in passes: count every pass's shards.
    const sharded = { shards: lines.filter((l) => l.status === 'sharded').reduce((n, l) => n + l.shards, 0) };
    assert.ok(sharded.shards >= 2, `${sharded.shards} shards`);
    const continued = lines.filter((l) => l.status === 'continued');
    assert.ok(continued.length >= 2 * 2, `each shard continued at least twice (2 s of paced delivery): ${continued.length} continuations`);
    for (const shard of new Set(continued.map((l) => l.shard))) assert.ok(continued.filter((l) => l.shard === shard).length >= 2, `shard ${shard} continued twice`);
    // A shard's continuation stays within the shard.
    for (const l of continued) assert.equal(typeof l.shard, 'number', JSON.stringify(l));
    t.diagnostic(`${sharded.shards} shards, ${continued.length} continuations`);

    const stats = seg.stats();
    assert.deepEqual([stats.uniqueMessageIds, stats.accepted, stats.dropped, stats.duplicates], [ROWS, ROWS, 0, 0]);
    const report = await getJson(stack, `${REPORTS}${key}.report.json`);
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.inputBytes], ['done', ROWS, ROWS, 0, note.object.size]);
    assert.equal(report.pieces, sharded.shards + continued.length);
    assert.equal(report.delivery.events, ROWS);
    await partsGone(stack, key);
  });
});

test('keys near the 1,024-byte limit: a hashed report key, every row received once, a report written', async (t) => {
  const seg = await segmentFor(t, { seed: 11 });
  const hashed = (key) => `${REPORTS}long-keys/${createHash('sha256').update(key).digest('hex')}`;
  await withStack(t, seg, { CSV2SEGMENT_SHARD_BYTES: '1024' }, async (stack) => {
    // 1,014 bytes in UTF-8 but 517 characters: measured in characters, it would seem to fit.
    const long = `long/${'é'.repeat(497)}/track_long.csv`;
    // 903 bytes: the key fits, its reports fit, its parts' keys would not.
    const sharded = `shard/${'é'.repeat(439)}ab/track_shards.csv`;
    assert.deepEqual([Buffer.byteLength(long), Buffer.byteLength(sharded)], [1014, 903]);

    await stack.putAndNotify(long, 'userId,event\n1,Signed Up\n2,Signed Up\n,Signed Up\n');
    const longLines = await settled(stack, long, { sent: 1 });
    assert.deepEqual(longLines.map((l) => [l.status, l.rows, l.delivered, l.report]), [['done', 3, 2, `${hashed(long)}.report.json`]]);
    const longReport = await getJson(stack, `${hashed(long)}.report.json`);
    assert.deepEqual([longReport.status, longReport.source.key, longReport.rows, longReport.rejected], ['done', long, 3, 1]);
    assert.match(await getText(stack, `${hashed(long)}.rejected.csv`), /^userId,event,csv2segment_error\n,Signed Up,/);

    seg.reset();
    let text = 'userId,event,properties.n\n';
    for (let i = 0; i < 60; i += 1) text += `user${i},Order Placed,${'x'.repeat(40)}${i}\n`;
    await stack.putAndNotify(sharded, text);
    const lines = await settled(stack, sharded, { sent: 1 });
    const [split] = lines.filter((l) => l.status === 'sharded');
    assert.ok(split.shards >= 3, `${split.shards} shards`);
    const stats = seg.stats();
    assert.deepEqual([stats.accepted, stats.uniqueMessageIds, stats.duplicates], [60, 60, 0]);
    const report = await getJson(stack, `${hashed(sharded)}.report.json`);
    assert.deepEqual([report.status, report.source.key, report.rows, report.pieces], ['done', sharded, 60, split.shards]);
    assert.equal(await getText(stack, `${REPORTS}${sharded}.report.json`), null);
    assert.deepEqual(await listed(stack, `${hashed(sharded)}.parts/`), []);
    assert.deepEqual(stack.deadLetters(), []);
  });
});
