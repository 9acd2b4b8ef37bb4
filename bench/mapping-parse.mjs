#!/usr/bin/env node
// How long the wasm engine takes to read a mapping near its 1 MiB limit (MAX_MAPPING_BYTES), as
// every Ingest, Splitter and parseKey with a mapping does: this checkout's engine, and with
// `--against REV` another commit's (built once by bench/against.mjs), taking turns.
//
//   npm run bench:mapping-parse -- [--against REV] [--runs N] [--quick]
//
// Prints `mapping_parse_ms: N` (this checkout's median), and `mapping_parse_against_ms: N` with
// --against. --quick: three runs (the figure is then only a smoke test).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildEngineAt, resolveCommit } from './against.mjs';

const { values } = parseArgs({ options: { against: { type: 'string' }, runs: { type: 'string', default: '7' }, quick: { type: 'boolean', default: false } } });
const runs = values.quick ? 3 : Number(values.runs);

/** @typedef {typeof import('../pkg/csv2segment.js')} Engine */

/**
 * The engine of a built pkg/ directory, initialised.
 * @param {string} pkg
 * @returns {Promise<Engine>}
 */
async function engineAt(pkg) {
  const engine = await import(pathToFileURL(path.join(pkg, 'csv2segment.js')).href);
  engine.initSync({ module: readFileSync(path.join(pkg, 'csv2segment_bg.wasm')) });
  return engine;
}

/** A mapping of about 1 MB: one rule, 15,500 columns (objects with a date format, and targets), 1,000 set values. */
function bigMapping() {
  /** @type {Record<string, string | { to: string, format: string, timezone: string }>} */
  const columns = {};
  for (let i = 0; i < 15_500; i++) {
    columns[`Column ${i}`] = i % 2 ? `properties.c${i}:number` : { to: `properties.d${i}`, format: '%d.%m.%Y %H:%M', timezone: '+01:00' };
  }
  /** @type {Record<string, string>} */
  const set = {};
  for (let i = 0; i < 1_000; i++) set[`context.extra.k${i}`] = `value ${i}`;
  return JSON.stringify({ files: [{ match: '*.csv', call: 'track', columns, set: { event: 'Big', ...set } }] });
}

const mapping = bigMapping();
/** @type {[string, Engine][]} */
const engines = [['this checkout', await engineAt(path.resolve('pkg'))]];
if (values.against) {
  const commit = resolveCommit(values.against);
  engines.push([values.against, await engineAt(await buildEngineAt(commit, values.against))]);
}
const times = engines.map(() => /** @type {number[]} */ ([]));
for (let r = 0; r < runs; r++) {
  engines.forEach(([, engine], i) => {
    const start = performance.now();
    engine.parseKey('export.csv', { mapping });
    times[i].push(performance.now() - start);
  });
}
console.log(`mapping of ${mapping.length} bytes, read by parseKey; median of ${runs}:`);
const medians = times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
engines.forEach(([name], i) => console.log(`  ${name.padEnd(16)} ${(medians[i] / 1000).toFixed(3)} s`));
console.log(`mapping_parse_ms: ${medians[0].toFixed(1)}`);
if (values.against) console.log(`mapping_parse_against_ms: ${medians[1].toFixed(1)}`);
