// Reads a host's settings from its environment (Lambda's process.env, a Worker's env), once,
// into one checked object, so every host names and validates its variables the same way. Which
// variables there are, their kinds, defaults and hosts are the table in settings.mjs: every
// variable is read through `read`, by its kind's check.
import { REGIONS, setting } from './settings.mjs';

export {
  DEFAULT_REPORT_PREFIX,
  DEFAULT_RETRY_DELAY_SECONDS,
  DEFAULT_SHARD_BYTES,
  EMPTY_VALUES,
  REGIONS,
  TYPING_VALUES,
} from './settings.mjs';

/** A setting that is missing or wrong; the message names the variable and the fix. */
export class ConfigError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'Csv2SegmentConfigError';
    this.code = 'config';
  }
}

/** S3's and R2's rule for bucket names: 3 to 63 lowercase letters, digits, `.` and `-`. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** @param {unknown} v */
const text = (v) => (typeof v === 'string' ? v.trim() : v == null ? '' : String(v).trim());

/**
 * The base URLs a batch's `endpoint` ("batch" | "set") is posted to.
 * An explicit endpoint wins over the region; a base URL may carry a path prefix (a proxy).
 * @param {{ region?: string, endpoint?: string, objectsEndpoint?: string }} settings
 * @returns {{ batch: string, set: string }}
 */
export function segmentEndpoints({ region, endpoint, objectsEndpoint } = {}) {
  const name = text(region).toLowerCase() || String(setting('SEGMENT_REGION').default);
  const hosts = /** @type {Record<string, { batch: string, set: string } | undefined>} */ (REGIONS)[name];
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

// The checks of every kind of setting, each given the name the user set it by (an environment
// variable, or a CLI flag, whose errors the CLI words as usage errors): the one place their rules
// and messages are written. Each returns `fallback` for an unset or empty value.

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

/**
 * A number of seconds above 0, or `fallback` when unset.
 * @param {string} variable
 * @param {unknown} value
 * @param {unknown} fallback
 */
function positiveSeconds(variable, value, fallback) {
  const s = text(value);
  if (s === '') return fallback;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${variable} is "${s}": give a number of seconds above 0, such as 600`);
  return n;
}

/**
 * Events per second: a number above 0, or `none` (null: no budget); `fallback` when unset.
 * @template {number | null | undefined} F
 * @param {string} variable
 * @param {unknown} value
 * @param {F} fallback
 * @returns {number | null | F}
 */
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
 * One of `allowed` (case-insensitive), or undefined when unset.
 * @template {string} T
 * @param {string} variable
 * @param {unknown} value
 * @param {readonly T[]} allowed
 * @returns {T | undefined}
 */
export function oneOf(variable, value, allowed) {
  const s = text(value).toLowerCase();
  if (s === '') return undefined;
  if (!(/** @type {readonly string[]} */ (allowed).includes(s))) throw new ConfigError(`${variable} is "${s}": use one of ${allowed.join(', ')}`);
  return /** @type {T} */ (s);
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
 * @param {string} variable
 * @param {string} value
 */
function bucketName(variable, value) {
  if (!BUCKET_NAME.test(value)) {
    throw new ConfigError(`${variable} has "${value}", which is not a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens`);
  }
  return value;
}

/**
 * The reader of each kind of setting (settings.mjs's SettingType): the variable, its raw value,
 * its type and its fallback in, the checked value out. Kinds whose values are checked together
 * with others (the write key's three sources, the region and endpoints) are read as text here
 * and checked by writeKeySource and segmentEndpoints.
 * @type {Record<import('./settings.mjs').SettingType['kind'], (variable: string, value: unknown, type: any, fallback: any) => unknown>}
 */
const READERS = {
  secret: (_, value, __, fallback) => text(value) || fallback,
  text: (_, value, __, fallback) => text(value) || fallback,
  flag: (_, value, __, fallback) => text(value) || fallback,
  platform: (_, value, __, fallback) => text(value) || fallback,
  'ssm-parameter': (_, value, __, fallback) => text(value) || fallback,
  'secrets-manager-secret': (_, value, __, fallback) => text(value) || fallback,
  region: (_, value, __, fallback) => text(value) || fallback,
  url: (_, value, __, fallback) => text(value) || fallback,
  whole: (variable, value, { min, max }, fallback) => wholeNumber(variable, value, { min, max, fallback }),
  seconds: (variable, value, _, fallback) => positiveSeconds(variable, value, fallback),
  rate: (variable, value, _, fallback) => eventsPerSecond(variable, value, fallback),
  choice: (variable, value, { values }, fallback) => oneOf(variable, value, values) ?? fallback,
  boolean: (variable, value, _, fallback) => trueOrFalse(variable, value, fallback),
  // Checked once it is normalised: `//` would become an empty prefix, under which every key is.
  prefix: (variable, value, _, fallback) => {
    const prefix = (value == null ? fallback : text(value)).replace(/^\/+/, '');
    if (!/[^/]/.test(prefix)) {
      throw new ConfigError(`${variable} is empty: reports need a prefix of their own (such as ${fallback}), or they would trigger the function again`);
    }
    return prefix;
  },
  bucket: (variable, value, _, fallback) => {
    const s = text(value);
    if (s === '' && fallback === undefined) {
      throw new ConfigError(`${variable} is not set: set it in wrangler.toml [vars] to the bucket_name of the BUCKET binding, so that notifications about other buckets are refused`);
    }
    return s === '' ? fallback : bucketName(variable, s);
  },
  buckets: (variable, value, _, fallback) => {
    const s = text(value);
    if (s === '') return fallback;
    return Object.freeze(s.split(',').map((b) => bucketName(variable, b.trim())));
  },
};

/**
 * A variable of `env`, checked by its kind in the settings table (settings.mjs), or its default
 * there (or `fallback`, for a default that depends on other settings) when unset.
 * @param {Record<string, unknown>} env
 * @param {string} name
 * @param {unknown} [fallback]
 * @returns {any}
 */
export function read(env, name, fallback = setting(name).default) {
  const { type } = setting(name);
  return READERS[type.kind](name, env[name], type, fallback);
}

/**
 * The rate budget (rate.mjs): SEGMENT_MAX_EVENTS_PER_SECOND, by default 1,000 towards Segment's
 * own hosts, and none when SEGMENT_ENDPOINT points elsewhere (a test server; set it for a proxy
 * to Segment); CSV2SEGMENT_PIECES_IN_FLIGHT, how many pieces may run at once to share it.
 * @param {Record<string, unknown>} env
 * @returns {Readonly<{ maxEventsPerSecond: number | null, piecesInFlight: number }>}
 */
function rateSettings(env) {
  return Object.freeze({
    maxEventsPerSecond: read(env, 'SEGMENT_MAX_EVENTS_PER_SECOND', read(env, 'SEGMENT_ENDPOINT', '') ? null : setting('SEGMENT_MAX_EVENTS_PER_SECOND').default),
    piecesInFlight: read(env, 'CSV2SEGMENT_PIECES_IN_FLIGHT'),
  });
}

/**
 * QUEUE_RETRY_DELAY_SECONDS: the first redelivery delay of a failed Worker queue message, whole
 * seconds from 0 to 43200 (Cloudflare's limit); part of readConfig's result, and read on its own
 * when the rest of the settings fail (their messages are retried with this delay).
 * @param {Record<string, unknown>} env
 * @returns {number}
 */
export function readRetryDelaySeconds(env) {
  return read(env, 'QUEUE_RETRY_DELAY_SECONDS');
}

/**
 * CSV2SEGMENT_REQUIRE_MAPPING: whether a file with no csv2segment.json is refused (nothing sent,
 * a report saying so) rather than read by its header alone; default false. Read by every host,
 * the Worker's validate endpoint and the CLI included.
 * @param {Record<string, unknown>} env
 * @returns {boolean}
 */
export function readRequireMapping(env) {
  return read(env, 'CSV2SEGMENT_REQUIRE_MAPPING');
}

/**
 * The name of the bucket a Worker's BUCKET binding is bound to (`BUCKET_NAME`, as in
 * wrangler.toml's [[r2_buckets]] bucket_name): R2 notifications name their bucket by it.
 * @param {Record<string, unknown>} env
 * @returns {string}
 */
export function readBucketName(env) {
  return read(env, 'BUCKET_NAME');
}

/**
 * The engine's options that the environment sets (`CSV2SEGMENT_EMPTY_CELLS`, `CSV2SEGMENT_TYPING`,
 * `CSV2SEGMENT_MAX_RECORD_BYTES`);
 * all a host needs to validate a file without sending it.
 * @param {Record<string, unknown>} env
 * @returns {Readonly<import('../../pkg/csv2segment.js').IngestOptions>}
 */
export function readEngineOptions(env) {
  /** @type {import('../../pkg/csv2segment.js').IngestOptions} */
  const options = {};
  // The choices are EMPTY_VALUES / TYPING_VALUES, which are the engine's names.
  const empty = read(env, 'CSV2SEGMENT_EMPTY_CELLS');
  if (empty) options.empty = empty;
  const typing = read(env, 'CSV2SEGMENT_TYPING');
  if (typing) options.typing = typing;
  const maxRecordBytes = read(env, 'CSV2SEGMENT_MAX_RECORD_BYTES');
  if (maxRecordBytes) options.maxRecordBytes = maxRecordBytes;
  return Object.freeze(options);
}

/**
 * Sender settings (sender.mjs): the retry policy's tries and first backoff, the request timeout.
 * @param {Record<string, unknown>} env
 * @returns {Readonly<{ retry: Readonly<{ maxAttempts: number, baseMs: number }>, requestTimeoutMs: number }>}
 */
function senderSettings(env) {
  return Object.freeze({
    retry: Object.freeze({ maxAttempts: read(env, 'SEGMENT_MAX_ATTEMPTS'), baseMs: read(env, 'SEGMENT_RETRY_BASE_MS') }),
    requestTimeoutMs: read(env, 'SEGMENT_TIMEOUT_MS'),
  });
}

/**
 * Where the write key comes from: an SSM parameter (`SEGMENT_WRITE_KEY_PARAMETER`, a SecureString)
 * or a Secrets Manager secret (`SEGMENT_WRITE_KEY_SECRET`), which a host reads once with its
 * cloud's own clients (write-key.mjs); null when neither is set, and the key is in the
 * environment itself (`SEGMENT_WRITE_KEY`, for local use).
 * @param {Record<string, unknown>} env
 * @returns {{ parameter: string } | { secret: string } | null}
 */
export function writeKeySource(env) {
  const parameter = read(env, 'SEGMENT_WRITE_KEY_PARAMETER', '');
  const secret = read(env, 'SEGMENT_WRITE_KEY_SECRET', '');
  const inline = read(env, 'SEGMENT_WRITE_KEY', '');
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
 * The settings every host shares, read from an environment object; the variables, their
 * meanings and defaults are the table in settings.mjs (and docs/aws.md's, made from it).
 * @param {Record<string, unknown>} env
 * @param {{ writeKey?: string }} [found] the key a host read from where writeKeySource says
 */
export function readConfig(env, found = {}) {
  // `write_key`: the seed's name for it (the tutorial's environment).
  const writeKey = text(found.writeKey) || read(env, 'SEGMENT_WRITE_KEY', '') || text(env.write_key);
  if (!writeKey && (read(env, 'SEGMENT_WRITE_KEY_PARAMETER', '') || read(env, 'SEGMENT_WRITE_KEY_SECRET', ''))) {
    throw new ConfigError(
      'SEGMENT_WRITE_KEY_PARAMETER and SEGMENT_WRITE_KEY_SECRET are read on AWS Lambda only: here, set SEGMENT_WRITE_KEY (a secret of the host)',
    );
  }
  if (!writeKey) {
    throw new ConfigError(
      'SEGMENT_WRITE_KEY is not set: set it to the write key of the Segment source the rows should go to',
    );
  }

  const config = {
    endpoints: segmentEndpoints({
      region: read(env, 'SEGMENT_REGION', ''),
      endpoint: read(env, 'SEGMENT_ENDPOINT', ''),
      objectsEndpoint: read(env, 'SEGMENT_OBJECTS_ENDPOINT', ''),
    }),
    reportPrefix: read(env, 'REPORT_PREFIX'),
    buckets: read(env, 'CSV2SEGMENT_BUCKETS'),
    engineOptions: readEngineOptions(env),
    concurrency: read(env, 'SEGMENT_CONCURRENCY'),
    sender: senderSettings(env),
    rate: rateSettings(env),
    pieces: Object.freeze({
      shardBytes: read(env, 'CSV2SEGMENT_SHARD_BYTES'),
      maxRunSeconds: read(env, 'MAX_RUN_SECONDS'),
    }),
    retryDelaySeconds: readRetryDelaySeconds(env),
    queueUrl: read(env, 'CSV2SEGMENT_QUEUE_URL'),
    requireMapping: readRequireMapping(env),
  };
  // Not enumerable: a config that gets logged or serialised does not carry the key with it.
  Object.defineProperty(config, 'writeKey', { value: writeKey, enumerable: false });
  return Object.freeze(/** @type {typeof config & { readonly writeKey: string }} */ (config));
}
