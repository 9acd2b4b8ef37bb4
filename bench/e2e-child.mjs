// One side of `npm run bench:e2e`, in a process of its own so that its peak RSS is its own:
//   node bench/e2e-child.mjs lambda   the project's handler on an S3 event
//   node bench/e2e-child.mjs seed     the seed's approach: whole object → csvtojson → analytics-node 6
//   node bench/e2e-child.mjs piece    one invocation of the handler on the event in BENCH_EVENT (JSON:
//                                     an S3 event, or a `{ csv2segment: task }` piece), as Lambda runs
//                                     each invocation in its own process: every piece of work it hands
//                                     on is printed to stdout as a line `{ "invoke": message }`, for the
//                                     parent to run in another process (bench/e2e-shards.mjs)
// Reads BENCH_BUCKET, BENCH_KEY, BENCH_ETAG, BENCH_LAMBDA_ENTRY, SEGMENT_ENDPOINT, SEGMENT_WRITE_KEY
// and the AWS_* variables of the local S3 server; prints one JSON line (the last on stdout):
// { ms, initMs, bootMs, cpuMs, maxRssMb } (piece: also startedAt, endedAt, epoch ms of the
// invocation, and logs, the handler's log lines).
//
// Timed as Lambda bills it, the same way for both sides:
//   initMs  the module's init phase (Lambda's "Init Duration"): its imports and what it builds
//           at module level (the seed's S3 and analytics clients; the handler's createHandler())
//   ms      the invocation (Lambda's "Duration"): from the handler call until every event is
//           delivered (the seed: reading the object through flush-until-empty). Whatever the
//           handler does on its first call (the engine's wasm compile, its S3 client) is in here.
//   bootMs  Node's own start, before this file runs (Lambda's runtime start; in neither figure)
//
// BENCH_MEMORY_TRACE=1: samples process.memoryUsage() (and the wasm engine's memory, and V8's
// new space) every 50 ms and writes one JSON line `{ memoryTrace: {...} }` to stderr: the max of
// each field, and the GC counts and pauses by kind.
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';

const bootMs = performance.now();
const env = process.env;
const mode = process.argv[2];

/** Max of each memory figure, sampled every 50 ms, in MB. */
function startMemoryTrace() {
  const max = {};
  const wasmMemories = [];
  // The engine's WebAssembly.Memory, whichever module (sources or bundle) instantiates it.
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = new Proxy(Instance, {
    construct(target, args, newTarget) {
      const instance = Reflect.construct(target, args, newTarget);
      if (instance.exports.memory instanceof WebAssembly.Memory) wasmMemories.push(instance.exports.memory);
      return instance;
    },
  });
  const gc = {};
  const kinds = {
    [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = kinds[entry.detail?.kind] ?? 'other';
      gc[kind] ??= { count: 0, ms: 0 };
      gc[kind].count += 1;
      gc[kind].ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const MB = 1024 * 1024;
  let samples = 0;
  const sample = () => {
    samples += 1;
    const m = process.memoryUsage();
    const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    const now = {
      rss: m.rss,
      heapTotal: m.heapTotal,
      heapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      newSpace: newSpace?.space_size ?? 0,
      wasm: wasmMemories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0),
    };
    for (const [name, value] of Object.entries(now)) max[name] = Math.max(max[name] ?? 0, value / MB);
  };
  const timer = setInterval(sample, 50);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
    observer.disconnect();
    const round = (n) => Number(n.toFixed(1));
    const maxMb = Object.fromEntries(Object.entries(max).map(([k, v]) => [k, round(v)]));
    const gcOut = Object.fromEntries(Object.entries(gc).map(([k, v]) => [k, { count: v.count, ms: round(v.ms) }]));
    process.stderr.write(`${JSON.stringify({ memoryTrace: { mode, key: env.BENCH_KEY, samples, maxMb, gc: gcOut, nodeOptions: env.NODE_OPTIONS ?? '' } })}\n`);
  };
}

/** Lambda's init phase: the deployment package's module, imported. Returns the invocation. */
async function initLambda() {
  // The deployment package (npm run package:lambda), as Lambda runs it; the sources otherwise.
  const entry = env.BENCH_LAMBDA_ENTRY ? pathToFileURL(env.BENCH_LAMBDA_ENTRY).href : '../js/hosts/lambda/index.mjs';
  const { handler } = await import(entry);
  const event = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: env.BENCH_BUCKET },
          object: { key: encodeURIComponent(env.BENCH_KEY), eTag: env.BENCH_ETAG },
        },
      },
    ],
  };
  return () => handler(event, { getRemainingTimeInMillis: () => 15 * 60_000 });
}

/**
 * One invocation of the handler (`createHandler`, with the function's environment, as the
 * bundle's `handler`) on BENCH_EVENT; hand-offs go to stdout, log lines to `logs`.
 */
async function initPiece(piece) {
  const entry = env.BENCH_LAMBDA_ENTRY ? pathToFileURL(env.BENCH_LAMBDA_ENTRY).href : '../js/hosts/lambda/index.mjs';
  const { createHandler } = await import(entry);
  const handler = createHandler({
    log: (line) => piece.logs.push(JSON.parse(line)),
    // Linux writes to a pipe synchronously: the line is out before the handler goes on.
    invoke: async (message) => void process.stdout.write(`${JSON.stringify({ invoke: message })}\n`),
  });
  const event = JSON.parse(env.BENCH_EVENT);
  return () => {
    const started = Date.now();
    return handler(event, { getRemainingTimeInMillis: () => 15 * 60_000 - (Date.now() - started) });
  };
}

/**
 * The seed's handler (../shared/seed/), as written, but with every event waited for. Its
 * module-level part (imports, the S3 and analytics clients) is its init; the rest, the invocation.
 */
async function initSeed() {
  const { GetObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const { default: csv } = await import('csvtojson');
  const { default: Analytics } = await import('analytics-node');
  const s3 = new S3Client({ forcePathStyle: true });
  const analytics = new Analytics(env.SEGMENT_WRITE_KEY, { host: env.SEGMENT_ENDPOINT });
  return async () => {
    const res = await s3.send(new GetObjectCommand({ Bucket: env.BENCH_BUCKET, Key: env.BENCH_KEY }));
    const csvString = await res.Body.transformToString();
    const rows = await csv({
      colParser: {
        createdAt: (item) => new Date(item),
        timestamp: (item) => new Date(item),
      },
    }).fromString(csvString);
    for (const event of rows) {
      analytics.track({
        userId: event.userId,
        event: event.event,
        properties: event.properties,
        timestamp: event.timestamp,
        context: event.context,
      });
    }
    // The seed flushes once, which loses events in Lambda; here it flushes until nothing is left.
    while (analytics.queue.length > 0) {
      await new Promise((resolve, reject) => analytics.flush((err) => (err ? reject(err) : resolve())));
    }
  };
}

const piece = { logs: [] };
const stopTrace = env.BENCH_MEMORY_TRACE === '1' ? startMemoryTrace() : null;
const initStarted = performance.now();
let invoke;
if (mode === 'lambda') invoke = await initLambda();
else if (mode === 'seed') invoke = await initSeed();
else if (mode === 'piece') invoke = await initPiece(piece);
else throw new Error(`usage: node bench/e2e-child.mjs lambda|seed|piece (got ${mode})`);
const invokeStarted = performance.now();
const initCpu = process.cpuUsage();
const startedAt = Date.now();
await invoke();
const endedAt = Date.now();
const ms = performance.now() - invokeStarted;
const initMs = invokeStarted - initStarted;
stopTrace?.();
const cpu = process.cpuUsage();
const result = { ms, initMs, bootMs, cpuMs: (cpu.user + cpu.system) / 1000, initCpuMs: (initCpu.user + initCpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 };
console.log(JSON.stringify(mode === 'piece' ? { ...result, startedAt, endedAt, logs: piece.logs } : result));
