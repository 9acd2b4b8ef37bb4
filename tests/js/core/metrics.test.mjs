// metrics.mjs: which log lines are a file's outcome, and the exact Embedded Metric Format object
// and Analytics Engine data point built from them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { METRICS, NAMESPACE, analyticsDataPoint, embeddedMetrics, fileMetrics, writeAnalytics } from '../../../js/core/metrics.mjs';

// A finished file's line as object-run.mjs writes it.
const DONE = { level: 'warn', bucket: 'b', key: 'in/track_a.csv', status: 'done', rows: 10, events: 9, rejected: 1, delivered: 9, failed: 0, requests: 1, retries: 0, ms: 1250, report: 'r' };

describe('fileMetrics', () => {
  test('a finished file: its counts, in seconds', () => {
    assert.deepEqual(fileMetrics(DONE), { Files: 1, FailedFiles: 0, UnprocessableFiles: 0, Rows: 10, Events: 9, Rejected: 1, Delivered: 9, FailedEvents: 0, Requests: 1, Seconds: 1.25, Throttled: 0, PacedSeconds: 0 });
  });

  test('a file Segment refused events of, and one that could not be processed', () => {
    assert.deepEqual(fileMetrics({ ...DONE, delivered: 7, failed: 2, requests: 2 }), { Files: 1, FailedFiles: 0, UnprocessableFiles: 0, Rows: 10, Events: 9, Rejected: 1, Delivered: 7, FailedEvents: 2, Requests: 2, Seconds: 1.25, Throttled: 0, PacedSeconds: 0 });
    const unprocessable = { level: 'warn', key: 'k', status: 'unprocessable', error: 'the header has 1 problem', rows: 0, events: 0, rejected: 0, delivered: 0, failed: 0, requests: 0, ms: 3 };
    assert.deepEqual(fileMetrics(unprocessable), { Files: 1, FailedFiles: 0, UnprocessableFiles: 1, Rows: 0, Events: 0, Rejected: 0, Delivered: 0, FailedEvents: 0, Requests: 0, Seconds: 0.003, Throttled: 0, PacedSeconds: 0 });
  });

  test('a failed attempt counts as a failed file with its requests, and nothing delivered yet', () => {
    const failed = { level: 'error', bucket: 'b', key: 'k', status: 'failed', error: 'delivery stopped', requests: 3, attempts: 12, retries: 9, events: 2500, failedEvents: 0, failedBatches: 0 };
    assert.deepEqual(fileMetrics(failed), { Files: 0, FailedFiles: 1, UnprocessableFiles: 0, Rows: 0, Events: 0, Rejected: 0, Delivered: 0, FailedEvents: 0, Requests: 3, Seconds: 0, Throttled: 0, PacedSeconds: 0 });
  });

  test("the rate's metrics: Segment's 429s met and the seconds the budget held batches back, finished or failed", () => {
    assert.deepEqual(fileMetrics({ ...DONE, throttled: 3, pacedMs: 2500 }), { ...fileMetrics(DONE), Throttled: 3, PacedSeconds: 2.5 });
    const failed = { level: 'error', key: 'k', status: 'failed', error: 'delivery stopped', requests: 9, throttled: 9, pacedMs: 120 };
    assert.deepEqual(fileMetrics(failed), { Files: 0, FailedFiles: 1, UnprocessableFiles: 0, Rows: 0, Events: 0, Rejected: 0, Delivered: 0, FailedEvents: 0, Requests: 9, Seconds: 0, Throttled: 9, PacedSeconds: 0.12 });
  });

  test('other lines are not outcomes: pieces, skips, failed messages, settings', () => {
    for (const fields of [
      { status: 'continued', key: 'k', rows: 5, delivered: 5, ms: 9 },
      { status: 'piece-done', key: 'k', rows: 5, delivered: 5, ms: 9 },
      { status: 'sharded', key: 'k', shards: 4 },
      { status: 'skipped', key: 'k', reason: 'a report of csv2segment' },
      { level: 'error', status: 'failed', error: 'x', messageId: 'm-1' },
      { level: 'error', status: 'failed', error: 'SEGMENT_WRITE_KEY is not set' },
    ]) {
      assert.equal(fileMetrics(fields), null, JSON.stringify(fields));
    }
  });
});

test('embeddedMetrics: the EMF members, every metric declared with its unit under the function name', () => {
  const metrics = fileMetrics(DONE);
  assert.deepEqual(embeddedMetrics(metrics, { functionName: 'csv2segment-prod', timestamp: 1_800_000_000_000 }), {
    _aws: {
      Timestamp: 1_800_000_000_000,
      CloudWatchMetrics: [{
        Namespace: 'csv2segment',
        Dimensions: [['FunctionName']],
        Metrics: [
          { Name: 'Files', Unit: 'Count' },
          { Name: 'FailedFiles', Unit: 'Count' },
          { Name: 'UnprocessableFiles', Unit: 'Count' },
          { Name: 'Rows', Unit: 'Count' },
          { Name: 'Events', Unit: 'Count' },
          { Name: 'Rejected', Unit: 'Count' },
          { Name: 'Delivered', Unit: 'Count' },
          { Name: 'FailedEvents', Unit: 'Count' },
          { Name: 'Requests', Unit: 'Count' },
          { Name: 'Seconds', Unit: 'Seconds' },
          { Name: 'Throttled', Unit: 'Count' },
          { Name: 'PacedSeconds', Unit: 'Seconds' },
        ],
      }],
    },
    FunctionName: 'csv2segment-prod',
    ...metrics,
  });
  assert.equal(NAMESPACE, 'csv2segment');
  // The log line keeps its own fields: no metric name is one of them.
  for (const [name] of METRICS) assert.ok(!(name in DONE), name);
});

describe('Analytics Engine', () => {
  test('analyticsDataPoint: status, bucket and key as blobs, the metrics as doubles in METRICS order', () => {
    assert.deepEqual(analyticsDataPoint(fileMetrics(DONE), DONE), { indexes: ['b'], blobs: ['done', 'b', 'in/track_a.csv'], doubles: [1, 0, 0, 10, 9, 1, 9, 0, 1, 1.25, 0, 0] });
    const http = { key: 'track_x.csv', status: 'done', rows: 1, events: 1, rejected: 0, delivered: 1, failed: 0, requests: 1, ms: 10 };
    assert.deepEqual(analyticsDataPoint(fileMetrics(http), http), { indexes: ['http'], blobs: ['done', 'http', 'track_x.csv'], doubles: [1, 0, 0, 1, 1, 0, 1, 0, 1, 0.01, 0, 0] });
  });

  test('writeAnalytics: a point for an outcome, none for other lines or without a dataset, and a throwing dataset costs only the point', () => {
    const points = [];
    const dataset = { writeDataPoint: (p) => points.push(p) };
    assert.equal(writeAnalytics(dataset, DONE), true);
    assert.equal(writeAnalytics(dataset, { status: 'skipped', key: 'k' }), false);
    assert.equal(writeAnalytics(undefined, DONE), false);
    assert.deepEqual(points, [analyticsDataPoint(fileMetrics(DONE), DONE)]);
    const broken = {
      writeDataPoint() {
        throw new Error('blobs over 16 KB');
      },
    };
    assert.equal(writeAnalytics(broken, DONE), false);
  });
});
