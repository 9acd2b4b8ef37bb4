#!/usr/bin/env node
// `npm run bench:against -- REV`: the wasm engine of another commit against this checkout's, in
// one run (bench.mjs --pkg: the two take turns, medians of each), so that what a change did to
// the engine's speed is read off the same machine at the same moment.
//
//   npm run bench:against -- REV [--runs N] [--rows N]     (default 21 rounds)
//   npm run bench:against -- [REV] --quick                 (tests/js/project/scripts.test.mjs)
//
// REV is anything git names (a commit, a tag, HEAD~3). Its source is taken with git archive into
// .cache/bench/engines/<engine>/ and built there once (<engine>: a hash of what the wasm is built
// from at that commit, src/, Cargo.toml, Cargo.lock and .cargo/, so commits that leave the engine
// as it was share one build), the way scripts/setup.mjs builds pkg/
// (cargo build for wasm32, release, then wasm-bindgen), with a target directory of its own;
// later runs reuse that pkg/. --quick: bench.mjs's quick mode (2,000 rows, one round), and REV
// HEAD when none is given, so that the test builds one engine, once, and reuses it after.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT, StepError, capture, ensureCargoOnPath, isMain, mustRun, runMain } from '../scripts/lib/proc.mjs';

const WASM_TARGET = 'wasm32-unknown-unknown';

/**
 * The full commit `rev` names.
 * @param {string} rev
 */
export function resolveCommit(rev) {
  const parsed = capture('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  if (!parsed.ok || !parsed.stdout.trim()) throw new StepError(`'${rev}' names no commit of this repository`);
  return parsed.stdout.trim();
}

/**
 * A hash of what the engine of `commit` is built from (the git ids of src/, Cargo.toml, Cargo.lock, .cargo/).
 * @param {string} commit
 */
function engineSourceId(commit) {
  const listed = capture('git', ['ls-tree', commit, '--', 'src', 'Cargo.toml', 'Cargo.lock', '.cargo']);
  if (!listed.ok || !listed.stdout.includes('\tsrc\n')) throw new StepError(`commit ${commit.slice(0, 12)} has no src/ to build an engine from`);
  return createHash('sha1').update(listed.stdout).digest('hex').slice(0, 12);
}

/**
 * Builds the engine of `commit` into .cache/bench/engines/<engine>/pkg (once); its path.
 * @param {string} commit a full commit id
 * @param {string} why what the commit is, for the line said while building
 */
export async function buildEngineAt(commit, why) {
  const dir = path.join(ROOT, '.cache', 'bench', 'engines', engineSourceId(commit));
  const pkg = path.join(dir, 'pkg');
  if (existsSync(path.join(pkg, 'csv2segment_bg.wasm')) && existsSync(path.join(pkg, 'csv2segment.js'))) return pkg;
  ensureCargoOnPath();
  const src = path.join(dir, 'src');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  console.error(`bench: building the engine of ${commit.slice(0, 12)} (${why}) in ${path.relative(ROOT, dir)}`);
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

/**
 * Times this checkout's engine against `pkg`'s with bench.mjs --pkg; `args` are bench.mjs's own
 * (21 rounds unless --runs is among them).
 * @param {string} pkg a built pkg/ directory
 * @param {readonly string[]} args
 */
export async function benchAgainst(pkg, args) {
  const all = [...args];
  if (!all.includes('--runs') && !all.includes('--quick')) all.push('--runs', '21');
  await mustRun(process.execPath, [path.join(ROOT, 'bench', 'bench.mjs'), '--pkg', pkg, ...all]);
}

if (isMain(import.meta.url)) {
  runMain('bench:against', async () => {
    const argv = process.argv.slice(2);
    const quick = argv.includes('--quick');
    const [rev, ...args] = !quick || (argv[0] && !argv[0].startsWith('-')) ? argv : ['HEAD', ...argv];
    if (!rev || rev.startsWith('-')) throw new StepError('usage: npm run bench:against -- REV [--runs N] [--rows N] [--quick]');
    const commit = resolveCommit(rev);
    await benchAgainst(await buildEngineAt(commit, rev), args);
  });
}
