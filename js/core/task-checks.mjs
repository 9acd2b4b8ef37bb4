// A task names an object and a range of it; before anything of it is read, it is checked
// against the settings (an allowed bucket, not a report's key) and against the object itself
// (its eTag, size and first record), so a forged or stale task reads nothing it should not.
import { TaskRefused } from './task.mjs';

const encoder = new TextEncoder();

/** The object was replaced or deleted after the event: that upload has an event of its own. */
export class Superseded extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'Superseded';
  }
}

/**
 * Checks a task against the settings and the object it names, before anything of it is read:
 * the bucket is allowed and the key is not a report's (here), then (checkTaskObject) the eTag,
 * size and offsets are the object's, and a header it carries is the object's first record.
 * Throws TaskRefused, or Superseded when the object is gone or changed (that upload has an
 * event of its own).
 * @param {{ config: { reportPrefix: string }, task: Task, buckets: readonly string[] }} run
 */
export function checkTaskNames({ config, task, buckets }) {
  if (!buckets.includes(task.bucket)) throw new TaskRefused(`the task names bucket ${task.bucket}, which is not among the buckets allowed (${buckets.join(', ')}; CSV2SEGMENT_BUCKETS)`);
  if (task.key.startsWith(config.reportPrefix)) throw new TaskRefused(`the task names ${task.key}, a key under the report prefix ${config.reportPrefix}`);
}

/** @typedef {import('./task.mjs').Task} Task */
/** @typedef {(gzip: boolean, range: { start: number, end: number | null } | null) => Promise<AsyncIterable<Uint8Array>>} Open */

/**
 * The rest of a task's checks, against the object (checkTaskNames first).
 * @template {object} O
 * @param {{ object: O, task: Task, head: () => Promise<{ size: number, eTag?: string } | null>, open: Open }} run
 * @param {boolean} gzip
 * @returns {Promise<O & { size: number }>}
 */
export async function checkTaskObject({ object, task, head, open }, gzip) {
  const found = await head();
  if (!found) throw new Superseded('the object is gone');
  if (task.eTag && found.eTag && found.eTag !== task.eTag) throw new Superseded('the object changed after this event');
  const size = found.size;
  if (task.size != null && task.size !== size) throw new TaskRefused(`the task says the object has ${task.size} bytes; it has ${size}`);
  // A gzip object's offsets are in its decompressed bytes: they cannot be checked without it.
  if (!gzip && (task.start.offset > size || (task.end !== null && task.end > size))) throw new TaskRefused(`the task's range ${task.start.offset}-${task.end ?? 'end'} is not within the object's ${size} bytes`);
  if (task.start.offset === 0 && task.start.line !== 1) throw new TaskRefused(`the task starts at offset 0 on line ${task.start.line}`);
  // The header is read as the object's own only where it stands in for reading the start.
  if (task.header !== null && !gzip) {
    const want = encoder.encode(task.header);
    const bom = 3;
    const have = await readStart(open, Math.min(size, want.length + bom + 2));
    if (!startsWithRecord(have, want)) throw new TaskRefused("the task's header is not the object's first record");
  }
  return { ...object, size };
}

/**
 * The first `n` bytes of the object.
 * @param {Open} open
 * @param {number} n
 */
async function readStart(open, n) {
  const out = new Uint8Array(n);
  let at = 0;
  if (n === 0) return out;
  for await (const chunk of await open(false, { start: 0, end: n })) {
    const take = Math.min(chunk.length, n - at);
    out.set(chunk.subarray(0, take), at);
    at += take;
    if (at === n) break;
  }
  return out.subarray(0, at);
}

/**
 * True when `bytes` (after a UTF-8 byte order mark) is `record` and then a line break or the end.
 * @param {Uint8Array} bytes
 * @param {Uint8Array} record
 */
function startsWithRecord(bytes, record) {
  const from = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes.length < from + record.length) return false;
  for (let i = 0; i < record.length; i += 1) if (bytes[from + i] !== record[i]) return false;
  const next = bytes[from + record.length];
  return next === undefined || next === 0x0a || next === 0x0d;
}
