#!/usr/bin/env node
// `npm run bench:http`: the HTTP client under the Lambda handler, js/core/node-fetch.mjs (node:http
// with keep-alive) against Node's fetch (bodies as streams, as the Sender sends them there) and
// undici's request(), on the same 100,000-row track file read from moto's S3 server and sent to
// the local Segment server. Not a test.
//
//   node bench/http.mjs [--quick] [--rows N] [--rounds N]
//
// --quick (tests/js/project/scripts.test.mjs): 500 rows, one round; later flags override it.
//
// undici is not our dependency (node-fetch.mjs won: docs/development.md): the bench measures
// the copy node_modules resolves (miniflare's, hoisted), and prints its version; for another,
// `npm install --no-save undici@VERSION` first. Without any, the bench leaves it out.
//
// Each run is a process of its own (`node bench/http.mjs child CLIENT`), with the deployed
// NODE_OPTIONS, that imports the handler's sources with the client (init, timed apart) and
// invokes it twice: a cold invocation (the wasm compile, the S3 client, new connections) and a
// warm one (a kept container: pooled connections). Rounds alternate the two clients, so drift
// in the machine's load falls on both alike. Prints per client the median and the best of each
// figure (CPU of the process during the invocation, and wall time), then `name: value` lines.
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const WRITE_KEY = 'bench_write_key';
const BUCKET = 'bench';
/** The deployed function's NODE_OPTIONS (docs/aws.md). */
const LAMBDA_NODE_OPTIONS = '--max-semi-space-size=1';

// ---------------------------------------------------------------------------------------------
// The child: one container's life, two invocations.

/** undici's request() behind the part of fetch the Sender uses, as js/core/node-fetch.mjs offers it. */
async function undiciFetch() {
  const { Agent, request } = await import('undici');
  const dispatcher = new Agent();
  return async (input, { method = 'GET', headers = {}, body, signal } = {}) => {
    try {
      const res = await request(input, { method, headers, body, signal, dispatcher });
      const text = await res.body.text();
      const answer = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        for (const v of Array.isArray(value) ? value : [value]) answer.append(name, v);
      }
      return { status: res.statusCode, ok: res.statusCode >= 200 && res.statusCode < 300, headers: answer, text: async () => text };
    } catch (err) {
      throw signal?.aborted ? signal.reason : err;
    }
  };
}

async function child(client) {
  const cpu = () => ((u) => (u.user + u.system) / 1000)(process.cpuUsage());
  const t0 = performance.now();
  const c0 = cpu();
  const { createHandler } = await import('../js/hosts/lambda/index.mjs');
  let handler;
  if (client === 'fetch') handler = createHandler({ fetch: globalThis.fetch, sender: { streamBodies: true }, log: () => {} });
  else handler = createHandler({ fetch: client === 'undici' ? await undiciFetch() : (await import('../js/core/node-fetch.mjs')).nodeFetch, log: () => {} });
  const init = { ms: performance.now() - t0, cpuMs: cpu() - c0 };
  const event = {
    Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: process.env.BENCH_BUCKET }, object: { key: process.env.BENCH_KEY, eTag: process.env.BENCH_ETAG } } }],
  };
  const invocations = [];
  for (let i = 0; i < 2; i += 1) {
    const started = performance.now();
    const c = cpu();
    const result = await handler(event, { getRemainingTimeInMillis: () => 15 * 60_000 });
    invocations.push({ ms: performance.now() - started, cpuMs: cpu() - c, result });
    // Segment's server is told between invocations, through stdout, to count afresh.
    process.stdout.write(`${JSON.stringify({ invocation: i })}\n`);
  }
  process.stdout.write(`${JSON.stringify({ init, invocations })}\n`);
}

// ---------------------------------------------------------------------------------------------
// The parent: the servers, the file, the rounds.

function parseArgs(argv) {
  const opts = { rows: 100_000, rounds: 6 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--quick') Object.assign(opts, { rows: 500, rounds: 1 });
    else if (a === '--rows') opts.rows = Number(argv[++i]);
    else if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else {
      console.error('usage: node bench/http.mjs [--quick] [--rows N] [--rounds N]');
      process.exit(2);
    }
  }
  if (!Number.isInteger(opts.rows) || opts.rows < 1) throw new Error('--rows takes a whole number');
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds takes a whole number');
  return opts;
}

/** Runs one child; checks after each invocation that Segment got every row once. */
function runChild(client, env, seg, rows) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [SELF, 'child', client], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let checkError = null;
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf('\n')) !== -1) {
        const line = JSON.parse(out.slice(0, nl));
        out = out.slice(nl + 1);
        if (line.invocation !== undefined) {
          const stats = seg.stats();
          if (stats.accepted !== rows) checkError ??= new Error(`${client}: Segment accepted ${stats.accepted} of ${rows} events`);
          seg.reset();
        } else {
          resolve(line);
        }
      }
    });
    proc.on('close', (code) => {
      if (checkError) reject(checkError);
      if (code !== 0) reject(new Error(`${client} exited with ${code}`));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const secs = (ms) => (ms / 1000).toFixed(3);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { startS3Server } = await import('../tests/support/s3-server.mjs');
  const { startSegmentServer } = await import('../tests/support/segment-server.mjs');
  const { cachedTrackPath, writeTrackCsv } = await import('./generate.mjs');

  const CLIENTS = ['node-fetch', 'fetch'];
  let undici = 'not installed';
  try {
    const main = createRequire(import.meta.url).resolve('undici');
    undici = JSON.parse(readFileSync(join(dirname(main), 'package.json'), 'utf8')).version;
    CLIENTS.push('undici');
  } catch {
    console.error('bench:http: undici is not in node_modules (npm install --no-save undici@VERSION to measure it too)');
  }
  const path = cachedTrackPath(opts.rows);
  try {
    statSync(path);
  } catch {
    console.error(`bench:http: generating ${basename(path)}`);
    await writeTrackCsv(path, opts.rows);
  }
  const s3 = await startS3Server();
  const seg = await startSegmentServer({ writeKey: WRITE_KEY, port: 0, record: false });
  try {
    const client = s3.client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const key = `uploads/${basename(path)}`;
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: createReadStream(path), ContentLength: statSync(path).size }));
    const eTag = (await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ETag.replaceAll('"', '');
    const env = {
      ...s3.env,
      SEGMENT_ENDPOINT: seg.url,
      SEGMENT_WRITE_KEY: WRITE_KEY,
      BENCH_BUCKET: BUCKET,
      BENCH_KEY: key,
      BENCH_ETAG: eTag,
      NODE_OPTIONS: [process.env.NODE_OPTIONS, LAMBDA_NODE_OPTIONS].filter(Boolean).join(' '),
    };
    console.error(`bench:http: ${basename(path)}, ${opts.rows} rows, ${(statSync(path).size / 1e6).toFixed(2)} MB; ${opts.rounds} rounds of ${CLIENTS.join(' / ')}; Node ${process.versions.node}, undici ${undici}`);

    const runs = Object.fromEntries(CLIENTS.map((c) => [c, []]));
    for (let round = 0; round < opts.rounds; round += 1) {
      // Rotate which client goes first, too.
      const order = CLIENTS.map((_, i) => CLIENTS[(i + round) % CLIENTS.length]);
      for (const c of order) {
        seg.reset();
        const r = await runChild(c, env, seg, opts.rows);
        runs[c].push(r);
        const [cold, warm] = r.invocations;
        console.error(`  round ${round + 1} ${c.padEnd(10)} init ${secs(r.init.ms)} s; cold ${secs(cold.ms)} s, CPU ${secs(cold.cpuMs)} s; warm ${secs(warm.ms)} s, CPU ${secs(warm.cpuMs)} s`);
      }
    }

    const lines = {};
    console.error('\n  median (best) of each, seconds:');
    console.error(`  ${'client'.padEnd(12)} ${'init'.padEnd(14)} ${'cold wall'.padEnd(14)} ${'cold CPU'.padEnd(14)} ${'warm wall'.padEnd(14)} warm CPU`);
    for (const c of CLIENTS) {
      const pick = {
        init: runs[c].map((r) => r.init.ms),
        cold_wall: runs[c].map((r) => r.invocations[0].ms),
        cold_cpu: runs[c].map((r) => r.invocations[0].cpuMs),
        warm_wall: runs[c].map((r) => r.invocations[1].ms),
        warm_cpu: runs[c].map((r) => r.invocations[1].cpuMs),
      };
      const cells = Object.values(pick).map((xs) => `${secs(median(xs))} (${secs(Math.min(...xs))})`.padEnd(14));
      console.error(`  ${c.padEnd(12)} ${cells.join(' ')}`);
      for (const [name, xs] of Object.entries(pick)) lines[`${c.replace('-', '_')}_${name}_seconds`] = secs(median(xs));
    }
    for (const [name, value] of Object.entries(lines)) console.log(`${name}: ${value}`);
  } finally {
    await seg.close();
    await s3.close();
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]);
else await main();
