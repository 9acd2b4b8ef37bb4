// The engine from JavaScript, as a program: streams a CSV file through the engine and posts each
// batch to Segment's HTTP API, then prints the report. The hosts run this same loop with retries,
// pacing and pieces (js/core/pipeline.mjs); this is the bare loop, to read and to start from.
//
//   SEGMENT_WRITE_KEY=... node examples/engine.mjs uploads/track_2024.csv [ENDPOINT [MAPPING]]
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadEngine, stampSentAt } from 'csv2segment';

const [file, endpoint = 'https://api.segment.io', mappingFile] = process.argv.slice(2);
const auth = `Basic ${Buffer.from(`${process.env.SEGMENT_WRITE_KEY}:`).toString('base64')}`;

/** One request; a real host retries 429 and 5xx answers (js/core/retry.mjs). */
async function post(path, body) {
  const res = await fetch(new URL(path, endpoint), {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body,
  });
  if (!res.ok) throw new Error(`Segment answered ${res.status} to ${path}`);
}

const { Ingest, validate } = await loadEngine();
const options = {
  empty: 'omit', // or 'null', 'string'
  typing: 'infer', // or 'strings'
  ...(mappingFile && {
    mapping: await readFile(mappingFile, 'utf8'), // a csv2segment.json's text
    mappingKey: mappingFile, // where it came from, for the report
  }),
  maxRecordBytes: 1 << 20, // the largest row (the default)
};
const ingest = new Ingest(file, `file://${file}`, options);
const sendReady = async () => {
  // Until nextBatch() returns undefined: rows held back so that one body at a time is ready
  // are read as batches are taken.
  for (let b = ingest.nextBatch(); b; b = ingest.nextBatch()) {
    await post(b.path, stampSentAt(b).body); // sentAt is set at send time
  }
};
for await (const chunk of createReadStream(file)) {
  ingest.write(chunk); // chunks of any size, cut anywhere; throws on a header problem
  await sendReady();
}
ingest.finish();
await sendReady();
const report = ingest.report(); // counts, columns, rejections
const rejects = ingest.rejectsCsv(); // Uint8Array, or undefined when no row was rejected
ingest.free();
console.log(`${report.rows} rows, ${report.events} events sent, ${report.rejected} rejected`);
for (const r of report.rejections) console.log(r.message);
if (rejects) console.log(`rejected rows as CSV: ${rejects.length} bytes`);

// In one call, for a file in memory (the browser's validator): nothing is sent.
const { report: checked, payloads } = validate(await readFile(file), file, `file://${file}`, options);
console.log(`validate: ${checked.rows} rows; first payload: ${JSON.stringify(payloads[0])}`);
