// examples/: each example runs as a user would run it, against the local Segment server, and
// docs/javascript.md shows the example's code as it is in the file.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { EXPORTS, MAPPING_FILE, expectedPayloads, withoutIds } from '../../support/exports.mjs';
import { CLEAN_ENV, run } from '../../support/run.mjs';
import { startSegmentServer } from '../../support/segment-server.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLE = path.join(ROOT, 'examples', 'engine.mjs');
const WRITE_KEY = 'wk_example_0123456789';

const TRACK_CSV = 'userId,event,properties.plan,timestamp\n1,Signed Up,pro,2024-03-05T10:00:00Z\n2,Signed Up,free,not a date\n';
const REJECTION = "line 3, column 4 (timestamp): cannot read 'not a date' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds";

describe('examples/engine.mjs: the example in docs/javascript.md', () => {
  let seg;
  let dir;
  const example = (args) => run(process.execPath, [EXAMPLE, ...args], { cwd: ROOT, env: { ...CLEAN_ENV, SEGMENT_WRITE_KEY: WRITE_KEY } });

  before(async () => {
    seg = await startSegmentServer({ writeKey: WRITE_KEY });
    dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-example-'));
  });
  after(async () => {
    await seg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('streams a file to Segment, reports the rejected row, and validates it in one call', async () => {
    const file = path.join(dir, 'track_signups.csv');
    await writeFile(file, TRACK_CSV);
    const first = await example([file, seg.url]);
    assert.equal(first.stderr, '');
    assert.equal(first.code, 0);
    const payload = {
      type: 'track',
      userId: '1',
      event: 'Signed Up',
      properties: { plan: 'pro' },
      context: { library: { name: 'csv2segment', version: '0.1.0' } },
      timestamp: '2024-03-05T10:00:00.000Z',
    };
    const [summary, rejection, rejects, validated, ...rest] = first.stdout.split('\n');
    assert.deepEqual([summary, rejection, rejects, rest], ['2 rows, 1 events sent, 1 rejected', REJECTION, 'rejected rows as CSV: 223 bytes', ['']]);
    assert.ok(validated.startsWith('validate: 2 rows; first payload: '), validated);
    const shown = JSON.parse(validated.slice('validate: 2 rows; first payload: '.length));
    assert.deepEqual(withoutIds([shown]), [payload]);
    assert.deepEqual(withoutIds(seg.events), [payload]);

    // Run again: the same messageId, so Segment drops the repeat.
    const second = await example([file, seg.url]);
    assert.equal(second.code, 0);
    assert.equal(seg.events.length, 2);
    assert.equal(seg.events[1].messageId, seg.events[0].messageId);
  });

  test('with a mapping file, an export goes as its expected payloads', async () => {
    const before = seg.events.length;
    const r = await example([path.join(EXPORTS, 'orders_export_1.csv'), seg.url, MAPPING_FILE]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const expected = expectedPayloads('orders_export_1.csv');
    assert.equal(r.stdout.split('\n')[0], `${expected.length} rows, ${expected.length} events sent, 0 rejected`);
    assert.deepEqual(withoutIds(seg.events.slice(before)), withoutIds(expected));
  });

  test('a missing write key is refused by Segment and the example exits non-zero', async () => {
    const file = path.join(dir, 'track_nokey.csv');
    await writeFile(file, TRACK_CSV);
    const r = await run(process.execPath, [EXAMPLE, file, seg.url], { cwd: ROOT, env: CLEAN_ENV });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: Segment answered 401 to \/v1\/batch/);
  });
});

test('docs/javascript.md shows examples/engine.mjs as it is', async () => {
  const doc = await readFile(path.join(ROOT, 'docs', 'javascript.md'), 'utf8');
  const section = doc.slice(doc.indexOf('# Using the engine from JavaScript'));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'no ```js block in the section');
  assert.equal(block[1], await readFile(EXAMPLE, 'utf8'));
});
