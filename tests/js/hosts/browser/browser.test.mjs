// The browser validation page (js/hosts/browser/) in headless Chromium: files picked or dropped are
// validated in a Web Worker, with the engine's exact messages, a rejects download, and a page
// that stays responsive on a 50 MB file. Screenshots land in test-output/browser/.
//
// Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`): playwright-core
// never downloads a browser. Without it these tests fail, saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useValidationPage } from '../../../support/chromium.mjs';
import { writeTrackCsv } from '../../../../bench/generate.mjs';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const BIG_ROWS = 450_000;

/** Resident memory (MB) of the renderer processes of the Chromium this test started (Linux /proc). */
function rendererMb() {
  const parent = new Map();
  const renderers = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) renderers.push(pid);
    } catch {
      // The process ended while it was read.
    }
  }
  const ours = (pid) => {
    for (let p = pid, hops = 0; p && p !== '0' && hops < 20; p = parent.get(p), hops++) if (p === String(process.pid)) return true;
    return false;
  };
  let kb = 0;
  for (const pid of renderers.filter(ours)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return kb / 1024;
}

const ui = useValidationPage({ tmpPrefix: 'csv2segment-browser-' });
let bigFile;

/** The 50 MB track file, written by the first test that needs it: each test can run alone. */
function bigTrackFile() {
  bigFile ??= (async () => {
    const file = path.join(ui.tmp, 'track_big.csv');
    return { file, bytes: await writeTrackCsv(file, BIG_ROWS) };
  })();
  return bigFile;
}

/**
 * The validator's worker script served with a clock ahead of it: each reading of its
 * performance.now() is `stepMs` after the one before, so its "at most every 100 ms" steps (the
 * progress messages) come at every chunk, however fast the machine reads. The script is otherwise
 * the one on disk.
 */
async function workerOnSteppedClock(context, stepMs, { stallAfterFirstChunk = false } = {}) {
  const source = await readFile(path.join(ROOT, 'js', 'hosts', 'browser', 'validator.worker.mjs'), 'utf8');
  const clock = `{ let t = 0; performance.now = () => (t += ${stepMs}); }\n`;
  // A file over 1 MB gives its first chunk, then never another: the worker is still reading it
  // whenever the test acts, however fast the machine (a small file reads as it is).
  const stall = `{ const stream = Blob.prototype.stream; Blob.prototype.stream = function () {
    const inner = stream.call(this); if (this.size < 1_000_000) return inner;
    const reader = inner.getReader(); let n = 0;
    return new ReadableStream({ async pull(c) { if (n++ > 0) return new Promise(() => {}); const r = await reader.read(); if (r.done) c.close(); else c.enqueue(r.value); } });
  }; }\n`;
  const body = clock + (stallAfterFirstChunk ? stall : '') + source;
  await context.route('**/js/hosts/browser/validator.worker.mjs', (route) => route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body }));
}

/**
 * A fresh page on the validator, its engine loaded; its `check` fails the test on any page error or any request off the page's origin.
 * @param {{ workerStepMs?: number, stallAfterFirstChunk?: boolean }} [options] run the worker on workerOnSteppedClock (and stall a large file after its first chunk)
 */
const openPage = ({ workerStepMs, stallAfterFirstChunk } = {}) =>
  ui.openPage({ prepare: workerStepMs === undefined ? undefined : (context) => workerOnSteppedClock(context, workerStepMs, { stallAfterFirstChunk }) });

const card = (page, name) => page.locator(`article.result[data-file-name="${name}"]`);

/** Waits until the file's card has a final state, and returns it. */
async function settled(page, name, timeout = 10_000) {
  const handle = await page.waitForFunction(
    (n) => {
      const el = document.querySelector(`article.result[data-file-name="${n}"]`);
      const state = el?.dataset.state;
      return state && state !== 'queued' && state !== 'running' ? state : null;
    },
    name,
    { timeout },
  );
  return handle.jsonValue();
}

async function counts(page, name) {
  return card(page, name).evaluate((el) =>
    Object.fromEntries([...el.querySelectorAll('[data-count]')].map((dd) => [dd.dataset.count, Number(dd.dataset.value)])),
  );
}

const { shot } = ui;

const csvFile = (name, text) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });

test('a valid file: its call, columns, counts and first payloads', async () => {
  const { page, check } = await openPage();
  const bytes = await readFile(path.join(ROOT, 'samples', 'track_1.csv'));
  await page.setInputFiles('#file-input', { name: 'track_1.csv', mimeType: 'text/csv', buffer: bytes });
  assert.equal(await settled(page, 'track_1.csv'), 'done');
  const c = card(page, 'track_1.csv');
  assert.deepEqual(await counts(page, 'track_1.csv'), { rows: 4, events: 4, rejected: 0, batches: 1 });
  assert.equal(await c.locator('.call').getAttribute('data-kind'), 'track');
  assert.equal(await c.locator('.state').textContent(), 'All 4 rows can be sent, in 1 request.');
  assert.equal(await page.locator('#status').textContent(), 'track_1.csv: all 4 rows can be sent, in 1 request.');

  const columns = await c.locator('.columns-table tbody tr').evaluateAll((rows) =>
    rows.map((r) => [...r.cells].map((td) => td.textContent)),
  );
  assert.equal(columns.length, 8);
  assert.deepEqual(columns[0], ['1', 'userId', 'userId', 'string']);
  assert.deepEqual(columns[1], ['2', 'name', 'properties.name', 'auto']);
  assert.deepEqual(columns[6], ['7', 'context.device.id', 'context.device.id', 'string']);
  assert.deepEqual(columns[7], ['8', 'timestamp', 'timestamp', 'timestamp']);
  assert.equal(await c.locator('.rejections-section').isHidden(), true);

  await c.locator('.samples summary').click();
  const payloads = JSON.parse(await c.locator('pre.payloads').textContent());
  assert.equal(payloads.length, 4);
  assert.equal(payloads[0].userId, '1');
  assert.equal(payloads[0].event, 'test event');
  assert.equal(payloads[0].type, 'track');
  assert.equal(payloads[0].timestamp, '2019-05-11T20:32:27.940Z');
  assert.deepEqual(payloads[0].properties, { name: 'Tyler Ortiz', plan: 'bronze', accountType: 'Facebook' });
  assert.match(payloads[0].messageId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(await c.locator('progress').evaluate((p) => p.value === p.max), true);
  await shot(page, 'valid');
  await check();
});

test('a mapping dropped with an export: the file as the mapping reads it, exact payloads', async () => {
  const { page, check } = await openPage();
  const exports = path.join(ROOT, 'tests', 'fixtures', 'exports');
  const german = 'Bestellungen_Maerz.csv';
  await page.setInputFiles('#file-input', [
    { name: 'csv2segment.json', mimeType: 'application/json', buffer: await readFile(path.join(exports, 'csv2segment.json')) },
    { name: german, mimeType: 'text/csv', buffer: await readFile(path.join(exports, german)) },
  ]);
  assert.equal(await settled(page, german), 'done');
  assert.equal(await page.locator('#mapping-status').textContent(), 'Mapping csv2segment.json: the files checked from now on are read through it.');
  const c = card(page, german);
  assert.deepEqual(await counts(page, german), { rows: 2, events: 2, rejected: 0, batches: 1 });
  assert.equal(await c.locator('.call').textContent(), 'Each row becomes a track call (/v1/batch); the file is read as semicolon-separated.');
  assert.equal(await c.locator('.mapping-used').textContent(), 'Read through the mapping csv2segment.json, rule files[5].');
  const columns = await c.locator('.columns-table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.cells].map((td) => td.textContent)));
  assert.deepEqual(columns[3], ['4', 'Betrag', 'properties.revenue', 'number']);
  assert.deepEqual(columns[6], ['7', 'Datum', 'timestamp', 'timestamp']);
  assert.deepEqual(columns[7], ['8', 'Interne Notiz', '— (left out by the mapping)', '—']);
  await c.locator('.samples summary').click();
  const payloads = JSON.parse(await c.locator('pre.payloads').textContent());
  const expected = readFileSync(path.join(exports, 'expected', `${german}.ndjson`), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  const strip = (list) => list.map(({ messageId, ...rest }) => (assert.match(messageId, /^[0-9a-f-]{36}$/), rest));
  assert.deepEqual(strip(payloads), strip(expected));
  await shot(page, 'mapping');

  // With the mapping put away, files are read by their name again (their delimiter still guessed).
  await page.locator('#mapping-clear').click();
  await page.setInputFiles('#file-input', { name: 'track_semicolons.csv', mimeType: 'text/csv', buffer: Buffer.from('userId;event\n1;Paid\n') });
  assert.equal(await settled(page, 'track_semicolons.csv'), 'done');
  assert.equal(await card(page, 'track_semicolons.csv').locator('.mapping-used').count(), 0);
  await check();
});

test('rejected rows: each with its line and reason, and a download that holds them', async () => {
  const { page, check } = await openPage();
  const csv = 'userId,event,timestamp\n1,a,2019-05-11\n,b,2019-05-11\n3,c,yesterday\n4,d\n';
  await page.setInputFiles('#file-input', csvFile('track_bad.csv', csv));
  assert.equal(await settled(page, 'track_bad.csv'), 'done-with-rejections');
  assert.deepEqual(await counts(page, 'track_bad.csv'), { rows: 4, events: 1, rejected: 3, batches: 1 });
  const c = card(page, 'track_bad.csv');
  const rows = await c.locator('.rejections-table tbody tr').evaluateAll((trs) =>
    trs.map((r) => [...r.cells].map((td) => td.textContent)),
  );
  // The table's cells put back together give the engine's messages, word for word.
  const messages = rows.map(([line, column, field, reason]) =>
    column === '—' ? `line ${line}: ${reason}` : `line ${line}, column ${column} (${field}): ${reason}`,
  );
  const expected = [
    'line 3, column 1 (userId): userId and anonymousId are both empty; fill in at least one',
    "line 4, column 3 (timestamp): cannot read 'yesterday' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds",
    'line 5: the row has 2 fields but the header has 3; check for a missing or extra delimiter, or a quote that is not closed',
  ];
  assert.deepEqual(messages, expected);
  assert.deepEqual(
    rows.map((r) => r[4]),
    [',b,2019-05-11', '3,c,yesterday', '4,d'],
  );

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    c.getByRole('button', { name: 'Download rejected rows (CSV)' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'track_bad.csv.rejected.csv');
  assert.equal(
    await readFile(await download.path(), 'utf8'),
    'userId,event,timestamp,csv2segment_error\n' +
      `,b,2019-05-11,"${expected[0]}"\n` +
      `3,c,yesterday,"${expected[1]}"\n` +
      `4,d,"${expected[2]}"\n`,
  );
  await shot(page, 'rejected-rows');
  await check();
});

test('a header error: the column and the engine message', async () => {
  const { page, check } = await openPage();
  await page.setInputFiles('#file-input', csvFile('track_plans.csv', 'userId,event,properties..plan\n1,Signed Up,pro\n'));
  assert.equal(await settled(page, 'track_plans.csv'), 'unprocessable');
  const c = card(page, 'track_plans.csv');
  assert.deepEqual(await c.locator('.header-errors li').allTextContents(), [
    'column 3 (properties..plan): the path has an empty part; write it like traits.address.city',
  ]);
  assert.equal(await c.locator('.header-errors li').getAttribute('data-column'), '3');
  assert.equal(await c.locator('tr.has-problem td').first().textContent(), '3');
  assert.deepEqual(await counts(page, 'track_plans.csv'), { rows: 0, events: 0, rejected: 0, batches: 0 });
  assert.match(await page.locator('#status').textContent(), /^track_plans\.csv: the header has 1 problem/);
  await shot(page, 'header-error');
  await check();
});

test('a file name the engine does not accept: why, with the accepted prefixes', async () => {
  const { page, check } = await openPage();
  await page.setInputFiles('#file-input', csvFile('users.csv', 'userId,traits.plan\n1,pro\n'));
  assert.equal(await settled(page, 'users.csv'), 'unprocessable');
  const message = await card(page, 'users.csv').locator('[data-error="file-name"]').textContent();
  assert.equal(
    message,
    'users.csv: the file name does not say which call to make; start it with identify_, track_, page_, screen_, group_, alias_ or object_<collection>_ (for example track_2024-05.csv)',
  );
  await shot(page, 'bad-file-name');
  await check();
});

test('several files dropped at once, and the drop zone opens the picker from the keyboard', async () => {
  const { page, check } = await openPage();
  const sample = await readFile(path.join(ROOT, 'samples', 'track_1.csv'), 'utf8');
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'track_dropped.csv', { type: 'text/csv' }));
    dt.items.add(new File(['id,name,price.amount\nr1,Suite,120\nr2,,x\n'], 'object_rooms_2024.csv', { type: 'text/csv' }));
    const zone = document.getElementById('drop-zone');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, sample);
  assert.equal(await settled(page, 'track_dropped.csv'), 'done');
  assert.deepEqual(await counts(page, 'track_dropped.csv'), { rows: 4, events: 4, rejected: 0, batches: 1 });
  assert.equal(await settled(page, 'object_rooms_2024.csv'), 'done');
  const rooms = card(page, 'object_rooms_2024.csv');
  assert.equal(await rooms.locator('.call').getAttribute('data-collection'), 'rooms');
  assert.deepEqual(await counts(page, 'object_rooms_2024.csv'), { rows: 2, events: 2, rejected: 0, batches: 1 });

  await page.locator('#drop-zone').focus();
  assert.equal(await page.locator('#drop-zone').evaluate((el) => getComputedStyle(el).outlineStyle), 'solid');
  // Enter on the focused zone opens the picker: the page clicks its file input, as a mouse click
  // on the zone does. The key event is dispatched in the page: in CI's clean runs neither
  // Playwright's 'filechooser' event nor a key press routed by headless Chromium reached the
  // page reliably (both hung there, never locally), while the handler itself is what we test.
  const clicked = await page.evaluate(() => {
    const input = document.getElementById('file-input');
    let seen = false;
    input.addEventListener('click', (e) => { e.preventDefault(); seen = true; }, { once: true });
    document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    return seen;
  });
  assert.equal(clicked, true);
  assert.equal(await page.locator('#file-input').evaluate((el) => el.multiple), true);
  await shot(page, 'dropped');
  await check();
});

test('a gzipped file is gunzipped in the page', async () => {
  const { page, check } = await openPage();
  const bytes = gzipSync(await readFile(path.join(ROOT, 'samples', 'track_1.csv')));
  await page.setInputFiles('#file-input', { name: 'track_1.csv.gz', mimeType: 'application/gzip', buffer: bytes });
  assert.equal(await settled(page, 'track_1.csv.gz'), 'done');
  assert.deepEqual(await counts(page, 'track_1.csv.gz'), { rows: 4, events: 4, rejected: 0, batches: 1 });
  assert.match(await card(page, 'track_1.csv.gz').locator('.call').textContent(), /gzip-compressed/);
  await check();
});

test("a .gz file of several gzip members is read whole (the browser's DecompressionStream refuses them)", async () => {
  const { page, check } = await openPage();
  const members = Buffer.concat([gzipSync('userId,event\n1,a\n'), gzipSync(''), gzipSync('2,b\n3,c\n')]);
  await page.setInputFiles('#file-input', { name: 'track_members.csv.gz', mimeType: 'application/gzip', buffer: members });
  assert.equal(await settled(page, 'track_members.csv.gz'), 'done');
  assert.deepEqual(await counts(page, 'track_members.csv.gz'), { rows: 3, events: 3, rejected: 0, batches: 1 });
  await check();
});

// How fast the page answers (clicks, long tasks) is a figure of the bench (bench/page.mjs), not a test's.
test('a 50 MB file: progress advances, the page answers clicks, the counts are exact', async (t) => {
  const { file: bigFile, bytes: bigFileBytes } = await bigTrackFile();
  assert.ok(bigFileBytes > 45e6, `${bigFileBytes} bytes`);
  // A progress message after every chunk read, whatever the machine's speed.
  const { page, check } = await openPage({ workerStepMs: 100 });
  // Every value the progress bar takes, as the page sets it.
  await page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver((records) => {
      for (const r of records) if (r.target instanceof HTMLProgressElement) window.progressSeen.push(r.target.value);
    }).observe(document.getElementById('results'), { subtree: true, attributes: true, attributeFilter: ['value'] });
  });
  const baseMb = rendererMb();
  let peakMb = baseMb;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, rendererMb());
  }, 50);
  const started = Date.now();
  await page.setInputFiles('#file-input', bigFile);
  await page.waitForFunction(() => document.querySelector('article.result progress')?.value > 0);

  // The page answers while the worker reads: each click on the help's summary toggles it at
  // once. A click counts when the file was still being read before and after it.
  // The summary sits above the results, so it stays where it is: a click at its place is a
  // plain mouse click, without Playwright's waits for a stable layout.
  const state = () => card(page, 'track_big.csv').getAttribute('data-state');
  const box = await page.locator('#help summary').boundingBox();
  const clicks = [];
  for (let open = true; clicks.length < 20; open = !open) {
    const before = await state();
    if (before !== 'running') break;
    await page.mouse.click(box.x + 20, box.y + box.height / 2);
    await page.waitForFunction((o) => document.getElementById('help').open === o, open, { polling: 'raf' });
    clicks.push({ during: (await state()) === 'running' });
  }
  assert.ok(clicks.some((c) => c.during), `a click was answered while the file was read: ${JSON.stringify(clicks)}`);

  assert.equal(await settled(page, 'track_big.csv', 40_000), 'done');
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  // Streamed through one reused buffer, the tab grows by the engine's working set, not by the
  // file's size: 33-42 MB here for this file, as for 200 or 400 MB ones; read in new chunks
  // each time, the same file grew it by 80 MB.
  const growthMb = peakMb - baseMb;
  assert.ok(baseMb > 0, 'the renderer processes were found');
  assert.ok(growthMb < 60, `the tab grew by ${growthMb.toFixed(0)} MB for a ${(bigFileBytes / 1e6).toFixed(0)} MB file`);
  const { batches, ...rest } = await counts(page, 'track_big.csv');
  assert.deepEqual(rest, { rows: BIG_ROWS, events: BIG_ROWS, rejected: 0 });
  assert.ok(batches >= Math.ceil(BIG_ROWS / 2500), `${batches} requests`);
  const seen = await page.evaluate(() => window.progressSeen);
  const distinct = new Set(seen.filter((v) => v > 0 && v < bigFileBytes));
  assert.ok(distinct.size >= 3, `progress values seen while reading: ${[...distinct].join(', ')}`);
  assert.ok(seen.every((v, i) => i === 0 || v >= seen[i - 1]), 'progress only moves forward');
  assert.equal(seen.at(-1), bigFileBytes);
  t.diagnostic(`50 MB file: ${seconds.toFixed(1)} s in the page, tab +${growthMb.toFixed(0)} MB, ${distinct.size} progress steps, ${clicks.filter((c) => c.during).length} clicks answered while reading`);
  await shot(page, 'big-file');
  await check();
});

test('Cancel stops the work, and the next file is checked by a new worker', async () => {
  const { file } = await bigTrackFile();
  const { page, check } = await openPage({ workerStepMs: 1000, stallAfterFirstChunk: true });
  await page.setInputFiles('#file-input', file);
  await page.waitForFunction(() => document.querySelector('article.result progress')?.value > 0);
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await settled(page, 'track_big.csv'), 'cancelled');
  assert.equal(await page.getByRole('button', { name: 'Cancel' }).isDisabled(), true);
  const rowsAtCancel = (await counts(page, 'track_big.csv')).rows;
  assert.ok(rowsAtCancel < BIG_ROWS, `${rowsAtCancel} rows read before the cancel`);
  assert.match(await page.locator('#status').textContent(), /^Cancelled track_big\.csv\./);

  await page.setInputFiles('#file-input', path.join(ROOT, 'samples', 'track_1.csv'));
  assert.equal(await settled(page, 'track_1.csv'), 'done');
  assert.deepEqual(await counts(page, 'track_1.csv'), { rows: 4, events: 4, rejected: 0, batches: 1 });
  await shot(page, 'cancelled');
  await check();
});

/** A raw GET, so the path reaches the server as written (fetch would normalise `..`). */
function rawGet(base, rawPath) {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = request({ host: hostname, port, path: rawPath, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the static server: MIME types a browser accepts, nothing outside the root', async () => {
  const types = {
    '/js/hosts/browser/index.html': 'text/html; charset=utf-8',
    '/js/hosts/browser/app.mjs': 'text/javascript; charset=utf-8',
    '/js/hosts/browser/style.css': 'text/css; charset=utf-8',
    '/pkg/csv2segment.js': 'text/javascript; charset=utf-8',
    '/pkg/csv2segment_bg.wasm': 'application/wasm',
    '/package.json': 'application/json; charset=utf-8',
    '/samples/track_1.csv': 'text/csv; charset=utf-8',
    '/js/hosts/browser/': 'text/html; charset=utf-8',
  };
  for (const [p, type] of Object.entries(types)) {
    assert.deepEqual(await rawGet(ui.server.url, p), { status: 200, type }, p);
  }
  for (const p of ['/../../etc/passwd', '/js/..%2f..%2f..%2fetc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/js/%2e%2e%5c%2e%2e%5cetc/passwd', '/pkg/%00']) {
    const { status } = await rawGet(ui.server.url, p);
    assert.ok(status === 403 || status === 404, `${p}: ${status}`);
  }
  assert.equal((await rawGet(ui.server.url, '/js/..%2f..%2fetc/passwd')).status, 403);
  assert.equal((await rawGet(ui.server.url, '/no-such-file.txt')).status, 404);
  assert.equal(new URL(ui.server.url).hostname, '127.0.0.1');
});
