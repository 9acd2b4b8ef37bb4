// Throughput of csv2segment against the JavaScript CSV parsers, in one run.
//
//   npm run bench                      (builds pkg/ first if needed)
//   node bench/bench.mjs [--quick] [--rows N] [--runs N] [--skip-native] [--skip-csvtojson] [--skip-browser] [--bless]
//   node bench/bench.mjs --pkg DIR [--quick] [--rows N] [--runs N]
//
// --quick (what tests/js/project/scripts.test.mjs runs): 2,000 rows, one round, every contender, to show
// that each runs and prints its figure, not to measure it; later flags override it.
//
// Generates (once, cached in .cache/bench/) a track file of --rows rows (default
// 100,000), reads it into memory, then times each contender on it over --runs interleaved
// rounds (default 21) after one warm-up: in each round every contender runs once, in an order
// rotated by one place per round, with a full GC before each run; csvtojson, being slow, takes
// part in the first 2 rounds only. Each MB/s is from the contender's median time. Each ratio
// is the median of the per-round ratios (the two ran back to back in that round, so load from
// elsewhere on the machine falls on both alike), printed with its spread: the quartiles (IQR)
// and the extremes of the per-round ratios. Each Node ratio is also taken of CPU times (this
// process's user + system time over each run), which the machine's other work moves far less
// than wall times. Native runs first, in its own process (median and best of --runs, as the others;
// and its median pass's CPU time, for wasm_cpu_over_native). File I/O is outside
// every timing; MB = 1e6 bytes of the file.
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
//   wasm_grouped       that export's rows as a line-item export (an Order column, orders of three
//                      lines, each line repeating its order's columns): one event per order (group)
//   wasm_lines         the same bytes read one event per line, the item columns as properties
//   reader_ours        the engine's record reader alone (src/read/records.rs), records and fields
//                      counted, nothing else, in wasm (bench/readers/, built on first use)
//   reader_csv_core    csv-core's reader (the csv crate's) the same way, beside it
//   mapped_vs_plain    the same rows' speed through the mapping over the plain file's: per
//                      round, the wasm run's time / the mapped run's (target >= 0.9)
//   grouped_vs_plain   the line-item export's speed one event per order over one per line: per
//                      round, wasm_lines' time / wasm_grouped's (target >= 0.85)
//
// The outputs, checked: an extra pass of each wasm contender (not timed)
// hashes every batch, its path and its bytes in order (SHA-256), and compares the hashes with
// bench/output-hashes.json's for this many rows (2,000 and 100,000 are recorded). `ok` or
// `CHANGED` per output, and the line `output_hashes: ok|CHANGED|unrecorded|blessed`; a change exits 1.
// When the engine's output is meant to change, --bless writes this run's hashes there.
//
// --pkg DIR: only the wasm engine, this pkg/'s against the one built in DIR (another commit's
// pkg/: csv2segment.js and csv2segment_bg.wasm; `npm run bench:limits` builds the engine from
// before the record and header limits there), on the plain file and on the mapped export, the
// four runs of a round in a rotated order; prints the median and the best of each:
// wasm_mb_s and wasm_pkg_mb_s (medians), wasm_best_mb_s, wasm_pkg_best_mb_s, and wasm_vs_pkg
// (the median of the per-round ratios, with its spread), then the same for the mapped export:
// wasm_mapped_mb_s, wasm_pkg_mapped_mb_s, wasm_mapped_vs_pkg; and whether the two engines'
// outputs hash alike (`outputs: same|DIFFER`, information only: another commit may differ).
//
// Then, in headless Chromium (browser-bench.mjs; `n/a` if /usr/bin/chromium is missing):
//   browser            the validation page's worker (js/hosts/browser/validator.worker.mjs) on a File
//   browser_papaparse  file.text() + Papa.parse(text, { header: true }) in a Web Worker
//   browser_udsv       file.text() + inferSchema/initParser/typedDeep in a Web Worker
// interleaved the same way, medians and per-round ratios.
//
// Ends with one `name: value` line per figure for scripts, among them
// native_mb_s, wasm_mb_s, papaparse_mb_s, udsv_mb_s, csvtojson_mb_s,
// wasm_vs_papaparse and wasm_vs_udsv, wasm_mapped_mb_s, wasm_mapped_1252_mb_s, wasm_grouped_mb_s,
// wasm_lines_mb_s, mapped_vs_plain and grouped_vs_plain, then browser_mb_s, browser_papaparse_mb_s,
// browser_udsv_mb_s, browser_vs_papaparse and browser_vs_udsv; each ratio's quartiles as
// <ratio>_p25 and <ratio>_p75, the Node ratios of CPU times as <ratio>_cpu; wasm_cpu_over_native (the
// wasm run's median CPU time, this process's threads, over native's median pass; the cost of wasm
// itself, like for like); output_hashes; then, from
// bench/xlsx.mjs, xlsx_rows_s (the same rows as a workbook), xlsx_csv_rows_s (as the CSV) and
// xlsx_vs_csv. A figure that could not be measured reads `n/a` and the exit code is 1.

import { readFile, access, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Papa from 'papaparse';
import { inferSchema, initParser } from 'udsv';
import csv from 'csvtojson';
import { ensureTrackCsv, ROOT } from './generate.mjs';
import { isMain } from '../scripts/lib/proc.mjs';
import { runBrowserBench, chromiumInstalled } from './browser-bench.mjs';
import { runReaders } from './readers.mjs';
import { printXlsxFigures } from './xlsx.mjs';
import { describeSpread, pairedRatio, roundOrder, spread } from './stats.mjs';

/** @typedef {typeof import('../pkg/csv2segment.js')} Engine */
/** @typedef {import('./stats.mjs').Spread} Spread */
/**
 * What one pass of the engine counted.
 * @typedef {{ rows: number, events: number, rejected: number, batches: number, batchEvents: number, bodyBytes: number }} Counts
 */
/**
 * A contender's figures: its median time (ms) and MB/s, its best MB/s, what it counted, a note, and
 * its wall and CPU time in every round.
 * @typedef {{ ms: number, mbs: number, bestMbs: number, rows: number, note: string, times: number[], cpu?: number[] }} Result
 */
/**
 * An in-process contender: a run of it, its rounds, and what to record after them.
 * @typedef {{ name: string, runs: number, fn: () => any, done: (times: number[], result: any) => void,
 *   result?: any, times: number[], cpu: number[], failed?: boolean }} Contender
 *   (fn's result: the engine's Counts, or a parser's row count)
 */

const CHUNK = 64 * 1024;
const SOURCE_NAME = 'track_bench.csv';
const SOURCE_ID = 'bench://track_bench.csv';
// Issue 26's targets (the grouped run's from issue 25).
const TARGETS = { wasm_vs_papaparse: 4, wasm_vs_udsv: 3, mapped_vs_plain: 0.9, grouped_vs_plain: 0.85, browser_vs_papaparse: 3.5, browser_vs_udsv: 2.5 };
/** The committed hashes of the engine's outputs on the bench files, by row count. */
const HASHES_URL = new URL('./output-hashes.json', import.meta.url);
const NAMES = ['native', 'wasm', 'wasm_mapped', 'wasm_mapped_1252', 'wasm_grouped', 'wasm_lines', 'reader_ours', 'reader_csv_core', 'papaparse', 'udsv', 'csvtojson', 'browser', 'browser_papaparse', 'browser_udsv'];

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
// A line-item export (issue 25): the mapped export's rows as the lines of orders of three, each
// line carrying its order's columns as WooCommerce writes them; read one event per order (group)
// and, the same bytes under another name, one event per line.
const GROUPED_NAME = 'orders_grouped_bench.csv';
const LINES_NAME = 'orders_lines_bench.csv';
const ORDER_LINES = 3;
/** @param {(field: string) => string} item where an item's field goes */
const linesRule = (item) => ({
  call: 'track',
  columns: {
    Order: 'properties.order_id',
    'User ID': 'userId',
    Name: 'properties.name',
    'Event Type': 'properties.status',
    Plan: item('sku'),
    'Account Type': item('category'),
    Amount: `${item('price')}:number`,
    Quantity: `${item('quantity')}:number`,
    'IP Address': 'context.ip',
    'Device ID': 'context.device.id',
    Created: { to: 'timestamp', format: '%d.%m.%Y %H:%M:%S', timezone: '+02:00' },
  },
  set: { event: 'Order Completed' },
});
const MAPPING = JSON.stringify({
  files: [
    { match: MAPPED_NAME, ...MAPPED_RULE },
    { match: MAPPED_1252_NAME, ...MAPPED_RULE, encoding: 'windows-1252' },
    { match: GROUPED_NAME, group: 'Order', ...linesRule((f) => `properties.products[].${f}`) },
    { match: LINES_NAME, ...linesRule((f) => `properties.${f}`) },
  ],
});

/**
 * The mapped export's text as a line-item export: an Order column first, and each order's later
 * lines given its first line's order-level cells (all but Plan, Account Type, Amount, Quantity).
 * @param {string} mapped
 */
function lineItems(mapped) {
  const lines = mapped.split('\n');
  const out = [`Order,${lines[0]}`];
  const ITEM = new Set([3, 4, 5, 6]);
  /** @type {string[]} */
  let first = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    // The fields, quoted ones kept as written.
    const fields = [...lines[i].matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1]).slice(0, 10);
    const at = (i - 1) % ORDER_LINES;
    if (at === 0) first = fields;
    const row = fields.map((f, c) => (ITEM.has(c) ? f : first[c]));
    out.push(`${Math.floor((i - 1) / ORDER_LINES) + 1},${row.join(',')}`);
  }
  return new TextEncoder().encode(`${out.join('\n')}\n`);
}

/**
 * The export copies of the bench file's text: UTF-8 and Windows-1252 bytes.
 * @param {string} text
 */
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
  return { utf8: new TextEncoder().encode(mapped), windows1252: latin, orders: lineItems(mapped) };
}

/**
 * @param {readonly string[]} argv
 */
function parseArgs(argv) {
  /** @type {{ rows: number, runs: number, native: boolean, csvtojson: boolean, browser: boolean, pkg: string | null, quick: boolean, bless: boolean }} */
  const opts = { rows: 100_000, runs: 21, native: true, csvtojson: true, browser: true, pkg: null, quick: false, bless: false };
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
    else if (a === '--bless') opts.bless = true;
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
/** @type {() => void} */
let collect = () => {};
try {
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc');
} catch {
  // No gc: timings are a little noisier, still valid.
}

/** @param {URL | string} url */
async function exists(url) {
  try {
    await access(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * The wasm engine's module namespace, initialised.
 * @returns {Promise<{ engine: Engine, via: string }>}
 */
async function loadWasmEngine() {
  const engineUrl = new URL('../js/core/engine.mjs', import.meta.url);
  if (await exists(engineUrl)) {
    const shim = await import(engineUrl.href);
    if (typeof shim.loadEngine === 'function') return { engine: await shim.loadEngine(), via: 'js/core/engine.mjs' };
  }
  const wasmUrl = new URL('../pkg/csv2segment_bg.wasm', import.meta.url);
  if (!(await exists(wasmUrl))) throw new Error('pkg/csv2segment_bg.wasm not built (npm run build)');
  /** @type {Engine} */
  const engine = await import(new URL('../pkg/csv2segment.js', import.meta.url).href);
  engine.initSync({ module: await readFile(wasmUrl) });
  return { engine, via: 'pkg/ initSync' };
}

/**
 * The engine of another built pkg/ directory, initialised.
 * @param {string} dir
 * @returns {Promise<Engine>}
 */
async function loadPkgEngine(dir) {
  const wasm = resolve(dir, 'csv2segment_bg.wasm');
  const glue = resolve(dir, 'csv2segment.js');
  if (!(await exists(wasm)) || !(await exists(glue))) throw new Error(`${dir} has no csv2segment.js and csv2segment_bg.wasm (a built pkg/)`);
  const engine = await import(pathToFileURL(glue).href);
  engine.initSync({ module: await readFile(wasm) });
  return engine;
}

/**
 * The bench's sides in --pkg mode and its mapped contenders: the plain file and the mapped exports,
 * with the name the engine reads each under and the options it is given.
 * @typedef {{ name: string, file: string, bytes: Uint8Array, options: Record<string, string> }} Input
 */

/**
 * The plain file and, when the text could be decoded, its mapped exports (UTF-8 and Windows-1252).
 * @param {Uint8Array} data
 * @param {string | null} text
 */
export function benchInputs(data, text) {
  /** @type {Input[]} */
  const inputs = [{ name: 'wasm', file: SOURCE_NAME, bytes: data, options: {} }];
  if (text !== null) {
    const copies = exportCopies(text);
    inputs.push({ name: 'wasm_mapped', file: MAPPED_NAME, bytes: copies.utf8, options: { mapping: MAPPING } });
    inputs.push({ name: 'wasm_mapped_1252', file: MAPPED_1252_NAME, bytes: copies.windows1252, options: { mapping: MAPPING } });
    inputs.push({ name: 'wasm_grouped', file: GROUPED_NAME, bytes: copies.orders, options: { mapping: MAPPING } });
    inputs.push({ name: 'wasm_lines', file: LINES_NAME, bytes: copies.orders, options: { mapping: MAPPING } });
  }
  return inputs;
}

/**
 * The SHA-256 of the engine's output on `input`: every batch's path and bytes, in order (a pass of its own, not timed).
 * @param {Engine} engine
 * @param {Input} input
 */
function outputHash(engine, input) {
  const hash = createHash('sha256');
  wasmPass(engine, input.bytes, input.file, input.options, hash);
  return hash.digest('hex');
}

/**
 * The hashes of this run's outputs against bench/output-hashes.json's for `rows` rows: a line per
 * output, and `ok`, `CHANGED` or `unrecorded` overall. With `bless`, writes this run's hashes there.
 * @param {Record<string, string>} got output name -> hash
 * @param {number} rows
 * @param {boolean} bless
 */
async function checkHashes(got, rows, bless) {
  /** @type {Record<string, any>} row count -> { output name -> hash }, and `about` (a string) */
  let recorded = {};
  try {
    recorded = JSON.parse(await readFile(HASHES_URL, 'utf8'));
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOENT') throw err;
  }
  /** @type {Record<string, string>} */
  const want = recorded[String(rows)] ?? {};
  const lines = [];
  let verdict = 'ok';
  for (const [name, hash] of Object.entries(got)) {
    const w = want[name];
    const state = w === undefined ? 'unrecorded' : w === hash ? 'ok' : 'CHANGED';
    if (state === 'CHANGED') verdict = 'CHANGED';
    else if (state === 'unrecorded' && verdict === 'ok') verdict = 'unrecorded';
    lines.push(`    ${name.padEnd(17)} ${state.padEnd(10)} ${hash.slice(0, 16)}…` + (state === 'CHANGED' ? ` (recorded ${w.slice(0, 16)}…)` : ''));
  }
  if (bless) {
    // (Row counts, as integer keys, come first in the file, in order; `about` after them.)
    recorded[String(rows)] = { ...want, ...got };
    await writeFile(HASHES_URL, `${JSON.stringify(recorded, null, 2)}\n`);
    lines.push(`    blessed: this run's hashes written to bench/output-hashes.json for ${rows.toLocaleString('en-US')} rows`);
    verdict = 'blessed';
  }
  return { verdict, lines };
}

/**
 * --pkg: this pkg/'s engine against DIR's, on the same bytes (the plain file and the mapped
 * export), the four runs of each round in a rotated order, so that neither engine always runs
 * right after a collection of the other's garbage.
 * @param {ReturnType<typeof parseArgs>} opts
 * @param {Uint8Array} data
 * @param {string | null} text
 * @param {number} mb
 */
async function comparePkg(opts, data, text, mb) {
  const expected = opts.rows;
  const ours = await loadWasmEngine();
  const theirs = await loadPkgEngine(/** @type {string} */ (opts.pkg));
  const inputs = benchInputs(data, text).filter((i) => i.name === 'wasm' || i.name === 'wasm_mapped');
  const engines = [
    { side: 'wasm', engine: ours.engine, note: ours.via },
    { side: 'wasm_pkg', engine: theirs, note: String(opts.pkg) },
  ];
  /** @type {{ name: string, engine: Engine, input: Input, note: string, times: number[], cpu: number[], hash: string, median?: number, best?: number }[]} */
  const runs = [];
  for (const input of inputs) {
    for (const e of engines) {
      const suffix = input.name === 'wasm' ? '' : input.name.slice('wasm'.length);
      runs.push({ name: `${e.side}${suffix}`, engine: e.engine, input, note: e.note, times: [], cpu: [], hash: '' });
    }
  }
  const problems = [];
  for (const r of runs) {
    const c = wasmPass(r.engine, r.input.bytes, r.input.file, r.input.options); // warm-up, and the counts
    if (c.rows !== expected || c.events !== expected || c.rejected !== 0 || c.batchEvents !== c.events) {
      problems.push(`${r.name}: expected ${expected} rows and events, 0 rejected; got ${JSON.stringify(c)}`);
    }
    r.hash = outputHash(r.engine, r.input);
  }
  process.stdout.write(`  timing: ${opts.runs} rounds, ${runs.map((r) => r.name).join(', ')} taking turns …\n`);
  for (let round = 0; round < opts.runs; round++) {
    for (const r of roundOrder(runs, round)) {
      const t = await timed(() => wasmPass(r.engine, r.input.bytes, r.input.file, r.input.options));
      r.times.push(t.ms);
      r.cpu.push(t.cpuMs);
    }
  }
  const by = Object.fromEntries(runs.map((r) => [r.name, r]));
  const mbOf = (/** @type {typeof runs[number]} */ r) => r.input.bytes.length / 1e6;
  console.log('');
  console.log(`  ${'engine'.padEnd(16)} ${'median MB/s'.padStart(12)} ${'best MB/s'.padStart(10)} ${'median ms'.padStart(10)}  from`);
  for (const r of runs) {
    const s = spread(r.times);
    r.median = mbOf(r) / (s.median / 1000);
    r.best = mbOf(r) / (s.min / 1000);
    console.log(`  ${r.name.padEnd(16)} ${fmt(r.median).padStart(12)} ${fmt(r.best).padStart(10)} ${fmt(s.median, 1).padStart(10)}  ${r.note}`);
  }
  const vs = pairedRatio(by.wasm.times, by.wasm_pkg.times);
  const mappedVs = by.wasm_mapped ? pairedRatio(by.wasm_mapped.times, by.wasm_pkg_mapped.times) : spread([]);
  const vsCpu = pairedRatio(by.wasm.cpu, by.wasm_pkg.cpu);
  const mappedVsCpu = by.wasm_mapped ? pairedRatio(by.wasm_mapped.cpu, by.wasm_pkg_mapped.cpu) : spread([]);
  console.log('');
  console.log('  ratio (median of the per-round ratios; IQR, then min..max), of wall times, then of CPU times');
  console.log(`  wasm vs pkg          ${describeSpread(vs, 3)}`);
  console.log(`              CPU      ${describeSpread(vsCpu, 3)}`);
  console.log(`  wasm mapped vs pkg   ${describeSpread(mappedVs, 3)}`);
  console.log(`              CPU      ${describeSpread(mappedVsCpu, 3)}`);
  const same = inputs.every((i) => {
    const suffix = i.name === 'wasm' ? '' : i.name.slice('wasm'.length);
    return by[`wasm${suffix}`].hash === by[`wasm_pkg${suffix}`].hash;
  });
  console.log(`  outputs (SHA-256 of every batch): ${same ? 'the same' : 'DIFFER'} for ${inputs.map((i) => i.name).join(' and ')}`);
  for (const p of problems) console.log(`  problem: ${p}`);
  console.log('');
  console.log(`file_mb: ${fmt(mb)}`);
  console.log(`rounds: ${opts.runs}`);
  console.log(`wasm_mb_s: ${fmt(by.wasm.median)}`);
  console.log(`wasm_pkg_mb_s: ${fmt(by.wasm_pkg.median)}`);
  console.log(`wasm_best_mb_s: ${fmt(by.wasm.best)}`);
  console.log(`wasm_pkg_best_mb_s: ${fmt(by.wasm_pkg.best)}`);
  console.log(`wasm_vs_pkg: ${fmt(vs.median, 3)}`);
  console.log(`wasm_vs_pkg_p25: ${fmt(vs.p25, 3)}`);
  console.log(`wasm_vs_pkg_p75: ${fmt(vs.p75, 3)}`);
  console.log(`wasm_mapped_mb_s: ${fmt(by.wasm_mapped?.median)}`);
  console.log(`wasm_pkg_mapped_mb_s: ${fmt(by.wasm_pkg_mapped?.median)}`);
  console.log(`wasm_mapped_vs_pkg: ${fmt(mappedVs.median, 3)}`);
  console.log(`wasm_mapped_vs_pkg_p25: ${fmt(mappedVs.p25, 3)}`);
  console.log(`wasm_mapped_vs_pkg_p75: ${fmt(mappedVs.p75, 3)}`);
  console.log(`wasm_vs_pkg_cpu: ${fmt(vsCpu.median, 3)}`);
  console.log(`wasm_mapped_vs_pkg_cpu: ${fmt(mappedVsCpu.median, 3)}`);
  console.log(`outputs: ${same ? 'same' : 'DIFFER'}`);
  if (problems.length) process.exitCode = 1;
}

/**
 * Runs `fn` once after a full GC: its result, its wall time and this process's CPU time over it
 * (user + system, every thread: the main one and V8's helpers), both in ms. The CPU time is what
 * the run cost; the wall time adds whatever else the machine's cores were doing meanwhile.
 * @template T
 * @param {() => T | Promise<T>} fn
 * @returns {Promise<{ result: T, ms: number, cpuMs: number }>}
 */
async function timed(fn) {
  collect();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { result, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/**
 * One pass of the wasm engine over `bytes`: chunked writes, every batch drained into a reused
 * buffer, as the hosts drain them (js/core/pipeline.mjs). With `hash`, every batch's path and
 * bytes are fed to it, in order.
 * @param {Engine} engine
 * @param {Uint8Array} bytes
 * @param {string} [name] the file name the engine reads it under
 * @param {Record<string, string>} [options] the Ingest's options
 * @param {import('node:crypto').Hash | null} [hash]
 * @returns {Counts}
 */
export function wasmPass(engine, bytes, name = SOURCE_NAME, options = {}, hash = null) {
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
      if (hash) {
        hash.update(`${b.path}\n`);
        hash.update(b.body);
      }
      // (An older engine's Batch and Report were classes to free: --pkg may run one.)
      /** @type {any} */ (b).free?.();
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
    /** @type {any} */ (r).free?.();
    return out;
  } finally {
    ing.free();
  }
}

/**
 * Runs examples/native_bench.rs through cargo; its `key: value` lines as an object. Quick: built
 * with the `hostile` profile (release without LTO, which tests/hostile.rs builds already), so the
 * test does not pay a link-time-optimised build of its own.
 * @param {string} path
 * @param {number} runs
 * @param {boolean} quick
 * @returns {Record<string, number>}
 */
function runNative(path, runs, quick) {
  const res = spawnSync(
    'cargo',
    ['run', '--quiet', ...(quick ? ['--profile', 'hostile'] : ['--release']), '--example', 'native_bench', '--', path, String(runs)],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`native_bench exited with ${res.status ?? res.signal}`);
  /** @type {Record<string, number>} */
  const fields = {};
  for (const line of res.stdout.split('\n')) {
    const m = /^(native_\w+):\s*(\S+)/.exec(line);
    if (m) fields[m[1]] = Number(m[2]);
  }
  if (!Number.isFinite(fields.native_mb_s)) throw new Error('native_bench printed no native_mb_s line');
  return fields;
}

const fmt = (/** @type {number | undefined} */ n, d = 2) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const int = (/** @type {number | undefined} */ n) => (n !== undefined && Number.isFinite(n) ? n.toLocaleString('en-US') : 'n/a');

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { path, bytes: fileBytes, generated } = await ensureTrackCsv(opts.rows);
  const data = new Uint8Array(await readFile(path));
  // The JS parsers take one string; past V8's string limit (~512 Mi chars) there is none.
  /** @type {string | null} */
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
    await comparePkg(opts, data, text, mb);
    return;
  }
  console.log(
    `csv2segment bench: ${basename(path)}${generated ? ' (generated)' : ''}, ` +
      `${int(expected)} rows, ${fmt(mb)} MB, medians of ${opts.runs} interleaved rounds after a warm-up` +
      ` (csvtojson ${slowRuns}), ${CHUNK / 1024} KiB chunks, node ${process.version}`,
  );
  if (fileBytes !== data.length) throw new Error(`${path} changed while reading`);

  /** @type {Record<string, Result>} */
  const results = {};
  /** @type {string[]} */
  const problems = [];
  /**
   * Records a contender's figures from its per-round times; `fileMb` is the MB of the bytes it read.
   * @param {string} name
   * @param {number[]} times
   * @param {number} rows
   */
  const record = (name, times, rows, note = '', fileMb = mb) => {
    const s = spread(times);
    results[name] = { ms: s.median, mbs: fileMb / (s.median / 1000), bestMbs: fileMb / (s.min / 1000), rows, note, times };
  };
  /**
   * @param {string} name
   * @param {unknown} err
   */
  const fail = (name, err) => {
    results[name] = { ms: NaN, mbs: NaN, bestMbs: NaN, rows: NaN, note: `FAILED: ${message(err)}`, times: [] };
    problems.push(`${name}: ${message(err)}`);
  };
  /**
   * @param {string} name
   * @param {Counts} c
   */
  const checkEngine = (name, c) => {
    const bad = [];
    // An order of ORDER_LINES lines is one event.
    const events = name === 'wasm_grouped' ? Math.ceil(expected / ORDER_LINES) : expected;
    if (c.rows !== expected) bad.push(`rows ${c.rows}`);
    if (c.events !== events) bad.push(`events ${c.events}`);
    if (c.rejected !== 0) bad.push(`rejected ${c.rejected}`);
    if (Number.isFinite(c.batchEvents) && c.batchEvents !== c.events) bad.push(`batch events ${c.batchEvents}`);
    if (bad.length) problems.push(`${name}: expected ${expected} rows, ${events} events, 0 rejected; got ${bad.join(', ')}`);
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
      // The median, as every other contender's MB/s (the best beside it), and the median pass's CPU time.
      const median = f.native_median_mb_s ?? f.native_mb_s;
      const cpu = Number.isFinite(f.native_cpu_ms) ? [f.native_cpu_ms] : undefined;
      results.native = { ms: (mb / median) * 1000, mbs: median, bestMbs: f.native_mb_s, rows: f.native_rows, note: `${note} (${opts.runs} runs)`, times: [], cpu };
    } catch (err) {
      fail('native', err);
    }
  }

  // 2-5. wasm and the JS parsers, in this process. Each is warmed up once, then they take
  // turns, one timed run each per round in a rotated order, so that a busy moment of the
  // machine falls on all of them alike; the ratios are taken round by round.
  /** @type {Contender[]} */
  const contenders = [];
  /** @type {Record<string, string>} */
  const hashes = {};
  /** @type {{ verdict: string, lines: string[] }} */
  let hashCheck = { verdict: 'n/a', lines: [] };
  process.stdout.write('  wasm …\n');
  try {
    const { engine, via } = await loadWasmEngine();
    /** @type {Record<string, string>} */
    const what = {
      wasm: via,
      wasm_mapped: 'through a mapping',
      wasm_mapped_1252: 'through a mapping, Windows-1252',
      wasm_grouped: `line items, an event per order of ${ORDER_LINES}`,
      wasm_lines: 'line items, an event per line',
    };
    for (const input of benchInputs(data, text)) {
      const fileMb = input.bytes.length / 1e6;
      contenders.push({
        name: input.name,
        runs: opts.runs,
        fn: () => wasmPass(engine, input.bytes, input.file, input.options),
        times: [],
        cpu: [],
        // MB/s of the file's own bytes.
        done: (times, /** @type {Counts} */ c) =>
          record(input.name, times, c.rows, `${checkEngine(input.name, c)} (${what[input.name]}${input.name === 'wasm' ? '' : `, ${fmt(fileMb)} MB`})`, fileMb),
      });
      hashes[input.name] = outputHash(engine, input);
    }
    hashCheck = await checkHashes(hashes, expected, opts.bless);
    if (hashCheck.verdict === 'CHANGED') {
      problems.push('the engine\'s output changed (bench/output-hashes.json); if the change is meant, run the bench again with --bless and commit the file');
    }
  } catch (err) {
    fail('wasm', err);
  }
  /**
   * @param {string} name
   * @param {number} runs
   * @param {(text: string) => number | Promise<number>} fn its rows
   * @param {string} note
   */
  const stringParser = (name, runs, fn, note) => {
    if (text === null) fail(name, new Error('file too large for one JS string'));
    else {
      const t = text;
      contenders.push({ name, runs, fn: () => fn(t), times: [], cpu: [], done: (times, rows) => record(name, times, rows, note) });
    }
  };
  // A trailing newline gives Papa one empty last row, hence rows + 1.
  stringParser(
    'papaparse',
    opts.runs,
    (t) => Papa.parse(t, { header: true }).data.length,
    'header: true, flat objects of strings (+1 empty last row)',
  );
  stringParser(
    'udsv',
    opts.runs,
    (t) => initParser(inferSchema(t)).typedDeep(t).length,
    'inferSchema + typedDeep: typed nested objects',
  );
  if (opts.csvtojson) {
    stringParser(
      'csvtojson',
      slowRuns,
      async (t) => (await csv().fromString(t)).length,
      "fromString: nested objects of strings (the seed's parser)",
    );
  }

  /** @type {Contender[]} */
  let active = [];
  for (const c of contenders) {
    if (c.name !== 'wasm') process.stdout.write(`  ${c.name} …\n`);
    try {
      c.result = await c.fn(); // warm-up
      active.push(c);
    } catch (err) {
      fail(c.name, err);
    }
  }
  process.stdout.write(`  timing: ${opts.runs} rounds …\n`);
  for (let round = 0; round < opts.runs; round++) {
    for (const c of roundOrder(active, round)) {
      if (round >= c.runs) continue;
      try {
        const t = await timed(c.fn);
        c.result = t.result;
        c.times[round] = t.ms;
        c.cpu[round] = t.cpuMs;
      } catch (err) {
        fail(c.name, err);
        c.failed = true;
      }
    }
    active = active.filter((c) => !c.failed);
  }
  for (const c of active) {
    c.done(c.times, c.result);
    results[c.name].cpu = c.cpu;
  }

  // The record readers alone, in wasm: ours beside csv-core.
  process.stdout.write(`  readers … (bench/readers: cargo build --release for wasm32 the first time)\n`);
  try {
    const r = await runReaders(data, opts.runs, collect);
    for (const [name, v] of /** @type {const} */ ([['reader_ours', r.ours], ['reader_csv_core', r.csvCore]])) {
      record(name, v.times, v.records - 1, `records only: ${int(v.records)} records, ${int(v.fields)} fields`);
      if (v.records !== expected + 1 || v.fields !== r.ours.fields) problems.push(`${name}: ${v.records} records, ${v.fields} fields`);
    }
  } catch (err) {
    fail('reader_ours', err);
    fail('reader_csv_core', err);
  }

  // 6. the browser: the validation page's worker, papaparse and uDSV in headless Chromium.
  if (opts.browser && !chromiumInstalled()) {
    process.stdout.write('  browser … n/a (Chromium not installed at /usr/bin/chromium)\n');
    for (const name of ['browser', 'browser_papaparse', 'browser_udsv']) {
      results[name] = { ms: NaN, mbs: NaN, bestMbs: NaN, rows: NaN, note: 'n/a (Chromium not installed)', times: [] };
    }
  } else if (opts.browser) {
    process.stdout.write(`  browser … (headless Chromium, ${opts.runs} rounds)\n`);
    try {
      const b = await runBrowserBench({ path, runs: opts.runs, rows: expected });
      const d = b.details;
      const v = d.browser;
      /** @type {Record<'browser' | 'browser_papaparse' | 'browser_udsv', string>} */
      const notes = {
        browser: `validator.worker.mjs on a File: ${int(v.events)} events, ${int(v.batches)} batches, ${fmt((v.bodyBytes ?? NaN) / 1e6, 1)} MB out`,
        browser_papaparse: 'worker: file.text() + header: true (empty last row not counted)',
        browser_udsv: 'worker: file.text() + inferSchema + typedDeep',
      };
      for (const name of /** @type {const} */ (['browser', 'browser_papaparse', 'browser_udsv'])) record(name, d[name].times, d[name].rows, notes[name]);
    } catch (err) {
      for (const name of ['browser', 'browser_papaparse', 'browser_udsv']) {
        results[name] = { ms: NaN, mbs: NaN, bestMbs: NaN, rows: NaN, note: `FAILED: ${message(err)}`, times: [] };
      }
      problems.push(`browser: ${message(err)}`);
    }
  }

  // Each ratio round by round: how many times faster the first was than the second.
  /**
   * @param {string} a
   * @param {string} b
   * @param {'times' | 'cpu'} [what]
   */
  const paired = (a, b, what = 'times') => pairedRatio(results[a]?.[what] ?? [], results[b]?.[what] ?? []);
  /** @type {Record<string, Spread>} */
  const ratios = {
    wasm_vs_papaparse: paired('wasm', 'papaparse'),
    wasm_vs_udsv: paired('wasm', 'udsv'),
    // The same rows: the plain run's time over the mapped run's (the export's bytes differ).
    mapped_vs_plain: paired('wasm_mapped', 'wasm'),
    // The same bytes: one event per line's time over one event per order's.
    grouped_vs_plain: paired('wasm_grouped', 'wasm_lines'),
    browser_vs_papaparse: paired('browser', 'browser_papaparse'),
    browser_vs_udsv: paired('browser', 'browser_udsv'),
  };
  // The same of this process's CPU times (Node's contenders only: the browser's run in Chromium).
  /** @type {Record<string, Spread>} */
  const cpuRatios = {
    wasm_vs_papaparse: paired('wasm', 'papaparse', 'cpu'),
    wasm_vs_udsv: paired('wasm', 'udsv', 'cpu'),
    mapped_vs_plain: paired('wasm_mapped', 'wasm', 'cpu'),
    grouped_vs_plain: paired('wasm_grouped', 'wasm_lines', 'cpu'),
  };

  // The readable table.
  console.log('');
  console.log(`  ${'parser'.padEnd(17)} ${'MB/s'.padStart(9)} ${'best MB/s'.padStart(10)} ${'median ms'.padStart(10)} ${'rows'.padStart(9)}  notes`);
  for (const name of NAMES) {
    const r = results[name];
    if (!r) {
      console.log(`  ${name.padEnd(17)} ${'-'.padStart(9)} ${'-'.padStart(10)} ${'-'.padStart(10)} ${'-'.padStart(9)}  skipped`);
      continue;
    }
    console.log(
      `  ${name.padEnd(17)} ${fmt(r.mbs).padStart(9)} ${fmt(r.bestMbs).padStart(10)} ${fmt(r.ms, 1).padStart(10)} ${int(r.rows).padStart(9)}  ${r.note}`,
    );
  }
  console.log('');
  console.log('  ratio (median of the per-round ratios of wall times; IQR, then min..max; then the same of CPU times)');
  for (const [key, target] of Object.entries(TARGETS)) {
    const s = ratios[key];
    const v = s.median;
    const verdict = Number.isFinite(v) ? (v >= target ? 'met' : 'NOT met') : 'n/a';
    console.log(`  ${key.replace(/_/g, ' ').padEnd(21)} ${Number.isFinite(v) ? describeSpread(s) : 'n/a'}   target >= ${target}x: ${verdict}`);
    const c = cpuRatios[key];
    if (c && c.n) console.log(`  ${'  CPU'.padEnd(21)} ${describeSpread(c)}`);
  }
  console.log('');
  console.log(`  output hashes (SHA-256 of every batch, path and bytes, in order), against bench/output-hashes.json: ${hashCheck.verdict}`);
  for (const line of hashCheck.lines) console.log(line);
  for (const p of problems) console.log(`  problem: ${p}`);
  console.log('');

  // The lines for scripts.
  console.log(`file_mb: ${fmt(mb)}`);
  console.log(`rounds: ${opts.runs}`);
  for (const name of NAMES) {
    console.log(`${name}_mb_s: ${fmt(results[name]?.mbs)}`);
  }
  for (const [key, s] of Object.entries(ratios)) console.log(`${key}: ${fmt(s.median)}`);
  for (const [key, s] of Object.entries(ratios)) {
    console.log(`${key}_p25: ${fmt(s.p25)}`);
    console.log(`${key}_p75: ${fmt(s.p75)}`);
  }
  for (const [key, s] of Object.entries(cpuRatios)) console.log(`${key}_cpu: ${fmt(s.median)}`);
  // How much more CPU the wasm engine takes per pass than the native one (its median pass over
  // native's): the wasm's own cost, like for like, where MB/s set a median in a busy round beside a
  // run in a process of its own.
  const wasmCpu = results.wasm?.cpu?.length ? spread(results.wasm.cpu).median : NaN;
  console.log(`wasm_cpu_over_native: ${fmt(wasmCpu / (results.native?.cpu?.[0] ?? NaN))}`);
  console.log(`output_hashes: ${hashCheck.verdict}`);

  // The same rows as a workbook: xlsx_rows_s beside the CSV's rows/s (bench/xlsx.mjs).
  await printXlsxFigures({ rows: expected, runs: opts.runs, quick: opts.quick }, problems);

  if (problems.length) process.exitCode = 1;
}

/** @param {unknown} err */
function message(err) {
  return err instanceof Error ? err.message : String(err);
}

if (isMain(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
