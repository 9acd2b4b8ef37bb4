#!/usr/bin/env node
// `npm run bench:limits`: the wasm engine's MB/s before issue 15's record and header limits
// against this checkout's, in one run, so that the limits' cost is read off the same machine at
// the same moment (bench.mjs --pkg: the two take turns, medians of each).
//
//   npm run bench:limits [-- --runs N] [--rows N]      (default 21 rounds)
//
// "Before" is the parent of the commit that added src/frame.rs (the limits' rule). Its source is
// taken with git archive into .cache/bench/before-limits/<commit>/ and built there once, the way
// scripts/setup.mjs builds pkg/ (cargo build for wasm32, release, then wasm-bindgen), with a
// target directory of its own; later runs reuse that pkg/.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT, StepError, capture, ensureCargoOnPath, isMain, mustRun, runMain } from '../scripts/lib/proc.mjs';

const WASM_TARGET = 'wasm32-unknown-unknown';
/** The file whose first commit brought the limits (it moved to src/read/ later). */
const LIMITS_FILE = 'src/frame.rs';

/** The commit before the one that added LIMITS_FILE. */
function commitBeforeLimits() {
  const added = capture('git', ['log', '--diff-filter=A', '--format=%H', '--', LIMITS_FILE]);
  const first = added.stdout.trim().split('\n').filter(Boolean).pop();
  if (!added.ok || !first) throw new StepError(`no commit adds ${LIMITS_FILE} in this repository's history`);
  const parent = capture('git', ['rev-parse', `${first}~1`]);
  if (!parent.ok) throw new StepError(`\`git rev-parse ${first}~1\` failed: ${parent.stderr.trim()}`);
  return parent.stdout.trim();
}

/** Builds the engine of `commit` into .cache/bench/before-limits/<commit>/pkg (once); its path. */
export async function buildBeforeLimits(commit = commitBeforeLimits()) {
  const dir = path.join(ROOT, '.cache', 'bench', 'before-limits', commit.slice(0, 12));
  const pkg = path.join(dir, 'pkg');
  if (existsSync(path.join(pkg, 'csv2segment_bg.wasm')) && existsSync(path.join(pkg, 'csv2segment.js'))) return pkg;
  ensureCargoOnPath();
  const src = path.join(dir, 'src');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  console.error(`bench:limits: building the engine of ${commit.slice(0, 12)} (before the limits) in ${path.relative(ROOT, dir)}`);
  await mustRun('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', commit, src], { stdio: ['ignore', 2, 2] });
  const target = path.join(dir, 'target');
  await mustRun('cargo', ['build', '--lib', '--target', WASM_TARGET, '--release'], {
    cwd: src,
    env: { ...process.env, CARGO_TARGET_DIR: target },
    stdio: ['ignore', 2, 2],
  });
  const wasm = path.join(target, WASM_TARGET, 'release', 'csv2segment.wasm');
  await mustRun('wasm-bindgen', ['--target', 'web', '--out-dir', pkg, '--typescript', wasm], { stdio: ['ignore', 2, 2] });
  return pkg;
}

if (isMain(import.meta.url)) {
  runMain('bench:limits', async () => {
    const pkg = await buildBeforeLimits();
    const args = process.argv.slice(2);
    if (!args.includes('--runs')) args.push('--runs', '21');
    await mustRun(process.execPath, [path.join(ROOT, 'bench', 'bench.mjs'), '--pkg', pkg, ...args]);
  });
}
