// A mapping (csv2segment.json) read from R2, apart from the Worker's entry module (which imports
// the wasm) so that its rules can be tested in Node too: only "not found" (null from get) means
// none; an error of R2's stops the file, and a mapping over MAX_MAPPING_BYTES is refused by the
// size R2 gives, before its body is read.
import { MAPPING_NAME, MAX_MAPPING_BYTES, MappingUnreadable, mappingTooLarge, readMappingText } from '../../core/mapping.mjs';

/**
 * The text and eTag of the mapping at `key`, or null when there is none.
 * @param {{ get(key: string): Promise<{ size: number, etag?: string, body: ReadableStream<Uint8Array> } | null> }} bucket
 * @param {string} key
 * @returns {Promise<{ text: string, eTag: string | null } | null>}
 */
export async function getR2Mapping(bucket, key) {
  let object;
  try {
    object = await bucket.get(key);
  } catch (err) {
    const why = String(/** @type {{ message?: string } | null | undefined} */ (err)?.message ?? err).replace(/\s+/g, ' ').slice(0, 300);
    throw new MappingUnreadable(`${MAPPING_NAME} at ${key} could not be read (R2: ${why}), so nothing was sent; the file is tried again`);
  }
  if (!object) return null;
  const stop = () => void object.body?.cancel?.().catch(() => {});
  if (object.size > MAX_MAPPING_BYTES) {
    stop();
    throw mappingTooLarge(key, object.size);
  }
  return { text: await readMappingText(/** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (object.body)), key, stop), eTag: object.etag ?? null };
}
