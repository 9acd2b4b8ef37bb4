// Reading a FILE argument: its size, its hash, its bytes as a stream (decompressed for .gz), with
// errors worded for a person.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CHUNK } from './constants.mjs';

/** @type {Readonly<Record<string, string>>} the file system's error codes, in words */
export const READ_ERRORS = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'no such file (a part of the path is not a directory)',
};

/** A reading failure, worded for a person: "cannot read x.csv: no such file". */
export class ReadError extends Error {
  /**
   * @param {string} label
   * @param {any} err what reading threw (read field by field with `?.`), or `{ code }`
   */
  constructor(label, err) {
    const why = READ_ERRORS[err?.code] ?? (err?.code?.startsWith('Z_') ? `not valid gzip (${err.message})` : err?.message ?? String(err));
    super(`cannot read ${label}: ${why}`);
    this.name = 'ReadError';
    this.cause = err;
  }
}

/**
 * A file that can be read only once (a pipe, a FIFO, a device): its bytes cannot be hashed before
 * they are sent, and a hashing pass would drain a pipe or wait on a FIFO.
 */
export class NotRegularError extends Error {
  /** @param {string} label */
  constructor(label) {
    super(`${label}: not sent: it is not a regular file (a pipe, a FIFO or a device), so it can be read only once and its content cannot be hashed for the messageIds; give --source-id ID to name it, or send it as standard input (- --name NAME)`);
    this.name = 'NotRegularError';
  }
}

/** @typedef {import('./args.mjs').Input} Input */

/**
 * The size of a file, checked to be one (null: not a regular file); throws ReadError.
 * @param {Input & { path: string }} input
 */
export async function fileSize(input) {
  let st;
  try {
    st = await stat(input.path);
  } catch (err) {
    throw new ReadError(input.label, err);
  }
  if (st.isDirectory()) throw new ReadError(input.label, { code: 'EISDIR' });
  return st.isFile() ? st.size : null;
}

/**
 * The SHA-256 of a file's bytes, in one streaming pass.
 * @param {Input & { path: string }} input
 * @param {{ bytes: number }} counter
 */
export async function sha256(input, counter) {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(input.path, { highWaterMark: 4 * CHUNK })) {
      hash.update(chunk);
      counter.bytes += chunk.length;
    }
  } catch (err) {
    throw new ReadError(input.label, err);
  }
  return hash.digest('hex');
}

/**
 * The file's bytes for the engine, decompressed when the name says .gz; `counter.bytes` follows
 * the bytes read from the file (before decompression), for progress. Errors are ReadErrors.
 * @param {Input} input
 * @param {boolean} gzip
 * @param {{ bytes: number }} counter
 * @returns {AsyncIterable<Uint8Array>}
 */
export function openSource(input, gzip, counter) {
  const raw = input.path === null ? process.stdin : createReadStream(input.path, { highWaterMark: CHUNK });
  async function* counted() {
    for await (const chunk of raw) {
      counter.bytes += chunk.length;
      yield chunk;
    }
  }
  const bytes = gzip ? pipeline(Readable.from(counted(), { objectMode: false }), createGunzip({ chunkSize: CHUNK }), () => {}) : counted();
  return {
    async *[Symbol.asyncIterator]() {
      try {
        yield* bytes;
      } catch (err) {
        throw new ReadError(input.label, err);
      }
    },
  };
}
