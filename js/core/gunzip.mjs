// gzip decompression that stays behind its reader, for hosts whose DecompressionStream expands
// each written chunk whole (workerd's: 64 KB of gzip of one repeated line comes out as 64 MB at
// once), where pipeThrough writes the body in as fast as it arrives: there, a gzipped file
// decompressed ahead of the engine, and went on decompressing after the engine had stopped at
// a header over the limit (+258 MB for a 256 MB header). Here the compressed bytes go in slices
// of SLICE bytes (at most about 1,032 times that out: deflate's largest ratio), the next only
// once the last is written and its output all read; leaving early cancels both sides and the
// source.

/** Compressed bytes written at a time: at most about 4 MB out each. */
export const SLICE = 4 * 1024;

const WROTE = Symbol('wrote');

/** The compressed chunks of `source` cut into slices of at most SLICE bytes. */
async function* slices(source) {
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; at += SLICE) yield chunk.subarray(at, at + SLICE);
  }
}

/**
 * The decompressed bytes of `source` (a gzip stream), at most a slice's output ahead of the
 * reader. Leaving the loop early (a break, or a throw: the engine's fatal error) cancels the
 * decompression and `source`, so nothing more is read or decompressed.
 * @param {AsyncIterable<Uint8Array>} source
 * @returns {AsyncIterable<Uint8Array>}
 */
export async function* gunzip(source) {
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const input = slices(source)[Symbol.asyncIterator]();
  let closed = false;
  const feed = async () => {
    const { value, done } = await input.next();
    if (done) {
      closed = true;
      await writer.close();
    } else await writer.write(value);
    return WROTE;
  };
  let writing = null;
  try {
    for (;;) {
      const read = reader.read();
      let result;
      for (;;) {
        // The last slice written and a read still waiting: its output is all taken, so the next
        // slice goes in. The source's end closes the writer, which ends the reads.
        if (!writing && !closed) writing = feed();
        const first = await Promise.race(writing ? [read, writing] : [read]);
        if (first !== WROTE) {
          result = /** @type {ReadableStreamReadResult<Uint8Array>} */ (first);
          break;
        }
        writing = null;
      }
      if (result.done) return;
      yield result.value;
    }
  } finally {
    writing?.catch(() => {});
    reader.cancel().catch(() => {});
    writer.abort().catch(() => {});
    await input.return();
  }
}
