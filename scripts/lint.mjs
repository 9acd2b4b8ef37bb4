#!/usr/bin/env node
// `npm run lint`: rustfmt, clippy (host and wasm32), eslint, and tsc over the JSDoc types of js/
// against the engine's generated pkg/csv2segment.d.ts (tsconfig.json). Runs every check
// even after a failure, so one run shows everything; exits with the first
// failing check's code.
//
//   node scripts/lint.mjs [--rust] [--js]     (default: both)
import { buildPkg, ensureNpmPackages, ensureRustComponents, ensureWasmBindgen, ensureWasmTarget } from './setup.mjs';
import { elapsed, ensureCargoOnPath, formatCommand, parseFlags, run, runMain } from './lib/proc.mjs';

/** The pinned TypeScript of package.json, run from node_modules: npx could fetch another. */
const TSC = 'node_modules/typescript/bin/tsc';

const CHECKS = [
  { group: 'rust', cmd: 'cargo', args: ['fmt', '--check'] },
  { group: 'rust', cmd: 'cargo', args: ['clippy', '--all-targets', '--', '-D', 'warnings'] },
  { group: 'rust', cmd: 'cargo', args: ['clippy', '--lib', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings'] },
  { group: 'js', cmd: 'npx', args: ['eslint', '--max-warnings', '0', '.'] },
  // The types need pkg/csv2segment.d.ts, which the build generates.
  { group: 'js', cmd: 'node', args: [TSC, '--noEmit', '-p', '.'], needsPkg: true },
];

async function main() {
  const flags = parseFlags(process.argv.slice(2), ['rust', 'js'], 'usage: node scripts/lint.mjs [--rust] [--js]   (default: both)');
  const selected = CHECKS.filter((c) => flags.size === 0 || flags.has(c.group));
  const started = performance.now();

  // Only what linting needs: the npm packages for eslint and tsc, the rustup components for
  // clippy, and pkg/ (built as setup builds it, skipped when up to date) for tsc.
  ensureCargoOnPath();
  if (selected.some((c) => c.group === 'js')) await ensureNpmPackages();
  if (selected.some((c) => c.group === 'rust' || c.needsPkg)) await ensureWasmTarget();
  if (selected.some((c) => c.group === 'rust')) await ensureRustComponents();
  if (selected.some((c) => c.needsPkg)) {
    await ensureWasmBindgen();
    await buildPkg();
  }

  const failed = [];
  let firstCode = 0;
  for (const { cmd, args } of selected) {
    const shown = formatCommand(cmd, args);
    console.log(`\nlint: -- ${shown}`);
    const code = await run(cmd, args);
    if (code !== 0) {
      failed.push(`\`${shown}\` (exit code ${code})`);
      firstCode ||= code;
    }
  }
  if (failed.length) {
    console.error(`\nlint: FAILED -- ${failed.join(', ')} -- ${elapsed(started)}`);
    return firstCode;
  }
  console.log(`\nlint: all ${selected.length} checks passed -- ${elapsed(started)}`);
  return 0;
}

runMain('lint', main);
