// The time the shim's rate and retry logic runs on: what time it is, and a wait. Injected into
// rate.mjs's RateLimiter and sender.mjs's Sender so that tests drive them on a clock they move
// and assert the exact schedule (which request goes when, the waits after a 429); hosts use the
// real one.

/**
 * @typedef {object} Clock
 * @property {() => number} now epoch ms
 * @property {(ms: number) => Promise<void>} sleep resolves once `ms` have passed on this clock
 */

/** @type {Clock} the wall clock and setTimeout */
export const realClock = Object.freeze({
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});
