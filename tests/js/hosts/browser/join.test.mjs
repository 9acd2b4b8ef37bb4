// The mapping editor's control for a date joined with its time and zone columns (a column's
// `with`), in headless Chromium: a PayPal-shaped activity export (a day-first Date, a Time and a
// PST/PDT TimeZone column) is drafted with the join, the control shows it, the preview reads the
// joined time, an edit of the control and the format changes what is read, and the downloaded
// mapping carries the edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { useValidationPage } from '../../../support/chromium.mjs';

const NAME = 'activity.csv';
const CSV =
  '"Date","Time","TimeZone","Name","Gross","From Email Address","Transaction ID"\n' +
  '"29/12/2015","07:45:51","PST","Ada","10.00","ada@example.com","1AB"\n' +
  '"30/12/2015","08:00:00","PST","Bob","12.00","bob@example.com","2CD"\n';

const ui = useValidationPage({ tmpPrefix: 'csv2segment-join-' });
const editor = (page) => page.locator(`article.editor[data-file-name="${NAME}"]`);

/** Waits for the preview of the rule as it stands, then gives the Date column's example as read. */
async function dateRead(page) {
  await page.waitForFunction(
    (n) => {
      const state = document.querySelector(`article.editor[data-file-name="${n}"]`)?.dataset.preview;
      return state && state !== 'pending';
    },
    NAME,
    { timeout: 10_000 },
  );
  return editor(page).locator('[data-date="Date"]').textContent();
}

test('a date joined with its time and zone: drafted, shown, edited, previewed and downloaded', async () => {
  const { page, check } = await ui.openPage();
  await page.setInputFiles('#map-input', { name: NAME, mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  const joined = editor(page).getByLabel("Columns joined to Date's dates before the format reads them, like Time, TimeZone");
  const format = editor(page).getByLabel('Date format of Date');
  assert.equal(await joined.inputValue(), 'Time, TimeZone');
  assert.equal(await format.inputValue(), '%d/%m/%Y %H:%M:%S %Z');
  // 07:45:51 Pacific Standard Time is 15:45:51 UTC.
  assert.equal(await dateRead(page), 'read as 2015-12-29T15:45:51.000Z');

  // Without the zone column, the format without %Z: the time is read as UTC.
  await joined.fill('Time');
  await format.fill('%d/%m/%Y %H:%M:%S');
  await page.waitForFunction(() => document.querySelector('[data-date="Date"]')?.textContent === 'read as 2015-12-29T07:45:51.000Z', null, { timeout: 10_000 });
  assert.equal(await dateRead(page), 'read as 2015-12-29T07:45:51.000Z');

  await editor(page).getByLabel('Value of event (to fill in)').fill('Payment Received');
  const [file] = await Promise.all([page.waitForEvent('download'), editor(page).getByRole('button', { name: 'Download csv2segment.json' }).click()]);
  const to = path.join(ui.tmp, 'joined.json');
  await file.saveAs(to);
  const rule = JSON.parse(await readFile(to, 'utf8')).files[0];
  assert.deepEqual(rule.columns.Date, { to: 'timestamp', format: '%d/%m/%Y %H:%M:%S', with: ['Time'] });

  // Emptied, the join goes from the mapping; the box stays while the column has a format.
  await joined.fill('');
  await page.waitForFunction(() => document.querySelector('[data-date="Date"]')?.textContent?.startsWith('read as') === false, null, { timeout: 10_000 });
  assert.equal(await joined.isVisible(), true);
  await check();
});
