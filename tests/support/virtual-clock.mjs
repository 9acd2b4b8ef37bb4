// A clock for the shim's rate and retry logic (js/core/clock.mjs's Clock) that only moves when
// everything it drives is waiting on it: the time of a run is then what the code decides (the
// pacing, the waits after a 429, the backoffs), never how fast the machine is, and a test can
// assert exact times.
//
//   const clock = virtualClock();
//   const sender = new Sender({ ..., clock, fetch: clock.fetch() });
//   seg.setClock(clock.now);   // the local Segment server's rate cap and timeline on it too
//
// The clock stands still while a request made through `clock.fetch()` (or any work given to
// `clock.hold()`) is on its way: real I/O takes no virtual time. Once none is and the event loop
// has settled, the earliest sleep ends and the time becomes its end. Sleeps ending at the same
// time end in the order they began.

/** How many event-loop turns with nothing in flight count as settled. */
const SETTLE_TURNS = 3;

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * @param {{ start?: number }} [options] the time it starts at, epoch ms
 */
export function virtualClock({ start = Date.UTC(2026, 0, 1) } = {}) {
  let t = start;
  let order = 0;
  /** @type {{ at: number, order: number, resolve: () => void }[]} */
  const sleeps = [];
  let inFlight = 0;
  let advancing = false;

  async function advance() {
    try {
      for (;;) {
        for (let i = 0; i < SETTLE_TURNS; i += 1) await turn();
        if (inFlight > 0 || sleeps.length === 0) return;
        sleeps.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = sleeps.shift();
        t = Math.max(t, next.at);
        next.resolve();
      }
    } finally {
      advancing = false;
    }
  }

  function wake() {
    if (advancing) return;
    advancing = true;
    void advance();
  }

  /**
   * Runs `work` (real I/O: a request, a read) with the clock standing still until it settles.
   * @template T
   * @param {() => Promise<T>} work
   * @returns {Promise<T>}
   */
  async function hold(work) {
    inFlight += 1;
    try {
      return await work();
    } finally {
      inFlight -= 1;
      wake();
    }
  }

  return {
    now: () => t,
    /** @param {number} ms */
    sleep: (ms) =>
      new Promise((resolve) => {
        sleeps.push({ at: t + Math.max(0, ms), order: order++, resolve });
        wake();
      }),
    /**
     * `fetch` (globalThis.fetch by default) during which the clock stands still: the answer is
     * read whole before it resolves.
     * @param {(url: any, init?: any) => Promise<Response | { status: number, headers: Headers, text(): Promise<string> }>} [inner]
     */
    fetch(inner = globalThis.fetch) {
      return (url, init) =>
        hold(async () => {
          const res = await inner(url, init);
          const text = await res.text();
          return new Response(NULL_BODY.has(res.status) ? null : text, { status: res.status, headers: res.headers });
        });
    },
    hold,
  };
}
