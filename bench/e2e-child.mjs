// One side of `npm run bench:e2e`, in a process of its own so that its peak RSS is its own:
//   node bench/e2e-child.mjs lambda   the project's handler on an S3 event
//   node bench/e2e-child.mjs seed     the seed's approach: whole object → csvtojson → analytics-node 6
// Reads BENCH_BUCKET, BENCH_KEY, BENCH_ETAG, BENCH_LAMBDA_ENTRY, SEGMENT_ENDPOINT, SEGMENT_WRITE_KEY
// and the AWS_* variables of the local S3 server; prints one JSON line: { ms, cpuMs, maxRssMb }.
import { pathToFileURL } from 'node:url';

const env = process.env;
const mode = process.argv[2];

async function runLambda() {
  // The deployment package (npm run package:lambda), as Lambda runs it; the sources otherwise.
  const entry = env.BENCH_LAMBDA_ENTRY ? pathToFileURL(env.BENCH_LAMBDA_ENTRY).href : '../js/lambda.mjs';
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
  await handler(event, { getRemainingTimeInMillis: () => 15 * 60_000 });
}

/** The seed's handler (../shared/seed/), as written, but with every event waited for. */
async function runSeed() {
  const { GetObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const { default: csv } = await import('csvtojson');
  const { default: Analytics } = await import('analytics-node');
  const s3 = new S3Client({ forcePathStyle: true });
  const analytics = new Analytics(env.SEGMENT_WRITE_KEY, { host: env.SEGMENT_ENDPOINT });
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
}

const started = performance.now();
if (mode === 'lambda') await runLambda();
else if (mode === 'seed') await runSeed();
else throw new Error(`usage: node bench/e2e-child.mjs lambda|seed (got ${mode})`);
const ms = performance.now() - started;
const cpu = process.cpuUsage();
console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
