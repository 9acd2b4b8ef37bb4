// Reads a host's settings from its environment (Lambda's process.env, a Worker's env), once,
// into one checked object, so every host names and validates its variables the same way.
import { DEFAULT_MAX_EVENTS_PER_SECOND } from './rate.mjs';

/** A setting that is missing or wrong; the message names the variable and the fix. */
export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'Csv2SegmentConfigError';
    this.code = 'config';
  }
}

/** Segment's public hosts per region (../shared/reference/segment-api.md). */
export const REGIONS = Object.freeze({
  us: Object.freeze({ batch: 'https://api.segment.io', set: 'https://objects.segment.com' }),
  eu: Object.freeze({ batch: 'https://events.eu1.segmentapis.com', set: 'https://objects.euw1.segment.com' }),
});

/** Files over this many bytes are cut into shards that run in parallel (256 MB). */
/** The empty-cell and typing values the engine takes. */
export const EMPTY_VALUES = Object.freeze(['omit', 'null', 'string']);
export const TYPING_VALUES = Object.freeze(['infer', 'strings']);

export const DEFAULT_SHARD_BYTES = 256 * 1024 * 1024;

/** Where reports go unless REPORT_PREFIX says otherwise. */
export const DEFAULT_REPORT_PREFIX = 'csv2segment-reports/';


/** S3's and R2's rule for bucket names: 3 to 63 lowercase letters, digits, `.` and `-`. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const text = (v) => (typeof v === 'string' ? v.trim() : v == null ? '' : String(v).trim());

/**
 * The base URLs a batch's `endpoint` ("batch" | "set") is posted to.
 * An explicit endpoint wins over the region; a base URL may carry a path prefix (a proxy).
 * @param {{ region?: string, endpoint?: string, objectsEndpoint?: string }} settings
 * @returns {{ batch: string, set: string }}
 */
export function segmentEndpoints({ region, endpoint, objectsEndpoint } = {}) {
  const name = text(region).toLowerCase() || 'us';
  const hosts = REGIONS[name];
  if (!hosts) {
    throw new ConfigError(`SEGMENT_REGION is "${name}": use "us" (the default) or "eu"`);
  }
  return {
    batch: baseUrl('SEGMENT_ENDPOINT', text(endpoint) || hosts.batch),
    set: baseUrl('SEGMENT_OBJECTS_ENDPOINT', text(objectsEndpoint) || hosts.set),
  };
}

/**
 * An http(s) base URL without credentials, without its trailing slashes.
 * @param {string} variable
 * @param {string} value
 */
export function baseUrl(variable, value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${variable} is not a URL: give a base URL such as https://api.segment.io`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${variable} must be an http(s) URL, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`${variable} must not carry credentials: the write key goes in SEGMENT_WRITE_KEY`);
  }
  return url.href.replace(/\/+$/, '');
}

// The checks of every setting, each given the name the user set it by (an environment variable,
// or a CLI flag, whose errors the CLI words as usage errors): the one place their rules and
// messages are written. Each returns `fallback` for an unset or empty value.

/**
 * A whole number from `min` to `max` (no upper bound when `max` is undefined).
 * @template {number | undefined} [F=undefined]
 * @param {string} variable
 * @param {unknown} value
 * @param {{ min?: number, max?: number, fallback?: F }} [range]
 * @returns {number | F}
 */
export function wholeNumber(variable, value, { min = 1, max, fallback } = {}) {
  const s = text(value);
  if (s === '') return /** @type {F} */ (fallback);
  const n = Number(s);
  if (!/^[0-9]+$/.test(s) || !Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
    const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`${variable} is "${s}": give a whole number ${range}`);
  }
  return n;
}

const positiveInt = (variable, value, fallback) => wholeNumber(variable, value, { fallback });

function positiveSeconds(variable, value) {
  const s = text(value);
  if (s === '') return null;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${variable} is "${s}": give a number of seconds above 0, such as 600`);
  return n;
}

/** Events per second: a number above 0, or `none` (null: no budget); `fallback` when unset. */
export function eventsPerSecond(variable, value, fallback) {
  const s = text(value);
  if (s === '') return fallback;
  if (s.toLowerCase() === 'none') return null;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigError(`${variable} is "${s}": give a number of events per second above 0, such as 1000, or none for no budget`);
  }
  return n;
}

/**
 * The rate budget (rate.mjs): SEGMENT_MAX_EVENTS_PER_SECOND, by default 1,000 towards Segment's
 * own hosts, and none when SEGMENT_ENDPOINT points elsewhere (a test server; set it for a proxy
 * to Segment); CSV2SEGMENT_PIECES_IN_FLIGHT, how many pieces may run at once to share it.
 */
function rateSettings(env) {
  const fallback = text(env.SEGMENT_ENDPOINT) ? null : DEFAULT_MAX_EVENTS_PER_SECOND;
  return Object.freeze({
    maxEventsPerSecond: eventsPerSecond('SEGMENT_MAX_EVENTS_PER_SECOND', env.SEGMENT_MAX_EVENTS_PER_SECOND, fallback),
    piecesInFlight: positiveInt('CSV2SEGMENT_PIECES_IN_FLIGHT', env.CSV2SEGMENT_PIECES_IN_FLIGHT, 1),
  });
}

/** The first redelivery delay of a failed Worker queue message, when QUEUE_RETRY_DELAY_SECONDS is unset. */
export const DEFAULT_RETRY_DELAY_SECONDS = 60;
/** Cloudflare Queues' longest delay: 12 hours. */
const MAX_QUEUE_DELAY_SECONDS = 43_200;

/**
 * QUEUE_RETRY_DELAY_SECONDS: the first redelivery delay of a failed Worker queue message, whole
 * seconds from 0 to 43200 (Cloudflare's limit); part of readConfig's result, and read on its own
 * when the rest of the settings fail (their messages are retried with this delay).
 * @param {Record<string, string | undefined>} env
 */
export function readRetryDelaySeconds(env) {
  return wholeNumber('QUEUE_RETRY_DELAY_SECONDS', env.QUEUE_RETRY_DELAY_SECONDS, { min: 0, max: MAX_QUEUE_DELAY_SECONDS, fallback: DEFAULT_RETRY_DELAY_SECONDS });
}

/**
 * One of `allowed` (case-insensitive), or undefined when unset.
 * @param {string} variable
 * @param {unknown} value
 * @param {readonly string[]} allowed
 */
export function oneOf(variable, value, allowed) {
  const s = text(value).toLowerCase();
  if (s === '') return undefined;
  if (!allowed.includes(s)) throw new ConfigError(`${variable} is "${s}": use one of ${allowed.join(', ')}`);
  return s;
}

/**
 * `true` or `false` (case-insensitive), or `fallback` when unset.
 * @param {string} variable
 * @param {unknown} value
 * @param {boolean} fallback
 */
export function trueOrFalse(variable, value, fallback) {
  const s = text(value).toLowerCase();
  if (s === '') return fallback;
  if (s !== 'true' && s !== 'false') throw new ConfigError(`${variable} is "${text(value)}": use true or false`);
  return s === 'true';
}

/**
 * CSV2SEGMENT_REQUIRE_MAPPING: whether a file with no csv2segment.json is refused (nothing sent,
 * a report saying so) rather than read by its header alone; default false. Read by every host,
 * the Worker's validate endpoint and the CLI included.
 * @param {Record<string, unknown>} env
 */
export function readRequireMapping(env) {
  return trueOrFalse('CSV2SEGMENT_REQUIRE_MAPPING', env.CSV2SEGMENT_REQUIRE_MAPPING, false);
}

function bucketName(variable, value) {
  if (!BUCKET_NAME.test(value)) {
    throw new ConfigError(`${variable} has "${value}", which is not a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens`);
  }
  return value;
}

/**
 * The buckets tasks and S3 records may name (`CSV2SEGMENT_BUCKETS`, comma-separated), or null
 * when it is not set.
 */
function bucketList(env) {
  const s = text(env.CSV2SEGMENT_BUCKETS);
  if (s === '') return null;
  return Object.freeze(s.split(',').map((b) => bucketName('CSV2SEGMENT_BUCKETS', b.trim())));
}

/**
 * The name of the bucket a Worker's BUCKET binding is bound to (`BUCKET_NAME`, as in
 * wrangler.toml's [[r2_buckets]] bucket_name): R2 notifications name their bucket by it.
 * @param {Record<string, unknown>} env
 */
export function readBucketName(env) {
  const s = text(env.BUCKET_NAME);
  if (s === '') {
    throw new ConfigError('BUCKET_NAME is not set: set it in wrangler.toml [vars] to the bucket_name of the BUCKET binding, so that notifications about other buckets are refused');
  }
  return bucketName('BUCKET_NAME', s);
}

/**
 * The engine's options that the environment sets (`CSV2SEGMENT_EMPTY_CELLS`, `CSV2SEGMENT_TYPING`,
 * `CSV2SEGMENT_MAX_RECORD_BYTES`);
 * all a host needs to validate a file without sending it.
 */
export function readEngineOptions(env) {
  /** @type {import('../../pkg/csv2segment.js').IngestOptions} */
  const options = {};
  const empty = oneOf('CSV2SEGMENT_EMPTY_CELLS', env.CSV2SEGMENT_EMPTY_CELLS, EMPTY_VALUES);
  // oneOf gives one of EMPTY_VALUES / TYPING_VALUES, which are the engine's names.
  if (empty) options.empty = /** @type {import('../../pkg/csv2segment.js').IngestOptions['empty']} */ (empty);
  const typing = oneOf('CSV2SEGMENT_TYPING', env.CSV2SEGMENT_TYPING, TYPING_VALUES);
  if (typing) options.typing = /** @type {import('../../pkg/csv2segment.js').IngestOptions['typing']} */ (typing);
  const maxRecordBytes = positiveInt('CSV2SEGMENT_MAX_RECORD_BYTES', env.CSV2SEGMENT_MAX_RECORD_BYTES, undefined);
  if (maxRecordBytes) options.maxRecordBytes = maxRecordBytes;
  return Object.freeze(options);
}

/** Sender settings (sender.mjs) that the environment sets; the rest keep the sender's defaults. */
function senderSettings(env) {
  const retry = {};
  const maxAttempts = positiveInt('SEGMENT_MAX_ATTEMPTS', env.SEGMENT_MAX_ATTEMPTS, undefined);
  if (maxAttempts) retry.maxAttempts = maxAttempts;
  const baseMs = positiveInt('SEGMENT_RETRY_BASE_MS', env.SEGMENT_RETRY_BASE_MS, undefined);
  if (baseMs) retry.baseMs = baseMs;
  const settings = { retry };
  const timeout = positiveInt('SEGMENT_TIMEOUT_MS', env.SEGMENT_TIMEOUT_MS, undefined);
  if (timeout) settings.requestTimeoutMs = timeout;
  return Object.freeze(settings);
}

/**
 * Where the write key comes from: an SSM parameter (`SEGMENT_WRITE_KEY_PARAMETER`, a SecureString)
 * or a Secrets Manager secret (`SEGMENT_WRITE_KEY_SECRET`), which a host reads once with its
 * cloud's own clients (write-key.mjs); null when neither is set, and the key is in the
 * environment itself (`SEGMENT_WRITE_KEY`, for local use).
 * @param {Record<string, string | undefined>} env
 * @returns {{ parameter: string } | { secret: string } | null}
 */
export function writeKeySource(env) {
  const parameter = text(env.SEGMENT_WRITE_KEY_PARAMETER);
  const secret = text(env.SEGMENT_WRITE_KEY_SECRET);
  const inline = text(env.SEGMENT_WRITE_KEY);
  const set = [parameter && 'SEGMENT_WRITE_KEY_PARAMETER', secret && 'SEGMENT_WRITE_KEY_SECRET', inline && 'SEGMENT_WRITE_KEY'].filter(Boolean);
  if (set.length > 1) {
    const verb = set.length === 2 ? 'are both set' : 'are all set';
    throw new ConfigError(`${set.join(' and ')} ${verb}: set only one, so that it is clear which write key is used`);
  }
  if (parameter) {
    // SSM's names: letters, digits and _.-/ (a path), or a parameter's ARN (a shared one).
    if (!/^(arn:[^\s]+|[A-Za-z0-9_.\-/]{1,2048})$/.test(parameter)) {
      throw new ConfigError('SEGMENT_WRITE_KEY_PARAMETER is not the name of an SSM parameter (its value is not shown, as it may be the write key): give one such as /csv2segment/segment-write-key, or its ARN');
    }
    return { parameter };
  }
  if (secret) {
    if (/\s/.test(secret)) throw new ConfigError('SEGMENT_WRITE_KEY_SECRET is not the name of a Secrets Manager secret (its value is not shown, as it may be the write key): give one such as csv2segment/segment-write-key, or its ARN');
    return { secret };
  }
  return null;
}

/**
 * The settings every host shares, read from an environment object.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `SEGMENT_WRITE_KEY` (or the seed's `write_key`) | the source's write key; required unless `writeKey` is given |
 * | `SEGMENT_WRITE_KEY_PARAMETER`, `SEGMENT_WRITE_KEY_SECRET` | where a host reads the key from instead (see writeKeySource) |
 * | `SEGMENT_REGION` | `us` (default) or `eu` |
 * | `SEGMENT_ENDPOINT`, `SEGMENT_OBJECTS_ENDPOINT` | base URLs that replace the region's hosts |
 * | `REPORT_PREFIX` | where reports are written, default `csv2segment-reports/` |
 * | `CSV2SEGMENT_EMPTY_CELLS` | `omit` (default), `null` or `string` |
 * | `CSV2SEGMENT_TYPING` | `infer` (default) or `strings` |
 * | `CSV2SEGMENT_MAX_RECORD_BYTES` | the largest row, default 1048576 (1 MiB); a longer one is rejected without being held |
 * | `SEGMENT_CONCURRENCY` | requests in flight at once, default 4 |
 * | `SEGMENT_MAX_EVENTS_PER_SECOND` | the events per second all pieces of a run send together, or `none`; default 1000 (none with `SEGMENT_ENDPOINT` set) |
 * | `CSV2SEGMENT_PIECES_IN_FLIGHT` | pieces that may run at once (the queue's concurrency); each shard takes its share of the budget; default 1 |
 * | `SEGMENT_MAX_ATTEMPTS` | tries per request before the run fails, default 10 |
 * | `SEGMENT_RETRY_BASE_MS` | the first backoff, doubled each retry, default 500 |
 * | `SEGMENT_TIMEOUT_MS` | per request, default 30000 |
 * | `CSV2SEGMENT_SHARD_BYTES` | files over this size are cut into shards run in parallel, default 268435456 (256 MB) |
 * | `MAX_RUN_SECONDS` | how long one invocation takes rows of a file before it hands the rest on (see runWindow in object-run.mjs); default: the host's own limit, less a drain time |
 * | `CSV2SEGMENT_QUEUE_URL` | Lambda: the SQS queue that carries pieces to the next invocations; default: the function invokes itself |
 * | `QUEUE_RETRY_DELAY_SECONDS` | Worker: the first redelivery delay of a failed message, doubled per attempt up to an hour; default 60 |
 * | `CSV2SEGMENT_BUCKETS` | the buckets tasks and S3 records may name, comma-separated; default: the bucket of the event that started the run |
 * | `CSV2SEGMENT_REQUIRE_MAPPING` | `true`: a file with no csv2segment.json is refused, nothing sent; default `false` |
 *
 * @param {Record<string, string | undefined>} env
 * @param {{ writeKey?: string }} [found] the key a host read from where writeKeySource says
 */
export function readConfig(env, found = {}) {
  const writeKey = text(found.writeKey) || text(env.SEGMENT_WRITE_KEY) || text(env.write_key);
  if (!writeKey && (text(env.SEGMENT_WRITE_KEY_PARAMETER) || text(env.SEGMENT_WRITE_KEY_SECRET))) {
    throw new ConfigError(
      'SEGMENT_WRITE_KEY_PARAMETER and SEGMENT_WRITE_KEY_SECRET are read on AWS Lambda only: here, set SEGMENT_WRITE_KEY (a secret of the host)',
    );
  }
  if (!writeKey) {
    throw new ConfigError(
      'SEGMENT_WRITE_KEY is not set: set it to the write key of the Segment source the rows should go to',
    );
  }

  // Checked after it is normalised: `//` would become an empty prefix, under which every key is.
  const reportPrefix = (env.REPORT_PREFIX == null ? DEFAULT_REPORT_PREFIX : text(env.REPORT_PREFIX)).replace(/^\/+/, '');
  if (!/[^/]/.test(reportPrefix)) {
    throw new ConfigError(
      'REPORT_PREFIX is empty: reports need a prefix of their own (such as csv2segment-reports/), or they would trigger the function again',
    );
  }

  const config = {
    endpoints: segmentEndpoints({
      region: env.SEGMENT_REGION,
      endpoint: env.SEGMENT_ENDPOINT,
      objectsEndpoint: env.SEGMENT_OBJECTS_ENDPOINT,
    }),
    reportPrefix,
    buckets: bucketList(env),
    engineOptions: readEngineOptions(env),
    concurrency: positiveInt('SEGMENT_CONCURRENCY', env.SEGMENT_CONCURRENCY, 4),
    sender: senderSettings(env),
    rate: rateSettings(env),
    pieces: Object.freeze({
      shardBytes: positiveInt('CSV2SEGMENT_SHARD_BYTES', env.CSV2SEGMENT_SHARD_BYTES, DEFAULT_SHARD_BYTES),
      maxRunSeconds: positiveSeconds('MAX_RUN_SECONDS', env.MAX_RUN_SECONDS),
    }),
    retryDelaySeconds: readRetryDelaySeconds(env),
    queueUrl: text(env.CSV2SEGMENT_QUEUE_URL) || null,
    requireMapping: readRequireMapping(env),
  };
  // Not enumerable: a config that gets logged or serialised does not carry the key with it.
  Object.defineProperty(config, 'writeKey', { value: writeKey, enumerable: false });
  return Object.freeze(/** @type {typeof config & { readonly writeKey: string }} */ (config));
}
