// How the validation page (js/hosts/browser/) answers while its worker reads a big file, in
// headless Chromium: figures of the machine it runs on, so they are measured here and not
// asserted by tests/js/hosts/browser/browser.test.mjs (which checks that a click is answered during the read,
// and the counts, whatever the speed).
//
//   npm run bench:page            (node bench/page.mjs [--quick] [--rows N] [--clicks N])
//
// --quick (tests/js/project/scripts.test.mjs): 100,000 rows (about 11 MB) and 3 clicks at most; --rows and
// --clicks override it. Enough to run every step, not to measure.
//
// Serves the repository root on 127.0.0.1, opens the page, picks a generated track file of
// --rows rows (default 450,000, about 50 MB, as the test's), and while the file's card says
// `running` clicks the help's summary (--clicks times at most, default 20), each time waiting for
// it to toggle. Prints, one `name: value` a line:
//   page_file_mb              the file's size
//   page_read_s               from picking the file to its card's `done`
//   page_clicks_during_read   clicks answered while the file was still being read
//   page_click_ms_median, page_click_ms_max   from the click to the toggle seen (the target: 200)
//   page_longtasks            long tasks (over 50 ms) of the page's main thread during the read
//   page_longtask_ms_max      the longest of them (the target: under 200), 0 when none
// The long-task observer is checked first with a task of its own (a 120 ms busy loop), so "none"
// means none happened, not that nothing was recorded. Throws when Chromium is missing, the
// control task is not seen, or the file's counts are wrong.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from '../tests/support/chromium.mjs';
import { startStaticServer } from '../tests/support/static-server.mjs';
import { ROOT, writeTrackCsv } from './generate.mjs';

const PAGE = '/js/hosts/browser/index.html';
const CONTROL_MS = 120;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)];
};

/**
 * @param {{ rows?: number, clicks?: number }} [options]
 */
export async function runPageBench({ rows = 450_000, clicks: maxClicks = 20 } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'csv2segment-page-bench-'));
  const server = await startStaticServer({ root: ROOT, port: 0 });
  let browser;
  try {
    const file = path.join(dir, 'track_big.csv');
    const bytes = await writeTrackCsv(file, rows);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(server.url + PAGE);
    await page.waitForFunction(() => document.getElementById('engine-version').textContent.startsWith('engine '));

    await page.evaluate(() => {
      window.longTasks = [];
      new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    });
    // The control: a long task of our own must be recorded, or the observer records nothing here.
    // (In a task of the page's own: a CDP evaluation is not one the observer sees.)
    await page.evaluate((ms) => {
      setTimeout(() => {
        const end = performance.now() + ms;
        while (performance.now() < end);
      }, 0);
    }, CONTROL_MS);
    await page.waitForFunction((ms) => window.longTasks.some((d) => d >= ms), CONTROL_MS, { timeout: 5000 }).catch(() => {
      throw new Error(`the long-task observer did not record a ${CONTROL_MS} ms task: no long-task figures on this browser`);
    });
    await page.evaluate(() => {
      window.longTasks = [];
    });

    const card = page.locator('article.result[data-file-name="track_big.csv"]');
    const state = () => card.getAttribute('data-state');
    const started = performance.now();
    await page.setInputFiles('#file-input', file);
    await page.waitForFunction(() => document.querySelector('article.result progress')?.value > 0);
    const box = await page.locator('#help summary').boundingBox();
    if (!box) throw new Error('the help summary is not on the page');
    const clicks = [];
    for (let open = true; clicks.length < maxClicks; open = !open) {
      if ((await state()) !== 'running') break;
      const t0 = performance.now();
      await page.mouse.click(box.x + 20, box.y + box.height / 2);
      await page.waitForFunction((o) => document.getElementById('help').open === o, open, { polling: 'raf' });
      const ms = performance.now() - t0;
      if ((await state()) === 'running') clicks.push(ms);
    }
    await page.waitForFunction(() => {
      const s = document.querySelector('article.result[data-file-name="track_big.csv"]')?.dataset.state;
      return s && s !== 'queued' && s !== 'running';
    }, null, { timeout: 600_000 });
    const readS = (performance.now() - started) / 1000;
    const status = await state();
    const counted = await card.evaluate((el) => Object.fromEntries([...el.querySelectorAll('[data-count]')].map((dd) => [dd.dataset.count, Number(dd.dataset.value)])));
    if (status !== 'done' || counted.rows !== rows || counted.events !== rows || counted.rejected !== 0) throw new Error(`the file ended ${status} with ${JSON.stringify(counted)}, expected done with ${rows} rows`);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    const longTasks = await page.evaluate(() => window.longTasks);
    return {
      page_file_mb: bytes / 1e6,
      page_read_s: readS,
      page_clicks_during_read: clicks.length,
      page_click_ms_median: median(clicks),
      page_click_ms_max: clicks.length ? Math.max(...clicks) : 0,
      page_longtasks: longTasks.length,
      page_longtask_ms_max: longTasks.length ? Math.max(...longTasks) : 0,
    };
  } finally {
    await browser?.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, rows: { type: 'string' }, clicks: { type: 'string' } } });
  const quick = values.quick ? { rows: 100_000, clicks: 3 } : {};
  const figures = await runPageBench({ rows: values.rows ? Number(values.rows) : quick.rows, clicks: values.clicks ? Number(values.clicks) : quick.clicks });
  for (const [name, value] of Object.entries(figures)) console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(1)}`);
}
