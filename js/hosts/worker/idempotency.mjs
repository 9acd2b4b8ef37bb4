// The Worker's Idempotency-Key, bound to the content: a key names one upload (one file name and
// one body), so a retry sends the same messageIds and a different body under the same key is
// refused (409) before anything of it is sent. The body is first stored in R2 while it is
// hashed, so the hash is known before the first row goes out; the key's record (its name and
// the body's SHA-256, and the SHA-256 of the mapping it is read through) is created in R2 with a
// create-only conditional write, which two uploads of the same key cannot both win. A retry
// under the key after the mapping changed is refused too: its events would carry new ids (the
// mapping takes part in them) and go to Segment beside the first attempt's.
/* global FixedLengthStream -- a Workers runtime API */

/** An upload under a key that was used for another file or body. */
export class IdempotencyConflict extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'IdempotencyConflict';
  }
}

/** The request cannot be stored as it is: it has no Content-Length. */
export class LengthRequired extends Error {
  constructor() {
    super('an upload with an Idempotency-Key needs a Content-Length (it is stored before it is sent): send the body whole, not chunked');
    this.name = 'LengthRequired';
  }
}

const encoder = new TextEncoder();
const hex = (/** @type {ArrayBuffer} */ buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Where the records and the stored bodies of the keys go: under the report prefix.
 * @param {string} reportPrefix
 * @param {string} idempotencyKey
 */
export async function idempotencyKeys(reportPrefix, idempotencyKey) {
  const id = hex(await crypto.subtle.digest('SHA-256', encoder.encode(idempotencyKey)));
  return { record: `${reportPrefix}idempotency/${id}.json`, body: `${reportPrefix}idempotency/${id}/${crypto.randomUUID()}.upload` };
}

/**
 * Stores the request's body in `bucket` at `key` while hashing it; resolves to its SHA-256 (hex)
 * and size. Streams: the body is never whole in memory.
 * @param {R2Bucket} bucket
 * @param {string} key
 * @param {Request} request
 */
export async function storeBody(bucket, key, request) {
  const length = Number(request.headers.get('content-length'));
  if (!request.headers.has('content-length') || !Number.isSafeInteger(length) || length < 0) throw new LengthRequired();
  const digest = new crypto.DigestStream('SHA-256');
  const hashing = digest.getWriter();
  const tap = new TransformStream({
    async transform(chunk, controller) {
      await hashing.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await hashing.close();
    },
  });
  // R2 takes a stream of a known length only.
  const fixed = new FixedLengthStream(length);
  // No body at all: the caller's 400 ("could not read the request body: ...").
  if (request.body === null) throw new TypeError('the request has no body');
  const piped = request.body.pipeThrough(tap).pipeTo(fixed.writable);
  await Promise.all([bucket.put(key, fixed.readable, { httpMetadata: { contentType: 'application/octet-stream' } }), piped]);
  return { sha256: hex(await digest.digest), bytes: length };
}

/**
 * Binds the key to `name` and the body's hash: the first upload of a key creates its record;
 * a later one must match it. Throws IdempotencyConflict when it does not.
 * @param {R2Bucket} bucket
 * @param {string} recordKey from idempotencyKeys
 * @param {{ name: string, sha256: string, bytes: number, mapping: string | null }} upload
 *   (mapping: the SHA-256 of the mapping's text, null without one)
 */
export async function claim(bucket, recordKey, upload) {
  const record = JSON.stringify({ name: upload.name, sha256: upload.sha256, bytes: upload.bytes, mapping: upload.mapping, createdAt: new Date().toISOString() });
  // Create-only: null when the key already has a record.
  const created = await bucket.put(recordKey, record, { onlyIf: { etagDoesNotMatch: '*' }, httpMetadata: { contentType: 'application/json' } });
  if (created) return 'new';
  const stored = await bucket.get(recordKey);
  const prior = stored ? JSON.parse(await stored.text()) : null;
  if (!prior) throw new IdempotencyConflict('the Idempotency-Key is being claimed by another upload at this moment; try again');
  if (prior.name !== upload.name) {
    throw new IdempotencyConflict('this Idempotency-Key was used for an upload of another file name: use a new key for a new upload');
  }
  if (prior.sha256 !== upload.sha256) {
    throw new IdempotencyConflict('this Idempotency-Key was used for an upload of other content: use a new key for a new upload; nothing of this one was sent');
  }
  // Records written before the mapping was bound have no `mapping`.
  if (prior.mapping !== undefined && prior.mapping !== upload.mapping) {
    throw new IdempotencyConflict(
      'this Idempotency-Key was used for an upload read through another mapping (csv2segment.json changed since): use a new key to send it through the mapping as it is now; nothing of this one was sent',
    );
  }
  return 'repeat';
}
