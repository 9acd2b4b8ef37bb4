#!/usr/bin/env node
// `npm test`: setup, then every test suite, stopping at the first failure.
//
//   node scripts/test.mjs [--rust] [--wasm] [--js]     (default: all)
//   npm test -- --js
//
// To add a suite, add an entry to STEPS: `skip` returns a reason string (or
// nothing), `run` resolves to an exit code.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setup } from './setup.mjs';
import { ROOT, StepError, elapsed, formatCommand, isMain, parseFlags, run, runMain } from './lib/proc.mjs';

/**
 * Files under `dir` (relative to ROOT) whose names match `re`, sorted.
 * @param {string} dir
 * @param {RegExp} re
 */
function findFiles(dir, re) {
  /** @type {string[]} */
  const out = [];
  const walk = (/** @type {string} */ d) => {
    let entries;
    try {
      entries = readdirSync(path.join(ROOT, d), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = path.join(d, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(rel);
      else if (e.isFile() && re.test(e.name)) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

const jsTests = () => findFiles(path.join('tests', 'js'), /\.test\.mjs$/);

/**
 * A step that runs one command.
 * @param {string} cmd
 * @param {() => string[]} args
 */
const command = (cmd, args) => ({
  describe: () => formatCommand(cmd === process.execPath ? 'node' : cmd, args()),
  run: () => run(cmd, args()),
});

/** @type {Array<{ name: string, title: string, skip?: () => string | false, describe: () => string, run: () => Promise<number> }>} */
const STEPS = [
  {
    name: 'rust',
    title: 'Rust tests on the host (unit, integration, doc)',
    ...command('cargo', () => ['test']),
  },
  {
    name: 'hostile',
    title: 'Flat memory on hostile files, 2.6 GB streamed (tests/hostile.rs, optimised)',
    ...command('cargo', () => ['test', '--profile', 'hostile', '--test', 'hostile']),
  },
  {
    name: 'wasm',
    title: 'wasm-bindgen tests under Node',
    skip: () => !existsSync(path.join(ROOT, 'tests', 'wasm.rs')) && 'tests/wasm.rs does not exist yet',
    ...command('cargo', () => ['test', '--target', 'wasm32-unknown-unknown', '--test', 'wasm']),
  },
  {
    name: 'js',
    title: 'JS tests (node --test)',
    skip: () => jsTests().length === 0 && 'no tests/js/**/*.test.mjs yet',
    // --test-force-exit: a test file that leaks a timer or a socket after its tests have ended
    // (a timed-out wait, say) exits instead of holding the run open until CI's deadline.
    ...command(process.execPath, () => ['--test', '--test-force-exit', '--test-reporter=spec', ...jsTests()]),
  },
];

/** Variables that make tests rewrite their expected files from the code under test. */
export const BLESS_VARIABLES = ['CSV2SEGMENT_WRITE_EXPECTED', 'DRAFT_BLESS', 'CSV2SEGMENT_BLESS_GENERATED'];

/**
 * Under CI (the CI variable set, and not "false" or "0"), a variable that re-blesses golden files
 * would make the tests agree with whatever the code does: the run is refused, naming it.
 * @param {Record<string, string | undefined>} env
 * @returns {string | null} why the run is refused
 */
export function blessRefusal(env) {
  const ci = env.CI !== undefined && !['', 'false', '0'].includes(env.CI.toLowerCase());
  const set = BLESS_VARIABLES.filter((name) => env[name] !== undefined);
  if (!ci || set.length === 0) return null;
  return `${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set under CI: ${set.length === 1 ? 'it rewrites' : 'they rewrite'} the expected files from the code under test, so nothing would be checked. Unset ${set.length === 1 ? 'it' : 'them'}; re-bless on a workstation and commit the files.`;
}

const USAGE = `usage: node scripts/test.mjs [${STEPS.map((s) => `--${s.name}`).join('] [')}]   (default: all)`;

async function main() {
  const refused = blessRefusal(process.env);
  if (refused) throw new StepError(refused, 2);
  const flags = parseFlags(process.argv.slice(2), STEPS.map((s) => s.name), USAGE);
  const selected = STEPS.filter((s) => flags.size === 0 || flags.has(s.name));
  const started = performance.now();

  // The JS tests run against moto's S3 server, from the Python venv setup makes, and drive
  // Debian's Chromium.
  const js = selected.some((s) => s.name === 'js');
  await setup({ quiet: true, python: js, browser: js });
  // The AWS SDK warns on every run that its 2027 releases will need Node 22; the product's
  // Lambda runtime is nodejs22.x, and the tests' output stays readable without it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  /** @type {string[]} */
  const results = [];
  const summary = () => results.join(', ');
  for (const step of selected) {
    const reason = step.skip?.();
    if (reason) {
      console.log(`\ntest: -- ${step.name}: skipped (${reason})`);
      results.push(`${step.name} skipped`);
      continue;
    }
    console.log(`\ntest: -- ${step.name}: ${step.title}: ${step.describe()}`);
    const t = performance.now();
    const code = await step.run();
    if (code !== 0) {
      results.push(`${step.name} FAILED (exit code ${code})`);
      console.error(`\ntest: FAILED at ${step.name} -- ${summary()} -- ${elapsed(started)}`);
      return code;
    }
    results.push(`${step.name} ok (${elapsed(t)})`);
  }
  console.log(`\ntest: all passed -- ${summary()} -- ${elapsed(started)}`);
  return 0;
}

if (isMain(import.meta.url)) runMain('test', main);
