// The import graph of our JavaScript as a real parser sees it (esbuild's metafile), for the
// tests that check what a file may import: before set-up, and in the npm package.
//
//   const inputs = await importGraph(['js/hosts/cli/main.mjs']);
//   walkImports(inputs, 'js/hosts/cli/main.mjs', ['import-statement']) // { files, outside }
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILTINS = new Set(builtinModules);

/** Every input esbuild reaches from `entries` (paths relative to ROOT), with its import records. */
export async function importGraph(entries) {
  const { metafile } = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: path.join(ROOT, 'dist', 'import-graph'),
    logLevel: 'silent',
  });
  return metafile.inputs;
}

/**
 * Walks the imports of the kinds in `follow` ('import-statement', 'dynamic-import',
 * 'require-call') from `entry`: `files`, our files it reaches (entry included), and `outside`,
 * each 'from -> to' that leaves Node and our own builtin-only code: a package, or pkg/ (the
 * build output) or node_modules/ by path. Walking stops at those.
 */
export function walkImports(inputs, entry, follow) {
  const files = new Set();
  const outside = [];
  const walk = (file) => {
    if (files.has(file)) return;
    files.add(file);
    for (const { path: to, kind, external } of inputs[file]?.imports ?? []) {
      if (!follow.includes(kind)) continue;
      if (external) {
        if (!to.startsWith('node:') && !BUILTINS.has(to)) outside.push(`${file} -> ${to}`);
      } else if (/^(pkg|node_modules)\//.test(to)) {
        outside.push(`${file} -> ${to}`);
      } else {
        walk(to);
      }
    }
  };
  walk(entry);
  return { files, outside };
}
