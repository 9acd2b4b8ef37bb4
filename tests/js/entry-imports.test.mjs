// What a fresh clone's first command may import before set-up has run: Node's builtins and our
// own builtin-only modules. Every npm script and the CLI's entry either starts with
// scripts/setup.mjs in the same command line, or runs a file whose static import graph reaches
// nothing from node_modules nor pkg/ (its dynamic imports come after its own call to setup()).
// esbuild's metafile gives the graph as a real parser sees it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const BUILTINS = new Set(builtinModules);

/** Every input esbuild reaches from `entries`, with its import records (paths relative to ROOT). */
async function importGraph(entries) {
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
 * What `entry` imports, transitively, that is not a builtin nor a builtin-only module of ours:
 * ['from -> to', ...]. `follow` names the import kinds walked: static imports only for what
 * runs before set-up, dynamic ones too for the installed CLI.
 */
function outsideImports(inputs, entry, follow) {
  const bad = [];
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const { path: to, kind, external } of inputs[file]?.imports ?? []) {
      if (!follow.includes(kind)) continue;
      const builtin = to.startsWith('node:') || BUILTINS.has(to);
      if (external && !builtin) bad.push(`${file} -> ${to}`);
      else if (!external && /^(pkg|node_modules)\//.test(to)) bad.push(`${file} -> ${to}`);
      else if (!external) walk(to);
    }
  };
  walk(entry);
  return bad;
}

/** The node commands of an npm script, each with whether set-up ran before it in the same line. */
function nodeCommands(script) {
  let afterSetup = false;
  const commands = [];
  for (const part of script.split('&&').map((s) => s.trim())) {
    const [cmd, file] = part.split(/\s+/);
    assert.equal(cmd, 'node', `npm scripts run node files, so this test can follow them: '${script}'`);
    commands.push({ file, afterSetup });
    if (file === 'scripts/setup.mjs') afterSetup = true;
  }
  return commands;
}

test('every npm script and the bin import only builtins before set-up', async () => {
  const firsts = new Set([PACKAGE.bin.csv2segment.replace(/^\.\//, '')]);
  for (const [name, script] of Object.entries(PACKAGE.scripts)) {
    if (name === 'prepack') continue;
    for (const { file, afterSetup } of nodeCommands(script)) if (!afterSetup) firsts.add(file);
  }
  // The scripts a user may run by hand, whether or not package.json names them.
  for (const f of readdirSync(path.join(ROOT, 'scripts'))) if (f.endsWith('.mjs')) firsts.add(`scripts/${f}`);
  const entries = [...firsts].sort();
  assert.ok(entries.includes('scripts/start.mjs') && entries.includes('scripts/package-lambda.mjs') && entries.includes('js/csv2segment.mjs'), entries.join(' '));

  const inputs = await importGraph(entries);
  const bad = entries.flatMap((entry) => outsideImports(inputs, entry, ['import-statement']).map((edge) => `${entry}: ${edge}`));
  assert.deepEqual(bad, []);
});

test('the graph check sees through to a package and to pkg/', async () => {
  const inputs = await importGraph(['bench/e2e.mjs', 'js/cli.mjs']);
  assert.deepEqual(outsideImports(inputs, 'bench/e2e.mjs', ['import-statement']).filter((x) => x.startsWith('bench/e2e.mjs')), ['bench/e2e.mjs -> @aws-sdk/client-s3']);
  assert.deepEqual(outsideImports(inputs, 'js/cli.mjs', ['import-statement']), ['js/engine.mjs -> pkg/csv2segment.js']);
});

test('the installed CLI needs no package: nothing it imports, statically or not, is outside Node and the tarball', async () => {
  const inputs = await importGraph(['js/cli.mjs']);
  const bad = outsideImports(inputs, 'js/cli.mjs', ['import-statement', 'dynamic-import', 'require-call']).filter((x) => !x.endsWith('-> pkg/csv2segment.js'));
  assert.deepEqual(bad, []);
});

test('benches that need packages run set-up first in the same npm script', () => {
  for (const name of ['bench', 'bench:e2e']) {
    const commands = nodeCommands(PACKAGE.scripts[name]);
    assert.equal(commands[0].file, 'scripts/setup.mjs', name);
    assert.ok(commands.slice(1).every((c) => c.afterSetup), name);
  }
});
