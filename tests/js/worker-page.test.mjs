// The browser validation page as the Worker serves it at / (wrangler.toml [assets]), in headless
// Chromium: the page, its Web Worker and the engine all load from the Worker, and validate a file.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { launchChromium } from '../support/chromium.mjs';
import { startWorkerStack } from '../support/worker-stack.mjs';

let stack;
let browser;

before(async () => {
  browser = await launchChromium();
  stack = await startWorkerStack({ secrets: { SEGMENT_WRITE_KEY: 'wk_page', INGEST_TOKEN: 'tok_page' }, port: 0 });
});
after(async () => {
  await browser?.close();
  await stack?.close();
});

test('GET / is the validation page, and it validates a file with the engine the Worker serves', async () => {
  const page = await browser.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${stack.url}/`);
  const bytes = await readFile(new URL('../../samples/track_1.csv', import.meta.url));
  await page.setInputFiles('#file-input', { name: 'track_1.csv', mimeType: 'text/csv', buffer: bytes });
  await page.waitForFunction(() => document.querySelector('#status')?.textContent.includes('all 4 rows can be sent'), null, { timeout: 30_000 });
  assert.equal(await page.locator('#status').textContent(), 'track_1.csv: all 4 rows can be sent, in 1 request.');
  assert.deepEqual(errors, []);
  assert.deepEqual([...new Set(requests)].sort(), ['/', '/app.mjs', '/pkg/csv2segment.js', '/pkg/csv2segment_bg.wasm', '/style.css', '/validator.worker.mjs']);
  await page.close();
});
