// The events-per-second budget (js/core/rate.mjs): the limiter's schedule on an injected clock, the
// settings, and delivery against the local Segment server on a virtual clock (the sender's and
// the server's): the exact pacing of a run, the exact waits after a 429, a 429 that pauses every
// slot, and AIMD under a server cap below the budget; the CLI's flag, wired to the limiter. No
// assertion depends on the machine's speed (the rates of real runs are bench/e2e-rate.mjs's);
// every run must deliver each event exactly once.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import { generateTrackCsv } from '../../../bench/generate.mjs';
import { ConfigError, readConfig } from '../../../js/core/config.mjs';
import { loadEngine } from '../../../js/core/engine.mjs';
import { sumDeliveries } from '../../../js/core/pieces.mjs';
import { ingestFile } from '../../../js/core/pipeline.mjs';
import { DEFAULT_PACING, RateLimiter, batchOptions, pieceBudget } from '../../../js/core/rate.mjs';
import { Sender } from '../../../js/core/sender.mjs';
import { startSegmentServer } from '../../support/segment-server.mjs';
import { runCli as cliWith } from '../../support/run.mjs';
import { virtualClock } from '../../support/virtual-clock.mjs';

const WRITE_KEY = 'wk_rate_secret_7f3e1c';
/** Runs the CLI with SEGMENT_WRITE_KEY and none of the shell's other Segment settings. */
const runCli = (args) => cliWith(args, { env: { SEGMENT_WRITE_KEY: WRITE_KEY } });


/** A clock the test moves. */
function fakeClock(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

describe('RateLimiter (on an injected clock)', () => {
  test('batches go at the budget, evenly: each pushes the next by its events / rate, with no catch-up after idling', () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ eventsPerSecond: 1000, now: clock.now });
    assert.deepEqual([500, 500, 250, 1000, 10].map((n) => limiter.reserve(n).at), [0, 500, 1000, 1250, 2250]);
    // Idle for a while: the next batch goes at once, but the budget is not saved up.
    clock.t = 10_000;
    assert.deepEqual([400, 400].map((n) => limiter.reserve(n).at), [10_000, 10_400]);
    assert.equal(limiter.rate(), 1000);
    assert.equal(limiter.budget, 1000);
  });

  test('without a budget nothing waits, until a 429', () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ now: clock.now });
    assert.deepEqual([2500, 2500, 2500].map((n) => limiter.reserve(n).at), [0, 0, 0]);
    assert.equal(limiter.rate(), Infinity);
    assert.equal(limiter.budget, null);
    // A 429 with nothing accepted yet: no rate to go down from, but every slot waits.
    const { until, decreased } = limiter.throttled({ sentAt: 0, waitMs: 2000 });
    assert.deepEqual([until, decreased], [2000, false]);
    assert.deepEqual([10, 10].map((n) => limiter.reserve(n).at), [2000, 2000]);
  });

  test('a 429 pauses every slot until the time asked; tickets given before it no longer hold', () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ eventsPerSecond: 1000, now: clock.now });
    const early = [limiter.reserve(100), limiter.reserve(100), limiter.reserve(100)];
    assert.deepEqual(early.map((t) => t.at), [0, 100, 200]);
    assert.ok(early.every((t) => limiter.holds(t)));
    clock.t = 50;
    limiter.throttled({ sentAt: 0, waitMs: 3000 });
    assert.ok(early.every((t) => !limiter.holds(t)), 'the slots waiting for 100 and 200 ms must wait for the pause');
    assert.equal(limiter.pausedUntil, 3050);
    // Made again, they go after the pause, one after the other at the (lowered) rate.
    const again = [limiter.reserve(100), limiter.reserve(100)];
    assert.equal(again[0].at, 3050);
    assert.ok(again[1].at > 3050 + 100, `${again[1].at}: the rate after a 429 is below the budget`);
    assert.ok(again.every((t) => limiter.holds(t)));
  });

  test('AIMD: down to decrease × what Segment accepted, once per episode, then back up by increasePerSecond, to the budget', () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ eventsPerSecond: 3000, now: clock.now });
    limiter.reserve(1000);
    // Segment takes 1,000 events a second for 5 s, then says 429.
    for (let s = 1; s <= 5; s += 1) {
      clock.t = s * 1000;
      limiter.accepted(1000);
    }
    clock.t = 5500;
    const first = limiter.throttled({ sentAt: 5400, waitMs: 1000 });
    // 5 s of the window (5,000 events, the one at 0.5 s ago... all five are within 5 s of 5.5 s).
    const floor = DEFAULT_PACING.decrease * 1000;
    assert.deepEqual(first, { until: 6500, decreased: true, rate: floor });
    // Another slot's request, sent before that decrease, gets its 429 too: the pause may grow,
    // the rate does not fall twice for one episode.
    clock.t = 5600;
    assert.deepEqual(limiter.throttled({ sentAt: 5300, waitMs: 1000 }), { until: 6600, decreased: false, rate: floor });
    // The climb starts when the pause ends: + increasePerSecond × floor each second.
    assert.equal(limiter.rate(6600), floor);
    assert.equal(limiter.rate(16_600), floor * (1 + DEFAULT_PACING.increasePerSecond * 10));
    assert.equal(limiter.rate(1_000_000), 3000, 'never above the budget');
    // A request sent after the decrease that still meets a 429: down again, from the rate it had.
    clock.t = 16_600;
    const second = limiter.throttled({ sentAt: 16_000, waitMs: 0 });
    assert.equal(second.decreased, true);
    assert.ok(Math.abs(second.rate - DEFAULT_PACING.decrease * floor * (1 + DEFAULT_PACING.increasePerSecond * 10)) < 1e-9, `${second.rate}`);
  });

  test('the accepted rate is measured over at least minWindowMs, and the rate never goes below minEventsPerSecond', () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ eventsPerSecond: 100, now: clock.now, policy: { minEventsPerSecond: 5 } });
    limiter.reserve(1);
    clock.t = 10;
    limiter.accepted(1);
    clock.t = 20;
    // 1 event in 20 ms is not 50 events a second: it counts over 100 ms (10 a second) ...
    assert.equal(limiter.throttled({ sentAt: 15, waitMs: 0 }).rate, DEFAULT_PACING.decrease * 10);
    // ... and nothing accepted in the window since: each 429 takes the rate down from where it
    // is, to the floor at most.
    clock.t += 10_000;
    for (let i = 0; i < 20; i += 1) {
      clock.t += 1;
      limiter.throttled({ sentAt: clock.t, waitMs: 0 });
    }
    assert.equal(limiter.rate(), 5);
  });

  test('a budget must be above 0', () => {
    assert.throws(() => new RateLimiter({ eventsPerSecond: 0 }), { name: 'RangeError', message: 'eventsPerSecond must be above 0, or null for no budget' });
  });
});

describe('the budget of a piece, batches, settings, reports', () => {
  test('a shard takes budget ÷ pieces in flight (÷ shards when fewer); a run of one piece takes it all', () => {
    const rate = { maxEventsPerSecond: 1000, piecesInFlight: 4 };
    assert.equal(pieceBudget(rate, null), 1000);
    assert.equal(pieceBudget(rate, { shard: null }), 1000, 'a continuation of a file in one piece');
    assert.equal(pieceBudget(rate, { shard: { index: 0, count: null } }), 250, 'shards still being found');
    assert.equal(pieceBudget(rate, { shard: { index: 7, count: 8 } }), 250);
    assert.equal(pieceBudget(rate, { shard: { index: 1, count: 2 } }), 500);
    assert.equal(pieceBudget({ maxEventsPerSecond: 1000, piecesInFlight: 1 }, { shard: { index: 1, count: 8 } }), 1000);
    assert.equal(pieceBudget({ maxEventsPerSecond: null, piecesInFlight: 4 }, { shard: { index: 1, count: 8 } }), null);
  });

  test('a request holds at most one second of the budget', () => {
    assert.deepEqual(batchOptions(250), { maxBatchEvents: 250 });
    assert.deepEqual(batchOptions(0.5), { maxBatchEvents: 1 });
    assert.deepEqual(batchOptions(2499.5), { maxBatchEvents: 2499 });
    assert.deepEqual(batchOptions(2500), {});
    assert.deepEqual(batchOptions(null), {});
  });

  test('SEGMENT_MAX_EVENTS_PER_SECOND: 1,000 towards Segment, none towards another endpoint unless set; CSV2SEGMENT_PIECES_IN_FLIGHT', () => {
    const rate = (env) => readConfig({ SEGMENT_WRITE_KEY: 'k', ...env }).rate;
    assert.deepEqual(rate({}), { maxEventsPerSecond: 1000, piecesInFlight: 1 });
    assert.deepEqual(rate({ SEGMENT_REGION: 'eu' }), { maxEventsPerSecond: 1000, piecesInFlight: 1 });
    assert.deepEqual(rate({ SEGMENT_ENDPOINT: 'http://127.0.0.1:9' }), { maxEventsPerSecond: null, piecesInFlight: 1 });
    assert.deepEqual(rate({ SEGMENT_ENDPOINT: 'http://127.0.0.1:9', SEGMENT_MAX_EVENTS_PER_SECOND: ' 250.5 ' }), { maxEventsPerSecond: 250.5, piecesInFlight: 1 });
    assert.deepEqual(rate({ SEGMENT_MAX_EVENTS_PER_SECOND: 'None', CSV2SEGMENT_PIECES_IN_FLIGHT: '4' }), { maxEventsPerSecond: null, piecesInFlight: 4 });
    const cases = [
      [{ SEGMENT_MAX_EVENTS_PER_SECOND: '0' }, 'SEGMENT_MAX_EVENTS_PER_SECOND is "0": give a number of events per second above 0, such as 1000, or none for no budget'],
      [{ SEGMENT_MAX_EVENTS_PER_SECOND: 'fast' }, 'SEGMENT_MAX_EVENTS_PER_SECOND is "fast": give a number of events per second above 0, such as 1000, or none for no budget'],
      [{ CSV2SEGMENT_PIECES_IN_FLIGHT: '0' }, 'CSV2SEGMENT_PIECES_IN_FLIGHT is "0": give a whole number of at least 1'],
      [{ CSV2SEGMENT_PIECES_IN_FLIGHT: '2.5' }, 'CSV2SEGMENT_PIECES_IN_FLIGHT is "2.5": give a whole number of at least 1'],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => rate(env), (err) => err instanceof ConfigError && err.message === message);
    }
  });

  test("wrangler.toml: CSV2SEGMENT_PIECES_IN_FLIGHT is the queue consumer's max_concurrency", async () => {
    const { unstable_readConfig: readWrangler } = await import('wrangler');
    const config = readWrangler({ config: fileURLToPath(new URL('../../../wrangler.toml', import.meta.url)) });
    const consumers = config.queues.consumers.map((c) => c.max_concurrency);
    assert.equal(consumers.length, 1);
    assert.equal(Number(config.vars.CSV2SEGMENT_PIECES_IN_FLIGHT), consumers[0]);
    // Unset: 1,000 towards Segment's hosts, none towards the local stack's test server.
    assert.equal(config.vars.SEGMENT_MAX_EVENTS_PER_SECOND, undefined);
  });

  test("the pieces' 429s and paced time add up in the whole file's delivery", () => {
    const piece = (throttled, pacedMs) => ({ requests: 2, attempts: 3, retries: 1, events: 10, failedEvents: 0, failedBatches: [], throttled, pacedMs });
    const total = sumDeliveries([piece(1, 1500), null, piece(0, 250), piece(2, 0)]);
    assert.deepEqual(total, { requests: 6, attempts: 9, retries: 3, events: 30, failedEvents: 0, failedBatches: [], throttled: 3, pacedMs: 1750 });
    // Parts written before these fields existed count as none.
    assert.deepEqual(sumDeliveries([{ requests: 1, attempts: 1, retries: 0, events: 4, failedEvents: 0, failedBatches: [] }]).pacedMs, 0);
  });
});

/** Events per second over the requests Segment accepted: all but the last batch, over first → last. */
function acceptedRate(timeline) {
  const ok = timeline.filter((e) => e.status === 200);
  const events = ok.slice(0, -1).reduce((sum, e) => sum + e.events, 0);
  return events / ((ok.at(-1).at - ok[0].at) / 1000);
}

function assertEachEventOnce(seg, rows) {
  const stats = seg.stats();
  assert.deepEqual({ accepted: stats.accepted, unique: stats.uniqueMessageIds, duplicates: stats.duplicates, dropped: stats.dropped }, { accepted: rows, unique: rows, duplicates: 0, dropped: 0 });
}

/** Times in ms after `t0`, to a microsecond (the rate's divisions leave fractions). */
const after0 = (times, t0) => times.map((t) => Math.round((t - t0) * 1000) / 1000);

// The sender's time is a virtual clock (tests/support/virtual-clock.mjs), and so is the server's
// rate cap and timeline: what is asserted is the schedule the sender decides, to the millisecond,
// however fast or loaded the machine is. Requests still go over HTTP to the local server.
describe('delivery at the budget, against the local Segment server', () => {
  let seg;
  let dir;
  let engine;
  let clock;
  before(async () => {
    [seg, dir, engine] = await Promise.all([startSegmentServer({ writeKey: WRITE_KEY, seed: 14 }), mkdtemp(path.join(os.tmpdir(), 'csv2segment-rate-')), loadEngine()]);
  });
  after(async () => {
    await seg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    clock = virtualClock();
    seg.setClock(clock.now);
    seg.reset();
    seg.setFaults({});
    seg.setRateLimit(null);
  });

  /** A sender on the test's clock, over HTTP to the server. */
  const sender = (settings = {}) => new Sender({ writeKey: WRITE_KEY, endpoints: { batch: seg.url, set: seg.url }, clock, fetch: clock.fetch(), ...settings });
  const ingest = (rows, key, options, s) => ingestFile({ engine, key, identity: `test://${key}`, options, source: [new TextEncoder().encode(generateTrackCsv(rows))], sender: s });

  test('a budget of 500 events/s: 10,500 events in 21 requests of 500, one each second, 20 s paced', async () => {
    const rows = 10_500;
    const s = sender({ maxEventsPerSecond: 500 });
    const t0 = clock.now();
    const result = await ingest(rows, 'track_paced.csv', batchOptions(500), s);
    assertEachEventOnce(seg, rows);
    // A request holds at most one second of the budget, and the next goes a second later: evenly,
    // never two seconds' worth at once.
    assert.deepEqual(seg.timeline.map((e) => e.events), Array(21).fill(500));
    assert.deepEqual(after0(seg.timeline.map((e) => e.at), t0), Array.from({ length: 21 }, (_, i) => i * 1000));
    assert.equal(result.delivery.throttled, 0);
    assert.equal(result.delivery.pacedMs, 20_000);
  });

  test('csv2segment send --max-events-per-second 500: requests of 500 events, paced, and told so', async () => {
    const rows = 1500;
    const file = path.join(dir, 'track_paced.csv');
    await writeFile(file, generateTrackCsv(rows));
    seg.setClock(null);
    const r = await runCli(['send', file, '--endpoint', seg.url, '--max-events-per-second', '500', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assertEachEventOnce(seg, rows);
    assert.deepEqual(seg.timeline.map((e) => e.events), [500, 500, 500]);
    const [result] = JSON.parse(r.stdout);
    assert.equal(result.delivery.throttled, 0);
    // The three are reserved at once (four slots): the second and third wait their second.
    assert.ok(result.delivery.pacedMs > 0, `paced ${result.delivery.pacedMs} ms`);
    assert.match(r.stderr, /\n {2}paced for \d+(\.\d+)? s to keep the events-per-second budget\n/);
  });

  test('--max-events-per-second takes a number above 0 or none', async () => {
    for (const value of ['0', '-5', 'fast', '']) {
      const r = await runCli(['send', path.join(dir, 'track_never.csv'), '--endpoint', seg.url, `--max-events-per-second=${value}`]);
      assert.deepEqual(r, {
        code: 2,
        stdout: '',
        stderr: `csv2segment: --max-events-per-second is ${value === '' ? 'empty' : `"${value}": give a number of events per second above 0, such as 1000, or none for no budget`}\nTry 'csv2segment send --help'.\n`,
      });
    }
    assert.equal(seg.stats().requests, 0);
  });

  test('after a 429 asking for 2 s the batch goes again exactly 2 s later, then at 85% of the budget, climbing 5% a second', async () => {
    // The first request gets a 429 (Retry-After: 2), every other one a 200; one slot, so the
    // schedule is the limiter's alone.
    seg.setFaults({ rateLimit429: 1, retryAfter: 2 });
    const answers = [];
    const s = sender({ maxEventsPerSecond: 1000, concurrency: 1, onAttempt: (a) => (answers.push([clock.now(), a.status]), seg.setFaults({})) });
    const t0 = clock.now();
    const result = await ingest(500, 'track_retry_after.csv', { maxBatchEvents: 100 }, s);
    assertEachEventOnce(seg, 500);
    assert.deepEqual(answers.map(([, status]) => status), [429, 200, 200, 200, 200, 200]);
    // Expected: 1,000 × 0.85 = 850 events/s from the end of the pause, + 5% of 850 each second.
    const floor = 1000 * DEFAULT_PACING.decrease;
    const rateAt = (t) => floor * (1 + (DEFAULT_PACING.increasePerSecond * (t - 2000)) / 1000);
    const expected = [0, 2000];
    while (expected.length < 6) expected.push(expected.at(-1) + (100 / rateAt(expected.at(-1))) * 1000);
    assert.deepEqual(after0(answers.map(([t]) => t), t0), after0(expected, 0));
    // The injected 429 comes before the checks, so the timeline has the five that were taken.
    assert.deepEqual(after0(seg.timeline.map((e) => e.at), t0), after0(expected.slice(1), 0));
    assert.deepEqual([result.delivery.throttled, result.delivery.retries], [1, 1]);
    // Paced from the 429 to the last batch's turn.
    assert.equal(Math.round(result.delivery.pacedMs * 1000) / 1000, after0([expected.at(-1)], 0)[0]);
  });

  test('a 429 pauses every slot of the sender until the time asked, not only the one that got it', async () => {
    // Each 429 lowers the rate too (from what the server accepted, pauses included): a few
    // batches are enough, or random 429s would slow the run down to a crawl, as they should.
    seg.setFaults({ rateLimit429: 0.2, retryAfter: 1 });
    const rows = 1000;
    const starts = [];
    const throttledAt = [];
    const s = sender({
      concurrency: 4,
      fetch: clock.fetch((url, init) => (starts.push(clock.now()), fetch(url, init))),
      // Told of each answer in the same turn the sender pauses its slots.
      onAttempt: (a) => a.status === 429 && throttledAt.push(clock.now()),
    });
    const result = await ingest(rows, 'track_pause.csv', { maxBatchEvents: 100 }, s);
    assertEachEventOnce(seg, rows);
    assert.ok(throttledAt.length >= 1, `${throttledAt.length} 429s`);
    assert.equal(result.delivery.throttled, throttledAt.length);
    assert.equal(result.delivery.throttled, seg.stats().faults[429]);
    for (const t of throttledAt) {
      const during = starts.filter((x) => x > t && x < t + 1000);
      assert.deepEqual(during, [], `requests started ${during.map((x) => x - t).join(', ')} ms after a 429 that asked for 1 s`);
      // ... and the slots do go again once it is over.
      assert.ok(starts.some((x) => x >= t + 1000), `no request after the 429 at ${t}`);
    }
    assert.ok(result.delivery.pacedMs >= 1000 * new Set(throttledAt).size, `${result.delivery.pacedMs} ms paced`);
  });

  test('a budget 3× what the server accepts converges: AIMD keeps near the cap with few 429s, and nothing is lost', async () => {
    const cap = 1000;
    seg.setRateLimit(cap);
    const rows = 15_000;
    const s = sender({ maxEventsPerSecond: 3 * cap });
    const result = await ingest(rows, 'track_aimd.csv', { maxBatchEvents: 200 }, s);
    assertEachEventOnce(seg, rows);
    const timeline = seg.timeline;
    const share429 = seg.rateLimited / timeline.length;
    const rate = acceptedRate(timeline);
    const message = `${rate.toFixed(0)} events/s accepted for a cap of ${cap}, ${seg.rateLimited} 429s in ${timeline.length} requests`;
    assert.ok(rate >= 0.75 * cap, message);
    assert.ok(share429 <= 0.1, message);
    assert.equal(result.delivery.throttled, seg.rateLimited);
    // Converged: the second half of the run meets fewer 429s than the first.
    const middle = (timeline[0].at + timeline.at(-1).at) / 2;
    const late = timeline.filter((e) => e.at > middle && e.status === 429).length;
    assert.ok(late < seg.rateLimited - late || late <= 1, `${late} of ${seg.rateLimited} 429s in the second half`);
    assert.ok(s.limiter.rate() < 3 * cap, 'the rate stays below the budget the server refuses');
  });
});
