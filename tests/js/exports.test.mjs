// Files as they come, through the hosts: each export in tests/fixtures/exports read through its
// mapping by the CLI (found beside the file, in a parent folder, or named with --mapping), with
// the exact payloads the engine's own test checks.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { EXPORTS, FIXTURES, MAPPING_FILE, expectedPayloads, withoutIds } from '../support/exports.mjs';

const CLI = fileURLToPath(new URL('../../js/csv2segment.mjs', import.meta.url));
const BASE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SEGMENT_|CSV2SEGMENT_)|^write_key$/.test(k)));

function cli(args, { cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: BASE_ENV, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const ndjson = (text) => text.trimEnd().split('\n').map((line) => JSON.parse(line));

describe('CLI', () => {
  let tmp;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-exports-'));
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  for (const { name, rejected } of FIXTURES) {
    test(`preview ${name}: the mapping beside it, exact payloads`, async () => {
      const { code, stdout, stderr } = await cli(['preview', '--quiet', '--limit', '100', '--source-id', `fixture:${name}`, path.join(EXPORTS, name)]);
      assert.deepEqual(ndjson(stdout), expectedPayloads(name));
      assert.equal(code, rejected ? 1 : 0, stderr);
    });
  }

  test('the nearest csv2segment.json in a parent folder, and --mapping over it', async () => {
    const deep = path.join(tmp, 'exports', '2024', '03');
    await mkdir(deep, { recursive: true });
    await copyFile(MAPPING_FILE, path.join(tmp, 'exports', 'csv2segment.json'));
    await copyFile(path.join(EXPORTS, 'Bestellungen_Maerz.csv'), path.join(deep, 'Bestellungen_Maerz.csv'));
    const found = await cli(['validate', '--json', '--quiet', path.join(deep, 'Bestellungen_Maerz.csv')], { cwd: tmp });
    assert.equal(found.code, 0, found.stderr);
    const [result] = JSON.parse(found.stdout);
    assert.equal(result.status, 'done');
    assert.deepEqual(result.report.mapping, { key: path.join('exports', 'csv2segment.json'), eTag: null, rule: 5 });
    assert.equal(result.report.events, 2);

    // --mapping names another one: a rule that reads the same file as identify calls.
    const other = path.join(tmp, 'other.json');
    await writeFile(other, JSON.stringify({ files: [{ match: 'bestellungen*', call: 'identify', encoding: 'windows-1252', columns: { Kundennummer: 'userId' }, unmapped: 'drop' }] }));
    const named = await cli(['preview', '--quiet', '--mapping', other, '--source-id', 'x', path.join(deep, 'Bestellungen_Maerz.csv')]);
    assert.equal(named.code, 0, named.stderr);
    assert.deepEqual(withoutIds(ndjson(named.stdout)), [
      { type: 'identify', userId: 'K-1001', context: { library: { name: 'csv2segment', version: '0.1.0' } } },
      { type: 'identify', userId: 'K-1002', context: { library: { name: 'csv2segment', version: '0.1.0' } } },
    ]);
  });

  test('a broken mapping stops the file before anything is read, with its path and the JSON path', async () => {
    const dir = path.join(tmp, 'broken');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'csv2segment.json'), JSON.stringify({ files: [{ match: '*.csv', call: 'track', columns: { Created: { to: 'timestamp', format: '%Q' } } }] }));
    await copyFile(path.join(EXPORTS, 'unified_payments.csv'), path.join(dir, 'unified_payments.csv'));
    const { code, stdout, stderr } = await cli(['validate', '--quiet', 'broken/unified_payments.csv'], { cwd: tmp });
    assert.equal(code, 2, stderr);
    assert.equal(
      stdout,
      `broken/unified_payments.csv: ${path.join('broken', 'csv2segment.json')}: the mapping has 1 problem, so nothing was sent\n` +
        `  files[0].columns["Created"].format: %Q is not a date format; write it with chrono's strftime fields, like %d.%m.%Y %H:%M\n`,
    );
    const missing = await cli(['validate', '--mapping', path.join(tmp, 'nope.json'), 'broken/unified_payments.csv'], { cwd: tmp });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the mapping .*nope\.json: no such file/);
  });
});
