// Where a file's mapping comes from: the nearest csv2segment.json, in the file's folder, else its
// parent's, up to the root (of a bucket, or of the file system for the CLI). The engine reads
// and applies it; the hosts only find its bytes and pass them, with where they came from.
//
// A mapping can keep columns out (`"unmapped": "drop"`), so a mapping that is there but cannot
// be read must never pass for none: only "not found" means none; any other answer stops the
// file (MappingUnreadable), before anything is sent.

/** The name of a mapping file. */
export const MAPPING_NAME = 'csv2segment.json';

/**
 * The largest mapping a host reads, in bytes: the engine refuses a longer text, so a host never
 * holds more than this and one byte of one (it refuses by the size S3, R2 or the file system
 * gives, before the body, where it can).
 */
export const MAX_MAPPING_BYTES = 1_048_576;

/**
 * Folders searched for a mapping, the file's own included, before the root: a key 500 folders
 * deep costs 17 reads (the nearest 16 folders, then the bucket's root), not 500.
 */
export const MAX_MAPPING_FOLDERS = 16;

/** S3's and R2's longest object key, in UTF-8 bytes: a longer candidate cannot exist, and is not asked for. */
export const MAX_KEY_BYTES = 1024;

const encoder = new TextEncoder();

/** A mapping that is there but could not be read, or is over MAX_MAPPING_BYTES: the file stops. */
export class MappingUnreadable extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'MappingUnreadable';
    this.code = 'mapping-unreadable';
  }
}

/**
 * The error of a mapping of `bytes` bytes (null: more than the limit, its size unknown).
 * @param {string} key
 * @param {number | null} bytes
 */
export function mappingTooLarge(key, bytes) {
  const size = bytes === null ? `more than ${MAX_MAPPING_BYTES.toLocaleString('en-US')}` : bytes.toLocaleString('en-US');
  return new MappingUnreadable(`${MAPPING_NAME} at ${key} is ${size} bytes; a mapping may have at most ${MAX_MAPPING_BYTES.toLocaleString('en-US')}`);
}

/**
 * The text of a mapping from its bytes, reading at most MAX_MAPPING_BYTES + 1 of them: throws
 * mappingTooLarge past the limit (after `stop`, which ends the download). UTF-8, a byte order
 * mark dropped, as S3's transformToString and R2's text() read it.
 * @param {AsyncIterable<Uint8Array>} chunks
 * @param {string} key
 * @param {() => void} [stop]
 */
export async function readMappingText(chunks, key, stop = () => {}) {
  const parts = [];
  let length = 0;
  for await (const chunk of chunks) {
    length += chunk.length;
    if (length > MAX_MAPPING_BYTES) {
      stop();
      throw mappingTooLarge(key, null);
    }
    parts.push(chunk);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * The keys where the mapping of `key` may be, nearest first: `a/b/x.csv` → `a/b/…`, `a/…`, `…`;
 * at most the nearest MAX_MAPPING_FOLDERS folders, then the root; none over S3's key limit.
 * @param {string} key
 * @returns {string[]}
 */
export function mappingCandidates(key) {
  const parts = String(key).split('/');
  parts.pop();
  const keys = [];
  const nearest = Math.max(0, parts.length - MAX_MAPPING_FOLDERS + 1);
  for (let n = parts.length; n >= nearest; n -= 1) keys.push([...parts.slice(0, n), MAPPING_NAME].join('/'));
  if (nearest > 0) keys.push(MAPPING_NAME);
  return keys.filter((k) => encoder.encode(k).length <= MAX_KEY_BYTES);
}

/**
 * Whether `key` is a mapping itself (an upload of one is not a file to send).
 * @param {string} key
 */
export function isMappingKey(key) {
  return String(key).split('/').pop() === MAPPING_NAME;
}

/**
 * The nearest mapping of `key`: one `get` per level, stopping at the first found. `get` answers
 * null only for "not found"; it throws MappingUnreadable for any other answer, which stops the
 * search (a nearer mapping that cannot be read is never passed over for one further up).
 * @param {string} key
 * @param {(key: string) => Promise<{ text: string, eTag?: string | null } | null>} get
 * @returns {Promise<{ key: string, text: string, eTag: string | null } | null>}
 */
export async function findMapping(key, get) {
  for (const candidate of mappingCandidates(key)) {
    let found;
    try {
      found = await get(candidate);
    } catch (err) {
      if (err instanceof MappingUnreadable) throw err;
      const e = /** @type {{ name?: string, message?: string } | null | undefined} */ (err);
      throw new MappingUnreadable(`${MAPPING_NAME} at ${candidate} could not be read (${e?.name ?? 'Error'}: ${String(e?.message ?? err).slice(0, 300)}), so nothing was sent`);
    }
    if (found) return { key: candidate, text: found.text, eTag: found.eTag ?? null };
  }
  return null;
}

/**
 * The engine options with the mapping in them (the text, and where it came from), if any.
 * @param {import('../../pkg/csv2segment.js').IngestOptions} options
 * @param {{ key: string, text: string, eTag?: string | null } | null} mapping
 * @returns {import('../../pkg/csv2segment.js').IngestOptions}
 */
export function withMapping(options, mapping) {
  if (!mapping) return options;
  return { ...options, mapping: mapping.text, mappingKey: mapping.key, ...(mapping.eTag ? { mappingETag: mapping.eTag } : {}) };
}

/**
 * The error of a file with no mapping when one is required (CSV2SEGMENT_REQUIRE_MAPPING=true).
 * @param {string} where the folder or key the search started from
 */
export function mappingRequiredError(where) {
  return `no ${MAPPING_NAME} in ${where || 'the root'} or the folders above it, and CSV2SEGMENT_REQUIRE_MAPPING is true, so nothing was sent: put a mapping beside the file (or above it), then upload the file again`;
}
