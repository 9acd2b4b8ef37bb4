// The record readers alone, in WebAssembly: csv2segment's (src/read/records.rs) beside csv-core's,
// the reader the csv crate is built on, each counting records and fields of the same bytes in
// 64 KiB chunks, nothing else. Built from bench/readers/ (a crate of its own) on first use.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { ROOT } from './generate.mjs';
import { roundOrder } from './stats.mjs';

const CRATE = new URL('./readers/', import.meta.url);
const WASM = new URL('./readers/target/wasm32-unknown-unknown/release/csv2segment_reader_bench.wasm', import.meta.url);

function build() {
  const res = spawnSync('cargo', ['build', '--quiet', '--release', '--target', 'wasm32-unknown-unknown'], {
    cwd: new URL(CRATE).pathname,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`building bench/readers failed (${res.status ?? res.signal}); run from ${ROOT}`);
}

/**
 * What bench/readers/src/lib.rs exports.
 * @typedef {{
 *   memory: WebAssembly.Memory,
 *   alloc: (len: number) => number,
 *   ours: (ptr: number, len: number) => number,
 *   csv_core: (ptr: number, len: number) => number,
 *   fields: () => number,
 * }} ReaderExports
 */

/**
 * The readers' exports, instantiated; the engine's wasm-bindgen imports are stubs (never called).
 * @returns {Promise<ReaderExports>}
 */
async function instantiate() {
  build();
  const module = await WebAssembly.compile(await readFile(WASM));
  /** @type {Record<string, Record<string, () => never>>} */
  const imports = {};
  for (const { module: name, name: field, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function') throw new Error(`bench/readers imports a ${kind}`);
    imports[name] ??= {};
    imports[name][field] = () => {
      throw new Error(`bench/readers called ${name}.${field}`);
    };
  }
  const instance = await WebAssembly.instantiate(module, imports);
  return /** @type {ReaderExports} */ (/** @type {unknown} */ (instance.exports));
}

/**
 * Both readers over `data`, taking turns (in the other order every other round) for `runs`
 * rounds after a warm-up: each one's time per round, its records and fields.
 * @param {Uint8Array} data
 * @param {number} runs
 * @param {() => void} [collect] a full GC, before each timed run
 * @returns {Promise<{ ours: ReaderRun, csvCore: ReaderRun }>}
 */
export async function runReaders(data, runs, collect = () => {}) {
  const x = await instantiate();
  const ptr = x.alloc(data.length);
  new Uint8Array(x.memory.buffer, ptr, data.length).set(data);
  /** @type {[string, (ptr: number, len: number) => number, ReaderRun][]} */
  const readers = [
    ['ours', x.ours, { times: [], records: 0, fields: 0 }],
    ['csvCore', x.csv_core, { times: [], records: 0, fields: 0 }],
  ];
  for (const [, fn, out] of readers) {
    out.records = fn(ptr, data.length);
    out.fields = x.fields();
  }
  for (let round = 0; round < runs; round++) {
    for (const [, fn, out] of roundOrder(readers, round)) {
      collect();
      const t0 = performance.now();
      fn(ptr, data.length);
      out.times.push(performance.now() - t0);
    }
  }
  return { ours: readers[0][2], csvCore: readers[1][2] };
}

/** @typedef {{ times: number[], records: number, fields: number }} ReaderRun */
