// Excel workbooks given to the CLI: validate, preview and send read them with positioned reads of
// the ranges the engine asks for (never the whole file), a zip named .csv is read as a workbook
// and said, and the CLI's peak memory is the same for 20,000 rows as for 200,000. map drafts from
// the workbook's cells, read in ranges too.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSegmentServer } from '../../../support/segment-server.mjs';
import { CLEAN_ENV, CLI, run, runCli as cli } from '../../../support/run.mjs';
import { writeWorkbook } from '../../../support/xlsx-writer.mjs';

/** ../shared beside the repository (CI has it): the real workbooks, never copied into the repository. */
const SHARED = fileURLToPath(new URL('../../../../../shared/', import.meta.url));
const MOCK = path.join(SHARED, 'workbooks', 'MOCK_DATA.xlsx');
const WRITE_KEY = 'wk_cli_workbook_7f3a';

let dir;
let mapping;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-workbook-'));
  mapping = path.join(dir, 'mapping.json');
  await writeFile(mapping, JSON.stringify({ files: [{ match: '*', call: 'identify', columns: { id: 'userId', email: 'traits.email' }, unmapped: 'drop' }] }));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A generated workbook of `n` rows of views, the first row its header. */
async function views(name, n) {
  const file = path.join(dir, name);
  await writeWorkbook(file, {
    sheet: 'Views',
    rows: function* () {
      yield ['userId', 'event', 'properties.n', 'properties.note'];
      for (let i = 1; i <= n; i++) yield [`u${i}`, i % 500 === 0 ? '' : 'Viewed', i, i % 10 === 0 ? '' : `note ${i} & more`];
    },
  });
  return file;
}

test('validate and preview read a real workbook through the mapping', async () => {
  const v = await cli(['validate', '--mapping', mapping, MOCK]);
  assert.deepEqual([v.code, v.stdout, v.stderr], [0, `${MOCK}: identify calls: 1,000 rows, 1,000 events, 0 rejected; 1 request to send\n`, '']);
  const p = await cli(['preview', '--limit', '2', '--mapping', mapping, MOCK]);
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(
    p.stdout.trimEnd().split('\n').map((l) => ({ ...JSON.parse(l), messageId: null })),
    [
      { type: 'identify', userId: '1', traits: { email: 'lbourdon0@twitter.com' }, context: { library: { name: 'csv2segment', version: '0.1.0' } }, messageId: null },
      { type: 'identify', userId: '2', traits: { email: 'smcgann1@geocities.com' }, context: { library: { name: 'csv2segment', version: '0.1.0' } }, messageId: null },
    ],
  );
  // Without a mapping: the name makes no call.
  const plain = await cli(['validate', MOCK]);
  assert.deepEqual(
    [plain.code, plain.stdout],
    [2, `${MOCK}: the file name does not say which call to make; start it with identify_, track_, page_, screen_, group_, alias_ or object_<collection>_ (for example track_2024-05.csv)\n`],
  );
});

test('a workbook named .csv is read as a workbook, and said; map drafts it from its cells', async () => {
  const file = path.join(dir, 'identify_mock.csv');
  await copyFile(MOCK, file);
  const v = await cli(['validate', '--mapping', mapping, file]);
  assert.deepEqual(
    [v.code, v.stdout, v.stderr],
    [0, `${file}: identify calls: 1,000 rows, 1,000 events, 0 rejected; 1 request to send\n`, `${file}: this is an Excel workbook named .csv; it was read as a workbook\n`],
  );
  // The same payloads, ids aside (the file's name is part of its identity), as under its own name.
  const named = await cli(['preview', '--limit', '3', '--mapping', mapping, MOCK]);
  const renamed = await cli(['preview', '--limit', '3', '--mapping', mapping, file]);
  const strip = (/** @type {string} */ out) => out.trimEnd().split('\n').map((l) => ({ ...JSON.parse(l), messageId: null }));
  assert.deepEqual(strip(renamed.stdout), strip(named.stdout));
  const ID = "guess: no column is named like a user id: 'id' is taken as the userId; if it is not the id your other tools know the person by, map that column to userId (an email column can be the userId)";
  for (const name of ['identify_mock.xlsx', 'identify_mock.csv']) {
    const f = path.join(dir, name);
    await copyFile(MOCK, f);
    const m = await cli(['map', f]);
    const said = name.endsWith('.csv') ? ['  guess: this is an Excel workbook named .csv; it was read as a workbook'] : [];
    assert.deepEqual(
      [m.code, m.stderr.trimEnd().split('\n')],
      [0, [`${f}: identify calls, 6 columns; ${said.length + 1} note${said.length ? 's' : ''}:`, ...said, `  ${ID}`]],
      name,
    );
    assert.deepEqual(JSON.parse(m.stdout).files, [
      {
        match: name,
        call: 'identify',
        columns: { id: 'userId', first_name: 'traits.firstName', last_name: 'traits.lastName', email: 'traits.email', gender: 'traits.gender', ip_address: 'context.ip' },
      },
    ]);
  }
});

describe('send', () => {
  let seg;
  before(async () => {
    seg = await startSegmentServer({ writeKey: WRITE_KEY, port: 0 });
  });
  after(() => seg.close());

  test('a generated workbook is delivered with the messageIds preview shows; rejected rows written beside it', async () => {
    const file = await views('track_views.xlsx', 3000);
    const r = await cli(['send', file, '--endpoint', seg.url], { env: { SEGMENT_WRITE_KEY: WRITE_KEY } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /track_views\.xlsx: track calls: 3,000 rows, 6 rejected; 2,994 events delivered in 2 requests, /);
    assert.equal(seg.stats().uniqueMessageIds, 2994);
    const preview = await cli(['preview', '--limit', '2', file]);
    const shown = preview.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    // The two requests may arrive in either order: each shown payload was delivered as shown.
    const delivered = new Map(seg.events.map((e) => [e.messageId, e]));
    assert.deepEqual(shown.map((e) => delivered.get(e.messageId)), shown);
    assert.deepEqual(shown[0], { ...shown[0], type: 'track', userId: 'u1', event: 'Viewed', properties: { n: 1, note: 'note 1 & more' } });
    const again = await cli(['send', file, '--endpoint', seg.url], { env: { SEGMENT_WRITE_KEY: WRITE_KEY } });
    assert.equal(again.code, 1, again.stderr);
    assert.equal(seg.stats().uniqueMessageIds, 2994);
  });
});

/** The CLI's peak resident memory, in KB, validating `file`. */
async function peakKb(file) {
  const preload = path.join(dir, 'peak.mjs');
  await writeFile(preload, "process.on('exit', () => process.stderr.write(`peak-rss ${process.resourceUsage().maxRSS}\\n`));\n");
  const r = await run(process.execPath, ['--import', preload, CLI, 'validate', file], { env: CLEAN_ENV });
  assert.equal(r.code, 1, r.stderr);
  const peak = /peak-rss (\d+)/.exec(r.stderr);
  assert.ok(peak, r.stderr);
  return { kb: Number(peak[1]), stdout: r.stdout };
}

test('the CLI reads a workbook in bounded memory: 200,000 rows take what 20,000 do', async () => {
  const small = await views('track_small.xlsx', 20_000);
  const big = await views('track_big.xlsx', 200_000);
  const a = await peakKb(small);
  const b = await peakKb(big);
  assert.equal(b.stdout.split('\n', 1)[0], `${big}: track calls: 200,000 rows, 199,600 events, 400 rejected; 89 requests to send`);
  // The big sheet inflates to 45 MB: held whole, it would add at least that.
  assert.ok(b.kb - a.kb < 16 * 1024, `peak ${b.kb} KB for 200,000 rows, ${a.kb} KB for 20,000`);
  assert.ok(b.kb < 200 * 1024, `peak ${b.kb} KB`);
});
