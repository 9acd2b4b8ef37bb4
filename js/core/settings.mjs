// The one table of settings: every environment variable a host reads, with its kind of value,
// its default, the hosts it applies to, one line of help and whether it is a secret. config.mjs
// parses by it, the CLI's Environment help is made from it, and so are the tables in docs/
// (`npm run docs:settings`); wrangler.toml and template.yaml are checked against it.
import { DEFAULT_MAX_EVENTS_PER_SECOND } from './rate.mjs';
import { DEFAULT_RETRY } from './retry.mjs';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './sender.mjs';

/** Segment's public hosts per region (../shared/reference/segment-api.md). */
export const REGIONS = Object.freeze({
  us: Object.freeze({ batch: 'https://api.segment.io', set: 'https://objects.segment.com' }),
  eu: Object.freeze({ batch: 'https://events.eu1.segmentapis.com', set: 'https://objects.euw1.segment.com' }),
});

/** The empty-cell and typing values the engine takes. */
export const EMPTY_VALUES = Object.freeze(/** @type {const} */ (['omit', 'null', 'string']));
export const TYPING_VALUES = Object.freeze(/** @type {const} */ (['infer', 'strings']));

/** Files over this many bytes are cut into shards that run in parallel (256 MB). */
export const DEFAULT_SHARD_BYTES = 256 * 1024 * 1024;

/** Where reports go unless REPORT_PREFIX says otherwise. */
export const DEFAULT_REPORT_PREFIX = 'csv2segment-reports/';

/** The first redelivery delay of a failed Worker queue message, when QUEUE_RETRY_DELAY_SECONDS is unset. */
export const DEFAULT_RETRY_DELAY_SECONDS = 60;
/** Cloudflare Queues' longest delay: 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

/**
 * The hosts that read environment variables (the browser page reads none).
 * @type {readonly Host[]}
 */
export const HOSTS = Object.freeze(['lambda', 'worker', 'cli']);

/**
 * What a setting's value is; config.mjs has one reader per kind, and docs say it by `describe`.
 * @typedef {{ kind: 'secret' }
 *   | { kind: 'text' }
 *   | { kind: 'flag' }
 *   | { kind: 'platform' }
 *   | { kind: 'ssm-parameter' }
 *   | { kind: 'secrets-manager-secret' }
 *   | { kind: 'region' }
 *   | { kind: 'url' }
 *   | { kind: 'prefix' }
 *   | { kind: 'bucket' }
 *   | { kind: 'buckets' }
 *   | { kind: 'choice', values: readonly string[] }
 *   | { kind: 'boolean' }
 *   | { kind: 'whole', min: number, max?: number }
 *   | { kind: 'seconds' }
 *   | { kind: 'rate' }} SettingType
 */

/**
 * @typedef {'lambda' | 'worker' | 'cli'} Host
 * @typedef {object} Setting
 * @property {string} name the environment variable
 * @property {SettingType} type
 * @property {unknown} default the value when unset, where this shim owns it (undefined: none, or the engine's or platform's)
 * @property {string | Partial<Record<Host, string>>} [defaultText] how the default reads (on each host), when the value alone does not say it
 * @property {boolean} [required] there is no default: the host refuses to run without it
 * @property {readonly Host[]} hosts where it is read
 * @property {string} help one line, in Markdown (code in backticks, links relative to docs/)
 * @property {Partial<Record<Host, string>>} [notes] what the help adds on one host
 * @property {boolean} secret set as the platform's secret, never in plain config, never logged
 * @property {string} [flag] the CLI option that wins over it
 * @property {readonly string[]} [commands] the CLI commands that read it (default: all)
 */

const ALL = HOSTS;
/** @type {readonly Host[]} */
const SERVERS = Object.freeze(['lambda', 'worker']);
const ENGINE_COMMANDS = Object.freeze(['validate', 'preview', 'send']);
const SEND = Object.freeze(['send']);

/** @type {readonly Setting[]} */
export const SETTINGS = Object.freeze(/** @type {Setting[]} */ ([
  {
    name: 'SEGMENT_WRITE_KEY',
    type: { kind: 'secret' },
    default: undefined,
    required: true,
    hosts: ALL,
    help: 'the write key of the Segment source the rows go to',
    notes: {
      lambda: "for local use (the tutorial's `write_key` works too): set exactly one of it, `SEGMENT_WRITE_KEY_PARAMETER` and `SEGMENT_WRITE_KEY_SECRET`",
      worker: 'set it with `wrangler secret put SEGMENT_WRITE_KEY`',
    },
    secret: true,
    flag: '--write-key',
    commands: SEND,
  },
  {
    name: 'SEGMENT_WRITE_KEY_PARAMETER',
    type: { kind: 'ssm-parameter' },
    default: undefined,
    hosts: ['lambda'],
    help: 'the name or ARN of an SSM SecureString parameter that holds the write key (what the template sets); its value is never logged',
    secret: false,
  },
  {
    name: 'SEGMENT_WRITE_KEY_SECRET',
    type: { kind: 'secrets-manager-secret' },
    default: undefined,
    hosts: ['lambda'],
    help: 'or the name or ARN of a Secrets Manager secret that holds it: the key alone, or `{"SEGMENT_WRITE_KEY": "..."}`; its value is never logged',
    secret: false,
  },
  {
    name: 'INGEST_TOKEN',
    type: { kind: 'secret' },
    default: undefined,
    defaultText: 'none: uploads are off (503)',
    hosts: ['worker'],
    help: 'the bearer token of the HTTP upload endpoints (`Authorization: Bearer <INGEST_TOKEN>`); set it with `wrangler secret put INGEST_TOKEN`',
    secret: true,
  },
  {
    name: 'BUCKET_NAME',
    type: { kind: 'bucket' },
    default: undefined,
    required: true,
    hosts: ['worker'],
    help: 'the `bucket_name` of the `BUCKET` binding: notifications and tasks about any other bucket are not read (retried, then left in the dead-letter queue)',
    secret: false,
  },
  {
    name: 'SEGMENT_REGION',
    type: { kind: 'region' },
    default: 'us',
    hosts: ALL,
    help: "Segment's region",
    secret: false,
    flag: '--region',
    commands: SEND,
  },
  {
    name: 'SEGMENT_ENDPOINT',
    type: { kind: 'url' },
    default: undefined,
    defaultText: "the region's",
    hosts: ALL,
    help: "the base URL `/v1/batch` is posted to, instead of the region's (a proxy, a test server)",
    secret: false,
    flag: '--endpoint',
    commands: SEND,
  },
  {
    name: 'SEGMENT_OBJECTS_ENDPOINT',
    type: { kind: 'url' },
    default: undefined,
    defaultText: "the region's",
    hosts: ALL,
    help: "the base URL `/v1/set` (the Objects API) is posted to, instead of the region's",
    secret: false,
    flag: '--objects-endpoint',
    commands: SEND,
  },
  {
    name: 'REPORT_PREFIX',
    type: { kind: 'prefix' },
    default: DEFAULT_REPORT_PREFIX,
    hosts: SERVERS,
    help: 'where reports are written, in the bucket of the file',
    secret: false,
  },
  {
    name: 'CSV2SEGMENT_EMPTY_CELLS',
    type: { kind: 'choice', values: EMPTY_VALUES },
    default: undefined,
    defaultText: '`omit`',
    hosts: ALL,
    help: 'an empty cell is left out (`omit`), sent as null or sent as ""',
    secret: false,
    flag: '--empty',
    commands: ENGINE_COMMANDS,
  },
  {
    name: 'CSV2SEGMENT_TYPING',
    type: { kind: 'choice', values: TYPING_VALUES },
    default: undefined,
    defaultText: '`infer`',
    hosts: ALL,
    help: '`infer`: numbers and true/false as such; `strings`: every data cell a string',
    secret: false,
    flag: '--typing',
    commands: ENGINE_COMMANDS,
  },
  {
    name: 'CSV2SEGMENT_MAX_RECORD_BYTES',
    type: { kind: 'whole', min: 1 },
    default: undefined,
    defaultText: '1048576 (1 MiB)',
    hosts: ALL,
    help: 'the largest row in bytes: a longer one is rejected without being held (see [Broken files](reliability.md#broken-files-a-bad-line-costs-one-row))',
    secret: false,
    flag: '--max-record-bytes',
    commands: ENGINE_COMMANDS,
  },
  {
    name: 'CSV2SEGMENT_REQUIRE_MAPPING',
    type: { kind: 'boolean' },
    default: false,
    hosts: ALL,
    help: '`true`: a file with no `csv2segment.json` beside it or above it is not read, nothing sent; `false`: it is read by its header alone',
    notes: {
      lambda: 'the report says why, and it is not retried',
      worker: 'for HTTP uploads, the mapping at the root or the one `X-Csv2segment-Mapping` names',
      cli: 'a `--mapping` counts',
    },
    secret: false,
    commands: ENGINE_COMMANDS,
  },
  {
    name: 'SEGMENT_CONCURRENCY',
    type: { kind: 'whole', min: 1 },
    default: 4,
    hosts: ALL,
    help: 'requests in flight at once',
    secret: false,
    flag: '--concurrency',
    commands: SEND,
  },
  {
    name: 'SEGMENT_MAX_EVENTS_PER_SECOND',
    type: { kind: 'rate' },
    default: DEFAULT_MAX_EVENTS_PER_SECOND,
    defaultText: `${DEFAULT_MAX_EVENTS_PER_SECOND} towards Segment's hosts, \`none\` with \`SEGMENT_ENDPOINT\` set`,
    hosts: ALL,
    help: 'the events a second all pieces of a run send together, or `none` for no budget (see [The rate](reliability.md#the-rate-one-budget-across-every-shard))',
    secret: false,
    flag: '--max-events-per-second',
    commands: SEND,
  },
  {
    name: 'CSV2SEGMENT_PIECES_IN_FLIGHT',
    type: { kind: 'whole', min: 1 },
    default: 1,
    hosts: SERVERS,
    help: 'how many pieces of work may run at once: each shard takes the budget divided by it',
    notes: {
      lambda: "set it to the SQS event source's maximum concurrency (the template does), or the reserved concurrency",
      worker: "it must equal the queue consumer's `max_concurrency`",
    },
    secret: false,
  },
  {
    name: 'SEGMENT_MAX_ATTEMPTS',
    type: { kind: 'whole', min: 1 },
    default: DEFAULT_RETRY.maxAttempts,
    hosts: ALL,
    help: 'tries per request before the run fails',
    secret: false,
    commands: SEND,
  },
  {
    name: 'SEGMENT_RETRY_BASE_MS',
    type: { kind: 'whole', min: 1 },
    default: DEFAULT_RETRY.baseMs,
    hosts: ALL,
    help: 'the first backoff in milliseconds, doubled each retry',
    secret: false,
    commands: SEND,
  },
  {
    name: 'SEGMENT_TIMEOUT_MS',
    type: { kind: 'whole', min: 1 },
    default: DEFAULT_REQUEST_TIMEOUT_MS,
    hosts: ALL,
    help: 'the timeout of one request in milliseconds',
    secret: false,
    commands: SEND,
  },
  {
    name: 'MAX_RUN_SECONDS',
    type: { kind: 'seconds' },
    default: null,
    defaultText: {
      lambda: "until a minute (or a quarter of the time) before the function's timeout, less 10 s",
      worker: '780 (a minute before the 14 minutes of a queue consumer)',
    },
    hosts: SERVERS,
    help: 'how long one invocation takes rows of a file before it hands the rest on, when that is sooner than the default (see [Files of any size](reliability.md#files-of-any-size))',
    secret: false,
  },
  {
    name: 'CSV2SEGMENT_SHARD_BYTES',
    type: { kind: 'whole', min: 1 },
    default: DEFAULT_SHARD_BYTES,
    defaultText: `${DEFAULT_SHARD_BYTES} (256 MB)`,
    hosts: SERVERS,
    help: 'files over this many bytes (not gzip) are cut at row boundaries into shards that run in parallel',
    secret: false,
  },
  {
    name: 'CSV2SEGMENT_QUEUE_URL',
    type: { kind: 'text' },
    default: null,
    defaultText: 'none: the function invokes itself',
    hosts: ['lambda'],
    help: 'an SQS queue that triggers the function: pieces of work go there rather than to async invocations (see [Files of any size](reliability.md#files-of-any-size))',
    secret: false,
  },
  {
    name: 'QUEUE_RETRY_DELAY_SECONDS',
    type: { kind: 'whole', min: 0, max: MAX_QUEUE_DELAY_SECONDS },
    default: DEFAULT_RETRY_DELAY_SECONDS,
    hosts: ['worker'],
    help: 'the first redelivery delay of a failed queue message, doubled per attempt up to an hour',
    secret: false,
  },
  {
    name: 'CSV2SEGMENT_BUCKETS',
    type: { kind: 'buckets' },
    default: null,
    defaultText: 'the bucket of the event; for a piece of work, the bucket its run started from',
    hosts: ['lambda'],
    help: 'the buckets the function may read, comma-separated: S3 records and pieces of work naming another are refused (see [Security](reliability.md#security))',
    secret: false,
  },
  {
    name: 'CSV2SEGMENT_DEBUG',
    type: { kind: 'flag' },
    default: undefined,
    hosts: ['cli'],
    help: 'set to 1 to print stack traces with errors',
    secret: false,
  },
  {
    name: 'NODE_OPTIONS',
    type: { kind: 'platform' },
    default: undefined,
    hosts: ['lambda'],
    help: "Node.js's own options: `--max-semi-space-size=1` frees the download's spent buffers sooner (the template sets it; see step 3 of *What the template does, by hand*)",
    secret: false,
  },
]).map((s) => Object.freeze(s)));

const BY_NAME = new Map(SETTINGS.map((s) => [s.name, s]));

/**
 * The table's entry for a variable; a name that is not in the table is a mistake in the code.
 * @param {string} name
 * @returns {Setting}
 */
export function setting(name) {
  const found = BY_NAME.get(name);
  if (!found) throw new Error(`${name} is not in the settings table (js/core/settings.mjs)`);
  return found;
}

/**
 * The settings one host reads, in the table's order.
 * @param {Host} host
 */
export const settingsOf = (host) => SETTINGS.filter((s) => s.hosts.includes(host));

/**
 * What a value of `type` may be, in Markdown.
 * @param {SettingType} type
 */
export function describeType(type) {
  switch (type.kind) {
    case 'secret':
      return 'a secret';
    case 'text':
      return 'text';
    case 'flag':
      return 'set or unset';
    case 'platform':
      return "the platform's";
    case 'ssm-parameter':
      return 'an SSM parameter name or ARN';
    case 'secrets-manager-secret':
      return 'a secret name or ARN';
    case 'region':
      return Object.keys(REGIONS).map((r) => `\`${r}\``).join(' or ');
    case 'url':
      return 'an http(s) base URL';
    case 'prefix':
      return 'a key prefix';
    case 'bucket':
      return 'a bucket name';
    case 'buckets':
      return 'bucket names';
    case 'choice':
      return type.values.map((v) => `\`${v}\``).join(', ');
    case 'boolean':
      return '`true` or `false`';
    case 'whole':
      return type.max === undefined ? `a whole number ≥ ${type.min}` : `a whole number from ${type.min} to ${type.max}`;
    case 'seconds':
      return 'seconds > 0';
    case 'rate':
      return 'a number > 0, or `none`';
  }
}

/**
 * How a setting's default reads on `host`, in Markdown ('' when it has none worth saying).
 * @param {Setting} s
 * @param {Host} host
 */
export function describeDefault(s, host) {
  if (s.required) return 'required';
  if (typeof s.defaultText === 'string') return s.defaultText;
  if (s.defaultText !== undefined) return s.defaultText[host] ?? '';
  if (s.default === undefined || s.default === null) return '';
  return `\`${s.default}\``;
}
