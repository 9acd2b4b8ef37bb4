// The CLI stops reading a file at a fatal error: a gzipped header over the limit (16 MB of
// column names that gzip leaves at 9.4 MB) is read no further than the first chunks, as its
// byte counter (the progress line's, bytes of the file before decompression) shows.
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { loadEngine } from '../../../../js/core/engine.mjs';
import { runInput } from '../../../../js/hosts/cli/commands.mjs';
import { gzipChunks, noisyHeaderCase } from '../../../support/hostile-corpus.mjs';

test('CLI: a gzipped header over the limit stops the reading', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'csv2segment-hostile-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const c = noisyHeaderCase({ mb: 16 });
  const file = path.join(dir, `${c.key}.gz`);
  await pipeline(Readable.from(gzipChunks(c)), createWriteStream(file));
  const { size } = await stat(file);
  const counter = { bytes: 0 };
  const input = { arg: file, path: file, name: path.basename(file), label: file };
  const result = await runInput({ engine: await loadEngine(), input, identity: `file://${file}`, options: {}, counter, progress: {} });
  assert.deepEqual([result.status, result.report.error], [c.expect.status, c.expect.error]);
  t.diagnostic(`read ${counter.bytes} of ${size} bytes`);
  assert.ok(size > 8_000_000, `the file is ${size} bytes`);
  // 64 KB of header is about 40 KB of this gzip; the streams on the way read a few 256 KiB chunks ahead.
  assert.ok(counter.bytes < 2_000_000, `read ${counter.bytes} of the file's ${size} bytes`);
});
