// A time that cannot be meant, on the browser page in headless Chromium: a mapping whose format
// reads a date outside the years 1900-2200 gets the row rejected with the engine's message
// (src/base/reason.rs, Reason::TimestampRange) in the validation result and in the mapping
// editor's preview, and the row is in neither's payloads.
//
// Needs Debian's Chromium at /usr/bin/chromium, as tests/js/hosts/browser/browser.test.mjs does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useValidationPage } from '../../../support/chromium.mjs';
import { CSV, REASON, RULE } from '../../../support/out-of-range-date.mjs';

const NAME = 'orders_2016.csv';

const ui = useValidationPage({ tmpPrefix: 'csv2segment-dates-' });
const csv = { name: NAME, mimeType: 'text/csv', buffer: Buffer.from(CSV) };

test('validated through a mapping: the row read as the year 8 is listed with the likely format, and is not among the payloads', async () => {
  const { page, check } = await ui.openPage();
  await page.setInputFiles('#file-input', [{ name: 'csv2segment.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ files: [RULE] })) }, csv]);
  const card = page.locator(`article.result[data-file-name="${NAME}"]`);
  await page.waitForFunction((n) => /^done/.test(document.querySelector(`article.result[data-file-name="${n}"]`)?.dataset.state ?? ''), NAME, { timeout: 10_000 });
  assert.equal(await card.getAttribute('data-state'), 'done-with-rejections');
  const rows = await card.locator('.rejections-table tbody tr').evaluateAll((trs) => trs.map((r) => [...r.cells].map((td) => td.textContent)));
  assert.deepEqual(rows, [['3', '3', 'Order Date', REASON, 'c2,12,08-11-16']]);
  await card.locator('.samples summary').click();
  const payloads = JSON.parse(await card.locator('pre.payloads').textContent());
  assert.deepEqual(payloads.map((p) => [p.userId, p.timestamp]), [['c1', '2016-11-08T00:00:00.000Z'], ['c3', '2016-11-09T00:00:00.000Z']]);
  await check();
});

test('the mapping editor: a format that reads the year 8 shows the rejection in the preview, with the likely format', async () => {
  const { page, check } = await ui.openPage();
  await page.setInputFiles('#map-input', csv);
  const ed = page.locator(`article.editor[data-file-name="${NAME}"]`);
  const state = async () =>
    (
      await page.waitForFunction(
        (n) => {
          const s = document.querySelector(`article.editor[data-file-name="${n}"]`)?.dataset.preview;
          return s && s !== 'pending' ? s : null;
        },
        NAME,
        { timeout: 10_000 },
      )
    ).jsonValue();
  // The draft reads the column with %Y-%m-%d, as the mapping above does; the event is to fill in.
  assert.equal(await state(), 'refused');
  assert.deepEqual(
    [await ed.getByLabel('Target of Order Date', { exact: true }).inputValue(), await ed.getByLabel('Date format of Order Date', { exact: true }).inputValue()],
    ['timestamp', '%Y-%m-%d'],
  );
  await ed.getByLabel('Value of event (to fill in)').fill('Order Completed');
  assert.equal(await state(), 'rejected');
  assert.equal(await ed.locator('.preview-status').textContent(), '3 rows read: 2 can be sent, 1 rejected.');
  const rows = await ed.locator('table.preview-rejections tbody tr').evaluateAll((trs) => trs.map((r) => [...r.cells].map((td) => td.textContent)));
  assert.deepEqual(rows, [['3', 'Order Date', REASON]]);
  const payloads = JSON.parse(await ed.locator('pre.payloads').textContent());
  assert.deepEqual(payloads.map((p) => [p.userId, p.timestamp]), [['c1', '2016-11-08T00:00:00.000Z'], ['c3', '2016-11-09T00:00:00.000Z']]);
  await check();
});
