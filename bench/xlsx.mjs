// Rows per second of the engine reading a workbook, beside the same rows as a CSV.
//
//   node bench/xlsx.mjs [--quick] [--rows N] [--runs N]
//   (and from bench/bench.mjs, which prints the same lines after its own)
//
// Generates (once, cached in .cache/bench/) the bench's track CSV of --rows rows (default
// 100,000; --quick 2,000) and the workbook of the same rows (bench/generate-xlsx.mjs: inline
// strings, numbers, date cells), then runs examples/xlsx_bench.rs through cargo: the workbook
// through validate_workbook (whole bytes: unzip, inflate, the sheet parsed a row at a time) and
// the CSV through an Ingest, taking turns, best of --runs (default 5) after a warm-up.
//
// Natively: pkg/ has no workbook entry yet (the binding comes with the ranged protocol); once it
// has, the figure should be taken through pkg's like wasm_mb_s.
//
// Prints `xlsx_rows_s` (the workbook), `xlsx_csv_rows_s` (the CSV of the same rows) and
// `xlsx_vs_csv`; `n/a` and exit code 1 when it could not measure, or when the two did not read
// the same rows into the same payloads (their messageIds aside).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureTrackCsv, ROOT } from './generate.mjs';
import { ensureTrackXlsx } from './generate-xlsx.mjs';

/** @param {number} n @param {number} [d] */
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

/** @typedef {{ rows: number, runs: number, quick: boolean }} XlsxBench */

/**
 * Measures; resolves to { xlsx_rows_s, xlsx_csv_rows_s, xlsx_vs_csv, fileMb, problems }, the
 * figures NaN when they could not be taken. `quick`: the release build without LTO (`hostile`
 * profile).
 * @param {XlsxBench} settings
 */
export async function measureXlsx({ rows, runs, quick }) {
  /** @type {string[]} */
  const problems = [];
  const out = { xlsx_rows_s: NaN, xlsx_csv_rows_s: NaN, xlsx_vs_csv: NaN, fileMb: NaN, problems };
  try {
    const csv = await ensureTrackCsv(rows);
    const book = await ensureTrackXlsx(rows);
    const res = spawnSync(
      'cargo',
      ['run', '--quiet', ...(quick ? ['--profile', 'hostile'] : ['--release']), '--example', 'xlsx_bench', '--', book.path, csv.path, String(runs)],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
    );
    if (res.error) throw res.error;
    if (res.status !== 0) throw new Error(`xlsx_bench exited with ${res.status ?? res.signal}`);
    /** @type {Record<string, string>} */
    const f = {};
    for (const line of res.stdout.split('\n')) {
      const m = /^(\w+):\s*(\S+)/.exec(line);
      if (m) f[m[1]] = m[2];
    }
    const bad = [];
    for (const k of ['xlsx_rows', 'xlsx_events', 'csv_rows']) if (Number(f[k]) !== rows) bad.push(`${k} ${f[k]}`);
    if (Number(f.xlsx_rejected) !== 0) bad.push(`xlsx_rejected ${f.xlsx_rejected}`);
    if (f.xlsx_same_payloads !== 'yes') bad.push('the first payloads differ from the CSV\'s');
    if (bad.length) throw new Error(`expected ${rows} rows read alike; got ${bad.join(', ')}`);
    out.xlsx_rows_s = Number(f.xlsx_rows_s);
    out.xlsx_csv_rows_s = Number(f.csv_rows_s);
    out.xlsx_vs_csv = Number(f.xlsx_vs_csv);
    out.fileMb = Number(f.xlsx_file_mb);
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
  process.stdout.write(`  xlsx … (the same ${rows.toLocaleString('en-US')} rows as a workbook: cargo build of examples/xlsx_bench.rs the first time)\n`);
  const m = await measureXlsx({ rows, runs, quick });
  for (const p of m.problems) console.log(`  problem: ${p}`);
  problems.push(...m.problems);
  console.log(`xlsx_rows_s: ${fmt(m.xlsx_rows_s)}`);
  console.log(`xlsx_csv_rows_s: ${fmt(m.xlsx_csv_rows_s)}`);
  console.log(`xlsx_vs_csv: ${fmt(m.xlsx_vs_csv, 3)}`);
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
