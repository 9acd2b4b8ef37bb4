// A column entry of the editor's rule (js/hosts/browser/editor.mjs splitEntry/joinEntry) goes
// back into the rule with what the editor has no control for: a values table and its unlisted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinEntry, splitEntry } from '../../../../js/hosts/browser/editor.mjs';

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
