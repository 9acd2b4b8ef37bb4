// Cloudflare Worker host: R2 event notifications (a queue consumer) and HTTP uploads → Segment.
// Configured by wrangler.toml; the engine's wasm arrives as a compiled module, set up once per isolate.
// A file that does not fit one invocation goes on in others through the same queue: the Worker
// sends itself a message per piece of work (a continuation, or a shard of a large file).
import wasmModule from '../../../pkg/csv2segment_bg.wasm';
import * as engine from '../../../pkg/csv2segment.js';
import { ConfigError, DEFAULT_RETRY_DELAY_SECONDS, readBucketName, readConfig, readEngineOptions, readRequireMapping, readRetryDelaySeconds } from '../../core/config.mjs';
import { gunzip } from '../../core/gunzip.mjs';
import { MAPPING_NAME, MappingUnreadable, findMapping, isMappingKey, mappingRequiredError, withMapping } from '../../core/mapping.mjs';
import { writeAnalytics } from '../../core/metrics.mjs';
import { sha256Hex } from '../../core/pinned-mapping.mjs';
import { Superseded, TaskRefused, runObject, taskOf } from '../../core/object-run.mjs';
import { IdempotencyConflict, LengthRequired, claim, idempotencyKeys, storeBody } from './idempotency.mjs';
import { ingestFile, isEngineError } from '../../core/pipeline.mjs';
import { ingestWorkbook } from '../../core/workbook-run.mjs';
import { batchOptions } from '../../core/rate.mjs';
import { DeliveryError, Sender } from '../../core/sender.mjs';
import { getR2Mapping } from './r2-mapping.mjs';

/** R2 notification actions that carry a new object; the others (deletes) are acked untouched. */
const NEW_OBJECT_ACTIONS = new Set(['PutObject', 'CopyObject', 'CompleteMultipartUpload']);
/** A queue consumer runs for at most 15 minutes of wall clock; its runs end a minute before. */
const LIMIT_MS = 840_000;
/** A failed message's redelivery delay doubles with every attempt, up to an hour. */
const MAX_RETRY_DELAY_SECONDS = 3600;
/** Payloads `/v1/validate` answers with unless `?samples=` says otherwise. */
const DEFAULT_SAMPLES = 5;
/**
 * `/v1/validate` reads at most this many bytes of a file (after decompression) and this many
 * rows, then answers 413: a check for a person, not a bulk job. 64 MiB is under a second of CPU
 * (the engine takes about 10 s a GB), and a million rows too, however short (a 145 KB .gz of 20
 * million tiny rows took 9.3 s); either shows every kind of problem a file has. Larger files:
 * the CLI's or the page's validate, which run on the user's own machine.
 */
const VALIDATE_MAX_BYTES = 64 * 1024 * 1024;
const VALIDATE_MAX_ROWS = 1_000_000;
/**
 * An Excel workbook sent to `/v1/ingest` or `/v1/validate` is held whole, up to this many bytes:
 * a request body is a stream that cannot be read in ranges, and a workbook's directory is at its
 * end. 16 MiB (about 400,000 rows of a few columns) beside the engine's own bound (its shared
 * strings, at most 64 MiB) stays within a Worker's 128 MB. Larger: upload it to the bucket, where
 * it is read in ranged gets at any size.
 */
const WORKBOOK_BODY_MAX_BYTES = 16 * 1024 * 1024;

/** @typedef {import('../../core/task.mjs').Task} Task */
/** @typedef {import('../../core/object-run.mjs').StoredObject} StoredObject */
/** @typedef {ReturnType<typeof readConfig>} Config */

/**
 * The Worker's bindings and variables (wrangler.toml): the bucket, the queue, the datasets and
 * assets where configured, and the settings of config.mjs (strings, read and checked there).
 * @typedef {{ BUCKET: R2Bucket, QUEUE?: Queue<{ csv2segment: Task }>, METRICS?: AnalyticsEngineDataset, ASSETS?: Fetcher, INGEST_TOKEN?: string, [setting: string]: unknown }} Env
 */

/**
 * A queue message's body before it is checked: a task of ours or an R2 notification, or anything
 * whoever can send to the queue wrote. Read field by field with `?.`.
 * @typedef {any} MessageBody
 */

let initialised = false;
function getEngine() {
  if (!initialised) {
    engine.initSync({ module: wasmModule });
    initialised = true;
  }
  return engine;
}

/** @param {Record<string, unknown>} fields */
const emit = (fields) => console.log(JSON.stringify({ source: 'csv2segment', ...fields }));
/**
 * emit, and a file's outcome to Workers Analytics Engine too when the METRICS binding is set.
 * @param {Env} env
 * @returns {(fields: Record<string, unknown>) => void}
 */
const emitter = (env) => (fields) => {
  emit(fields);
  writeAnalytics(env.METRICS, fields);
};

// ---------------------------------------------------------------------------
// R2 event notifications

/**
 * The object's bytes (those of `range`, end exclusive), pinned to its eTag; throws Superseded.
 * @param {R2Bucket} bucket
 * @param {string} key
 * @param {string | undefined} eTag
 * @param {boolean} gzip
 * @param {{ start: number, end: number | null } | null} range
 * @returns {Promise<AsyncIterable<Uint8Array>>}
 */
async function openR2(bucket, key, eTag, gzip, range) {
  /** @type {R2GetOptions} */
  const options = {};
  if (eTag) options.onlyIf = { etagMatches: eTag };
  if (range && (range.start > 0 || range.end !== null)) {
    options.range = range.end === null ? { offset: range.start } : { offset: range.start, length: range.end - range.start };
  }
  const object = await bucket.get(key, options);
  if (object === null) throw new Superseded('the object is gone');
  // A failed precondition gives the object's metadata without a body.
  if (!('body' in object) || !object.body) throw new Superseded('the object changed after this event');
  return gzip ? gunzip(object.body, getEngine()) : object.body;
}

/**
 * The bucket beside the object, as runObject uses it.
 * @param {R2Bucket} bucket
 * @returns {import('../../core/object-run.mjs').ObjectStore}
 */
function r2Store(bucket) {
  return {
    put: async (key, body, contentType) => {
      await bucket.put(key, body, { httpMetadata: { contentType } });
    },
    remove: (key) => bucket.delete(key),
    get: async (key) => (await bucket.get(key))?.text() ?? null,
    async list(prefix) {
      /** @type {string[]} */
      const keys = [];
      /** @type {string | undefined} */
      let cursor;
      do {
        const page = await bucket.list({ prefix, cursor });
        for (const o of page.objects) keys.push(o.key);
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return keys;
    },
  };
}

/**
 * Runs an object (task null: a new upload, `event` telling it from another upload) or a piece of one.
 * @param {Env} env
 * @param {Config} config
 * @param {string} bound the BUCKET binding's bucket name
 * @param {StoredObject} object
 * @param {Task | null} task
 * @param {string} [event]
 */
function runR2Object(env, config, bound, object, task, event) {
  const { bucket, key, eTag } = object;
  return runObject({
    engine: getEngine(),
    config,
    object,
    task,
    event,
    identity: `r2://${bucket}/${key}#${eTag ?? ''}`,
    open: (gzip, range) => openR2(env.BUCKET, key, eTag, gzip, range),
    head: async () => {
      const found = await env.BUCKET.head(key);
      return found && { size: found.size, eTag: found.etag };
    },
    // The Worker reads one bucket, its binding's: a task naming any other is refused.
    buckets: [bound],
    store: r2Store(env.BUCKET),
    findMapping: (k) => findMapping(k, (candidate) => getR2Mapping(env.BUCKET, candidate)),
    limitMs: LIMIT_MS,
    handOff: env.QUEUE ? (t) => /** @type {Queue<{ csv2segment: Task }>} */ (env.QUEUE).send({ csv2segment: t }, { contentType: 'json' }) : undefined,
    emit: emitter(env),
  });
}

/**
 * @param {Message<MessageBody>} message
 * @param {Env} env
 * @param {Config} config
 * @param {string} bound
 */
async function handleMessage(message, env, config, bound) {
  let task;
  try {
    task = taskOf(message.body);
  } catch (err) {
    if (!(err instanceof TaskRefused)) throw err;
    // Acked: nothing about it can change.
    emit({ level: 'error', status: 'refused', error: `a task refused: ${err.message}`, messageId: message.id });
    return;
  }
  if (task) {
    const { bucket, key, eTag, size } = task;
    // A refused task is logged (runObject) and acked: nothing about it can change.
    await runR2Object(env, config, bound, { bucket, key, eTag, size: size ?? undefined }, task);
    return;
  }
  const note = message.body;
  const key = note?.object?.key;
  if (typeof key !== 'string' || typeof note.action !== 'string') {
    emit({ level: 'warn', status: 'skipped', reason: 'not an R2 event notification', messageId: message.id });
    return;
  }
  const bucketName = note.bucket ?? '';
  if (bucketName !== bound) {
    // Another bucket's notification on this queue: its object is not in the bound bucket (or is
    // another object of the same key). Not acked: it comes back, then waits in the dead-letter
    // queue, where it can be replayed once the queue or BUCKET_NAME is put right.
    throw new Error(`the notification is about bucket ${JSON.stringify(bucketName)}, not ${bound} (BUCKET_NAME, the BUCKET binding's): not read`);
  }
  if (!NEW_OBJECT_ACTIONS.has(note.action)) {
    emit({ level: 'info', bucket: bucketName, key, status: 'skipped', reason: `action ${note.action}` });
    return;
  }
  if (isMappingKey(key)) {
    emit({ level: 'info', bucket: bucketName, key, status: 'skipped', reason: 'a mapping: files uploaded from now on are read through it' });
    message.ack();
    return;
  }
  if (key.startsWith(config.reportPrefix)) {
    emit({ level: 'info', bucket: bucketName, key, status: 'skipped', reason: 'a report of csv2segment' });
    return;
  }
  // The event's time tells a redelivery of this notification (the same) from a re-upload.
  await runR2Object(env, config, bound, { bucket: bucketName, key, eTag: note.object.eTag, size: note.object.size }, null, String(note.eventTime ?? ''));
}

/**
 * The queue consumer: R2 notifications and the Worker's own pieces of work.
 * @param {MessageBatch<MessageBody>} batch
 * @param {Env} env
 */
async function queue(batch, env) {
  /** @type {Config} */
  let config;
  /** @type {string} */
  let bound;
  try {
    config = readConfig(env);
    bound = readBucketName(env);
  } catch (err) {
    // Nothing can be delivered until the settings are fixed: retry every message, later.
    emit({ level: 'error', status: 'failed', error: /** @type {Error} */ (err).message });
    let delaySeconds = DEFAULT_RETRY_DELAY_SECONDS;
    try {
      delaySeconds = readRetryDelaySeconds(env);
    } catch {
      // That setting is wrong too; its message is in the log line above or after the fix.
    }
    batch.retryAll({ delaySeconds });
    return;
  }
  for (const message of batch.messages) {
    try {
      await handleMessage(message, env, config, bound);
      message.ack();
    } catch (err) {
      // runObject has written a report and logged why; the message comes back with the same
      // object and so the same messageIds.
      const base = config.retryDelaySeconds;
      const delaySeconds = Math.min(MAX_RETRY_DELAY_SECONDS, base * 2 ** Math.max(0, (message.attempts ?? 1) - 1));
      if (!(err instanceof DeliveryError)) {
        emit({ level: 'error', key: message.body?.object?.key ?? message.body?.csv2segment?.key, status: 'failed', error: /** @type {{ message?: string } | null | undefined} */ (err)?.message ?? String(err) });
      }
      message.retry({ delaySeconds });
    }
  }
}

// ---------------------------------------------------------------------------
// HTTP

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/**
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function json(status, body, headers = {}) {
  return new Response(`${JSON.stringify(body, null, 2)}\n`, { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** @type {(status: number, error: string, extra?: Record<string, unknown>, headers?: Record<string, string>) => Response} */
const problem = (status, error, extra = {}, headers = {}) => json(status, { error, ...extra }, headers);

const encoder = new TextEncoder();

/**
 * Compares the request's bearer token with INGEST_TOKEN in constant time (over their hashes).
 * @param {Request} request
 * @param {string} token
 */
async function authorised(request, token) {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) return false;
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(match[1])),
    crypto.subtle.digest('SHA-256', encoder.encode(token)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * @param {string} pathname
 * @param {string} prefix
 */
function fileNameFrom(pathname, prefix) {
  const raw = pathname.slice(prefix.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** A validate request over VALIDATE_MAX_BYTES or VALIDATE_MAX_ROWS: answered 413. */
class TooLarge extends Error {}

/**
 * The bytes of `source`, stopped with TooLarge past VALIDATE_MAX_BYTES (leaving the loop cancels the body).
 * @param {AsyncIterable<Uint8Array>} source
 */
async function* capped(source) {
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    if (bytes > VALIDATE_MAX_BYTES) {
      throw new TooLarge(`the file is more than ${VALIDATE_MAX_BYTES.toLocaleString('en-US')} bytes (after decompression); /v1/validate reads at most that many (and ${VALIDATE_MAX_ROWS.toLocaleString('en-US')} rows): validate it with the CLI or the page, which read any size`);
    }
    yield chunk;
  }
}

/**
 * The first bytes of `source` (at least four, unless it is shorter), to tell a workbook by, and
 * the whole of it again as `rest`.
 * @param {AsyncIterable<Uint8Array>} source
 */
async function peek(source) {
  const it = source[Symbol.asyncIterator]();
  /** @type {Uint8Array[]} */
  const first = [];
  let got = 0;
  let ended = false;
  while (got < 4) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    // A chunk may be reused by its reader: the first ones are kept as copies.
    first.push(next.value.slice());
    got += next.value.length;
  }
  const head = new Uint8Array(got);
  let at = 0;
  for (const c of first) {
    head.set(c, at);
    at += c.length;
  }
  return {
    head,
    rest: {
      async *[Symbol.asyncIterator]() {
        if (got > 0) yield head;
        if (ended) return;
        for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
      },
    },
  };
}

/**
 * A workbook body whole, up to WORKBOOK_BODY_MAX_BYTES; TooLarge past it (leaving the loop cancels the body).
 * @param {AsyncIterable<Uint8Array>} source
 * @param {Uint8Array} head its first bytes, for the size of the first allocation
 */
async function held(source, head) {
  /** @type {Uint8Array[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > WORKBOOK_BODY_MAX_BYTES) {
      throw new TooLarge(`the file is an Excel workbook of more than ${WORKBOOK_BODY_MAX_BYTES.toLocaleString('en-US')} bytes: a request's body cannot be read in ranges, so a workbook sent here is held whole and may be at most that many; upload it to the bucket instead, where it is read in ranges at any size`);
    }
    chunks.push(chunk === head ? chunk : chunk.slice());
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/**
 * An upload to /v1/ingest (sent) or /v1/validate (read only).
 * @param {Request} request
 * @param {Env} env
 * @param {string} name the file name from the path
 * @param {'ingest' | 'validate'} mode
 */
async function upload(request, env, name, mode) {
  const url = new URL(request.url);
  const send = mode === 'ingest';
  let config;
  let engineOptions;
  try {
    config = send ? readConfig(env) : null;
    engineOptions = config ? config.engineOptions : readEngineOptions(env);
  } catch (err) {
    if (err instanceof ConfigError) return problem(500, `the Worker is not configured: ${err.message}`);
    throw err;
  }
  if (!request.body) return problem(400, 'the request has no body: send the CSV file (or the Excel workbook) as the body');

  // The mapping: the one the request names (a key in the bucket), else the bucket's root one.
  const named = request.headers.get('x-csv2segment-mapping')?.trim();
  if (named && !isMappingKey(named)) {
    return problem(400, `X-Csv2segment-Mapping names a key in the bucket whose name is ${MAPPING_NAME}, like exports/${MAPPING_NAME}; '${named}' is not one`);
  }
  let mapping = null;
  if (env.BUCKET) {
    const key = named || MAPPING_NAME;
    let found;
    try {
      found = await getR2Mapping(env.BUCKET, key);
    } catch (err) {
      if (!(err instanceof MappingUnreadable)) throw err;
      // Not read, nothing sent: too large is the mapping's to fix; an error of R2's may pass.
      emitter(env)({ level: 'error', key: name, status: 'failed', error: err.message, requests: 0 });
      return err.message.includes('a mapping may have at most') ? problem(422, err.message) : problem(503, err.message, {}, { 'retry-after': '60' });
    }
    if (named && !found) return problem(400, `X-Csv2segment-Mapping: no mapping at ${named} in the bucket`);
    mapping = found && { key, ...found };
  } else if (named) {
    return problem(400, 'X-Csv2segment-Mapping: the Worker has no bucket (BUCKET) to read the mapping from');
  }
  let requireMapping;
  try {
    requireMapping = config ? config.requireMapping : readRequireMapping(env);
  } catch (err) {
    if (err instanceof ConfigError) return problem(500, `the Worker is not configured: ${err.message}`);
    throw err;
  }
  if (!mapping && requireMapping) return problem(422, mappingRequiredError(''), { status: 'unprocessable' });
  engineOptions = withMapping(engineOptions, mapping);

  const eng = getEngine();
  let gzip = false;
  try {
    gzip = eng.parseKey(name, engineOptions).gzip;
  } catch {
    // ingestFile reports a name the engine does not take.
  }
  const samples = Math.min(100, Math.max(0, Math.trunc(Number(url.searchParams.get('samples') ?? DEFAULT_SAMPLES)) || 0));
  // An upload is a run of one piece: it takes the whole events-per-second budget.
  const options = config ? { ...engineOptions, ...batchOptions(config.rate.maxEventsPerSecond) } : { ...engineOptions, samplePayloads: samples };
  // A client that may retry names its upload; the same name (decoded, so every spelling of it
  // is one) and the same body give the same messageIds. A key names one body: it is stored and
  // hashed before anything is sent, and another body under the key is refused.
  const idempotencyKey = request.headers.get('idempotency-key')?.trim();
  const identity = `http://${name}#${idempotencyKey || crypto.randomUUID()}`;
  /** @type {ReadableStream<Uint8Array>} */
  let body = request.body;
  /** @type {string | null} */
  let stored = null;
  if (config && idempotencyKey) {
    const keys = await idempotencyKeys(config.reportPrefix, idempotencyKey);
    try {
      const upload = await storeBody(env.BUCKET, keys.body, request);
      await claim(env.BUCKET, keys.record, { name, ...upload, mapping: mapping ? await sha256Hex(mapping.text) : null });
    } catch (err) {
      await env.BUCKET.delete(keys.body).catch(() => {});
      if (err instanceof LengthRequired) return problem(411, err.message);
      if (err instanceof IdempotencyConflict) return problem(409, err.message);
      return problem(400, `could not read the request body: ${/** @type {{ message?: string } | null | undefined} */ (err)?.message ?? err}`);
    }
    stored = keys.body;
    // Stored just above, and removed only below.
    body = /** @type {R2ObjectBody} */ (await env.BUCKET.get(stored)).body;
  }
  const decoded = gzip ? gunzip(body, eng) : body;
  // validate's caps (VALIDATE_MAX_BYTES, VALIDATE_MAX_ROWS); ingest runs within the run's own.
  const source = send ? decoded : capped(decoded);
  const onProgress = send ? undefined : (/** @type {{ rows: number }} */ p) => {
    if (p.rows > VALIDATE_MAX_ROWS) throw new TooLarge(`the file has more than ${VALIDATE_MAX_ROWS.toLocaleString('en-US')} rows; /v1/validate reads at most that many (and ${VALIDATE_MAX_BYTES.toLocaleString('en-US')} bytes after decompression): validate it with the CLI or the page, which read any size`);
  };
  const sender = config
    ? Sender.fromConfig(config, { deadline: Date.now() + LIMIT_MS })
    : undefined;

  /** @type {import('../../core/workbook-run.mjs').WorkbookResult} */
  let result;
  try {
    // A .gz is CSV (the engine takes no .xlsx.gz): its bytes go to ingestFile, which reports a broken gzip.
    const { head, rest } = gzip ? { head: new Uint8Array(0), rest: source } : await peek(source);
    if (/\.xls[xm]$/i.test(name) || eng.isWorkbook(head)) {
      const bytes = await held(rest, head);
      const readRange = async function* (/** @type {number} */ start, /** @type {number} */ end) {
        yield bytes.subarray(start, end);
      };
      result = await ingestWorkbook({ engine: eng, key: name, identity, options, size: bytes.length, readRange, sender, onProgress, progressMs: 0 });
    } else {
      result = await ingestFile({ engine: eng, key: name, identity, options, source: rest, sender, onProgress, progressMs: 0 });
    }
  } catch (err) {
    if (err instanceof TooLarge) return problem(413, err.message);
    if (err instanceof DeliveryError && sender) {
      const { failedBatches, ...counts } = sender.summary;
      emitter(env)({ level: 'error', key: name, status: 'failed', error: err.message, ...counts, failedBatches: failedBatches.length });
      return problem(502, err.message, { code: err.code, delivery: sender.summary });
    }
    if (isEngineError(err)) return problem(400, err.message, { code: err.code });
    // The body stream broke (the client went away, or bad gzip).
    return problem(400, `could not read the request body: ${/** @type {{ message?: string } | null | undefined} */ (err)?.message ?? err}`);
  } finally {
    if (stored) await env.BUCKET.delete(stored).catch(() => {});
  }
  const { report, delivery, timing } = result;
  const status = result.status === 'unprocessable' ? 422 : 200;
  // A workbook's sheet, and what its reader noted (a workbook named .csv).
  const book = result.sheet !== undefined || result.notes ? { sheet: result.sheet ?? null, notes: result.notes ?? [] } : {};
  if (send) {
    emitter(env)({ level: status === 200 && !report.rejected ? 'info' : 'warn', key: name, status: result.status, rows: report.rows, events: report.events, rejected: report.rejected, delivered: delivery?.events ?? 0, failed: delivery?.failedEvents ?? 0, requests: delivery?.requests ?? 0, throttled: delivery?.throttled ?? 0, pacedMs: delivery?.pacedMs ?? 0, ms: timing.ms });
    return json(status, { status: result.status, timing, ...report, ...book, delivery });
  }
  return json(status, { status: result.status, timing, report, ...book, payloads: result.samples ?? [] });
}

/**
 * @param {Request} request
 * @param {Env} env
 */
async function route(request, env) {
  const url = new URL(request.url);
  const path = url.pathname;
  if (!path.startsWith('/v1/')) {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return problem(path === '/' ? 405 : 404, path === '/' ? 'use GET' : `no such endpoint: ${path}; use POST /v1/ingest/<file name> or POST /v1/validate/<file name>`, {}, path === '/' ? { allow: 'GET, HEAD' } : {});
    }
    // The validation page and the engine: wrangler.toml's [assets], built into dist/site.
    if (env.ASSETS) return env.ASSETS.fetch(request);
  }
  const mode = path.startsWith('/v1/ingest/') ? 'ingest' : path.startsWith('/v1/validate/') ? 'validate' : null;
  if (!mode) return problem(404, `no such endpoint: ${path}; use POST /v1/ingest/<file name> or POST /v1/validate/<file name>`);
  if (request.method !== 'POST') return json(405, { error: `use POST for /v1/${mode}/<file name>` }, { allow: 'POST' });
  if (!env.INGEST_TOKEN) {
    return problem(503, 'uploads are off: set the INGEST_TOKEN secret (wrangler secret put INGEST_TOKEN) to turn them on');
  }
  if (!(await authorised(request, env.INGEST_TOKEN))) {
    return problem(401, 'missing or wrong token: send Authorization: Bearer <INGEST_TOKEN>', {}, { 'www-authenticate': 'Bearer' });
  }
  const name = fileNameFrom(path, `/v1/${mode}/`);
  if (!name) return problem(400, `give the file name after /v1/${mode}/, for example /v1/${mode}/track_signups.csv`);
  return upload(request, env, name, mode);
}

export default {
  /**
   * @param {Request} request
   * @param {Env} env
   */
  async fetch(request, env) {
    try {
      return await route(request, env);
    } catch (err) {
      emit({ level: 'error', status: 'failed', error: /** @type {{ message?: string } | null | undefined} */ (err)?.message ?? String(err) });
      return problem(500, 'internal error; the Worker log has the details');
    }
  },
  queue,
};
