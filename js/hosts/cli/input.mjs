// Reading a FILE argument: its size, its hash, its bytes as a stream (decompressed for .gz), with
// errors worded for a person.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
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

/**
 * The first bytes of a file (up to `n`), read at its start without reading the rest; empty for
 * standard input, which is read once, as a stream. Errors are ReadErrors.
 * @param {Input} input
 * @param {number} n
 */
export async function fileHead(input, n) {
  if (input.path === null) return new Uint8Array(0);
  let fh;
  try {
    fh = await open(input.path, 'r');
    const buffer = new Uint8Array(n);
    const { bytesRead } = await fh.read(buffer, 0, n, 0);
    return buffer.subarray(0, bytesRead);
  } catch (err) {
    throw new ReadError(input.label, err);
  } finally {
    await fh?.close();
  }
}

/**
 * A reader of byte ranges of a file by positioned reads, never the whole file: what a workbook
 * is read with (see js/core/workbook-run.mjs). One buffer of CHUNK bytes is reused: each chunk
 * is written to the engine before the next is read. `counter.bytes` counts the bytes read.
 * Close it with `close()`. Errors are ReadErrors.
 * @param {Input & { path: string }} input
 * @param {{ bytes: number }} counter
 */
export async function rangeReader(input, counter) {
  let fh;
  try {
    fh = await open(input.path, 'r');
  } catch (err) {
    throw new ReadError(input.label, err);
  }
  const handle = fh;
  const buffer = new Uint8Array(CHUNK);
  return {
    /**
     * @param {number} start
     * @param {number} end
     * @returns {AsyncIterable<Uint8Array>}
     */
    async *read(start, end) {
      for (let at = start; at < end;) {
        let bytesRead;
        try {
          ({ bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, end - at), at));
        } catch (err) {
          throw new ReadError(input.label, err);
        }
        if (bytesRead === 0) throw new ReadError(input.label, { message: `the file ended at byte ${at}, before the ${end} it had when it was opened (was it changed while it was read?)` });
        at += bytesRead;
        counter.bytes += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    },
    close: () => handle.close(),
  };
}
