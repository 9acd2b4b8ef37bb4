// The engine is built with WebAssembly SIMD (.cargo/config.toml's simd128 flag; every host runs it,
// and the record reader and the JSON escaper scan 16 bytes at a time with it). RUSTFLAGS in the
// environment replaces cargo's configured flags, even when empty, so scripts/setup.mjs adds the
// flag to them: these tests hold that, and that pkg/ as built uses SIMD instructions.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../../../scripts/lib/proc.mjs';
import { SIMD_FLAG, wasmBuildEnv } from '../../../scripts/setup.mjs';

test('.cargo/config.toml builds the wasm with the flag set-up adds', () => {
  const config = readFileSync(path.join(ROOT, '.cargo', 'config.toml'), 'utf8');
  const section = config.split('[target.wasm32-unknown-unknown]')[1] ?? '';
  assert.match(section, /rustflags = \["-C", "target-feature=\+simd128"\]/);
  assert.equal(SIMD_FLAG, '-C target-feature=+simd128');
});

test('RUSTFLAGS from the environment keep the SIMD flag', () => {
  assert.equal(wasmBuildEnv({ PATH: '/bin' }).RUSTFLAGS, undefined, 'none set: the config applies');
  assert.equal(wasmBuildEnv({ RUSTFLAGS: '-C debuginfo=1' }).RUSTFLAGS, '-C debuginfo=1 -C target-feature=+simd128');
  assert.equal(wasmBuildEnv({ RUSTFLAGS: '' }).RUSTFLAGS, '-C target-feature=+simd128');
  const encoded = wasmBuildEnv({ CARGO_ENCODED_RUSTFLAGS: '-Cdebuginfo=1', RUSTFLAGS: '-C x' });
  assert.equal(encoded.CARGO_ENCODED_RUSTFLAGS, '-Cdebuginfo=1\x1f-C\x1ftarget-feature=+simd128');
  assert.equal(encoded.RUSTFLAGS, '-C x', 'cargo reads only CARGO_ENCODED_RUSTFLAGS then');
  assert.equal(wasmBuildEnv({ CARGO_ENCODED_RUSTFLAGS: '' }).CARGO_ENCODED_RUSTFLAGS, '-C\x1ftarget-feature=+simd128');
});

/**
 * The features a wasm was built with, from its `target_features` section (LLVM's: a count, then
 * for each a prefix, `+` used, and its name, counts and lengths in LEB128).
 * @param {Uint8Array} wasm
 */
function targetFeatures(wasm) {
  const [section] = WebAssembly.Module.customSections(new WebAssembly.Module(wasm), 'target_features');
  if (!section) return [];
  const bytes = new Uint8Array(section);
  let at = 0;
  const leb = () => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++];
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
  };
  const features = [];
  for (let count = leb(); count > 0; count--) {
    const prefix = String.fromCharCode(bytes[at++]);
    const len = leb();
    features.push(prefix + new TextDecoder().decode(bytes.subarray(at, at + len)));
    at += len;
  }
  return features;
}

test('pkg/ is built with SIMD', () => {
  const wasm = path.join(ROOT, 'pkg', 'csv2segment_bg.wasm');
  const features = targetFeatures(readFileSync(wasm));
  assert.ok(features.includes('+bulk-memory'), `the section is read: ${features.join(' ')}`);
  assert.ok(features.includes('+simd128'), `${path.relative(ROOT, wasm)} was built without simd128: ${features.join(' ')}`);
});
