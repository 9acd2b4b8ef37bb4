// The hostile corpus (tests/support/hostile-corpus.mjs) through the engine in WebAssembly, as
// the hosts drive it: each file gets its report, and the wasm linear memory stays within 6 MiB
// of what a well-formed 11 MB file of 100,000 rows takes (3.4 MiB). Measured: 5.1 MiB more, all
// of it from the first case (a runaway quote: the reader's buffer of the 1 MiB limit and a chunk,
// in a vector that doubles, and the quoted cell unescaped while the row was still open); the
// memory never shrinks, so later cases reuse it. Without the record limit the broken rows (up
// to 64 MB here) would be held whole, and the memory would grow by about twice that.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureTrackCsv } from '../../../bench/generate.mjs';
import { loadEngine } from '../../../js/index.mjs';
import { readFile } from 'node:fs/promises';
import { chunksOf, hostileCorpus } from '../../support/hostile-corpus.mjs';

const MIB = 1 << 20;
/** The growth allowed over the normal file: 4 times the record limit, and 2 MiB. */
const BOUND = 6 * MIB;
const WRITE = 64 * 1024;

/** Runs `chunks` through a new Ingest as the pipeline does; the report (or the header error). */
function run(engine, key, chunks) {
  const ing = new engine.Ingest(key, 'test://hostile');
  let error;
  try {
    for (const chunk of chunks) {
      for (let at = 0; at < chunk.length; at += WRITE) {
        ing.write(chunk.subarray(at, at + WRITE));
        while (ing.nextBatch());
      }
    }
    ing.finish();
    while (ing.nextBatch());
  } catch (err) {
    if (err.name !== 'Csv2SegmentError') throw err;
    error = err.message;
  }
  const report = ing.report();
  ing.free();
  return { report, error };
}

test('the hostile corpus through the engine in wasm: a report each, memory flat', async () => {
  const engine = await loadEngine();
  const memory = engine.initSync().memory;
  const normal = await readFile((await ensureTrackCsv(100_000)).path);
  const { report: base } = run(engine, 'track_bench.csv', [normal]);
  assert.equal(base.events, 100_000);
  const normalBytes = memory.buffer.byteLength;
  for (const c of hostileCorpus({ mb: 32 })) {
    const { report, error } = run(engine, c.key, chunksOf(c));
    const { expect } = c;
    assert.deepEqual(
      [report.rows, report.events, report.rejected],
      [expect.rows, expect.events, expect.rejected],
      c.name,
    );
    if (expect.error) assert.equal(error, expect.error, c.name);
    else assert.equal(report.inputBytes, c.size, c.name);
    if (expect.messages) {
      assert.deepEqual(report.rejections.slice(0, expect.messages.length).map((r) => r.message), expect.messages, c.name);
      // The report keeps a rejected row's first 4 KiB at most, however long it was.
      for (const r of report.rejections) assert.ok(Buffer.byteLength(r.row) <= 4096, c.name);
    }
    const grown = memory.buffer.byteLength - normalBytes;
    assert.ok(grown <= BOUND, `${c.name}: wasm memory grew ${(grown / MIB).toFixed(1)} MiB over the normal file's ${(normalBytes / MIB).toFixed(1)} MiB`);
  }
});
