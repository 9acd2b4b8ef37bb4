// The record readers alone, in WebAssembly: csv2segment's (src/read/records.rs) beside csv-core's,
// the reader the csv crate is built on, each counting records and fields of the same bytes in
// 64 KiB chunks, nothing else. Built from bench/readers/ (a crate of its own) on first use.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { ROOT } from './generate.mjs';

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

/** The readers' exports, instantiated; the engine's wasm-bindgen imports are stubs (never called). */
async function instantiate() {
  build();
  const module = await WebAssembly.compile(await readFile(WASM));
  const imports = {};
  for (const { module: name, name: field, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function') throw new Error(`bench/readers imports a ${kind}`);
    imports[name] ??= {};
    imports[name][field] = () => {
      throw new Error(`bench/readers called ${name}.${field}`);
    };
  }
  return (await WebAssembly.instantiate(module, imports)).exports;
}

/**
 * Best times of both readers over `data`, taking turns, after a warm-up.
 * @returns {Promise<{ ours: { ms: number, records: number, fields: number }, csvCore: { ms: number, records: number, fields: number } }>}
 */
export async function runReaders(data, runs, collect = () => {}) {
  const x = await instantiate();
  const ptr = x.alloc(data.length);
  new Uint8Array(x.memory.buffer, ptr, data.length).set(data);
  const readers = { ours: x.ours, csvCore: x.csv_core };
  const out = {};
  for (const [name, fn] of Object.entries(readers)) {
    const records = fn(ptr, data.length);
    out[name] = { ms: Infinity, records, fields: x.fields() };
  }
  for (let round = 0; round < runs; round++) {
    for (const [name, fn] of Object.entries(readers)) {
      collect();
      const t0 = performance.now();
      fn(ptr, data.length);
      out[name].ms = Math.min(out[name].ms, performance.now() - t0);
    }
  }
  return out;
}
