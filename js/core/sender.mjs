// Delivers the engine's request bodies to Segment with fetch: auth, sentAt, retries, a few
// requests in flight, paced to an events-per-second budget (rate.mjs). Shared by every host
// (Lambda, Worker, CLI); no CSV or Segment mapping here.
import { realClock } from './clock.mjs';
import { RateLimiter } from './rate.mjs';
import { DEFAULT_RETRY, backoffMs, classifyStatus, retryAfterMs } from './retry.mjs';

/** How much of Segment's answer a failure keeps. */
export const ANSWER_CHARS = 300;
/** A request's timeout unless SEGMENT_TIMEOUT_MS says otherwise (30 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** How much of an answer is redacted before it is cut: far more than is kept. */
const ANSWER_WINDOW = 64 * 1024;
/** The shortest end of a window that is taken for the start of a secret cut off there. */
const MIN_SECRET_TAIL = 4;
const encoder = new TextEncoder();

/** @typedef {import('../../pkg/csv2segment.js').Batch} Batch */
/**
 * A batch as the sender takes it: the engine's, and a `release()` when its body's buffer is to be
 * handed back once sent (pipeline.mjs).
 * @typedef {Batch & { release?: () => void }} SentBatch
 */

/**
 * Delivery stopped: the settings are wrong (code `unauthorized` or `not_found`), a batch was
 * still failing when its retries or the host's time ran out (`retries_exhausted`, `deadline`).
 * Its message never holds the write key.
 */
export class DeliveryError extends Error {
  /**
   * @param {string} message
   * @param {'unauthorized' | 'not_found' | 'retries_exhausted' | 'deadline'} code
   * @param {{ firstLine: number, lastLine: number }} [batch] the batch that stopped delivery
   */
  constructor(message, code, batch) {
    super(message);
    this.name = 'Csv2SegmentDeliveryError';
    this.code = code;
    if (batch) {
      this.firstLine = batch.firstLine;
      this.lastLine = batch.lastLine;
    }
  }
}

/**
 * `Basic base64(writeKey + ":")`, for any key (btoa alone takes Latin-1 only).
 * @param {string} writeKey
 */
export function basicAuth(writeKey) {
  const bytes = encoder.encode(`${writeKey}:`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/**
 * Writes the send time into a /v1/batch body's sentAt placeholder, in place.
 * @template {Pick<Batch, 'body' | 'sentAtOffset'>} B
 * @param {B} batch
 * @param {Date} [now]
 * @returns {B}
 */
export function stampSentAt(batch, now = new Date()) {
  if (batch.sentAtOffset !== null && batch.sentAtOffset !== undefined) {
    batch.body.set(encoder.encode(now.toISOString()), batch.sentAtOffset);
  }
  return batch;
}

/**
 * `text` with every secret replaced by `<write key>`; with `cutTail`, also an end of the text that
 * is the start of a secret (at least MIN_SECRET_TAIL characters of it), as a cut leaves it.
 * @param {string} text
 * @param {string[]} secrets
 * @param {boolean} [cutTail]
 */
export function redactSecrets(text, secrets, cutTail = false) {
  let out = text;
  for (const secret of secrets) out = out.replaceAll(secret, '<write key>');
  if (!cutTail) return out;
  for (const secret of secrets) {
    for (let n = Math.min(secret.length - 1, out.length); n >= MIN_SECRET_TAIL; n -= 1) {
      if (out.endsWith(secret.slice(0, n))) {
        out = `${out.slice(0, out.length - n)}<write key>`;
        break;
      }
    }
  }
  return out;
}

/**
 * @param {any} err what fetch threw: any value, read field by field with `?.`
 * @param {number} timeoutMs
 */
function describeNetworkError(err, timeoutMs) {
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = err?.cause;
  const code = cause?.code ?? err?.code;
  const text = cause?.message ?? err?.message ?? String(err);
  return code && !text.includes(code) ? `network error: ${code} ${text}` : `network error: ${text}`;
}

/**
 * Sends batches with at most `concurrency` requests in flight: `send()` resolves once the batch
 * has a slot, so a host that awaits it never holds more bodies than that; `flush()` waits for
 * the rest and resolves to the delivery summary, or rejects with a DeliveryError.
 *
 * A 400 (or another answer that a retry cannot change) is not retried: the batch's lines go to
 * `summary.failedBatches` with Segment's answer and the run goes on. Errors that a retry can fix
 * are retried with backoff; when one outlasts `retry.maxAttempts` or the `deadline`, or the
 * write key or endpoint is refused, delivery stops and `send()`/`flush()` reject.
 *
 * Every attempt waits its turn from one RateLimiter shared by the slots: the budget
 * (`maxEventsPerSecond`), and after a 429 (or a 503 with Retry-After), a pause of every slot
 * for the time asked, then a lower rate that climbs back. `summary.throttled` counts those
 * answers, `summary.pacedMs` the time during which a batch was held back.
 */
/**
 * The part of fetch the sender uses: globalThis.fetch, or node-fetch.mjs's nodeFetch (byte and
 * text bodies only, so it goes with `streamBodies: false`).
 * @typedef {(input: string | URL, init?: { method?: string, headers?: Record<string, string>, body?: Uint8Array | string | ReadableStream<Uint8Array>, signal?: AbortSignal, duplex?: string }) => Promise<{ status: number, headers: Headers, text(): Promise<string> }>} FetchLike
 */

/**
 * What a sender sent (no key in it): its `summary`, and what `flush()` resolves to.
 * @typedef {{ requests: number, attempts: number, retries: number, events: number, failedEvents: number, failedBatches: Array<{ firstLine: number, lastLine: number, events: number, status: number, answer: string }>, throttled: number, pacedMs: number }} DeliverySummary
 */

/**
 * The sender's settings.
 * @typedef {object} SenderSettings
 * @property {string} writeKey
 * @property {{ batch: string, set: string }} endpoints base URLs (see config.mjs)
 * @property {number} [concurrency] requests in flight at once (4)
 * @property {number} [requestTimeoutMs] per request (30 s)
 * @property {number} [deadline] epoch ms after which no request or retry starts
 * @property {Partial<import('./retry.mjs').RetryPolicy>} [retry]
 * @property {FetchLike} [fetch]
 * @property {() => number} [random] jitter source
 * @property {(attempt: object) => void} [onAttempt] told of each answer (no key in it)
 * @property {boolean} [streamBodies] send bodies as streams, uncopied (Node's fetch)
 * @property {number | null} [maxEventsPerSecond] the budget (null: none, only 429s slow it)
 * @property {RateLimiter} [limiter] a limiter to share (it carries its own budget and clock)
 * @property {import('./clock.mjs').Clock} [clock] the time of pacing, backoffs, sentAt
 *   and the deadline (clock.mjs's realClock); the request timeout stays on the real clock
 */

export class Sender {
  /** @type {string} */
  #auth;
  /** @type {string} */
  #writeKey;
  /** @type {{ batch: string, set: string }} */
  #endpoints;
  /** @type {FetchLike} */
  #fetch;
  /** @type {() => number} */
  #random;
  /** @type {((attempt: object) => void) | undefined} */
  #onAttempt;
  /** @type {import('./clock.mjs').Clock} */
  #clock;
  /** @type {RateLimiter} */
  #limiter;
  /** @type {Set<Promise<void>>} */
  #inFlight = new Set();
  /** Attempts waiting for the limiter, and since when one has been. */
  #pacing = 0;
  #pacingSince = 0;
  /** @type {DeliveryError | null} */
  #error = null;

  /** @param {SenderSettings} settings */
  constructor({
    writeKey,
    endpoints,
    concurrency = 4,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    deadline = Infinity,
    retry = {},
    // The lib's BodyInit takes only ArrayBuffer-backed arrays; every body here is one (the engine copies it out of wasm memory).
    fetch = /** @type {FetchLike} */ (globalThis.fetch),
    random = Math.random,
    onAttempt,
    streamBodies = false,
    maxEventsPerSecond = null,
    limiter,
    clock = realClock,
  }) {
    if (!writeKey) throw new DeliveryError('no write key: the Segment source write key is required', 'unauthorized');
    this.#writeKey = writeKey;
    this.#auth = basicAuth(writeKey);
    this.#endpoints = endpoints;
    // Called as a plain function: the Workers runtime refuses fetch with another `this`.
    this.#fetch = (input, init) => fetch(input, init);
    this.#random = random;
    this.#onAttempt = onAttempt;
    this.#clock = clock;
    this.#limiter = limiter ?? new RateLimiter({ eventsPerSecond: maxEventsPerSecond, clock });
    this.streamBodies = streamBodies;
    this.concurrency = Math.max(1, concurrency);
    this.requestTimeoutMs = requestTimeoutMs;
    this.deadline = deadline;
    this.retry = { ...DEFAULT_RETRY, ...retry };
    /**
     * What was sent so far (no key in it).
     * @type {DeliverySummary}
     */
    this.summary = { requests: 0, attempts: 0, retries: 0, events: 0, failedEvents: 0, failedBatches: [], throttled: 0, pacedMs: 0 };
  }

  /**
   * A sender with a host's settings (config.mjs's readConfig), and `overrides` on top of them
   * (fetch, deadline, retry settings merged key by key).
   * @param {ReturnType<typeof import('./config.mjs').readConfig>} config
   * @param {Partial<SenderSettings>} [overrides]
   */
  static fromConfig(config, overrides = {}) {
    return new Sender({
      writeKey: config.writeKey,
      endpoints: config.endpoints,
      concurrency: config.concurrency,
      maxEventsPerSecond: config.rate?.maxEventsPerSecond ?? null,
      ...config.sender,
      ...overrides,
      retry: { ...config.sender.retry, ...overrides.retry },
    });
  }

  /**
   * Starts delivering `batch` once a request slot is free; rejects if delivery has stopped.
   * When the batch has a `release()` method, it is called once the body is no longer needed.
   * @param {SentBatch} batch
   */
  async send(batch) {
    while (this.#inFlight.size >= this.concurrency && !this.#error) {
      await Promise.race(this.#inFlight);
    }
    if (this.#error) throw this.#error;
    const done = this.#deliver(batch).finally(() => {
      this.#inFlight.delete(done);
      // The body's buffer may now be reused by the host (see pipeline.mjs).
      batch.release?.();
    });
    this.#inFlight.add(done);
  }

  /** Waits for every request; the summary, or the DeliveryError that stopped delivery. */
  async flush() {
    while (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
    if (this.#error) throw this.#error;
    return this.summary;
  }

  /** The limiter the slots share (its budget, its rate). */
  get limiter() {
    return this.#limiter;
  }

  /** True once delivery has stopped; later sends reject. */
  get stopped() {
    return this.#error !== null;
  }

  /**
   * The request's body and headers. fetch copies a Uint8Array body (the Fetch standard says so),
   * which on Node made a body's worth of garbage per request; a one-chunk stream is sent as is.
   * @param {Uint8Array} bytes
   */
  #body(bytes) {
    const headers = { 'Content-Type': 'application/json', Authorization: this.#auth };
    if (!this.streamBodies) return { headers, body: bytes };
    return {
      headers: { ...headers, 'Content-Length': String(bytes.length) },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      }),
      duplex: 'half',
    };
  }

  /**
   * Waits until the limiter lets `events` go; false when that is past the deadline. A pause that
   * comes meanwhile (another slot's 429) sends it back to the limiter.
   * @param {number} events
   */
  async #paced(events) {
    for (;;) {
      const ticket = this.#limiter.reserve(events);
      if (ticket.at >= this.deadline) return false;
      const wait = ticket.at - this.#clock.now();
      if (wait > 0) {
        if (this.#pacing++ === 0) this.#pacingSince = this.#clock.now();
        await this.#clock.sleep(wait);
        if (--this.#pacing === 0) this.summary.pacedMs += this.#clock.now() - this.#pacingSince;
      }
      if (this.#error || this.#limiter.holds(ticket)) return true;
    }
  }

  /** @param {DeliveryError} error */
  #stop(error) {
    this.#error ??= error;
  }

  /** @param {string} text */
  #redact(text) {
    return redactSecrets(text, this.#secrets());
  }

  /** The write key as it may come back: itself, and the Basic credential (with or without `=`). */
  #secrets() {
    // A key of a few characters would garble every message it happens to appear in; real
    // write keys are 32 characters.
    if (this.#writeKey.length < 6) return [];
    const credential = this.#auth.slice(6);
    return [this.#writeKey, credential, credential.replace(/=+$/, '')];
  }

  /**
   * The part of an answer a failure keeps: redacted first, then cut, so that no cut can leave a
   * piece of the key that the redaction no longer recognises. Only the answer's start is looked
   * at; a secret cut off at the end of that window is taken out too.
   * @param {string} text
   */
  #answerText(text) {
    return redactSecrets(text.slice(0, ANSWER_WINDOW), this.#secrets(), true).slice(0, ANSWER_CHARS).trim();
  }

  /** @param {SentBatch} batch */
  async #deliver(batch) {
    const url = `${this.#endpoints[batch.endpoint]}${batch.path}`;
    const lines = batch.firstLine === batch.lastLine ? `line ${batch.firstLine}` : `lines ${batch.firstLine}-${batch.lastLine}`;
    this.summary.requests += 1;
    for (let attempt = 1; ; attempt += 1) {
      if (this.#error) return; // another batch stopped the run: leave this one to the host's retry
      if (!(await this.#paced(batch.events))) {
        const why = this.#limiter.pausedUntil >= this.deadline ? "Segment's rate limit (429) asks to wait past it" : `the budget of ${this.#limiter.budget} events per second holds it past it`;
        this.#stop(new DeliveryError(`${lines}: not delivered before the host's deadline: ${why}`, 'deadline', batch));
        return;
      }
      if (this.#error) return;
      const sentAt = this.#clock.now();
      const timeoutMs = Math.min(this.requestTimeoutMs, this.deadline - sentAt);
      if (timeoutMs <= 0) {
        this.#stop(new DeliveryError(`${lines}: not delivered before the host's deadline`, 'deadline', batch));
        return;
      }
      stampSentAt(batch, new Date(sentAt));
      this.summary.attempts += 1;
      let status = 0;
      let outcome;
      let detail;
      let wait;
      try {
        const res = await this.#fetch(url, {
          method: 'POST',
          ...this.#body(batch.body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = res.status;
        outcome = classifyStatus(status);
        // Always read the answer, so the connection goes back to the pool.
        detail = this.#answerText(await res.text());
        if (outcome === 'retry') wait = retryAfterMs(res.headers, this.retry, this.#clock.now());
      } catch (err) {
        outcome = 'retry';
        detail = this.#redact(describeNetworkError(err, timeoutMs));
      }
      const answer = status ? `HTTP ${status}${detail ? ` ${detail}` : ''}` : detail;
      this.#onAttempt?.({ endpoint: batch.endpoint, firstLine: batch.firstLine, lastLine: batch.lastLine, events: batch.events, attempt, status, outcome, answer });

      if (outcome === 'ok') {
        this.summary.events += batch.events;
        this.#limiter.accepted(batch.events);
        return;
      }
      if (outcome === 'rejected') {
        this.summary.failedEvents += batch.events;
        this.summary.failedBatches.push({
          firstLine: batch.firstLine,
          lastLine: batch.lastLine,
          events: batch.events,
          status,
          answer: detail,
        });
        return;
      }
      if (outcome === 'fatal') {
        const why = status === 404 ? `the endpoint ${url} does not exist; check SEGMENT_ENDPOINT / SEGMENT_OBJECTS_ENDPOINT / SEGMENT_REGION` : 'the write key was refused; check SEGMENT_WRITE_KEY and SEGMENT_REGION';
        this.#stop(new DeliveryError(`${lines}: Segment answered ${answer}: ${why}`, status === 404 ? 'not_found' : 'unauthorized', batch));
        return;
      }
      // Segment's rate limit: every slot waits, not this one alone.
      const throttled = status === 429 || (status === 503 && wait !== undefined);
      if (throttled) this.summary.throttled += 1;
      if (attempt >= this.retry.maxAttempts) {
        this.#stop(new DeliveryError(`${lines}: still failing after ${attempt} tries, last: ${answer}`, 'retries_exhausted', batch));
        return;
      }
      wait ??= backoffMs(attempt, this.retry, this.#random);
      if (this.#clock.now() + wait >= this.deadline) {
        this.#stop(new DeliveryError(`${lines}: not delivered before the host's deadline, last: ${answer}`, 'deadline', batch));
        return;
      }
      this.summary.retries += 1;
      // The pause is the next attempt's wait for the limiter.
      if (throttled) this.#limiter.throttled({ sentAt, waitMs: wait });
      else await this.#clock.sleep(wait);
    }
  }
}
