// The Lambda handler invoked once in a process of its own (bench/e2e-child.mjs lambda, as
// `npm run bench:e2e` runs it), so that its peak RSS is its own, for one test. The process is the
// test's: killed when the test's signal aborts (it timed out or was cancelled), and killed if it
// still runs and waited for before the test ends, whatever its outcome. A test that fails by time
// never leaves a handler reading a large file and sending on, nor node --test waiting for it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../../bench/e2e-child.mjs', import.meta.url));

/**
 * One invocation of the handler on the S3 object BENCH_BUCKET/BENCH_KEY (its ETag BENCH_ETAG), with
 * the deployed function's NODE_OPTIONS (docs/aws.md) and this process's environment under `env`.
 * Resolves to the child's last stdout line, { ms, maxRssMb, ... }, and `trace` (the
 * BENCH_MEMORY_TRACE line on stderr, if any); rejects when the handler fails or the test stops it.
 * @param {import('node:test').TestContext} t the test the process belongs to
 * @param {Record<string, string>} env AWS_* of the S3 server, SEGMENT_ENDPOINT, SEGMENT_WRITE_KEY, BENCH_*
 * @returns {Promise<{ ms: number, maxRssMb: number, trace: string | undefined }>}
 */
export function invokeHandler(t, env) {
  const child = spawn(process.execPath, [CHILD, 'lambda'], {
    env: { ...process.env, BENCH_LAMBDA_ENTRY: '', NODE_OPTIONS: '--max-semi-space-size=1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  /** @type {Error | null} */
  let spawnError = null;
  /** @type {Promise<number | null>} the exit code once the process has ended and its pipes closed */
  const closed = new Promise((resolve) => {
    child.once('close', resolve);
    child.once('error', (e) => {
      if (child.pid !== undefined) return; // (a kill that failed: the process runs on, and ends in 'close')
      spawnError = e;
      resolve(null);
    });
  });
  let stopped = false;
  const stop = () => {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) return;
    stopped = true;
    child.kill('SIGKILL');
  };
  t.signal.addEventListener('abort', stop, { once: true });
  if (t.signal.aborted) stop();
  // (one listener at a time on the test's signal, however many invocations the test makes)
  closed.then(() => t.signal.removeEventListener('abort', stop));
  t.after(async () => {
    stop();
    await closed;
  });
  return closed.then((code) => {
    if (spawnError) throw spawnError;
    if (stopped) throw new Error('the handler was stopped: its test timed out, was cancelled or ended');
    if (code !== 0) throw new Error(`the handler exited with ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`);
    const trace = err.split('\n').find((line) => line.startsWith('{"memoryTrace"'));
    return { ...JSON.parse(out.trim().split('\n').pop() ?? ''), trace };
  });
}
