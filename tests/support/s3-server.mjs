// A real S3 protocol server on loopback for tests and benches: moto's server
// (PyPI moto[server], pinned in tests/requirements.txt), run from the venv that
// `npm test` / `node scripts/setup.mjs --python` make in .cache/venv.
//
//   const s3 = await startS3Server();
//   const client = s3.client();                 // an S3Client for it (path-style, test credentials)
//   spawn(node, [handler], { env: { ...process.env, ...s3.env } });   // AWS_ENDPOINT_URL_S3 & co.
//   await s3.close();
//
// Each server is its own moto process on its own free port, so state never
// leaks between test files. moto's output is kept (the last 64 KB) and shown
// only when it fails. The process dies with close(), when this process exits,
// and even when this process is killed (SIGKILL included): moto runs with a
// watchdog thread that exits as soon as its stdin, a pipe from us, closes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { ROOT } from '../../scripts/lib/proc.mjs';
import { venvBin } from '../../scripts/setup.mjs';

const HOST = '127.0.0.1';
const REGION = 'us-east-1';
const CREDENTIALS = Object.freeze({ accessKeyId: 'testing', secretAccessKey: 'testing' });
const OUTPUT_KEEP = 64 * 1024;
const PORT_ATTEMPTS = 5;

/**
 * `moto_server`'s own entry point (moto.server:main, which reads sys.argv, so
 * the arguments after `-c CODE` are moto_server's CLI: -H HOST -p PORT), plus
 * the stdin watchdog.
 */
const MOTO_MAIN = `
import os, threading
def _watchdog():
    # os.read, not sys.stdin: a daemon thread blocked holding stdin's buffer lock stalls exit by 1 s.
    while os.read(0, 4096):
        pass
    os._exit(0)  # EOF: the node process that started us closed the pipe, or died
threading.Thread(target=_watchdog, daemon=True).start()
from moto.server import main
main()
`;

/** Servers not closed yet, killed when this process exits. */
const live = new Set();
let exitHookInstalled = false;
function killAllOnExit() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** A port that was free a moment ago (the OS picks it; we release it for moto to bind). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The last `lines` lines of moto's output, without colour codes. */
function tail(chunks, lines = 25) {
  const text = Buffer.concat(chunks).toString('utf8').replace(ANSI, '').trimEnd();
  return text ? text.split('\n').slice(-lines).join('\n') : '(no output)';
}

/** One GET; resolves to { status, body } or rejects (connection refused, timeout, ...). */
function get(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** True once `endpoint` answers like moto (its /moto-api/config is JSON); false while nothing listens. */
async function answersLikeMoto(endpoint) {
  try {
    const { status, body } = await get(`${endpoint}/moto-api/config`, 1000);
    if (status >= 200 && status < 300) {
      JSON.parse(body);
      return true;
    }
  } catch {
    // not listening yet, or not answering yet
  }
  return false;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts moto on `port`; resolves to the child once it answers, or rejects ({ addressInUse } when the port was taken). */
async function launch(python, port, deadline, timeoutMs) {
  const endpoint = `http://${HOST}:${port}`;
  const child = spawn(python, ['-c', MOTO_MAIN, '-H', HOST, '-p', String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // MOTO_PORT: the port moto puts in URLs it generates (main() only sets it when unset).
    env: { ...process.env, MOTO_PORT: String(port), PYTHONUNBUFFERED: '1' },
  });
  const output = [];
  let kept = 0;
  const keep = (chunk) => {
    output.push(chunk);
    kept += chunk.length;
    while (kept > OUTPUT_KEEP && output.length > 1) kept -= output.shift().length;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  let spawnError = null;
  const exitPromise = new Promise((resolve) => {
    child.on('error', (err) => {
      spawnError = err;
      resolve();
    });
    child.on('exit', (code, signal) => {
      exited = signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve();
    });
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  killAllOnExit();
  // Neither moto nor its pipes keep this process alive: a test that forgets close() still ends.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) stream.unref?.();

  for (;;) {
    if (spawnError) throw new Error(`could not start moto's server (${python}): ${spawnError.message}`);
    if (exited) {
      const out = tail(output);
      const err = new Error(`moto's server on ${endpoint} exited before answering (${exited}); its output:\n${out}`);
      err.addressInUse = /address already in use|is in use by another program/i.test(out);
      throw err;
    }
    // Only a live moto counts: if it lost the port to someone else, it has exited (checked above).
    if (await answersLikeMoto(endpoint)) {
      if (!exited) return { child, endpoint, output, exitPromise, exited: () => exited };
      continue;
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto's server did not answer on ${endpoint} within ${timeoutMs / 1000} s; its output:\n${tail(output)}`);
    }
    await Promise.race([sleep(100), exitPromise]);
  }
}

/**
 * Starts moto's S3 server on 127.0.0.1 and a free port. Options:
 *   timeoutMs   how long to wait for it to answer (default 20 s; it takes about 1 s)
 * Resolves to {
 *   endpoint     'http://127.0.0.1:PORT'
 *   port, pid    moto's port and process id
 *   region       'us-east-1'
 *   credentials  { accessKeyId: 'testing', secretAccessKey: 'testing' } (moto accepts any)
 *   client(config?)  a new S3Client for it (path-style); `config` overrides or adds S3Client options
 *   env          { AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION }: all a handler's
 *                plain `new S3Client({ forcePathStyle: true })` needs (even `new S3Client()` works: the
 *                SDK never puts a bucket name into an IP-address host, so it goes path-style by itself)
 *   output()     moto's recent output (the last 64 KB), for diagnosing a failing test
 *   close()      stops moto; resolves once it exited. Safe to call twice.
 * }
 */
export async function startS3Server({ timeoutMs = 20_000 } = {}) {
  const python = venvBin('python');
  if (!existsSync(python) || !existsSync(venvBin('moto_server'))) {
    throw new Error(
      `moto's S3 server is not installed (${path.relative(ROOT, venvBin('moto_server'))} is missing): ` +
        'run `npm test` or `node scripts/setup.mjs --python` first',
    );
  }
  const deadline = performance.now() + timeoutMs;
  let started;
  for (let attempt = 1; ; attempt++) {
    try {
      started = await launch(python, await freePort(), deadline, timeoutMs);
      break;
    } catch (err) {
      // Someone took the port between freePort() and moto's bind: try another.
      if (!err.addressInUse || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
  const { child, endpoint, output, exitPromise, exited } = started;
  const port = Number(new URL(endpoint).port);

  let closing;
  const close = () => {
    closing ??= (async () => {
      if (exited()) return;
      // moto keeps everything in memory, so there is nothing to shut down cleanly, and
      // SIGTERM costs 250-400 ms of Python teardown per server.
      child.kill('SIGKILL');
      // The (ref'd) timer keeps the event loop alive until the unref'd child has exited.
      const timer = setInterval(() => {}, 1000);
      await exitPromise;
      clearInterval(timer);
    })();
    return closing;
  };

  return {
    endpoint,
    port,
    pid: child.pid,
    region: REGION,
    credentials: { ...CREDENTIALS },
    client: (config = {}) =>
      new S3Client({ endpoint, region: REGION, credentials: { ...CREDENTIALS }, forcePathStyle: true, ...config }),
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
    },
    output: () => Buffer.concat(output).toString('utf8').replace(ANSI, ''),
    close,
  };
}
