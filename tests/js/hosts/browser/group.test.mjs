// The mapping editor's grouping (issue 25), in headless Chromium: Shopify's orders export dropped
// on the page is drafted with its "group" (the order's Name) and its item columns; the editor
// shows the key and which columns are items, and the preview the engine's grouped events (the
// first orders with their products, exactly). A column moved out of the items, then the key set
// to none (each row one event again, the items moved out of the list), change what the preview
// shows, and the downloaded mapping carries the change. The validation page, given the file with
// that mapping, says how many events its rows make and shows the orders' payloads.
//
// Needs Debian's Chromium at /usr/bin/chromium, as tests/js/hosts/browser/browser.test.mjs does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { useValidationPage } from '../../../support/chromium.mjs';
import { withoutIds } from '../../../support/exports.mjs';
import { loadEngine } from '../../../../js/core/engine.mjs';
import { bigOrder, draftedMapping, SHOPIFY, SHOPIFY_EVENTS, shopifyBytes } from '../../../support/line-items.mjs';

const ITEMS = [
  'Lineitem quantity',
  'Lineitem name',
  'Lineitem price',
  'Lineitem compare at price',
  'Lineitem sku',
  'Lineitem requires shipping',
  'Lineitem taxable',
  'Lineitem fulfillment status',
  'Vendor',
  'Lineitem discount',
];
/** A line item's fields as one row's event has them: beside the order's, the line's discount as item_discount. */
const lineOf = ({ discount, ...rest }) => ({ ...rest, item_discount: discount });
const names = (list) => list.map((c) => `“${c}”`).join(', ');

const ui = useValidationPage({ tmpPrefix: 'csv2segment-group-' });

test('a line-item export: the grouping drafted, shown and changed, the preview the engine\'s grouped events, the edit downloaded', async () => {
  const { page, check } = await ui.openPage();
  await page.setInputFiles('#map-input', { name: SHOPIFY, mimeType: 'text/csv', buffer: Buffer.from(shopifyBytes()) });
  const ed = page.locator(`article.editor[data-file-name="${SHOPIFY}"]`);
  /** Waits for the preview of the rule as it stands: its status line and its payloads. */
  const preview = async () => {
    await page.waitForFunction((n) => !['pending', undefined].includes(document.querySelector(`article.editor[data-file-name="${n}"]`)?.dataset.preview), SHOPIFY, { timeout: 10_000 });
    return { status: await ed.locator('.preview-status').textContent(), payloads: JSON.parse(await ed.locator('pre.payloads').textContent()) };
  };
  const key = ed.getByLabel('Rows with the same value in this column, one after another, are one event');
  const checkedItems = () => ed.locator('input[data-item]').evaluateAll((boxes) => boxes.filter((b) => b.checked).map((b) => b.dataset.item));

  // Drafted: the order's Name is the key, the Lineitem columns (and Vendor) the items.
  let shown = await preview();
  assert.equal(await key.inputValue(), 'Name');
  assert.deepEqual(await checkedItems(), ITEMS);
  assert.equal(
    await ed.locator('[data-group-note]').textContent(),
    `Rows with the same “Name” one after another are one event, its fields read from the first row; 10 item columns (${names(ITEMS)}) go from each row into properties.products, in row order. At most 1,000 rows make one event.`,
  );
  assert.equal(shown.status, '7 rows read: 3 can be sent, 0 rejected. Grouped by “Name”: 4 rows went into the event of their group’s first row.');
  assert.deepEqual(withoutIds(shown.payloads), SHOPIFY_EVENTS);

  // Vendor made order-level: its target leaves the list, the order's first line's brand is sent once.
  await ed.getByLabel('Vendor is an item: one per row, in the event\'s list').uncheck();
  shown = await preview();
  assert.deepEqual(await checkedItems(), ITEMS.filter((c) => c !== 'Vendor'));
  assert.equal(await ed.getByLabel('Name under the target of Vendor').inputValue(), 'brand');
  const [first] = withoutIds(shown.payloads);
  const { brand, ...unbranded } = SHOPIFY_EVENTS[0].properties.products[0];
  assert.equal(brand, 'Harbor Linen');
  assert.deepEqual(first.properties.products[0], unbranded);
  assert.equal(first.properties.brand, 'Harbor Linen');
  assert.deepEqual(Object.keys(first.properties).slice(-3), ['billingCountry', 'brand', 'id']);

  // No key: each row one event, the items out of the list (the line's discount beside the order's).
  await key.selectOption('');
  shown = await preview();
  assert.deepEqual(await checkedItems(), []);
  assert.equal(await ed.locator('input[data-item]:disabled').count(), await ed.locator('input[data-item]').count());
  assert.equal(shown.status, '7 rows read: 7 can be sent, 0 rejected.');
  assert.equal(shown.payloads.length, 5);
  const rows = withoutIds(shown.payloads);
  const { products, ...order } = SHOPIFY_EVENTS[0].properties;
  assert.deepEqual(rows[0], { ...SHOPIFY_EVENTS[0], properties: { ...order, ...lineOf(products[0]) } });
  assert.deepEqual(
    rows.map((r) => [r.properties.order_id, r.properties.sku, r.properties.item_discount]),
    [
      ['#1001', 'LS-001-M', 0],
      ['#1001', 'CT-010', 0],
      ['#1001', 'WS-003', 10],
      ['#1002', 'WC-014-S', 0],
      ['#1003', 'LS-001-L', 0],
    ],
  );

  const [file] = await Promise.all([page.waitForEvent('download'), ed.getByRole('button', { name: 'Download csv2segment.json' }).click()]);
  const to = path.join(ui.tmp, 'ungrouped.json');
  await file.saveAs(to);
  const rule = JSON.parse(await readFile(to, 'utf8')).files[0];
  assert.equal('group' in rule, false);
  assert.deepEqual(
    Object.fromEntries(['Name', 'Lineitem quantity', 'Lineitem sku', 'Vendor', 'Discount Amount', 'Lineitem discount'].map((c) => [c, rule.columns[c]])),
    {
      Name: 'properties.order_id',
      'Lineitem quantity': 'properties.quantity:number',
      'Lineitem sku': 'properties.sku',
      Vendor: 'properties.brand',
      'Discount Amount': 'properties.discount:number',
      'Lineitem discount': 'properties.item_discount:number',
    },
  );
  await check();
});

test('validated with its mapping: the rows as events of orders, the payloads the orders\' events, an order over the bound rejected', async () => {
  const { page, check } = await ui.openPage();
  const mapping = draftedMapping(await loadEngine(), SHOPIFY, shopifyBytes());
  const big = { name: 'orders_export_2.csv', mimeType: 'text/csv', buffer: Buffer.from(bigOrder(1001)) };
  await page.setInputFiles('#file-input', [{ name: 'csv2segment.json', mimeType: 'application/json', buffer: Buffer.from(mapping) }, { name: SHOPIFY, mimeType: 'text/csv', buffer: Buffer.from(shopifyBytes()) }, big]);
  const card = (name) => page.locator(`article.result[data-file-name="${name}"]`);
  for (const name of [SHOPIFY, big.name]) await page.waitForFunction((n) => /^done/.test(document.querySelector(`article.result[data-file-name="${n}"]`)?.dataset.state ?? ''), name, { timeout: 20_000 });
  assert.equal(await card(SHOPIFY).locator('.state').textContent(), 'All 7 rows can be sent as 3 events (4 rows read into the event of their group’s first row), in 1 request.');
  assert.deepEqual(await card(SHOPIFY).locator('[data-count]').evaluateAll((dds) => dds.map((d) => [d.dataset.count, d.textContent])), [['rows', '7'], ['events', '3'], ['rejected', '0'], ['batches', '1']]);
  await card(SHOPIFY).locator('.samples summary').click();
  assert.deepEqual(withoutIds(JSON.parse(await card(SHOPIFY).locator('pre.payloads').textContent())), SHOPIFY_EVENTS);

  // 1,001 lines of one order, then an order of one: the first is rejected whole (the event of
  // its lines would pass Segment's 32 KB first), the second can be sent. The order's 1,001 rows
  // are more than the report lists (1,000): none is listed, and no download holds part of it.
  assert.equal(await card(big.name).locator('.state').textContent(), '1 of 1,002 rows can be sent, in 1 request; 1,001 rejected (listed below).');
  assert.equal(await card(big.name).locator('.rejections-table').count(), 0);
  assert.deepEqual(await card(big.name).locator('.group-notes li').allTextContents(), [
    "the group of 1001 rows from line 2 was rejected (the event of the group's 1001 rows would be over Segment's limit of 32768 bytes; map fewer item columns, or send the rows as orders of their own) and is not in the rejects file: the report lists at most maxRejections rows and a group is listed whole or not at all",
  ]);
  assert.equal(await card(big.name).getByRole('button', { name: 'Download rejected rows (CSV)' }).count(), 0);
  await check();
});
