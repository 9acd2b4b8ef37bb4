// A workbook of Excel's most rows (1,048,575 and the header: issue 27's done-when) on three hosts,
// each within its memory bound, every row's messageId exactly once through continuations:
//
//   node bench/xlsx-max.mjs [--quick] [--rows N] [--piece-seconds S] [--only cli,lambda,worker]
//   (npm run bench:xlsx-max; slow: minutes per host, so never part of npm test)
//
// The workbook is bench/generate-xlsx.mjs's track sheet, cached in .cache/bench/. Each host sends
// it to the strict Segment stand-in (tests/support/segment-server.mjs, counting, not keeping the
// events), which counts accepted events, unique messageIds and repeats:
// - the CLI: `csv2segment send` (positioned reads), its peak RSS from the process itself;
// - the Lambda: the handler against moto's S3 server, in a child process of its own (so that its
//   peak RSS is the handler's, not the stand-in's), MAX_RUN_SECONDS --piece-seconds (default 20),
//   its continuations run in turn in that process, as Lambda's async invokes would;
// - the Worker: workerd through Miniflare (tests/support/worker-stack.mjs), the upload's R2 event
//   on the queue, MAX_RUN_SECONDS likewise, continuations through the queue; the workerd
//   process's peak RSS over the run, less its RSS before (the runtime, the simulators and the R2
//   object's storage are workerd's too, so this is an upper bound of the isolate's).
// --quick: 20,000 rows, pieces of 0.3 s with delivery paced at 50,000 events a second (so that
// the bucket hosts take several pieces whatever the machine's speed), to check the bench runs.
// Prints one line per host: rows, events, unique ids, repeats, pieces, peak memory, seconds, and
// `ids: exactly once` or what was wrong; exit code 1 when a host fell short.

import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './generate.mjs';
import { MAX_ROWS, ensureTrackXlsx } from './generate-xlsx.mjs';

const WRITE_KEY = 'wk_bench_xlsx_max';
const CLI = path.join(ROOT, 'js', 'hosts', 'cli', 'csv2segment.mjs');
const BUCKET = 'xlsx-max';
const KEY = 'big/track_max.xlsx';
/** The hosts' bounds: the Lambda's MemorySize (template.yaml), a Worker's isolate. */
const LAMBDA_MB = 512;
const WORKER_MB = 128;

/**
 * The Lambda's part, run in a child process: `node bench/xlsx-max.mjs --lambda-child <record JSON>`.
 * @param {string} recordJson the S3 event record
 */
async function lambdaChild(recordJson) {
  const { createHandler } = await import('../js/hosts/lambda/index.mjs');
  /** @type {any[]} */
  const queue = [];
  const handler = createHandler({
    env: process.env,
    log: () => {},
    invoke: async (message) => void queue.push(structuredClone(message)),
  });
  const context = { getRemainingTimeInMillis: () => 900_000 };
  await handler({ Records: [JSON.parse(recordJson)] }, context);
  let continuations = 0;
  for (let m = queue.shift(); m; m = queue.shift()) {
    await handler(m, context);
    continuations += 1;
  }
  process.stdout.write(`${JSON.stringify({ continuations, peakKb: process.resourceUsage().maxRSS })}\n`);
}

/**
 * Runs `cmd` and resolves to { code, stdout, stderr }.
 * @param {string} cmd @param {string[]} args @param {NodeJS.ProcessEnv} env
 */
function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What the stand-in saw, as one verdict. @param {any} seg @param {number} rows */
function idsVerdict(seg, rows) {
  const s = seg.stats();
  const ok = s.accepted === rows && s.uniqueMessageIds === rows && s.duplicates === 0 && s.dropped === 0;
  return { ok, text: `${s.accepted.toLocaleString('en-US')} events, ${s.uniqueMessageIds.toLocaleString('en-US')} unique ids, ${s.duplicates} repeats, ${s.dropped} dropped: ${ok ? 'ids: exactly once' : 'ids: NOT exactly once'}` };
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--lambda-child') return lambdaChild(argv[1]);
  let rows = MAX_ROWS - 1;
  let pieceSeconds = 20;
  let only = new Set(['cli', 'lambda', 'worker']);
  /** @type {Record<string, string>} */
  let pace = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') {
      rows = 20_000;
      pieceSeconds = 0.3;
      pace = { SEGMENT_MAX_EVENTS_PER_SECOND: '50000' };
    } else if (argv[i] === '--rows') rows = Number(argv[++i]);
    else if (argv[i] === '--piece-seconds') pieceSeconds = Number(argv[++i]);
    else if (argv[i] === '--only') only = new Set(argv[++i].split(','));
    else {
      console.error(`unknown argument ${argv[i]}\nusage: node bench/xlsx-max.mjs [--quick] [--rows N] [--piece-seconds S] [--only cli,lambda,worker]`);
      process.exit(2);
    }
  }
  // The test support is loaded through URLs: tests/ is not in the tsconfig, so tsc does not follow it.
  /** @type {any} */
  const segmentServer = await import(new URL('../tests/support/segment-server.mjs', import.meta.url).href);
  const { startSegmentServer } = segmentServer;
  const book = await ensureTrackXlsx(rows);
  console.log(`xlsx-max: ${rows.toLocaleString('en-US')} rows and the header, ${(book.bytes / 1e6).toFixed(1)} MB (${book.path}); pieces of ${pieceSeconds} s on the Lambda and the Worker`);
  const seg = await startSegmentServer({ writeKey: WRITE_KEY, record: false });
  const dir = await mkdtemp(path.join(tmpdir(), 'xlsx-max-'));
  let failed = false;
  const report = (/** @type {string} */ host, /** @type {string} */ text, /** @type {boolean} */ ok) => {
    failed ||= !ok;
    console.log(`${host}: ${text}`);
  };
  try {
    if (only.has('cli')) {
      seg.reset();
      const preload = path.join(dir, 'peak.mjs');
      await writeFile(preload, "process.on('exit', () => process.stderr.write(`peak-rss ${process.resourceUsage().maxRSS}\\n`));\n");
      const t0 = Date.now();
      const r = await run(process.execPath, ['--import', preload, CLI, 'send', book.path, '--endpoint', seg.url], { ...process.env, SEGMENT_WRITE_KEY: WRITE_KEY });
      const kb = Number(/peak-rss (\d+)/.exec(r.stderr)?.[1]);
      const ids = idsVerdict(seg, rows);
      report('cli', `exit ${r.code}, ${ids.text}; one piece; peak RSS ${(kb / 1024).toFixed(0)} MB; ${((Date.now() - t0) / 1000).toFixed(0)} s`, ids.ok && r.code === 0);
      if (r.code !== 0) console.log(r.stderr.slice(-2000));
    }
    if (only.has('lambda')) {
      seg.reset();
      /** @type {any} */
      const s3Server = await import(new URL('../tests/support/s3-server.mjs', import.meta.url).href);
      const { startS3Server } = s3Server;
      /** @type {any} the test support's event record (not type-checked: tests/ is not in the tsconfig) */
      const lambdaStack = await import(new URL('../tests/support/lambda-stack.mjs', import.meta.url).href);
      const { s3Record } = lambdaStack;
      const { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
      const s3 = await startS3Server();
      try {
        const client = s3.client();
        await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: createReadStream(book.path), ContentLength: book.bytes }));
        const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
        const record = s3Record(BUCKET, KEY, { eTag: (head.ETag ?? '').replaceAll('"', ''), size: head.ContentLength });
        client.destroy();
        const t0 = Date.now();
        const env = { ...process.env, ...s3.env, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url, MAX_RUN_SECONDS: String(pieceSeconds), ...pace };
        const r = await run(process.execPath, [fileURLToPath(import.meta.url), '--lambda-child', JSON.stringify(record)], env);
        const out = JSON.parse(r.stdout.trim().split('\n').at(-1) || 'null') ?? { continuations: NaN, peakKb: NaN };
        const ids = idsVerdict(seg, rows);
        const mb = out.peakKb / 1024;
        report('lambda', `${ids.text}; ${out.continuations + 1} pieces; peak RSS ${mb.toFixed(0)} MB of ${LAMBDA_MB}; ${((Date.now() - t0) / 1000).toFixed(0)} s`, ids.ok && mb < LAMBDA_MB && out.continuations >= 1);
        if (r.code !== 0) console.log(r.stderr.slice(-2000));
      } finally {
        await s3.close();
      }
    }
    if (only.has('worker')) {
      seg.reset();
      // Through a URL, so tsc does not follow it into Miniflare's types (which need workers-types).
      /** @type {any} */
      const workerStack = await import(new URL('../tests/support/worker-stack.mjs', import.meta.url).href);
      const { r2Notification, reportOf, startWorkerStack } = workerStack;
      const stack = await startWorkerStack({
        vars: { SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url, MAX_RUN_SECONDS: String(pieceSeconds), ...pace },
        secrets: { SEGMENT_WRITE_KEY: WRITE_KEY },
        port: 0,
      });
      try {
        const bytes = new Uint8Array(await readFile(book.path));
        const object = await stack.put(KEY, bytes);
        const before = stack.processMemory();
        stack.resetPeakMemory();
        const t0 = Date.now();
        await stack.notify(r2Notification({ bucket: stack.bucketName, key: KEY, size: object.size, eTag: object.etag }));
        const done = await reportOf(stack, KEY, { status: ['done', 'failed', 'unprocessable'], timeoutMs: 3_600_000 });
        const after = stack.processMemory();
        const growth = ((after?.peakRssBytes ?? NaN) - (before?.rssBytes ?? NaN)) / 2 ** 20;
        const ids = idsVerdict(seg, rows);
        report('worker', `${ids.text}; report ${done.status}, ${done.pieces ?? 1} pieces; workerd peak RSS ${((after?.peakRssBytes ?? NaN) / 2 ** 20).toFixed(0)} MB, ${growth.toFixed(0)} MB over its ${((before?.rssBytes ?? NaN) / 2 ** 20).toFixed(0)} MB before the run (bound ${WORKER_MB} MB); ${((Date.now() - t0) / 1000).toFixed(0)} s`, ids.ok && done.status === 'done' && (done.pieces ?? 1) >= 2 && growth < WORKER_MB);
      } finally {
        await stack.close();
      }
    }
  } finally {
    await seg.close();
    await rm(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

await main();
