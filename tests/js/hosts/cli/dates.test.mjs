// A time that cannot be meant, on the CLI: a mapping whose format reads a date outside the years
// 1900-2200 gets the row rejected with the engine's message (built in src/base/reason.rs,
// Reason::TimestampRange; the fix is looked for in src/map/date_format.rs), status 1 as for any
// rejected row, and the other rows sent.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli as cli } from '../../../support/run.mjs';

const YEAR_8 = "line 2, column 3 (Order Date): '08-11-16' reads as the year 8 with %Y-%m-%d; is it %d-%m-%y?";

let dir;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-dates-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const files = async () => {
  const file = path.join(dir, 'orders.csv');
  await writeFile(file, 'Customer,Total,Order Date\nc1,10,08-11-16\nc2,12,2016-11-09\n');
  const mapping = path.join(dir, 'csv2segment.json');
  const rule = {
    match: 'orders*.csv',
    call: 'track',
    columns: { Customer: 'userId', Total: 'properties.total', 'Order Date': { to: 'timestamp', format: '%Y-%m-%d' } },
    set: { event: 'Order Completed' },
  };
  await writeFile(mapping, JSON.stringify({ files: [rule] }));
  return { file, mapping };
};

test('validate: a date read as the year 8 is rejected naming the likely format, status 1', async () => {
  const { file, mapping } = await files();
  const r = await cli(['validate', '--mapping', mapping, file]);
  assert.deepEqual(
    { code: r.code, stdout: r.stdout, stderr: r.stderr },
    { code: 1, stdout: `${file}: track calls: 2 rows, 1 event, 1 rejected; 1 request to send\n  ${YEAR_8}\n`, stderr: '' },
  );
  const [result] = JSON.parse((await cli(['validate', '--json', '--mapping', mapping, file])).stdout);
  assert.deepEqual(
    result.report.rejections.map(({ line, column, reason }) => ({ line, column, reason })),
    [{ line: 2, column: 3, reason: YEAR_8.replace('line 2, column 3 (Order Date): ', '') }],
  );
});

test('preview: the row in range is the only payload, with its time', async () => {
  const { file, mapping } = await files();
  const r = await cli(['preview', '--mapping', mapping, file]);
  assert.equal(r.code, 1);
  const payloads = r.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(payloads.map((p) => [p.userId, p.timestamp]), [['c2', '2016-11-09T00:00:00.000Z']]);
  assert.equal(r.stderr, `${file}: track calls: 2 rows, 1 event, 1 rejected; 1 request to send\n  ${YEAR_8}\n`);
});
