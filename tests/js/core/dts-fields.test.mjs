// The objects the engine hands to JavaScript have exactly the fields that pkg/csv2segment.d.ts
// declares: the declarations are read with the TypeScript compiler API (the pinned package),
// and every interface the binding returns is compared with real return values, nested
// interfaces included. A field added on one side only fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';
import { loadEngine } from '../../../js/index.mjs';

const DTS = new URL('../../../pkg/csv2segment.d.ts', import.meta.url);

/** Every interface of the .d.ts: name → its properties, each with whether it is optional and its type's text. */
function declaredInterfaces() {
  const source = ts.createSourceFile('csv2segment.d.ts', readFileSync(DTS, 'utf8'), ts.ScriptTarget.Latest, true);
  const interfaces = new Map();
  const visit = (node) => {
    if (ts.isInterfaceDeclaration(node)) {
      const props = new Map();
      for (const m of node.members) {
        if (ts.isPropertySignature(m)) props.set(m.name.getText(source), { optional: Boolean(m.questionToken), type: m.type?.getText(source) ?? '' });
      }
      interfaces.set(node.name.text, props);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return interfaces;
}

const INTERFACES = declaredInterfaces();

/** The interfaces the binding returns, each of whose fields some value below must carry. */
const RETURNED = ['Batch', 'ColumnInfo', 'Combined', 'Draft', 'DraftNote', 'FileInfo', 'GroupNotes', 'HeaderError', 'MappingUsed', 'Position', 'Progress', 'Rejection', 'Report', 'Shard', 'Split', 'Validation'];

/** The interface a property's type names, if one: `Report | null`, `ColumnInfo[]`, `FileInfo`. */
function namedInterface(type) {
  const names = type
    .split('|')
    .map((t) => t.trim().replace(/\[\]$/, ''))
    .filter((t) => !['null', 'undefined'].includes(t));
  return names.length === 1 && INTERFACES.has(names[0]) ? names[0] : null;
}

/**
 * Asserts that `value`'s own keys are interface `name`'s properties (optional ones may be
 * absent), and the same of every nested value whose declared type is an interface. Records
 * which keys were seen, for the check that every declared field turned up somewhere.
 */
function checkShape(name, value, seen, where = name) {
  const props = INTERFACES.get(name);
  assert.ok(props, `pkg/csv2segment.d.ts declares no interface ${name}`);
  assert.equal(typeof value, 'object', `${where}: not an object`);
  assert.notEqual(value, null, `${where}: null`);
  const keys = Object.keys(value).sort();
  const required = [...props].filter(([, p]) => !p.optional).map(([k]) => k);
  assert.deepEqual(keys.filter((k) => !props.has(k)), [], `${where}: fields the .d.ts does not declare`);
  assert.deepEqual(required.filter((k) => !keys.includes(k)).sort(), [], `${where}: declared fields that are missing`);
  if (!seen.has(name)) seen.set(name, new Set());
  for (const k of keys) seen.get(name).add(k);
  for (const k of keys) {
    const inner = namedInterface(props.get(k).type);
    const v = value[k];
    if (!inner || v === null || v === undefined) continue;
    if (props.get(k).type.includes('[]')) v.forEach((item, i) => checkShape(inner, item, seen, `${where}.${k}[${i}]`));
    else checkShape(inner, v, seen, `${where}.${k}`);
  }
}

const bytes = (text) => new TextEncoder().encode(text);

test('the binding returns exactly the fields pkg/csv2segment.d.ts declares', async () => {
  const engine = await loadEngine();
  const seen = new Map();
  const check = (name, value) => checkShape(name, value, seen);

  // A mapped file: a dropped column (ColumnInfo.dropped), a rejected row, the mapping used.
  const mapping = JSON.stringify({ files: [{ match: 'signups*.csv', call: 'track', columns: { Who: 'userId', What: 'event', When: 'timestamp', Junk: null } }] });
  const options = { mapping, mappingKey: 'csv2segment.json', mappingETag: '"e1"', samplePayloads: 2 };
  const csv = 'Who,What,When,Junk\n1,Signed Up,1557606747,x\n2,Signed Up,yesterday,y\n3,Signed Up,1557606748,z\n';
  const ing = new engine.Ingest('signups.csv', 'test:signups', options);
  check('FileInfo', ing.file);
  ing.write(bytes(csv));
  check('Progress', ing.progress());
  check('Position', ing.position());
  ing.finish();
  check('Batch', ing.nextBatchInto(new Uint8Array(ing.maxBodyBytes)));
  assert.equal(ing.nextBatch(), undefined);
  const report = ing.report();
  assert.equal(report.rejected, 1);
  assert.ok(report.columns.some((c) => c.dropped));
  check('Report', report);
  ing.free();

  // A /v1/batch body, and a suspended run's position.
  const plain = new engine.Ingest('track_x.csv', 'test:x');
  plain.write(bytes('userId,event\n1,A\n2,B\n'));
  check('Position', plain.suspend());
  check('Batch', plain.nextBatch());
  plain.free();

  // A line-item file read through a mapping's group: rows sent inside an order's event, an
  // order-level cell that disagrees, and an order that comes back.
  const grouped = JSON.stringify({
    files: [{ match: 'orders*.csv', call: 'track', group: 'Order', columns: { Order: 'properties.order_id', Email: 'userId', Total: 'properties.total:number', Sku: 'properties.products[].sku' }, set: { event: 'Order Completed' } }],
  });
  const orders = 'Order,Email,Total,Sku\nA1,a@example.com,30,S1\nA1,,31,S2\nA2,b@example.com,5,S3\nA1,a@example.com,30,S4\n';
  const groupedReport = engine.validate(bytes(orders), 'orders.csv', 'test:orders', { mapping: grouped }).report;
  assert.deepEqual([groupedReport.rows, groupedReport.events, groupedReport.groupedRows], [4, 3, 1]);
  check('Report', groupedReport);
  // Rejected orders: one listed whole (its rows' group), one too large for the report's room.
  const rejectedOrders = 'Order,Email,Total,Sku\nB1,a@example.com,x,S1\nB1,,,S2\nB2,b@example.com,y,S3\nB2,,,S4\n';
  const rejectedReport = engine.validate(bytes(rejectedOrders), 'orders.csv', 'test:orders', { mapping: grouped, maxRejections: 3 }).report;
  assert.deepEqual(rejectedReport.rejections.map((r) => [r.line, r.group]), [[2, 2], [3, 2]]);
  assert.equal(rejectedReport.unlistedGroups.count, 1);
  check('Report', rejectedReport);

  check('FileInfo', engine.parseKey('identify_users.csv.gz'));
  check('Validation', engine.validate(bytes(csv), 'signups.csv', 'test:v', options));
  // A header the engine refuses: headerErrors, and a report without a file.
  const refused = engine.validate(bytes('userId,properties..x\n1,2\n'), 'track_bad.csv');
  assert.ok(refused.report.headerErrors.length > 0);
  check('Validation', refused);
  check('Validation', engine.validate(bytes('a\n'), 'nope.csv'));

  const draft = engine.draftMapping('signups.csv', bytes('Email,Signup Date,Plan\na@example.com,03/04/2024,gold\n'), true);
  assert.ok(draft.notes.length > 0);
  check('Draft', draft);

  // A split, suspended and finished.
  const lines = Array.from({ length: 40 }, (_, i) => `${i},Event ${i}\n`).join('');
  const splitter = new engine.Splitter('track_big.csv', 100);
  splitter.write(bytes(`userId,event\n${lines}`));
  const early = splitter.suspend();
  assert.deepEqual(Object.keys(early).sort(), ['next', 'split']);
  check('Split', early.split);
  check('Position', early.next);
  splitter.free();
  const whole = new engine.Splitter('track_big.csv', 100);
  whole.write(bytes(`userId,event\n${lines}`));
  const split = whole.finish();
  check('Split', split);
  whole.free();

  // Two pieces, combined; rows without a userId are rejected, for the rejects CSV.
  const head = new engine.Ingest('track_big.csv', 'test:big');
  head.write(bytes('userId,event\n,A\n'));
  const cut = head.suspend();
  while (head.nextBatch());
  const parts = [{ start: { offset: 0, line: 1 }, end: cut, last: false, report: head.report() }];
  head.free();
  const tail = engine.Ingest.resume('track_big.csv', 'test:big', undefined, 'userId,event', cut.offset, cut.line);
  tail.write(bytes(',B\n'));
  tail.finish();
  while (tail.nextBatch());
  parts.push({ start: cut, end: tail.position(), last: true, report: tail.report() });
  tail.free();
  const combined = engine.combineParts('track_big.csv', 'userId,event', parts);
  assert.ok(combined.rejectsCsv instanceof Uint8Array);
  check('Combined', combined);

  // Every declared field of every returned interface turned up in some value above.
  for (const name of RETURNED) {
    assert.deepEqual([...(seen.get(name) ?? [])].sort(), [...INTERFACES.get(name).keys()].sort(), `${name}: declared fields no value carried`);
  }
});

test('the check fails for a field on one side only', () => {
  const seen = new Map();
  const position = { offset: 0, line: 1 };
  assert.throws(() => checkShape('Position', { ...position, extra: 1 }, seen), /fields the .d.ts does not declare/);
  assert.throws(() => checkShape('Position', { offset: 0 }, seen), /declared fields that are missing/);
  assert.throws(() => checkShape('Shard', { start: { offset: 0 }, end: 5 }, seen), /Shard.start: declared fields that are missing/);
  checkShape('Position', position, seen);
});

test("the package's types (js/index.d.ts) re-export every type and class the engine declares", () => {
  const engine = ts.createSourceFile('csv2segment.d.ts', readFileSync(DTS, 'utf8'), ts.ScriptTarget.Latest, true);
  const declared = engine.statements
    .filter((s) => ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isClassDeclaration(s))
    .map((s) => s.name?.text)
    .filter((name) => name && !name.startsWith('Init') && !['SyncInitInput'].includes(name))
    .sort();
  const index = ts.createSourceFile('index.d.ts', readFileSync(new URL('../../../js/index.d.ts', import.meta.url), 'utf8'), ts.ScriptTarget.Latest, true);
  const exported = index.statements
    .filter((s) => ts.isExportDeclaration(s) && s.moduleSpecifier?.getText(index) === "'../pkg/csv2segment.js'")
    .flatMap((s) => (s.exportClause && ts.isNamedExports(s.exportClause) ? s.exportClause.elements.map((e) => e.name.text) : []))
    .sort();
  assert.ok(declared.includes('Draft') && declared.includes('Ingest'), declared.join(', '));
  assert.deepEqual(exported, declared);
});
