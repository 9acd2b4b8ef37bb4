// The npm package as a user gets it: `npm pack` (whose prepack step builds pkg/), then
// `npm install -g` of the tarball into an empty prefix with no registry to reach, then the
// installed `csv2segment` command run from elsewhere. The tarball holds the CLI, the library
// entry and the engine, and nothing that needs a package from npm.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, importGraph, walkImports } from '../../support/import-graph.mjs';
import { run as runIn } from '../../support/run.mjs';

const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
/** No registry answers here: the install must need none. */
const NO_REGISTRY = 'http://127.0.0.1:9/';
// The environment minus an outer `npm test`'s npm_* settings and anything that changes the CLI.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|SEGMENT_|CSV2SEGMENT_)/i.test(k)));
ENV.PATH = `${path.dirname(process.execPath)}${path.delimiter}${ENV.PATH ?? ''}`;

/** Runs a command in the clean environment; resolves to { code, stdout, stderr }. */
const run = (cmd, args, { cwd = ROOT } = {}) => runIn(cmd, args, { cwd, env: ENV });


let dir;
let packed;
let prefix;
let installed;
let bin;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-npm-'));
  const pack = await run('npm', ['pack', '--json', '--pack-destination', dir]);
  assert.equal(pack.code, 0, pack.stderr);
  [packed] = JSON.parse(pack.stdout);
  prefix = path.join(dir, 'global');
  const install = await run('npm', ['install', '-g', '--prefix', prefix, '--cache', path.join(dir, 'cache'), '--offline', '--registry', NO_REGISTRY,
    '--no-audit', '--no-fund', path.join(dir, packed.filename)], { cwd: dir });
  assert.equal(install.code, 0, install.stderr);
  installed = path.join(prefix, 'lib', 'node_modules', 'csv2segment');
  bin = path.join(prefix, 'bin', 'csv2segment');
});
after(() => rm(dir, { recursive: true, force: true }));

test('the tarball holds what the CLI and the library entry import, the engine and the samples: nothing else', async () => {
  const entries = [PACKAGE.bin.csv2segment, PACKAGE.main].map((f) => f.replace(/^\.\//, ''));
  const inputs = await importGraph(entries);
  const code = new Set();
  for (const entry of entries) {
    const { files, outside } = walkImports(inputs, entry, ['import-statement', 'dynamic-import', 'require-call']);
    // The engine is the only thing from outside our js/, and no package at all.
    assert.deepEqual(outside, ['js/core/engine.mjs -> pkg/csv2segment.js'], entry);
    for (const f of files) code.add(f);
  }
  const expected = [
    ...code,
    PACKAGE.types.replace(/^\.\//, ''),
    ...readdirSync(path.join(ROOT, 'pkg')).map((f) => `pkg/${f}`),
    ...readdirSync(path.join(ROOT, 'samples')).map((f) => `samples/${f}`),
    // The guide the README links to.
    ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`),
    'README.md',
    'package.json',
  ].sort();
  assert.deepEqual(packed.files.map((f) => f.path).sort(), expected, "a module the CLI imports is missing from package.json's files, or a file there is not needed");
  assert.ok(packed.files.some((f) => f.path === 'pkg/csv2segment_bg.wasm' && f.size > 100_000), 'prepack built the engine into the tarball');
});

test('installing the tarball needs no registry and no set-up: one package, no dependencies, no scripts/', () => {
  const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
  assert.equal(manifest.dependencies, undefined);
  assert.equal(existsSync(path.join(installed, 'node_modules')), false);
  assert.equal(existsSync(path.join(installed, 'scripts')), false);
  assert.deepEqual(readdirSync(path.join(prefix, 'lib', 'node_modules')), ['csv2segment']);
});

test('the installed csv2segment validates and previews, with the same output as a clone', async () => {
  const samples = path.join(installed, 'samples');
  assert.deepEqual(await run(bin, ['--version'], { cwd: dir }), { code: 0, stdout: `csv2segment ${PACKAGE.version}\n`, stderr: '' });
  assert.deepEqual(await run(bin, ['validate', 'track_1.csv', 'identify_1.csv'], { cwd: samples }), {
    code: 0,
    stdout: 'track_1.csv: track calls: 4 rows, 4 events, 0 rejected; 1 request to send\nidentify_1.csv: identify calls: 4 rows, 4 events, 0 rejected; 1 request to send\n',
    stderr: '',
  });

  const args = ['preview', '--limit', '2', '--source-id', 's3://bucket/track_1.csv#etag', 'track_1.csv'];
  const preview = await run(bin, args, { cwd: samples });
  assert.equal(preview.code, 0);
  assert.equal(preview.stderr, '');
  const payloads = preview.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(payloads[0], {
    type: 'track',
    userId: '1',
    event: 'test event',
    properties: { name: 'Tyler Ortiz', plan: 'bronze', accountType: 'Facebook' },
    context: { device: { id: '1' }, library: { name: 'csv2segment', version: PACKAGE.version } },
    timestamp: '2019-05-11T20:32:27.940Z',
    messageId: 'f0730e7a-9ddc-83f1-8108-97f1dd32927a',
  });
  assert.equal(payloads.length, 2);
  const clone = await run(process.execPath, [path.join(ROOT, 'js', 'hosts', 'cli', 'csv2segment.mjs'), ...args], { cwd: path.join(ROOT, 'samples') });
  assert.equal(preview.stdout, clone.stdout);
});
