// A run's mapping, pinned: a file run in a bucket reads through the mapping its run started with,
// in every retry, continuation and shard, whatever is uploaded to the mapping's key meanwhile.
//
// The first piece of a run finds the file's mapping once and records which it was (its key, eTag
// and SHA-256) in a pin beside the report, one per upload event; the text is kept once per
// content under the report prefix. A retry of that first piece (the same upload event, delivered
// again) reads the pin, not the mapping's key. Tasks name the mapping by reference only (key,
// eTag, SHA-256, and the pin): no message grows with the mapping, and a task whose reference is
// not its run's pin, or whose pinned text no longer has its hash, is refused.
import { TaskRefused, isMappingRef } from './task.mjs';

const encoder = new TextEncoder();

/**
 * The SHA-256 of a text's UTF-8 bytes, in hex.
 * @param {string} text
 */
export async function sha256Hex(text) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** @typedef {import('./task.mjs').MappingRef} MappingRef */

/**
 * Where a copy of a mapping's text is kept: under the report prefix, by its hash.
 * @param {string} reportPrefix
 * @param {string} sha256
 */
export const mappingCopyKey = (reportPrefix, sha256) => `${reportPrefix}mappings/${sha256}.json`;

/**
 * The pin of one upload event of one version of an object: `<report base>.runs/<version>/<pin>.json`.
 * @param {string} base the object's report base
 * @param {string} version the version's name in a key (at most 64 characters)
 * @param {string} pin the event's tag, hashed (pinOf)
 */
export const pinKey = (base, version, pin) => `${base}.runs/${version}/${pin}.json`;

/**
 * The pin's name for an upload event: the SHA-256 of what tells that upload from another of the
 * same bytes (S3's sequencer, R2's event time). A redelivered event has the same; a re-upload, a
 * new one, and so a new run that finds the mapping again.
 * @param {string} event
 */
export const pinOf = (event) => sha256Hex(`csv2segment pin\n${event}`);

const sameRef = (/** @type {MappingRef | null} */ a, /** @type {MappingRef | null} */ b) => (a === null || b === null ? a === b : a.key === b.key && a.eTag === b.eTag && a.sha256 === b.sha256);

/**
 * The mapping of a new run, pinned: the one its pin names when this upload event was seen
 * before (a retry), else the one `find` finds now, which is then pinned.
 * @param {object} at
 * @param {{ get(key: string): Promise<string | null>, put(key: string, body: string, type: string): Promise<void> }} at.store
 * @param {string} at.reportPrefix
 * @param {string} at.pinKey
 * @param {() => Promise<{ key: string, text: string, eTag: string | null } | null>} at.find
 * @returns {Promise<{ ref: MappingRef | null, text: string | null }>}
 */
export async function pinMapping({ store, reportPrefix, pinKey: key, find }) {
  const pinned = await readPin(store, key);
  if (pinned !== undefined) return { ref: pinned, text: pinned ? await readCopy(store, reportPrefix, pinned) : null };
  const found = await find();
  const ref = found ? { key: found.key, eTag: found.eTag ?? null, sha256: await sha256Hex(found.text) } : null;
  if (ref && found) await store.put(mappingCopyKey(reportPrefix, ref.sha256), found.text, 'application/json');
  await store.put(key, JSON.stringify({ mapping: ref, pinnedAt: new Date().toISOString() }), 'application/json');
  return { ref, text: found ? found.text : null };
}

/**
 * The mapping a task's run pinned, checked against the reference the task carries. Throws
 * TaskRefused when they differ, when the run has no pin, or when the kept text is not the one
 * pinned.
 * @param {object} at
 * @param {{ get(key: string): Promise<string | null> }} at.store
 * @param {string} at.reportPrefix
 * @param {string} at.pinKey
 * @param {MappingRef | null} at.ref the task's
 * @returns {Promise<string | null>} the mapping's text
 */
export async function pinnedMapping({ store, reportPrefix, pinKey: key, ref }) {
  const pinned = await readPin(store, key);
  if (pinned === undefined) throw new TaskRefused('the task names a run that has no pinned mapping (no pin at its key): it is not a piece of a run of this object');
  if (!sameRef(pinned, ref)) {
    throw new TaskRefused(`the task names the mapping ${describe(ref)}, but its run pinned ${describe(pinned)}`);
  }
  return pinned ? readCopy(store, reportPrefix, pinned) : null;
}

const describe = (/** @type {MappingRef | null} */ ref) => (ref ? `${ref.key} (eTag ${ref.eTag ?? 'none'}, SHA-256 ${ref.sha256})` : 'none');

/**
 * The pin at `key`: its reference (null: no mapping), or undefined when there is none.
 * @param {{ get(key: string): Promise<string | null> }} store
 * @param {string} key
 * @returns {Promise<MappingRef | null | undefined>}
 */
async function readPin(store, key) {
  const text = await store.get(key);
  if (text === null) return undefined;
  let pin;
  try {
    pin = JSON.parse(text);
  } catch {
    pin = null;
  }
  if (!pin || !isMappingRef(pin.mapping)) throw new TaskRefused(`the run's pin at ${key} is not one csv2segment wrote`);
  return pin.mapping;
}

/**
 * The kept text of a pinned mapping, checked against its hash.
 * @param {{ get(key: string): Promise<string | null> }} store
 * @param {string} reportPrefix
 * @param {MappingRef} ref
 */
async function readCopy(store, reportPrefix, ref) {
  const key = mappingCopyKey(reportPrefix, ref.sha256);
  const text = await store.get(key);
  if (text === null || (await sha256Hex(text)) !== ref.sha256) {
    throw new TaskRefused(`the pinned copy of the mapping ${ref.key} at ${key} is ${text === null ? 'gone' : 'not the text pinned'}`);
  }
  return text;
}
