#!/usr/bin/env node
// `npm run bench:simd`: the trial of a wasm SIMD build (issue 26). This checkout's engine built a
// second time with `-C target-feature=+simd128` (RUSTFLAGS), against pkg/ as shipped, in one run:
// bench.mjs --pkg, the two engines taking turns on the plain file and on the mapped export, medians
// of 21 rounds, each ratio the median of the per-round ratios. In its output `wasm` is pkg/ (no
// SIMD) and `wasm_pkg` the simd128 build, so `wasm_vs_pkg` below 1 means SIMD is faster (0.9: the
// plain build takes 0.9 of SIMD's speed, SIMD is 1.11x). `outputs: same` checks that both builds
// write the same bytes. The shipped build is not changed: this only measures.
//
//   npm run bench:simd [-- --runs N] [--rows N]     (default 21 rounds)
//   npm run bench:simd -- --quick                    (tests/js/project/scripts.test.mjs: 2,000 rows, one round)
//
// The SIMD build goes to target/simd128/ (its own cargo target directory, so pkg/'s build and this
// one never invalidate each other; cargo rebuilds it when src/ changed) and, through wasm-bindgen,
// to .cache/bench/simd128/pkg/, as scripts/setup.mjs builds pkg/. It prints both .wasm sizes.
import { statSync } from 'node:fs';
import path from 'node:path';
import { ROOT, ensureCargoOnPath, isMain, mustRun, runMain } from '../scripts/lib/proc.mjs';
import { ensureWasmBindgen, ensureWasmTarget } from '../scripts/setup.mjs';
import { benchAgainst } from './against.mjs';

const WASM_TARGET = 'wasm32-unknown-unknown';
const FLAG = '-C target-feature=+simd128';

/**
 * Builds this checkout's engine with simd128 into .cache/bench/simd128/pkg; its path.
 * @returns {Promise<string>}
 */
export async function buildSimdPkg() {
  ensureCargoOnPath();
  await ensureWasmTarget();
  await ensureWasmBindgen();
  const target = path.join(ROOT, 'target', 'simd128');
  const pkg = path.join(ROOT, '.cache', 'bench', 'simd128', 'pkg');
  const rustflags = [process.env.RUSTFLAGS, FLAG].filter(Boolean).join(' ');
  console.error(`bench:simd: cargo build --release for ${WASM_TARGET} with RUSTFLAGS='${rustflags}' in ${path.relative(ROOT, target)}`);
  await mustRun('cargo', ['build', '--lib', '--target', WASM_TARGET, '--release'], {
    env: { ...process.env, CARGO_TARGET_DIR: target, RUSTFLAGS: rustflags },
    stdio: ['ignore', 2, 2],
  });
  const wasm = path.join(target, WASM_TARGET, 'release', 'csv2segment.wasm');
  await mustRun('wasm-bindgen', ['--target', 'web', '--out-dir', pkg, '--typescript', wasm], { stdio: ['ignore', 2, 2] });
  return pkg;
}

if (isMain(import.meta.url)) {
  runMain('bench:simd', async () => {
    const args = process.argv.slice(2);
    const simd = await buildSimdPkg();
    const size = (/** @type {string} */ dir) => statSync(path.join(dir, 'csv2segment_bg.wasm')).size;
    console.log(`bench:simd: wasm = pkg/ (${size(path.join(ROOT, 'pkg')).toLocaleString('en-US')} bytes), wasm_pkg = the simd128 build (${size(simd).toLocaleString('en-US')} bytes)`);
    await benchAgainst(simd, args);
    console.log(`plain_wasm_bytes: ${size(path.join(ROOT, 'pkg'))}`);
    console.log(`simd_wasm_bytes: ${size(simd)}`);
  });
}
