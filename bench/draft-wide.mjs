#!/usr/bin/env node
// The mapping draft and the editor's first preview on wide exports, in the wasm engine on Node.
//
//   npm run bench:draft-wide                  (builds pkg/ first if needed)
//   node bench/draft-wide.mjs [--quick] [--runs N] [--columns 2500,5000,10000] [--against REV]
//
// --quick (tests/js/project/scripts.test.mjs): one round on 500 and 1,000 columns; later flags override it.
//
// For each width, an export named track_wide.csv: a header of `userId`, `event`, `c2`, `c3`, …
// and two rows of small numbers (wider than 32 KB as payloads: the preview rejects them, after
// planning the header and reading them as a run does). Timed, best of --runs (default 3) after one warm-up:
//   draft     engine.draftMapping(name, the first 64 KB + 1 byte, false), as `csv2segment map`
//             and the page's editor call it
//   preview   engine.validate(the file, name, identity, { mapping: the drafted rule }) as the
//             editor's worker previews a rule (validator.worker.mjs), the event filled in
// --against REV: the same on the engine of another commit too (built once by bench/against.mjs
// into .cache/bench/engines/), for a before and after on one machine at one moment.
//
// Ends with one `name: value` line per figure: draft_wide_ms and preview_wide_ms (the widest),
// and with --against, draft_wide_base_ms and preview_wide_base_ms.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './generate.mjs';

const NAME = 'track_wide.csv';

/** @typedef {typeof import('../pkg/csv2segment.js')} Engine */

/** @param {readonly string[]} argv */
function parseArgs(argv) {
  /** @type {{ runs: number, columns: number[], against: string | null }} */
  const opts = { runs: 3, columns: [2500, 5000, 10000], against: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') Object.assign(opts, { runs: 1, columns: [500, 1000] });
    else if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--columns') opts.columns = String(argv[++i]).split(',').map(Number);
    else if (a === '--against') opts.against = argv[++i];
    else throw new Error(`unknown argument: ${a}`);
  }
  if (!(opts.runs >= 1) || opts.columns.some((c) => !(c >= 3))) throw new Error('--runs needs a number >= 1, --columns numbers >= 3');
  return opts;
}

/**
 * The export of `columns` columns.
 * @param {number} columns
 */
function wideExport(columns) {
  const header = ['userId', 'event', ...Array.from({ length: columns - 2 }, (_, i) => `c${i + 2}`)];
  const row = (/** @type {number} */ n) => [`u${n}`, 'Viewed', ...header.slice(2).map((_, i) => String(((i + 2) * n) % 97))].join(',');
  return new TextEncoder().encode(`${header.join(',')}\n${row(1)}\n${row(2)}\n`);
}

/**
 * The engine of a built pkg/ directory, initialised.
 * @param {string} dir
 * @returns {Promise<Engine>}
 */
async function loadEngine(dir) {
  const engine = await import(pathToFileURL(path.join(dir, 'csv2segment.js')).href);
  engine.initSync({ module: await readFile(path.join(dir, 'csv2segment_bg.wasm')) });
  return engine;
}

/**
 * Best of `runs` timings of `fn` after one warm-up, in ms; `fn`'s last result.
 * @template T
 * @param {number} runs
 * @param {() => T} fn
 */
function best(runs, fn) {
  let result = fn();
  let ms = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    result = fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, result };
}

/**
 * @param {Engine} engine
 * @param {Uint8Array} data
 * @param {number} runs
 */
function measure(engine, data, runs) {
  const draft = best(runs, () => engine.draftMapping(NAME, data.subarray(0, 64 * 1024 + 1), false));
  const rule = draft.result.rule;
  if (rule.set?.event) rule.set.event = 'Viewed';
  const options = { samplePayloads: 5, mapping: JSON.stringify({ files: [rule] }), mappingKey: 'csv2segment.json' };
  const preview = best(runs, () => engine.validate(data, NAME, `bench://${NAME}`, options));
  const { report } = preview.result;
  if (report.error || report.rows !== 2) throw new Error(`the preview read ${report.rows} rows: ${report.error ?? ''}`);
  return { draftMs: draft.ms, previewMs: preview.ms, columns: Object.keys(rule.columns ?? {}).length };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const engines = [{ label: '', engine: await loadEngine(path.join(ROOT, 'pkg')) }];
  if (opts.against) {
    const { buildEngineAt, resolveCommit } = await import('./against.mjs');
    const commit = resolveCommit(opts.against);
    engines.push({ label: '_base', engine: await loadEngine(await buildEngineAt(commit, opts.against)) });
  }
  /** @type {Record<string, ReturnType<typeof measure>>} */
  const last = {};
  for (const columns of opts.columns) {
    const data = wideExport(columns);
    for (const { label, engine } of engines) {
      const m = measure(engine, data, opts.runs);
      process.stdout.write(`  ${String(columns).padStart(6)} columns${label ? ` (${opts.against})` : ''}: draft ${m.draftMs.toFixed(1)} ms, preview ${m.previewMs.toFixed(1)} ms (${m.columns} columns drafted)\n`);
      if (columns === Math.max(...opts.columns)) last[label] = m;
    }
  }
  for (const { label } of engines) {
    process.stdout.write(`draft_wide${label}_ms: ${last[label].draftMs.toFixed(1)}\npreview_wide${label}_ms: ${last[label].previewMs.toFixed(1)}\n`);
  }
}

main().catch((err) => {
  console.error(`draft-wide: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
