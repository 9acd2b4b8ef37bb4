// The rate section of `npm run bench:e2e` (alone: `npm run bench:e2e -- --only rate`): the local
// Segment server capped at R events a second (a token bucket one second deep, 429 with
// Retry-After past it, as Segment's rate limit), and one file of --rate-rows rows (default
// 200,000) sent four ways against it:
//
//   one      the Lambda handler in one invocation, SEGMENT_MAX_EVENTS_PER_SECOND = R
//   shards   the file in 4 shards, 4 invocations in flight, CSV2SEGMENT_PIECES_IN_FLIGHT = 4, budget R
//   misset   one invocation with the budget set too high, 3 × R
//   seed     the tutorial's code (csvtojson + analytics-node 6), which knows no budget
//   cli      (with --rate-cli PATH) a csv2segment CLI, `send` with no budget: e.g. an older
//            checkout's js/hosts/cli/csv2segment.mjs, for a before/after
//
// Each invocation is its own process (bench/e2e-child.mjs), as on Lambda. R defaults to
// rows / 30, so that a run at the cap takes about 30 s (--rate-cap N to choose it;
// --rate-cases one,shards,... to run some of them; BENCH_SHOW_SHARDS=1 shows each invocation). For each NAME it prints
// `rate_NAME_vs_cap` (events Segment accepted per second of the run ÷ R; the run from the first
// invocation's start to the last one's end), `rate_NAME_429_share` (429 answers ÷ requests),
// `rate_NAME_lost` (rows never accepted) and `rate_NAME_duplicates` (accepted more than once).
// Targets (issue 14): one and shards ≥ 0.9 of the cap with ≤ 2% 429s; misset ≥ 0.8 with ≤ 10%;
// nothing lost or duplicated.
import { spawn } from 'node:child_process';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPool } from './e2e-shards.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPORT_PREFIX = 'csv2segment-reports/';

/** The S3 event of the object. */
const s3Event = ({ bucket, key, eTag, size }) => ({
  Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key), eTag, size } } }],
});

/** Runs one process to its end; resolves to its exit code, stdout and stderr. */
function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** What Segment saw of a run of `seconds`: the section's figures. */
function figures(seg, rows, cap, seconds) {
  const stats = seg.stats();
  return {
    seconds,
    vsCap: stats.accepted / seconds / cap,
    share429: stats.requests ? seg.rateLimited / stats.requests : 0,
    requests: stats.requests,
    answers429: seg.rateLimited,
    lost: rows - stats.uniqueMessageIds,
    duplicates: stats.duplicates,
  };
}

/** The Lambda handler on the object: one invocation, or shards, each invocation its own process. */
async function lambdaRun(ctx, { budget, shards = 1, inFlight = 1 }) {
  const { seg, s3, client, bucket, key, size, rows, cap } = ctx;
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${REPORT_PREFIX}${key}.report.json` }));
  seg.reset();
  const env = {
    ...s3.env,
    SEGMENT_ENDPOINT: seg.url,
    SEGMENT_WRITE_KEY: ctx.writeKey,
    BENCH_LAMBDA_ENTRY: ctx.lambdaEntry ?? '',
    NODE_OPTIONS: [process.env.NODE_OPTIONS, ctx.lambdaNodeOptions].filter(Boolean).join(' '),
    SEGMENT_MAX_EVENTS_PER_SECOND: String(budget),
    CSV2SEGMENT_PIECES_IN_FLIGHT: String(inFlight),
    CSV2SEGMENT_SHARD_BYTES: String(shards > 1 ? Math.ceil(size / shards) : 1e15),
    MAX_RUN_SECONDS: '100000',
  };
  const pieces = await runPool(s3Event(ctx), inFlight, env);
  const t0 = Math.min(...pieces.map((p) => p.startedAt));
  const seconds = (Math.max(...pieces.map((p) => p.endedAt)) - t0) / 1000;
  if (process.env.BENCH_SHOW_SHARDS) {
    for (const p of pieces) console.error(`    ${p.event.csv2segment ? `shard ${p.event.csv2segment.shard?.index}` : 'S3 event'}: spawned ${((p.spawnedAt - t0) / 1000).toFixed(2)} s, invocation ${((p.startedAt - t0) / 1000).toFixed(2)} → ${((p.endedAt - t0) / 1000).toFixed(2)} s`);
  }
  const report = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${REPORT_PREFIX}${key}.report.json` }))).Body.transformToString());
  if (report.status !== 'done' || report.rows !== rows) throw new Error(`rate: the report says ${report.status}, ${report.rows} rows`);
  return { ...figures(seg, rows, cap, seconds), shards: report.pieces ?? 1, throttled: report.delivery.throttled, pacedSeconds: report.delivery.pacedMs / 1000 };
}

/** The tutorial's code (bench/e2e-child.mjs seed) under the cap; a run that gives up still counts. */
async function seedRun(ctx) {
  const { seg, s3, bucket, key, eTag, rows, cap } = ctx;
  seg.reset();
  const started = Date.now();
  const r = await run([join(HERE, 'e2e-child.mjs'), 'seed'], { ...s3.env, SEGMENT_ENDPOINT: seg.url, SEGMENT_WRITE_KEY: ctx.writeKey, BENCH_BUCKET: bucket, BENCH_KEY: key, BENCH_ETAG: eTag });
  let seconds = (Date.now() - started) / 1000;
  if (r.code === 0) seconds = JSON.parse(r.out.trim().split('\n').pop()).ms / 1000;
  const error = r.code === 0 ? null : r.err.trim().split('\n').find((l) => /error/i.test(l)) ?? `exit ${r.code}`;
  return { ...figures(seg, rows, cap, seconds), error };
}

/** A csv2segment CLI (`send`, no budget) on the file, timed from spawn to exit. */
async function cliRun(ctx, cli) {
  const { seg, path, rows, cap } = ctx;
  seg.reset();
  const started = Date.now();
  const r = await run([cli, 'send', path, '--endpoint', seg.url, '--quiet'], { SEGMENT_WRITE_KEY: ctx.writeKey, SEGMENT_MAX_EVENTS_PER_SECOND: 'none' });
  const seconds = (Date.now() - started) / 1000;
  return { ...figures(seg, rows, cap, seconds), error: r.code === 0 ? null : r.err.trim().split('\n')[0] };
}

const f2 = (n) => Number(n.toFixed(2));
const pct = (n) => `${(n * 100).toFixed(1)}%`;

/**
 * The rate section. `ctx`: the bench's seg (its rate cap is set here and lifted at the end),
 * s3, client, bucket, the uploaded object (key, eTag, size, path), rows, writeKey, lambdaEntry,
 * lambdaNodeOptions. Prints to stderr; returns the `name: value` lines.
 */
export async function measureRate(ctx, { cap = Math.round(ctx.rows / 30), skipSeed = false, cli = null, cases = ['one', 'shards', 'misset', 'seed', 'cli'] } = {}) {
  const c = { ...ctx, cap };
  console.error(`  rate: the Segment server capped at ${cap} events/s (a token bucket one second deep, 429 with Retry-After past it); ${ctx.rows} rows`);
  const runs = {};
  ctx.seg.setRateLimit(cap);
  try {
    if (cases.includes('one')) runs.one = await lambdaRun(c, { budget: cap });
    if (cases.includes('shards')) runs.shards = await lambdaRun(c, { budget: cap, shards: 4, inFlight: 4 });
    if (cases.includes('misset')) runs.misset = await lambdaRun(c, { budget: 3 * cap });
    if (cases.includes('seed') && !skipSeed) runs.seed = await seedRun(c);
    if (cases.includes('cli') && cli) runs.cli = await cliRun(c, cli);
  } finally {
    ctx.seg.setRateLimit(null);
  }
  const lines = { rate_cap_events_per_second: cap };
  for (const [name, r] of Object.entries(runs)) {
    const extra = [r.shards > 1 ? `${r.shards} shards` : null, r.pacedSeconds !== undefined ? `paced ${r.pacedSeconds.toFixed(1)} s (pieces added up)` : null, r.error ? `stopped: ${r.error}` : null].filter(Boolean).join(', ');
    console.error(`  rate ${name.padEnd(6)} ${r.seconds.toFixed(1)} s, ${f2(r.vsCap)} of the cap, ${r.answers429} 429s in ${r.requests} requests (${pct(r.share429)}), ${r.lost} lost, ${r.duplicates} duplicates${extra ? `; ${extra}` : ''}`);
    lines[`rate_${name}_vs_cap`] = f2(r.vsCap);
    lines[`rate_${name}_429_share`] = Number(r.share429.toFixed(3));
    lines[`rate_${name}_lost`] = r.lost;
    lines[`rate_${name}_duplicates`] = r.duplicates;
    lines[`rate_${name}_seconds`] = f2(r.seconds);
  }
  return lines;
}
