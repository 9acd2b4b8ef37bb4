// `npm start -- --once`: the whole local stack (Worker in workerd, local R2 and queue, local
// Segment server) delivers the samples and exits 0.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

test('npm start -- --once delivers both samples and exits 0', () => {
  const run = spawnSync(process.execPath, ['scripts/start.mjs', '--once', '--port', '0'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, INGEST_TOKEN: '' },
  });
  assert.equal(run.status, 0, run.stderr);
  const out = run.stdout;
  assert.match(out, /^identify_1\.csv: done; 4 rows, 4 events, 0 rejected, 4 delivered in 1 request\(s\)$/m);
  assert.match(out, /^track_1\.csv: done; 4 rows, 4 events, 0 rejected, 4 delivered in 1 request\(s\)$/m);
  assert.match(out, /^What Segment received \(8 events\):$/m);
  const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => `${e.type} ${e.userId}`).sort(), ['identify 1', 'identify 2', 'identify 3', 'identify 4', 'track 1', 'track 2', 'track 3', 'track 4']);
  assert.ok(!out.includes('local-write-key'));
});
