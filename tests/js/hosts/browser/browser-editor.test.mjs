// The mapping editor of the browser page (js/hosts/browser/editor.mjs) in headless Chromium: an
// export with no mapping is drafted and shown applied, two targets are changed and the event
// filled in, the preview follows, and the downloaded csv2segment.json runs the same file through
// the CLI with no row rejected. Screenshots land in test-output/browser/.
//
// Needs Debian's Chromium at /usr/bin/chromium, as tests/js/hosts/browser/browser.test.mjs does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHOTS, useValidationPage } from '../../../support/chromium.mjs';
import { EXPORTS, MAPPING_FILE, withoutIds } from '../../../support/exports.mjs';
import { runCli } from '../../../support/run.mjs';
import { SCHEMA_URL } from '../../../../js/core/draft.mjs';

/** A Shopify orders export: no event column, so the draft leaves it blank, and no person's id, so the Email is the userId, as a guess. */
const NAME = 'orders_export_1.csv';
const FILE = path.join(EXPORTS, NAME);
const FORMAT = '%Y-%m-%d %H:%M:%S %z';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const ui = useValidationPage({ tmpPrefix: 'csv2segment-editor-' });

/** A fresh page, its engine loaded; `check` fails on any page error or request off the page's origin. */
const openPage = () => ui.openPage();

const { shot } = ui;
const editor = (page, name = NAME) => page.locator(`article.editor[data-file-name="${name}"]`);

/** Waits for the preview of the rule as it stands in the editor of `name`, and returns its state (ok, rejected, refused). */
async function previewed(page, name = NAME) {
  const handle = await page.waitForFunction(
    (n) => {
      const state = document.querySelector(`article.editor[data-file-name="${n}"]`)?.dataset.preview;
      return state && state !== 'pending' ? state : null;
    },
    name,
    { timeout: 10_000 },
  );
  return handle.jsonValue();
}

/** Each column row as shown: [column, example, target choice, name under it (when shown), type, format, date read]. */
function columnRows(page) {
  return editor(page).evaluate((root) =>
    [...root.querySelectorAll('table.mapping-table tbody tr')].map((tr) => {
      const [to, name, type, format] = tr.querySelectorAll('select, input');
      return [tr.dataset.column, tr.querySelector('td.example').textContent, to.value, name.hidden ? null : name.value, type.value, format.value, tr.querySelector('.date-example').textContent];
    }),
  );
}

/** The rule the engine drafts for the export (tests/fixtures/exports/drafts/orders_export_1.csv.txt). */
async function draftedRule() {
  const text = await readFile(path.join(EXPORTS, 'drafts', `${NAME}.txt`), 'utf8');
  return JSON.parse(text.slice(0, text.indexOf('\n}\n') + 2));
}

/** Downloads the mapping of the editor of `name` as `as`, and returns its path. */
async function download(page, as, name = NAME) {
  const [file] = await Promise.all([page.waitForEvent('download'), editor(page, name).getByRole('button', { name: 'Download csv2segment.json' }).click()]);
  assert.equal(file.suggestedFilename(), 'csv2segment.json');
  const to = path.join(ui.tmp, as);
  await file.saveAs(to);
  return to;
}

test('an export with no mapping: drafted, a target changed and the event filled, and the CLI runs the download with no row rejected', async () => {
  const { page, check } = await openPage();
  await page.setInputFiles('#map-input', FILE);
  assert.equal(await previewed(page), 'refused');

  // The draft, applied: every column with its target, type, format and its example read.
  assert.deepEqual(await columnRows(page), [
    ['Name', '#1001', 'properties.', 'name', '', '', ''],
    ['Email', 'ada@example.com', 'userId', null, '', '', ''],
    ['Financial Status', 'paid', 'properties.', 'financialStatus', '', '', ''],
    ['Paid at', '2024-03-05 14:25:10 -0500', 'properties.', 'paidAt', 'timestamp', FORMAT, 'read as 2024-03-05T19:25:10.000Z'],
    ['Fulfillment Status', 'fulfilled', 'properties.', 'fulfillmentStatus', '', '', ''],
    ['Currency', 'USD', 'properties.currency', null, '', '', ''],
    ['Subtotal', '58.00', 'properties.', 'subtotal', 'number', '', ''],
    ['Shipping', '5.00', 'properties.', 'shipping', 'number', '', ''],
    ['Taxes', '4.64', 'properties.', 'taxes', 'number', '', ''],
    ['Total', '67.64', 'properties.', 'total', 'number', '', ''],
    ['Discount Code', 'SPRING10', 'properties.', 'discountCode', '', '', ''],
    ['Created at', '2024-03-05 14:22:07 -0500', 'timestamp', null, '', FORMAT, 'read as 2024-03-05T19:22:07.000Z'],
    ['Lineitem quantity', '2', 'properties.', 'lineitemQuantity', '', '', ''],
    ['Lineitem name', 'Linen Shirt', 'properties.', 'lineitemName', '', '', ''],
    ['Lineitem price', '29.00', 'properties.', 'lineitemPrice', 'number', '', ''],
    ['Lineitem sku', 'LS-001-M', 'properties.', 'lineitemSku', '', '', ''],
    ['Billing City', 'Brooklyn', 'properties.', 'billingCity', '', '', ''],
    ['Billing Country', 'US', 'properties.', 'billingCountry', '', '', ''],
    ['Id', '5521234567890', 'properties.', 'id', 'string', '', ''],
  ]);
  // The guesses and blanks called out, the blank event an empty box marked invalid.
  assert.deepEqual(
    await editor(page).locator('ul.notes li').evaluateAll((lis) => lis.map((li) => [li.dataset.kind, li.dataset.path])),
    [
      ['guess', 'call'],
      ['guess', 'columns["Email"]'],
      ['blank', 'set["event"]'],
    ],
  );
  const event = editor(page).getByLabel('Value of event (to fill in)');
  assert.equal(await event.inputValue(), '');
  assert.equal(await event.getAttribute('aria-invalid'), 'true');
  assert.equal(await event.getAttribute('placeholder'), 'the event name every row is, like Order Completed');
  assert.equal(
    await editor(page).locator('.preview-status').textContent(),
    'Nothing would be sent: csv2segment.json: the mapping has 1 problem, so nothing was sent\n  files[0].set["event"]: still to fill in: replace <fill in: the event name every row is, like Order Completed> with the event name every row is, like Order Completed',
  );
  assert.equal(await editor(page).locator('.preview-status').getAttribute('aria-live'), 'polite');
  await shot(page, 'editor-drafted');

  // The event filled, and a target changed by keyboard: Name to properties.orderId.
  await event.fill('Order Completed');
  await editor(page).getByLabel('Name under the target of Name', { exact: true }).focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('orderId');
  assert.equal(await previewed(page), 'ok');
  assert.equal(await editor(page).locator('.preview-status').textContent(), '2 rows read: 2 can be sent, 0 rejected.');
  const pagePayloads = JSON.parse(await editor(page).locator('pre.payloads').textContent());
  assert.equal(pagePayloads.length, 2);
  assert.deepEqual(withoutIds(pagePayloads)[0].properties.orderId, '#1001');
  assert.equal(pagePayloads[0].userId, 'ada@example.com');
  assert.equal(pagePayloads[0].event, 'Order Completed');
  await shot(page, 'editor-edited');

  // The download: the draft with exactly those two changes.
  const saved = await download(page, 'csv2segment.json');
  const rule = await draftedRule();
  rule.columns.Name = 'properties.orderId';
  rule.set.event = 'Order Completed';
  assert.deepEqual(JSON.parse(await readFile(saved, 'utf8')), { $schema: SCHEMA_URL, files: [rule] });
  await check();

  // The CLI runs the same file with it: every row valid, and the payloads the page previewed.
  const r = await runCli(['validate', '--json', '-q', '--mapping', saved, FILE]);
  assert.equal(r.code, 0, r.stderr);
  const [result] = JSON.parse(r.stdout);
  assert.equal(result.status, 'done');
  const { rows, events, rejected, batches } = result.report;
  assert.deepEqual({ rows, events, rejected, batches }, { rows: 2, events: 2, rejected: 0, batches: 1 });
  const preview = await runCli(['preview', '-q', '--mapping', saved, FILE]);
  assert.equal(preview.code, 0, preview.stderr);
  const cliPayloads = preview.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(withoutIds(cliPayloads), withoutIds(pagePayloads));
});

test('an export chosen with a mapping: the download is that mapping with the file’s rule replaced where it stood', async () => {
  const { page, check } = await openPage();
  await page.setInputFiles('#map-input', [FILE, MAPPING_FILE]);
  assert.equal(await previewed(page), 'refused');
  assert.match(await editor(page).locator('.state').textContent(), /the download is merged into csv2segment\.json\./);
  await editor(page).getByLabel('Value of event (to fill in)').fill('Order Placed');
  await editor(page).getByLabel('Target of Email', { exact: true }).selectOption('userId');
  // A constant added and a column left out.
  await editor(page).getByRole('button', { name: 'Add a constant' }).click();
  await editor(page).getByLabel('Path of constant 2').fill('context.app.name');
  await editor(page).getByLabel('Path of constant 2').press('Tab');
  await editor(page).getByLabel('Value of context.app.name').fill('Shopify');
  await editor(page).getByLabel('Target of Financial Status', { exact: true }).selectOption('');
  assert.equal(await previewed(page), 'ok');
  const payloads = JSON.parse(await editor(page).locator('pre.payloads').textContent());
  assert.equal(payloads[0].context.app.name, 'Shopify');
  assert.equal(payloads[0].properties.financialStatus, undefined);

  const saved = await download(page, 'merged.json');
  const expected = JSON.parse(await readFile(MAPPING_FILE, 'utf8'));
  const rule = await draftedRule();
  rule.columns.Email = 'userId';
  rule.columns['Financial Status'] = null;
  rule.set = { event: 'Order Placed', 'context.app.name': 'Shopify' };
  const at = expected.files.findIndex((r) => r.match === 'orders_export*.csv');
  assert.equal(at, 2);
  expected.files[at] = rule;
  assert.deepEqual(JSON.parse(await readFile(saved, 'utf8')), expected);
  await check();
});

test('an export over 1 MB: the preview reads the whole rows of its first megabyte, and follows the typing choice', async () => {
  const { page, check } = await openPage();
  // The fixture's header, then its second row over and over: every row the same length.
  const [header, , row] = (await readFile(FILE, 'utf8')).split('\n');
  const rows = 12_000;
  const text = `${header}\n${`${row}\n`.repeat(rows)}`;
  assert.ok(text.length > 1 << 20);
  const inPreview = Math.floor(((1 << 20) - header.length - 1) / (row.length + 1));
  await page.setInputFiles('#map-input', { name: 'orders_export_2.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  const big = page.locator('article.editor[data-file-name="orders_export_2.csv"]');
  await big.getByLabel('Value of event (to fill in)').fill('Order Completed');
  await big.getByLabel('Target of Email', { exact: true }).selectOption('userId');
  await page.waitForFunction(() => document.querySelector('article.editor')?.dataset.preview === 'ok');
  assert.equal(await big.locator('.preview-status').textContent(), `${inPreview} rows read: ${inPreview} can be sent, 0 rejected.`);
  // Every sampled "Paid at" is empty: the draft leaves the column out, and says so.
  assert.equal(await big.getByLabel('Target of Paid at', { exact: true }).inputValue(), '');
  assert.deepEqual(await big.locator('ul.notes li[data-kind="dropped"]').evaluateAll((lis) => lis.map((li) => li.dataset.path)), ['columns["Paid at"]', 'columns["Discount Code"]']);
  const first = async () => JSON.parse(await big.locator('pre.payloads').textContent())[0].properties;
  assert.equal((await first()).lineitemQuantity, 1);
  // All values as text: the preview follows the page's choice.
  await page.selectOption('#opt-typing', 'strings');
  await page.waitForFunction(() => {
    const pre = document.querySelector('article.editor pre.payloads');
    return pre && JSON.parse(pre.textContent)[0].properties.lineitemQuantity === '1';
  });
  assert.deepEqual(await first(), { ...(await first()), lineitemQuantity: '1', subtotal: 120 });
  await check();
});

test('an export dropped on the page: its name is not accepted, a button drafts its mapping and takes the focus there; the mapper takes drops too', async () => {
  const { page, check } = await openPage();
  const text = await readFile(FILE, 'utf8');
  await page.setInputFiles('#file-input', { name: NAME, mimeType: 'text/csv', buffer: Buffer.from(text) });
  const result = page.locator(`article.result[data-file-name="${NAME}"]`);
  await page.waitForFunction((n) => document.querySelector(`article.result[data-file-name="${n}"]`)?.dataset.state === 'unprocessable', NAME);
  const button = result.getByRole('button', { name: 'Draft a mapping for this file' });
  await button.focus();
  await page.keyboard.press('Enter');
  assert.equal(await previewed(page), 'refused');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), `Mapping for ${NAME}`);
  // From the heading, Tab reaches the call, how the file is read (folded), then the first column's target.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.labels[0].textContent), 'Each row becomes a call of');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'How the file is read: delimiter ",", utf-8, decimal point');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.labels[0].textContent), 'Target of Name');
  // Every control of the editor has a label of its own.
  const unlabelled = await editor(page).evaluate((root) =>
    [...root.querySelectorAll('select, input')].filter((c) => !c.hidden && !(c.labels?.length === 1 && c.labels[0].textContent.trim())).map((c) => c.id),
  );
  assert.deepEqual(unlabelled, []);

  // A drop on the mapper section opens an editor for the dropped export.
  await page.evaluate((csv) => {
    const dt = new DataTransfer();
    dt.items.add(new File([csv], 'Bestellungen_Maerz.csv', { type: 'text/csv' }));
    const mapper = document.getElementById('mapper');
    mapper.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    mapper.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, 'Kundennummer;Datum\nK-1;05.03.2024 14:30\n');
  const dropped = page.locator('article.editor[data-file-name="Bestellungen_Maerz.csv"]');
  await page.waitForFunction(() => document.querySelector('article.editor[data-file-name="Bestellungen_Maerz.csv"] [data-date="Datum"]')?.textContent);
  assert.equal(await dropped.locator('[data-date="Datum"]').textContent(), 'read as 2024-03-05T14:30:00.000Z');
  await check();
});

test('how the file is read and the time zone of its dates: a German Windows-1252 export, changed on the page and run by the CLI as previewed', async () => {
  const { page, check } = await openPage();
  const name = 'bestellungen.csv';
  // Semicolons, a decimal comma, day-first local times, and an Ä in Windows-1252 (byte C4).
  const text = 'Kunden-Nr;E-Mail;Vorname;Bestelldatum;Betrag\n1001;anna@example.de;Änne;05.03.2024 14:22;12,50\n1002;bert@example.de;Bert;17.03.2024 09:05;7,00\n';
  const bytes = Buffer.from(text, 'latin1');
  assert.equal(bytes.indexOf(0xc4), 66);
  await page.setInputFiles('#map-input', { name, mimeType: 'text/csv', buffer: bytes });
  const ed = editor(page, name);
  const state = () => previewed(page, name);
  assert.equal(await state(), 'refused');

  // The draft's reading, folded under its summary, each a labelled control.
  const summary = ed.locator('details.reading summary');
  assert.equal(await summary.textContent(), 'How the file is read: delimiter ";", windows-1252, decimal comma');
  await summary.click();
  assert.deepEqual(
    [await ed.getByLabel('Delimiter').inputValue(), await ed.getByLabel('Encoding').inputValue(), await ed.getByLabel('Decimal mark').inputValue()],
    [';', 'windows-1252', ','],
  );
  await ed.getByLabel('Value of event (to fill in)').fill('Order Completed');
  // Kunden-Nr, a customer's number, is drafted as the userId.
  assert.equal(await ed.getByLabel('Target of Kunden-Nr', { exact: true }).inputValue(), 'userId');
  assert.equal(await state(), 'ok');
  const first = async () => JSON.parse(await ed.locator('pre.payloads').textContent())[0];
  assert.deepEqual([(await first()).properties, (await first()).timestamp], [{ vorname: 'Änne', betrag: 12.5 }, '2024-03-05T14:22:00.000Z']);

  // The dates are local times in Germany in March: +01:00, and the example and payload follow.
  const zone = ed.getByLabel("Time zone of Bestelldatum's dates, like +01:00 (default UTC)");
  assert.equal(await zone.getAttribute('placeholder'), 'UTC');
  await zone.fill('+01:00');
  assert.equal(await state(), 'ok');
  assert.equal(await ed.locator('[data-date="Bestelldatum"]').textContent(), 'read as 2024-03-05T13:22:00.000Z');
  assert.equal((await first()).timestamp, '2024-03-05T13:22:00.000Z');
  await zone.fill('+1 hour');
  await page.waitForFunction((n) => document.querySelector(`article.editor[data-file-name="${n}"] [data-date="Bestelldatum"]`)?.classList.contains('bad'), name);
  await zone.fill('+01:00');
  assert.equal(await state(), 'ok');

  // A wrong reading shows at once in the preview: read as UTF-8, the Ä is not text; with a
  // decimal point, 12,50 is no number.
  await ed.getByLabel('Encoding').selectOption('utf-8');
  assert.equal(await state(), 'rejected');
  assert.equal(await ed.locator('.preview-status').textContent(), '2 rows read: 1 can be sent, 1 rejected.');
  const [line, column, reason] = await ed.locator('table.preview-rejections tbody tr td').allTextContents();
  assert.deepEqual([line, column, reason], ['2', 'Vorname', 'the text is not valid UTF-8; save the file as UTF-8, or give its encoding in csv2segment.json ("encoding": "windows-1252")']);
  await ed.getByLabel('Encoding').selectOption('windows-1252');
  await ed.getByLabel('Decimal mark').selectOption('.');
  assert.equal(await summary.textContent(), 'How the file is read: delimiter ";", windows-1252, decimal point');
  assert.equal(await state(), 'ok');
  assert.deepEqual((await first()).properties, { vorname: 'Änne', betrag: '12,50' });
  await ed.getByLabel('Decimal mark').selectOption(',');
  assert.equal(await state(), 'ok');
  await shot(page, 'editor-reading');

  const saved = await download(page, 'bestellungen.json', name);
  const [rule] = JSON.parse(await readFile(saved, 'utf8')).files;
  assert.deepEqual([rule.delimiter, rule.encoding, rule.decimal, rule.columns.Bestelldatum, rule.columns['Kunden-Nr']], [';', 'windows-1252', ',', { to: 'timestamp', format: '%d.%m.%Y %H:%M', timezone: '+01:00' }, 'userId']);
  await check();

  // The CLI reads the file with it as the page previewed.
  const csv = path.join(ui.tmp, name);
  await writeFile(csv, bytes);
  const preview = await runCli(['preview', '-q', '--mapping', saved, csv]);
  assert.equal(preview.code, 0, preview.stderr);
  const sent = preview.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(sent.map((p) => [p.userId, p.event, p.timestamp, p.properties]), [
    ['1001', 'Order Completed', '2024-03-05T13:22:00.000Z', { vorname: 'Änne', betrag: 12.5 }],
    ['1002', 'Order Completed', '2024-03-17T08:05:00.000Z', { vorname: 'Bert', betrag: 7 }],
  ]);
});

test('an export of 10,000 columns: the first preview shows, the table renders one page of 50 rows, and the last column is reached, changed and downloaded', async () => {
  const { page, check } = await openPage();
  const name = 'track_wide.csv';
  const columns = 10_000;
  const header = ['userId', 'event', ...Array.from({ length: columns - 2 }, (_, i) => `c${i + 2}`)];
  // Every tenth column filled, so a row's payload stays under Segment's 32 KB.
  const row = (n) => [`u${n}`, 'Viewed', ...header.slice(2).map((_, i) => ((i + 2) % 10 === 0 ? String(((i + 2) * n) % 97) : ''))].join(',');
  const text = `${header.join(',')}\n${row(1)}\n${row(2)}\n`;
  await page.setInputFiles('#map-input', { name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  const ed = editor(page, name);
  assert.equal(await previewed(page, name), 'ok');
  assert.equal(await ed.locator('.preview-status').textContent(), '2 rows read: 2 can be sent, 0 rejected.');
  // One page of the table: 50 rows, the first 50 columns, the pager saying so.
  const shown = () => ed.locator('table.mapping-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.column));
  assert.deepEqual(await shown(), header.slice(0, 50));
  assert.equal(await ed.locator('.page-status').textContent(), 'Columns 1–50 of 10,000 shown.');
  assert.equal(await ed.getByLabel('Page of columns').locator('option').count(), 200);

  // The last page, by keyboard: Last, then the last column's target changed.
  await ed.getByRole('button', { name: 'Last' }).focus();
  await page.keyboard.press('Enter');
  assert.deepEqual(await shown(), header.slice(-50));
  assert.equal(await ed.locator('.page-status').textContent(), 'Columns 9,951–10,000 of 10,000 shown.');
  assert.equal(await ed.getByRole('button', { name: 'Next' }).isDisabled(), true);
  await ed.locator('nav.pager').screenshot({ path: path.join(SHOTS, 'editor-wide-pager.png') });
  for (const [column, to] of [
    ['c9999', 'lastOne'],
    ['c9990', 'nearLast'],
  ]) {
    await ed.getByLabel(`Target of ${column}`, { exact: true }).selectOption('properties.');
    await ed.getByLabel(`Name under the target of ${column}`, { exact: true }).fill(to);
  }
  // A column found by name: its page shown and its target focused.
  await ed.getByLabel('Find a column').fill('c4320');
  await page.keyboard.press('Enter');
  assert.equal(await ed.locator('.page-status').textContent(), 'Columns 4,301–4,350 of 10,000 shown.');
  assert.equal(await page.evaluate(() => document.activeElement.labels[0].textContent), 'Target of c4320');
  await ed.getByLabel('Target of c4320', { exact: true }).selectOption('');
  assert.equal((await shown()).length, 50);
  assert.equal(await previewed(page, name), 'ok');
  const first = JSON.parse(await ed.locator('pre.payloads').textContent())[0];
  assert.deepEqual([first.properties.nearLast, first.properties.c9990, first.properties.c4320, first.properties.c4330], [96, undefined, undefined, 62]);

  const saved = await download(page, 'wide.json', name);
  const [rule] = JSON.parse(await readFile(saved, 'utf8')).files;
  assert.equal(Object.keys(rule.columns).length, columns);
  assert.equal(rule.columns.c9999, 'properties.lastOne');
  assert.equal(rule.columns.c9990, 'properties.nearLast');
  assert.equal(rule.columns.c4320, null);
  assert.equal(rule.columns.c9998, 'properties.c9998');
  await check();
});

/** The first rows as the editor of `name` shows them: [role, text]. */
const firstRows = (page, name) =>
  editor(page, name)
    .locator('ol.first-rows li')
    .evaluateAll((lis) => lis.map((li) => [li.dataset.row, li.querySelector('code')?.textContent ?? li.textContent]));

test('a Qualtrics export (three header rows): drafted with its skip, the skipped rows shown greyed, previewed with its 1 row, and downloaded with the skip', async () => {
  const { page, check } = await openPage();
  // Read from the corpus of real exports (others' data, never copied into the repository).
  const file = path.join(ROOT, '..', 'shared', 'exports', 'sample.csv');
  const name = 'sample.csv';
  const ed = editor(page, name);
  await page.setInputFiles('#map-input', file);
  assert.equal(await previewed(page, name), 'refused');
  assert.deepEqual(await ed.locator('ul.notes li[data-path^="skip"]').evaluateAll((lis) => lis.map((li) => [li.dataset.kind, li.dataset.path, li.textContent])), [
    ['guess', 'skip.after', 'Guess: the 2 rows after the header row are more header rows (question labels, {"ImportId": …} cells), as Qualtrics writes them: "skip" leaves them unread'],
  ]);
  const summary = ed.locator('details.reading summary');
  assert.equal(await summary.textContent(), 'How the file is read: delimiter ",", utf-8, decimal point, 2 header rows skipped after it');
  await summary.click();
  const before = ed.getByLabel('Rows skipped before the header');
  const after = ed.getByLabel('Header rows skipped after it');
  assert.deepEqual([await before.inputValue(), await after.inputValue(), await after.getAttribute('max')], ['0', '2', '1000']);
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  const shown = await firstRows(page, name);
  assert.deepEqual(shown.map(([role]) => role), ['header', 'skipped', 'skipped', 'values']);
  // Each row as the engine read it, its cells put back with the delimiter.
  assert.equal(shown[0][1], lines[0]);
  assert.equal(shown[1][1].slice(0, 40), lines[1].slice(0, 40));
  assert.ok(shown[2][1].startsWith('{"ImportId":"startDate"},{"ImportId":"endDate"},'), shown[2][1]);
  assert.equal(await ed.locator('ol.first-rows li.skipped').count(), 2);

  // The event and the person filled in: the one row of values previews.
  await ed.getByLabel('Value of event (to fill in)').fill('Survey Completed');
  await ed.getByLabel('Target of ResponseId', { exact: true }).selectOption('userId');
  assert.equal(await previewed(page, name), 'ok');
  assert.equal(await ed.locator('.preview-status').textContent(), '1 row read: 1 can be sent, 0 rejected.');
  const first = async () => JSON.parse(await ed.locator('pre.payloads').textContent());
  assert.deepEqual((await first()).map((p) => [p.userId, p.event, p.timestamp]), [['R_2YPOQ602ER1jkf1', 'Survey Completed', '2017-07-18T08:28:48.000Z']]);
  await shot(page, 'editor-skip');

  // One header row fewer skipped: the ImportId row is read as values, and its date rejected.
  await after.fill('1');
  assert.equal(await previewed(page, name), 'rejected');
  assert.equal(await ed.locator('.preview-status').textContent(), '2 rows read: 1 can be sent, 1 rejected.');
  assert.deepEqual((await firstRows(page, name)).map(([role]) => role), ['header', 'skipped', 'values', 'values']);
  assert.equal(await summary.textContent(), 'How the file is read: delimiter ",", utf-8, decimal point, 1 header row skipped after it');
  await after.fill('2');
  assert.equal(await previewed(page, name), 'ok');

  const pagePayloads = await first();
  const saved = await download(page, 'qualtrics.json', name);
  const [rule] = JSON.parse(await readFile(saved, 'utf8')).files;
  assert.deepEqual([rule.skip, rule.columns.ResponseId, rule.set], [{ before: 0, after: 2 }, 'userId', { event: 'Survey Completed' }]);
  await check();

  // The CLI reads the real file with it as the page previewed.
  const preview = await runCli(['preview', '-q', '--mapping', saved, file]);
  assert.equal(preview.code, 0, preview.stderr);
  const sent = preview.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(withoutIds(sent), withoutIds(pagePayloads));
});

test('a preamble before the header and ids Excel damaged: the skipped rows greyed, the damage said, and a skip past the limit refused with the engine\'s message', async () => {
  const { page, check } = await openPage();
  const name = 'customers_export.csv';
  const text = '# Customers, all\n# Account: Demo, Shop\n\nCustomer ID,Email,Amount,Created\n7.02255E+12,ada@example.com,12.50,2024-03-05\n7.02256E+12,bob@example.com,3.00,2024-03-06\n';
  await page.setInputFiles('#map-input', { name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  const ed = editor(page, name);
  assert.equal(await previewed(page, name), 'ok');
  assert.deepEqual(await firstRows(page, name), [
    ['skipped', '# Customers, all'],
    ['skipped', '# Account: Demo, Shop'],
    ['header', 'Customer ID,Email,Amount,Created'],
    ['values', '7.02255E+12,ada@example.com,12.50,2024-03-05'],
    ['values', '7.02256E+12,bob@example.com,3.00,2024-03-06'],
  ]);
  assert.deepEqual(await ed.locator('ul.notes li[data-kind="damaged"]').evaluateAll((lis) => lis.map((li) => li.textContent)), [
    "Damaged: 'Customer ID': 2 sampled value(s) like '7.02255E+12' are in scientific notation, as Excel shows a number of 12 digits or more: Excel turned these ids into numbers and dropped digits; export the column as text",
  ]);
  await ed.locator('details.reading summary').click();
  const before = ed.getByLabel('Rows skipped before the header');
  assert.equal(await before.inputValue(), '2');
  // More rows than the file's first rows shown: the list says how many more are skipped.
  await before.fill('7');
  assert.deepEqual((await firstRows(page, name)).map(([role]) => role), ['skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'more']);
  assert.equal(await ed.locator('ol.first-rows li[data-row="more"]').textContent(), 'and 2 more rows skipped, past the ones shown');
  // Past MAX_SKIP: the engine's check, in the preview.
  await before.fill('1001');
  assert.equal(await previewed(page, name), 'refused');
  assert.equal(
    await ed.locator('.preview-status').textContent(),
    'Nothing would be sent: csv2segment.json: the mapping has 1 problem, so nothing was sent\n  files[0].skip: must be a whole number of rows from 0 to 1000 (MAX_SKIP), like 3',
  );
  await before.fill('0');
  assert.equal(await ed.locator('details.reading summary').textContent(), 'How the file is read: delimiter ",", utf-8, decimal point');
  assert.equal((await firstRows(page, name))[0][0], 'header');
  const saved = await download(page, 'customers.json', name);
  assert.equal(JSON.parse(await readFile(saved, 'utf8')).files[0].skip, undefined);
  await check();
});
