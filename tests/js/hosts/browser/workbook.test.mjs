// Excel workbooks on the validation page (issue 27), in headless Chromium: dropped with a
// mapping, MOCK_DATA.xlsx (read from ../shared, never copied) is validated in the Web Worker from
// File.slice ranges, nothing uploaded: its report, its sheet and its first payloads exactly; the
// same bytes named .csv are read as a workbook, and the card says so; picked in the mapper, the
// workbook is drafted (WorkbookDraft over ranges) into exactly the engine's rule for it.
//
// Needs Debian's Chromium at /usr/bin/chromium, as tests/js/hosts/browser/browser.test.mjs does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useValidationPage } from '../../../support/chromium.mjs';
import { SCHEMA_URL } from '../../../../js/core/draft.mjs';

const MOCK = fileURLToPath(new URL('../../../../../shared/workbooks/MOCK_DATA.xlsx', import.meta.url));
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MAPPING = JSON.stringify({ files: [{ match: '*', call: 'identify', columns: { id: 'userId', email: 'traits.email', ip_address: 'context.ip' }, unmapped: 'drop' }] });
const LIBRARY = { name: 'csv2segment', version: '0.1.0' };

const ui = useValidationPage({ tmpPrefix: 'csv2segment-workbook-' });
const card = (page, name) => page.locator(`article.result[data-file-name="${name}"]`);

/** Waits until the file's card has a final state, and returns it. */
async function settled(page, name) {
  const handle = await page.waitForFunction(
    (n) => {
      const state = document.querySelector(`article.result[data-file-name="${n}"]`)?.dataset.state;
      return state && state !== 'queued' && state !== 'running' ? state : null;
    },
    name,
    { timeout: 20_000 },
  );
  return handle.jsonValue();
}

/** Drops `files` ({ name, type, bytes }) on the drop zone, as a person would. */
async function drop(page, files) {
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
    const zone = document.getElementById('drop-zone');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files.map((f) => ({ ...f, bytes: [...f.bytes] })));
}

test('MOCK_DATA.xlsx dropped with a mapping: its report, sheet and first payloads; named .csv, said', async () => {
  const { page, check } = await ui.openPage();
  const bytes = await readFile(MOCK);
  assert.match(await page.locator('#file-input').getAttribute('accept'), /\.xlsx,\.xlsm,/);
  await drop(page, [
    { name: 'csv2segment.json', type: 'application/json', bytes: Buffer.from(MAPPING) },
    { name: 'MOCK_DATA.xlsx', type: XLSX, bytes },
  ]);
  assert.equal(await settled(page, 'MOCK_DATA.xlsx'), 'done');
  const c = card(page, 'MOCK_DATA.xlsx');
  const counts = await c.evaluate((el) => Object.fromEntries([...el.querySelectorAll('[data-count]')].map((dd) => [dd.dataset.count, Number(dd.dataset.value)])));
  assert.deepEqual(counts, { rows: 1000, events: 1000, rejected: 0, batches: 1 });
  assert.equal(await c.locator('.call').textContent(), 'Each row becomes an identify call (/v1/batch); the file is read as an Excel workbook, its cells with their types.');
  assert.equal(await c.locator('.sheet').textContent(), 'Read the sheet “data”.');
  assert.equal(await c.locator('.workbook-notes').count(), 0);
  assert.equal(await c.locator('.state').textContent(), 'All 1,000 rows can be sent, in 1 request.');
  await c.locator('.samples summary').click();
  const payloads = JSON.parse(await c.locator('pre.payloads').textContent());
  const strip = (list) => list.map(({ messageId, ...rest }) => (assert.match(messageId, /^[0-9a-f-]{36}$/), rest));
  assert.deepEqual(strip(payloads.slice(0, 2)), [
    { type: 'identify', userId: '1', traits: { email: 'lbourdon0@twitter.com' }, context: { ip: '67.171.137.94', library: LIBRARY } },
    { type: 'identify', userId: '2', traits: { email: 'smcgann1@geocities.com' }, context: { ip: '200.6.189.201', library: LIBRARY } },
  ]);

  // The same bytes named .csv: told by their first bytes, read as a workbook, and said.
  await page.setInputFiles('#file-input', { name: 'identify_mock.csv', mimeType: 'text/csv', buffer: bytes });
  assert.equal(await settled(page, 'identify_mock.csv'), 'done');
  const renamed = card(page, 'identify_mock.csv');
  assert.deepEqual(await renamed.locator('.workbook-notes li').allTextContents(), ['identify_mock.csv: this is an Excel workbook named .csv; it was read as a workbook']);
  assert.equal(await renamed.locator('[data-count="events"]').getAttribute('data-value'), '1000');
  await ui.shot(page, 'workbook');
  await check();
});

/** Records every message the page's workers post, in order, as window.workerMessages. */
const recordWorkerMessages = (context) =>
  context.addInitScript(() => {
    window.workerMessages = [];
    const Native = window.Worker;
    window.Worker = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (event) => window.workerMessages.push(event.data));
      }
    };
  });

test("a workbook's columns come once its header row is read, before its report, as a CSV's do", async () => {
  const { page, check } = await ui.openPage({ prepare: recordWorkerMessages });
  await drop(page, [
    { name: 'csv2segment.json', type: 'application/json', bytes: Buffer.from(MAPPING) },
    { name: 'MOCK_DATA.xlsx', type: XLSX, bytes: await readFile(MOCK) },
  ]);
  assert.equal(await settled(page, 'MOCK_DATA.xlsx'), 'done');
  const messages = await page.evaluate(() => window.workerMessages.filter((m) => m.type !== 'progress' && m.type !== 'ready').map(({ type, columns, report }) => ({ type, columns, report: report && { columns: report.columns } })));
  assert.deepEqual(messages.map((m) => m.type), ['start', 'columns', 'done']);
  const columns = messages[1].columns.map((c) => [c.name, c.target, c.dropped ?? false]);
  assert.deepEqual(columns, [
    ['id', 'userId', false],
    ['first_name', null, true],
    ['last_name', null, true],
    ['email', 'traits.email', false],
    ['gender', null, true],
    ['ip_address', 'context.ip', false],
  ]);
  assert.deepEqual(messages[1].columns, messages[2].report.columns);
  await check();
});

test('MOCK_DATA.xlsx picked in the mapper: drafted from its cells over ranges, exactly the engine\'s rule', async () => {
  const { page, check } = await ui.openPage();
  await page.setInputFiles('#map-input', MOCK);
  const editor = page.locator('article.editor[data-file-name="MOCK_DATA.xlsx"]');
  const state = await page.waitForFunction(() => {
    const s = document.querySelector('article.editor[data-file-name="MOCK_DATA.xlsx"]')?.dataset.preview;
    return s && s !== 'pending' ? s : null;
  }, undefined, { timeout: 20_000 });
  assert.equal(await state.jsonValue(), 'ok');
  const [file] = await Promise.all([page.waitForEvent('download'), editor.getByRole('button', { name: 'Download csv2segment.json' }).click()]);
  const saved = path.join(ui.tmp, 'mock-mapping.json');
  await file.saveAs(saved);
  assert.deepEqual(JSON.parse(await readFile(saved, 'utf8')), {
    $schema: SCHEMA_URL,
    files: [
      {
        match: 'MOCK_DATA.xlsx',
        call: 'identify',
        columns: { id: 'userId', first_name: 'traits.firstName', last_name: 'traits.lastName', email: 'traits.email', gender: 'traits.gender', ip_address: 'context.ip' },
      },
    ],
  });
  await check();
});
