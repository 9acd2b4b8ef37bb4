#!/usr/bin/env node
// `npm run bench:e2e`: the same track file through the Lambda handler (S3 → engine → Segment)
// and through the seed's approach (csvtojson + analytics-node 6), side by side in one run, both
// against a local S3 server (moto) and the local Segment-compatible server. Not a test.
//
//   node bench/e2e.mjs [--quick] [--rows N] [--big-factor N] [--skip-big] [--skip-seed] [--lambda-node-options STR]
//                      [--skip-shards] [--shard-rows N] [--shards N]
//                      [--skip-rate] [--only rate] [--rate-rows N] [--rate-cap N] [--rate-cli PATH]
//                      [--rate-cases one,shards,misset,seed,cli]
//
// Each side runs in its own process (bench/e2e-child.mjs), so its peak RSS is its own; the
// Segment server runs in this process and counts requests and events per side. The handler
// then runs once more on a file --big-factor times larger (default 10) to show that its memory
// stays flat. Last, the sharded path (bench/e2e-shards.mjs): a --shard-rows file (default 2
// million rows) in one invocation, then cut into --shards shards (default 8) run with 1, 2 and 4
// invocations in flight, each its own process. Then the rate section (bench/e2e-rate.mjs): the
// Segment server capped at R events a second, a --rate-rows file (default 200,000) in one
// invocation, in 4 shards, with a budget 3 × R, and by the seed; `--only rate` runs it alone.
// Ends with `name: value` lines for scripts. --quick (what tests/js/project/scripts.test.mjs runs): every
// section on tiny files (500 rows, ×2, 2,000 rows in 2 shards, 600 rows at a cap of 300 events/s),
// to show that each runs and prints its figures, not to measure them; later flags override it.
//
// Seconds are timed as Lambda bills them, the same way for both sides: `*_init_seconds` is the
// module's init phase (Lambda's "Init Duration": imports and module-level clients), `*_seconds`
// the invocation (Lambda's "Duration": handler call → every event delivered). Node's own start is
// in neither. Both runs of the handler (1× and the big file) get LAMBDA_NODE_OPTIONS, the
// NODE_OPTIONS the deployment in docs/aws.md sets on the function; the seed runs with Node's defaults,
// as its tutorial deploys it. BENCH_MEMORY_TRACE=1 adds each side's memory trace (max of
// process.memoryUsage() fields, the wasm memory, V8's new space; GC counts) to stderr.
import { spawn } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3Server } from '../tests/support/s3-server.mjs';
import { startSegmentServer } from '../tests/support/segment-server.mjs';
import { r2Notification, startWorkerStack } from '../tests/support/worker-stack.mjs';
import { measureRate } from './e2e-rate.mjs';
import { measureShards } from './e2e-shards.mjs';
import { cachedTrackPath, rowsLabel, writeTrackCsv } from './generate.mjs';
import { unzipSync } from 'fflate';
import { packageLambda } from '../scripts/package-lambda.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const WRITE_KEY = 'bench_write_key';
const BUCKET = 'bench';
/**
 * NODE_OPTIONS of the deployed function (docs/aws.md): a 1 MB young generation. V8
 * otherwise grows it to 16 MB during a long run, and the S3 body's 64 KB Buffers (two per read:
 * the socket's and the HTTP parser's copy) wait for the next scavenge: peak RSS grew with the file.
 */
const LAMBDA_NODE_OPTIONS = '--max-semi-space-size=1';

function parseArgs(argv) {
  const opts = {
    rows: 100_000,
    bigFactor: 10,
    skipBig: false,
    skipSeed: false,
    lambdaNodeOptions: LAMBDA_NODE_OPTIONS,
    skipShards: false,
    shardRows: 2_000_000,
    shards: 8,
    skipRate: false,
    only: null,
    rateRows: 200_000,
    rateCap: null,
    rateCli: null,
    rateCases: undefined,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--quick') Object.assign(opts, { rows: 500, bigFactor: 2, shardRows: 2_000, shards: 2, rateRows: 600, rateCap: 300 });
    else if (a === '--rows') opts.rows = Number(argv[++i]);
    else if (a === '--big-factor') opts.bigFactor = Number(argv[++i]);
    else if (a === '--skip-big') opts.skipBig = true;
    else if (a === '--skip-seed') opts.skipSeed = true;
    else if (a === '--lambda-node-options') opts.lambdaNodeOptions = argv[++i] ?? '';
    else if (a === '--skip-shards') opts.skipShards = true;
    else if (a === '--shard-rows') opts.shardRows = Number(argv[++i]);
    else if (a === '--shards') opts.shards = Number(argv[++i]);
    else if (a === '--skip-rate') opts.skipRate = true;
    else if (a === '--only') opts.only = argv[++i];
    else if (a === '--rate-rows') opts.rateRows = Number(argv[++i]);
    else if (a === '--rate-cap') opts.rateCap = Number(argv[++i]);
    else if (a === '--rate-cli') opts.rateCli = argv[++i];
    else if (a === '--rate-cases') opts.rateCases = (argv[++i] ?? '').split(',');
    else {
      console.error(
        'usage: node bench/e2e.mjs [--quick] [--rows N] [--big-factor N] [--skip-big] [--skip-seed] [--lambda-node-options STR] [--skip-shards] [--shard-rows N] [--shards N] [--skip-rate] [--only rate] [--rate-rows N] [--rate-cap N] [--rate-cli PATH] [--rate-cases one,shards,misset,seed,cli]',
      );
      process.exit(2);
    }
  }
  if (!Number.isInteger(opts.rows) || opts.rows < 1) throw new Error('--rows takes a whole number');
  if (!Number.isInteger(opts.shardRows) || opts.shardRows < 1) throw new Error('--shard-rows takes a whole number');
  if (!Number.isInteger(opts.shards) || opts.shards < 2) throw new Error('--shards takes a whole number, at least 2');
  if (opts.only !== null && opts.only !== 'rate') throw new Error('--only takes rate');
  if (!Number.isInteger(opts.rateRows) || opts.rateRows < 1) throw new Error('--rate-rows takes a whole number');
  if (opts.rateCap !== null && !(opts.rateCap > 0)) throw new Error('--rate-cap takes a number of events per second');
  return opts;
}

async function trackFile(rows) {
  const path = cachedTrackPath(rows);
  try {
    statSync(path);
  } catch {
    console.error(`bench:e2e: generating ${basename(path)}`);
    await writeTrackCsv(path, rows);
  }
  return path;
}

async function upload(client, path) {
  const key = `uploads/${basename(path)}`;
  await client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: createReadStream(path), ContentLength: statSync(path).size }),
  );
  const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  return { key, eTag: head.ETag.replaceAll('"', '') };
}

function runChild(mode, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(HERE, 'e2e-child.mjs'), mode], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop();
      if (code !== 0) return reject(new Error(`${mode} exited with ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
      if (process.env.BENCH_SHOW_STDERR) process.stderr.write(err);
      const trace = err.split('\n').find((line) => line.startsWith('{"memoryTrace"'));
      resolve({ ...JSON.parse(last), memoryTrace: trace ? JSON.parse(trace).memoryTrace : undefined });
    });
  });
}

/** Runs one side and checks that Segment got every row exactly once. */
async function measure(mode, ctx) {
  const { seg, s3, rows, path, client } = ctx;
  const { key, eTag } = await upload(client, path);
  seg.reset();
  const started = performance.now();
  // This process runs the Segment server (and waits otherwise): its CPU is the server's.
  const serverCpu = process.cpuUsage();
  const child = await runChild(mode, {
    ...s3.env,
    SEGMENT_ENDPOINT: seg.url,
    SEGMENT_WRITE_KEY: WRITE_KEY,
    BENCH_BUCKET: BUCKET,
    BENCH_KEY: key,
    BENCH_ETAG: eTag,
    BENCH_LAMBDA_ENTRY: ctx.lambdaEntry ?? '',
    // The function's setting for the handler (both files alike); Node's defaults for the seed.
    NODE_OPTIONS: mode === 'lambda' ? [process.env.NODE_OPTIONS, ctx.lambdaNodeOptions].filter(Boolean).join(' ') : (process.env.NODE_OPTIONS ?? ''),
  });
  const stats = seg.stats();
  const wall = (performance.now() - started) / 1000;
  if (stats.accepted !== rows || stats.dropped !== 0) {
    throw new Error(`${mode}: Segment accepted ${stats.accepted} of ${rows} events (dropped ${stats.dropped})`);
  }
  if (child.memoryTrace) {
    const { maxMb, gc, samples } = child.memoryTrace;
    console.error(`  ${mode} memory (max MB of ${samples} samples): ${JSON.stringify(maxMb)}; GC ${JSON.stringify(gc)}`);
  }
  return {
    seconds: child.ms / 1000,
    initSeconds: child.initMs / 1000,
    cpuSeconds: child.cpuMs / 1000,
    invocationCpuSeconds: (child.cpuMs - child.initCpuMs) / 1000,
    serverCpuSeconds: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(serverCpu)),
    wall,
    peakRssMb: child.maxRssMb,
    requests: stats.requests,
    unique: stats.uniqueMessageIds,
  };
}

/**
 * The Worker path: the file put into the local R2 bucket, R2's notification on the queue, the
 * Worker (in workerd) delivering to the same Segment server. Timed from the notification to the
 * report, which the Worker writes after the last request.
 */
async function measureWorker({ seg, rows, path }) {
  const stack = await startWorkerStack({
    vars: { SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url },
    secrets: { SEGMENT_WRITE_KEY: WRITE_KEY, INGEST_TOKEN: 'bench' },
    port: 0,
  });
  try {
    const key = `incoming/${basename(path)}`;
    await stack.put(key, await readFile(path));
    const head = await stack.bucket.head(key);
    seg.reset();
    const started = performance.now();
    await stack.notify(r2Notification({ bucket: stack.bucketName, key, size: head.size, eTag: head.etag }));
    await stack.waitFor(async () => (await stack.bucket.head(`csv2segment-reports/${key}.report.json`)) !== null, { timeoutMs: 600_000, intervalMs: 20 });
    const seconds = (performance.now() - started) / 1000;
    const stats = seg.stats();
    if (stats.accepted !== rows) throw new Error(`worker: Segment accepted ${stats.accepted} of ${rows} events`);
    return { seconds, requests: stats.requests };
  } finally {
    await stack.close();
  }
}

const fmt = (n, digits = 2) => Number(n.toFixed(digits));

/** The rate section: the --rate-rows file in the bucket, then bench/e2e-rate.mjs. */
async function rateSection(ctx, opts) {
  const path = await trackFile(opts.rateRows);
  const { key, eTag } = await upload(ctx.client, path);
  const rateCtx = { ...ctx, writeKey: WRITE_KEY, bucket: BUCKET, key, eTag, size: statSync(path).size, path, rows: opts.rateRows };
  return measureRate(rateCtx, { ...(opts.rateCap ? { cap: opts.rateCap } : {}), skipSeed: opts.skipSeed, cli: opts.rateCli, ...(opts.rateCases ? { cases: opts.rateCases } : {}) });
}

/** dist/lambda.zip, built and unpacked into `dir` as Lambda unpacks it; the handler's file. */
async function unpackLambda(dir) {
  const zip = unzipSync(new Uint8Array(await readFile(await packageLambda({ quiet: true }))));
  for (const [name, bytes] of Object.entries(zip)) {
    if (name.endsWith('/')) continue;
    const file = join(dir, name);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, bytes);
  }
  const entry = join(dir, 'js', 'hosts', 'lambda', 'index.mjs');
  if (!zip['js/hosts/lambda/index.mjs']) throw new Error(`dist/lambda.zip has no js/hosts/lambda/index.mjs (it holds ${Object.keys(zip).join(', ')})`);
  return entry;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  // The handler runs as deployed: dist/lambda.zip unpacked, in a folder of this run's own.
  const unpacked = await mkdtemp(join(tmpdir(), 'csv2segment-bench-e2e-'));
  try {
    await run(opts, await unpackLambda(unpacked));
  } finally {
    await rm(unpacked, { recursive: true, force: true });
  }
}

async function run(opts, lambdaEntry) {
  if (opts.only === 'rate') {
    const s3 = await startS3Server();
    const seg = await startSegmentServer({ writeKey: WRITE_KEY, port: 0, record: false });
    try {
      const client = s3.client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
      await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
      const lines = await rateSection({ seg, s3, client, lambdaEntry, lambdaNodeOptions: opts.lambdaNodeOptions }, opts);
      for (const [name, value] of Object.entries(lines)) console.log(`${name}: ${value}`);
    } finally {
      await seg.close();
      await s3.close();
    }
    return;
  }
  const path = await trackFile(opts.rows);
  const mb = statSync(path).size / 1e6;
  const s3 = await startS3Server();
  const seg = await startSegmentServer({ writeKey: WRITE_KEY, port: 0, record: false });
  try {
    // Uploads without the SDK's default CRC32 trailer: with it the body goes aws-chunked, and
    // moto decodes that with `bytes +=` per 64 KB chunk (quadratic: 6 min for 220 MB, not 2 s).
    const client = s3.client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const ctx = { seg, s3, client, rows: opts.rows, path, lambdaEntry, lambdaNodeOptions: opts.lambdaNodeOptions };
    console.error(`bench:e2e: ${basename(path)}, ${opts.rows} rows, ${mb.toFixed(2)} MB`);
    console.error(`  the handler runs with NODE_OPTIONS=${JSON.stringify(opts.lambdaNodeOptions)} on both files; the seed with Node's defaults`);

    const lambda = await measure('lambda', ctx);
    console.error(`  lambda  ${lambda.seconds.toFixed(2)} s (+ init ${lambda.initSeconds.toFixed(2)} s), peak RSS ${lambda.peakRssMb.toFixed(1)} MB, ${lambda.requests} requests`);
    const worker = await measureWorker(ctx);
    console.error(`  worker  ${worker.seconds.toFixed(2)} s, ${worker.requests} requests`);
    let seed;
    if (!opts.skipSeed) {
      seed = await measure('seed', ctx);
      console.error(`  seed    ${seed.seconds.toFixed(2)} s (+ init ${seed.initSeconds.toFixed(2)} s), peak RSS ${seed.peakRssMb.toFixed(1)} MB, ${seed.requests} requests`);
    }

    let big;
    if (!opts.skipBig && opts.bigFactor > 1) {
      const bigRows = opts.rows * opts.bigFactor;
      const bigPath = await trackFile(bigRows);
      big = await measure('lambda', { ...ctx, rows: bigRows, path: bigPath });
      console.error(`  lambda ×${opts.bigFactor} (${bigRows} rows) ${big.seconds.toFixed(2)} s, peak RSS ${big.peakRssMb.toFixed(1)} MB, ${big.requests} requests`);
    }

    const lines = {
      file_mb: fmt(mb),
      lambda_seconds: fmt(lambda.seconds),
      lambda_init_seconds: fmt(lambda.initSeconds),
      lambda_cpu_seconds: fmt(lambda.cpuSeconds),
      seed_seconds: seed ? fmt(seed.seconds) : 'n/a',
      seed_init_seconds: seed ? fmt(seed.initSeconds) : 'n/a',
      seed_cpu_seconds: seed ? fmt(seed.cpuSeconds) : 'n/a',
      lambda_vs_seed_speed: seed ? fmt(seed.seconds / lambda.seconds, 1) : 'n/a',
      // CPU of the invocations alone (init left out on both sides), and the Segment server's
      // CPU while the handler ran: on 2 cores the server, not the handler, sets the wall time.
      lambda_invocation_cpu_seconds: fmt(lambda.invocationCpuSeconds),
      seed_invocation_cpu_seconds: seed ? fmt(seed.invocationCpuSeconds) : 'n/a',
      lambda_vs_seed_cpu: seed ? fmt(seed.invocationCpuSeconds / lambda.invocationCpuSeconds, 1) : 'n/a',
      segment_server_cpu_seconds_lambda: fmt(lambda.serverCpuSeconds),
      worker_seconds: fmt(worker.seconds),
      worker_vs_seed_speed: seed ? fmt(seed.seconds / worker.seconds, 1) : 'n/a',
      worker_requests: worker.requests,
      lambda_peak_rss_mb: fmt(lambda.peakRssMb, 1),
      lambda_node_options: opts.lambdaNodeOptions || 'none',
      seed_peak_rss_mb: seed ? fmt(seed.peakRssMb, 1) : 'n/a',
      lambda_requests: lambda.requests,
      seed_requests: seed ? seed.requests : 'n/a',
      seed_vs_lambda_requests: seed ? fmt(seed.requests / lambda.requests, 1) : 'n/a',
    };
    if (big) {
      lines.lambda_big_peak_rss_mb = fmt(big.peakRssMb, 1);
      lines.lambda_big_rss_growth_pct = fmt(((big.peakRssMb - lambda.peakRssMb) / lambda.peakRssMb) * 100, 1);
    }
    if (!opts.skipShards) {
      const shardPath = await trackFile(opts.shardRows);
      const { key, eTag } = await upload(client, shardPath);
      const shardCtx = { ...ctx, writeKey: WRITE_KEY, bucket: BUCKET, key, eTag, size: statSync(shardPath).size, rows: opts.shardRows };
      Object.assign(lines, await measureShards(shardCtx, { shardCount: opts.shards, label: rowsLabel(opts.shardRows) }));
    }
    if (!opts.skipRate) Object.assign(lines, await rateSection(ctx, opts));
    for (const [name, value] of Object.entries(lines)) console.log(`${name}: ${value}`);
  } finally {
    await seg.close();
    await s3.close();
  }
}

await main();
