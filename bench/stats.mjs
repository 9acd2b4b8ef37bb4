// The arithmetic of the benches' interleaved rounds, shared by bench.mjs (Node), browser-bench.mjs
// (Chromium) and readers.mjs: medians, quartiles, the order contenders take in each round, and a
// ratio between two contenders taken round by round. A ratio is the median of the per-round
// ratios (in each round the two ran back to back, so load from elsewhere on the machine falls on
// both alike and mostly cancels); its spread is the quartiles and extremes of those per-round
// ratios. This file is also loaded by bench/browser/page.mjs in the browser: no Node imports.

/**
 * The q-quantile (0..1) of `xs` by linear interpolation between the sorted values; NaN when empty.
 * @param {readonly number[]} xs
 * @param {number} q
 */
export function quantile(xs, q) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo] + (s[hi] - s[lo]) * (at - lo);
}

/** @param {readonly number[]} xs */
export const median = (xs) => quantile(xs, 0.5);

/**
 * @typedef {{ median: number, p25: number, p75: number, min: number, max: number, n: number }} Spread
 * A value's median over rounds with its quartiles and extremes; n is how many rounds it has.
 */

/**
 * @param {readonly number[]} xs
 * @returns {Spread}
 */
export function spread(xs) {
  const ok = xs.filter(Number.isFinite);
  return {
    median: median(ok),
    p25: quantile(ok, 0.25),
    p75: quantile(ok, 0.75),
    min: ok.length ? Math.min(...ok) : NaN,
    max: ok.length ? Math.max(...ok) : NaN,
    n: ok.length,
  };
}

/**
 * How many times faster `a` was than `b`, round by round: b's time over a's in each round both
 * ran (a missing or failed round on either side is skipped).
 * @param {readonly number[]} aTimes a's time in each round
 * @param {readonly number[]} bTimes b's time in each round
 * @returns {Spread}
 */
export function pairedRatio(aTimes, bTimes) {
  const rounds = Math.min(aTimes.length, bTimes.length);
  const ratios = [];
  for (let r = 0; r < rounds; r++) ratios.push(bTimes[r] / aTimes[r]);
  return spread(ratios);
}

/**
 * The order in which `items` run in round `round`: rotated by one place each round, so that no
 * contender always runs first (after the warm-ups' garbage) or right after the same neighbour.
 * @template T
 * @param {readonly T[]} items
 * @param {number} round
 * @returns {T[]}
 */
export function roundOrder(items, round) {
  if (items.length === 0) return [];
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * A spread as text: `2.85 (IQR 2.80..2.90, 2.71..3.02 over 21 rounds)`, `d` decimals.
 * @param {Spread} s
 * @param {number} [d]
 */
export function describeSpread(s, d = 2) {
  const f = (/** @type {number} */ n) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  if (s.n <= 1) return `${f(s.median)} (1 round, no spread)`;
  return `${f(s.median)} (IQR ${f(s.p25)}..${f(s.p75)}, ${f(s.min)}..${f(s.max)} over ${s.n} rounds)`;
}
