// The browser page checked by axe-core (WCAG 2 A and AA, and axe's best practices) in headless
// Chromium, in each state a person meets: the page as it opens, a validated file with rejected
// rows, a workbook named .csv with its notes, and the mapping editor on drafted exports (one with
// a column that has no name, one with a preamble skipped and ids Excel damaged, its reading
// unfolded; a line-item export with its grouping shown, an item column moved out and the key set
// to none). Every
// state must have no violation at all: the list is compared with [], so a new one names itself.
//
// Needs Debian's Chromium at /usr/bin/chromium, as tests/js/browser.test.mjs does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { useValidationPage } from '../../../support/chromium.mjs';
import { EXPORTS } from '../../../support/exports.mjs';
import { SHOPIFY, shopifyBytes } from '../../../support/line-items.mjs';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const ui = useValidationPage({ tmpPrefix: 'csv2segment-a11y-' });

/** axe's violations on the page as it stands: one line per rule and element, empty when none. */
async function violations(page) {
  // Evaluated through the DevTools protocol, so the page's own Content-Security-Policy stays as it is.
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    // @ts-ignore: axe is the script evaluated above
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}: ${v.help}`));
  });
  return found;
}

/** Waits until the editor of `name` has a preview that is not pending. */
async function previewed(page, name) {
  await page.waitForFunction(
    (n) => {
      const state = document.querySelector(`article.editor[data-file-name="${n}"]`)?.dataset.preview;
      return state && state !== 'pending';
    },
    name,
    { timeout: 10_000 },
  );
}

test('the page as it opens has no axe violation', async () => {
  const { page, check } = await ui.openPage();
  assert.deepEqual(await violations(page), []);
  await check();
});

test('a validated file with rejected rows, its report shown, has no axe violation', async () => {
  const { page, check } = await ui.openPage();
  const csv = 'userId,event,timestamp\nu1,Signed Up,2024-01-02T03:04:05Z\n,Signed Up,2024-01-02T03:04:05Z\nu3,,not a date\n';
  await page.setInputFiles('#file-input', { name: 'track_a11y.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction(() => document.querySelectorAll('#results table').length > 0, null, { timeout: 10_000 });
  assert.deepEqual(await violations(page), []);
  await check();
});

test('a workbook named .csv, validated, its sheet and the note that says so shown, has no axe violation', async () => {
  const { page, check } = await ui.openPage();
  const mock = await readFile(new URL('../../../../../shared/workbooks/MOCK_DATA.xlsx', import.meta.url));
  await page.setInputFiles('#file-input', [
    { name: 'csv2segment.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ files: [{ match: '*', call: 'identify', columns: { id: 'userId' } }] })) },
    { name: 'identify_a11y.csv', mimeType: 'text/csv', buffer: mock },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('#results .workbook-notes li').length > 0, null, { timeout: 20_000 });
  assert.deepEqual(await violations(page), []);
  await check();
});

test('the mapping editor on a drafted export has no axe violation', async () => {
  const { page, check } = await ui.openPage();
  await page.setInputFiles('#map-input', path.join(EXPORTS, 'orders_export_1.csv'));
  await previewed(page, 'orders_export_1.csv');
  assert.deepEqual(await violations(page), []);
  await check();
});

test('the mapping editor on an export with a column that has no name has no axe violation', async () => {
  const { page, check } = await ui.openPage();
  const csv = 'Id, ,Email,Amount\n1,x,ada@example.com,12.50\n2,y,bob@example.com,3.00\n';
  await page.setInputFiles('#map-input', { name: 'ledger.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await previewed(page, 'ledger.csv');
  assert.deepEqual(await violations(page), []);
  await check();
});

test('the mapping editor showing skipped rows, its skip counts and a damaged note has no axe violation', async () => {
  const { page, check } = await ui.openPage();
  const name = 'customers_export.csv';
  const csv = '# Customers, all\n# Account: Demo, Shop\n\nCustomer ID,Email,Amount,Created\n7.02255E+12,ada@example.com,12.50,2024-03-05\n7.02256E+12,bob@example.com,3.00,2024-03-06\n';
  await page.setInputFiles('#map-input', { name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await previewed(page, name);
  const editor = page.locator(`article.editor[data-file-name="${name}"]`);
  // What this test is about is on the page: two rows greyed as skipped, the damage said.
  assert.equal(await editor.locator('ol.first-rows li.skipped').count(), 2);
  assert.equal(await editor.locator('ul.notes li[data-kind="damaged"]').count(), 1);
  await editor.locator('details.reading summary').click();
  assert.equal(await editor.getByLabel('Rows skipped before the header').inputValue(), '2');
  assert.deepEqual(await violations(page), []);
  await check();
});

test('the mapping editor on a line-item export, its grouping shown and changed, has no axe violation', async () => {
  const { page, check } = await ui.openPage();
  await page.setInputFiles('#map-input', { name: SHOPIFY, mimeType: 'text/csv', buffer: Buffer.from(shopifyBytes()) });
  await previewed(page, SHOPIFY);
  const editor = page.locator(`article.editor[data-file-name="${SHOPIFY}"]`);
  // What this test is about is on the page: the key chosen, the items ticked, the preview grouped.
  const key = editor.getByLabel('Rows with the same value in this column, one after another, are one event');
  assert.equal(await key.inputValue(), 'Name');
  assert.equal(await editor.locator('input[data-item]:checked').count(), 10);
  assert.deepEqual(await violations(page), []);
  await editor.getByLabel("Vendor is an item: one per row, in the event's list").uncheck();
  await previewed(page, SHOPIFY);
  assert.equal(await editor.locator('input[data-item]:checked').count(), 9);
  assert.deepEqual(await violations(page), []);
  // No key: every Item box disabled.
  await key.selectOption('');
  await previewed(page, SHOPIFY);
  assert.equal(await editor.locator('input[data-item]:disabled').count(), 28);
  assert.deepEqual(await violations(page), []);
  await check();
});
