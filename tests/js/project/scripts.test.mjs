// The npm scripts the README's Development table names, each run as a user runs it (`npm run
// NAME -- --quick` from the repository) in its quick mode: tiny inputs, one round. A bench that
// no longer runs (an import of a file nothing writes any more, a renamed figure) fails here and
// not on the day someone measures. Each test checks the exit code and that every figure the
// script promises is printed as a `name: value` line with a number: the names, never the values
// (they are the machine's).
//
// bench:against and bench:limits build another commit's engine; in quick mode both use HEAD's
// (bench/against.mjs builds it once into .cache/bench/engines/, keyed by the engine's sources, and
// reuses it after), so this file pays one engine build (about a minute) when src/, Cargo.toml or
// Cargo.lock changed since the last run, and none otherwise. bench:simd builds this checkout's
// engine with simd128 into target/simd128/ (incremental: the first run pays a full build).
// Covered elsewhere: package:lambda (package-lambda.test.mjs), deploy:aws without an AWS account
// (deploy-aws.test.mjs), npm pack (npm-package.test.mjs), setup (start.test.mjs and every test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT } from '../../../scripts/lib/proc.mjs';
import { run } from '../../support/run.mjs';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `npm run NAME -- ...args` from the repository: its exit code, stdout and stderr. */
const npmRun = (name, args) => run(NPM, ['run', '--silent', name, '--', ...args], { cwd: ROOT });

/** The `name: value` lines of a script's stdout. */
function figures(out) {
  const lines = {};
  for (const line of out.split('\n')) {
    const m = /^([a-z][a-z0-9_]*): (\S+)$/.exec(line);
    if (m) lines[m[1]] = m[2];
  }
  return lines;
}

/** Runs `npm run name -- args` and checks exit 0 and a number for each of `names`. */
async function runsWithFigures(name, args, names) {
  const r = await npmRun(name, args);
  const tail = `\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
  assert.equal(r.code, 0, `npm run ${name} -- ${args.join(' ')} exited with ${r.code}${tail}`);
  const got = figures(r.stdout);
  const missing = names.filter((n) => !(n in got));
  assert.deepEqual(missing, [], `npm run ${name} printed no line for ${missing.join(', ')}${tail}`);
  const notNumbers = names.filter((n) => !Number.isFinite(Number(got[n])));
  assert.deepEqual(notNumbers, [], `npm run ${name}: not numbers: ${notNumbers.map((n) => `${n}: ${got[n]}`).join(', ')}${tail}`);
  return got;
}

const BENCH = [
  'file_mb',
  ...['native', 'wasm', 'wasm_mapped', 'wasm_mapped_1252', 'wasm_grouped', 'wasm_lines', 'reader_ours', 'reader_csv_core', 'papaparse', 'udsv', 'csvtojson', 'browser', 'browser_papaparse', 'browser_udsv'].map((n) => `${n}_mb_s`),
  'wasm_vs_papaparse',
  'wasm_vs_udsv',
  'mapped_vs_plain',
  'grouped_vs_plain',
  'browser_vs_papaparse',
  'browser_vs_udsv',
  'xlsx_rows_s',
  'xlsx_csv_rows_s',
  'xlsx_vs_csv',
  'wasm_cpu_over_native',
];
const RATIOS = ['wasm_vs_papaparse', 'wasm_vs_udsv', 'mapped_vs_plain', 'grouped_vs_plain', 'browser_vs_papaparse', 'browser_vs_udsv'];
const AGAINST = [
  'file_mb',
  'rounds',
  'wasm_mb_s',
  'wasm_pkg_mb_s',
  'wasm_best_mb_s',
  'wasm_pkg_best_mb_s',
  'wasm_vs_pkg',
  'wasm_mapped_mb_s',
  'wasm_pkg_mapped_mb_s',
  'wasm_mapped_vs_pkg',
];

test('npm run bench -- --quick: every contender, every ratio and its quartiles, the outputs as recorded', { timeout: 600_000 }, async () => {
  const got = await runsWithFigures('bench', ['--quick'], [...BENCH, 'rounds', ...RATIOS.flatMap((r) => [`${r}_p25`, `${r}_p75`])]);
  assert.equal(got.rounds, '1');
  // The engine's output on the 2,000-row file and its mapped exports, against bench/output-hashes.json.
  assert.equal(got.output_hashes, 'ok');
});

test('npm run bench:against -- --quick: HEAD\'s engine built once, beside this checkout\'s', { timeout: 900_000 }, async () => {
  const got = await runsWithFigures('bench:against', ['--quick'], AGAINST);
  assert.equal(got.rounds, '1');
});

test('npm run bench:limits -- --quick: the same engine, no second build', { timeout: 900_000 }, async () => {
  const got = await runsWithFigures('bench:limits', ['--quick'], AGAINST);
  assert.equal(got.rounds, '1');
});

test('npm run bench:profile -- --quick: the split of the wasm run\'s time, per input, adding up', { timeout: 600_000 }, async () => {
  const kinds = ['wasm', 'wrapper', 'glue', 'driver', 'gc', 'program'];
  const inputs = ['wasm', 'wasm_mapped'];
  const got = await runsWithFigures('bench:profile', ['--quick'], inputs.flatMap((i) => [...kinds.map((k) => `${i}_${k}_pct`), `${i}_sampled_ms`]));
  for (const i of inputs) {
    const sum = kinds.reduce((acc, k) => acc + Number(got[`${i}_${k}_pct`]), 0);
    assert.ok(Math.abs(sum - 100) < 0.5, `${i}: the split adds up to ${sum}%`);
    // With names kept, the engine's own functions are found (the profile read the name section).
    assert.ok(Number(got[`${i}_wasm_pct`]) > 0, `${i}: no time in the wasm`);
  }
});

test('npm run bench:simd -- --quick: the simd128 build beside pkg/, writing the same bytes', { timeout: 900_000 }, async () => {
  const got = await runsWithFigures('bench:simd', ['--quick'], [...AGAINST, 'plain_wasm_bytes', 'simd_wasm_bytes']);
  assert.equal(got.rounds, '1');
  assert.equal(got.outputs, 'same');
});

test('npm run bench:draft-wide -- --quick', { timeout: 300_000 }, async () => {
  await runsWithFigures('bench:draft-wide', ['--quick'], ['draft_wide_ms', 'preview_wide_ms']);
});

test('npm run bench:mapping-parse -- --quick', { timeout: 300_000 }, async () => {
  await runsWithFigures('bench:mapping-parse', ['--quick'], ['mapping_parse_ms']);
});

test('npm run bench:e2e -- --quick: the Lambda package, the Worker, the seed, the big file, shards, rate', { timeout: 600_000 }, async () => {
  const rate = ['one', 'shards', 'misset', 'seed'].flatMap((c) => ['vs_cap', '429_share', 'lost', 'duplicates', 'seconds'].map((f) => `rate_${c}_${f}`));
  const sharded = [1, 2, 4].flatMap((k) => ['seconds', 'finish_spread_seconds', 'tail_seconds', 'shard_seconds_cv', 'segment_cpu_seconds'].map((f) => `sharded_${k}_${f}`));
  const got = await runsWithFigures('bench:e2e', ['--quick'], [
    'file_mb',
    'lambda_seconds',
    'lambda_init_seconds',
    'lambda_cpu_seconds',
    'seed_seconds',
    'seed_init_seconds',
    'seed_cpu_seconds',
    'lambda_vs_seed_speed',
    'lambda_invocation_cpu_seconds',
    'seed_invocation_cpu_seconds',
    'lambda_vs_seed_cpu',
    'segment_server_cpu_seconds_lambda',
    'worker_seconds',
    'worker_vs_seed_speed',
    'worker_requests',
    'lambda_peak_rss_mb',
    'seed_peak_rss_mb',
    'lambda_requests',
    'seed_requests',
    'seed_vs_lambda_requests',
    'lambda_big_peak_rss_mb',
    'lambda_big_rss_growth_pct',
    'sharded_shards',
    'sharded_2_speedup',
    'sharded_4_speedup',
    ...sharded,
    'rate_cap_events_per_second',
    ...rate,
  ]);
  // Every row reached Segment once in every rate case (the bench checks the others itself).
  for (const c of ['one', 'shards', 'misset', 'seed']) {
    assert.equal(got[`rate_${c}_lost`], '0', `rate ${c} lost rows`);
    assert.equal(got[`rate_${c}_duplicates`], '0', `rate ${c} sent duplicates`);
  }
  assert.equal(got.lambda_node_options, '--max-semi-space-size=1');
});

test('npm run bench:http -- --quick: both clients, cold and warm', { timeout: 300_000 }, async () => {
  const names = ['node_fetch', 'fetch'].flatMap((c) => ['init', 'cold_wall', 'cold_cpu', 'warm_wall', 'warm_cpu'].map((f) => `${c}_${f}_seconds`));
  await runsWithFigures('bench:http', ['--quick'], names);
});

test('npm run bench:page -- --quick: the page answers clicks while it reads', { timeout: 300_000 }, async () => {
  await runsWithFigures('bench:page', ['--quick'], [
    'page_file_mb',
    'page_read_s',
    'page_clicks_during_read',
    'page_click_ms_median',
    'page_click_ms_max',
    'page_longtasks',
    'page_longtask_ms_max',
  ]);
});
