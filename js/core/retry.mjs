// When to try a Segment request again and how long to wait first: the policy of Segment's own
// Node library (@segment/analytics-node 3.x), kept apart from the code that sends.

/**
 * A retry policy: DEFAULT_RETRY's settings, any of which a host may set.
 * @typedef {{ readonly maxAttempts: number, readonly baseMs: number, readonly maxMs: number, readonly maxRetryAfterMs: number }} RetryPolicy
 */

/** Settings of the retry policy; every host may override them. */
export const DEFAULT_RETRY = Object.freeze({
  /** Tries per request, the first included. */
  maxAttempts: 10,
  /** The first backoff; it doubles with every retry. */
  baseMs: 500,
  /** No backoff is longer than this. */
  maxMs: 60_000,
  /** A `Retry-After` above this is cut to it. */
  maxRetryAfterMs: 300_000,
});

/**
 * What an answer means for the batch that got it:
 * - `ok`: delivered;
 * - `retry`: try again after a backoff (5xx but 501, 505 and 511; 408, 410, 429, 460);
 * - `fatal`: the settings are wrong (401, 403: the write key; 404: the endpoint); no batch can
 *   get through, so the whole run stops;
 * - `rejected`: Segment refused this batch (400, 413 and the other 4xx); trying again cannot
 *   change that, so the batch is reported as failed and the run goes on.
 * @param {number} status
 * @returns {'ok' | 'retry' | 'fatal' | 'rejected'}
 */
export function classifyStatus(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 500) return status === 501 || status === 505 || status === 511 ? 'rejected' : 'retry';
  if (status === 408 || status === 410 || status === 429 || status === 460) return 'retry';
  if (status === 401 || status === 403 || status === 404) return 'fatal';
  return 'rejected';
}

/**
 * The backoff before retry number `retry` (1 for the first retry): `baseMs` doubled each time,
 * capped at `maxMs`, with "equal jitter" (between half and all of it) so that requests failed
 * together do not come back together.
 * @param {number} retry
 * @param {RetryPolicy} policy
 * @param {() => number} [random] uniform in [0, 1)
 */
export function backoffMs(retry, policy = DEFAULT_RETRY, random = Math.random) {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/**
 * The wait a 429 or 503 asks for, in ms, from `Retry-After` (seconds or an HTTP date) or
 * `X-RateLimit-Reset` (seconds), capped at `maxRetryAfterMs`; `undefined` when it asks none.
 * A wait of 0 or less (`0`, `-5`, a date now or in the past) asks none: the backoff applies,
 * so that such answers cannot spend every try at once.
 * @param {Headers} headers
 * @param {RetryPolicy} policy
 * @param {number} [now] epoch ms
 */
export function retryAfterMs(headers, policy = DEFAULT_RETRY, now = Date.now()) {
  for (const name of ['retry-after', 'x-ratelimit-reset']) {
    const value = headers.get(name)?.trim();
    if (!value) continue;
    let ms;
    // A number (with its sign, so that `-5` is not read as a date in the year -5).
    if (/^[-+]?\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000;
    else if (name === 'retry-after' && !Number.isNaN(Date.parse(value))) ms = Date.parse(value) - now;
    if (ms === undefined) continue;
    const wait = Math.round(ms);
    if (wait > 0) return Math.min(wait, policy.maxRetryAfterMs);
  }
  return undefined;
}
