// Where csv2segment writes beside an object: its report, rejects CSV, parts and pins, under the
// report prefix, kept within S3's and R2's 1,024-byte key limit; and the version name the
// pieces of a run pin their reads and keys to.
import { MAX_KEY_BYTES } from './mapping.mjs';
import { sha256Hex } from './pinned-mapping.mjs';

export { MAX_KEY_BYTES };

const encoder = new TextEncoder();

/**
 * The version of an object its pieces pin their reads to.
 * @param {{ eTag?: string | null, versionId?: string | null }} object
 */
export const versionOf = (object) => object.eTag || object.versionId || '';

/**
 * The most any key csv2segment writes adds to a report base: a part's
 * `.parts/<version, 64>/<run, 36>/<16 digits>-<16 digits>.last.json` (a run's pin,
 * `.runs/<version, 64>/<pin, 64>.json`, is shorter).
 */
export const SUFFIX_BYTES = 7 + 64 + 1 + 36 + 1 + 43;

/**
 * Where the report, the rejects CSV and the parts of `key` go: beside the key under the prefix;
 * or, when that would take a key (a part's the longest) past MAX_KEY_BYTES, under
 * `<prefix>long-keys/<SHA-256 of the key>`, the original key being in the report.
 * @param {string} prefix
 * @param {string} key
 * @returns {Promise<{ base: string, report: string, rejects: string }>}
 */
export async function reportKeys(prefix, key) {
  let base = `${prefix}${key}`;
  if (encoder.encode(base).length + SUFFIX_BYTES > MAX_KEY_BYTES) base = `${prefix}long-keys/${await sha256Hex(key)}`;
  return { base, report: `${base}.report.json`, rejects: `${base}.rejected.csv` };
}

/**
 * A version's name in a part's key: at most 64 characters.
 * @param {{ eTag?: string | null, versionId?: string | null }} object
 */
export async function versionName(object) {
  const name = encodeURIComponent(versionOf(object) || 'unversioned');
  return name.length <= 64 ? name : sha256Hex(name);
}
