// Runs the Cloudflare Worker host locally in the real Workers runtime (workerd, through Miniflare),
// wired the way wrangler.toml says, for tests and for `npm start`.
//
//   const stack = await startWorkerStack({ vars: { SEGMENT_ENDPOINT: seg.url }, secrets: { SEGMENT_WRITE_KEY: 'k', INGEST_TOKEN: 't' } });
//   await stack.putAndNotify('uploads/a.csv', 'email\na@example.com\n');
//   await stack.waitFor(() => stack.bucket.head('csv2segment-reports/uploads/a.csv.report.json'));
//   await stack.close();
//
// The stack:
//   url, mf, bucket (R2 binding proxy), bucketName, queueName, workerName, workerdPid, startupMs
//   put(key, body, { size?, httpMetadata?, customMetadata? })  streams any body into R2 (see below)
//   putAndNotify(key, body, { action = 'PutObject', copySource?, size?, eventTime? })  → the message
//   deleteAndNotify(key, { action = 'DeleteObject' })  → the message; notify(message) sends any body
//   waitFor(predicate, { timeoutMs = 10000, intervalMs = 50, what? })  → the predicate's truthy value
//   dispatchFetch(url, init); getBucket(binding)
//   deadLetters(), queueEvents(), logs(), analyticsPoints()
//   processMemory(), resetPeakMemory(), sampleMemory({ intervalMs }), isolateMemory()
//   close()
//
// How it is built:
// - The Worker's options come from wrangler.toml through wrangler's unstable_readConfig and
//   unstable_getMiniflareWorkerOptions (wrangler 4.86; "unstable_" APIs may change in any release):
//   vars, R2 buckets, queue consumers (max_batch_size/timeout, max_retries, dead_letter_queue,
//   retry_delay), compatibility date and flags, [[rules]]. `main` is loaded unbundled from the repo
//   root as ES modules (.js and .mjs; Miniflare alone would take .js as CommonJS), each .wasm as a
//   compiled WebAssembly.Module, following relative imports. Wrangler bundles with esbuild on
//   deploy: the runtime is the same, the module graph is not. With `bundle: true` (or
//   CSV2SEGMENT_WORKER_BUNDLE=1 in the environment), the stack runs that bundle instead: the
//   output of `wrangler deploy --dry-run --outdir DIR` (offline, no account), the code Cloudflare
//   would be given, built once per process and removed at its exit; `stack.bundle` is its directory.
// - A harness worker beside it, whose bindings never reach the Worker's env, holds: a producer for
//   the consumer's queue, to send the R2 event notifications Miniflare's R2 never sends; the same R2
//   bucket(s), so put() can stream large bodies in over HTTP (the bucket proxy takes strings and
//   Uint8Arrays, not Node Buffers, base64-encodes them, and refuses streams of unknown length); and
//   a consumer for each dead-letter queue nothing else consumes, recording what reaches it
//   (Miniflare drops messages sent to a queue without a consumer).
// - Outbound fetch: Miniflare's network service allows public and private addresses, so the
//   Worker's fetch() to http://127.0.0.1:PORT reaches a server in this Node process as is.
// - Logs: the Worker's console output and uncaught exceptions (workerd's JSON log lines, with
//   workerd in verbose mode, which is what reports uncaught exceptions at all), workerd's own lines
//   and Miniflare's (queue batches, retries, dead-lettering) are kept in logs() and passed to `log`.
//   The order between the Worker's lines and Miniflare's is approximate (two pipes).
//   queueEvents() parses Miniflare's queue broker lines: { type: 'batch', queue, acked, total, ms },
//   { type: 'retry', id, queue }, { type: 'dead-letter', id, queue, deadLetterQueue, attempts },
//   { type: 'dropped', id, queue, attempts }. Message ids are the ones the consumer sees as message.id.
// - Memory: no Miniflare or workerd API reports an isolate's memory. processMemory() reads the
//   workerd process's VmRSS and VmHWM (peak) from /proc (Linux only): every isolate, the R2 and
//   queue simulators and the runtime (~70 MB idle) included; sampleMemory() resets the peak and
//   gives the growth over a span, which tells streaming from buffering. With `inspector: true`,
//   isolateMemory() asks the Worker's V8 isolate (DevTools Runtime.getHeapUsage): JS heap and
//   ArrayBuffer backing stores, not WebAssembly memory, and only between requests (workerd answers
//   the inspector when the isolate is idle).
//
// - Workers Analytics Engine: Miniflare's local dataset drops every data point. With
//   `recordAnalytics: true`, each [[analytics_engine_datasets]] binding is instead a recorder (a
//   wrapped binding) that logs the points it is given; analyticsPoints() lists them,
//   { dataset, point }, in order.
//
// Caveats: Miniflare enforces no CPU limit ([limits] cpu_ms is ignored locally); queue messages
// live in memory only (`persist` covers R2, KV, D1, DOs, cache); a consumer's retry_delay override
// does not change delays the Worker passes to message.retry({ delaySeconds }); a compatibility_date
// newer than the installed workerd supports is lowered to the newest it does, with a warning in the
// log; wrangler would load .dev.vars/.env beside wrangler.toml as secrets, off here unless
// `devVars: true` (for `npm start`).
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { Log, LogLevel, Miniflare, Response as MiniflareResponse, supportedCompatibilityDate } from 'miniflare';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_ROOT = path.resolve(HERE, '..', '..');

/** The harness worker's name and the binding names it holds; none of them reach the Worker's env. */
export const HARNESS_WORKER = '__csv2segment_harness';
export const EVENTS_PRODUCER = '__CSV2SEGMENT_R2_EVENTS';
const RECORD_BINDING = '__CSV2SEGMENT_RECORD';

/** R2 event-notification actions (https://developers.cloudflare.com/r2/buckets/event-notifications/). */
export const R2_ACTIONS = Object.freeze(['PutObject', 'CopyObject', 'CompleteMultipartUpload', 'DeleteObject', 'LifecycleDeletion']);
const DELETE_ACTIONS = new Set(['DeleteObject', 'LifecycleDeletion']);
/** A made-up 32-hex-digit account id for the notifications' `account`. */
export const LOCAL_ACCOUNT = '0000000000000000000000000000c5e9';

/** Most log lines kept for `stack.logs()`; older ones are dropped. */
const MAX_LOG_LINES = 20000;
/** The worker behind recorded Analytics Engine bindings, and the prefix of the lines it logs. */
const ANALYTICS_RECORDER = '__csv2segment_analytics';
const ANALYTICS_LINE = 'csv2segment-test analytics-engine data point ';
const ANALYTICS_RECORDER_SCRIPT = `
export default function (env) {
  return {
    writeDataPoint(point) {
      console.log(${JSON.stringify(ANALYTICS_LINE)} + JSON.stringify({ dataset: env.dataset, point }));
    },
  };
}
`;

// Wrangler is large (a few seconds to import); load it once per process.
let wranglerModule;
const loadWrangler = () => (wranglerModule ??= import('wrangler'));

/** The bundles built in this process, by root, config and env: each is built once. */
const bundles = new Map();

/**
 * Wrangler's own bundle of the Worker, as `wrangler deploy` would upload it: `wrangler deploy
 * --dry-run --outdir DIR` (no account, no network). Resolves to DIR, which is removed when the
 * process exits. Fails with wrangler's output when it cannot bundle (e.g. dist/site missing).
 */
export function buildBundle({ root = DEFAULT_ROOT, config = 'wrangler.toml', env } = {}) {
  const id = JSON.stringify([path.resolve(root), config, env ?? null]);
  if (!bundles.has(id)) {
    const outdir = mkdtempSync(path.join(tmpdir(), 'csv2segment-bundle-'));
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin', 'wrangler.js');
    const args = [bin, 'deploy', '--dry-run', '--outdir', outdir, '--config', path.resolve(root, config), ...(env ? ['--env', env] : [])];
    const built = new Promise((resolve, reject) => {
      execFile(process.execPath, args, { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`wrangler deploy --dry-run failed (${err.code ?? err.signal}):\n${stripVTControlCharacters(`${stdout}${stderr}`).trim()}`));
        else resolve(outdir);
      });
    });
    bundles.set(id, built);
    built.catch(() => bundles.delete(id));
  }
  return bundles.get(id);
}

/**
 * The report of `key` in the stack's bucket, once there is one (with `status`, one of them when a
 * list). Fails after `timeoutMs`, naming what it waited for.
 * @param {{ bucket: { get(key: string): Promise<{ text(): Promise<string> } | null> }, waitFor: Function }} stack
 * @param {string} key
 * @param {{ status?: string | string[], timeoutMs?: number }} [options]
 */
export function reportOf(stack, key, { status, timeoutMs = 30_000 } = {}) {
  const statuses = status === undefined ? null : [status].flat();
  return stack.waitFor(
    async () => {
      const object = await stack.bucket.get(`csv2segment-reports/${key}.report.json`);
      const report = object && JSON.parse(await object.text());
      return report && (!statuses || statuses.includes(report.status)) && report;
    },
    { timeoutMs, what: `the report of ${key}${statuses ? ` (${statuses.join(' or ')})` : ''}` },
  );
}

/**
 * Builds the R2 event-notification body R2 sends to a queue. `object.size` and `object.eTag` are
 * left out for delete actions, as R2 does; `copySource` is added for CopyObject.
 */
export function r2Notification({ account = LOCAL_ACCOUNT, action = 'PutObject', bucket, key, size, eTag, eventTime = new Date(), copySource }) {
  if (!R2_ACTIONS.includes(action)) throw new TypeError(`unknown R2 action ${JSON.stringify(action)}; one of ${R2_ACTIONS.join(', ')}`);
  if (typeof bucket !== 'string' || typeof key !== 'string') throw new TypeError('r2Notification needs bucket and key strings');
  const object = DELETE_ACTIONS.has(action) ? { key } : { key, size, eTag };
  const message = {
    account,
    action,
    bucket,
    object,
    eventTime: eventTime instanceof Date ? eventTime.toISOString() : String(eventTime),
  };
  if (action === 'CopyObject') {
    if (!copySource?.object) throw new TypeError('a CopyObject notification needs copySource: { object, bucket? }');
    message.copySource = { bucket: copySource.bucket ?? bucket, object: copySource.object };
  }
  return message;
}

// The harness worker. Its R2 bindings have the Worker's names and bucket ids, so they see the
// same objects; its queue() is the dead-letter recorder.
const HARNESS_SCRIPT = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === 'PUT' && url.pathname === '/r2') {
      const bucket = env[url.searchParams.get('binding')];
      if (!bucket) return new Response('no such bucket binding', { status: 400 });
      const options = JSON.parse(request.headers.get('x-r2-put-options') || '{}');
      const object = await bucket.put(url.searchParams.get('key'), request.body, options);
      return Response.json({ key: object.key, size: object.size, etag: object.etag, httpEtag: object.httpEtag, uploaded: object.uploaded });
    }
    return new Response('not found', { status: 404 });
  },
  async queue(batch, env) {
    const messages = batch.messages.map((m) => ({ id: m.id, timestamp: m.timestamp, attempts: m.attempts, body: m.body }));
    const res = await env.${RECORD_BINDING}.fetch('http://harness/dead-letters', {
      method: 'POST',
      body: JSON.stringify({ queue: batch.queue, messages }),
    });
    if (!res.ok) throw new Error('recording dead letters failed: ' + res.status);
    batch.ackAll();
  },
};
`;

/** Parses one of Miniflare's queue broker lines, or returns undefined. */
function parseQueueLine(message, time) {
  let m = /^QUEUE (\S+) (\d+)\/(\d+)(?: \((\d+)ms\))?/.exec(message);
  if (m) return { type: 'batch', queue: m[1], acked: Number(m[2]), total: Number(m[3]), ms: m[4] === undefined ? undefined : Number(m[4]), time };
  m = /^Retrying message "([^"]+)" on queue "([^"]+)"/.exec(message);
  if (m) return { type: 'retry', id: m[1], queue: m[2], time };
  m = /^Moving message "([^"]+)" on queue "([^"]+)" to dead letter queue "([^"]+)" after (\d+) failed attempt/.exec(message);
  if (m) return { type: 'dead-letter', id: m[1], queue: m[2], deadLetterQueue: m[3], attempts: Number(m[4]), time };
  m = /^Dropped message "([^"]+)" on queue "([^"]+)" after (\d+) failed attempt/.exec(message);
  if (m) return { type: 'dropped', id: m[1], queue: m[2], attempts: Number(m[3]), time };
  return undefined;
}

const LEVEL_NAMES = { [LogLevel.ERROR]: 'error', [LogLevel.WARN]: 'warn', [LogLevel.INFO]: 'info', [LogLevel.DEBUG]: 'debug', [LogLevel.VERBOSE]: 'verbose' };

/** Miniflare's own log, routed to the stack instead of the console. */
class StackLog extends Log {
  #sink;
  constructor(sink) {
    super(LogLevel.DEBUG, { prefix: '' });
    this.#sink = sink;
  }
  logWithLevel(level, message) {
    if (level <= this.level) this.#sink(LEVEL_NAMES[level] ?? String(level), stripVTControlCharacters(String(message)));
  }
  error(error) {
    this.logWithLevel(LogLevel.ERROR, error?.stack ?? String(error));
  }
  // Request lines are off (logRequests: false); this is for anything else Miniflare reports as ready.
  logReady(message) {
    this.logWithLevel(LogLevel.DEBUG, message);
  }
}

/** The workerd children of this process (Linux /proc), as pids. */
function workerdChildren() {
  const pids = [];
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && comm.startsWith('workerd')) pids.push(Number(entry));
    } catch {
      // The process went away while we looked.
    }
  }
  return pids;
}

/** Turns a put body into { stream, size } for an HTTP PUT with a Content-Length. */
async function toSizedStream(body, size) {
  if (typeof body === 'string') body = Buffer.from(body);
  if (body instanceof ArrayBuffer) body = new Uint8Array(body);
  if (ArrayBuffer.isView(body)) {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return { stream: Readable.from([bytes]), size: bytes.byteLength };
  }
  if (typeof Blob !== 'undefined' && body instanceof Blob) return { stream: Readable.fromWeb(body.stream()), size: body.size };
  if (body === null || body === undefined) return { stream: Readable.from([]), size: 0 };
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TypeError('a streamed body (ReadableStream, Node stream or async iterable) needs { size } in bytes: R2 takes streams of known length only');
  }
  if (typeof body.getReader === 'function') return { stream: Readable.fromWeb(body), size };
  if (typeof body.pipe === 'function') return { stream: body, size };
  if (typeof body[Symbol.asyncIterator] === 'function' || typeof body[Symbol.iterator] === 'function') return { stream: Readable.from(body), size };
  throw new TypeError(`cannot put a body of type ${Object.prototype.toString.call(body)}`);
}

/**
 * Starts the Worker from wrangler.toml in Miniflare. See the file header for what it wires.
 *
 * @param {object} [options]
 * @param {string} [options.root] repo root (module root, and where `config` is resolved)
 * @param {string} [options.config] wrangler config path, relative to root
 * @param {string} [options.env] a wrangler [env.NAME] to use
 * @param {Record<string, unknown>} [options.vars] vars to add or override
 * @param {Record<string, string>} [options.secrets] secrets (bindings like vars)
 * @param {number} [options.port] the Worker's HTTP port on 127.0.0.1 (0: a free one)
 * @param {false | string} [options.persist] false (in memory), or a directory for R2/KV/D1/DO state
 * @param {number} [options.queueRetryDelaySeconds] overrides the consumers' retry_delay
 * @param {number} [options.queueMaxRetries] overrides the consumers' max_retries
 * @param {string} [options.queue] the queue that gets R2 notifications (default: the first consumed queue that is no dead-letter queue)
 * @param {string} [options.bucketBinding] the R2 binding of the notifying bucket (default: the first)
 * @param {string} [options.account] the notifications' account id
 * @param {boolean} [options.devVars] load .dev.vars/.env beside wrangler.toml as wrangler dev does (default false)
 * @param {boolean} [options.inspector] open the DevTools inspector, for stack.isolateMemory()
 * @param {boolean} [options.bundle] run wrangler's bundle (`wrangler deploy --dry-run --outdir`)
 *   instead of the unbundled source (default: CSV2SEGMENT_WORKER_BUNDLE=1 in the environment)
 * @param {(line: string, info: { level: string, source: 'worker' | 'workerd' | 'miniflare' | 'harness' }) => void} [options.log]
 */
export async function startWorkerStack(options = {}) {
  const {
    root = DEFAULT_ROOT,
    config = 'wrangler.toml',
    env: wranglerEnv,
    vars = {},
    secrets = {},
    port = 0,
    persist = false,
    queueRetryDelaySeconds,
    queueMaxRetries,
    queue: queueOption,
    bucketBinding: bucketOption,
    account = LOCAL_ACCOUNT,
    devVars = false,
    inspector = false,
    recordAnalytics = false,
    bundle = process.env.CSV2SEGMENT_WORKER_BUNDLE === '1',
    log,
  } = options;
  const started = Date.now();

  // ---- logs
  const lines = [];
  const queueEvents = [];
  const emit = (line, info) => {
    lines.push({ line, ...info, time: Date.now() });
    if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES);
    if (log) {
      try {
        log(line, info);
      } catch {
        // A throwing log callback must not break the runtime's log pipe.
      }
    }
  };
  const mfLog = new StackLog((level, message) => {
    const event = parseQueueLine(message, Date.now());
    if (event) queueEvents.push(event);
    emit(message, { level, source: 'miniflare' });
  });

  // ---- wrangler.toml → Worker options
  const wrangler = await loadWrangler();
  if (typeof wrangler.unstable_readConfig !== 'function' || typeof wrangler.unstable_getMiniflareWorkerOptions !== 'function') {
    throw new Error('this wrangler has no unstable_readConfig/unstable_getMiniflareWorkerOptions (checked with wrangler 4.86)');
  }
  const configPath = path.resolve(root, config);
  const wranglerConfig = wrangler.unstable_readConfig({ config: configPath, env: wranglerEnv });
  if (!wranglerConfig.main) throw new Error(`${configPath} has no main`);
  const derived = wrangler.unstable_getMiniflareWorkerOptions(wranglerConfig, wranglerEnv);
  const workerOptions = { ...derived.workerOptions };
  const main = derived.main ?? path.resolve(path.dirname(configPath), wranglerConfig.main);

  // Bindings: vars from the TOML (and .dev.vars only if asked), then the caller's vars and secrets.
  const bindings = { ...(workerOptions.bindings ?? {}) };
  if (!devVars) {
    const declared = new Set(Object.keys(wranglerConfig.vars ?? {}));
    for (const name of Object.keys(bindings)) if (!declared.has(name)) delete bindings[name];
  }
  // (undefined values are left out, so `secrets: { SEGMENT_WRITE_KEY: process.env.X }` may be unset)
  for (const [name, value] of Object.entries({ ...vars, ...secrets })) if (value !== undefined) bindings[name] = value;
  workerOptions.bindings = bindings;

  // Compatibility date: Miniflare refuses dates past the installed workerd.
  let compatibilityDate = workerOptions.compatibilityDate;
  if (!compatibilityDate) throw new Error(`${configPath} has no compatibility_date`);
  if (compatibilityDate > supportedCompatibilityDate) {
    emit(`compatibility_date ${compatibilityDate} is newer than this workerd supports; running with ${supportedCompatibilityDate}`, { level: 'warn', source: 'harness' });
    compatibilityDate = supportedCompatibilityDate;
  }
  workerOptions.compatibilityDate = compatibilityDate;

  // Queue consumers, with the test overrides.
  const consumers = { ...(workerOptions.queueConsumers ?? {}) };
  for (const [name, consumer] of Object.entries(consumers)) {
    consumers[name] = {
      ...consumer,
      ...(queueRetryDelaySeconds === undefined ? {} : { retryDelay: queueRetryDelaySeconds }),
      ...(queueMaxRetries === undefined ? {} : { maxRetries: queueMaxRetries }),
    };
  }
  workerOptions.queueConsumers = consumers;
  const deadLetterQueues = new Set(Object.values(consumers).map((c) => c.deadLetterQueue).filter(Boolean));
  const eventsQueue = queueOption ?? Object.keys(consumers).find((name) => !deadLetterQueues.has(name));
  if (!eventsQueue) throw new Error(`${configPath} has no [[queues.consumers]] to send R2 notifications to`);
  const recordedQueues = [...deadLetterQueues].filter((name) => !(name in consumers));

  // R2: the notifying bucket and the real bucket name it reports.
  const r2Buckets = workerOptions.r2Buckets ?? {};
  const r2Config = wranglerConfig.r2_buckets ?? [];
  const bucketBinding = bucketOption ?? r2Config[0]?.binding;
  if (bucketBinding === undefined || !(bucketBinding in r2Buckets)) {
    throw new Error(`${configPath} has no [[r2_buckets]]${bucketOption ? ` binding ${bucketOption}` : ''}`);
  }
  const bucketName = r2Config.find((b) => b.binding === bucketBinding)?.bucket_name ?? bucketBinding;

  // Analytics Engine datasets, as recorders when asked.
  const analyticsDatasets = recordAnalytics ? workerOptions.analyticsEngineDatasets ?? {} : {};
  if (Object.keys(analyticsDatasets).length > 0) {
    workerOptions.wrappedBindings = { ...workerOptions.wrappedBindings };
    for (const [binding, { dataset }] of Object.entries(analyticsDatasets)) {
      workerOptions.wrappedBindings[binding] = { scriptName: ANALYTICS_RECORDER, bindings: { dataset } };
    }
    delete workerOptions.analyticsEngineDatasets;
  }
  const recorderWorkers = Object.keys(analyticsDatasets).length > 0 ? [{ name: ANALYTICS_RECORDER, modules: true, script: ANALYTICS_RECORDER_SCRIPT }] : [];

  // Modules: unbundled ES modules from the repo root; .js is ESM (Miniflare's own default would be CommonJS).
  const modulesRules = [...(workerOptions.modulesRules ?? []), { type: 'ESModule', include: ['**/*.mjs', '**/*.js'] }];

  const deadLetters = [];
  const recordDeadLetters = async (request) => {
    const { queue, messages } = await request.json();
    for (const m of messages) deadLetters.push({ queue, ...m });
    emit(`dead-letter queue ${queue} received ${messages.length} message(s)`, { level: 'info', source: 'harness' });
    return new MiniflareResponse(null, { status: 204 });
  };

  // wrangler's bundle: one ES module named for main, beside the wasm it imports.
  const bundleDir = bundle ? await buildBundle({ root, config, env: wranglerEnv }) : null;
  if (bundleDir) emit(`running wrangler's bundle of ${path.relative(root, main)}: ${bundleDir}`, { level: 'info', source: 'harness' });
  const userWorker = {
    ...workerOptions,
    name: wranglerConfig.name ?? 'worker',
    modules: true,
    scriptPath: bundleDir ? path.join(bundleDir, `${path.parse(main).name}.js`) : main,
    modulesRoot: bundleDir ?? root,
    modulesRules,
  };
  const harnessWorker = {
    name: HARNESS_WORKER,
    modules: true,
    script: HARNESS_SCRIPT,
    compatibilityDate,
    r2Buckets,
    queueProducers: { [EVENTS_PRODUCER]: { queueName: eventsQueue } },
    queueConsumers: Object.fromEntries(recordedQueues.map((name) => [name, { maxBatchSize: 100, maxBatchTimeout: 0 }])),
    serviceBindings: { [RECORD_BINDING]: recordDeadLetters },
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
  };

  const persistOptions = persist
    ? { defaultPersistRoot: path.resolve(persist) }
    : { r2Persist: false, kvPersist: false, d1Persist: false, durableObjectsPersist: false, cachePersist: false };

  /** One line of workerd output: console output, an uncaught exception, or a runtime line. */
  const runtimeLine = (text, fallbackLevel) => {
    if (!text.trim()) return;
    let entry;
    try {
      entry = JSON.parse(text);
    } catch {
      emit(stripVTControlCharacters(text), { level: fallbackLevel, source: 'workerd' });
      return;
    }
    const message = String(entry.message ?? '');
    if (entry.source === undefined) {
      emit(message, { level: entry.level ?? fallbackLevel, source: 'worker' });
    } else if (message.startsWith('uncaught exception; source = ')) {
      // "uncaught exception; source = Uncaught (in promise); stack = Error: ...\n    at ..."
      const stack = /; stack = ([\s\S]*)$/.exec(message)?.[1];
      emit(stack ? `Uncaught ${stack}` : message, { level: 'error', source: 'worker' });
    } else if (!message.startsWith('uncaught exception; exception = ')) {
      // (that one repeats the exception above, with a C++ stack of addresses)
      emit(message, { level: entry.level ?? fallbackLevel, source: 'workerd' });
    }
  };

  const before = new Set(workerdChildren());
  const mf = new Miniflare({
    host: '127.0.0.1',
    port,
    cf: false, // no fetch of the real Request.cf from the internet
    logRequests: false,
    log: mfLog,
    ...(inspector ? { inspectorPort: 0 } : {}),
    // workerd's own JSON log lines, read here rather than through handleStructuredLogs, which would
    // drop the `source` field that tells console output from the runtime's lines. `verbose` makes
    // workerd report uncaught exceptions (with the Worker's stack); without it they go unlogged.
    structuredWorkerdLogs: true,
    verbose: true,
    handleRuntimeStdio: (stdout, stderr) => {
      for (const [stream, fallbackLevel] of [[stdout, 'info'], [stderr, 'error']]) {
        let rest = '';
        stream.on('data', (chunk) => {
          const parts = (rest + chunk).split('\n');
          rest = parts.pop();
          for (const part of parts) runtimeLine(part, fallbackLevel);
        });
      }
    },
    ...persistOptions,
    workers: [userWorker, harnessWorker, ...recorderWorkers],
  });

  let url;
  try {
    url = await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {});
    const tail = lines.slice(-20).map((l) => `  [${l.source}:${l.level}] ${l.line}`).join('\n');
    e.message += tail ? `\nlast log lines:\n${tail}` : '';
    throw e;
  }
  const fresh = workerdChildren().filter((pid) => !before.has(pid));
  const workerdPid = fresh.length === 1 ? fresh[0] : undefined;

  let bucket;
  let producer;
  let harnessUrl;
  try {
    bucket = await mf.getR2Bucket(bucketBinding);
    producer = await mf.getQueueProducer(EVENTS_PRODUCER, HARNESS_WORKER);
    harnessUrl = await mf.unsafeGetDirectURL(HARNESS_WORKER);
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw e;
  }
  const startupMs = Date.now() - started;
  const workerName = userWorker.name;

  let closed = false;
  /** The memory samplers' stop functions: close() stops any a failed test left running. */
  const samplers = new Set();
  let inspectorSocket; // a promise of { call }
  const inspectorSockets = new Set();

  /** PUTs a body of any size into R2 through the harness worker, streaming. */
  async function put(key, body, { size, binding = bucketBinding, httpMetadata, customMetadata } = {}) {
    const sized = await toSizedStream(body, size);
    const target = new URL('/r2', harnessUrl);
    target.searchParams.set('binding', binding);
    target.searchParams.set('key', key);
    const putOptions = JSON.stringify({ ...(httpMetadata ? { httpMetadata } : {}), ...(customMetadata ? { customMetadata } : {}) });
    return new Promise((resolve, reject) => {
      // A fresh connection each time (agent: false): a kept-alive one that workerd has closed fails with EPIPE.
      const headers = { 'content-length': sized.size, 'x-r2-put-options': putOptions };
      const req = http.request(target, { method: 'PUT', headers, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) reject(new Error(`R2 put of ${key} failed: ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text));
        });
        res.on('error', reject);
      });
      req.on('error', (e) => {
        sized.stream.destroy(); // a generator or file behind it is let go, not left paused
        reject(new Error(`R2 put of ${key} failed: ${e.message}`));
      });
      sized.stream.on('error', (e) => req.destroy(e));
      sized.stream.pipe(req);
    });
  }

  async function notify(message) {
    await producer.send(message, { contentType: 'json' });
    return message;
  }

  async function putAndNotify(key, body, { action = 'PutObject', copySource, eventTime, size, httpMetadata, customMetadata } = {}) {
    if (DELETE_ACTIONS.has(action)) throw new TypeError(`putAndNotify cannot send ${action}; use deleteAndNotify`);
    const object = await put(key, body, { size, httpMetadata, customMetadata });
    return notify(r2Notification({ account, action, bucket: bucketName, key, size: object.size, eTag: object.etag, eventTime, copySource }));
  }

  async function deleteAndNotify(key, { action = 'DeleteObject', eventTime } = {}) {
    if (!DELETE_ACTIONS.has(action)) throw new TypeError(`deleteAndNotify sends DeleteObject or LifecycleDeletion, not ${action}`);
    await bucket.delete(key);
    return notify(r2Notification({ account, action, bucket: bucketName, key, eventTime }));
  }

  async function waitFor(predicate, { timeoutMs = 10000, intervalMs = 50, what } = {}) {
    const deadline = Date.now() + timeoutMs;
    let lastError;
    for (;;) {
      // A test that timed out goes on running after its suite's after() closed the stack: stop here
      // rather than poll a disposed Miniflare until the deadline.
      if (closed) throw new Error(`waitFor: the stack was closed while waiting for ${what ?? (predicate.name || 'the predicate')}`);
      try {
        const value = await predicate();
        if (value) return value;
        lastError = undefined;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    const label = what ?? (predicate.name || predicate.toString().slice(0, 120));
    const tail = lines.slice(-15).map((l) => `  [${l.source}:${l.level}] ${l.line}`).join('\n');
    const err = new Error(
      `waitFor timed out after ${timeoutMs} ms: ${label}` +
        (lastError ? `\nlast predicate error: ${lastError.message}` : '') +
        (tail ? `\nlast log lines:\n${tail}` : ''),
    );
    if (lastError) err.cause = lastError;
    throw err;
  }

  function processMemory() {
    if (workerdPid === undefined) return undefined;
    let status;
    try {
      status = readFileSync(`/proc/${workerdPid}/status`, 'utf8');
    } catch {
      return undefined;
    }
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
    return { pid: workerdPid, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
  }

  function resetPeakMemory() {
    if (workerdPid === undefined) return false;
    try {
      writeFileSync(`/proc/${workerdPid}/clear_refs`, '5'); // 5: reset the peak RSS (VmHWM) to the current RSS
      return true;
    } catch {
      return false;
    }
  }

  /** One DevTools connection to the Worker's isolate, opened on first use. */
  function openInspector() {
    if (!inspector) return Promise.reject(new Error('isolateMemory() needs startWorkerStack({ inspector: true })'));
    if (closed) return Promise.reject(new Error('the stack is closed'));
    inspectorSocket ??= connectInspector().catch((e) => {
      inspectorSocket = undefined;
      throw e;
    });
    return inspectorSocket;
  }

  async function connectInspector() {
    const base = await mf.getInspectorURL();
    const target = new URL(`/core:user:${workerName}`, base);
    // Node 22 has a global WebSocket; Node 20 does not, so use `ws` (a dependency of miniflare).
    const WebSocketImpl = globalThis.WebSocket ?? createRequire(import.meta.resolve('miniflare'))('ws');
    const ws = new WebSocketImpl(target.href);
    inspectorSockets.add(ws);
    const pending = new Map();
    let nextId = 0;
    ws.onmessage = (event) => {
      const data = JSON.parse(typeof event.data === 'string' ? event.data : Buffer.from(event.data).toString());
      const waiter = data.id !== undefined && pending.get(data.id);
      if (waiter) {
        pending.delete(data.id);
        if (data.error) waiter.reject(new Error(`inspector ${data.error.message}`));
        else waiter.resolve(data.result);
      }
    };
    ws.onclose = () => {
      inspectorSockets.delete(ws);
      for (const waiter of pending.values()) waiter.reject(new Error('inspector closed'));
      pending.clear();
      inspectorSocket = undefined;
    };
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = (e) => reject(new Error(`inspector connection to ${target.href} failed: ${e.message ?? e.type}`));
    });
    ws.onerror = () => {};
    return {
      call: (method, params = {}) =>
        new Promise((resolve, reject) => {
          const id = ++nextId;
          pending.set(id, { resolve, reject });
          ws.send(JSON.stringify({ id, method, params }));
        }),
    };
  }

  /**
   * The Worker isolate's V8 heap (DevTools Runtime.getHeapUsage): { usedSize, totalSize,
   * embedderHeapUsedSize, backingStorageSize }. Not WebAssembly memory. workerd answers only while
   * the isolate is idle: a call made during a long fetch()/queue() waits until it has finished.
   */
  async function isolateMemory({ timeoutMs = 30000 } = {}) {
    let timer;
    const timeout = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`isolateMemory: no answer from the inspector in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([openInspector().then(({ call }) => call('Runtime.getHeapUsage')), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Watches the workerd process's RSS from now until stop(): resets the kernel's peak (VmHWM) and
   * samples VmRSS every intervalMs. stop() gives { startRssBytes, peakRssBytes, growthBytes, samples }
   * (peak: the larger of the sampled maximum and VmHWM). undefined values where /proc is unreadable.
   * The timer never holds the process open (unref), and close() stops it if stop() was never called
   * (a test that failed between the two): a running interval kept node --test from exiting.
   */
  function sampleMemory({ intervalMs = 50 } = {}) {
    resetPeakMemory();
    const start = processMemory();
    let peak = start?.rssBytes ?? 0;
    let samples = 0;
    const timer = setInterval(() => {
      const now = processMemory();
      if (now) peak = Math.max(peak, now.rssBytes);
      samples++;
    }, intervalMs);
    timer.unref();
    const halt = () => clearInterval(timer);
    samplers.add(halt);
    return {
      stop() {
        halt();
        samplers.delete(halt);
        const end = processMemory();
        if (!start || !end) return { startRssBytes: undefined, peakRssBytes: undefined, growthBytes: undefined, samples };
        const peakRssBytes = Math.max(peak, end.rssBytes, end.peakRssBytes);
        return { startRssBytes: start.rssBytes, peakRssBytes, growthBytes: peakRssBytes - start.rssBytes, samples };
      },
    };
  }

  async function close() {
    if (closed) return;
    closed = true;
    for (const halt of samplers) halt();
    samplers.clear();
    inspectorSocket = undefined;
    await Promise.all(
      [...inspectorSockets].map((ws) => {
        const done = ws.readyState === 3 ? Promise.resolve() : once(ws, 'close').catch(() => {});
        ws.close();
        return Promise.race([done, new Promise((resolve) => setTimeout(resolve, 1000))]);
      }),
    );
    await mf.dispose();
  }

  return {
    url: url.origin,
    mf,
    bucket,
    bucketName,
    queueName: eventsQueue,
    workerName,
    /** The directory of wrangler's bundle the Worker runs from (bundle: true), or null. */
    bundle: bundleDir,
    workerdPid,
    startupMs,
    getBucket: (binding) => mf.getR2Bucket(binding),
    put,
    putAndNotify,
    deleteAndNotify,
    notify,
    waitFor,
    dispatchFetch: (input, init) => mf.dispatchFetch(input, init),
    /** Messages that reached a dead-letter queue the Worker itself does not consume: { queue, id, timestamp, attempts, body }. */
    deadLetters: () => deadLetters.slice(),
    /** Parsed queue broker lines: batch {queue, acked, total, ms}, retry {id, queue}, dead-letter {id, queue, deadLetterQueue, attempts}, dropped. */
    queueEvents: () => queueEvents.slice(),
    /** Every captured log line: { line, level, source, time }. */
    logs: () => lines.slice(),
    analyticsPoints: () => lines.filter((l) => l.line.startsWith(ANALYTICS_LINE)).map((l) => JSON.parse(l.line.slice(ANALYTICS_LINE.length))),
    processMemory,
    resetPeakMemory,
    isolateMemory,
    sampleMemory,
    close,
  };
}
