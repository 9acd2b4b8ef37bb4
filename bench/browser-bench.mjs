// The browser figures of the bench: the validation page's own Web Worker against papaparse and
// uDSV in Web Workers, in headless Chromium (/usr/bin/chromium, through playwright-core).
//
//   import { runBrowserBench } from './browser-bench.mjs';
//   const r = await runBrowserBench({ path: '.cache/bench/track_bench_100k.csv', runs: 21 });
//   // { browser_mb_s, browser_papaparse_mb_s, browser_udsv_mb_s,     (from median times)
//   //   browser_vs_papaparse, browser_vs_udsv,                       (medians of per-round ratios)
//   //   spreads: { browser_vs_papaparse, browser_vs_udsv },          (bench/stats.mjs Spread)
//   //   details: { browser: { times, ms, ... }, ... } }
//
//   node bench/browser-bench.mjs [file.csv] [runs]     prints the figures on their own
//
// Serves the repository root on 127.0.0.1, opens bench/browser/index.html, and there (see
// bench/browser/page.mjs) times, on one File built in the page from bytes fetched once:
//   browser            js/hosts/browser/validator.worker.mjs, unchanged, posted the File as the page
//                      posts it; postMessage to its `done` message
//   browser_papaparse  a dedicated worker: file.text() + Papa.parse(text, { header: true })
//   browser_udsv       a dedicated worker: file.text() + initParser(inferSchema(text)).typedDeep(text)
// Each warmed up once, then `runs` interleaved rounds (the order rotated each round); MB/s from each
// one's median time, each ratio the median of the per-round ratios. MB = 1e6 bytes of the file.
// Throws when Chromium is missing (see CHROMIUM, chromiumInstalled) or a count is wrong.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM, launchChromium } from '../tests/support/chromium.mjs';
import { startStaticServer } from '../tests/support/static-server.mjs';
import { ROOT, ensureTrackCsv } from './generate.mjs';
import { describeSpread, median, pairedRatio } from './stats.mjs';

export { CHROMIUM };
const CSV_PATH = '/bench/browser/input.csv'; // answered by a route, whatever the file's path
const FILE_NAME = 'track_bench.csv'; // a name the engine reads as a track file

export const chromiumInstalled = () => existsSync(CHROMIUM);

/**
 * Data rows of a CSV file with a header line: newlines, less the header, plus an unterminated last line.
 * @param {Uint8Array} bytes
 */
function countRows(bytes) {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  if (bytes.length && bytes[bytes.length - 1] !== 10) n++;
  return n - 1;
}

/**
 * @param {{ path: string, runs?: number, rows?: number }} options  rows: the data rows expected
 *   (counted from the file's newlines when not given; no field of the bench files holds one)
 */
export async function runBrowserBench({ path, runs = 21, rows }) {
  if (!chromiumInstalled()) throw new Error(`Chromium not installed (${CHROMIUM})`);
  const bytes = await readFile(path);
  const expected = rows ?? countRows(bytes);
  const mb = bytes.length / 1e6;

  const server = await startStaticServer({ root: ROOT, port: 0 });
  let browser;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    /** @type {string[]} */
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.route(`**${CSV_PATH}`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/csv', body: bytes }),
    );
    await page.goto(`${server.url}/bench/browser/index.html`);
    // window.runBench: bench/browser/page.mjs's.
    await page.waitForFunction(() => typeof (/** @type {any} */ (window)).runBench === 'function', null, { timeout: 30_000 });
    /** @type {import('./browser/page.mjs').BenchAnswer} */
    const out = await page.evaluate((args) => (/** @type {any} */ (window)).runBench(args), { csvUrl: CSV_PATH, fileName: FILE_NAME, runs });
    if (pageErrors.length) throw new Error(`bench page: ${pageErrors.join('; ')}`);
    if (out.fileBytes !== bytes.length) throw new Error(`the page's File has ${out.fileBytes} bytes, not ${bytes.length}`);

    const v = out.browser;
    const bad = [];
    if (v.status !== 'done') bad.push(`browser: status ${v.status}`);
    if (v.rows !== expected || v.events !== expected || v.rejected !== 0) {
      bad.push(`browser: expected ${expected} rows and events, 0 rejected; got ${v.rows}, ${v.events}, ${v.rejected}`);
    }
    if (out.browser_papaparse.rows !== expected) bad.push(`browser_papaparse: ${out.browser_papaparse.rows} rows, expected ${expected}`);
    if (out.browser_udsv.rows !== expected) bad.push(`browser_udsv: ${out.browser_udsv.rows} rows, expected ${expected}`);
    if (bad.length) throw new Error(bad.join('; '));

    const withMbs = (/** @type {import('./browser/page.mjs').Run & { times: number[] }} */ r) => {
      const ms = median(r.times);
      return { ...r, ms, mbs: mb / (ms / 1000) };
    };
    const details = {
      browser: withMbs(out.browser),
      browser_papaparse: withMbs(out.browser_papaparse),
      browser_udsv: withMbs(out.browser_udsv),
      userAgent: out.userAgent,
      engineVersion: out.engineVersion,
    };
    const spreads = {
      browser_vs_papaparse: pairedRatio(out.browser.times, out.browser_papaparse.times),
      browser_vs_udsv: pairedRatio(out.browser.times, out.browser_udsv.times),
    };
    return {
      browser_mb_s: details.browser.mbs,
      browser_papaparse_mb_s: details.browser_papaparse.mbs,
      browser_udsv_mb_s: details.browser_udsv.mbs,
      browser_vs_papaparse: spreads.browser_vs_papaparse.median,
      browser_vs_udsv: spreads.browser_vs_udsv.median,
      spreads,
      details,
    };
  } finally {
    await browser?.close();
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const path = process.argv[2] ? resolve(process.argv[2]) : (await ensureTrackCsv(100_000)).path;
  const runs = Number(process.argv[3] ?? 21);
  const r = await runBrowserBench({ path, runs });
  console.log(r.details);
  for (const [k, s] of Object.entries(r.spreads)) console.log(`  ${k}: ${describeSpread(s)}`);
  for (const [k, v] of Object.entries(r)) if (typeof v === 'number') console.log(`${k}: ${v.toFixed(2)}`);
}
