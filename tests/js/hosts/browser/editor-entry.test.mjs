// The editor's column entries, without a browser: a rule's entry split into the parts the
// page's inputs show and joined back keeps what no input shows (a date's `with`), so changing
// a joined date's format on the page does not drop its time and zone columns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinEntry, splitEntry } from '../../../../js/hosts/browser/editor.mjs';

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
