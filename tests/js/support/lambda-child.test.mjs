// The handler's process for one test (tests/support/lambda-child.mjs) ends with the test: a test
// that times out while its invocation runs leaves no process behind. Once it did: the hostile
// file's child ran on after its test had failed by time, reading and sending, and node --test
// waited for it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const HELPER = new URL('../../support/lambda-child.mjs', import.meta.url).href;

test('a test that times out while its invocation runs: the handler process is killed and waited for', { timeout: 150_000 }, async (t) => {
  // An S3 endpoint that takes connections and never answers: the handler's first request waits
  // for ever, so the invocation is still running when its test times out, on any machine.
  const sockets = new Set();
  const silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const url = `http://127.0.0.1:${/** @type {net.AddressInfo} */ (silent.address()).port}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'lambda-child-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  // A test file of its own whose one test times out awaiting the invocation; once its tests and
  // their after hooks are done, it lists the processes it still has (pgrep leaves itself out).
  const file = path.join(dir, 'times-out.test.mjs');
  await writeFile(
    file,
    `
    import { spawnSync } from 'node:child_process';
    import { after, test } from 'node:test';
    import { invokeHandler } from ${JSON.stringify(HELPER)};
    test('an invocation that never ends', { timeout: 1000 }, (t) => invokeHandler(t, JSON.parse(process.env.INVOKE_ENV)));
    after(() => {
      const left = spawnSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).stdout.split('\\n').filter(Boolean).map(Number);
      console.log('children left: ' + JSON.stringify(left));
    });
    `,
  );
  const env = {
    ...process.env,
    INVOKE_ENV: JSON.stringify({
      AWS_ENDPOINT_URL_S3: url,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      SEGMENT_ENDPOINT: url,
      SEGMENT_WRITE_KEY: 'wk_never_answered',
      BENCH_BUCKET: 'silent',
      BENCH_KEY: 'incoming/never.csv',
      BENCH_ETAG: '0123456789abcdef',
    }),
  };
  delete env.NODE_TEST_CONTEXT; // (else the child would report to this runner, not to stdout)
  const fixture = spawn(process.execPath, [file], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(fixture, 'exit');
  let stdout = '';
  fixture.stdout.setEncoding('utf8');
  const listed = new Promise((resolve) =>
    fixture.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.match(/^children left: (.*)$/m);
      if (line) resolve(JSON.parse(line[1]));
    }),
  );
  // Only a stop for a hang: what the file left running is killed here, so this test ends either way.
  const hang = setTimeout(() => fixture.kill('SIGKILL'), 120_000);
  try {
    const left = await Promise.race([listed, exited.then(() => null)]);
    for (const pid of left ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // (gone already)
      }
    }
    assert.deepEqual(left, [], 'the handler process outlived its test');
    const [code, signal] = await exited;
    assert.deepEqual([code, signal], [1, null], 'the test file exited by itself, its one test failed');
    assert.match(stdout, /not ok 1 - an invocation that never ends[\s\S]*test timed out after 1000ms/);
  } finally {
    clearTimeout(hang);
    fixture.kill('SIGKILL');
  }
});
