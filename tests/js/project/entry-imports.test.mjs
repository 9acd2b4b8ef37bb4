// What a fresh clone's first command may import before set-up has run: Node's builtins and our
// own builtin-only modules. Every npm script and the CLI's entry either starts with
// scripts/setup.mjs in the same command line, or runs a file whose static import graph reaches
// nothing from node_modules nor pkg/ (its dynamic imports come after its own call to setup()).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, importGraph, walkImports } from '../../support/import-graph.mjs';

const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const outsideImports = (inputs, entry, follow) => walkImports(inputs, entry, follow).outside;

/** The `node FILE` commands of an npm script, each with whether set-up ran before it in the same line. */
function nodeCommands(script) {
  let afterSetup = false;
  const commands = [];
  for (const part of script.split('&&').map((s) => s.trim())) {
    const [cmd, file] = part.split(/\s+/);
    // Only node's own files are followed; another program (sam, cfn-lint) imports nothing of ours.
    if (cmd !== 'node') continue;
    commands.push({ file, afterSetup });
    if (file === 'scripts/setup.mjs') afterSetup = true;
  }
  return commands;
}

test('every npm script and the bin import only builtins before set-up', async () => {
  const firsts = new Set([PACKAGE.bin.csv2segment.replace(/^\.\//, '')]);
  for (const script of Object.values(PACKAGE.scripts)) {
    for (const { file, afterSetup } of nodeCommands(script)) if (!afterSetup) firsts.add(file);
  }
  // The scripts a user may run by hand, whether or not package.json names them.
  for (const f of readdirSync(path.join(ROOT, 'scripts'))) if (f.endsWith('.mjs')) firsts.add(`scripts/${f}`);
  const entries = [...firsts].sort();
  assert.ok(entries.includes('scripts/start.mjs') && entries.includes('scripts/package-lambda.mjs') && entries.includes('js/hosts/cli/csv2segment.mjs'), entries.join(' '));

  const inputs = await importGraph(entries);
  const bad = entries.flatMap((entry) => outsideImports(inputs, entry, ['import-statement']).map((edge) => `${entry}: ${edge}`));
  assert.deepEqual(bad, []);
});

test('the graph check sees through to a package and to pkg/', async () => {
  const inputs = await importGraph(['bench/e2e.mjs', 'js/hosts/cli/main.mjs']);
  assert.deepEqual(outsideImports(inputs, 'bench/e2e.mjs', ['import-statement']).filter((x) => x.startsWith('bench/e2e.mjs')), ['bench/e2e.mjs -> @aws-sdk/client-s3', 'bench/e2e.mjs -> fflate']);
  assert.deepEqual(outsideImports(inputs, 'js/hosts/cli/main.mjs', ['import-statement']), ['js/core/engine.mjs -> pkg/csv2segment.js']);
});

test('benches that need packages run set-up first in the same npm script', () => {
  for (const name of ['bench', 'bench:e2e']) {
    const commands = nodeCommands(PACKAGE.scripts[name]);
    assert.equal(commands[0].file, 'scripts/setup.mjs', name);
    assert.ok(commands.slice(1).every((c) => c.afterSetup), name);
  }
});
