#!/usr/bin/env node
// `npm run bench:simd`: what wasm SIMD gives the engine (issue 26). pkg/ is built with simd128
// (.cargo/config.toml), where the record reader and the JSON escaper test 16 bytes at a time
// (src/base/blockscan.rs); this builds the same checkout a second time without it
// (RUSTFLAGS='-C target-feature=-simd128': the 8-byte SWAR blocks of native builds) and times the
// two in one run: bench.mjs --pkg, taking turns on the plain file and on the mapped export, medians
// of 21 rounds, each ratio the median of the per-round ratios. In its output `wasm` is pkg/ (SIMD)
// and `wasm_pkg` the build without SIMD, so `wasm_vs_pkg` above 1 means SIMD is faster.
// `outputs: same` checks that both builds write the same bytes. It only measures.
//
//   npm run bench:simd [-- --runs N] [--rows N]     (default 21 rounds)
//   npm run bench:simd -- --quick                    (tests/js/project/scripts.test.mjs: 2,000 rows, one round)
//
// The build without SIMD goes to target/simd128/ (its own cargo target directory, so pkg/'s build
// and this one never invalidate each other; cargo rebuilds it when src/ changed) and, through
// wasm-bindgen, to .cache/bench/simd128/pkg/, as scripts/setup.mjs builds pkg/. It prints both
// .wasm sizes: `plain_wasm_bytes` the build without SIMD, `simd_wasm_bytes` pkg/'s.
import { statSync } from 'node:fs';
import path from 'node:path';
import { ROOT, ensureCargoOnPath, isMain, mustRun, runMain } from '../scripts/lib/proc.mjs';
import { ensureWasmBindgen, ensureWasmTarget } from '../scripts/setup.mjs';
import { benchAgainst } from './against.mjs';

const WASM_TARGET = 'wasm32-unknown-unknown';
const FLAG = '-C target-feature=-simd128';

/**
 * Builds this checkout's engine without simd128 into .cache/bench/simd128/pkg; its path.
 * @returns {Promise<string>}
 */
export async function buildPlainPkg() {
  ensureCargoOnPath();
  await ensureWasmTarget();
  await ensureWasmBindgen();
  const target = path.join(ROOT, 'target', 'simd128');
  const pkg = path.join(ROOT, '.cache', 'bench', 'simd128', 'pkg');
  // RUSTFLAGS replaces .cargo/config.toml's flags, simd128 among them; the minus says it outright.
  const rustflags = [process.env.RUSTFLAGS, FLAG].filter(Boolean).join(' ');
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, CARGO_TARGET_DIR: target, RUSTFLAGS: rustflags };
  delete env.CARGO_ENCODED_RUSTFLAGS;
  console.error(`bench:simd: cargo build --release for ${WASM_TARGET} with RUSTFLAGS='${rustflags}' in ${path.relative(ROOT, target)}`);
  await mustRun('cargo', ['build', '--lib', '--target', WASM_TARGET, '--release'], { env, stdio: ['ignore', 2, 2] });
  const wasm = path.join(target, WASM_TARGET, 'release', 'csv2segment.wasm');
  await mustRun('wasm-bindgen', ['--target', 'web', '--out-dir', pkg, '--typescript', '--remove-name-section', wasm], { stdio: ['ignore', 2, 2] });
  return pkg;
}

if (isMain(import.meta.url)) {
  runMain('bench:simd', async () => {
    const args = process.argv.slice(2);
    const plain = await buildPlainPkg();
    const size = (/** @type {string} */ dir) => statSync(path.join(dir, 'csv2segment_bg.wasm')).size;
    console.log(`bench:simd: wasm = pkg/, with SIMD (${size(path.join(ROOT, 'pkg')).toLocaleString('en-US')} bytes), wasm_pkg = the build without SIMD (${size(plain).toLocaleString('en-US')} bytes)`);
    await benchAgainst(plain, args);
    console.log(`plain_wasm_bytes: ${size(plain)}`);
    console.log(`simd_wasm_bytes: ${size(path.join(ROOT, 'pkg'))}`);
  });
}
