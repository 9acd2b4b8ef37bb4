// A piece of work as it travels between invocations (`{ csv2segment: task }`, in an async invoke,
// an SQS message or a Workers queue message): its shape, how one is made, and how one read from
// a message is checked before anything of it is trusted. A message is input like any other:
// whoever can send to the queue can write one.

/**
 * A task that is not to be run: it names a bucket that is not allowed or a report's key, does
 * not fit the object it names, or does not match its run's pin. Running it again cannot change
 * that: hosts log it and drop it.
 */
export class TaskRefused extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'TaskRefused';
  }
}

/** The task format's version: 2 names its mapping by reference (1 carried the text). */
export const TASK_VERSION = 2;

/**
 * A mapping as a task names it.
 * @typedef {{ key: string, eTag: string | null, sha256: string }} MappingRef
 */

/**
 * A piece of work for another invocation, as it travels in a message: `{ csv2segment: task }`.
 * `end` is the offset where the piece stops (null: the end of the file); without `header`, the
 * piece reads the object from its start and skips to `start`.
 * @typedef {object} Task
 * @property {2} v
 * @property {string} bucket
 * @property {string} [origin] the bucket of the event that started the run
 * @property {string} key
 * @property {string} [eTag]
 * @property {string} [versionId]
 * @property {number | null} size the object's size in bytes
 * @property {{ offset: number, line: number }} start
 * @property {number | null} end
 * @property {string | null} header
 * @property {string} run one run of the file: its pieces' parts are kept apart from other runs'
 * @property {{ index: number, count: number | null } | null} shard (count: null until the
 *   splitting pass has reached the end)
 * @property {boolean} [split] the task is the rest of the splitting pass, from `start`
 * @property {{ rows: number, events: number, rejected: number }} [done] counts of the pieces
 *   before this one (in its shard), for the log
 * @property {string} pin the run's pin (pinned-mapping.mjs): which upload event started it
 * @property {boolean} [workbook] the object is an Excel workbook: `start` is a sheet row (its
 *   offset and line both the row), read again from the sheet's start; never sharded
 * @property {MappingRef | null} mapping the mapping the run
 *   pinned, by reference; checked against the pin, never trusted alone
 */

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * True for a well formed mapping reference (or null: the run has no mapping).
 * @param {any} m a message's field, as parsed from JSON: checked here, field by field
 */
export function isMappingRef(m) {
  if (m === null) return true;
  if (typeof m !== 'object' || Array.isArray(m)) return false;
  const keys = Object.keys(m).sort().join(',');
  return keys === 'eTag,key,sha256' && typeof m.key === 'string' && m.key.length <= 1024 && (m.eTag === null || (typeof m.eTag === 'string' && m.eTag.length <= 1024)) && SHA256.test(m.sha256);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** S3's and R2's eTags: an MD5 in hex, with `-<parts>` for multipart uploads. */
const ETAG = /^[0-9a-fA-F]{32}(-\d{1,5})?$/;
/** The engine takes no header over 64 KB. */
const MAX_HEADER_BYTES = 64 * 1024;
const offset = (/** @type {unknown} */ n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const count = offset;

/**
 * A task for another invocation.
 * @param {{ bucket: string, origin?: string, key: string, eTag?: string, versionId?: string, size?: number }} object
 * @param {{ start: { offset: number, line: number }, end: number | null, header: string | null, run: string, shard: Task['shard'], done?: Task['done'], pin: string, mapping: Task['mapping'], workbook?: boolean }} piece
 * @returns {Task}
 */
export function makeTask(object, { start, end, header, run, shard, done = { rows: 0, events: 0, rejected: 0 }, pin, mapping, workbook = false }) {
  const { bucket, key, eTag, versionId, size } = object;
  // origin: the bucket of the event that started the run, the default allow-list of its tasks.
  return { v: TASK_VERSION, bucket, origin: object.origin ?? bucket, key, eTag, versionId, size: size ?? null, start, end, header, run, shard, done, pin, mapping, ...(workbook ? { workbook: true } : {}) };
}

/**
 * The task in a message body; null when the body is not one of ours at all. Throws TaskRefused,
 * saying which field is wrong, for a body that claims to be a task and is not well formed.
 * @returns {Task | null}
 */
export function taskOf(/** @type {any} */ body) {
  const t = body?.csv2segment;
  if (t === undefined) return null;
  const wrong = taskProblem(t);
  if (wrong) throw new TaskRefused(`the message's csv2segment task ${wrong}`);
  return t;
}

/**
 * What is wrong with a task, or null.
 * @param {any} t a message's field, as parsed from JSON: checked here, field by field
 */
function taskProblem(t) {
  if (!t || typeof t !== 'object' || Array.isArray(t)) return 'is not an object';
  if (t.v === 1) return 'is of version 1, which carried its mapping\'s text: a release before this one wrote it; send the file again (upload it anew)';
  if (t.v !== TASK_VERSION) return `has version ${JSON.stringify(t.v)}; this release reads version ${TASK_VERSION}`;
  const checks = [
    ['bucket', typeof t.bucket === 'string'],
    ['origin', t.origin === undefined || typeof t.origin === 'string'],
    ['key', typeof t.key === 'string' && t.key.length > 0],
    ['eTag', t.eTag === undefined || t.eTag === null || ETAG.test(t.eTag)],
    ['versionId', t.versionId === undefined || t.versionId === null || (typeof t.versionId === 'string' && t.versionId.length <= 1024)],
    ['size', t.size === undefined || t.size === null || offset(t.size)],
    ['start', offset(t.start?.offset) && Number.isSafeInteger(t.start?.line) && t.start.line >= 1],
    ['end', t.end === null || (offset(t.end) && t.end >= t.start.offset)],
    ['header', t.header === null || (typeof t.header === 'string' && t.header.length <= MAX_HEADER_BYTES)],
    ['run', typeof t.run === 'string' && UUID.test(t.run)],
    ['shard', t.shard === undefined || t.shard === null || (count(t.shard.index) && (t.shard.count === null || (count(t.shard.count) && t.shard.count > t.shard.index)))],
    ['done', t.done === undefined || (count(t.done?.rows) && count(t.done?.events) && count(t.done?.rejected))],
    ['pin', typeof t.pin === 'string' && SHA256.test(t.pin)],
    ['workbook', t.workbook === undefined || (t.workbook === true && t.header === null && (t.shard ?? null) === null && t.end === null)],
  ];
  for (const [field, ok] of checks) if (!ok) return `is not well formed (${field})`;
  if (t.mapping && typeof t.mapping === 'object' && 'text' in t.mapping) {
    return 'carries a mapping text: a task names its run\'s mapping by reference (key, eTag, sha256), never its text';
  }
  if (t.mapping === undefined || !isMappingRef(t.mapping)) return 'has a mapping that is not a reference ({ key, eTag, sha256 } or null)';
  return null;
}
