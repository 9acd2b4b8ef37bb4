// The sender against the local Segment-compatible server: auth, sentAt, retries under faults,
// refused batches, stopped runs, and the write key kept out of every message.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { loadEngine } from '../../../js/core/engine.mjs';
import { nodeFetch } from '../../../js/core/node-fetch.mjs';
import { ANSWER_CHARS, DeliveryError, Sender, redactSecrets } from '../../../js/core/sender.mjs';
import { startSegmentServer } from '../../support/segment-server.mjs';
import { virtualClock } from '../../support/virtual-clock.mjs';

const WRITE_KEY = 'wk_sender_secret_4242';
// Many tries: the fault tests check that every row arrives, not where the retries stop.
const FAST = { baseMs: 5, maxMs: 40, maxAttempts: 25 };

/** The engine's batches for a track file of `rows` rows, `perBatch` events each. */
async function trackBatches(rows, perBatch) {
  const { Ingest } = await loadEngine();
  const ing = new Ingest('track_orders.csv', 'test://sender', { maxBatchEvents: perBatch });
  let csv = 'userId,event,properties.n\n';
  for (let i = 1; i <= rows; i += 1) csv += `u${i},Order Completed,${i}\n`;
  ing.write(new TextEncoder().encode(csv));
  ing.finish();
  const batches = [];
  for (let b = ing.nextBatch(); b; b = ing.nextBatch()) batches.push(b);
  ing.free();
  return batches;
}

async function sendAll(sender, batches) {
  for (const b of batches) await sender.send(b);
  return sender.flush();
}

describe('Sender', () => {
  let seg;
  before(async () => {
    seg = await startSegmentServer({ writeKey: WRITE_KEY, seed: 7 });
  });
  after(() => seg.close());
  beforeEach(() => {
    seg.reset();
    seg.setFaults({});
  });
  const endpoints = () => ({ batch: seg.url, set: seg.url });

  test('delivers every event once, with Basic auth and sentAt stamped at send time', async () => {
    const batches = await trackBatches(10, 4);
    const clock = virtualClock();
    const summary = await sendAll(new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), clock, fetch: clock.fetch() }), batches);
    assert.deepEqual(summary, { requests: 3, attempts: 3, retries: 0, events: 10, failedEvents: 0, failedBatches: [], throttled: 0, pacedMs: 0 });
    assert.deepEqual(seg.events.map((e) => e.userId).sort(), Array.from({ length: 10 }, (_, i) => `u${i + 1}`).sort());
    assert.equal(seg.stats().uniqueMessageIds, 10);
    // The sender's clock at the send: the clock stands still while nothing waits.
    const sentAt = batches.map((b) => JSON.parse(new TextDecoder().decode(b.body)).sentAt);
    assert.deepEqual(sentAt, Array(3).fill(new Date(clock.now()).toISOString()));
  });

  test('streamed bodies (as Node hosts send them) arrive byte for byte, with their length', async () => {
    const batches = await trackBatches(7, 3);
    const expected = batches.map((b) => JSON.parse(new TextDecoder().decode(b.body)).batch.length);
    const summary = await sendAll(new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), streamBodies: true }), batches);
    assert.equal(summary.events, 7);
    assert.deepEqual(seg.requests.map((r) => r.events), expected);
    assert.deepEqual(seg.requests.map((r) => r.bytes), batches.map((b) => b.body.length));
    assert.equal(seg.stats().uniqueMessageIds, 7);
  });

  test('20% 500s, 10% 429s and 5% dropped connections: every event arrives, no more than 4 in flight', async () => {
    seg.setFaults({ error500: 0.2, rateLimit429: 0.1, drop: 0.05, retryAfter: 0 });
    const batches = await trackBatches(600, 10);
    let inFlight = 0;
    let most = 0;
    const counting = async (...args) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await fetch(...args);
      } finally {
        inFlight -= 1;
      }
    };
    const sender = new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), retry: FAST, fetch: counting });
    const summary = await sendAll(sender, batches);
    const stats = seg.stats();
    assert.equal(summary.events, 600);
    assert.equal(summary.requests, 60);
    assert.equal(summary.attempts, stats.requests);
    assert.equal(summary.retries, stats.requests - 60);
    assert.ok(stats.faults[500] > 0 && stats.faults[429] > 0 && stats.faults.drop > 0, JSON.stringify(stats.faults));
    assert.equal(stats.uniqueMessageIds, 600);
    assert.equal(stats.accepted, 600);
    assert.equal(most, 4);
  });

  test('an answer that was lost after Segment took the batch: the retry repeats the same messageIds', async () => {
    seg.setFaults({ dropAfterAccept: 0.5 });
    const summary = await sendAll(new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), retry: FAST }), await trackBatches(100, 5));
    const stats = seg.stats();
    assert.equal(summary.events, 100);
    assert.equal(stats.uniqueMessageIds, 100);
    assert.ok(stats.duplicates > 0);
    assert.equal(stats.accepted, 100 + stats.duplicates);
  });

  test('a 400 is not retried: the batch is reported with its lines and the answer, the rest goes on', async () => {
    const batches = await trackBatches(6, 3);
    // Corrupt the first body into invalid JSON, as a broken proxy might.
    batches[0].body[batches[0].body.length - 1] = 0x20;
    const summary = await sendAll(new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), retry: FAST }), batches);
    assert.equal(summary.events, 3);
    assert.equal(summary.attempts, 2);
    assert.equal(summary.failedEvents, 3);
    assert.equal(summary.failedBatches.length, 1);
    const [failed] = summary.failedBatches;
    assert.deepEqual([failed.firstLine, failed.lastLine, failed.events, failed.status], [2, 4, 3, 400]);
    assert.match(failed.answer, /json/i);
  });

  test('a wrong write key stops delivery; the key is in no message', async () => {
    const sender = new Sender({ writeKey: 'wk_wrong_secret', endpoints: endpoints(), retry: FAST });
    const batches = await trackBatches(4, 2);
    await sender.send(batches[0]);
    await assert.rejects(sender.flush(), (err) => {
      assert.ok(err instanceof DeliveryError);
      assert.equal(err.code, 'unauthorized');
      assert.match(err.message, /^lines 2-3: Segment answered HTTP 401 .*: the write key was refused; check SEGMENT_WRITE_KEY and SEGMENT_REGION$/);
      assert.ok(!err.message.includes('wk_wrong_secret'));
      assert.ok(!err.message.includes(Buffer.from('wk_wrong_secret:').toString('base64')));
      return true;
    });
    await assert.rejects(sender.send(batches[1]), { code: 'unauthorized' });
    assert.equal(seg.stats().accepted, 0);
  });

  test('an answer that echoes the credential: redacted before it is cut, at every cut position', async () => {
    const credential = Buffer.from(`${WRITE_KEY}:`).toString('base64');
    const before = 'Authorization: Basic ';
    // The credential starts at pad + 21 and is 32 characters: these pads cut it everywhere,
    // and put it whole just before the cut, and just after.
    const first = ANSWER_CHARS - before.length - credential.length - 2;
    const last = ANSWER_CHARS - before.length + 2;
    const [batch] = await trackBatches(1, 1);
    for (let pad = first; pad <= last; pad += 1) {
      seg.setFaults({ echoAuth: pad });
      const summary = await sendAll(new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), retry: FAST }), [batch]);
      const [failed] = summary.failedBatches;
      assert.equal(failed.status, 400);
      assert.equal(failed.answer, `${'.'.repeat(pad)}${before}<write key> was refused`.slice(0, ANSWER_CHARS).trim(), `pad ${pad}`);
      for (const secret of [credential, WRITE_KEY]) {
        for (let i = 0; i + 4 <= secret.length; i += 1) {
          assert.ok(!failed.answer.includes(secret.slice(i, i + 4)), `pad ${pad}: ${JSON.stringify(secret.slice(i, i + 4))} of a secret is in ${JSON.stringify(failed.answer.slice(-60))}`);
        }
      }
    }
  });

  test('a secret cut off at the end of the redacted window is taken out too', () => {
    const secrets = ['wk_abcdefgh', 'd2tfYWJjZGVmZ2g6'];
    assert.equal(redactSecrets('x wk_abcdefgh y d2tfYWJj', secrets, true), 'x <write key> y <write key>');
    assert.equal(redactSecrets('x wk_abcdefgh y d2tfYWJj', secrets), 'x <write key> y d2tfYWJj');
    // Three characters are too few to tell from ordinary text.
    assert.equal(redactSecrets('pay wk_', secrets, true), 'pay wk_');
  });

  test('a batch still failing after maxAttempts stops the run with its lines and the last answer', async () => {
    seg.setFaults({ error500: 1 });
    const sender = new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), retry: { ...FAST, maxAttempts: 3 } });
    await sender.send((await trackBatches(2, 2))[0]);
    await assert.rejects(sender.flush(), (err) => {
      assert.equal(err.code, 'retries_exhausted');
      assert.match(err.message, /^lines 2-3: still failing after 3 tries, last: HTTP 500/);
      assert.deepEqual([err.firstLine, err.lastLine], [2, 3]);
      return true;
    });
    assert.equal(seg.stats().requests, 3);
  });

  test('a 500 is tried again after the backoff, exactly: 250 ms, then 500 ms (no jitter drawn), and no 429 pause', async () => {
    seg.setFaults({ error500: 1 });
    const clock = virtualClock();
    const answers = [];
    const sender = new Sender({
      writeKey: WRITE_KEY,
      endpoints: endpoints(),
      clock,
      fetch: clock.fetch(),
      random: () => 0,
      onAttempt: (a) => {
        answers.push([clock.now(), a.status]);
        if (answers.length === 2) seg.setFaults({});
      },
    });
    const t0 = clock.now();
    const summary = await sendAll(sender, await trackBatches(1, 1));
    assert.deepEqual(answers.map(([t, status]) => [t - t0, status]), [[0, 500], [250, 500], [750, 200]]);
    assert.deepEqual([summary.attempts, summary.retries, summary.throttled, summary.pacedMs], [3, 2, 0, 0]);
    assert.equal(sender.limiter.pausedUntil, -Infinity);
  });

  test("a retry that would end after the host's deadline is not started", async () => {
    seg.setFaults({ rateLimit429: 1, retryAfter: 5 });
    // On a clock that stands still until something waits: the first try goes, whatever the machine's speed.
    const clock = virtualClock();
    const sender = new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), deadline: clock.now() + 2000, clock, fetch: clock.fetch() });
    await sender.send((await trackBatches(1, 1))[0]);
    await assert.rejects(sender.flush(), (err) => {
      assert.equal(err.code, 'deadline');
      assert.match(err.message, /^line 2: not delivered before the host's deadline, last: HTTP 429/);
      return true;
    });
    assert.equal(seg.stats().requests, 1);
  });

  test('a server that does not answer in time counts as a network error and is retried', async () => {
    seg.setFaults({ slowMs: 300, slowShare: 1 });
    const sender = new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), requestTimeoutMs: 100, retry: { ...FAST, maxAttempts: 2 } });
    await sender.send((await trackBatches(1, 1))[0]);
    await assert.rejects(sender.flush(), /^.*line 2: still failing after 2 tries, last: no answer within 100 ms$/);
  });

  describe('over nodeFetch (node:http, as the Lambda and the CLI send)', () => {
    test('every event once through 20% 500s, 10% 429s and 5% dropped connections', async () => {
      seg.setFaults({ error500: 0.2, rateLimit429: 0.1, drop: 0.05, retryAfter: 0 });
      const sender = new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), retry: FAST, fetch: nodeFetch });
      const summary = await sendAll(sender, await trackBatches(300, 10));
      assert.equal(summary.events, 300);
      assert.equal(seg.stats().uniqueMessageIds, 300);
      assert.equal(summary.attempts, seg.stats().requests);
    });

    test('answers, headers and timeouts read as fetch gives them', async () => {
      seg.setFaults({ rateLimit429: 1, retryAfter: 7 });
      const [batch] = await trackBatches(1, 1);
      const res = await nodeFetch(`${seg.url}/v1/batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: batch.body });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '7');
      assert.match(await res.text(), /too many requests/);
      seg.setFaults({ slowMs: 300, slowShare: 1 });
      const sender = new Sender({ writeKey: WRITE_KEY, endpoints: endpoints(), requestTimeoutMs: 100, retry: { ...FAST, maxAttempts: 2 }, fetch: nodeFetch });
      await sender.send(batch);
      await assert.rejects(sender.flush(), /^.*line 2: still failing after 2 tries, last: no answer within 100 ms$/);
    });
  });
});
