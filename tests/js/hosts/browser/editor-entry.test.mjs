// The editor's column entries, without a browser (js/hosts/browser/editor.mjs splitEntry and
// joinEntry): a rule's entry split into the parts the page's inputs show and joined back keeps
// what no input shows (a date's `with`, a values table and its unlisted), so an edit of the
// column on the page drops none of them. A column moved into a line-item list or out of it
// (intoItems, outOfItems, itemsListOf) keeps its type and format, and never takes another's target.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intoItems, itemsListOf, joinEntry, outOfItems, splitEntry } from '../../../../js/hosts/browser/editor.mjs';

test('a values table and its unlisted survive an edit of the column', () => {
  const drafted = { to: 'event', values: { view: 'Product Viewed', cart: 'Product Added' }, unlisted: 'reject' };
  assert.deepEqual(joinEntry(splitEntry(drafted)), drafted);
  // Retargeted: the table goes with the column.
  assert.deepEqual(joinEntry({ ...splitEntry(drafted), path: 'properties.action', type: 'string' }),
    { to: 'properties.action', type: 'string', values: drafted.values, unlisted: 'reject' });
  // Entries without a table keep their shortest form.
  assert.equal(joinEntry(splitEntry('properties.plan:string')), 'properties.plan:string');
  assert.deepEqual(joinEntry(splitEntry({ to: 'timestamp', format: '%d.%m.%Y', timezone: '+01:00' })), { to: 'timestamp', format: '%d.%m.%Y', timezone: '+01:00' });
  assert.equal(joinEntry({ ...splitEntry(drafted), drop: true }), null);
});

test('a date joined to its time and zone keeps its with when its format is changed', () => {
  const entry = { to: 'timestamp', format: '%d/%m/%Y %H:%M:%S %Z', with: ['Time', 'TimeZone'] };
  assert.deepEqual(joinEntry(splitEntry(entry)), entry);
  assert.deepEqual(joinEntry({ ...splitEntry(entry), format: '%m/%d/%Y %H:%M:%S %Z' }), { ...entry, format: '%m/%d/%Y %H:%M:%S %Z' });
  // With its format cleared, the with stays, so the mapping's check says a format is needed.
  assert.deepEqual(joinEntry({ ...splitEntry(entry), format: '' }), { to: 'timestamp', with: ['Time', 'TimeZone'] });
  // Entries without one keep their shortest form.
  assert.equal(joinEntry(splitEntry('properties.amount:number')), 'properties.amount:number');
  assert.deepEqual(joinEntry(splitEntry({ to: 'properties.day', type: 'timestamp', format: '%d.%m.%Y' })), { to: 'properties.day', type: 'timestamp', format: '%d.%m.%Y' });
  assert.equal(joinEntry(splitEntry(null)), null);
});

test('a column moved into the items and out of them: the list the rule has, its name kept, no target taken twice', () => {
  const rule = { columns: { Name: 'properties.order_id', Discount: 'properties.discount:number', Sku: 'properties.items[].sku', Qty: { to: 'properties.items[].quantity', type: 'number' } } };
  assert.equal(itemsListOf(rule, 'properties.products[]'), 'properties.items[]');
  assert.equal(itemsListOf({ columns: { Name: 'properties.order_id', Gone: null } }, 'properties.products[]'), 'properties.products[]');
  assert.equal(intoItems('properties.price', 'properties.items[]'), 'properties.items[].price');
  assert.equal(intoItems('properties.billing.city', 'properties.products[]'), 'properties.products[].city');
  assert.equal(intoItems('properties.items[].sku', 'properties.products[]'), 'properties.items[].sku');
  const taken = new Set(['properties.order_id', 'properties.discount']);
  assert.equal(outOfItems('properties.items[].sku', taken), 'properties.sku');
  assert.equal(outOfItems('properties.products[].discount', taken), 'properties.item_discount');
  assert.equal(outOfItems('properties.order_id', taken), 'properties.order_id');
  // The entry's other parts go with it.
  const qty = splitEntry(rule.columns.Qty);
  assert.deepEqual(joinEntry({ ...qty, path: outOfItems(qty.path, taken) }), 'properties.quantity:number');
});
