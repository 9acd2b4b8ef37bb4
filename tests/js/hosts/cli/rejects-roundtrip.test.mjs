// The round trip the CLI promises: FILE.rejected.csv from a real `send`, its cell fixed and the
// file sent as it is (csv2segment_error column and all), arrives as the rows would have.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSegmentServer } from '../../../support/segment-server.mjs';
import { runCli as cli } from '../../../support/run.mjs';

const WRITE_KEY = 'wk_rejects_roundtrip';
const LIBRARY = { name: 'csv2segment', version: '0.1.0' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const withoutIds = (events) => events.map(({ messageId, ...rest }) => (assert.match(messageId, UUID), rest));

/**
 * Per call: the file, the rejects file its run writes, that file with the cell fixed, and what
 * the fixed file delivers.
 */
const CASES = [
  {
    file: 'identify_fix.csv',
    csv: 'userId,traits.plan\n1,basic\n,pro\n',
    rejects: 'userId,traits.plan,csv2segment_error\n,pro,"line 3, column 1 (userId): userId and anonymousId are both empty; fill in at least one"\n',
    fixed: (r) => r.replace('\n,pro,', '\n2,pro,'),
    events: [{ type: 'identify', userId: '2', traits: { plan: 'pro' }, context: { library: LIBRARY } }],
  },
  {
    file: 'track_fix.csv',
    csv: 'userId,event,properties.amount:number\n1,Paid,5\n2,Paid,abc\n',
    rejects: 'userId,event,properties.amount:number,csv2segment_error\n2,Paid,abc,"line 3, column 3 (properties.amount:number): \'abc\' is not a number; write it like 1234.5"\n',
    fixed: (r) => r.replace(',abc,', ',7.5,'),
    events: [{ type: 'track', userId: '2', event: 'Paid', properties: { amount: 7.5 }, context: { library: LIBRARY } }],
  },
  {
    file: 'page_fix.csv',
    csv: 'userId,name,timestamp\n1,Home,2024-01-02T03:04:05Z\n2,Pricing,yesterday\n',
    rejects:
      'userId,name,timestamp,csv2segment_error\n2,Pricing,yesterday,"line 3, column 3 (timestamp): cannot read \'yesterday\' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds"\n',
    fixed: (r) => r.replace(',yesterday,', ',2024-01-01T10:00:00+02:00,'),
    events: [{ type: 'page', userId: '2', name: 'Pricing', context: { library: LIBRARY }, timestamp: '2024-01-01T08:00:00.000Z' }],
  },
  {
    file: 'screen_fix.csv',
    csv: 'anonymousId,name\na1,Main\n,Settings\n',
    rejects: 'anonymousId,name,csv2segment_error\n,Settings,"line 3, column 1 (anonymousId): userId and anonymousId are both empty; fill in at least one"\n',
    fixed: (r) => r.replace('\n,Settings,', '\na2,Settings,'),
    events: [{ type: 'screen', anonymousId: 'a2', name: 'Settings', context: { library: LIBRARY } }],
  },
  {
    file: 'group_fix.csv',
    csv: 'userId,groupId,traits.employees:integer\n1,g1,10\n2,g2,many\n',
    rejects: 'userId,groupId,traits.employees:integer,csv2segment_error\n2,g2,many,"line 3, column 3 (traits.employees:integer): \'many\' is not a whole number; write it like 1234"\n',
    fixed: (r) => r.replace(',many,', ',12,'),
    events: [{ type: 'group', userId: '2', groupId: 'g2', traits: { employees: 12 }, context: { library: LIBRARY } }],
  },
  {
    file: 'alias_fix.csv',
    csv: 'previousId,userId\np1,u1\np2,\n',
    rejects: 'previousId,userId,csv2segment_error\np2,,"line 3, column 2 (userId): userId is empty; every alias call needs one"\n',
    fixed: (r) => r.replace('\np2,,', '\np2,u2,'),
    events: [{ type: 'alias', userId: 'u2', previousId: 'p2', context: { library: LIBRARY } }],
  },
  {
    file: 'object_rooms_fix.csv',
    csv: 'id,beds,name\nr1,2,Blue\n,3,Green\n',
    rejects: 'id,beds,name,csv2segment_error\n,3,Green,"line 3, column 1 (id): id is empty; every object call needs one"\n',
    fixed: (r) => r.replace('\n,3,', '\nr2,3,'),
    objects: [{ collection: 'rooms', id: 'r2', properties: { beds: 3, name: 'Green' } }],
  },
];

describe('a fixed rejects file sends as the file it came from', () => {
  let dir;
  let seg;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-rejects-'));
    seg = await startSegmentServer({ writeKey: WRITE_KEY, port: 0 });
  });
  after(async () => {
    await seg.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => seg.reset());
  const send = (file) => cli(['send', file, '--endpoint', seg.url, '--objects-endpoint', seg.url], { env: { SEGMENT_WRITE_KEY: WRITE_KEY } });

  for (const c of CASES) {
    test(c.file.split('_')[0], async () => {
      const file = path.join(dir, c.file);
      await writeFile(file, c.csv);
      const first = await send(file);
      assert.equal(first.code, 1, first.stderr);
      const rejectsFile = `${file}.rejected.csv`;
      const rejects = await readFile(rejectsFile, 'utf8');
      assert.equal(rejects, c.rejects);

      seg.reset();
      await writeFile(rejectsFile, c.fixed(rejects));
      const again = await send(rejectsFile);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /: 1 rows?, 0 rejected; 1 event delivered in 1 request, /);
      assert.deepEqual(seg.dropped, []);
      if (c.objects) {
        assert.deepEqual(seg.objects, c.objects);
        assert.deepEqual(seg.events, []);
      } else {
        assert.deepEqual(withoutIds(seg.events), c.events);
        assert.deepEqual(seg.objects, []);
      }
    });
  }
});
