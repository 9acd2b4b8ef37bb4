// The sharded path of `npm run bench:e2e`: one large file through the Lambda handler cut into
// shards (CSV2SEGMENT_SHARD_BYTES), with 1, 2 and 4 shards in flight, beside the same file in one
// invocation, all against the local S3 server and the Segment server of bench/e2e.mjs.
//
// Every invocation is its own process (bench/e2e-child.mjs piece), as on Lambda, so the shards in
// flight really run in parallel: the first takes the S3 event and cuts the file (it prints one
// `{ invoke }` line per shard); a pool then runs those messages, at most K processes at once, and
// whatever they hand on. A run is timed from the S3 event to the invocation that wrote the
// report; each shard from its process's start (Node's start and the init phase are in it, as in
// a cold start) to its handler's return. Each run is checked: Segment accepted every row once,
// nothing dropped, and the report has every row and one piece per shard.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPORT_PREFIX = 'csv2segment-reports/';
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** CPU seconds a process has used so far (Linux: /proc), or null. */
function procCpuSeconds(pid) {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/** CPU seconds the whole machine has been busy (Linux: /proc/stat), or null. */
function machineCpuSeconds() {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    return (user + nice + system + irq + softirq + steal) / TICKS;
  } catch {
    return null;
  }
}

const ownCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** One invocation in its own process; resolves to its result line and the messages it handed on. */
function runPiece(event, env) {
  return new Promise((resolve, reject) => {
    const spawnedAt = Date.now();
    const child = spawn(process.execPath, [join(HERE, 'e2e-child.mjs'), 'piece'], {
      env: { ...process.env, ...env, BENCH_EVENT: JSON.stringify(event) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`piece exited with ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
      if (process.env.BENCH_SHOW_STDERR) process.stderr.write(err);
      const lines = out.trim().split('\n').map((line) => JSON.parse(line));
      const result = lines.pop();
      resolve({ ...result, spawnedAt, closedAt: Date.now(), handedOn: lines.map((l) => l.invoke) });
    });
  });
}

/** Runs `first` and every message handed on, at most `inFlight` processes at once (also bench/e2e-rate.mjs). */
export function runPool(first, inFlight, env) {
  return new Promise((resolve, reject) => {
    const queue = [first];
    const done = [];
    let running = 0;
    let failed = false;
    const pump = () => {
      if (failed) return;
      while (running < inFlight && queue.length > 0) {
        const event = queue.shift();
        running += 1;
        runPiece(event, env).then(
          (result) => {
            running -= 1;
            done.push({ event, ...result });
            queue.push(...result.handedOn);
            pump();
          },
          (err) => {
            failed = true;
            reject(err);
          },
        );
      }
      if (running === 0 && queue.length === 0) resolve(done);
    };
    pump();
  });
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cv = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2))) / mean(xs);

/**
 * One run of the file: `inFlight` processes at most, shards of `shardBytes` (Infinity: one
 * invocation). Checks Segment's counts and the report; returns the timings.
 */
async function measureRun(ctx, { shardBytes, inFlight }) {
  const { seg, s3, client, bucket, key, eTag, size, rows } = ctx;
  const reportKey = `${REPORT_PREFIX}${key}.report.json`;
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: reportKey }));
  seg.reset();
  const env = {
    ...s3.env,
    SEGMENT_ENDPOINT: seg.url,
    SEGMENT_WRITE_KEY: ctx.writeKey,
    BENCH_LAMBDA_ENTRY: ctx.lambdaEntry ?? '',
    NODE_OPTIONS: [process.env.NODE_OPTIONS, ctx.lambdaNodeOptions].filter(Boolean).join(' '),
    CSV2SEGMENT_SHARD_BYTES: String(Number.isFinite(shardBytes) ? shardBytes : 1e15),
    // Far beyond a run: no piece hands on a continuation.
    MAX_RUN_SECONDS: '100000',
  };
  const s3Event = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key), eTag, size } },
      },
    ],
  };
  const cpu0 = { parent: ownCpuSeconds(), moto: procCpuSeconds(s3.pid), machine: machineCpuSeconds() };
  const started = Date.now();
  const pieces = await runPool(s3Event, inFlight, env);
  const cpu = {
    parent: ownCpuSeconds() - cpu0.parent,
    moto: cpu0.moto === null ? null : procCpuSeconds(s3.pid) - cpu0.moto,
    pieces: pieces.reduce((sum, p) => sum + p.cpuMs / 1000, 0),
  };
  // The rest of the machine's busy time: other work on it (and Node's start of each piece).
  cpu.others = cpu0.machine === null ? null : machineCpuSeconds() - cpu0.machine - cpu.parent - (cpu.moto ?? 0) - cpu.pieces;

  const statuses = pieces.flatMap((p) => p.logs.map((l) => l.status));
  const finished = pieces.filter((p) => p.logs.some((l) => l.status === 'done'));
  if (finished.length === 0) throw new Error(`sharded ×${inFlight}: no invocation wrote the report (statuses: ${statuses.join(', ')})`);
  // Two shards that end together may both see every part and both write the (same) report.
  if (finished.length > 1) console.error(`  note: ${finished.length} invocations wrote the report`);
  const seconds = (Math.max(...finished.map((p) => p.endedAt)) - started) / 1000;
  if (statuses.includes('continued')) throw new Error(`sharded ×${inFlight}: a piece handed on a continuation; raise MAX_RUN_SECONDS`);
  const splitter = pieces[0];
  const shardRuns = pieces.filter((p) => p.event.csv2segment);
  const shards = splitter.handedOn.length;

  const stats = seg.stats();
  if (stats.accepted !== rows || stats.uniqueMessageIds !== rows || stats.dropped !== 0) {
    throw new Error(`sharded ×${inFlight}: Segment accepted ${stats.accepted} of ${rows} events, ${stats.uniqueMessageIds} unique ids, ${stats.dropped} dropped`);
  }
  const report = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: reportKey }))).Body.transformToString());
  const expectedPieces = shards > 0 ? shards : undefined;
  if (report.status !== 'done' || report.rows !== rows || report.events !== rows || report.pieces !== expectedPieces) {
    throw new Error(`sharded ×${inFlight}: report says ${JSON.stringify({ status: report.status, rows: report.rows, events: report.events, pieces: report.pieces })}; expected ${rows} rows in ${expectedPieces ?? 'no'} pieces`);
  }
  const leftOver = (await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${REPORT_PREFIX}${key}.parts/` }))).Contents ?? [];
  if (leftOver.length > 0) throw new Error(`sharded ×${inFlight}: ${leftOver.length} parts left behind`);

  const rel = (t) => (t - started) / 1000;
  const shardTimes = shardRuns.map((p) => ({ start: rel(p.spawnedAt), end: rel(p.endedAt), seconds: (p.endedAt - p.spawnedAt) / 1000, invokeSeconds: p.ms / 1000 }));
  const ends = shardTimes.map((t) => t.end).sort((a, b) => a - b);
  return {
    seconds,
    shards,
    pieces: report.pieces ?? 1,
    splitSeconds: shards > 0 ? (splitter.endedAt - started) / 1000 : null,
    invokeSeconds: pieces.map((p) => p.ms / 1000),
    shardTimes,
    finishSpread: shardTimes.length > 0 ? Math.max(...ends) - Math.min(...ends) : 0,
    // Slots idle at the end: from the first shard end that left a slot nothing to take, to the last.
    tail: ends.length >= inFlight ? ends.at(-1) - ends[ends.length - inFlight] : 0,
    durationCv: shardTimes.length > 1 ? cv(shardTimes.map((t) => t.seconds)) : 0,
    cpu,
    requests: stats.requests,
    peakRssMb: Math.max(...pieces.map((p) => p.maxRssMb)),
  };
}

const f2 = (n) => n.toFixed(2);

/**
 * The file of `rows` rows (at `path`, already in the bucket as `key`): once in one invocation,
 * then in `shardCount` shards with each of `inFlight` processes at once. Prints to stderr;
 * returns the `name: value` lines.
 */
export async function measureShards(ctx, { shardCount = 8, inFlight = [1, 2, 4], label }) {
  const { size } = ctx;
  const shardBytes = Math.ceil(size / shardCount);
  const cores = availableParallelism();
  console.error(`  sharded path: ${ctx.rows} rows, ${(size / 1e6).toFixed(1)} MB, CSV2SEGMENT_SHARD_BYTES=${shardBytes} (${shardCount} shards), ${cores} cores; each invocation its own process`);
  const cpuLine = (r) => {
    const total = r.cpu.pieces + r.cpu.parent + (r.cpu.moto ?? 0);
    return `CPU s: invocations ${f2(r.cpu.pieces)}, Segment server (this process) ${f2(r.cpu.parent)}, moto ${r.cpu.moto === null ? 'n/a' : f2(r.cpu.moto)}, rest of the machine ${r.cpu.others === null ? 'n/a' : f2(r.cpu.others)}; ${((total / (r.seconds * cores)) * 100).toFixed(0)}% of ${cores} cores`;
  };

  const sequential = await measureRun(ctx, { shardBytes: Infinity, inFlight: 1 });
  console.error(`  sequential  ${f2(sequential.seconds)} s (invocation ${f2(sequential.invokeSeconds[0])} s), ${sequential.requests} requests; ${cpuLine(sequential)}`);
  const runs = new Map();
  for (const k of inFlight) {
    const run = await measureRun(ctx, { shardBytes, inFlight: k });
    if (run.shards !== shardCount) console.error(`  note: the file was cut into ${run.shards} shards, not ${shardCount}`);
    runs.set(k, run);
    const durations = run.shardTimes.map((t) => t.seconds);
    console.error(
      `  sharded ×${k}  ${f2(run.seconds)} s (split ${f2(run.splitSeconds)} s; ${run.shards} shards ${f2(Math.min(...durations))}–${f2(Math.max(...durations))} s each, cv ${f2(run.durationCv)}; finish spread ${f2(run.finishSpread)} s, idle tail ${f2(run.tail)} s); ${cpuLine(run)}`,
    );
    if (process.env.BENCH_SHOW_SHARDS) {
      for (const t of run.shardTimes) console.error(`    shard ${f2(t.start)} → ${f2(t.end)} s (${f2(t.seconds)} s, invocation ${f2(t.invokeSeconds)} s)`);
    }
  }

  const lines = {
    sharded_file_mb: Number((size / 1e6).toFixed(2)),
    sharded_shards: runs.get(inFlight[0]).shards,
    [`sequential_${label}_seconds`]: Number(f2(sequential.seconds)),
    sequential_segment_cpu_seconds: Number(f2(sequential.cpu.parent)),
    ...(sequential.cpu.others !== null ? { sequential_other_cpu_seconds: Number(f2(sequential.cpu.others)) } : {}),
    sharded_split_seconds: Number(f2(mean([...runs.values()].map((r) => r.splitSeconds)))),
  };
  const base = runs.get(1);
  for (const [k, run] of runs) {
    lines[`sharded_${k}_seconds`] = Number(f2(run.seconds));
    if (base && k !== 1) lines[`sharded_${k}_speedup`] = Number(f2(base.seconds / run.seconds));
    lines[`sharded_${k}_finish_spread_seconds`] = Number(f2(run.finishSpread));
    lines[`sharded_${k}_tail_seconds`] = Number(f2(run.tail));
    lines[`sharded_${k}_shard_seconds_cv`] = Number(f2(run.durationCv));
    lines[`sharded_${k}_segment_cpu_seconds`] = Number(f2(run.cpu.parent));
    if (run.cpu.others !== null) lines[`sharded_${k}_other_cpu_seconds`] = Number(f2(run.cpu.others));
  }
  if (base) lines.sharded_1_vs_sequential = Number(f2(sequential.seconds / base.seconds));
  return lines;
}
