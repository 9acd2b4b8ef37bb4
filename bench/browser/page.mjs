// The browser bench page (driven by bench/browser-bench.mjs). window.runBench fetches the CSV
// once, makes one File of it, and times on that File, in turns (one run each per round):
//
//   browser            js/hosts/browser/validator.worker.mjs, unchanged: the validation page's worker,
//                      posted the File as js/hosts/browser/app.mjs posts it, timed to its `done`
//   browser_papaparse  papaparse.worker.js: file.text() + Papa.parse(text, { header: true })
//   browser_udsv       udsv.worker.js: file.text() + initParser(inferSchema(text)).typedDeep(text)
//
// Each time runs from postMessage to the worker's answer on this page. Every worker is started,
// loaded and warmed up once before the rounds; the File is built before any timing. Every round's
// time is returned (`times`), for the medians and the per-round ratios (bench/stats.mjs).

import { roundOrder } from '../stats.mjs';

const VALIDATOR_URL = new URL('../../js/hosts/browser/validator.worker.mjs', import.meta.url);
const PKG_URL = new URL('../../pkg/', import.meta.url).href;
/** As the page's defaults (js/hosts/browser/index.html: empty fields left out, types inferred). */
const PAGE_OPTIONS = { empty: 'omit', typing: 'infer' };

let nextId = 1;

/**
 * One timed run of a contender, and what it counted.
 * @typedef {{ ms: number, rows: number, status?: string, events?: number, rejected?: number, batches?: number, bodyBytes?: number, dataLength?: number }} Run
 */
/**
 * A contender: its worker, loaded, and a timed run on the File.
 * @typedef {{ name: string, worker: Worker, version?: string, run: () => Promise<Run>, last?: Run, times: number[] }} Contender
 */
/**
 * What runBench answers: the File's size, the browser, the engine, and each contender's last run
 * with its time in every round.
 * @typedef {{ fileBytes: number, userAgent: string, engineVersion?: string, browser: Run & { times: number[] },
 *   browser_papaparse: Run & { times: number[] }, browser_udsv: Run & { times: number[] } }} BenchAnswer
 */

/**
 * Resolves with the first message `pick` accepts (returns non-undefined for); rejects on a worker error.
 * @template T
 * @param {Worker} worker
 * @param {(message: any) => T | undefined} pick  message: whatever the worker posted
 * @returns {Promise<T>}
 */
function answer(worker, pick) {
  return new Promise((resolve, reject) => {
    const onMessage = (/** @type {MessageEvent} */ event) => {
      let got;
      try {
        got = pick(event.data);
      } catch (err) {
        cleanup();
        reject(err);
        return;
      }
      if (got === undefined) return;
      cleanup();
      resolve(got);
    };
    const onError = (/** @type {ErrorEvent} */ event) => {
      cleanup();
      reject(new Error(`worker error: ${event.message ?? 'unknown'}`));
    };
    const cleanup = () => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
  });
}

/**
 * @param {File} file
 * @returns {Promise<Contender>}
 */
async function validatorContender(file) {
  const worker = new Worker(VALIDATOR_URL, { type: 'module' });
  const ready = answer(worker, (/** @type {any} */ m) => {
    if (m?.type === 'load-error') throw new Error(`engine load failed: ${m.message}`);
    return m?.type === 'ready' ? m.version : undefined;
  });
  worker.postMessage({ type: 'load', pkgUrl: PKG_URL });
  const version = await ready;
  return {
    name: 'browser',
    worker,
    version,
    times: [],
    async run() {
      const id = nextId++;
      const done = answer(worker, (/** @type {any} */ m) => {
        if (m?.id !== id) return undefined;
        if (m.type === 'error') throw new Error(`validator: ${m.message}`);
        return m.type === 'done' ? m : undefined;
      });
      const t0 = performance.now();
      worker.postMessage({ type: 'validate', id, file, pkgUrl: PKG_URL, options: PAGE_OPTIONS });
      const m = await done;
      const ms = performance.now() - t0;
      return {
        ms,
        status: m.status,
        rows: Number(m.report.rows),
        events: Number(m.report.events),
        rejected: Number(m.report.rejected),
        batches: m.batches,
        bodyBytes: m.bodyBytes,
      };
    },
  };
}

/**
 * @param {string} name
 * @param {URL} url
 * @param {File} file
 * @returns {Contender}
 */
function textContender(name, url, file) {
  const worker = new Worker(url);
  return {
    name,
    worker,
    times: [],
    async run() {
      const id = nextId++;
      const done = answer(worker, (/** @type {any} */ m) => {
        if (m?.id !== id) return undefined;
        if (m.error) throw new Error(`${name}: ${m.error}`);
        return m;
      });
      const t0 = performance.now();
      worker.postMessage({ id, file });
      const m = await done;
      return { ms: performance.now() - t0, rows: m.rows, dataLength: m.dataLength };
    },
  };
}

/**
 * @param {{ csvUrl: string, fileName: string, runs: number }} args
 * @returns {Promise<BenchAnswer>}
 */
async function runBench({ csvUrl, fileName, runs }) {
  const bytes = new Uint8Array(await (await fetch(csvUrl)).arrayBuffer());
  const file = new File([bytes], fileName, { type: 'text/csv' });
  const contenders = [
    await validatorContender(file),
    textContender('browser_papaparse', new URL('./papaparse.worker.js', import.meta.url), file),
    textContender('browser_udsv', new URL('./udsv.worker.js', import.meta.url), file),
  ];
  try {
    for (const c of contenders) {
      c.last = await c.run(); // warm-up
    }
    // One run each per round, in an order rotated by one place each round.
    for (let round = 0; round < runs; round++) {
      for (const c of roundOrder(contenders, round)) {
        c.last = await c.run();
        c.times.push(c.last.ms);
      }
    }
  } finally {
    for (const c of contenders) c.worker.terminate();
  }
  /** @param {Contender} c */
  const result = (c) => ({ .../** @type {Run} */ (c.last), times: c.times });
  return {
    fileBytes: file.size,
    userAgent: navigator.userAgent,
    engineVersion: contenders[0].version,
    browser: result(contenders[0]),
    browser_papaparse: result(contenders[1]),
    browser_udsv: result(contenders[2]),
  };
}

/** @type {any} */ (window).runBench = runBench;

/** @type {HTMLElement} */ (document.getElementById('status')).textContent = 'ready';
