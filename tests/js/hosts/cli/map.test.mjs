// `csv2segment map`: the mapping drafted from exports as they come, on stdout, with its guesses
// and blanks on stderr; --merge into a mapping; and every draft valid against the mapping's
// JSON Schema (the fixtures, and a few hundred generated files through the engine's draftMapping).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { loadEngine } from '../../../../js/core/engine.mjs';
import { SCHEMA_URL, mergeDrafts } from '../../../../js/core/draft.mjs';
import { runCli as cli } from '../../../support/run.mjs';

const EXPORTS = fileURLToPath(new URL('../../../fixtures/exports/', import.meta.url));
const schema = JSON.parse(await readFile(new URL('../../../../schema/csv2segment.schema.json', import.meta.url), 'utf8'));
const validateSchema = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);


/** The rule the engine's own test expects for a fixture (tests/fixtures/exports/drafts/). */
async function expectedRule(name) {
  const text = await readFile(path.join(EXPORTS, 'drafts', `${name}.txt`), 'utf8');
  return JSON.parse(text.slice(0, text.indexOf('\n}\n') + 2));
}

const schemaErrors = (mapping) => (validateSchema(mapping) ? [] : validateSchema.errors.map((e) => `${e.instancePath} ${e.message}`));

let dir;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-map-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('csv2segment map', () => {
  test('a Stripe export: the mapping on stdout, the blank on stderr, status 1 until it is filled', async () => {
    const file = path.join(EXPORTS, 'unified_payments.csv');
    const r = await cli(['map', file]);
    assert.equal(r.code, 1);
    const mapping = JSON.parse(r.stdout);
    assert.deepEqual(mapping, { $schema: SCHEMA_URL, files: [await expectedRule('unified_payments.csv')] });
    assert.deepEqual(schemaErrors(mapping), []);
    assert.equal(
      r.stderr,
      `${file}: track calls, 12 columns; 2 notes:\n` +
        '  guess: the file name has no prefix such as track_: the rows are drafted as track calls (the file name says payments); change "call" if they are not\n' +
        '  to fill in: no column names the event: write the event every row of this file is (like "Order Completed") in "set": {"event": …}; until then the mapping is refused\n',
    );
    // As drafted, validate refuses the mapping and names the blank; filled in, the file goes.
    const json = path.join(dir, 'stripe.json');
    await writeFile(json, r.stdout);
    const refused = await cli(['validate', '--mapping', json, file]);
    assert.equal(refused.code, 2);
    assert.match(refused.stdout + refused.stderr, /files\[0\]\.set\["event"\]: still to fill in: replace <fill in: the event name every row is, like Order Completed> with the event name every row is, like Order Completed/);
    mapping.files[0].set.event = 'Payment Made';
    await writeFile(json, JSON.stringify(mapping));
    const ok = await cli(['validate', '--mapping', json, file]);
    assert.equal(ok.stdout, `${file}: track calls: 3 rows, 2 events, 1 rejected; 1 request to send\n  line 4, column 9 (Customer ID): userId and anonymousId are both empty; fill in at least one\n`);
  });

  test('an Amplitude TSV: nothing to fill in, status 0, and the file validates through the draft', async () => {
    const file = path.join(EXPORTS, 'amplitude_events_2024-03-05.tsv');
    const r = await cli(['map', '-q', file]);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.deepEqual(JSON.parse(r.stdout).files, [await expectedRule('amplitude_events_2024-03-05.tsv')]);
    const json = path.join(dir, 'amplitude.json');
    await writeFile(json, r.stdout);
    const ok = await cli(['validate', '--mapping', json, file]);
    assert.deepEqual([ok.code, ok.stdout], [0, `${file}: track calls: 2 rows, 2 events, 0 rejected; 1 request to send\n`]);
  });

  test('several files: one rule each, in order; a German Excel export says its encoding guess and date order', async () => {
    const names = ['Bestellungen_Maerz.csv', 'Q1 Signups.csv'];
    const r = await cli(['map', ...names], { cwd: EXPORTS });
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout).files, [await expectedRule(names[0]), await expectedRule(names[1])]);
    assert.equal(
      r.stderr,
      'Bestellungen_Maerz.csv: track calls, 8 columns; 4 notes:\n' +
        '  guess: the file is not UTF-8: read as Windows-1252 (Excel\'s Western European encoding); if letters such as ä or é look wrong in the preview, change "encoding"\n' +
        '  guess: the file name has no prefix such as track_: the rows are drafted as track calls (the file name says bestellungen); change "call" if they are not\n' +
        '  guess: \'Datum\': no sampled date has a day over 12; read as %d.%m.%Y %H:%M, day first, since the file looks European (a ; delimiter, decimal commas, headers not in English); if the file is %m.%d.%Y %H:%M, change "format"\n' +
        '  to fill in: no column names the event: write the event every row of this file is (like "Order Completed") in "set": {"event": …}; until then the mapping is refused; the file name says bestellungen, which Segment\'s e-commerce spec calls "Order Completed"\n' +
        'Q1 Signups.csv: track calls, 7 columns; 3 notes:\n' +
        '  guess: the file name has no prefix such as track_: the rows are drafted as track calls (the file name says signups); change "call" if they are not\n' +
        "  ambiguous: 'Signup Date': read as %m/%d/%Y %I:%M %p, month first as a 12-hour clock is the US's, but 1 sampled value(s) read only as %d/%m/%Y %I:%M %p, day first: with %m/%d/%Y %I:%M %p those rows will be rejected; if the file is %d/%m/%Y %I:%M %p, change \"format\"\n" +
        '  to fill in: no column names the event: write the event every row of this file is (like "Order Completed") in "set": {"event": …}; until then the mapping is refused; the file name says signups, which Segment\'s B2B SaaS spec calls "Signed Up"\n',
    );
  });

  test('--merge: the rule for the file is replaced where it stands, a new file is appended, the rest kept', async () => {
    const fixtures = path.join(EXPORTS, 'csv2segment.json');
    const before = JSON.parse(await readFile(fixtures, 'utf8'));
    const fresh = path.join(dir, 'signups_2024-04-01.csv');
    await writeFile(fresh, 'user_id,event,plan\nu1,Signed Up,pro\n');
    const r = await cli(['map', '-q', '--merge', fixtures, path.join(EXPORTS, 'orders_export_1.csv'), fresh]);
    assert.equal(r.code, 1);
    const merged = JSON.parse(r.stdout);
    const want = structuredClone(before);
    want.files[2] = await expectedRule('orders_export_1.csv');
    want.files.push({
      match: 'signups_*.csv',
      call: 'track',
      delimiter: ',',
      columns: { user_id: 'userId', event: 'event', plan: 'properties.plan' },
    });
    assert.deepEqual(merged, want);
    assert.equal(r.stdout, `${JSON.stringify(want, null, 2)}\n`);
  });

  test('usage and read errors: status 2 with the reason', async () => {
    assert.deepEqual(await cli(['map']), { code: 2, stdout: '', stderr: "csv2segment: map needs a FILE (or - for standard input)\nTry 'csv2segment map --help'.\n" });
    const missing = path.join(dir, 'nope.csv');
    assert.deepEqual(await cli(['map', missing]), { code: 2, stdout: '', stderr: `csv2segment: cannot read ${missing}: no such file\n` });
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, '{"files": ');
    const r = await cli(['map', '--merge', bad, path.join(EXPORTS, 'amplitude_events_2024-03-05.tsv'), '-q']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^csv2segment: cannot merge into .*bad\.json: not valid JSON: /);
    const help = await cli(['map', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: csv2segment map \[options\] FILE\.\.\.\n/);
    assert.match((await cli(['--help'])).stdout, /\n {2}map FILE\.\.\. {7}draft a mapping \(csv2segment\.json\) for exports as they come\n/);
  });

  test('standard input with --name, and a .gz file, are drafted from their first 64 KB', async () => {
    const r = await cli(['map', '-', '--name', 'export_7.csv', '-q'], { input: 'userId,event\n1,x\n' });
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout).files, [{ match: 'export_*.csv', call: 'track', delimiter: ',', columns: { userId: 'userId', event: 'event' } }]);
    const { gzipSync } = await import('node:zlib');
    const gz = path.join(dir, 'track_big.csv.gz');
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},Clicked,${i * 2}`).join('\n');
    await writeFile(gz, gzipSync(`userId,event,properties.n\n${rows}\n`));
    const g = await cli(['map', '-q', gz]);
    assert.equal(g.code, 0);
    assert.deepEqual(JSON.parse(g.stdout).files[0].columns, { userId: 'userId', event: 'event', 'properties.n': 'properties.n' });
  });
});

describe('drafts against the schema', () => {
  test('every export fixture and 300 generated files draft rules the schema accepts', async () => {
    const engine = await loadEngine();
    const drafts = [];
    for (const name of ['hubspot-crm-exports-all-contacts-2024-03-05.csv', 'unified_payments.csv', 'orders_export_1.csv', 'newsletter_contacts_export.csv', 'Q1 Signups.csv', 'Bestellungen_Maerz.csv', 'pageviews_20240305.txt', 'amplitude_events_2024-03-05.tsv']) {
      const bytes = await readFile(path.join(EXPORTS, name));
      drafts.push({ name, rule: engine.draftMapping(name, bytes, true).rule });
    }
    // A seeded generator of export-like files: names, values and delimiters of every kind.
    let seed = 12345;
    const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const pick = (list) => list[rand(list.length)];
    const NAMES = ['Email', 'E-mail Address', 'User ID', 'Customer ID', 'First Name', 'Phone Number', 'Created At', 'Paid at', 'Amount', 'event', 'id', '', ' ', 'a"b', 'traits.x', 'Ü', '$$', 'Company', 'Company Name', 'x:y'];
    const VALUES = ['', 'ada@example.com', '3/5/2024 2:22 PM', '13/05/2024', '05.03.2024 14:22', '2024-03-05', '1.234,50', '1,234.50', '12,5', '42', 'yes', 'TRUE', 'https://example.com', '1709648527', 'a;b', '"q"', 'x\ny', 'é'];
    const FILES = ['export.csv', 'track_t.csv', 'identify_i.txt', 'object_rooms_r.csv', 'group_g.csv', 'alias_a.csv', 'data.tsv', 'weird *name?.csv', 'page_1.csv'];
    for (let i = 0; i < 300; i += 1) {
      const delimiter = pick([',', ';', '\t', '|']);
      const width = 1 + rand(6);
      const cell = (v) => (/[",;\t|\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
      const lines = [];
      if (rand(4) !== 0) lines.push(Array.from({ length: width }, () => cell(pick(NAMES))).join(delimiter));
      for (let r = rand(8); r > 0; r -= 1) lines.push(Array.from({ length: width }, () => cell(pick(VALUES))).join(delimiter));
      const name = pick(FILES);
      const text = `${lines.join('\n')}\n`;
      const bytes = rand(5) === 0 ? Buffer.from(text, 'latin1') : Buffer.from(text);
      drafts.push({ name, rule: engine.draftMapping(name, bytes, true).rule });
    }
    for (const { name, rule } of drafts) {
      assert.deepEqual(schemaErrors({ $schema: SCHEMA_URL, files: [rule] }), [], `${name}: ${JSON.stringify(rule)}`);
    }
    // Merged together (a rule per pattern), still valid.
    assert.deepEqual(schemaErrors(mergeDrafts(engine, drafts)), []);
  });
});
