// The host loop for workbooks (js/core/workbook-run.mjs) as a Lambda or a Worker runs it: ranges
// read by a readRange the host brings, a run out of time suspended at a sheet row and resumed
// from it until done, every event delivered once with a single run's messageIds.
import assert from 'node:assert/strict';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadEngine } from '../../../js/core/engine.mjs';
import { ingestWorkbook } from '../../../js/core/workbook-run.mjs';
import { writeWorkbook } from '../../support/xlsx-writer.mjs';

let dir;
let file;
let size;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-workbook-run-'));
  file = path.join(dir, 'track_views.xlsx');
  await writeWorkbook(file, {
    rows: function* () {
      yield ['userId', 'event', 'properties.n'];
      for (let i = 1; i <= 20_000; i++) yield [`u${i}`, i % 1000 === 0 ? '' : 'Viewed', i];
    },
  });
  size = (await stat(file)).size;
});
after(() => rm(dir, { recursive: true, force: true }));

/** The file's bytes from `start` to `end`, in chunks of 16 KB, as a ranged GET streams them. */
async function* readRange(start, end) {
  const fh = await open(file, 'r');
  try {
    for (let at = start; at < end; at += 16_384) {
      const buffer = new Uint8Array(Math.min(16_384, end - at));
      await fh.read(buffer, 0, buffer.length, at);
      yield buffer;
    }
  } finally {
    await fh.close();
  }
}

/** A sender that keeps each event. */
function keeper() {
  const events = [];
  return {
    events,
    async send(batch) {
      events.push(...JSON.parse(new TextDecoder().decode(batch.body)).batch);
      batch.release?.();
    },
    async flush() {
      return { delivered: events.length };
    },
  };
}

test('a run always out of time goes on piece by piece, giving a single run\'s events', async () => {
  const engine = await loadEngine();
  const job = { engine, key: 'track_views.xlsx', identity: 's3://b/track_views.xlsx#e1', options: {}, size, readRange };
  const single = keeper();
  const whole = await ingestWorkbook({ ...job, sender: single });
  assert.equal(whole.status, 'done');
  assert.deepEqual([whole.report.rows, whole.report.events, whole.report.rejected], [20_000, 19_980, 20]);
  assert.deepEqual(whole.position, { offset: 20_002, line: 20_002 });

  const pieces = keeper();
  let resume;
  let runs = 0;
  const rejected = [];
  for (;;) {
    // suspendAt 0: every piece is out of time as soon as it has read past its place.
    const r = await ingestWorkbook({ ...job, sender: pieces, suspendAt: 0, resume });
    runs++;
    rejected.push(...r.report.rejections.map((x) => x.message));
    if (r.status === 'done') break;
    assert.equal(r.status, 'suspended');
    assert.ok(!resume || r.position.offset > resume.at.offset, `${JSON.stringify(r.position)} after ${JSON.stringify(resume)}`);
    resume = { at: r.position };
  }
  assert.ok(runs > 5, `${runs} runs`);
  assert.deepEqual(pieces.events.map((e) => e.messageId), single.events.map((e) => e.messageId));
  assert.deepEqual(pieces.events, single.events);
  assert.deepEqual(rejected, whole.report.rejections.map((x) => x.message));
});

test('a workbook that cannot be read, or a name that makes no call, is unprocessable', async () => {
  const engine = await loadEngine();
  const bad = await ingestWorkbook({ engine, key: 'views.xlsx', identity: 'x', options: {}, size, readRange });
  assert.equal(bad.status, 'unprocessable');
  assert.match(bad.report.error, /^views\.xlsx: the file name does not say which call to make/);
  const cut = await ingestWorkbook({ engine, key: 'track_views.xlsx', identity: 'x', options: {}, size: size - 30, readRange });
  assert.deepEqual([cut.status, cut.report.error], ['unprocessable', 'the workbook cannot be read: its end of central directory record is missing; open it in Excel and save it again']);
});
