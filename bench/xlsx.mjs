// Rows per second of the engine reading a workbook, beside the same rows as a CSV.
//
//   node bench/xlsx.mjs [--quick] [--rows N] [--runs N]
//   (and from bench/bench.mjs, which prints the same lines after its own)
//
// Generates (once, cached in .cache/bench/) the bench's track CSV of --rows rows (default
// 100,000; --quick 2,000) and the workbook of the same rows (bench/generate-xlsx.mjs: inline
// strings, numbers, date cells), then reads both through pkg/ in Node, the product path: the
// workbook through js/core/workbook-run.mjs (WorkbookIngest: the ranges it asks for, the sheet
// inflated and parsed a row at a time) and the CSV through js/core/pipeline.mjs (Ingest), both
// from memory (the file's bytes read once before the rounds) and without a sender, in
// interleaved rounds (bench/stats.mjs: the order rotated each round, the ratio the median of the
// per-round ratios), --runs rounds (default 5) after a warm-up.
//
// Prints `xlsx_rows_s` (the workbook), `xlsx_csv_rows_s` (the CSV of the same rows) and
// `xlsx_vs_csv` (with its spread); `n/a` and exit code 1 when it could not measure, or when the
// two did not read the same rows into the same payloads (their messageIds aside).

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../js/core/engine.mjs';
import { ingestFile } from '../js/core/pipeline.mjs';
import { ingestWorkbook } from '../js/core/workbook-run.mjs';
import { ensureTrackCsv } from './generate.mjs';
import { ensureTrackXlsx } from './generate-xlsx.mjs';
import { describeSpread, median, pairedRatio, roundOrder } from './stats.mjs';

/** @param {number} n @param {number} [d] */
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

/** @typedef {{ rows: number, runs: number, quick: boolean }} XlsxBench */

/** Chunks the CSV is written in, as the CLI reads it. */
const CHUNK = 1 << 20;

/**
 * Measures; resolves to { xlsx_rows_s, xlsx_csv_rows_s, xlsx_vs_csv, spread, fileMb, problems },
 * the figures NaN when they could not be taken.
 * @param {XlsxBench} settings
 */
export async function measureXlsx({ rows, runs }) {
  /** @type {string[]} */
  const problems = [];
  const out = { xlsx_rows_s: NaN, xlsx_csv_rows_s: NaN, xlsx_vs_csv: NaN, spread: '', fileMb: NaN, problems };
  try {
    const engine = await loadEngine();
    const csv = await readFile((await ensureTrackCsv(rows)).path);
    const book = await readFile((await ensureTrackXlsx(rows)).path);
    const options = { samplePayloads: 3 };
    const runs_ = {
      xlsx: () =>
        ingestWorkbook({
          engine,
          key: 'track_bench.xlsx',
          identity: 'bench',
          options,
          size: book.length,
          readRange: async function* (start, end) {
            yield book.subarray(start, end);
          },
        }),
      csv: () =>
        ingestFile({
          engine,
          key: 'track_bench.csv',
          identity: 'bench',
          options,
          source: (async function* () {
            for (let at = 0; at < csv.length; at += CHUNK) yield csv.subarray(at, at + CHUNK);
          })(),
        }),
    };
    /** @type {Record<'xlsx' | 'csv', number[]>} */
    const times = { xlsx: [], csv: [] };
    /** @type {Record<string, any>} */
    const last = {};
    for (let round = -1; round < runs; round++) {
      for (const name of roundOrder(/** @type {const} */ (['xlsx', 'csv']), round + 1)) {
        const t0 = process.hrtime.bigint();
        const result = await runs_[name]();
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        // The first round warms both up and is not counted.
        if (round >= 0) times[name].push(s);
        last[name] = result;
      }
    }
    const bad = [];
    for (const [name, r] of Object.entries(last)) {
      if (r.status !== 'done' || r.report.rows !== rows || r.report.events !== rows || r.report.rejected !== 0) {
        bad.push(`${name}: ${r.status}, ${r.report.rows} rows, ${r.report.events} events, ${r.report.rejected} rejected${r.report.error ? ` (${r.report.error})` : ''}`);
      }
    }
    const strip = (/** @type {any[]} */ list) => JSON.stringify((list ?? []).map((e) => ({ ...e, messageId: null })));
    if (strip(last.xlsx.samples) !== strip(last.csv.samples)) bad.push(`the first payloads differ from the CSV's: ${strip(last.xlsx.samples).slice(0, 300)} vs ${strip(last.csv.samples).slice(0, 300)}`);
    if (bad.length) throw new Error(`expected ${rows} rows read alike; got ${bad.join('; ')}`);
    out.xlsx_rows_s = rows / median(times.xlsx);
    out.xlsx_csv_rows_s = rows / median(times.csv);
    const ratio = pairedRatio(times.xlsx, times.csv);
    out.xlsx_vs_csv = ratio.median;
    out.spread = describeSpread(ratio, 3);
    out.fileMb = book.length / 1e6;
  } catch (err) {
    problems.push(`xlsx: ${err instanceof Error ? err.message : String(err)}`);
  }
  return out;
}

/**
 * Measures and prints the figures' lines; their problems go to `problems`.
 * @param {XlsxBench} settings
 * @param {string[]} problems
 */
export async function printXlsxFigures({ rows, runs, quick }, problems) {
  process.stdout.write(`  xlsx … (the same ${rows.toLocaleString('en-US')} rows as a workbook and as a CSV, through pkg/ in Node, ${runs} interleaved rounds)\n`);
  const m = await measureXlsx({ rows, runs, quick });
  for (const p of m.problems) console.log(`  problem: ${p}`);
  problems.push(...m.problems);
  console.log(`xlsx_rows_s: ${fmt(m.xlsx_rows_s)}`);
  console.log(`xlsx_csv_rows_s: ${fmt(m.xlsx_csv_rows_s)}`);
  console.log(`xlsx_vs_csv: ${fmt(m.xlsx_vs_csv, 3)}`);
  if (m.spread) console.log(`  xlsx_vs_csv per round: ${m.spread}; the workbook ${fmt(m.fileMb, 1)} MB`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const opts = { rows: 100_000, runs: 5, quick: false };
  const argv = process.argv.slice(2);
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
    else {
      console.error(`unknown argument ${a}\nusage: node bench/xlsx.mjs [--quick] [--rows N] [--runs N]`);
      process.exit(2);
    }
  }
  /** @type {string[]} */
  const problems = [];
  await printXlsxFigures(opts, problems);
  if (problems.length) process.exitCode = 1;
}
