// The browser validation page as the Worker serves it at / (wrangler.toml [assets]), in headless
// Chromium: the page, its Web Worker and the engine all load from the Worker, and validate a file.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { useChromium } from '../../../support/chromium.mjs';
import { startWorkerStack } from '../../../support/worker-stack.mjs';

const browser = useChromium();
let stack;

before(async () => {
  stack = await startWorkerStack({ secrets: { SEGMENT_WRITE_KEY: 'wk_page', INGEST_TOKEN: 'tok_page' }, port: 0 });
});
after(async () => {
  await stack?.close();
});

test('GET / is the validation page, and it validates a file with the engine the Worker serves', async () => {
  const page = await browser().newPage();
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${stack.url}/`);
  const bytes = await readFile(new URL('../../../../samples/track_1.csv', import.meta.url));
  await page.setInputFiles('#file-input', { name: 'track_1.csv', mimeType: 'text/csv', buffer: bytes });
  await page.waitForFunction(() => document.querySelector('#status')?.textContent.includes('all 4 rows can be sent'), null, { timeout: 30_000 });
  assert.equal(await page.locator('#status').textContent(), 'track_1.csv: all 4 rows can be sent, in 1 request.');
  assert.deepEqual(errors, []);
  assert.deepEqual([...new Set(requests)].sort(), ['/', '/app.mjs', '/dom.mjs', '/pkg/csv2segment.js', '/pkg/csv2segment_bg.wasm', '/style.css', '/validator.worker.mjs']);
  await page.close();
});

test('no other site may frame the page: frame-ancestors none, and X-Frame-Options DENY for old browsers (issue 22, item 11)', async () => {
  const res = await fetch(`${stack.url}/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.ok(csp.split(';').map((d) => d.trim()).includes("frame-ancestors 'none'"), csp);
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  await res.arrayBuffer();

  // And Chromium keeps it out of a frame: the page of another origin gets an error page instead.
  const page = await browser().newPage();
  const blocked = [];
  page.on('console', (m) => blocked.push(m.text()));
  await page.setContent(`<iframe src="${stack.url}/"></iframe>`);
  await page.waitForFunction(() => document.querySelector('iframe') !== null);
  const frame = await (await page.$('iframe'))?.contentFrame();
  await page.waitForLoadState('load');
  assert.ok(frame);
  // A blocked frame holds Chromium's error page, never the validation page's elements.
  assert.equal(await frame.locator('#file-input').count(), 0);
  assert.ok(blocked.some((t) => t.includes('frame-ancestors')), blocked.join('\n'));
  await page.close();
});
