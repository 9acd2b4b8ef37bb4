// The engine's vocabulary() (calls, types, encodings, delimiters, the draft's blank and size, the
// mapping's limits) is what the generated schema takes and what the hosts use: the editor, its
// worker and the CLI keep no copies of their own.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadEngine } from '../../../js/index.mjs';
import { runCli } from '../../support/run.mjs';

const schema = JSON.parse(readFileSync(new URL('../../../schema/csv2segment.schema.json', import.meta.url), 'utf8'));
/** The values an enum of the schema takes, in order. */
const consts = (s) => s.oneOf.map((v) => v.const);

test('the vocabulary is the words the schema takes, and the engine\'s sizes', async () => {
  const engine = await loadEngine();
  const v = engine.vocabulary();
  const rule = schema.$defs.MappingRule.properties;
  assert.deepEqual(v.calls, consts(schema.$defs.CallKind));
  assert.deepEqual(v.types, consts(schema.$defs.ColumnType));
  assert.deepEqual(v.encodings, consts(rule.encoding));
  assert.deepEqual(v.decimals, consts(rule.decimal));
  assert.deepEqual(v.unmapped, consts(rule.unmapped));
  assert.deepEqual(v.delimiters, [',', ';', '\t', '|']);
  assert.equal(v.blankPrefix, '<fill in:');
  assert.equal(v.maxMappingBytes, engine.maxMappingBytes());
  assert.equal(rule.columns.maxProperties, v.maxMappingColumns);
  assert.deepEqual([v.draftSampleBytes, v.maxHeaderBytes, v.maxConstantBytes], [65536, 65536, 32768]);
  // The schema states the group's bound as the engine has it.
  assert.match(rule.group.description, new RegExp(`At most ${v.maxGroupRows} rows a group`));
  // The draft's blank is one the engine refuses.
  const drafted = engine.draftMapping('track_signups.csv', new TextEncoder().encode('Email,Plan\na@example.com,gold\n'), true);
  assert.ok(drafted.rule.set.event.startsWith(v.blankPrefix), drafted.rule.set.event);
  // The list the draft puts an order's items in: the one the schema's group names.
  assert.equal(v.itemsList, 'properties.products[]');
  assert.ok(rule.group.description.includes(`${v.itemsList}.sku`), rule.group.description);
});

test('the CLI\'s map help states the draft size the engine reads', async () => {
  const { draftSampleBytes } = (await loadEngine()).vocabulary();
  const run = await runCli(['help', 'map']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`from the first ${draftSampleBytes / 1024} KB of each FILE`));
});

test('the hosts keep no copies of the vocabulary', () => {
  const read = (p) => readFileSync(new URL(`../../../js/${p}`, import.meta.url), 'utf8');
  const copies = /\b(CALLS|TYPES|ENCODINGS|BLANK|DRAFT_BYTES|DRAFT_KB)\s*=|'<fill in:'|64 \* 1024/;
  for (const file of ['hosts/browser/editor.mjs', 'hosts/browser/validator.worker.mjs', 'hosts/cli/constants.mjs', 'hosts/cli/map.mjs', 'hosts/cli/help.mjs']) {
    assert.doesNotMatch(read(file), copies, file);
  }
});
