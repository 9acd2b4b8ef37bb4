#!/usr/bin/env node
// `npm run bench:limits`: the wasm engine's MB/s before issue 15's record and header limits
// against this checkout's, in one run (bench:against with the commit before the limits).
//
//   npm run bench:limits [-- --runs N] [--rows N]      (default 21 rounds)
//   npm run bench:limits -- --quick                     (tests/js/project/scripts.test.mjs: HEAD's engine
//                                                        in place of the one before the limits, as
//                                                        bench:against -- --quick, 2,000 rows, one round)
//
// "Before" is the parent of the commit that added src/frame.rs (the limits' rule; it moved to
// src/read/ later), built once into .cache/bench/engines/ (see against.mjs).
import { StepError, capture, isMain, runMain } from '../scripts/lib/proc.mjs';
import { benchAgainst, buildEngineAt, resolveCommit } from './against.mjs';

/** The file whose first commit brought the limits. */
const LIMITS_FILE = 'src/frame.rs';

/** The commit before the one that added LIMITS_FILE. */
function commitBeforeLimits() {
  const added = capture('git', ['log', '--diff-filter=A', '--format=%H', '--', LIMITS_FILE]);
  const first = added.stdout.trim().split('\n').filter(Boolean).pop();
  if (!added.ok || !first) throw new StepError(`no commit adds ${LIMITS_FILE} in this repository's history`);
  return resolveCommit(`${first}~1`);
}

if (isMain(import.meta.url)) {
  runMain('bench:limits', async () => {
    const args = process.argv.slice(2);
    // Quick: the engine the test of bench:against builds too, not a second one of its own.
    const pkg = args.includes('--quick') ? await buildEngineAt(resolveCommit('HEAD'), 'HEAD, --quick') : await buildEngineAt(commitBeforeLimits(), 'before the limits');
    await benchAgainst(pkg, args);
  });
}
