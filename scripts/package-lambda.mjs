#!/usr/bin/env node
// `npm run package:lambda`: builds dist/lambda.zip, the Lambda deployment package: the handler,
// the shim and the AWS SDK bundled by esbuild into js/hosts/lambda/index.mjs, and the wasm beside it in pkg/.
// Handler setting: js/hosts/lambda/index.handler.
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

/** The handler's file, in the sources and in the zip: the Handler setting is its path without
 * `.mjs`, then `.handler`. */
const HANDLER_FILE = path.join('js', 'hosts', 'lambda', 'index.mjs');

/** The engine loads the wasm from pkg/ relative to its own file (js/core/engine.mjs); bundled,
 * its code runs from the handler's file instead, so the URL is made relative to that. */
/** @type {import('esbuild').Plugin} */
const wasmBesideBundle = {
  name: 'wasm-beside-bundle',
  setup(build) {
    build.onLoad({ filter: /[\\/]js[\\/]core[\\/]engine\.mjs$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const fromBundle = path.relative(path.dirname(HANDLER_FILE), 'pkg').split(path.sep).join('/');
      const wasmUrl = "new URL('../../pkg/csv2segment_bg.wasm'";
      if (!source.includes(wasmUrl)) throw new Error(`${args.path} no longer loads the wasm with ${wasmUrl}`);
      const contents = source.replace(wasmUrl, `new URL('${fromBundle}/csv2segment_bg.wasm'`);
      return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

/** Builds dist/lambda.zip and returns its path. */
export async function packageLambda({ quiet = false } = {}) {
  await setup({ quiet: true });
  const esbuild = await import('esbuild');
  const { zipSync } = await import('fflate');

  rmSync(STAGE, { recursive: true, force: true });
  mkdirSync(path.join(STAGE, 'pkg'), { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(ROOT, HANDLER_FILE)],
    outfile: path.join(STAGE, HANDLER_FILE),
    plugins: [wasmBesideBundle],
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

  /** @type {(file: string) => [Uint8Array, { mtime: Date }]} */
  const entry = (file) => [readFileSync(path.join(STAGE, file)), { mtime: MTIME }];
  const zip = zipSync({
    'js/hosts/lambda/index.mjs': entry('js/hosts/lambda/index.mjs'),
    // Lambda reads .mjs as an ES module; package.json says the same for anything else.
    'package.json': [new TextEncoder().encode('{"type":"module"}\n'), { mtime: MTIME }],
    'pkg/csv2segment_bg.wasm': entry('pkg/csv2segment_bg.wasm'),
  }, { level: 9 });
  writeFileSync(`${STAGE}.zip`, zip);
  renameSync(`${STAGE}.zip`, ZIP);
  if (!quiet) {
    const kb = (/** @type {string} */ file) => `${Math.round(statSync(file).size / 1024)} KB`;
    console.log(`${path.relative(ROOT, ZIP)}: ${kb(ZIP)} (js/hosts/lambda/index.mjs ${kb(path.join(STAGE, HANDLER_FILE))}, pkg/csv2segment_bg.wasm ${kb(path.join(STAGE, 'pkg', 'csv2segment_bg.wasm'))}); handler: js/hosts/lambda/index.handler; environment: NODE_OPTIONS=--max-semi-space-size=1 (see docs/aws.md)`);
  }
  rmSync(STAGE, { recursive: true, force: true });
  return ZIP;
}

if (isMain(import.meta.url)) runMain('package:lambda', async () => { await packageLambda(); });
