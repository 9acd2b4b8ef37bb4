// The mapping editor's grouping (issue 25), in headless Chromium: Shopify's orders export dropped
// on the page is drafted with its "group" (the order's Name) and its item columns; the editor
// shows the key and which columns are items, and the preview the engine's grouped events (the
// first orders with their products, exactly). A column moved out of the items, then the key set
// to none (each row one event again, the items moved out of the list), change what the preview
// shows, and the downloaded mapping carries the change.
//
// Needs Debian's Chromium at /usr/bin/chromium, as tests/js/hosts/browser/browser.test.mjs does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { useValidationPage } from '../../../support/chromium.mjs';
import { withoutIds } from '../../../support/exports.mjs';
import { SHOPIFY, SHOPIFY_EVENTS, shopifyBytes } from '../../../support/line-items.mjs';

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
