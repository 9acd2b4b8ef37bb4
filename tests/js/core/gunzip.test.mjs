// js/core/gunzip.mjs (the engine's Gunzip, src/gunzip.rs): the bytes come out whole and in
// order, every member of a multi-member file, a file cut short or corrupt is a GzipError that
// says which, and a reader that stops early stops the decompression and the source.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadEngine } from '../../../js/core/engine.mjs';
import { SLICE, gunzip, isGzipError } from '../../../js/core/gunzip.mjs';

const engine = await loadEngine();

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
    assert.deepEqual(await collect(gunzip(counted(gz, size), engine)), text, `chunks of ${size}`);
  }
  assert.deepEqual(await collect(gunzip(counted(gzipSync(Buffer.alloc(0)), 64), engine)), Buffer.alloc(0));
});

test('gunzip: every member of a multi-member file, in order (workerd\'s DecompressionStream refuses them)', async () => {
  const members = Buffer.concat([gzipSync('userId,event\n1,a\n'), gzipSync(''), gzipSync('2,b\n'), gzipSync('3,c\n')]);
  for (const size of [1, 5, members.length]) {
    assert.equal((await collect(gunzip(counted(members, size), engine))).toString(), 'userId,event\n1,a\n2,b\n3,c\n', `chunks of ${size}`);
  }
});

test('gunzip: bytes that are not gzip, and gzip cut short, are GzipErrors saying which', async () => {
  const notGzip = await collect(gunzip(counted(Buffer.from('userId,event\n1,a\n'), 64), engine)).catch((e) => e);
  assert.ok(isGzipError(notGzip), String(notGzip));
  assert.equal(notGzip.message, 'the gzip data is corrupt after 0 decompressed bytes (invalid gzip header)');
  const text = Buffer.from('userId,event\n'.repeat(1000));
  const gz = gzipSync(text);
  const cut = await collect(gunzip(counted(gz.subarray(0, gz.length - 20), 64), engine)).catch((e) => e);
  assert.ok(isGzipError(cut), String(cut));
  assert.match(cut.message, /^the gzip data ends early, after \d+ decompressed bytes: the file was cut short$/);
  assert.ok(cut.decompressed > 0 && cut.decompressed < text.length, String(cut.decompressed));
  const empty = await collect(gunzip(counted(Buffer.alloc(0), 64), engine)).catch((e) => e);
  assert.equal(empty.message, 'the gzip data ends early, after 0 decompressed bytes: the file was cut short');
});

test('gunzip: a reader that stops early stops the decompression and the source', async () => {
  // The compressed bytes written into the decoder, counted.
  let written = 0;
  const counting = {
    Gunzip: class extends engine.Gunzip {
      write(chunk) {
        written += chunk.length;
        return super.write(chunk);
      }
    },
  };
  // 64 MB of one repeated line: about 64 KB of gzip, a thousand times smaller, in one chunk.
  const gz = gzipSync(Buffer.from('userId,'.repeat((64 * 1024 * 1024) / 7)));
  const source = counted(gz, gz.length);
  let out = 0;
  await assert.rejects(
    (async () => {
      for await (const chunk of gunzip(source, counting)) {
        out += chunk.length;
        if (out > 100_000) throw new Error('a header error');
      }
    })(),
    /a header error/,
  );
  assert.equal(source.ended, true);
  // One slice went in, not the whole chunk.
  assert.ok(gz.length > 12 * SLICE, `${gz.length} bytes of gzip`);
  assert.equal(written, SLICE);
});
