// The limits and defaults that pkg/csv2segment.d.ts states for IngestOptions (generated from the
// engine's constants, see src/base/limits.rs's limit!) are the ones the engine keeps: each is read from
// the declaration's doc comment with the TypeScript compiler API and tried on the engine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';
import { MAX_MAPPING_BYTES } from '../../../js/core/mapping.mjs';
import { loadEngine } from '../../../js/index.mjs';

/** IngestOptions' doc comments, by option. */
function optionDocs() {
  const text = readFileSync(new URL('../../../pkg/csv2segment.d.ts', import.meta.url), 'utf8');
  const source = ts.createSourceFile('csv2segment.d.ts', text, ts.ScriptTarget.Latest, true);
  const docs = new Map();
  const visit = (node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === 'IngestOptions') {
      for (const m of node.members) docs.set(m.name.getText(source), ts.getJSDocCommentsAndTags(m).map((d) => d.getText(source)).join('\n'));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return docs;
}

const DOCS = optionDocs();
/** The number the option's doc gives after `words`, like "Default and ceiling". */
function stated(option, words) {
  const match = new RegExp(`${words} (\\d+)`).exec(DOCS.get(option) ?? '');
  assert.ok(match, `IngestOptions.${option}'s doc states no "${words} N": ${DOCS.get(option)}`);
  return Number(match[1]);
}

const bytes = (text) => new TextEncoder().encode(text);
const refusal = (make) => {
  try {
    make();
  } catch (err) {
    return err.message;
  }
  return null;
};

test('the ceilings the .d.ts states are the engine\'s', async () => {
  const { Ingest } = await loadEngine();
  const maxBatchBytes = stated('maxBatchBytes', 'Default and ceiling');
  assert.equal(new Ingest('track_x.csv', 'id').maxBodyBytes, maxBatchBytes);
  for (const option of ['maxBatchBytes', 'maxBatchEvents', 'maxObjectsPerRequest']) {
    const ceiling = stated(option, 'Default and ceiling');
    assert.equal(refusal(() => new Ingest('track_x.csv', 'id', { [option]: ceiling }).free()), null, option);
    assert.match(refusal(() => new Ingest('track_x.csv', 'id', { [option]: ceiling + 1 })), new RegExp(`${option} must be from \\d+ to ${ceiling}, not ${ceiling + 1}`));
  }
});

test('the defaults the .d.ts states are the engine\'s', async () => {
  const { validate } = await loadEngine();
  const rows = (n, cells) => `userId,event\n${Array.from({ length: n }, (_, i) => `${i},${cells(i)}`).join('\n')}\n`;
  const maxRejections = stated('maxRejections', 'Default');
  const rejected = validate(bytes(rows(maxRejections + 1, () => '')), 'track_x.csv');
  assert.equal(rejected.report.rejected, maxRejections + 1);
  assert.equal(rejected.report.rejections.length, maxRejections);
  const forValidate = Number(/\((\d+) for validate\)/.exec(DOCS.get('samplePayloads'))?.[1]);
  assert.equal(validate(bytes(rows(forValidate + 1, () => 'E')), 'track_x.csv').payloads.length, forValidate);
  const maxRecordBytes = stated('maxRecordBytes', 'Default');
  const row = (length) => `1,${'e'.repeat(length - 2)}`;
  const long = validate(bytes(`userId,event\n${row(maxRecordBytes)}\n${row(maxRecordBytes + 1)}\n`), 'track_x.csv');
  // Both rows are rejected (no event is that large); only the second for its length as a row.
  const overRecord = long.report.rejections.map((r) => /the row is over/.test(r.reason));
  assert.deepEqual(overRecord, [false, true]);
});

test('the mapping limit the .d.ts states is the engine\'s, and maxMappingBytes() gives it', async () => {
  const { Ingest, maxMappingBytes } = await loadEngine();
  const max = stated('mapping', 'At most');
  assert.equal(maxMappingBytes(), max);
  // The hosts refuse a larger mapping object before they read it, by the same number.
  assert.equal(MAX_MAPPING_BYTES, max);
  const mapping = '{"files": [{"match": "*.csv", "call": "track"}]}';
  const at = mapping + ' '.repeat(max - mapping.length);
  assert.equal(refusal(() => new Ingest('x.csv', 'id', { mapping: at }).free()), null);
  assert.equal(
    refusal(() => new Ingest('x.csv', 'id', { mapping: `${at} ` })),
    `the mapping has 1 problem, so nothing was sent\n  the mapping is ${max + 1} bytes; a mapping may be at most ${max} bytes (1 MiB, MAX_MAPPING_BYTES): remove rules, columns or values no file needs`,
  );
});
