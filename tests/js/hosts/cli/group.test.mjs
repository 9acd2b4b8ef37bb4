// Line-item exports on the CLI (issue 25): Shopify's orders export, drafted by `csv2segment map`
// (its "group" on the order's Name, the Lineitem columns into properties.products[]) and sent to
// the strict Segment stand-in as one Order Completed per order, with the messageIds `preview`
// shows. An order of more lines than an event is read from (MAX_GROUP_ROWS) is one rejected
// event: its lines in FILE.rejected.csv (up to maxRejections), the next order sent.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { bigOrder, LINE_ITEMS, sentEvents, SHOPIFY, SHOPIFY_EVENTS } from '../../../support/line-items.mjs';
import { startSegmentServer } from '../../../support/segment-server.mjs';
import { runCli as cli } from '../../../support/run.mjs';

const WRITE_KEY = 'wk_cli_group_5d4c3b';
const ndjson = (text) => text.trimEnd().split('\n').map((line) => JSON.parse(line));
/** The run's time in any of progress.mjs's forms (2.35 s, 12.4 s, 2 min 5 s). */
const TIME = String.raw`(\d+\.\d\d?|\d+ min \d+) s`;
const BOUND = `the group has 1001 rows, over the 1000 one event is read from (MAX_GROUP_ROWS); check that the mapping's "group" names the column of the order, or send the rows as orders of their own`;

describe('CLI: line-item exports', () => {
  let dir;
  let seg;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-group-'));
    seg = await startSegmentServer({ writeKey: WRITE_KEY, seed: 25 });
  });
  after(async () => {
    await seg?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => seg.reset());
  const endpoint = () => ['--endpoint', seg.url, '--objects-endpoint', seg.url, '--write-key', WRITE_KEY];

  /** The Shopify export copied to the scratch folder with the mapping `map` drafts for it. */
  async function drafted() {
    const file = path.join(dir, SHOPIFY);
    await copyFile(path.join(LINE_ITEMS, SHOPIFY), file);
    const map = await cli(['map', '--quiet', file]);
    assert.equal(map.code, 0, map.stderr);
    const mapping = path.join(dir, 'csv2segment.json');
    await writeFile(mapping, map.stdout);
    return { file, mapping, rule: JSON.parse(map.stdout).files[0] };
  }

  test("Shopify's export, as drafted: one Order Completed per order, products in line order, the ids preview shows", async () => {
    const { file, mapping, rule } = await drafted();
    assert.equal(rule.group, 'Name');
    const r = await cli(['send', '--mapping', mapping, file, ...endpoint()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: track calls: 7 rows, 0 rejected; 3 events delivered in 1 request, ${TIME}\\n$`));
    assert.deepEqual(sentEvents(seg), SHOPIFY_EVENTS);
    const stats = seg.stats();
    assert.deepEqual([stats.accepted, stats.uniqueMessageIds, stats.duplicates], [3, 3, 0]);

    const preview = await cli(['preview', '--mapping', mapping, file]);
    assert.equal(preview.code, 0, preview.stderr);
    assert.deepEqual(ndjson(preview.stdout).map((p) => p.messageId), seg.events.map((e) => e.messageId));
    const [result] = JSON.parse((await cli(['validate', '--json', '--mapping', mapping, file])).stdout);
    const { rows, events, rejected, groupedRows, rejections } = result.report;
    assert.deepEqual({ rows, events, rejected, groupedRows, rejections }, { rows: 7, events: 3, rejected: 0, groupedRows: 4, rejections: [] });
  });

  test('an order of 1,001 lines: one rejected event with the reason, said as not in the rejects CSV (more lines than the report lists, maxRejections, and an order is listed whole or not at all), the next order sent', async () => {
    const { mapping } = await drafted();
    // Only the sku goes into products[], so the order's event stays under 32 KB and the bound
    // that rejects it is the count of its lines.
    const m = JSON.parse(await readFile(mapping, 'utf8'));
    for (const [column, to] of Object.entries(m.files[0].columns)) if (String(to?.to ?? to).includes('[]') && column !== 'Lineitem sku') m.files[0].columns[column] = null;
    await writeFile(mapping, JSON.stringify(m));
    const file = path.join(dir, 'orders_export_2.csv');
    const text = bigOrder(1001);
    await writeFile(file, text);

    const r = await cli(['send', '--mapping', mapping, file, ...endpoint()]);
    assert.equal(r.code, 1);
    const lines = r.stderr.split('\n');
    assert.match(lines[0], new RegExp(`: track calls: 1,002 rows, 1,001 rejected; 1 event delivered in 1 request, ${TIME}$`));
    assert.deepEqual(lines.slice(1, -1), [
      `  the group of 1001 rows from line 2 was rejected (${BOUND}) and is not in the rejects file: the report lists at most maxRejections rows and a group is listed whole or not at all`,
    ]);
    assert.deepEqual(seg.events.map((e) => [e.properties.order_id, e.properties.products]), [['#5001', [{ sku: 'SKU-5001-0' }]]]);
    // No rejects CSV: part of the order in it, sent again, would send a smaller order.
    await assert.rejects(readFile(`${file}.rejected.csv`, 'utf8'), { code: 'ENOENT' });
  });
});
