// Hostile workbooks through the loop every host runs (js/core/workbook-run.mjs: the CLI, the
// Lambda's and the Worker's object runs), on the wasm engine: a zip bomb, a central directory cut
// off, one enormous cell and a sheet of rows far wider than any header. Each ends in a report
// (or the engine's message) that says what is wrong, and the wasm linear memory stays within a
// bound the input does not set. tests/hostile.rs holds the same and more natively, with its
// counting allocator; this is the same engine as the hosts load it.
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadEngine } from '../../../js/core/engine.mjs';
import { ingestWorkbook } from '../../../js/core/workbook-run.mjs';
import { writeWorkbook } from '../../support/xlsx-writer.mjs';

const MIB = 1024 * 1024;
/** What a hostile workbook may grow the wasm memory by, over a normal workbook's run. */
const BOUND = 8 * MIB;
const MAPPING = JSON.stringify({ files: [{ match: '*', call: 'track', columns: { user: 'userId', note: 'properties.note' }, set: { event: 'Noted' } }] });

let dir;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-hostile-workbooks-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A readRange over `file`, 64 KB at a time, as a ranged GET streams it. @param {string} file */
const rangesOf = (file) =>
  async function* readRange(/** @type {number} */ start, /** @type {number} */ end) {
    const fh = await open(file, 'r');
    try {
      for (let at = start; at < end; at += 65_536) {
        const buffer = new Uint8Array(Math.min(65_536, end - at));
        await fh.read(buffer, 0, buffer.length, at);
        yield buffer;
      }
    } finally {
      await fh.close();
    }
  };

/** Runs `file` through the host loop, validating only: its result. @param {any} engine @param {string} file */
async function run(engine, file) {
  const size = (await stat(file)).size;
  return ingestWorkbook({ engine, key: path.basename(file), identity: `test:${path.basename(file)}`, options: { mapping: MAPPING }, size, readRange: rangesOf(file) });
}

/** Writes a workbook of `rows()` to `name` in the test's folder. @param {string} name @param {() => Iterable<(string | number)[]>} rows */
async function book(name, rows) {
  const file = path.join(dir, name);
  await writeWorkbook(file, { rows });
  return file;
}

test('hostile workbooks through the hosts\' loop in wasm: a clear outcome each, memory flat', async () => {
  const engine = await loadEngine();
  const memory = engine.initSync().memory;

  // A normal workbook first: the memory any run takes.
  const normal = await run(
    engine,
    await book('normal.xlsx', function* () {
      yield ['user', 'note'];
      for (let i = 0; i < 5_000; i++) yield [`u${i}`, `note ${i}`];
    }),
  );
  assert.deepEqual([normal.report.rows, normal.report.events, normal.report.rejected], [5_000, 5_000, 0]);
  const normalBytes = memory.buffer.byteLength;
  const grown = () => (memory.buffer.byteLength - normalBytes) / MIB;

  // A zip bomb: a sheet of 200 MB of one letter deflates to a few hundred KB; refused by its
  // ratio before it is inflated.
  const bomb = await book('bomb.xlsx', function* () {
    yield ['user', 'note'];
    const cell = 'a'.repeat(MIB);
    for (let i = 0; i < 200; i++) yield ['u', cell];
  });
  const b = await run(engine, bomb);
  assert.equal(b.status, 'unprocessable');
  assert.match(
    b.report.error,
    /^the workbook's part xl\/worksheets\/sheet1\.xml would inflate from \d+ to \d{9} bytes, more than 200 times its size: it is not a workbook Excel wrote \(a zip bomb\?\); open it in Excel and save it again$/,
  );
  assert.ok(grown() <= BOUND / MIB, `zip bomb: wasm memory grew ${grown().toFixed(1)} MiB`);

  // The central directory cut off: the end record is missing.
  const whole = await readFile(path.join(dir, 'normal.xlsx'));
  const cut = path.join(dir, 'cut.xlsx');
  await writeFile(cut, whole.subarray(0, whole.length - 40));
  const c = await run(engine, cut);
  assert.equal(c.status, 'unprocessable');
  assert.match(c.report.error, /central directory/, c.report.error);
  assert.ok(!/\n\s+at /.test(c.report.error), 'no stack trace');

  // One enormous cell (5 MB of text that does not compress away): its row is rejected as too
  // long, the rows after it sent, the cell never held whole.
  let seed = 7;
  const noise = (/** @type {number} */ n) => {
    let s = '';
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      s += String.fromCharCode(97 + (seed % 26));
    }
    return s;
  };
  const huge = await book('huge-cell.xlsx', function* () {
    yield ['user', 'note'];
    yield ['u1', 'fine'];
    yield ['u2', noise(5 * MIB)];
    yield ['u3', 'fine'];
  });
  const h = await run(engine, huge);
  assert.equal(h.status, 'done', h.report.error ?? '');
  assert.deepEqual([h.report.rows, h.report.events, h.report.rejected], [3, 2, 1]);
  assert.equal(h.report.rejections[0].line, 3);
  assert.ok(grown() <= BOUND / MIB, `enormous cell: wasm memory grew ${grown().toFixed(1)} MiB`);

  // Rows of 16,000 cells (Excel's most is 16,384, column XFD) under a header of two: the cells
  // right of the header are left out and counted, never planned or held past a row.
  const wide = await book('wide.xlsx', function* () {
    yield ['user', 'note'];
    const extra = Array.from({ length: 16_000 }, (_, i) => i);
    for (let i = 0; i < 50; i++) yield [`u${i}`, 'n', ...extra];
  });
  const w = await run(engine, wide);
  assert.equal(w.status, 'done', w.report.error ?? '');
  assert.deepEqual([w.report.rows, w.report.events, w.report.rejected], [50, 50, 0]);
  assert.ok(grown() <= BOUND / MIB, `wide rows: wasm memory grew ${grown().toFixed(1)} MiB`);

  // A cell past column XFD is no workbook Excel writes: the sheet is refused, said so.
  const wider = await book('wider.xlsx', function* () {
    yield ['user', 'note'];
    yield ['u1', 'n', ...Array.from({ length: 16_383 }, (_, i) => i)];
  });
  const x = await run(engine, wider);
  assert.equal(x.status, 'unprocessable');
  assert.equal(x.report.error, "the workbook's part xl/worksheets/sheet1.xml is not well-formed XML (row 2 has a cell past column XFD); open it in Excel and save it again");
});
