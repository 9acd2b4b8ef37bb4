// js/core/gunzip.mjs: the bytes come out whole and in order, bad gzip is an error, and a reader
// that stops early stops the decompression and the source (no more compressed bytes taken).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SLICE, gunzip } from '../../js/core/gunzip.mjs';

/** `bytes` handed out in chunks of `size`, counting what was taken. */
function counted(bytes, size) {
  const source = { taken: 0, ended: false };
  source[Symbol.asyncIterator] = async function* () {
    try {
      for (let at = 0; at < bytes.length; at += size) {
        const chunk = bytes.subarray(at, at + size);
        source.taken += chunk.length;
        yield chunk;
      }
    } finally {
      source.ended = true;
    }
  };
  return source;
}

async function collect(iterable) {
  const parts = [];
  for await (const chunk of iterable) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

test('gunzip gives back the bytes whole, whatever the chunks', async () => {
  const text = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `u${i},Signed Up,${(i * 7919) % 1000}\n`).join(''));
  const gz = gzipSync(text);
  assert.ok(gz.length > 2 * SLICE);
  for (const size of [1, 1000, SLICE + 1, gz.length]) {
    assert.deepEqual(await collect(gunzip(counted(gz, size))), text, `chunks of ${size}`);
  }
  assert.deepEqual(await collect(gunzip(counted(gzipSync(Buffer.alloc(0)), 64))), Buffer.alloc(0));
});

test('gunzip: bytes that are not gzip are an error', async () => {
  await assert.rejects(collect(gunzip(counted(Buffer.from('userId,event\n1,a\n'), 64))));
  const gz = gzipSync(Buffer.from('userId,event\n'.repeat(1000)));
  await assert.rejects(collect(gunzip(counted(gz.subarray(0, gz.length - 20), 64))));
});

test('gunzip: a reader that stops early stops the decompression and the source', async (t) => {
  // The compressed bytes written into the decompressor, counted.
  const Real = globalThis.DecompressionStream;
  let written = 0;
  globalThis.DecompressionStream = class {
    constructor(format) {
      const real = new Real(format);
      const writer = real.writable.getWriter();
      this.readable = real.readable;
      this.writable = new WritableStream({
        async write(chunk) {
          written += chunk.length;
          await writer.write(chunk);
        },
        close: () => writer.close(),
        abort: (reason) => writer.abort(reason),
      });
    }
  };
  t.after(() => {
    globalThis.DecompressionStream = Real;
  });
  // 64 MB of one repeated line: about 64 KB of gzip, a thousand times smaller, in one chunk.
  const gz = gzipSync(Buffer.from('userId,'.repeat((64 * 1024 * 1024) / 7)));
  const source = counted(gz, gz.length);
  let out = 0;
  await assert.rejects(
    (async () => {
      for await (const chunk of gunzip(source)) {
        out += chunk.length;
        if (out > 100_000) throw new Error('a header error');
      }
    })(),
    /a header error/,
  );
  assert.equal(source.ended, true);
  // A few slices went in, not the whole chunk (which pipeThrough would have written): Node's
  // decompressor takes 16 KB (its high-water mark) before it expands any; workerd's, one slice.
  assert.ok(gz.length > 12 * SLICE, `${gz.length} bytes of gzip`);
  assert.ok(written > 0 && written <= 16 * 1024 + SLICE, `${written} bytes written into the decompressor`);
});
