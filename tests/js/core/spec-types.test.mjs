// Every :type on every field of Segment's spec, under each `empty` option, for every call, sent
// through the strict stand-in: what the header takes, Segment keeps (nothing is dropped while
// counted as delivered), and what Segment would drop is a header error naming the type.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadEngine } from '../../../js/core/engine.mjs';
import { ingestFile } from '../../../js/core/pipeline.mjs';
import { Sender } from '../../../js/core/sender.mjs';
import { startSegmentServer } from '../../support/segment-server.mjs';

const WRITE_KEY = 'wk_types_test';
const CALLS = ['identify', 'track', 'page', 'screen', 'group', 'alias', 'object'];
const TYPES = [null, 'string', 'number', 'integer', 'boolean', 'timestamp', 'json'];
const EMPTY = ['omit', 'null', 'string'];
/** Two cells each type reads, different so that every row is its own event. */
const CELLS = {
  none: ['true', '42'],
  string: ['s1', 'TRUE'],
  number: ['1.5', '7'],
  integer: ['3', '-4'],
  boolean: ['yes', 'FALSE'],
  timestamp: ['2024-01-02T03:04:05Z', '2024-01-03'],
  json: ['{"k":1}', '"j"'],
};
/** The columns each call needs, filled per row. */
const BASE = {
  identify: { userId: (r) => `u${r}` },
  track: { userId: (r) => `u${r}`, event: () => 'Signed Up' },
  page: { userId: (r) => `u${r}` },
  screen: { userId: (r) => `u${r}` },
  group: { userId: (r) => `u${r}`, groupId: () => 'g1' },
  alias: { previousId: (r) => `p${r}`, userId: (r) => `u${r}` },
  object: { id: (r) => `r${r}` },
};
/** Columns beyond the spec's: where a call's other data goes (objects: any name, snake-cased). */
const DATA = {
  identify: ['plan'],
  track: ['plan'],
  page: ['plan'],
  screen: ['plan'],
  group: ['plan'],
  alias: [],
  object: ['plan', 'Room Name', 'price.amount', 'properties.review_count', 'isOpen'],
};
const STRING_FIELDS = new Set(['userId', 'anonymousId', 'previousId', 'event', 'groupId', 'name', 'category']);

/** The rule, as docs/files-and-mappings.md states it: which `:type` a field takes. */
function takes(call, field, type) {
  if (type === null) return true;
  if (call === 'object') return field === 'id' || type !== 'json';
  if (STRING_FIELDS.has(field) || field === 'messageId') return type === 'string';
  if (field === 'timestamp') return type === 'timestamp';
  return true;
}

const quote = (cell) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);

/**
 * A file with the field under test typed `type`: two rows with its cells, one with it empty. With
 * `renamed`, the column is `Source Column`, which a mapping sends to the field.
 */
function csvFor(call, field, type, renamed) {
  const column = renamed ? 'Source Column' : type === null ? field : `${field}:${type}`;
  const base = Object.entries(BASE[call]).filter(([name]) => name !== field);
  const header = [...base.map(([name]) => name), column];
  const cells = CELLS[type ?? 'none'];
  const rows = [cells[0], cells[1], ''].map((cell, r) => [...base.map(([, value]) => value(r)), cell]);
  return `${[header, ...rows].map((row) => row.map(quote).join(',')).join('\n')}\n`;
}

let engine;
let seg;
before(async () => {
  engine = await loadEngine();
  seg = await startSegmentServer({ writeKey: WRITE_KEY, port: 0 });
});
after(() => seg.close());

test('every :type on every spec field, every empty option, every call: nothing sent is dropped', async () => {
  let sent = 0;
  let refused = 0;
  for (const call of CALLS) {
    const fields = [...engine.specFields(call), ...DATA[call]];
    for (const field of fields) {
      for (const type of TYPES) {
        // Each `empty` option, and a mapping's rename (`{"to": field, "type": type}`) under null.
        const runs = [...EMPTY.map((empty) => ({ empty })), { empty: 'null', mapping: JSON.stringify({ files: [{ match: '*', columns: { 'Source Column': type === null ? { to: field } : { to: field, type } } }] }) }];
        for (const options of runs) {
          const csv = new TextEncoder().encode(csvFor(call, field, type, options.mapping !== undefined));
          const what = `${call} ${field}:${type} ${JSON.stringify(options)}`;
          seg.reset();
          const key = call === 'object' ? 'object_rooms_types.csv' : `${call}_types.csv`;
          const sender = new Sender({ writeKey: WRITE_KEY, endpoints: { batch: seg.url, set: seg.url } });
          const result = await ingestFile({ engine, key, identity: `test://${what}`, options, source: [csv], sender });
          const { report } = result;
          if (!takes(call, field, type)) {
            assert.equal(result.status, 'unprocessable', what);
            const problems = report.error.split('\n').slice(1);
            assert.deepEqual(problems.map((p) => /^ {2}column \d+ \(.*\): the type \w+ cannot be used here: /.test(p)), [true], `${what}: ${report.error}`);
            assert.equal(seg.requests.length, 0, what);
            refused += 1;
            continue;
          }
          assert.equal(result.status, 'done', `${what}: ${report.error}`);
          assert.deepEqual(seg.dropped, [], what);
          const ids = call === 'object' ? seg.objects.map((o) => o.id) : seg.events.map((e) => e.messageId);
          assert.equal(new Set(ids).size, report.events, what);
          assert.equal(ids.length, report.events, what);
          assert.equal(result.delivery.events, report.events, what);
          assert.equal(report.events + report.rejected, report.rows, what);
          assert.ok(report.events >= 1, `${what}: ${JSON.stringify(report.rejections)}`);
          sent += 1;
        }
      }
    }
  }
  // Both outcomes were exercised, under every option.
  assert.ok(sent > 1000 && refused > 100, `${sent} sent, ${refused} refused`);
});
