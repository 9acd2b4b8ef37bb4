// The engine as Node hosts use it: the loader, streaming, sentAt, validate and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEngine, stampSentAt } from '../../../js/index.mjs';
import { writeWorkbook } from '../../support/xlsx-writer.mjs';

const sample = (name) => readFile(new URL(`../../../samples/${name}`, import.meta.url));
const decode = (bytes) => JSON.parse(new TextDecoder().decode(bytes));

test('the track sample streams through in small chunks with exact payloads', async () => {
  const { Ingest } = await loadEngine();
  const bytes = await sample('track_1.csv');
  const ingest = new Ingest('uploads/track_1.csv', 's3://bucket/track_1.csv#etag');
  for (let i = 0; i < bytes.length; i += 7) ingest.write(bytes.subarray(i, i + 7));
  ingest.finish();
  const batch = ingest.nextBatch();
  assert.equal(ingest.nextBatch(), undefined);
  stampSentAt(batch, new Date('2026-11-27T03:19:13.000Z'));
  const body = decode(batch.body);
  assert.equal(body.sentAt, '2026-11-27T03:19:13.000Z');
  assert.equal(body.batch.length, 4);
  const [first] = body.batch;
  // The same id the Rust engine gives for this identity and row offset (tests/engine.rs).
  assert.equal(first.messageId, 'f0730e7a-9ddc-83f1-8108-97f1dd32927a');
  delete first.messageId;
  assert.deepEqual(first, {
    type: 'track',
    userId: '1',
    event: 'test event',
    properties: { name: 'Tyler Ortiz', plan: 'bronze', accountType: 'Facebook' },
    context: { device: { id: '1' }, library: { name: 'csv2segment', version: '0.1.0' } },
    timestamp: '2019-05-11T20:32:27.940Z',
  });
  const report = ingest.report();
  assert.deepEqual(
    [report.rows, report.events, report.rejected, report.batches, report.inputBytes],
    [4, 4, 0, 1, bytes.length],
  );
  assert.deepEqual(ingest.progress(), { rows: 4, events: 4, rejected: 0, batches: 1, inputBytes: bytes.length });
  ingest.free();
});

test('validate reports rejections and the first payloads without sending', async () => {
  const { validate } = await loadEngine();
  const csv = 'userId,event,timestamp\n1,Signed Up,1557606747\n2,Signed Up,yesterday\n';
  const { report, payloads } = validate(new TextEncoder().encode(csv), 'track_signups.csv');
  assert.equal(payloads.length, 1);
  assert.equal(payloads[0].timestamp, '2019-05-11T20:32:27.000Z');
  assert.deepEqual(report.rejections, [
    {
      line: 3,
      offset: 46,
      column: 3,
      field: 'timestamp',
      reason:
        "cannot read 'yesterday' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds",
      message:
        "line 3, column 3 (timestamp): cannot read 'yesterday' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds",
      row: '2,Signed Up,yesterday',
    },
  ]);
});

test('a rejects CSV comes back for the host to store', async () => {
  const { Ingest } = await loadEngine();
  const ingest = new Ingest('identify_x.csv', 'x');
  ingest.write(new TextEncoder().encode('userId,traits.plan\n,pro\n1,basic\n'));
  ingest.finish();
  assert.equal(
    new TextDecoder().decode(ingest.rejectsCsv()),
    'userId,traits.plan,csv2segment_error\n,pro,"line 2, column 1 (userId): userId and anonymousId are both empty; fill in at least one"\n',
  );
  ingest.free();
});

test('errors are Error objects with a code and the engine message', async () => {
  const { Ingest, parseKey } = await loadEngine();
  assert.throws(() => parseKey('exports/users.csv'), {
    name: 'Csv2SegmentError',
    code: 'file_name',
    message:
      'users.csv: the file name does not say which call to make; start it with identify_, track_, page_, screen_, group_, alias_ or object_<collection>_ (for example track_2024-05.csv)',
  });
  const ingest = new Ingest('track_x.csv', 'x');
  assert.throws(() => ingest.write(new TextEncoder().encode('email,plan\n')), {
    code: 'header',
    message:
      'track_x.csv: the header has 2 problems, so nothing was sent\n' +
      '  missing column event: track calls need a event column; add it to the header\n' +
      '  missing column userId: track calls need a userId or anonymousId column; add it to the header',
  });
  assert.throws(() => ingest.finish(), { code: 'header' });
  assert.throws(() => new Ingest('track_x.csv', 'x', { maxBatchEvents: 5000 }), {
    message: 'invalid option: maxBatchEvents must be from 1 to 2500, not 5000',
  });
  assert.deepEqual(parseKey('a/object_product_variants__2024.tsv.gz'), {
    name: 'object_product_variants__2024.tsv.gz',
    kind: 'object',
    collection: 'product_variants',
    delimiter: '\t',
    gzip: true,
  });
});

test('nextBatchInto writes the body into the buffer given, or a new array when it does not fit', async () => {
  const { Ingest } = await loadEngine();
  const csv = new TextEncoder().encode('userId,event\n1,a\n2,b\n3,c\n');
  const buffer = new Uint8Array(4096);
  const run = (take) => {
    const ing = new Ingest('track_x.csv', 'test://into', { maxBatchEvents: 2 });
    ing.write(csv);
    ing.finish();
    const out = [];
    // Copied as they come: the views of one buffer are overwritten by the next body.
    for (let b = take(ing); b; b = take(ing)) out.push({ ...b, body: [...b.body], shared: b.body.buffer === buffer.buffer });
    ing.free();
    return out;
  };
  const plain = run((ing) => ing.nextBatch());
  const into = run((ing) => ing.nextBatchInto(buffer));
  assert.equal(plain.length, 2);
  assert.deepEqual(plain.map((b) => b.shared), [false, false]);
  assert.deepEqual(into, plain.map((b) => ({ ...b, shared: true })));
  const small = run((ing) => ing.nextBatchInto(new Uint8Array(8)));
  assert.deepEqual(small, plain);
  assert.equal(new Ingest('track_x.csv', 'x').maxBodyBytes, 475 * 1024);
  assert.equal(new Ingest('track_x.csv', 'x', { maxBatchBytes: 100000 }).maxBodyBytes, 100000);
});

test('skipBatch drops each body nextBatch would give and gives its size, for a CSV and a workbook', async () => {
  const engine = await loadEngine();
  const rows = [['userId', 'event'], ...Array.from({ length: 7 }, (_, i) => [`u${i}`, `E${i}`])];
  const csv = new TextEncoder().encode(rows.map((r) => r.join(',')).join('\n'));
  const dir = await mkdtemp(join(tmpdir(), 'skip-'));
  const path = join(dir, 'track_x.xlsx');
  await writeWorkbook(path, { rows: () => rows });
  const xlsx = new Uint8Array(await readFile(path));
  await rm(dir, { recursive: true });
  /** Every body's size and the report's counts, each body taken by `take`. */
  const run = (/** @type {boolean} */ workbook, /** @type {(ing: any) => number | undefined} */ take) => {
    const ing = workbook ? new engine.WorkbookIngest('track_x.xlsx', 'test://skip', { maxBatchEvents: 3 }, xlsx.length) : new engine.Ingest('track_x.csv', 'test://skip', { maxBatchEvents: 3 });
    const sizes = [];
    if (workbook) {
      for (let r = ing.wants(); r; r = ing.wants()) {
        ing.write(xlsx.subarray(r.start, r.end));
        for (let n = take(ing); n !== undefined; n = take(ing)) sizes.push(n);
      }
    } else ing.write(csv);
    ing.finish();
    for (let n = take(ing); n !== undefined; n = take(ing)) sizes.push(n);
    const { rows: read, events, batches } = ing.report();
    ing.free();
    return { sizes, read, events, batches };
  };
  for (const workbook of [false, true]) {
    const sent = run(workbook, (ing) => ing.nextBatch()?.body.length);
    assert.equal(sent.sizes.length, 3, workbook ? 'workbook' : 'csv');
    assert.equal(sent.events, 7);
    assert.deepEqual(run(workbook, (ing) => ing.skipBatch()), sent, workbook ? 'workbook' : 'csv');
  }
});

test('a wrong option is a Csv2SegmentError with code options, naming the choices', async () => {
  const { Ingest } = await loadEngine();
  assert.throws(() => new Ingest('track_x.csv', 'x', { empty: 'bogus' }), {
    name: 'Csv2SegmentError',
    code: 'options',
    message: 'invalid option: unknown variant `bogus`, expected one of `omit`, `null`, `string`',
  });
  assert.throws(() => new Ingest('track_x.csv', 'x', { nope: 1 }), {
    name: 'Csv2SegmentError',
    code: 'options',
    message: "invalid option: unknown option 'nope'; the options are empty, typing, maxRejections, samplePayloads, maxBatchBytes, maxBatchEvents, maxObjectsPerRequest, maxRecordBytes, mapping, mappingKey, mappingETag",
  });
});

test('pieces: Splitter, resume, suspend and combineParts give the whole file back', async () => {
  const { Ingest, Splitter, combineParts, partsChain } = await loadEngine();
  const text = 'userId,event,properties.n\n1,"A\nB",x\n2,bad,row,extra\n3,C,"é,\n"\n4,D,z';
  const bytes = new TextEncoder().encode(text);
  const splitter = new Splitter('track_p.csv', 10);
  for (let i = 0; i < bytes.length; i += 3) splitter.write(bytes.subarray(i, i + 3));
  const split = splitter.finish();
  assert.equal(split.header, 'userId,event,properties.n');
  assert.deepEqual(
    split.shards.map((s) => [s.start.offset, s.start.line, s.end]),
    [
      [26, 2, 36],
      [36, 4, 52],
      [52, 5, 63],
      [63, 7, 68],
    ],
  );

  const ids = [];
  const parts = split.shards.map((shard, i) => {
    // The first piece starts at the file's start and reads the header itself.
    const ing = i === 0 ? new Ingest('track_p.csv', 'id') : Ingest.resume('track_p.csv', 'id', undefined, split.header, shard.start.offset, shard.start.line);
    ing.write(bytes.subarray(i === 0 ? 0 : shard.start.offset, shard.end));
    ing.finish();
    for (let b = ing.nextBatch(); b; b = ing.nextBatch()) ids.push(...decode(b.body).batch.map((e) => e.messageId));
    const part = { start: i === 0 ? { offset: 0, line: 1 } : shard.start, end: ing.position(), last: i === split.shards.length - 1, report: ing.report() };
    ing.free();
    return part;
  });
  const whole = new Ingest('track_p.csv', 'id');
  whole.write(bytes);
  whole.finish();
  assert.deepEqual(ids, decode(whole.nextBatch().body).batch.map((e) => e.messageId));

  assert.deepEqual(partsChain(parts.map(({ report, ...rest }) => (void report, rest))), [0, 1, 2, 3]);
  assert.equal(partsChain(parts.slice(1)), undefined);
  const combined = combineParts('track_p.csv', split.header, [...parts].reverse());
  assert.deepEqual([combined.report.rows, combined.report.events, combined.report.rejected, combined.report.inputBytes], [4, 3, 1, 68]);
  assert.equal(combined.report.rejections[0].line, 4);
  assert.equal(new TextDecoder().decode(combined.rejectsCsv), new TextDecoder().decode(whole.rejectsCsv()));

  // suspend: the place the next piece starts, and the rows before it in the bodies.
  const first = new Ingest('track_p.csv', 'id');
  first.write(bytes.subarray(0, 40));
  assert.deepEqual(first.suspend(), { offset: 36, line: 4 });
  assert.equal(first.nextBatch().events, 1);
  assert.throws(() => first.write(bytes), /finished/);
});

test('pieces: bad positions and shard sizes are Csv2SegmentErrors', async () => {
  const { Ingest, Splitter } = await loadEngine();
  assert.throws(() => Ingest.resume('track_p.csv', 'id', undefined, 'userId,event', -1, 1), { name: 'Csv2SegmentError', code: 'options', message: /invalid position: offset -1 and line 1 must be whole numbers/ });
  assert.throws(() => Ingest.resume('track_p.csv', 'id', undefined, 'userId,event', 5, 0), { code: 'options' });
  assert.throws(() => new Splitter('track_p.csv', 0), { code: 'options', message: 'invalid shard size 0: give a number of bytes, at least 1' });
  assert.throws(() => Ingest.resume('track_p.csv', 'id', undefined, 'userId,nothing.here', 5, 2), { name: 'Csv2SegmentError', code: 'header' });
  assert.throws(() => new Splitter('track_p.csv', 10, 0), { code: 'options', message: 'invalid option: maxRecordBytes must be from 1 to 1073741824, not 0' });
  assert.throws(() => new Splitter('track_p.csv', 10, 1.5), { code: 'options', message: 'invalid option: maxRecordBytes must be a whole number of bytes, not 1.5' });
});

test('the splitter cuts where the engine with the same maxRecordBytes reads rows', async () => {
  const { Ingest, Splitter } = await loadEngine();
  // Line 3's quote runs past a 16-byte limit: the row ends at its line, and line 4 is a row.
  const bytes = new TextEncoder().encode('userId,event\nu1,A\nu2,"B\nu3,C,and more text\nu4,D\n');
  const splitter = new Splitter('track_p.csv', 1, 16);
  splitter.write(bytes);
  const starts = splitter.finish().shards.map((s) => [s.start.offset, s.start.line]);
  assert.deepEqual(starts, [[13, 2], [18, 3], [24, 4], [43, 5]]);
  const ing = new Ingest('track_p.csv', 'id', { maxRecordBytes: 16 });
  ing.write(bytes);
  ing.finish();
  while (ing.nextBatch());
  assert.deepEqual(ing.report().rejections.map((r) => [r.line, r.offset, r.message]), [
    [3, 18, 'line 3: the row is over 16 bytes; a quote opened at column 2 is probably never closed (the row ends at the first line break after it)'],
    [4, 24, 'line 4: the row is over 16 bytes; check for a missing line break, or raise maxRecordBytes'],
  ]);
  ing.free();
});

test('validate takes (bytes, key, identity, options), as the Rust validate and new Ingest do', async () => {
  const { Ingest, validate } = await loadEngine();
  const csv = new TextEncoder().encode('userId,event\n1,Signed Up\n2,Signed Up\n');
  const { payloads, report } = validate(csv, 'track_signups.csv', 's3://bucket/track_signups.csv#e1', { samplePayloads: 1 });
  assert.equal(payloads.length, 1);
  assert.equal(report.events, 2);
  const ingest = new Ingest('track_signups.csv', 's3://bucket/track_signups.csv#e1');
  ingest.write(csv);
  ingest.finish();
  const sent = decode(ingest.nextBatch().body).batch[0];
  ingest.free();
  assert.equal(payloads[0].messageId, sent.messageId);
  // The default identity is validate:<key>: another messageId.
  assert.notEqual(validate(csv, 'track_signups.csv', undefined, { samplePayloads: 1 }).payloads[0].messageId, sent.messageId);
});
