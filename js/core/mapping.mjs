// Where a file's mapping comes from: the nearest csv2segment.json, in the file's folder, else its
// parent's, up to the root (of a bucket, or of the file system for the CLI). The engine reads
// and applies it; the hosts only find its bytes and pass them, with where they came from.

/** The name of a mapping file. */
export const MAPPING_NAME = 'csv2segment.json';

/** The keys where the mapping of `key` may be, nearest first: `a/b/x.csv` → `a/b/…`, `a/…`, `…`. */
export function mappingCandidates(key) {
  const parts = String(key).split('/');
  parts.pop();
  const keys = [];
  for (let n = parts.length; n >= 0; n -= 1) keys.push([...parts.slice(0, n), MAPPING_NAME].join('/'));
  return keys;
}

/** Whether `key` is a mapping itself (an upload of one is not a file to send). */
export function isMappingKey(key) {
  return String(key).split('/').pop() === MAPPING_NAME;
}

/**
 * The nearest mapping of `key`: one `get` per level, stopping at the first found.
 * @param {string} key
 * @param {(key: string) => Promise<{ text: string, eTag?: string | null } | null>} get
 * @returns {Promise<{ key: string, text: string, eTag: string | null } | null>}
 */
export async function findMapping(key, get) {
  for (const candidate of mappingCandidates(key)) {
    const found = await get(candidate);
    if (found) return { key: candidate, text: found.text, eTag: found.eTag ?? null };
  }
  return null;
}

/** The engine options with the mapping in them (the text, and where it came from), if any. */
export function withMapping(options, mapping) {
  if (!mapping) return options;
  return { ...options, mapping: mapping.text, mappingKey: mapping.key, ...(mapping.eTag ? { mappingETag: mapping.eTag } : {}) };
}
