// A file's outcome as metrics, for dashboards and alarms with no metrics API call: on Lambda,
// CloudWatch's Embedded Metric Format merged into the file's log line (CloudWatch Logs makes the
// metrics from it); on the Worker, a Workers Analytics Engine data point of the same counts.

/** The CloudWatch namespace of the Lambda's metrics. */
export const NAMESPACE = 'csv2segment';

/**
 * The metrics of one file's outcome, [name, CloudWatch unit], in the order of an Analytics Engine
 * data point's doubles. Rows to Seconds are those of files that finished (done or unprocessable);
 * a failed attempt counts in FailedFiles and Requests, and its rows count when a retry finishes it.
 * Throttled (Segment's 429s, and 503s with Retry-After) and PacedSeconds (the time the rate budget
 * held batches back) count for finished files and failed attempts alike: a failed attempt's
 * 429s are often why it failed.
 */
export const METRICS = Object.freeze([
  ['Files', 'Count'],
  ['FailedFiles', 'Count'],
  ['UnprocessableFiles', 'Count'],
  ['Rows', 'Count'],
  ['Events', 'Count'],
  ['Rejected', 'Count'],
  ['Delivered', 'Count'],
  ['FailedEvents', 'Count'],
  ['Requests', 'Count'],
  ['Seconds', 'Seconds'],
  ['Throttled', 'Count'],
  ['PacedSeconds', 'Seconds'],
]);

/** @param {unknown} v a field of a log line: a positive number counts, anything else is 0 */
const count = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * The metrics of a log line about a file's outcome, or null for any other line. A file's outcome
 * is the line of its whole report (status `done` or `unprocessable`), or the line of an attempt
 * whose delivery or reading failed (status `failed`, with the delivery's `requests`); lines of
 * pieces, skips and failed messages are not outcomes.
 * @param {Record<string, unknown>} fields a log line's fields (object-run.mjs, worker.mjs)
 * @returns {Record<string, number> | null} metric name → value
 */
export function fileMetrics(fields) {
  const { status } = fields;
  if (status === 'failed') {
    if (typeof fields.requests !== 'number') return null;
    return { ...zeros(), FailedFiles: 1, Requests: count(fields.requests), ...pacing(fields) };
  }
  if (status !== 'done' && status !== 'unprocessable') return null;
  return {
    Files: 1,
    FailedFiles: 0,
    UnprocessableFiles: status === 'unprocessable' ? 1 : 0,
    Rows: count(fields.rows),
    Events: count(fields.events),
    Rejected: count(fields.rejected),
    Delivered: count(fields.delivered),
    FailedEvents: count(fields.failed),
    Requests: count(fields.requests),
    Seconds: count(fields.ms) / 1000,
    ...pacing(fields),
  };
}

/** The rate's metrics of a line: the 429s met and the seconds the budget held batches back. */
const pacing = (/** @type {Record<string, unknown>} */ fields) => ({ Throttled: count(fields.throttled), PacedSeconds: count(fields.pacedMs) / 1000 });

function zeros() {
  return Object.fromEntries(METRICS.map(([name]) => [name, 0]));
}

/**
 * The Embedded Metric Format members to merge into a log line: `_aws` (which metrics, their
 * namespace and dimension), the dimension's value and each metric's value.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * @param {Record<string, number>} metrics from fileMetrics
 * @param {{ functionName: string, timestamp?: number }} at the function's name (the dimension), epoch ms
 */
export function embeddedMetrics(metrics, { functionName, timestamp = Date.now() }) {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: NAMESPACE, Dimensions: [['FunctionName']], Metrics: METRICS.map(([Name, Unit]) => ({ Name, Unit })) }],
    },
    FunctionName: functionName,
    ...metrics,
  };
}

/**
 * A Workers Analytics Engine data point of the same metrics: doubles in METRICS' order, blobs
 * `[status, bucket, key]` (bucket `http` for an HTTP upload), the bucket as the sampling index.
 * https://developers.cloudflare.com/analytics/analytics-engine/
 * @param {Record<string, number>} metrics from fileMetrics
 * @param {{ status: string, bucket?: string, key?: string }} fields the log line's
 */
export function analyticsDataPoint(metrics, { status, bucket, key }) {
  const source = bucket || 'http';
  return {
    // Bucket names are at most 63 characters: within an index's 96 bytes.
    indexes: [source],
    blobs: [String(status), source, String(key ?? '')],
    doubles: METRICS.map(([name]) => metrics[name]),
  };
}

/**
 * Writes a file's outcome to a Workers Analytics Engine dataset (the Worker's METRICS binding,
 * when wrangler.toml configures one); other lines, or no dataset, write nothing. A dataset that
 * refuses the point costs the metric only, never the file. Returns whether a point was written.
 * @param {{ writeDataPoint(point: object): void } | undefined} dataset
 * @param {Record<string, unknown>} fields the log line's
 */
export function writeAnalytics(dataset, fields) {
  const metrics = dataset ? fileMetrics(fields) : null;
  if (!dataset || !metrics) return false;
  try {
    // fileMetrics gave metrics: the line is an outcome's, whose status is a string.
    dataset.writeDataPoint(analyticsDataPoint(metrics, /** @type {{ status: string, bucket?: string, key?: string }} */ (fields)));
    return true;
  } catch {
    return false;
  }
}
