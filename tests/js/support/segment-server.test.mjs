// The local Segment look-alike that other tests send to: its strictness, records, faults and CLI, over real HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startSegmentServer, isIsoTimestamp, eventTooLarge, jsonBytesBound, mulberry32 } from '../../support/segment-server.mjs';

const KEY = 'wk_test_s3cret';
const AUTH = `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`;
const SERVER_PATH = fileURLToPath(new URL('../../support/segment-server.mjs', import.meta.url));

/** A fresh server for one test, closed when the test ends. */
async function serve(t, options = {}) {
  const seg = await startSegmentServer({ writeKey: KEY, port: 0, host: '127.0.0.1', ...options });
  t.after(() => seg.close());
  return seg;
}

/**
 * POSTs `body` (an object is JSON-encoded; a string or bytes go as they are). Bodies are always sent
 * as bytes so fetch adds no Content-Type of its own.
 */
async function post(seg, path, body, { auth = AUTH, contentType = 'application/json', method = 'POST' } = {}) {
  const headers = {};
  if (contentType !== null) headers['content-type'] = contentType;
  if (auth !== null) headers.authorization = auth;
  const bytes = typeof body === 'string' ? Buffer.from(body) : body instanceof Uint8Array ? body : Buffer.from(JSON.stringify(body));
  const res = await fetch(`${seg.url}${path}`, { method, headers, body: method === 'POST' ? bytes : undefined });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

const track = (i, extra = {}) => ({ type: 'track', userId: `u${i}`, event: 'Signed Up', messageId: `m-${i}`, ...extra });
const OK = { success: true };

test('a valid batch is answered 200 {"success":true} and recorded exactly', async (t) => {
  const seg = await serve(t);
  const batch = [
    { type: 'identify', userId: '1', traits: { plan: 'gold', seats: 3 }, timestamp: '2024-01-02T03:04:05.000Z', messageId: 'a' },
    { type: 'track', anonymousId: 'anon-1', event: 'Played', properties: { n: 1.5, ok: true }, context: { ip: '0.0.0.0' }, messageId: 'b' },
    { type: 'page', userId: 2, name: 'Home', timestamp: '2024-01-02T05:04:05+02:00' },
    { type: 'screen', anonymousId: 'a2', name: 'Main' },
    { type: 'group', userId: '1', groupId: 'g1', traits: { name: 'Acme' } },
    { type: 'alias', previousId: 'anon-1', userId: '1' },
  ];
  const res = await post(seg, '/v1/batch', { batch, sentAt: '2024-01-02T03:04:06.000Z' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, OK);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(seg.events, batch);
  assert.deepEqual(seg.dropped, []);
  assert.deepEqual(seg.requests, [{ method: 'POST', path: '/v1/batch', status: 200, bytes: seg.requests[0].bytes, events: 6, fault: null }]);
  assert.ok(seg.requests[0].bytes > 100);
  assert.deepEqual(seg.stats(), {
    requests: 1,
    accepted: 6,
    objects: 0,
    dropped: 0,
    duplicates: 0,
    uniqueMessageIds: 2,
    byStatus: { 200: 1 },
    faults: { 500: 0, 429: 0, drop: 0, slow: 0, dropAfterAccept: 0 },
  });
});

test('top-level context and integrations are merged into each event, the event winning', async (t) => {
  const seg = await serve(t);
  const res = await post(seg, '/v1/batch', {
    batch: [track(1), track(2, { context: { ip: '1.1.1.1', locale: 'fr' } })],
    context: { library: { name: 'csv2segment' }, ip: '0.0.0.0' },
    integrations: { All: true },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(seg.events, [
    track(1, { context: { library: { name: 'csv2segment' }, ip: '0.0.0.0' }, integrations: { All: true } }),
    track(2, { context: { library: { name: 'csv2segment' }, ip: '1.1.1.1', locale: 'fr' }, integrations: { All: true } }),
  ]);
});

test('auth: missing, wrong or colon-less keys get 401 with JSON, nothing recorded, the key never echoed', async (t) => {
  const seg = await serve(t);
  const body = { batch: [track(1)] };
  const b64 = (s) => `Basic ${Buffer.from(s).toString('base64')}`;
  const cases = [
    ['no header', null, body],
    ['wrong key', b64('wk_other:'), body],
    ['no colon', b64(KEY), body],
    ['Bearer scheme', `Bearer ${KEY}`, body],
    ['wrong header beats a right body key', b64('nope:'), { ...body, writeKey: KEY }],
    ['wrong body key', null, { ...body, writeKey: 'nope' }],
  ];
  for (const [name, auth, payload] of cases) {
    const res = await post(seg, '/v1/batch', payload, { auth });
    assert.equal(res.status, 401, name);
    assert.equal(res.json.success, false, name);
    assert.equal(typeof res.json.error, 'string', name);
    assert.ok(!res.text.includes(KEY) && !res.text.includes(AUTH.slice(6)), name);
  }
  // The Objects API takes the header only.
  const set = await post(seg, '/v1/set', { collection: 'rooms', objects: [{ id: '1', properties: {} }], writeKey: KEY }, { auth: null });
  assert.equal(set.status, 401);
  assert.ok(!set.text.includes(KEY));
  assert.equal(seg.events.length + seg.objects.length + seg.dropped.length, 0);
  assert.deepEqual(seg.stats().byStatus, { 401: 7 });

  // A writeKey in the body is accepted for tracking calls, and never recorded.
  const ok = await post(seg, '/v1/batch', { ...body, writeKey: KEY }, { auth: null });
  assert.equal(ok.status, 200);
  const single = await post(seg, '/v1/track', { ...track(2), writeKey: KEY }, { auth: null });
  assert.equal(single.status, 200);
  assert.deepEqual(seg.events, [track(1), track(2)]);
});

test('400: oversize body, 33 KB event, bad JSON, non-UTF-8, wrong content type, bad batch or sentAt', async (t) => {
  const seg = await serve(t);
  const good = { batch: [track(1)] };
  const cases = [
    ['body over 500 KB', { batch: Array.from({ length: 25 }, (_, i) => track(i, { properties: { pad: 'x'.repeat(21000) } })) }, {}, /too large/],
    ['one event over 32 KB', { batch: [track(1), track(2, { properties: { pad: 'x'.repeat(33 * 1024) } })] }, {}, /too large/],
    ['invalid JSON', '{"batch": [', {}, /JSON/],
    ['not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), {}, /UTF-8/],
    ['JSON but not an object', '[1,2]', {}, /object/],
    ['text/plain', good, { contentType: 'text/plain' }, /content type/],
    ['no content type', good, { contentType: null }, /content type/],
    ['latin1 charset', good, { contentType: 'application/json; charset=iso-8859-1' }, /content type/],
    ['batch not an array', { batch: { 0: track(1) } }, {}, /batch/],
    ['batch missing', { events: [track(1)] }, {}, /batch/],
    ['sentAt not ISO', { ...good, sentAt: '2024-01-02 03:04:05' }, {}, /sentAt/],
    ['sentAt null', { ...good, sentAt: null }, {}, /sentAt/],
  ];
  for (const [name, body, options, error] of cases) {
    const res = await post(seg, '/v1/batch', body, options);
    assert.equal(res.status, 400, name);
    assert.equal(res.json.success, false, name);
    assert.match(res.json.error, error, name);
  }
  assert.ok(seg.requests[0].bytes > 512000);
  assert.equal(seg.events.length + seg.dropped.length, 0);

  // The limits themselves are inclusive: exactly 32 KB per event is fine, and a charset of UTF-8 is fine.
  const base = track(1, { properties: { pad: '' } });
  const exact = track(1, { properties: { pad: 'x'.repeat(32768 - JSON.stringify(base).length) } });
  assert.equal(Buffer.byteLength(JSON.stringify(exact)), 32768);
  const res = await post(seg, '/v1/batch', { batch: [exact] }, { contentType: 'application/json; charset=UTF-8' });
  assert.equal(res.status, 200);
  assert.equal(seg.events.length, 1);
});

test('2500 events per batch are accepted; 2501 get a 200 and are all dropped', async (t) => {
  const seg = await serve(t);
  const tiny = (i) => ({ type: 'track', userId: 'u', event: 'e', messageId: `m${i}` });
  const ok = await post(seg, '/v1/batch', { batch: Array.from({ length: 2500 }, (_, i) => tiny(i)) });
  assert.equal(ok.status, 200);
  assert.equal(seg.events.length, 2500);
  const over = await post(seg, '/v1/batch', { batch: Array.from({ length: 2501 }, (_, i) => tiny(i)) });
  assert.equal(over.status, 200);
  assert.deepEqual(over.json, OK);
  assert.equal(seg.events.length, 2500);
  assert.equal(seg.stats().dropped, 2501);
  assert.ok(seg.dropped.every((d) => d.reason === 'batch over 2500 events'));
  assert.deepEqual(seg.dropped[2500].event, tiny(2500));
  assert.equal(seg.requests[1].events, 2501);
});

test('each bad event is dropped with its exact reason and the rest of the batch accepted', async (t) => {
  const seg = await serve(t);
  const cases = [
    ['not an object', 'event not an object'],
    [{ userId: '1', event: 'e' }, 'missing type'],
    [{ type: 'Track', userId: '1', event: 'e' }, 'unknown type'],
    [{ type: 'track', event: 'e' }, 'missing userId and anonymousId'],
    [{ type: 'track', userId: null, anonymousId: null, event: 'e' }, 'missing userId and anonymousId'],
    [{ type: 'identify', userId: '' }, 'invalid userId'],
    [{ type: 'identify', userId: { id: 1 } }, 'invalid userId'],
    [{ type: 'identify', userId: true }, 'invalid userId'],
    [{ type: 'identify', userId: '1', anonymousId: ['a'] }, 'invalid anonymousId'],
    [{ type: 'track', userId: '1' }, 'track without event'],
    [{ type: 'track', userId: '1', event: '' }, 'track without event'],
    [{ type: 'track', userId: '1', event: 5 }, 'track without event'],
    [{ type: 'group', userId: '1' }, 'group without groupId'],
    [{ type: 'alias', userId: '1' }, 'alias without previousId'],
    [{ type: 'alias', previousId: 'a' }, 'alias without userId'],
    [{ type: 'alias', previousId: 'a', anonymousId: 'b' }, 'alias without userId'],
    [{ type: 'identify', userId: '1', messageId: 42 }, 'invalid messageId'],
    [{ type: 'identify', userId: '1', messageId: '' }, 'invalid messageId'],
    [{ type: 'identify', userId: '1', messageId: 'm'.repeat(101) }, 'messageId over 100 characters'],
    [{ type: 'identify', userId: '1', timestamp: null }, 'invalid timestamp'],
    [{ type: 'identify', userId: '1', timestamp: 1704164645000 }, 'invalid timestamp'],
    [{ type: 'identify', userId: '1', timestamp: '2024-01-02' }, 'invalid timestamp'],
    [{ type: 'identify', userId: '1', timestamp: '2024-01-02T03:04:05' }, 'invalid timestamp'],
    [{ type: 'identify', userId: '1', timestamp: '2024-02-30T03:04:05Z' }, 'invalid timestamp'],
    [{ type: 'identify', userId: '1', traits: ['a'] }, 'traits not an object'],
    [{ type: 'track', userId: '1', event: 'e', properties: null }, 'properties not an object'],
    [{ type: 'identify', userId: '1', context: 'ctx' }, 'context not an object'],
    [{ type: 'identify', userId: '1', integrations: [] }, 'integrations not an object'],
  ];
  const accepted = [
    { type: 'identify', userId: 7 },
    { type: 'identify', userId: null, anonymousId: 'a' },
    { type: 'identify', userId: '1', messageId: 'm'.repeat(100) },
    { type: 'identify', userId: '1', timestamp: '2024-02-29T23:59:59.123456+05:30' },
    { type: 'group', anonymousId: 'a', groupId: 0 },
  ];
  const batch = [...cases.map(([event]) => event), ...accepted];
  const res = await post(seg, '/v1/batch', { batch });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, OK);
  assert.deepEqual(seg.dropped, cases.map(([event, reason]) => ({ event, reason })));
  assert.deepEqual(seg.events, accepted);
  assert.equal(seg.stats().dropped, cases.length);
  assert.equal(seg.stats().accepted, accepted.length);
});

test('isIsoTimestamp wants a real date, a time and a zone', () => {
  for (const s of ['2024-01-02T03:04:05.000Z', '2024-01-02T03:04:05Z', '2024-01-02T03:04Z', '2024-01-02T03:04:05+02:00', '2024-12-31T23:59:59.999999999-11:30', '2000-02-29T00:00:00Z']) {
    assert.equal(isIsoTimestamp(s), true, s);
  }
  for (const s of ['2024-01-02', '2024-01-02T03:04:05', '2024-01-02 03:04:05Z', '2024-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-02T24:00:00Z', '2024-01-02T03:60:00Z', '2024-01-02T03:04:05+0200', '2024-01-02t03:04:05z', 'garbage', '', null, 0]) {
    assert.equal(isIsoTimestamp(s), false, String(s));
  }
});

/** isIsoTimestamp as it was before its fast path: the regex and Date.UTC only. */
function referenceIsIsoTimestamp(value) {
  if (typeof value !== 'string') return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second = 0, zh = 0, zm = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x)));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && zh <= 23 && zm <= 59;
}

test('isIsoTimestamp (with its fast path for ...SS.sssZ) agrees with the plain regex and Date.UTC', () => {
  const values = [];
  // Every month end, leap or not, including the years 0-99 that Date.UTC reads as 1900-1999.
  for (const year of ['0000', '0004', '0096', '0100', '1900', '2000', '2023', '2024', '2100', '9999']) {
    for (let month = 0; month <= 13; month++) {
      for (const day of [0, 1, 28, 29, 30, 31, 32]) {
        const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
        values.push(`${date}T00:00:00Z`, `${date}T23:59:59.999Z`);
      }
    }
  }
  // Each character of both fast-path shapes replaced by look-alikes, and the shapes around them.
  const good = ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59.123Z'];
  for (const s of good) {
    for (let i = 0; i < s.length; i++) {
      for (const c of ['0', '9', '/', ':', 'a', 'T', 't', 'Z', 'z', '.', '-', '+', ' ', '٣', '\u0000']) values.push(s.slice(0, i) + c + s.slice(i + 1));
    }
  }
  values.push('2024-01-02T24:00:00Z', '2024-01-02T23:60:00Z', '2024-01-02T23:59:60Z', '2024-01-02T23:59:59.12Z', '2024-01-02T23:59:59.1234Z');
  values.push('2024-01-02T23:59:59.12aZ', '2024-01-02T23:59:59,123Z', '2024-01-02T23:59:59+00:00', '+2024-01-02T23:59:59Z', '2024-01-02T23:59:59Z ');
  for (const v of values) assert.equal(isIsoTimestamp(v), referenceIsIsoTimestamp(v), JSON.stringify(v));
  assert.ok(values.filter((v) => isIsoTimestamp(v)).length > 100);
});

test('dedupe: a repeated batch is recorded twice and counted as duplicates by messageId', async (t) => {
  const seg = await serve(t);
  const batch = [track(1), track(2), track(3), { type: 'identify', userId: 'no-id' }];
  assert.equal((await post(seg, '/v1/batch', { batch })).status, 200);
  assert.equal((await post(seg, '/v1/batch', { batch })).status, 200);
  assert.deepEqual(seg.events, [...batch, ...batch]);
  assert.deepEqual([...seg.messageIds], [['m-1', 2], ['m-2', 2], ['m-3', 2]]);
  const stats = seg.stats();
  assert.deepEqual([stats.accepted, stats.duplicates, stats.uniqueMessageIds], [8, 3, 3]);
  // Within one batch too.
  await post(seg, '/v1/batch', { batch: [track(9), track(9)] });
  assert.deepEqual([seg.stats().duplicates, seg.messageIds.get('m-9')], [4, 2]);
});

test('/v1/set: objects accepted, bad ones dropped, bad collections and counts 400', async (t) => {
  const seg = await serve(t);
  const good = [
    { id: '2561341', properties: { name: 'Charming Beach Room', review_count: 47, price: 9.5, open: 'true', room_2: '', '2fa': 0 } },
    { id: 'x', properties: {} },
  ];
  const bad = [
    [{ id: '1', properties: { name: 'a', open: true } }, 'property open a boolean, not a string or number'],
    [{ id: '1', properties: { closed: false } }, 'property closed a boolean, not a string or number'],
    ...['reviewCount', 'Name', 'review__count', '_count', 'count_', 'review count', 'größe', ''].map((key) => [{ id: '2', properties: { [key]: 1 } }, `property ${JSON.stringify(key)} not a snake_case name`]),
    [{ id: '3', properties: { address: { city: 'SF' } } }, 'property address not a string or number'],
    [{ id: '4', properties: { tags: ['a'] } }, 'property tags not a string or number'],
    [{ id: '5', properties: { gone: null } }, 'property gone not a string or number'],
    [{ id: '6', properties: { big: 'x'.repeat(32769) } }, 'property big over 32 KB'],
    [{ properties: {} }, 'missing id'],
    [{ id: 7, properties: {} }, 'invalid id'],
    [{ id: '', properties: {} }, 'invalid id'],
    [{ id: 'i'.repeat(101), properties: {} }, 'id over 100 characters'],
    [{ id: '8' }, 'missing properties'],
    [{ id: '9', properties: 'p' }, 'properties not an object'],
  ];
  // Ten objects a request at most.
  const sets = [good, bad.slice(0, 8), bad.slice(8, 16), bad.slice(16)].map((list) => list.map((o) => (Array.isArray(o) ? o[0] : o)));
  for (const [i, objects] of sets.entries()) {
    const res = await post(seg, '/v1/set', { collection: i < 3 ? 'rooms' : 'r', objects });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, OK);
  }
  assert.deepEqual(seg.objects, good.map((o) => ({ collection: 'rooms', ...o })));
  assert.deepEqual(
    seg.dropped,
    bad.map(([event, reason], i) => ({ event, reason, collection: i < 16 ? 'rooms' : 'r' })),
  );
  assert.equal(seg.events.length, 0);

  const eleven = Array.from({ length: 11 }, (_, i) => ({ id: `${i}`, properties: {} }));
  for (const [name, body] of [
    ['11 objects', { collection: 'rooms', objects: eleven }],
    ['0 objects', { collection: 'rooms', objects: [] }],
    ['objects not an array', { collection: 'rooms', objects: { id: '1', properties: {} } }],
    ['uppercase collection', { collection: 'Rooms', objects: good }],
    ['leading underscore', { collection: '_rooms', objects: good }],
    ['trailing underscore', { collection: 'rooms_', objects: good }],
    ['digit', { collection: 'rooms2', objects: good }],
    ['101 characters', { collection: 'a'.repeat(101), objects: good }],
    ['no collection', { objects: good }],
  ]) {
    const r = await post(seg, '/v1/set', body);
    assert.equal(r.status, 400, name);
    assert.equal(r.json.success, false, name);
  }
  assert.equal((await post(seg, '/v1/set', { collection: 'room_types', objects: eleven.slice(0, 10) })).status, 200);
  assert.equal((await post(seg, '/v1/set', { collection: 'a'.repeat(100), objects: good.slice(1) })).status, 200);
  assert.equal(seg.objects.length, 2 + 10 + 1);
  assert.equal(seg.stats().objects, 13);
});

test('single calls: the body is the event, its type from the path, 32 KB limit', async (t) => {
  const seg = await serve(t);
  const res = await post(seg, '/v1/track', { userId: '1', event: 'Clicked', properties: { a: 1 }, sentAt: '2024-01-02T03:04:05.000Z' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, OK);
  // A body type contradicting the path loses to the path.
  assert.equal((await post(seg, '/v1/identify', { type: 'track', userId: '2', traits: { b: 2 } })).status, 200);
  assert.equal((await post(seg, '/v1/alias', { previousId: 'a', userId: '3' })).status, 200);
  assert.deepEqual(seg.events, [
    { userId: '1', event: 'Clicked', properties: { a: 1 }, sentAt: '2024-01-02T03:04:05.000Z', type: 'track' },
    { type: 'identify', userId: '2', traits: { b: 2 } },
    { previousId: 'a', userId: '3', type: 'alias' },
  ]);
  // Dropped like batch events.
  assert.equal((await post(seg, '/v1/track', { userId: '1' })).status, 200);
  assert.deepEqual(seg.dropped, [{ event: { userId: '1', type: 'track' }, reason: 'track without event' }]);
  // 32 KB.
  const big = await post(seg, '/v1/page', { userId: '1', properties: { pad: 'x'.repeat(33 * 1024) } });
  assert.equal(big.status, 400);
  assert.match(big.json.error, /too large/);
  assert.equal(seg.events.length, 3);
});

test('routes: unknown paths 404, other methods 405 with Allow: POST', async (t) => {
  const seg = await serve(t);
  assert.equal((await post(seg, '/v1/unknown', { batch: [] })).status, 404);
  assert.equal((await post(seg, '/v1/batch/', { batch: [] })).status, 404);
  assert.equal((await post(seg, '/batch', { batch: [] })).status, 404);
  const get = await post(seg, '/v1/batch', null, { method: 'GET' });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  assert.equal((await post(seg, '/v1/set', null, { method: 'PUT' })).status, 405);
  assert.equal((await post(seg, '/v1/batch?x=1', { batch: [track(1)] })).status, 200);
  assert.deepEqual(seg.stats().byStatus, { 404: 3, 405: 2, 200: 1 });
});

/** The outcome of one request: its status, or 'closed' when the socket was destroyed. */
const outcome = (seg, path, body) =>
  post(seg, path, body).then(
    (res) => res.status,
    (err) => {
      assert.ok(err instanceof TypeError);
      return 'closed';
    },
  );

test('faults are reproducible with a seed, answer before validation, and 429 carries Retry-After', async (t) => {
  const faults = { error500: 0.2, rateLimit429: 0.2, drop: 0.1, retryAfter: 3 };
  const run = async (seed) => {
    const seg = await serve(t, { faults, seed });
    const statuses = [];
    for (let i = 0; i < 50; i++) statuses.push(await outcome(seg, '/v1/batch', { batch: [track(i)] }));
    return { seg, statuses };
  };
  const a = await run(7);
  const b = await run(7);
  const c = await run(8);
  assert.deepEqual(a.statuses, b.statuses);
  assert.notDeepEqual(a.statuses, c.statuses);
  for (const s of [200, 500, 429, 'closed']) assert.ok(a.statuses.includes(s), `saw ${s}`);
  const count = (s) => a.statuses.filter((x) => x === s).length;
  const stats = a.seg.stats();
  assert.deepEqual(stats.faults, { 500: count(500), 429: count(429), drop: count('closed'), slow: 0, dropAfterAccept: 0 });
  assert.equal(stats.accepted, count(200));
  assert.deepEqual(a.seg.requests.map((r) => r.status ?? 'closed'), a.statuses);
  assert.deepEqual(
    a.seg.requests.map((r) => r.fault),
    a.statuses.map((s) => ({ 500: '500', 429: '429', closed: 'drop' })[s] ?? null),
  );
  // reset() clears everything and reseeds: the same sequence again.
  a.seg.reset();
  assert.deepEqual(a.seg.stats().requests, 0);
  const again = [];
  for (let i = 0; i < 50; i++) again.push(await outcome(a.seg, '/v1/batch', { batch: [track(i)] }));
  assert.deepEqual(again, a.statuses);

  // Faults come before auth and validation; 429 says when to retry.
  const seg = await serve(t, { faults: { rateLimit429: 1, retryAfter: 3 } });
  const res = await post(seg, '/v1/batch', 'not json', { auth: null });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '3');
  assert.equal(res.headers.get('x-ratelimit-reset'), '3');
  assert.equal(res.json.success, false);
  seg.setFaults({ error500: 1 });
  assert.equal((await post(seg, '/v1/set', { collection: 'rooms', objects: [{ id: '1', properties: {} }] })).status, 500);
  seg.setFaults({});
  assert.equal((await post(seg, '/v1/batch', { batch: [track(1)] })).status, 200);
  assert.deepEqual(seg.stats().faults, { 500: 1, 429: 1, drop: 0, slow: 0, dropAfterAccept: 0 });
  assert.deepEqual([seg.events.length, seg.objects.length], [1, 0]);
  assert.equal(mulberry32(1)(), mulberry32(1)());
});

test('drop destroys the socket without an answer and records nothing', async (t) => {
  const seg = await serve(t, { faults: { drop: 1 } });
  await assert.rejects(post(seg, '/v1/batch', { batch: [track(1)] }), TypeError);
  assert.deepEqual(seg.events, []);
  assert.deepEqual(seg.requests, [{ method: 'POST', path: '/v1/batch', status: null, bytes: seg.requests[0].bytes, events: 0, fault: 'drop' }]);
  assert.equal(seg.stats().faults.drop, 1);
  assert.deepEqual(seg.stats().byStatus, {});
});

test('dropAfterAccept records the events then drops; the retry shows up as duplicates', async (t) => {
  const seg = await serve(t, { faults: { dropAfterAccept: 1 } });
  const body = { batch: [track(1), track(2)] };
  await assert.rejects(post(seg, '/v1/batch', body), TypeError);
  assert.deepEqual(seg.events, body.batch);
  // A rejected request is not accepted, so it is not dropped after either.
  assert.equal((await post(seg, '/v1/batch', { batch: 5 })).status, 400);
  seg.setFaults({});
  assert.equal((await post(seg, '/v1/batch', body)).status, 200);
  assert.deepEqual(seg.events, [...body.batch, ...body.batch]);
  const stats = seg.stats();
  assert.deepEqual([stats.accepted, stats.duplicates, stats.uniqueMessageIds, stats.faults.dropAfterAccept], [4, 2, 2, 1]);
  assert.deepEqual(seg.requests.map((r) => [r.status, r.fault]), [[null, 'dropAfterAccept'], [400, null], [200, null]]);
});

/** A sleep the test ends: each call is recorded with its ms, and `sleeping` resolves at the first. */
function heldSleep() {
  const calls = [];
  let started;
  const sleeping = new Promise((resolve) => (started = resolve));
  const sleep = (ms) => new Promise((resolve) => (calls.push({ ms, resolve }), started()));
  return { calls, sleeping, sleep };
}

// A test that waits on the server's events, not a time: a server that never answers fails it at its timeout.
test('slowMs delays the answer of its share of requests', { timeout: 10_000 }, async (t) => {
  const held = heldSleep();
  const seg = await serve(t, { faults: { slowMs: 80 }, sleep: held.sleep });
  let answered = false;
  const slow = post(seg, '/v1/batch', { batch: [track(1)] }).then((res) => ((answered = true), res));
  // The answer waits on an 80 ms sleep, and comes once it ends (nothing recorded before).
  await held.sleeping;
  assert.deepEqual(held.calls.map((c) => c.ms), [80]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual([answered, seg.events.length], [false, 0]);
  held.calls[0].resolve();
  assert.equal((await slow).status, 200);
  assert.equal(seg.requests[0].fault, 'slow');
  // Outside its share, no wait at all.
  seg.setFaults({ slowMs: 80, slowShare: 0 });
  assert.equal((await post(seg, '/v1/batch', { batch: [track(2)] })).status, 200);
  assert.deepEqual(held.calls.map((c) => c.ms), [80]);
  assert.equal(seg.requests[1].fault, null);
  assert.equal(seg.stats().faults.slow, 1);
  assert.throws(() => seg.setFaults({ drop: 2 }), RangeError);
  assert.throws(() => seg.setFaults({ error: 0.5 }), TypeError);
});

test('keep-alive connections are reused, and close() waits neither for idle ones nor for slow answers', { timeout: 10_000 }, async (t) => {
  const held = heldSleep();
  const seg = await serve(t, { sleep: held.sleep });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const send = (body) =>
    new Promise((resolve, reject) => {
      const data = Buffer.from(JSON.stringify(body));
      const req = http.request(`${seg.url}/v1/batch`, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: AUTH, 'content-length': data.length },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket }));
      });
      req.on('error', reject);
      req.end(data);
    });
  assert.deepEqual(await send({ batch: [track(1)] }), { status: 200, reused: false });
  assert.deepEqual(await send({ batch: [track(2)] }), { status: 200, reused: true });
  assert.deepEqual(await send({ batch: 'no' }), { status: 400, reused: true });
  // The idle keep-alive socket, and a request on another connection whose slow answer would
  // wait for as long as the test holds it (forever): close() must end both, or never resolve.
  const idle = Object.values(agent.freeSockets).flat();
  assert.equal(idle.length, 1);
  const idleClosed = once(idle[0], 'close');
  seg.setFaults({ slowMs: 60_000 });
  const slow = post(seg, '/v1/batch', { batch: [track(3)] });
  await held.sleeping;
  await seg.close();
  await idleClosed;
  await assert.rejects(slow, TypeError);
  assert.deepEqual(held.calls.map((c) => c.ms), [60_000]);
});

test('CLI: prints its URL, logs one line per request without the key, stops on SIGTERM with stats', { timeout: 5000 }, async () => {
  const child = spawn(process.execPath, [SERVER_PATH, '--port', '0', '--write-key', KEY, '--seed', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));
  const exited = once(child, 'exit');
  try {
    while (!stdout.includes('\n')) await once(child.stdout, 'data');
    const m = /^segment-server listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout);
    assert.ok(m, stdout);
    const seg = { url: m[1] };
    assert.equal((await post(seg, '/v1/batch', { batch: [track(1)] })).status, 200);
    assert.equal((await post(seg, '/v1/batch', { batch: [track(2)] }, { auth: `Basic ${Buffer.from('bad:').toString('base64')}` })).status, 401);
    while (stderr.split('\n').length < 3) await once(child.stderr, 'data');
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    assert.deepEqual([code, signal], [0, null]);
  } finally {
    child.kill('SIGKILL');
  }
  const logLines = stderr.trim().split('\n');
  assert.equal(logLines.length, 2);
  assert.match(logLines[0], /^POST \/v1\/batch 200 \d+B events=1$/);
  assert.match(logLines[1], /^POST \/v1\/batch 401 \d+B events=0$/);
  assert.ok(!stderr.includes(KEY) && !stderr.includes(AUTH.slice(6)) && !stdout.includes(KEY));
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  const stats = JSON.parse(lines[1]);
  assert.deepEqual([stats.requests, stats.accepted, stats.byStatus], [2, 1, { 200: 1, 401: 1 }]);
});

test('32 KB per event: brackets, commas, quotes and nested arrays in events do not confuse the size check', async (t) => {
  const seg = await serve(t);
  const tricky = [
    track(1, { properties: { s: '],[{"batch":[', t: '\\"]}', u: '\\', v: '"', w: ',,,', nested: [[1, [2, [3, ['x]']]]], {}], e: [] } }),
    track(2, { properties: { 'k"]}': '{[', list: ['a,b', 'c]d', '"e"'] } }),
    track(3, { context: { batch: [1, 2, { batch: ']' }] } }),
  ];
  const res = await post(seg, '/v1/batch', { batch: tricky, context: { note: '"batch": [' } });
  assert.equal(res.status, 200);
  assert.equal(seg.events.length, 3);
  assert.deepEqual(seg.events[0].properties, tricky[0].properties);

  // A 33 KB event in the middle of such a batch: 400 naming it, nothing recorded.
  const big = track(5, { properties: { pad: 'x'.repeat(33 * 1024), s: '],"batch":[' } });
  const mid = await post(seg, '/v1/batch', { batch: [...tricky, track(4), big, track(6)] });
  assert.equal(mid.status, 400);
  assert.equal(mid.json.error, 'event 4 too large: over 32768 bytes (32 KB)');
  assert.equal(seg.events.length, 3);

  // Raw text that a scanner would misread: a repeated "batch" key (the last one counts, as in
  // JSON.parse), escapes in the key, whitespace, and the oversize event after a decoy array.
  const pad = 'y'.repeat(33 * 1024);
  const raw = `{ "batch" : [ {"x":"${pad}"} ] , "b\\u0061tch" :\n [ ${JSON.stringify(track(7))} ,\t${JSON.stringify(track(8, { properties: { pad } }))} ] }`;
  const dup = await post(seg, '/v1/batch', raw);
  assert.equal(dup.status, 400);
  assert.equal(dup.json.error, 'event 1 too large: over 32768 bytes (32 KB)');
  const rawOk = `{"batch":[{"type":"track","userId":"1","event":"e","properties":{"x":"${pad}"}}],"batch":[${JSON.stringify(track(9))}]}`;
  assert.equal((await post(seg, '/v1/batch', rawOk)).status, 200);
  assert.deepEqual(seg.events.at(-1), track(9));
});

test('32 KB per event is Buffer.byteLength(JSON.stringify(event)): multibyte characters, escapes, numbers, merges', async (t) => {
  const seg = await serve(t);
  const limit = 32768;
  // An event whose JSON is exactly `bytes` long, padded with `unit` (a 1-, 2-, 3- or 4-byte character).
  const sized = (i, unit, bytes) => {
    const base = track(i, { properties: { pad: '' } });
    const room = bytes - Buffer.byteLength(JSON.stringify(base));
    const unitBytes = Buffer.byteLength(unit);
    const event = track(i, { properties: { pad: unit.repeat(Math.floor(room / unitBytes)) + 'x'.repeat(room % unitBytes) } });
    assert.equal(Buffer.byteLength(JSON.stringify(event)), bytes);
    return event;
  };
  for (const unit of ['x', 'é', '€', '😀']) {
    const exact = sized(1, unit, limit);
    const over = sized(2, unit, limit + 1);
    assert.equal(eventTooLarge(exact), false, unit);
    assert.equal(eventTooLarge(over), true, unit);
    const ok = await post(seg, '/v1/batch', { batch: [track(0), exact] });
    assert.equal(ok.status, 200, unit);
    const res = await post(seg, '/v1/batch', { batch: [track(0), exact, over, track(3)] });
    assert.equal(res.status, 400, unit);
    assert.equal(res.json.error, 'event 2 too large: over 32768 bytes (32 KB)', unit);
    // Single calls: the body is the event, with its type.
    assert.equal((await post(seg, '/v1/track', exact)).status, 200, unit);
    assert.equal((await post(seg, '/v1/track', over)).status, 400, unit);
  }

  // Sizes as JSON.stringify prints them, not as sent: escapes of control characters grow (1 unit,
  // 6 bytes), and 1e20 is printed as 21 digits; sent escapes of plain characters shrink.
  const controls = { type: 'track', userId: '1', event: 'e', properties: { c: '\u0001'.repeat(5460) } };
  assert.ok(Buffer.byteLength(JSON.stringify(controls)) > limit);
  assert.equal((await post(seg, '/v1/batch', { batch: [controls] })).json.error, 'event 0 too large: over 32768 bytes (32 KB)');
  const numbers = `{"batch":[{"type":"track","userId":"1","event":"e","properties":{"n":[${Array(1500).fill('1e20').join(',')}]}}]}`;
  assert.ok(numbers.length < 10000);
  assert.equal((await post(seg, '/v1/batch', numbers)).status, 400);
  const escaped = `{"batch":[{"type":"track","userId":"1","event":"e","properties":{"s":"${'\\u0041'.repeat(6000)}"}}]}`;
  assert.ok(escaped.length > limit);
  assert.equal((await post(seg, '/v1/batch', escaped)).status, 200);
  // The top-level context is merged in before measuring.
  const half = 'h'.repeat(17000);
  const merged = await post(seg, '/v1/batch', { batch: [track(1), track(2, { context: { own: half } })], context: { shared: half } });
  assert.equal(merged.json.error, 'event 1 too large: over 32768 bytes (32 KB)');
  assert.equal((await post(seg, '/v1/batch', { batch: [track(1)], context: { shared: 'h'.repeat(33000) } })).json.error, 'event 0 too large: over 32768 bytes (32 KB)');
});

test('eventTooLarge matches Buffer.byteLength(JSON.stringify(event)) > 32768 near the limit', () => {
  const random = mulberry32(11);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const pieces = ['x', 'é', '€', '😀', '\ud800', '"', '\\', '\n', '\u0001', '\u2028', '/'];
  const value = (depth) => {
    const r = random();
    if (r < 0.3 || depth > 3) return Array.from({ length: Math.floor(random() * 40) }, () => pick(pieces)).join('');
    if (r < 0.45) return pick([0, -0, 1e21, 1e-7, -1 / 3e5, -Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 66 + 2 ** 14, 0.1, true, false, null]);
    if (r < 0.7) return Array.from({ length: Math.floor(random() * 6) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(random() * 6) }, (_, i) => [`${pick(pieces)}${i}`, value(depth + 1)]));
  };
  // The bound that lets most events skip JSON.stringify is never below the exact size, and is
  // reached by the worst cases (control characters, the longest number, the longest key).
  for (let i = 0; i < 2000; i++) {
    const v = value(0);
    assert.ok(jsonBytesBound(v) >= Buffer.byteLength(JSON.stringify(v)), JSON.stringify(v));
  }
  const slack = [
    ['\u0001'.repeat(100), 0],
    [-1 / 3e5, 0],
    ['\udfff', 0],
    [{ ['\u0002'.repeat(9)]: -1 / 3e5 }, 1], // a comma counted after the last entry
    [[null], 21 + 1], // null as long as the longest number, and a comma too many
  ];
  for (const [v, extra] of slack) assert.equal(jsonBytesBound(v) - Buffer.byteLength(JSON.stringify(v)), extra, JSON.stringify(v));
  let near = 0;
  for (let i = 0; i < 300; i++) {
    // Padded to land within 4 bytes of the limit, either side.
    const event = { type: 'track', userId: String(i), event: 'e', properties: { v: value(0), pad: '', fill: '' } };
    const size = () => Buffer.byteLength(JSON.stringify(event));
    const target = 32768 + Math.floor(random() * 9) - 4;
    const unit = pick(['x', 'é', '€']);
    event.properties.pad = unit.repeat(Math.floor((target - size()) / Buffer.byteLength(unit)));
    event.properties.fill = 'f'.repeat(target - size());
    const exact = size();
    if (exact === target) near += 1;
    assert.equal(eventTooLarge(event), exact > 32768, `event ${i}: ${exact} bytes`);
  }
  assert.equal(near, 300);
});

test('UTF-8: a leading byte order mark is dropped as before; overlong, surrogate and truncated sequences are 400', async (t) => {
  const seg = await serve(t);
  const json = Buffer.from(JSON.stringify({ batch: [track(1, { properties: { name: 'Zoë 😀' } })] }));
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  assert.equal((await post(seg, '/v1/batch', Buffer.concat([bom, json]))).status, 200);
  assert.deepEqual(seg.events, [track(1, { properties: { name: 'Zoë 😀' } })]);
  // Only one is dropped: a second is a U+FEFF before the JSON.
  assert.match((await post(seg, '/v1/batch', Buffer.concat([bom, bom, json]))).json.error, /JSON/);
  const bad = [
    [0xc0, 0xaf], // overlong '/'
    [0xe0, 0x80, 0xaf], // overlong
    [0xed, 0xa0, 0x80], // a UTF-16 surrogate
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    [0xe2, 0x82], // truncated
    [0x80], // lone continuation byte
  ];
  for (const bytes of bad) {
    const body = Buffer.concat([Buffer.from('{"batch":[],"x":"'), Buffer.from(bytes), Buffer.from('"}')]);
    const res = await post(seg, '/v1/batch', body);
    assert.equal(res.status, 400, bytes.join(','));
    assert.equal(res.json.error, 'body is not valid UTF-8', bytes.join(','));
  }
  assert.equal(seg.events.length, 1);
});

test('record: false validates, counts and dedupes the same, but keeps no accepted events or objects', async (t) => {
  const [kept, lean] = [await serve(t), await serve(t, { record: false })];
  const requests = [
    ['/v1/batch', { batch: [track(1), track(2), { type: 'track', userId: '1' }, track(1)], context: { ip: '0.0.0.0' } }],
    ['/v1/batch', { batch: [track(2), track(3, { properties: { pad: 'x'.repeat(33 * 1024) } })] }],
    ['/v1/track', { userId: '9', event: 'Single', messageId: 'm-2' }],
    ['/v1/set', { collection: 'rooms', objects: [{ id: '1', properties: { a: 1 } }, { id: '2' }] }],
    ['/v1/batch', { batch: 'no' }],
  ];
  for (const [path, body] of requests) {
    const [a, b] = [await post(kept, path, body), await post(lean, path, body)];
    assert.deepEqual([b.status, b.json], [a.status, a.json], path);
  }
  assert.deepEqual(lean.stats(), kept.stats());
  assert.deepEqual(lean.stats().accepted, 4);
  assert.deepEqual([lean.stats().objects, lean.stats().duplicates, lean.stats().uniqueMessageIds], [1, 2, 2]);
  assert.deepEqual([...lean.messageIds], [...kept.messageIds]);
  assert.deepEqual(lean.dropped, kept.dropped);
  assert.deepEqual(lean.requests, kept.requests);
  assert.deepEqual([lean.events, lean.objects], [[], []]);
  assert.equal(kept.events.length, 4);
  lean.reset();
  assert.deepEqual([lean.stats().accepted, lean.stats().objects, lean.stats().duplicates], [0, 0, 0]);
  await assert.rejects(startSegmentServer({ record: 'no' }), TypeError);
});
