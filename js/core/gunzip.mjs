// gzip decompression by the engine (its Gunzip, src/gunzip.rs), for the hosts whose own cannot
// read every .gz file: workerd's and the browsers' DecompressionStream refuse a file of several
// gzip members ("trailing bytes after end of compressed data"), which gzip -d, Node's zlib (the
// Lambda's and the CLI's) and S3 tools read whole; a file that was refused was retried until
// it reached the dead-letter queue. It also stays behind its reader: the compressed bytes go in
// slices of SLICE bytes (at most about 1,032 times that out: deflate's largest ratio), the next
// only once the last one's output is taken, so a gzipped header over the limit stops the
// decompression (workerd's DecompressionStream expanded each written chunk whole, and went on
// after the engine had stopped). Leaving early ends the source.
//
// A file cut short or corrupt throws an Error named GzipError (code 'gzip', `decompressed`: the
// bytes out before it): the file cannot be read past it, and a retry cannot help.

/** Compressed bytes written at a time: at most about 4 MB out each. */
export const SLICE = 4 * 1024;

/**
 * True for an error that says a .gz file is cut short or corrupt (from any host's decompressor).
 * @param {unknown} err
 * @returns {err is Error & { code: 'gzip' }}
 */
export function isGzipError(err) {
  const e = /** @type {{ name?: unknown, code?: unknown } | null | undefined} */ (err);
  return e?.name === 'GzipError' && e?.code === 'gzip';
}

/**
 * The GzipError of another decompressor (Node's zlib), in the engine's words.
 * @param {boolean} truncated the data ends inside a member
 * @param {number} decompressed the bytes out before it
 * @param {string} why the decompressor's reason
 */
export function gzipError(truncated, decompressed, why) {
  const err = new Error(
    truncated
      ? `the gzip data ends early, after ${decompressed} decompressed bytes: the file was cut short`
      : `the gzip data is corrupt after ${decompressed} decompressed bytes (${why})`,
  );
  err.name = 'GzipError';
  Object.assign(err, { code: 'gzip', decompressed });
  return err;
}

/**
 * The decompressed bytes of `source` (a gzip stream of one or more members), at most a slice's
 * output ahead of the reader. Leaving the loop early (a break, or a throw: the engine's fatal
 * error) ends `source`, so nothing more is read or decompressed.
 * @param {AsyncIterable<Uint8Array>} source
 * @param {{ Gunzip: typeof import('../../pkg/csv2segment.js').Gunzip }} engine
 * @returns {AsyncIterable<Uint8Array>}
 */
export async function* gunzip(source, engine) {
  const decoder = new engine.Gunzip();
  try {
    for await (const chunk of source) {
      for (let at = 0; at < chunk.length; at += SLICE) {
        const out = decoder.write(chunk.subarray(at, at + SLICE));
        if (out.length > 0) yield out;
      }
    }
    // The last bytes; a file that stops inside a member throws once they are taken.
    for (let last = decoder.finish(); last.length > 0; last = decoder.finish()) yield last;
  } finally {
    decoder.free();
  }
}
