#!/usr/bin/env node
//! The `csv2segment` command's entry point: makes sure the engine is built, then runs the CLI.
// In an installed package pkg/ ships built and this only imports the CLI. In a clone of the
// repository, pkg/ is a build output: the first run (and a run after the Rust sources changed)
// builds it with scripts/setup.mjs, which prints its progress to stderr, so stdout stays the CLI's.
// Node builtins only until then: nothing here may import what set-up has not installed yet.
import { existsSync } from 'node:fs';

const setupScript = new URL('../../../scripts/setup.mjs', import.meta.url);
if (existsSync(setupScript)) {
  const { setup } = await import(setupScript.href);
  try {
    await setup({ quiet: true });
  } catch (err) {
    process.stderr.write(`csv2segment: error: could not build the engine: ${/** @type {{ message?: string } | null | undefined} */ (err)?.message ?? err}\n`);
    process.exit(2);
  }
} else if (!existsSync(new URL('../../../pkg/csv2segment_bg.wasm', import.meta.url))) {
  process.stderr.write('csv2segment: error: this installation has no engine (pkg/csv2segment_bg.wasm); reinstall the package\n');
  process.exit(2);
}
await import('./main.mjs');
