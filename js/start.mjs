// `npm start`: runs the engine over the sample files and prints what Segment would receive.
// (A local stack with the Worker and a Segment-compatible server replaces this; see the README.)
import { readdir, readFile } from 'node:fs/promises';
import { loadEngine, stampSentAt } from './engine.mjs';

const samples = new URL('../samples/', import.meta.url);
const { Ingest } = await loadEngine();
const decoder = new TextDecoder();

for (const name of (await readdir(samples)).sort()) {
  const ingest = new Ingest(name, `sample://${name}`);
  try {
    ingest.write(await readFile(new URL(name, samples)));
    ingest.finish();
    const report = ingest.report();
    console.log(`\n${name}: ${report.file.kind} calls; ${report.rows} rows, ${report.events} events, ${report.rejected} rejected, ${report.batches} request(s)`);
    for (let batch = ingest.nextBatch(); batch; batch = ingest.nextBatch()) {
      const body = JSON.parse(decoder.decode(stampSentAt(batch).body));
      console.log(`POST ${batch.path} (lines ${batch.firstLine}-${batch.lastLine})`);
      console.log(JSON.stringify(body, null, 2));
    }
    for (const r of report.rejections) console.log(`rejected: ${r.message}`);
  } catch (e) {
    console.error(`${name}: ${e.message}`);
    process.exitCode = 1;
  } finally {
    ingest.free();
  }
}
