// A time that cannot be meant, on the Lambda: moto's S3 server and the strict Segment server. A
// mapping whose format reads a date outside the years 1900-2200 gets the row rejected with the
// engine's message (src/base/reason.rs, Reason::TimestampRange), in the report and the rejects
// CSV, and the row is never sent; the other rows are. A `set` time out of range is the mapping's
// error: nothing is sent. The CLI's own test is tests/js/hosts/cli/dates.test.mjs.
import assert from 'node:assert/strict';
import { before, beforeEach, describe, test } from 'node:test';
import { LAMBDA_CONTEXT, useLambdaStack } from '../../../support/lambda-stack.mjs';
import { CSV, REASON, REJECTION, RULE } from '../../../support/out-of-range-date.mjs';

const WRITE_KEY = 'wk_lambda_dates_7e6d5c';
const BUCKET = 'csv-dates';
const FAST = { baseMs: 5, maxMs: 50, maxAttempts: 5 };

describe('Lambda: times out of range', () => {
  const stack = useLambdaStack({ bucket: BUCKET, writeKey: WRITE_KEY, seed: 5 });
  let seg;
  let logs;
  before(() => ({ seg } = stack));
  beforeEach(() => {
    seg.reset();
    logs = [];
  });

  const handler = () => stack.handler({ log: (line) => logs.push(line), sender: { retry: FAST } });
  const put = (key, body) => stack.put(key, body);
  const getText = (key) => stack.getText(key);

  test('a date read as the year 8: rejected in the report and the rejects CSV with the likely format, never sent; the other rows are', async () => {
    await put('shop/csv2segment.json', JSON.stringify({ files: [RULE] }));
    const key = 'shop/orders_2016.csv';
    assert.deepEqual(await handler()({ Records: [await put(key, CSV)] }, LAMBDA_CONTEXT), { processed: 1 });

    // The stand-in received exactly the two rows in range, with their times.
    assert.deepEqual(
      seg.events.map((e) => [e.type, e.userId, e.event, e.properties, e.timestamp]),
      [
        ['track', 'c1', 'Order Completed', { total: 10 }, '2016-11-08T00:00:00.000Z'],
        ['track', 'c3', 'Order Completed', { total: 14 }, '2016-11-09T00:00:00.000Z'],
      ],
    );
    const report = JSON.parse(await getText(`csv2segment-reports/${key}.report.json`));
    assert.deepEqual([report.status, report.rows, report.events, report.rejected, report.delivery.events], ['done', 3, 2, 1, 2]);
    assert.deepEqual(report.rejections, [REJECTION]);
    assert.equal(
      await getText(`csv2segment-reports/${key}.rejected.csv`),
      `Customer,Total,Order Date,csv2segment_error\nc2,12,08-11-16,"line 3, column 3 (Order Date): ${REASON}"\n`,
    );
    assert.deepEqual(logs.map((l) => JSON.parse(l)).map((l) => [l.level, l.status, l.rejected, l.delivered]), [['warn', 'done', 1, 2]]);
  });

  test('a set timestamp read as the year 8 is the mapping\'s error: the report says so, nothing is sent', async () => {
    await put('fixed/csv2segment.json', JSON.stringify({ files: [{ ...RULE, columns: { Customer: 'userId', Total: 'properties.total:number', 'Order Date': null }, set: { event: 'Order Completed', timestamp: '0008-11-16' } }] }));
    const key = 'fixed/orders_2016.csv';
    assert.deepEqual(await handler()({ Records: [await put(key, CSV)] }, LAMBDA_CONTEXT), { processed: 1 });
    assert.equal(seg.stats().requests, 0);
    const report = JSON.parse(await getText(`csv2segment-reports/${key}.report.json`));
    assert.equal(report.status, 'unprocessable');
    assert.equal(
      report.error,
      'fixed/csv2segment.json: the mapping has 1 problem, so nothing was sent\n' +
        '  files[0].set["timestamp"]: timestamp takes a date: \'0008-11-16\' reads as the year 8, outside the years 1900 to 2200; fix the cell',
    );
  });
});
