// A local stand-in for Segment's Tracking and Objects APIs, as strict as Segment's docs, because tests cannot reach Segment.
//
// Library:
//   const seg = await startSegmentServer({ writeKey: 'wk_test', port: 0, faults: { error500: 0.1 }, seed: 1 });
//   ...point SEGMENT_ENDPOINT and SEGMENT_OBJECTS_ENDPOINT at seg.url...
//   seg.events, seg.objects, seg.dropped, seg.requests, seg.stats(); await seg.close();
//   Benchmarks of millions of events: startSegmentServer({ record: false }) checks and counts the same
//   but keeps no accepted events or objects (seg.events and seg.objects stay empty).
//   Segment's rate limit: startSegmentServer({ maxEventsPerSecond: N }) (or seg.setRateLimit(N)),
//   see rule 8; seg.rateLimited counts its 429s. seg.timeline: each valid request's time, events
//   and answer (200, or the cap's 429), with or without a cap. Both run on startSegmentServer({ now })
//   (or seg.setClock(now)), a function giving epoch ms, so that a test on a clock it moves (as
//   tests/support/virtual-clock.mjs) sees the cap and the timeline in that time; the real one by default.
//
// CLI:
//   node tests/support/segment-server.mjs [--port N] [--host H] [--write-key K] [--seed N]
//     [--fault-500 P] [--fault-429 P] [--fault-drop P] [--fault-drop-after-accept P]
//     [--slow-ms N] [--slow-share P] [--retry-after S] [--max-events-per-second N]
//
// The rules (see /work/shared/reference/segment-api.md), checked in this order per request:
//   1. route: unknown path 404; known path with a method other than POST 405 (Allow: POST).
//   2. fault dice are rolled when the request arrives (fixed order, 5 draws per request, so a
//      seed gives the same decisions for the same request sequence), then the body is read.
//   3. injected faults (echoAuth, 500, 429, drop), before any validation; slowMs delays whatever answer follows.
//   4. an Authorization header that is present but wrong: 401.
//   5. body over 500 KB: 400. Content-Type not application/json: 400. Not UTF-8, not JSON,
//      not a JSON object: 400.
//   6. no Authorization header: the body's `writeKey` must equal the key (tracking paths only), else 401.
//   7. per endpoint: batch must be an array, sentAt an ISO-8601 string, every event's JSON at most
//      32 KB (400 for the whole request, nothing recorded); over 2500 events: 200, all dropped.
//      (The 32 KB is Buffer.byteLength(JSON.stringify(event)) after the top-level context merge,
//      see eventTooLarge; only events that might be over are actually stringified.)
//      Each event then is accepted or dropped with a reason (see eventDropReason).
//      /v1/set: collection and objects count checked (400), each object accepted or dropped
//      (see objectDropReason: string and number properties only, under snake_case names).
//   8. with a rate cap of N events per second (off by default), a valid request, before step 7
//      records anything, takes its events (objects) from a token bucket refilled at N a second
//      that holds one second's worth; a full bucket lets any one batch through, so the burst is
//      one second or one full batch, whichever is larger. Past it: 429 with Retry-After (and
//      X-RateLimit-Reset) in whole seconds, the time until the bucket holds the batch; nothing
//      recorded.
import http from 'node:http';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export const LIMITS = Object.freeze({
  /** Raw request body bytes. */
  bodyBytes: 512000,
  /** Bytes of JSON.stringify(event), per event and per single call. */
  eventBytes: 32768,
  /** Events per batch; more and the whole batch is dropped (with a 200). */
  batchEvents: 2500,
  /** Characters (code points) in a messageId, an object id or a collection name. */
  idChars: 100,
  /** Objects per /v1/set request. */
  objectsPerSet: 10,
  /** Bytes of one object property value. */
  propertyBytes: 32768,
  /** Oversize bodies are drained (read and discarded) up to this, then the connection is closed. */
  drainBytes: 8 * 1024 * 1024,
});

const EVENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'];
const EVENT_TYPE_SET = new Set(EVENT_TYPES);
const OBJECT_FIELDS = ['traits', 'properties', 'context', 'integrations'];
const TRACKING_PATHS = new Map([['/v1/batch', 'batch'], ...EVENT_TYPES.map((t) => [`/v1/${t}`, t])]);
const OBJECTS_PATH = '/v1/set';
const COLLECTION = /^[a-z](?:[a-z_]*[a-z])?$/;
// An object's property name: snake_case, lowercase words of letters and digits joined by single underscores.
const SNAKE_CASE = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;
// Date, time (seconds and fraction optional) and a zone: Z or ±hh:mm (the RFC 3339 profile of ISO 8601).
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
// Fatal: invalid UTF-8 is a 400. It drops one leading byte order mark. (buffer.isUtf8 and then
// toString was measured no faster on Node 20.)

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
// Code points; a string is never longer in code points than in UTF-16 units, so short ones are not counted.
const charsOver = (s, max) => s.length > max && [...s].length > max;
const isId = (v) => (typeof v === 'string' && v.length > 0) || (typeof v === 'number' && Number.isFinite(v));
const absent = (v) => v === undefined || v === null;

/**
 * Days in `month` (1-12) of `year`, as new Date(Date.UTC(year, month, 0)).getUTCDate() gives them:
 * Date.UTC reads years 0-99 as 1900-1999, so 0000-02-29 is not a date here either.
 */
function daysInMonth(year, month) {
  if (month === 2) {
    const y = year < 100 ? year + 1900 : year;
    return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The value of the two ASCII digits at s[i], s[i + 1], or -1 if either is not a digit. */
function twoDigits(s, i) {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

const validDateTime = (year, month, day, hour, minute, second, zh, zm) =>
  month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59 && zh <= 23 && zm <= 59;

/** True for an ISO-8601 string with a real date, a time and a zone, e.g. 2024-01-02T03:04:05.000Z or ...+02:00. */
export function isIsoTimestamp(value) {
  if (typeof value !== 'string') return false;
  // Fast path for what nearly every client sends, YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS.sssZ
  // (exactly what the regex below would match for that shape); anything else takes the regex.
  const n = value.length;
  if ((n === 20 || (n === 24 && value.charCodeAt(19) === 46)) && value.charCodeAt(n - 1) === 90 && value.charCodeAt(4) === 45 && value.charCodeAt(7) === 45 && value.charCodeAt(10) === 84 && value.charCodeAt(13) === 58 && value.charCodeAt(16) === 58) {
    const century = twoDigits(value, 0);
    const yy = twoDigits(value, 2);
    const month = twoDigits(value, 5);
    const day = twoDigits(value, 8);
    const hour = twoDigits(value, 11);
    const minute = twoDigits(value, 14);
    const second = twoDigits(value, 17);
    const fraction = n === 20 || (twoDigits(value, 20) >= 0 && twoDigits(value, 21) >= 0);
    if (century >= 0 && yy >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0 && fraction) {
      return validDateTime(century * 100 + yy, month, day, hour, minute, second, 0, 0);
    }
  }
  const m = ISO_TIMESTAMP.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second = 0, zh = 0, zm = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x)));
  return validDateTime(year, month, day, hour, minute, second, zh, zm);
}

/**
 * An upper bound of Buffer.byteLength(JSON.stringify(value)) for a JSON value, found without
 * stringifying; it stops adding as soon as the bound is over `budget`. A string of n UTF-16 units
 * takes at most 6n + 2 bytes (\u00XX escapes, lone surrogates as \udXXX, 3 bytes of UTF-8 per unit
 * otherwise), a number at most 25 (-0.0000012345678901234567), true, false and null at most 5.
 * Very deep values get Infinity, so that their exact size is taken. Exported for its tests.
 */
export function jsonBytesBound(value, budget = Infinity, depth = 0) {
  if (typeof value === 'string') return 6 * value.length + 2;
  if (typeof value !== 'object' || value === null) return 25;
  if (depth > 64) return Infinity;
  let bytes = 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      bytes += jsonBytesBound(value[i], budget - bytes, depth + 1) + 1;
      if (bytes > budget) return bytes;
    }
    return bytes;
  }
  for (const key in value) {
    bytes += 6 * key.length + 4 + jsonBytesBound(value[key], budget - bytes, depth + 1);
    if (bytes > budget) return bytes;
  }
  return bytes;
}

/** True when the event's JSON is over the 32 KB limit: Buffer.byteLength(JSON.stringify(event)). */
export function eventTooLarge(event) {
  if (jsonBytesBound(event, LIMITS.eventBytes) <= LIMITS.eventBytes) return false;
  return Buffer.byteLength(JSON.stringify(event) ?? '') > LIMITS.eventBytes;
}

/**
 * Why Segment would drop this tracking event (answering 200 all the same), or null if it is fine.
 * `type` must already be set (single calls take it from the path).
 */
export function eventDropReason(event) {
  if (!isObject(event)) return 'event not an object';
  const { type, userId, anonymousId, messageId, timestamp } = event;
  if (absent(type)) return 'missing type';
  if (!EVENT_TYPE_SET.has(type)) return 'unknown type';
  // Ids: absent means undefined or null; anything else must be a non-empty string or a finite number.
  if (!absent(userId) && !isId(userId)) return 'invalid userId';
  if (!absent(anonymousId) && !isId(anonymousId)) return 'invalid anonymousId';
  if (type === 'alias') {
    if (!isId(event.previousId)) return 'alias without previousId';
    if (!isId(userId)) return 'alias without userId';
  } else if (absent(userId) && absent(anonymousId)) {
    return 'missing userId and anonymousId';
  }
  if (type === 'track' && !(typeof event.event === 'string' && event.event.length > 0)) return 'track without event';
  if (type === 'group' && !isId(event.groupId)) return 'group without groupId';
  if (messageId !== undefined) {
    if (typeof messageId !== 'string' || messageId.length === 0) return 'invalid messageId';
    if (charsOver(messageId, LIMITS.idChars)) return 'messageId over 100 characters';
  }
  if (timestamp !== undefined && !isIsoTimestamp(timestamp)) return 'invalid timestamp';
  for (let i = 0; i < OBJECT_FIELDS.length; i++) {
    const value = event[OBJECT_FIELDS[i]];
    if (value !== undefined && !isObject(value)) return `${OBJECT_FIELDS[i]} not an object`;
  }
  return null;
}

/**
 * Why the Objects API would drop this object of a /v1/set body, or null if it is fine. Its
 * properties are strings, integers or floats (no booleans, null, lists or objects), each under
 * 32 KB, under snake_case names (lowercase words of a-z and 0-9 joined by single underscores).
 */
export function objectDropReason(object) {
  if (!isObject(object)) return 'object not an object';
  const { id, properties } = object;
  if (absent(id)) return 'missing id';
  if (typeof id !== 'string' || id.length === 0) return 'invalid id';
  if (charsOver(id, LIMITS.idChars)) return 'id over 100 characters';
  if (absent(properties)) return 'missing properties';
  if (!isObject(properties)) return 'properties not an object';
  for (const [key, value] of Object.entries(properties)) {
    if (!SNAKE_CASE.test(key)) return `property ${JSON.stringify(key)} not a snake_case name`;
    if (typeof value === 'boolean') return `property ${key} a boolean, not a string or number`;
    const ok = typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) return `property ${key} not a string or number`;
    if (typeof value === 'string' && Buffer.byteLength(value) > LIMITS.propertyBytes) return `property ${key} over 32 KB`;
  }
  return null;
}

function normalizeFaults(faults = {}) {
  const known = ['error500', 'rateLimit429', 'drop', 'slowMs', 'slowShare', 'retryAfter', 'dropAfterAccept', 'echoAuth'];
  for (const key of Object.keys(faults)) {
    if (!known.includes(key)) throw new TypeError(`unknown fault ${key} (known: ${known.join(', ')})`);
  }
  const p = (name) => {
    const v = faults[name] ?? 0;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`fault ${name} must be a probability in [0, 1]`);
    return v;
  };
  const n = (name, fallback) => {
    const v = faults[name] ?? fallback;
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`fault ${name} must be a number >= 0`);
    return v;
  };
  const slowMs = n('slowMs', 0);
  return {
    error500: p('error500'),
    rateLimit429: p('rateLimit429'),
    drop: p('drop'),
    slowMs,
    slowShare: faults.slowShare === undefined ? (slowMs > 0 ? 1 : 0) : p('slowShare'),
    retryAfter: Math.ceil(n('retryAfter', 1)),
    dropAfterAccept: p('dropAfterAccept'),
    // Not dice: when set, every request is answered 400 with this many `.` and then the request's
    // Authorization header, as a careless proxy or server echoes it (tests of the redaction).
    echoAuth: faults.echoAuth === undefined ? null : n('echoAuth', 0),
  };
}

/**
 * Segment's rate limit as a token bucket of `rate` events a second, one second's worth deep and
 * full at the start; null without a rate. `take(n, now)` takes n events and answers 0, or, when
 * the bucket does not hold them (one second's worth, for a batch larger than that), takes nothing
 * and answers the whole seconds to wait.
 */
function rateBucket(rate, now) {
  if (rate === null || rate === undefined) return null;
  if (typeof rate !== 'number' || !(rate > 0) || !Number.isFinite(rate)) throw new RangeError('maxEventsPerSecond must be a number above 0');
  let tokens = rate;
  let last = now();
  return {
    rate,
    take(n, now) {
      tokens = Math.min(rate, tokens + ((now - last) / 1000) * rate);
      last = now;
      const need = Math.min(n, rate);
      if (tokens >= need) {
        tokens -= n;
        return 0;
      }
      return Math.max(1, Math.ceil((need - tokens) / rate));
    },
  };
}

/**
 * Reads a request body. Keeps at most LIMITS.bodyBytes + 1 bytes; past that it drains (reads and
 * discards) up to LIMITS.drainBytes so the client can read the 400, then gives up (`complete: false`).
 */
function readBody(req) {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (declared > LIMITS.drainBytes) {
      resolve({ buffer: null, bytes: 0, tooLarge: true, complete: false, aborted: false });
      return;
    }
    const chunks = [];
    let bytes = 0;
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk) => {
      bytes += chunk.length;
      if (bytes <= LIMITS.bodyBytes) chunks.push(chunk);
      if (bytes > LIMITS.drainBytes) {
        req.pause();
        finish({ buffer: null, bytes, tooLarge: true, complete: false, aborted: false });
      }
    };
    const onEnd = () => {
      const tooLarge = bytes > LIMITS.bodyBytes;
      const buffer = tooLarge ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes);
      finish({ buffer, bytes, tooLarge, complete: true, aborted: false });
    };
    const onAbort = () => finish({ buffer: null, bytes, tooLarge: false, complete: false, aborted: true });
    const onClose = () => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

/** Checks `Authorization: Basic base64(writeKey + ":")`. Returns 'missing', 'ok' or 'wrong'. */
function checkAuthHeader(header, expected) {
  if (header === undefined) return 'missing';
  const m = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!m) return 'wrong';
  return Buffer.from(m[1], 'base64').equals(expected) ? 'ok' : 'wrong';
}

/** Checks Content-Type: application/json, with no charset other than UTF-8. */
function isJsonContentType(header) {
  if (typeof header !== 'string') return false;
  const [type, ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((param) => {
    const [name, value = ''] = param.split('=').map((s) => s.trim());
    return name !== 'charset' || ['utf-8', 'utf8', '"utf-8"'].includes(value);
  });
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Starts the server. Options: writeKey (default 'wk_test'), port (default 0: any free port),
 * host (default '127.0.0.1'), faults (see normalizeFaults), seed (default 1), log (a function
 * given one summary line per request; never the key or headers), record (default true; false keeps
 * no accepted events or objects, so seg.events and seg.objects stay empty, for benchmarks of
 * millions of events: every check, stats() and the messageId counts for dedupe are the same, and
 * dropped events are still kept in seg.dropped). now: the clock of the rate cap and the timeline,
 * epoch ms (see setClock). sleep: the wait of a slow answer, (ms) => Promise (default setTimeout),
 * so that a test can hold the answer and let it go; close() ends it either way.
 */
export async function startSegmentServer({ writeKey = 'wk_test', port = 0, host = '127.0.0.1', faults = {}, seed = 1, log, record = true, maxEventsPerSecond = null, now = null, sleep: wait = null } = {}) {
  if (typeof writeKey !== 'string' || writeKey.length === 0) throw new TypeError('writeKey must be a non-empty string');
  if (typeof record !== 'boolean') throw new TypeError('record must be a boolean');
  // The rate cap's time and the timeline's: a given clock, else the monotonic one and the wall clock.
  let clock = now;
  const bucketNow = () => (clock ? clock() : performance.now());
  const timelineNow = () => (clock ? clock() : Date.now());
  let bucket = rateBucket(maxEventsPerSecond, bucketNow);
  const timeline = [];
  let rateLimited = 0;
  const expectedAuth = Buffer.from(`${writeKey}:`, 'utf8');
  let activeFaults = normalizeFaults(faults);
  let random = mulberry32(seed);

  const events = [];
  const objects = [];
  const dropped = [];
  const requests = [];
  const messageIds = new Map();
  const counters = { accepted: 0, objects: 0, duplicates: 0, byStatus: {}, faults: {} };
  const zeroFaults = () => ({ 500: 0, 429: 0, drop: 0, slow: 0, dropAfterAccept: 0 });
  counters.faults = zeroFaults();
  const waits = new Set();
  let closing = false;

  const sleep = (ms) =>
    new Promise((resolve) => {
      const pending = { resolve: () => waits.delete(pending) && resolve(), timer: null };
      waits.add(pending);
      if (wait) wait(ms).then(pending.resolve, pending.resolve);
      else pending.timer = setTimeout(pending.resolve, ms);
    });

  /** Five draws per request, always in this order, whatever the probabilities. */
  function rollFaults() {
    const f = activeFaults;
    const [r500, r429, rDrop, rSlow, rAfter] = [random(), random(), random(), random(), random()];
    let kind = null;
    if (r500 < f.error500) kind = '500';
    else if (r429 < f.rateLimit429) kind = '429';
    else if (rDrop < f.drop) kind = 'drop';
    return {
      kind,
      slowMs: f.slowMs > 0 && rSlow < f.slowShare ? f.slowMs : 0,
      dropAfterAccept: rAfter < f.dropAfterAccept,
      retryAfter: f.retryAfter,
    };
  }

  function parseJsonBody(req, body) {
    if (body.tooLarge) throw new HttpError(400, `request body too large: over ${LIMITS.bodyBytes} bytes (500 KB)`);
    if (!isJsonContentType(req.headers['content-type'])) throw new HttpError(400, 'content type must be application/json');
    // isUtf8 (simdutf) then toString: the same check as a fatal TextDecoder, at a fifth of its cost.
    if (!isUtf8(body.buffer)) throw new HttpError(400, 'body is not valid UTF-8');
    const bytes = Buffer.from(body.buffer.buffer, body.buffer.byteOffset, body.buffer.byteLength);
    // As TextDecoder does, a leading byte order mark is dropped.
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const text = bytes.toString('utf8', bom);
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'body is not valid JSON');
    }
    if (!isObject(json)) throw new HttpError(400, 'body must be a JSON object');
    return json;
  }

  const tooLarge = (i) => new HttpError(400, `event ${i} too large: over ${LIMITS.eventBytes} bytes (32 KB)`);

  /** Validates a tracking request; returns a commit function recording its outcome, or throws HttpError. */
  function planTracking(kind, json) {
    if (json.sentAt !== undefined && !isIsoTimestamp(json.sentAt)) throw new HttpError(400, 'sentAt must be an ISO-8601 timestamp');
    let items;
    if (kind === 'batch') {
      items = json.batch;
      if (!Array.isArray(items)) throw new HttpError(400, 'batch must be an array');
      // Top-level context and integrations are merged into each event (the event's own keys win).
      const { context, integrations } = json;
      if (context !== undefined || integrations !== undefined) {
        for (const item of items) {
          if (!isObject(item)) continue;
          if (context !== undefined) {
            if (item.context === undefined) item.context = context;
            else if (isObject(item.context) && isObject(context)) item.context = { ...context, ...item.context };
          }
          if (integrations !== undefined) {
            if (item.integrations === undefined) item.integrations = integrations;
            else if (isObject(item.integrations) && isObject(integrations)) item.integrations = { ...integrations, ...item.integrations };
          }
        }
      }
      for (let i = 0; i < items.length; i++) if (eventTooLarge(items[i])) throw tooLarge(i);
    } else {
      // The body is the event; its type comes from the path, and a writeKey in it is auth, not data.
      const event = { ...json, type: kind };
      delete event.writeKey;
      items = [event];
      if (eventTooLarge(event)) throw tooLarge(0);
    }
    return {
      count: items.length,
      commit() {
        if (items.length > LIMITS.batchEvents) {
          for (const event of items) dropped.push({ event, reason: 'batch over 2500 events' });
          return;
        }
        for (let i = 0; i < items.length; i++) {
          const event = items[i];
          const reason = eventDropReason(event);
          if (reason !== null) {
            dropped.push({ event, reason });
            continue;
          }
          counters.accepted += 1;
          if (record) events.push(event);
          const id = event.messageId;
          if (typeof id === 'string') {
            const seen = messageIds.get(id);
            if (seen === undefined) {
              messageIds.set(id, 1);
            } else {
              counters.duplicates += 1;
              messageIds.set(id, seen + 1);
            }
          }
        }
      },
    };
  }

  function planObjects(json) {
    const { collection, objects: list } = json;
    if (typeof collection !== 'string' || !COLLECTION.test(collection) || charsOver(collection, LIMITS.idChars)) {
      throw new HttpError(400, 'collection must be lowercase letters and underscores, not starting or ending with _, at most 100 characters');
    }
    if (!Array.isArray(list) || list.length < 1 || list.length > LIMITS.objectsPerSet) {
      throw new HttpError(400, `objects must be an array of 1 to ${LIMITS.objectsPerSet} objects`);
    }
    return {
      count: list.length,
      commit() {
        for (const object of list) {
          const reason = objectDropReason(object);
          if (reason) {
            dropped.push({ event: object, reason, collection });
            continue;
          }
          counters.objects += 1;
          if (record) objects.push({ collection, id: object.id, properties: object.properties });
        }
      },
    };
  }

  function send(res, status, payload, headers = {}) {
    if (res.destroyed || res.writableEnded) return;
    const body = JSON.stringify(payload);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  async function handle(req, res) {
    const entry = { method: req.method, path: new URL(req.url ?? '/', 'http://localhost').pathname, status: null, bytes: 0, events: 0, fault: null };
    requests.push(entry);
    const faultNames = [];
    const done = (status) => {
      entry.status = status;
      entry.fault = faultNames.length ? faultNames.join('+') : null;
      if (status !== null) counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
      for (const name of faultNames) counters.faults[name] = (counters.faults[name] ?? 0) + 1;
      log?.(`${entry.method} ${entry.path} ${status ?? 'closed'} ${entry.bytes}B events=${entry.events}${entry.fault ? ` fault=${entry.fault}` : ''}`);
    };
    const answer = (status, payload, headers) => {
      send(res, status, payload, headers);
      done(status);
    };

    const kind = TRACKING_PATHS.get(entry.path) ?? (entry.path === OBJECTS_PATH ? 'set' : null);
    if (!kind) return answer(404, { success: false, error: 'not found' });
    if (req.method !== 'POST') return answer(405, { success: false, error: 'method not allowed: use POST' }, { Allow: 'POST' });

    const roll = rollFaults();
    const body = await readBody(req);
    entry.bytes = body.bytes;
    if (body.aborted || closing) return done(null);
    if (roll.slowMs > 0) {
      faultNames.push('slow');
      await sleep(roll.slowMs);
      if (closing) return done(null);
    }
    if (!body.complete) {
      // Gave up reading an enormous body: answer, then close the connection.
      res.once('finish', () => req.socket?.destroy());
      return answer(400, { success: false, error: `request body too large: over ${LIMITS.bodyBytes} bytes (500 KB)` }, { Connection: 'close' });
    }
    if (activeFaults.echoAuth !== null) {
      faultNames.unshift('echoAuth');
      const text = `${'.'.repeat(activeFaults.echoAuth)}Authorization: ${req.headers.authorization ?? ''} was refused`;
      res.writeHead(400, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return done(400);
    }
    if (roll.kind === '500') {
      faultNames.unshift('500');
      return answer(500, { success: false, error: 'internal server error (injected fault)' });
    }
    if (roll.kind === '429') {
      faultNames.unshift('429');
      const wait = String(roll.retryAfter);
      return answer(429, { success: false, error: 'too many requests (injected fault)' }, { 'Retry-After': wait, 'X-RateLimit-Reset': wait });
    }
    if (roll.kind === 'drop') {
      faultNames.unshift('drop');
      req.socket.destroy();
      return done(null);
    }

    try {
      const header = checkAuthHeader(req.headers.authorization, expectedAuth);
      if (header === 'wrong') throw new HttpError(401, 'invalid write key');
      const json = parseJsonBody(req, body);
      const trackingBodyKey = kind !== 'set' && typeof json.writeKey === 'string' && Buffer.from(json.writeKey, 'utf8').equals(Buffer.from(writeKey, 'utf8'));
      if (header === 'missing' && !trackingBodyKey) throw new HttpError(401, 'missing or invalid write key');
      const plan = kind === 'set' ? planObjects(json) : planTracking(kind, json);
      entry.events = plan.count;
      const waitSeconds = bucket ? bucket.take(plan.count, bucketNow()) : 0;
      timeline.push({ at: timelineNow(), events: plan.count, status: waitSeconds ? 429 : 200 });
      if (waitSeconds) {
        rateLimited += 1;
        const wait = String(waitSeconds);
        return answer(429, { success: false, error: `too many requests: over ${bucket.rate} events per second` }, { 'Retry-After': wait, 'X-RateLimit-Reset': wait });
      }
      plan.commit();
      if (roll.dropAfterAccept) {
        faultNames.push('dropAfterAccept');
        req.socket.destroy();
        return done(null);
      }
      return answer(200, { success: true });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      return answer(err.status, { success: false, error: err.message });
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      log?.(`internal error: ${err?.message ?? err}`);
      send(res, 500, { success: false, error: 'internal error in the test server' });
    });
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10000;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  const seg = {
    url,
    port: address.port,
    events,
    objects,
    dropped,
    requests,
    messageIds,
    /** Each valid request (as the rate cap counts them): `{ at, events, status }`, at in epoch ms. */
    timeline,
    /** 429s the rate cap answered. */
    get rateLimited() {
      return rateLimited;
    },
    /** Sets the rate cap, events per second (null: none); the bucket starts full. */
    setRateLimit(next = null) {
      bucket = rateBucket(next, bucketNow);
    },
    /** Runs the rate cap and the timeline on `next` (epoch ms; null: the real clocks); a cap starts full. */
    setClock(next = null) {
      clock = next;
      if (bucket) bucket = rateBucket(bucket.rate, bucketNow);
    },
    stats() {
      return {
        requests: requests.length,
        accepted: counters.accepted,
        objects: counters.objects,
        dropped: dropped.length,
        duplicates: counters.duplicates,
        uniqueMessageIds: messageIds.size,
        byStatus: { ...counters.byStatus },
        faults: { ...counters.faults },
      };
    },
    /** Replaces the fault settings (unset kinds become 0). The PRNG stream is not reseeded. */
    setFaults(next = {}) {
      activeFaults = normalizeFaults(next);
    },
    /** Clears recorded data and stats in place (the arrays and map stay the same objects) and reseeds the PRNG. */
    reset() {
      events.length = 0;
      objects.length = 0;
      dropped.length = 0;
      requests.length = 0;
      messageIds.clear();
      timeline.length = 0;
      rateLimited = 0;
      if (bucket) bucket = rateBucket(bucket.rate, bucketNow);
      counters.accepted = 0;
      counters.objects = 0;
      counters.duplicates = 0;
      counters.byStatus = {};
      counters.faults = zeroFaults();
      random = mulberry32(seed);
    },
    /** Stops listening, ends slow answers and closes every connection, idle or not. */
    async close() {
      if (closing) return;
      closing = true;
      for (const wait of waits) {
        clearTimeout(wait.timer);
        wait.resolve();
      }
      waits.clear();
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  return seg;
}

const USAGE = `usage: node tests/support/segment-server.mjs [--port N] [--host H] [--write-key K] [--seed N]
  [--fault-500 P] [--fault-429 P] [--fault-drop P] [--fault-drop-after-accept P]
  [--slow-ms N] [--slow-share P] [--retry-after S] [--max-events-per-second N]`;

async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: Object.fromEntries(
        ['port', 'host', 'write-key', 'seed', 'fault-500', 'fault-429', 'fault-drop', 'fault-drop-after-accept', 'slow-ms', 'slow-share', 'retry-after', 'max-events-per-second']
          .map((name) => [name, { type: 'string' }])
          .concat([['help', { type: 'boolean', short: 'h' }]]),
      ),
    }));
  } catch (err) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const num = (name) => {
    if (values[name] === undefined) return undefined;
    const v = Number(values[name]);
    if (values[name].trim() === '' || !Number.isFinite(v)) throw new RangeError(`--${name} must be a number`);
    return v;
  };
  let seg;
  try {
    const faults = Object.fromEntries(
      [
        ['error500', num('fault-500')],
        ['rateLimit429', num('fault-429')],
        ['drop', num('fault-drop')],
        ['dropAfterAccept', num('fault-drop-after-accept')],
        ['slowMs', num('slow-ms')],
        ['slowShare', num('slow-share')],
        ['retryAfter', num('retry-after')],
      ].filter(([, v]) => v !== undefined),
    );
    seg = await startSegmentServer({
      port: num('port') ?? 0,
      host: values.host ?? '127.0.0.1',
      writeKey: values['write-key'] ?? 'wk_test',
      seed: num('seed') ?? 1,
      faults,
      maxEventsPerSecond: num('max-events-per-second') ?? null,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (err) {
    process.stderr.write(`segment-server: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`segment-server listening on ${seg.url}\n`);
  const stop = async () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await seg.close();
    process.stdout.write(`${JSON.stringify(seg.stats())}\n`);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  await main(process.argv.slice(2));
}
