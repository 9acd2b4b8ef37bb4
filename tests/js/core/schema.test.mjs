// schema/csv2segment.schema.json, the mapping's JSON Schema for editors: the fixtures' mapping
// and the issue's example pass it, and every mapping it refuses, the engine refuses too (with
// the JSON path of the problem), so an editor's check never lets through what a host would stop.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { loadEngine } from '../../../js/core/engine.mjs';

const schema = JSON.parse(readFileSync(new URL('../../../schema/csv2segment.schema.json', import.meta.url), 'utf8'));
const fixtures = readFileSync(new URL('../../fixtures/exports/csv2segment.json', import.meta.url), 'utf8');
const validateSchema = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);

const ISSUE_EXAMPLE = {
  files: [
    {
      match: 'unified_payments*.csv',
      call: 'track',
      delimiter: ';',
      encoding: 'windows-1252',
      decimal: ',',
      header: ['Id', 'Amount', 'Created'],
      columns: {
        'Customer Email': 'userId',
        Amount: 'properties.amount:number',
        'Created (UTC)': { to: 'timestamp', format: '%Y-%m-%d %H:%M:%S', timezone: '+01:00' },
        'Internal Note': null,
      },
      set: { event: 'Payment Made', 'context.app.name': 'Stripe' },
      unmapped: 'keep',
    },
  ],
};

/** The engine's verdict: null when it takes the mapping, else its message. */
async function engineError(mapping) {
  const { Ingest } = await loadEngine();
  try {
    new Ingest('export.csv', 'id', { mapping: typeof mapping === 'string' ? mapping : JSON.stringify(mapping) }).free();
    return null;
  } catch (err) {
    // Taken, but no rule matched the name: the name's own error.
    if (err.code === 'file_name') return null;
    assert.equal(err.code, 'mapping', err.message);
    return err.message;
  }
}

const rule = (extra) => ({ files: [{ match: '*.csv', ...extra }] });
const column = (c) => rule({ call: 'track', columns: { a: c } });

/** Mappings the schema refuses, each with the JSON path the engine names. */
const BAD = [
  [{}, 'files'],
  [{ files: {} }, 'files'],
  [{ files: [{}] }, 'files[0].match'],
  [{ files: [{ match: '' }] }, 'files[0].match'],
  [{ files: [], extra: 1 }, 'extra'],
  [rule({ colums: {} }), 'files[0].colums'],
  [rule({ call: 'trak' }), 'files[0].call'],
  [rule({ call: 'object' }), 'files[0].collection'],
  [rule({ call: 'track', collection: 'rooms' }), 'files[0].collection'],
  [rule({ call: 'object', collection: 'Rooms' }), 'files[0].collection'],
  [rule({ delimiter: ';;' }), 'files[0].delimiter'],
  [rule({ delimiter: '"' }), 'files[0].delimiter'],
  [rule({ delimiter: '\n' }), 'files[0].delimiter'],
  [rule({ delimiter: '§' }), 'files[0].delimiter'],
  [rule({ encoding: 'latin9' }), 'files[0].encoding'],
  [rule({ decimal: ';' }), 'files[0].decimal'],
  [rule({ header: [] }), 'files[0].header'],
  [rule({ header: ['a', ' '] }), 'files[0].header'],
  [rule({ unmapped: 'hide' }), 'files[0].unmapped'],
  [rule({ columns: [] }), 'files[0].columns'],
  [column(5), 'files[0].columns["a"]'],
  [column('traits.age:int'), 'files[0].columns["a"]'],
  [column('.x'), 'files[0].columns["a"]'],
  [column({ type: 'number' }), 'files[0].columns["a"].to'],
  [column({ to: 'x', as: 1 }), 'files[0].columns["a"].as'],
  [column({ to: 'x', type: 'date' }), 'files[0].columns["a"].type'],
  [column({ to: 'x:number', type: 'integer' }), 'files[0].columns["a"].type'],
  [column({ to: 'x', timezone: '+01:00' }), 'files[0].columns["a"].timezone'],
  [column({ to: 'x', format: '%d.%m.%Y', timezone: 'Europe/Berlin' }), 'files[0].columns["a"].timezone'],
  [column({ to: 'x', type: 'number', format: '%d.%m.%Y' }), 'files[0].columns["a"].format'],
  [column({ to: 'x', format: '' }), 'files[0].columns["a"].format'],
  // A values table: strings for a column sent as text, at most MAX_VALUES, unlisted only with one.
  [column({ to: 'event', values: ['view'] }), 'files[0].columns["a"].values'],
  [column({ to: 'event', values: { view: 3 } }), 'files[0].columns["a"].values["view"]'],
  [column({ to: 'event', values: { ' view': 'Product Viewed' } }), 'files[0].columns["a"].values[" view"]'],
  [column({ to: 'event', values: { '': 'Product Viewed' } }), 'files[0].columns["a"].values[""]'],
  [column({ to: 'event', values: { view: '' } }), 'files[0].columns["a"].values["view"]'],
  [column({ to: 'x', type: 'number', values: { v: 'y' } }), 'files[0].columns["a"].values'],
  [column({ to: 'x:boolean', values: { v: 'y' } }), 'files[0].columns["a"].values'],
  [column({ to: 'x', format: '%d.%m.%Y', values: { v: 'y' } }), 'files[0].columns["a"].values'],
  [column({ to: 'x', unlisted: 'reject' }), 'files[0].columns["a"].unlisted'],
  [column({ to: 'x', values: { v: 'y' }, unlisted: 'drop' }), 'files[0].columns["a"].unlisted'],
  [column({ to: 'x', values: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`v${i}`, 'y'])) }), 'files[0].columns["a"].values'],
  [rule({ set: [] }), 'files[0].set'],
  [rule({ set: { event: '' } }), 'files[0].set["event"]'],
  [rule({ set: { messageId: 'x' } }), 'files[0].set["messageId"]'],
  [rule({ set: { 'traits.a:number': 1 } }), 'files[0].set["traits.a:number"]'],
  [rule({ set: { b: null } }), 'files[0].set["b"]'],
  // Set values are checked as cells of their fields (for the rule's call).
  [rule({ call: 'track', set: { event: { x: 1 } } }), 'files[0].set["event"]'],
  [rule({ call: 'identify', set: { timestamp: 12 } }), 'files[0].set["timestamp"]'],
  [rule({ call: 'group', set: { 'traits.createdAt': true } }), 'files[0].set["traits.createdAt"]'],
  [rule({ call: 'track', set: { anonymousId: 5 } }), 'files[0].set["anonymousId"]'],
  [rule({ call: 'alias', set: { previousId: 5 } }), 'files[0].set["previousId"]'],
  [rule({ call: 'page', set: { name: ['Home'] } }), 'files[0].set["name"]'],
  [rule({ call: 'group', set: { groupId: 7 } }), 'files[0].set["groupId"]'],
  [rule({ call: 'screen', set: { 'integrations.All': 'no' } }), 'files[0].set["integrations.All"]'],
  [rule({ call: 'object', collection: 'rooms', set: { tags: ['a'] } }), 'files[0].set["tags"]'],
  // The limits: a set value's JSON, the columns and values a rule names, the header it gives.
  [rule({ set: { 'properties.note': 'x'.repeat(32767) } }), 'files[0].set["properties.note"]'],
  [rule({ columns: Object.fromEntries(Array.from({ length: 32769 }, (_, i) => [i.toString(36), null])) }), 'files[0].columns'],
  [rule({ set: Object.fromEntries(Array.from({ length: 32769 }, (_, i) => [`p${i.toString(36)}`, 1])) }), 'files[0].set'],
  [rule({ header: Array(32769).fill('a') }), 'files[0].header'],
];

test('the fixtures’ mapping and the issue’s example pass the schema and the engine', async () => {
  for (const mapping of [JSON.parse(fixtures), ISSUE_EXAMPLE]) {
    assert.ok(validateSchema(mapping), JSON.stringify(validateSchema.errors));
    assert.equal(await engineError(mapping), null);
  }
});

test('a values table on a text column passes the schema and the engine', async () => {
  for (const mapping of [
    column({ to: 'event', values: { view: 'Product Viewed', cart: 'Product Added' }, unlisted: 'reject' }),
    column({ to: 'properties.plan:string', values: { p: 'Pro' } }),
    column({ to: 'x', type: 'string', values: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`v${i}`, 'y'])) }),
  ]) {
    assert.ok(validateSchema(mapping), JSON.stringify(validateSchema.errors));
    assert.equal(await engineError(mapping), null);
  }
});

test('every mapping the schema refuses, the engine refuses, naming the JSON path', async () => {
  for (const [mapping, path] of BAD) {
    assert.equal(validateSchema(mapping), false, `the schema takes ${JSON.stringify(mapping)}`);
    const message = await engineError(mapping);
    assert.ok(message, `the engine takes ${JSON.stringify(mapping)}`);
    assert.ok(message.includes(`\n  ${path}: `), `${JSON.stringify(mapping)}: ${message}`);
  }
});

test('what only the engine can check: date formats, paths, and JSON itself', async () => {
  assert.ok(validateSchema(column({ to: 'timestamp', format: '%Q' })));
  assert.equal(
    await engineError(column({ to: 'timestamp', format: '%Q' })),
    'the mapping has 1 problem, so nothing was sent\n' +
      '  files[0].columns["a"].format: %Q is not a date format; write it with chrono\'s strftime fields, like %d.%m.%Y %H:%M',
  );
  assert.ok((await engineError(column('traits..x'))).includes('files[0].columns["a"]: \'traits..x\': the path has an empty part'));
  assert.equal(await engineError('{"files": ['), 'the mapping has 1 problem, so nothing was sent\n  not valid JSON: EOF while parsing a list at line 1 column 11');
  // A date's form and range, and a header's bytes.
  assert.ok(validateSchema(rule({ call: 'track', set: { timestamp: 'yesterday', 'properties.createdAt': '-99999999999' } })));
  assert.equal(
    await engineError(rule({ call: 'track', set: { timestamp: 'yesterday', 'properties.createdAt': '-99999999999' } })),
    'the mapping has 2 problems, so nothing was sent\n' +
      "  files[0].set[\"properties.createdAt\"]: properties.createdAt takes a date: '-99999999999' reads as the year -1199 as Unix seconds, outside the years 1900 to 2200; fix the cell\n" +
      "  files[0].set[\"timestamp\"]: timestamp takes a date: cannot read 'yesterday' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds",
  );
  assert.ok(validateSchema(rule({ header: ['a'.repeat(40000), 'b'.repeat(40000)] })));
  assert.ok((await engineError(rule({ header: ['a'.repeat(40000), 'b'.repeat(40000)] }))).includes('files[0].header: the names make a header of 80001 bytes'));
});

test('the values, names and columns the schema takes at its limits, the engine takes', async () => {
  const atLimits = [
    rule({ call: 'track', set: { event: 'Signed Up', timestamp: '2024-05-01', anonymousId: '5', 'integrations.All': false, 'integrations.Amplitude': { session_id: 1 }, 'properties.note': 'x'.repeat(32766) } }),
    rule({ call: 'identify', set: { event: { x: 1 }, 'traits.tags': ['a'] } }),
    rule({ call: 'object', collection: 'rooms', set: { beds: 2, pets: true, name: 'Loft' } }),
    rule({ columns: Object.fromEntries(Array.from({ length: 32768 }, (_, i) => [i.toString(36), null])) }),
    rule({ header: Array(32768).fill('a') }),
  ];
  for (const mapping of atLimits) {
    assert.ok(validateSchema(mapping), JSON.stringify(validateSchema.errors));
    assert.equal(await engineError(mapping), null);
  }
});
