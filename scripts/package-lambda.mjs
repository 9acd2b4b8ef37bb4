#!/usr/bin/env node
// `npm run package:lambda`: builds dist/lambda.zip, the Lambda deployment package: the handler,
// the shim and the AWS SDK bundled by esbuild into js/lambda.mjs, and the wasm beside it in pkg/.
// Handler setting: js/lambda.handler.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setup } from './setup.mjs';
import { ROOT, isMain, runMain } from './lib/proc.mjs';

export const ZIP = path.join(ROOT, 'dist', 'lambda.zip');
/** Each build stages in a folder of its own and renames the zip into place, so builds that
 * overlap (test files run in parallel) never see each other's half-written files. */
const STAGE = path.join(ROOT, 'dist', `lambda.stage-${process.pid}`);
/** A fixed time for every zip entry, so the same sources give the same zip. */
const MTIME = new Date('2020-01-01T00:00:00Z');

/** Builds dist/lambda.zip and returns its path. */
export async function packageLambda({ quiet = false } = {}) {
  await setup({ quiet: true });
  const esbuild = await import('esbuild');
  const { zipSync } = await import('fflate');

  rmSync(STAGE, { recursive: true, force: true });
  mkdirSync(path.join(STAGE, 'pkg'), { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'js', 'lambda.mjs')],
    outfile: path.join(STAGE, 'js', 'lambda.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    // The SDK is CommonJS inside; an ES module bundle needs `require` for Node's builtins.
    banner: { js: "import { createRequire as __csv2segmentRequire } from 'node:module'; const require = __csv2segmentRequire(import.meta.url);" },
  });
  const wasm = readFileSync(path.join(ROOT, 'pkg', 'csv2segment_bg.wasm'));
  writeFileSync(path.join(STAGE, 'pkg', 'csv2segment_bg.wasm'), wasm);

  const entry = (file) => [readFileSync(path.join(STAGE, file)), { mtime: MTIME }];
  const zip = zipSync({
    'js/lambda.mjs': entry('js/lambda.mjs'),
    // Lambda reads .mjs as an ES module; package.json says the same for anything else.
    'package.json': [new TextEncoder().encode('{"type":"module"}\n'), { mtime: MTIME }],
    'pkg/csv2segment_bg.wasm': entry('pkg/csv2segment_bg.wasm'),
  }, { level: 9 });
  writeFileSync(`${STAGE}.zip`, zip);
  renameSync(`${STAGE}.zip`, ZIP);
  if (!quiet) {
    const kb = (file) => `${Math.round(statSync(file).size / 1024)} KB`;
    console.log(`${path.relative(ROOT, ZIP)}: ${kb(ZIP)} (js/lambda.mjs ${kb(path.join(STAGE, 'js', 'lambda.mjs'))}, pkg/csv2segment_bg.wasm ${kb(path.join(STAGE, 'pkg', 'csv2segment_bg.wasm'))}); handler: js/lambda.handler; environment: NODE_OPTIONS=--max-semi-space-size=1 (see README)`);
  }
  rmSync(STAGE, { recursive: true, force: true });
  return ZIP;
}

if (isMain(import.meta.url)) runMain('package:lambda', async () => { await packageLambda(); });
