// The Worker Cloudflare would run: wrangler's own bundle (`wrangler deploy --dry-run --outdir`,
// offline), not the source the other Miniflare tests load module by module. The stack runs it
// with `bundle: true`; the queue and HTTP tests of worker.test.mjs and worker-edges.test.mjs run
// against it here, in a child `node --test` with CSV2SEGMENT_WORKER_BUNDLE=1 (the stack's default
// then), all but the 300 MB streaming test, which worker.test.mjs runs on the source.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startWorkerFor } from '../../../support/use-worker-stack.mjs';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const WRITE_KEY = 'wk_bundle_secret_6e0d';
const TOKEN = 'tok_bundle_secret_11aa';

test("the stack runs wrangler's bundle: one module and the wasm, from wrangler's outdir; R2 and HTTP work", async (t) => {
  const { seg, worker: stack } = await startWorkerFor(t, { writeKey: WRITE_KEY, token: TOKEN, bundle: true });
  assert.ok(stack.bundle && !stack.bundle.startsWith(ROOT), stack.bundle);
  const files = readdirSync(stack.bundle).filter((f) => !f.endsWith('.map') && f !== 'README.md');
  assert.equal(files.length, 2, files.join(', '));
  assert.ok(files.includes('index.js') && files.some((f) => f.endsWith('-csv2segment_bg.wasm')), files.join(', '));
  assert.ok(stack.logs().some((l) => l.source === 'harness' && l.line === `running wrangler's bundle of js/hosts/worker/index.mjs: ${stack.bundle}`));
  const res = await fetch(`${stack.url}/v1/ingest/track_b.csv`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'userId,event\n1,Paid\n2,Paid\n' });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).delivery.events, 2);
  await stack.putAndNotify('incoming/track_q.csv', 'userId,event\n3,Paid\n');
  await stack.waitFor(() => stack.bucket.head('csv2segment-reports/incoming/track_q.csv.report.json'), { timeoutMs: 30_000 });
  assert.deepEqual(seg.events.map((e) => e.userId).sort(), ['1', '2', '3']);
});

test('the queue and HTTP tests of worker.test.mjs and worker-edges.test.mjs pass against the bundle', { timeout: 600_000 }, async (t) => {
  const args = ['--test', '--test-reporter=tap', '--test-name-pattern=^Worker$', '--test-name-pattern=^Worker edges$', '--test-name-pattern=^Worker: a \\.gz file in pieces$', 'tests/js/hosts/worker/worker.test.mjs', 'tests/js/hosts/worker/worker-edges.test.mjs'];
  // (Without NODE_TEST_CONTEXT, which the runner sets for this file: the child is a runner of its own.)
  const env = { ...process.env, CSV2SEGMENT_WORKER_BUNDLE: '1' };
  delete env.NODE_TEST_CONTEXT;
  // In a process group of its own: a child still running when this test fails or times out (its
  // test files and their workerd included) is killed whole, or it would keep this runner alive.
  const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(out)?.[1]);
  const failed = out.split('\n').filter((l) => /^\s*not ok /.test(l));
  assert.deepEqual(failed, [], out.slice(-4000));
  assert.equal(code, 0, out.slice(-4000));
  // Every test of both files ran but the one skipped by name.
  assert.equal(count('fail'), 0);
  assert.equal(count('skipped'), 1);
  assert.ok(count('pass') >= 16, `${count('pass')} passed`);
  t.diagnostic(`against the bundle: ${count('pass')} passed, ${count('skipped')} skipped`);
});
