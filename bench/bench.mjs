// Throughput of csv2segment against the JavaScript CSV parsers, in one run.
//
//   npm run bench                      (builds pkg/ first if needed)
//   node bench/bench.mjs [--quick] [--rows N] [--runs N] [--skip-native] [--skip-csvtojson] [--skip-browser]
//   node bench/bench.mjs --pkg DIR [--quick] [--rows N] [--runs N]
//
// --quick (what tests/js/project/scripts.test.mjs runs): 2,000 rows, one round, every contender, to show
// that each runs and prints its figure, not to measure it; later flags override it.
//
// Generates (once, cached in .cache/bench/) a track file of --rows rows (default
// 100,000), reads it into memory, then times each contender on it, best of --runs
// (default 5) after one warm-up; csvtojson, being slow, gets at most 2 runs. The
// in-process contenders take turns (one run each per round) so that load from
// elsewhere on the machine hits them alike; native runs first, in its own process.
// File I/O is outside every timing; MB = 1e6 bytes of the file.
//
//   native     the engine built natively: examples/native_bench.rs via cargo
//   wasm       the engine in WebAssembly on this Node: Uint8Array in 64 KiB chunks,
//              every batch drained (body length touched), finish, drain
//   papaparse  Papa.parse(text, { header: true })
//   udsv       inferSchema(text), initParser(schema), parser.typedDeep(text)
//   csvtojson  await csv().fromString(text)
//   wasm_mapped        the same rows as an export read through a mapping (csv2segment.json):
//                      renamed columns, the event column dropped and a `set` event, dates as
//                      `11.05.2019 20:32:59` read with a chrono format
//   wasm_mapped_1252   that export saved as Windows-1252, decoded by the engine
//   reader_ours        the engine's record reader alone (src/read/records.rs), records and fields
//                      counted, nothing else, in wasm (bench/readers/, built on first use)
//   reader_csv_core    csv-core's reader (the csv crate's) the same way, beside it
//   mapped_vs_plain    the same rows' speed through the mapping over the plain file's: the wasm
//                      run's time / the mapped run's (target >= 0.85)
//
// --pkg DIR: only the wasm engine, this pkg/'s against the one built in DIR (another commit's
// pkg/: csv2segment.js and csv2segment_bg.wasm; `npm run bench:limits` builds the engine from
// before the record and header limits there), the two taking turns, each round in the other
// order; prints the median and the best of each: wasm_mb_s and wasm_pkg_mb_s (medians),
// wasm_best_mb_s, wasm_pkg_best_mb_s, and wasm_vs_pkg (the medians' ratio).
//
// Then, in headless Chromium (browser-bench.mjs; `n/a` if /usr/bin/chromium is missing):
//   browser            the validation page's worker (js/hosts/browser/validator.worker.mjs) on a File
//   browser_papaparse  file.text() + Papa.parse(text, { header: true }) in a Web Worker
//   browser_udsv       file.text() + inferSchema/initParser/typedDeep in a Web Worker
//
// Ends with one `name: value` line per figure for scripts, among them
// native_mb_s, wasm_mb_s, papaparse_mb_s, udsv_mb_s, csvtojson_mb_s,
// wasm_vs_papaparse and wasm_vs_udsv, wasm_mapped_mb_s, wasm_mapped_1252_mb_s and
// mapped_vs_plain, then browser_mb_s, browser_papaparse_mb_s,
// browser_udsv_mb_s, browser_vs_papaparse and browser_vs_udsv; then, from bench/xlsx.mjs, xlsx_rows_s
// (the same rows as a workbook), xlsx_csv_rows_s (as the CSV) and xlsx_vs_csv. A figure that could not be measured
// reads `n/a` and the exit code is 1.

import { readFile, access } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Papa from 'papaparse';
import { inferSchema, initParser } from 'udsv';
import csv from 'csvtojson';
import { ensureTrackCsv, ROOT } from './generate.mjs';
import { runBrowserBench, chromiumInstalled } from './browser-bench.mjs';
import { runReaders } from './readers.mjs';
import { printXlsxFigures } from './xlsx.mjs';

const CHUNK = 64 * 1024;
const SOURCE_NAME = 'track_bench.csv';
const SOURCE_ID = 'bench://track_bench.csv';
const TARGETS = { wasm_vs_papaparse: 3, wasm_vs_udsv: 2, mapped_vs_plain: 0.85, browser_vs_papaparse: 3, browser_vs_udsv: 2 };
const NAMES = ['native', 'wasm', 'wasm_mapped', 'wasm_mapped_1252', 'reader_ours', 'reader_csv_core', 'papaparse', 'udsv', 'csvtojson', 'browser', 'browser_papaparse', 'browser_udsv'];

/** The bench file as a tool would export it: its own column names, dates as German Excel writes them. */
const MAPPED_NAME = 'export_bench.csv';
const MAPPED_1252_NAME = 'export_bench_1252.csv';
const MAPPED_HEADER = 'User ID,Name,Event Type,Plan,Account Type,Amount,Quantity,IP Address,Device ID,Created';
const MAPPED_RULE = {
  call: 'track',
  columns: {
    'User ID': 'userId',
    Name: 'properties.name',
    'Event Type': null,
    Plan: 'properties.plan',
    'Account Type': 'properties.accountType',
    Amount: 'properties.amount',
    Quantity: 'properties.quantity',
    'IP Address': 'context.ip',
    'Device ID': 'context.device.id',
    Created: { to: 'timestamp', format: '%d.%m.%Y %H:%M:%S', timezone: '+02:00' },
  },
  set: { event: 'Order Completed' },
};
const MAPPING = JSON.stringify({
  files: [
    { match: MAPPED_NAME, ...MAPPED_RULE },
    { match: MAPPED_1252_NAME, ...MAPPED_RULE, encoding: 'windows-1252' },
  ],
});

/** The export copies of the bench file's text: UTF-8 and Windows-1252 bytes. */
function exportCopies(text) {
  const lines = text.split('\n');
  lines[0] = MAPPED_HEADER;
  for (let i = 1; i < lines.length; i++) {
    lines[i] = lines[i].replace(/(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})\.\d{3}Z$/, '$3.$2.$1 $4');
  }
  const mapped = lines.join('\n');
  const latin = new Uint8Array(mapped.length);
  for (let i = 0; i < mapped.length; i++) {
    const c = mapped.charCodeAt(i);
    // The names are Latin-1, where Windows-1252 has the same bytes.
    if (c > 0xff || (c >= 0x80 && c < 0xa0)) throw new Error(`U+${c.toString(16)} has no Windows-1252 byte here`);
    latin[i] = c;
  }
  return { utf8: new TextEncoder().encode(mapped), windows1252: latin };
}

function parseArgs(argv) {
  const opts = { rows: 100_000, runs: 5, native: true, csvtojson: true, browser: true, pkg: null, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${a} needs a positive integer`);
      return n;
    };
    if (a === '--quick') Object.assign(opts, { rows: 2_000, runs: 1, quick: true });
    else if (a === '--rows') opts.rows = num();
    else if (a === '--runs') opts.runs = num();
    else if (a === '--skip-native') opts.native = false;
    else if (a === '--skip-csvtojson') opts.csvtojson = false;
    else if (a === '--skip-browser') opts.browser = false;
    else if (a === '--pkg') {
      opts.pkg = argv[++i];
      if (!opts.pkg) throw new Error('--pkg needs a directory (a built pkg/)');
    }
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

// A full collection before each timed run keeps one contender's garbage out of
// the next one's time. Available without --expose-gc through this V8 switch.
let collect = () => {};
try {
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc');
} catch {
  // No gc: timings are a little noisier, still valid.
}

async function exists(url) {
  try {
    await access(url);
    return true;
  } catch {
    return false;
  }
}

/** The wasm engine's module namespace, initialised. */
async function loadWasmEngine() {
  const engineUrl = new URL('../js/core/engine.mjs', import.meta.url);
  if (await exists(engineUrl)) {
    const shim = await import(engineUrl);
    if (typeof shim.loadEngine === 'function') return { engine: await shim.loadEngine(), via: 'js/core/engine.mjs' };
  }
  const wasmUrl = new URL('../pkg/csv2segment_bg.wasm', import.meta.url);
  if (!(await exists(wasmUrl))) throw new Error('pkg/csv2segment_bg.wasm not built (npm run build)');
  const engine = await import(new URL('../pkg/csv2segment.js', import.meta.url));
  engine.initSync({ module: await readFile(wasmUrl) });
  return { engine, via: 'pkg/ initSync' };
}

/** The engine of another built pkg/ directory, initialised. */
async function loadPkgEngine(dir) {
  const wasm = resolve(dir, 'csv2segment_bg.wasm');
  const glue = resolve(dir, 'csv2segment.js');
  if (!(await exists(wasm)) || !(await exists(glue))) throw new Error(`${dir} has no csv2segment.js and csv2segment_bg.wasm (a built pkg/)`);
  const engine = await import(pathToFileURL(glue).href);
  engine.initSync({ module: await readFile(wasm) });
  return engine;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * --pkg: this pkg/'s engine against DIR's, on the same bytes, taking turns (each round in the
 * other order, so neither always runs right after a collection of the other's garbage).
 */
async function comparePkg(opts, data, mb) {
  const expected = opts.rows;
  const ours = await loadWasmEngine();
  const theirs = await loadPkgEngine(opts.pkg);
  const sides = [
    { name: 'wasm', engine: ours.engine, times: [], note: ours.via },
    { name: 'wasm_pkg', engine: theirs, times: [], note: opts.pkg },
  ];
  const problems = [];
  for (const side of sides) {
    const c = wasmPass(side.engine, data); // warm-up, and the counts
    if (c.rows !== expected || c.events !== expected || c.rejected !== 0 || c.batchEvents !== c.events) {
      problems.push(`${side.name}: expected ${expected} rows and events, 0 rejected; got ${JSON.stringify(c)}`);
    }
  }
  process.stdout.write(`  timing: ${opts.runs} rounds, wasm and wasm_pkg taking turns …\n`);
  for (let round = 0; round < opts.runs; round++) {
    for (const side of round % 2 ? [...sides].reverse() : sides) {
      collect();
      const t0 = performance.now();
      wasmPass(side.engine, data);
      side.times.push(performance.now() - t0);
    }
  }
  console.log('');
  console.log(`  ${'engine'.padEnd(9)} ${'median MB/s'.padStart(12)} ${'best MB/s'.padStart(10)} ${'median ms'.padStart(10)}  from`);
  for (const side of sides) {
    side.median = mb / (median(side.times) / 1000);
    side.best = mb / (Math.min(...side.times) / 1000);
    console.log(`  ${side.name.padEnd(9)} ${fmt(side.median).padStart(12)} ${fmt(side.best).padStart(10)} ${fmt(median(side.times), 1).padStart(10)}  ${side.note}`);
  }
  for (const p of problems) console.log(`  problem: ${p}`);
  console.log('');
  console.log(`file_mb: ${fmt(mb)}`);
  console.log(`rounds: ${opts.runs}`);
  console.log(`wasm_mb_s: ${fmt(sides[0].median)}`);
  console.log(`wasm_pkg_mb_s: ${fmt(sides[1].median)}`);
  console.log(`wasm_best_mb_s: ${fmt(sides[0].best)}`);
  console.log(`wasm_pkg_best_mb_s: ${fmt(sides[1].best)}`);
  console.log(`wasm_vs_pkg: ${fmt(sides[0].median / sides[1].median, 3)}`);
  if (problems.length) process.exitCode = 1;
}

/**
 * One pass of the wasm engine over `bytes`: chunked writes, every batch drained into a reused
 * buffer, as the hosts drain them (js/core/pipeline.mjs).
 */
function wasmPass(engine, bytes, name = SOURCE_NAME, options = {}) {
  const ing = new engine.Ingest(name, SOURCE_ID, options);
  const buffer = new Uint8Array(ing.maxBodyBytes);
  let batches = 0;
  let batchEvents = 0;
  let bodyBytes = 0;
  const drain = () => {
    let b;
    while ((b = ing.nextBatchInto(buffer))) {
      batches++;
      bodyBytes += b.body.length;
      batchEvents += Number(b.events);
      b.free?.();
    }
  };
  try {
    for (let off = 0; off < bytes.length; off += CHUNK) {
      ing.write(bytes.subarray(off, off + CHUNK));
      drain();
    }
    ing.finish();
    drain();
    const r = ing.report();
    const out = {
      rows: Number(r.rows),
      events: Number(r.events),
      rejected: Number(r.rejected),
      batches,
      batchEvents,
      bodyBytes,
    };
    r.free?.();
    return out;
  } finally {
    ing.free();
  }
}

/**
 * Runs examples/native_bench.rs through cargo; its `key: value` lines as an object. Quick: built
 * with the `hostile` profile (release without LTO, which tests/hostile.rs builds already), so the
 * test does not pay a link-time-optimised build of its own.
 */
function runNative(path, runs, quick) {
  const res = spawnSync(
    'cargo',
    ['run', '--quiet', ...(quick ? ['--profile', 'hostile'] : ['--release']), '--example', 'native_bench', '--', path, String(runs)],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`native_bench exited with ${res.status ?? res.signal}`);
  const fields = {};
  for (const line of res.stdout.split('\n')) {
    const m = /^(native_\w+):\s*(\S+)/.exec(line);
    if (m) fields[m[1]] = Number(m[2]);
  }
  if (!Number.isFinite(fields.native_mb_s)) throw new Error('native_bench printed no native_mb_s line');
  return fields;
}

const fmt = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const int = (n) => (Number.isFinite(n) ? n.toLocaleString('en-US') : 'n/a');

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { path, bytes: fileBytes, generated } = await ensureTrackCsv(opts.rows);
  const data = new Uint8Array(await readFile(path));
  // The JS parsers take one string; past V8's string limit (~512 Mi chars) there is none.
  let text = null;
  try {
    text = new TextDecoder().decode(data);
  } catch {
    // text stays null: the string parsers are reported as not run.
  }
  const mb = data.length / 1e6;
  const expected = opts.rows;
  const slowRuns = Math.min(2, opts.runs);

  if (opts.pkg) {
    console.log(`csv2segment bench --pkg: ${basename(path)}${generated ? ' (generated)' : ''}, ${int(expected)} rows, ${fmt(mb)} MB, ${opts.runs} rounds after a warm-up, ${CHUNK / 1024} KiB chunks, node ${process.version}`);
    if (fileBytes !== data.length) throw new Error(`${path} changed while reading`);
    await comparePkg(opts, data, mb);
    return;
  }
  console.log(
    `csv2segment bench: ${basename(path)}${generated ? ' (generated)' : ''}, ` +
      `${int(expected)} rows, ${fmt(mb)} MB, best of ${opts.runs} rounds after a warm-up` +
      ` (csvtojson ${slowRuns}), ${CHUNK / 1024} KiB chunks, node ${process.version}`,
  );
  if (fileBytes !== data.length) throw new Error(`${path} changed while reading`);

  const results = {}; // name -> { ms, mbs, rows, note }
  const problems = [];
  const record = (name, ms, rows, note = '') => {
    results[name] = { ms, mbs: mb / (ms / 1000), rows, note };
  };
  const fail = (name, err) => {
    results[name] = { ms: NaN, mbs: NaN, rows: NaN, note: `FAILED: ${err.message ?? err}` };
    problems.push(`${name}: ${err.message ?? err}`);
  };
  const checkEngine = (name, c) => {
    const bad = [];
    if (c.rows !== expected) bad.push(`rows ${c.rows}`);
    if (c.events !== expected) bad.push(`events ${c.events}`);
    if (c.rejected !== 0) bad.push(`rejected ${c.rejected}`);
    if (Number.isFinite(c.batchEvents) && c.batchEvents !== c.events) bad.push(`batch events ${c.batchEvents}`);
    if (bad.length) problems.push(`${name}: expected ${expected} rows and events, 0 rejected; got ${bad.join(', ')}`);
    return `${int(c.events)} events, ${int(c.batches)} batches, ${fmt(c.bodyBytes / 1e6, 1)} MB out` +
      (bad.length ? ' MISMATCH' : '');
  };

  // 1. native (its own process: nothing else runs meanwhile)
  if (opts.native) {
    process.stdout.write(`  native … (cargo build ${opts.quick ? '--profile hostile' : '--release'}, may take a minute the first time)\n`);
    try {
      const f = runNative(path, opts.runs, opts.quick);
      const note = checkEngine('native', {
        rows: f.native_rows,
        events: f.native_events,
        rejected: f.native_rejected,
        batchEvents: f.native_batch_events,
        batches: f.native_batches,
        bodyBytes: f.native_body_bytes,
      });
      results.native = { ms: f.native_best_ms, mbs: f.native_mb_s, rows: f.native_rows, note };
    } catch (err) {
      fail('native', err);
    }
  }

  // 2-5. wasm and the JS parsers, in this process. Each is warmed up once, then
  // they take turns, one timed run each per round, so that a busy moment of the
  // machine falls on all of them alike and the ratios stay steady.
  const contenders = [];
  process.stdout.write('  wasm …\n');
  try {
    const { engine, via } = await loadWasmEngine();
    contenders.push({
      name: 'wasm',
      runs: opts.runs,
      fn: () => wasmPass(engine, data),
      done: (ms, c) => record('wasm', ms, c.rows, `${checkEngine('wasm', c)} (${via})`),
    });
    if (text !== null) {
      const copies = exportCopies(text);
      const mapped = [
        ['wasm_mapped', MAPPED_NAME, copies.utf8, 'through a mapping'],
        ['wasm_mapped_1252', MAPPED_1252_NAME, copies.windows1252, 'through a mapping, Windows-1252'],
      ];
      for (const [name, file, bytes, what] of mapped) {
        contenders.push({
          name,
          runs: opts.runs,
          fn: () => wasmPass(engine, bytes, file, { mapping: MAPPING }),
          // MB/s of the file's own bytes.
          done: (ms, c) => {
            record(name, ms, c.rows, `${checkEngine(name, c)} (${what}, ${fmt(bytes.length / 1e6)} MB)`);
            results[name].mbs = bytes.length / 1e6 / (ms / 1000);
          },
        });
      }
    }
  } catch (err) {
    fail('wasm', err);
  }
  const stringParser = (name, runs, fn, note) => {
    if (text === null) fail(name, new Error('file too large for one JS string'));
    else contenders.push({ name, runs, fn, done: (ms, rows) => record(name, ms, rows, note) });
  };
  // A trailing newline gives Papa one empty last row, hence rows + 1.
  stringParser(
    'papaparse',
    opts.runs,
    () => Papa.parse(text, { header: true }).data.length,
    'header: true, flat objects of strings (+1 empty last row)',
  );
  stringParser(
    'udsv',
    opts.runs,
    () => initParser(inferSchema(text)).typedDeep(text).length,
    'inferSchema + typedDeep: typed nested objects',
  );
  if (opts.csvtojson) {
    stringParser(
      'csvtojson',
      slowRuns,
      async () => (await csv().fromString(text)).length,
      "fromString: nested objects of strings (the seed's parser)",
    );
  }

  let active = [];
  for (const c of contenders) {
    if (c.name !== 'wasm') process.stdout.write(`  ${c.name} …\n`);
    try {
      c.result = await c.fn(); // warm-up
      c.best = Infinity;
      active.push(c);
    } catch (err) {
      fail(c.name, err);
    }
  }
  process.stdout.write(`  timing: ${opts.runs} rounds …\n`);
  for (let round = 0; round < opts.runs; round++) {
    for (const c of active) {
      if (round >= c.runs) continue;
      try {
        collect();
        const t0 = performance.now();
        c.result = await c.fn();
        c.best = Math.min(c.best, performance.now() - t0);
      } catch (err) {
        fail(c.name, err);
        c.failed = true;
      }
    }
    active = active.filter((c) => !c.failed);
  }
  for (const c of active) c.done(c.best, c.result);

  // The record readers alone, in wasm: ours beside csv-core.
  process.stdout.write(`  readers … (bench/readers: cargo build --release for wasm32 the first time)\n`);
  try {
    const r = await runReaders(data, opts.runs, collect);
    for (const [name, v] of [['reader_ours', r.ours], ['reader_csv_core', r.csvCore]]) {
      record(name, v.ms, v.records - 1, `records only: ${int(v.records)} records, ${int(v.fields)} fields`);
      if (v.records !== expected + 1 || v.fields !== r.ours.fields) problems.push(`${name}: ${v.records} records, ${v.fields} fields`);
    }
  } catch (err) {
    fail('reader_ours', err);
    fail('reader_csv_core', err);
  }

  // 6. the browser: the validation page's worker, papaparse and uDSV in headless Chromium.
  let browserRatios = {};
  if (opts.browser && !chromiumInstalled()) {
    process.stdout.write('  browser … n/a (Chromium not installed at /usr/bin/chromium)\n');
    for (const name of ['browser', 'browser_papaparse', 'browser_udsv']) {
      results[name] = { ms: NaN, mbs: NaN, rows: NaN, note: 'n/a (Chromium not installed)' };
    }
  } else if (opts.browser) {
    process.stdout.write(`  browser … (headless Chromium, ${opts.runs} rounds)\n`);
    try {
      const b = await runBrowserBench({ path, runs: opts.runs, rows: expected });
      const d = b.details;
      const v = d.browser;
      results.browser = {
        ms: v.ms,
        mbs: b.browser_mb_s,
        rows: v.rows,
        note: `validator.worker.mjs on a File: ${int(v.events)} events, ${int(v.batches)} batches, ${fmt(v.bodyBytes / 1e6, 1)} MB out`,
      };
      results.browser_papaparse = {
        ms: d.browser_papaparse.ms,
        mbs: b.browser_papaparse_mb_s,
        rows: d.browser_papaparse.rows,
        note: 'worker: file.text() + header: true (empty last row not counted)',
      };
      results.browser_udsv = {
        ms: d.browser_udsv.ms,
        mbs: b.browser_udsv_mb_s,
        rows: d.browser_udsv.rows,
        note: 'worker: file.text() + inferSchema + typedDeep',
      };
      browserRatios = { browser_vs_papaparse: b.browser_vs_papaparse, browser_vs_udsv: b.browser_vs_udsv };
    } catch (err) {
      for (const name of ['browser', 'browser_papaparse', 'browser_udsv']) {
        results[name] = { ms: NaN, mbs: NaN, rows: NaN, note: `FAILED: ${err.message ?? err}` };
      }
      problems.push(`browser: ${err.message ?? err}`);
    }
  }

  const ratio = (a, b) => results[a]?.mbs / results[b]?.mbs;
  const ratios = {
    wasm_vs_papaparse: ratio('wasm', 'papaparse'),
    wasm_vs_udsv: ratio('wasm', 'udsv'),
    // The same rows: the plain run's time over the mapped run's (the export's bytes differ).
    mapped_vs_plain: results.wasm?.ms / results.wasm_mapped?.ms,
    browser_vs_papaparse: browserRatios.browser_vs_papaparse ?? NaN,
    browser_vs_udsv: browserRatios.browser_vs_udsv ?? NaN,
  };

  // The readable table.
  console.log('');
  console.log(`  ${'parser'.padEnd(17)} ${'MB/s'.padStart(9)} ${'best ms'.padStart(10)} ${'rows'.padStart(9)}  notes`);
  for (const name of NAMES) {
    const r = results[name];
    if (!r) {
      console.log(`  ${name.padEnd(17)} ${'-'.padStart(9)} ${'-'.padStart(10)} ${'-'.padStart(9)}  skipped`);
      continue;
    }
    console.log(
      `  ${name.padEnd(17)} ${fmt(r.mbs).padStart(9)} ${fmt(r.ms, 1).padStart(10)} ${int(r.rows).padStart(9)}  ${r.note}`,
    );
  }
  console.log('');
  for (const [key, target] of Object.entries(TARGETS)) {
    const v = ratios[key];
    const verdict = Number.isFinite(v) ? (v >= target ? 'met' : 'NOT met') : 'n/a';
    console.log(`  ${key.replace(/_/g, ' ').padEnd(21)} ${(Number.isFinite(v) ? `${fmt(v)}x` : 'n/a').padStart(7)}   target >= ${target}x: ${verdict}`);
  }
  for (const p of problems) console.log(`  problem: ${p}`);
  console.log('');

  // The lines for scripts.
  console.log(`file_mb: ${fmt(mb)}`);
  for (const name of NAMES) {
    console.log(`${name}_mb_s: ${fmt(results[name]?.mbs)}`);
  }
  for (const [key, v] of Object.entries(ratios)) console.log(`${key}: ${fmt(v)}`);

  // The same rows as a workbook: xlsx_rows_s beside the CSV's rows/s (bench/xlsx.mjs).
  await printXlsxFigures({ rows: expected, runs: opts.runs, quick: opts.quick }, problems);

  if (problems.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
