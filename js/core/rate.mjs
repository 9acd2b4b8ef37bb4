// Keeps a sender under an events-per-second budget, and slows every request slot down when
// Segment answers 429: a workspace has one rate (about 1,000 events a second), so a request that
// backs off alone while the others keep sending only brings the next 429 sooner. Pure and
// clock-injected, as retry.mjs is: nothing here sleeps or sends; the sender asks when to send.
//
// - Pacing: a token bucket by events, kept as the time it is next empty (virtual scheduling):
//   a batch of n events goes at the earliest time that keeps the budget, and pushes that time
//   on by n / rate. No burst but the batch at hand, so requests come evenly spaced, not in
//   whole seconds' worth at once.
// - A 429 (or a 503 with Retry-After) pauses every slot until the time asked; reservations made
//   before it no longer hold and are made again after the pause.
// - AIMD: the 429 also lowers the rate to `decrease` × what Segment was accepting (the events
//   accepted over the last `windowMs`, or the rate, if lower), once per episode (only a request
//   sent after the last decrease lowers it again), then the rate climbs back by
//   `increasePerSecond` × that rate each second, up to the budget: a budget set too high ends up
//   near what Segment accepts.
import { realClock } from './clock.mjs';

/** Settings of the pacing; every sender may override them. */
export const DEFAULT_PACING = Object.freeze({
  /** After a 429, the rate becomes this share of what Segment was accepting. */
  decrease: 0.85,
  /** Then it climbs back by this share of the lowered rate per second, up to the budget. */
  increasePerSecond: 0.05,
  /** Accepted events are counted over this window to tell what Segment accepts. */
  windowMs: 5000,
  /** The shortest span an accepted rate is measured over (a first burst is no rate). */
  minWindowMs: 100,
  /** The rate never goes below this, in events per second. */
  minEventsPerSecond: 1,
});

/** Segment asks a workspace to stay under about this many events per second (segment-api.md). */
export const DEFAULT_MAX_EVENTS_PER_SECOND = 1000;

/**
 * The budget of one piece of a file run in several: a shard takes its share of the budget, the
 * budget divided by the pieces that may run at once (or by the shards, when fewer); a file run
 * as one piece (or as a chain of continuations) takes all of it.
 * @param {{ maxEventsPerSecond: number | null, piecesInFlight: number }} rate config.mjs's `rate`
 * @param {{ shard?: { index: number, count: number | null } | null } | null} [task] the piece
 * @returns {number | null} events per second; null: no budget
 */
export function pieceBudget(rate, task) {
  const budget = rate?.maxEventsPerSecond ?? null;
  if (budget === null || !task?.shard) return budget;
  const sharing = Math.max(1, Math.min(rate.piecesInFlight ?? 1, task.shard.count ?? Infinity));
  return budget / sharing;
}

/**
 * Engine options that keep each request within one second of `eventsPerSecond` (the burst the
 * pacing allows is one batch); none without a budget, or when batches of 2,500 fit anyway.
 * @param {number | null} eventsPerSecond
 * @returns {{ maxBatchEvents?: number }}
 */
export function batchOptions(eventsPerSecond) {
  if (eventsPerSecond === null || eventsPerSecond === undefined || eventsPerSecond >= 2500) return {};
  return { maxBatchEvents: Math.max(1, Math.floor(eventsPerSecond)) };
}

/**
 * When each batch of a sender may go. One per sender, shared by its slots.
 *
 * @example
 * const limiter = new RateLimiter({ eventsPerSecond: 1000 });
 * const ticket = limiter.reserve(batch.events);   // { at: epoch ms, ... }
 * // sleep until ticket.at; if !limiter.holds(ticket) a 429 came meanwhile: reserve again
 */
export class RateLimiter {
  #budget;
  #now;
  #policy;
  /** When the bucket is next empty: a batch reserved now goes no earlier. */
  #nextFree = -Infinity;
  #pausedUntil = -Infinity;
  /** Bumped by every pause: tickets of an older epoch no longer hold. */
  #epoch = 0;
  /** The rate right after the last decrease (null: none yet), and when it started climbing. */
  /** @type {number | null} */
  #floor = null;
  #climbFrom = 0;
  #lastDecreaseAt = -Infinity;
  /** @type {Array<[number, number]>} [time, events] of accepted batches within the window */
  #accepted = [];
  /** @type {number | null} */
  #firstReserveAt = null;

  /**
   * @param {object} [settings]
   * @param {number | null} [settings.eventsPerSecond] the budget; null: none (only 429s slow it)
   * @param {import('./clock.mjs').Clock} [settings.clock] the clock (clock.mjs's realClock)
   * @param {() => number} [settings.now] the time alone, epoch ms (the clock's, unless given)
   * @param {Partial<typeof DEFAULT_PACING>} [settings.policy]
   */
  constructor({ eventsPerSecond = null, clock = realClock, now = clock.now, policy = {} } = {}) {
    if (eventsPerSecond !== null && !(eventsPerSecond > 0)) throw new RangeError('eventsPerSecond must be above 0, or null for no budget');
    this.#budget = eventsPerSecond ?? Infinity;
    this.#now = now;
    this.#policy = { ...DEFAULT_PACING, ...policy };
  }

  /** The budget, events per second (null: none). */
  get budget() {
    return Number.isFinite(this.#budget) ? this.#budget : null;
  }

  /** Epoch ms until which every slot waits (a 429's Retry-After); -Infinity when never paused. */
  get pausedUntil() {
    return this.#pausedUntil;
  }

  /** The rate allowed at `t`: the budget, or less while it climbs back after a 429 (Infinity: no limit). */
  rate(t = this.#now()) {
    if (this.#floor === null) return this.#budget;
    const climbed = this.#floor * (1 + (this.#policy.increasePerSecond * Math.max(0, t - this.#climbFrom)) / 1000);
    return Math.min(this.#budget, climbed);
  }

  /**
   * Takes `events` tokens: the batch may go at `ticket.at` (epoch ms; now or later). The tokens
   * are spent whatever happens to the request, as Segment counts what it is sent.
   * @param {number} events
   * @returns {{ at: number, epoch: number }}
   */
  reserve(events) {
    const now = this.#now();
    this.#firstReserveAt ??= now;
    const at = Math.max(now, this.#nextFree, this.#pausedUntil);
    const rate = this.rate(at);
    this.#nextFree = Number.isFinite(rate) ? at + (Math.max(0, events) / rate) * 1000 : at;
    return { at, epoch: this.#epoch };
  }

  /**
   * False when a pause came after `ticket` was given: reserve again.
   * @param {{ epoch: number }} ticket
   */
  holds(ticket) {
    return ticket.epoch === this.#epoch;
  }

  /**
   * Segment accepted a batch of `events`.
   * @param {number} events
   */
  accepted(events) {
    const now = this.#now();
    this.#accepted.push([now, events]);
    this.#trim(now);
  }

  /**
   * Segment answered 429 (or 503 with Retry-After) to a request sent at `sentAt`: every slot
   * waits `waitMs` from now, and the rate goes down, unless it already went down after that
   * request was sent.
   * @param {{ sentAt: number, waitMs: number }} answer
   * @returns {{ until: number, decreased: boolean, rate: number }} the pause's end and the rate after it
   */
  throttled({ sentAt, waitMs }) {
    const now = this.#now();
    this.#pausedUntil = Math.max(this.#pausedUntil, now + Math.max(0, waitMs));
    this.#epoch += 1;
    // Reservations made before the pause are made again after it, from its end.
    this.#nextFree = this.#pausedUntil;
    let decreased = false;
    if (sentAt >= this.#lastDecreaseAt) {
      const base = Math.min(this.rate(now), this.#acceptedRate(now) ?? Infinity);
      if (Number.isFinite(base)) {
        this.#floor = Math.max(this.#policy.minEventsPerSecond, base * this.#policy.decrease);
        this.#lastDecreaseAt = now;
        decreased = true;
      }
    }
    // The climb back starts when the slots may send again.
    if (this.#floor !== null) this.#climbFrom = Math.max(this.#climbFrom, this.#pausedUntil);
    return { until: this.#pausedUntil, decreased, rate: this.rate(this.#pausedUntil) };
  }

  /** Events per second Segment accepted over the window (at least `minWindowMs`); undefined with none. */
  /** @param {number} now */
  #acceptedRate(now) {
    this.#trim(now);
    if (this.#accepted.length === 0) return undefined;
    const events = this.#accepted.reduce((sum, [, n]) => sum + n, 0);
    const span = Math.min(this.#policy.windowMs, now - (this.#firstReserveAt ?? now));
    return events / (Math.max(this.#policy.minWindowMs, span) / 1000);
  }

  /** @param {number} now */
  #trim(now) {
    const from = now - this.#policy.windowMs;
    let drop = 0;
    while (drop < this.#accepted.length && this.#accepted[drop][0] <= from) drop += 1;
    if (drop > 0) this.#accepted.splice(0, drop);
  }
}

/** Of an invocation's time, what is kept for the requests in flight when it stops taking rows. */
const DRAIN_MS = 60_000;

/**
 * The one budget rule of every host: when a run stops taking rows (`suspendAt`), and when its
 * delivery must be done (`deadline`), in epoch ms. It takes rows until `MAX_RUN_SECONDS`
 * (`maxRunSeconds`, null: unset) or until a drain time before the host's limit, whichever
 * comes first; the drain time is a minute, or a quarter of the limit when that is shorter.
 *
 * @param {number} now epoch ms
 * @param {number} limitMs the time the host gives the invocation from now (Lambda: the time
 *   remaining, less what it keeps to write the report; Worker queue consumers: 14 minutes)
 * @param {number | null} maxRunSeconds
 * @returns {{ deadline: number, suspendAt: number }}
 */
export function runWindow(now, limitMs, maxRunSeconds) {
  const takeRows = limitMs - Math.min(DRAIN_MS, limitMs / 4);
  const maxRun = maxRunSeconds === null ? Infinity : maxRunSeconds * 1000;
  return { deadline: now + limitMs, suspendAt: now + Math.max(0, Math.min(maxRun, takeRows)) };
}
