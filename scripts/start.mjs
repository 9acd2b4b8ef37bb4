#!/usr/bin/env node
// `npm start`: the whole product on this machine, with no account. The Worker runs in the real
// Workers runtime (Miniflare/workerd) with a local R2 bucket and queue, beside the local
// Segment-compatible server the tests use; the sample files are put into the bucket as R2
// notifications would announce them, what Segment received is printed, and the Worker keeps
// serving (the page, the upload endpoints) until Ctrl-C.
//
//   npm start [-- --once] [--live] [--port N]
//
//   --once   exit after the samples are delivered (exit code 0 when all of them were)
//   --live   send to real Segment: needs SEGMENT_WRITE_KEY (and SEGMENT_REGION=eu for EU workspaces)
//   --port   the Worker's port on 127.0.0.1 (default 8787; 0 for any free port)
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
// Node builtins and the set-up script only: this may be the first command of a fresh clone, so the
// Worker stack (Miniflare, from npm) is imported after setup() has installed it.
import { ROOT, StepError, runMain } from './lib/proc.mjs';
import { setup } from './setup.mjs';

const USAGE = 'usage: npm start [-- --once] [--live] [--port N]';
const LOCAL_WRITE_KEY = 'local-write-key';

function parseArgs(argv) {
  const opts = { once: false, live: false, port: 8787 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--once') opts.once = true;
    else if (a === '--live') opts.live = true;
    else if (a === '--port') opts.port = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new StepError(`unknown option ${a}\n${USAGE}`, 2);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new StepError(`--port takes a port number\n${USAGE}`, 2);
  return opts;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  await setup({ quiet: true });
  const { startSegmentServer } = await import('../tests/support/segment-server.mjs');
  const { startWorkerStack } = await import('../tests/support/worker-stack.mjs');

  let seg;
  let vars = {};
  let writeKey = LOCAL_WRITE_KEY;
  if (opts.live) {
    writeKey = process.env.SEGMENT_WRITE_KEY?.trim();
    if (!writeKey) throw new StepError('--live sends to Segment: set SEGMENT_WRITE_KEY to your source\'s write key first', 2);
    if (process.env.SEGMENT_REGION) vars.SEGMENT_REGION = process.env.SEGMENT_REGION;
  } else {
    seg = await startSegmentServer({ writeKey: LOCAL_WRITE_KEY, port: 0 });
    vars = { SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url };
  }
  // A token of the user's own is never printed; a throwaway one for this run is, to be usable.
  const ownToken = process.env.INGEST_TOKEN?.trim();
  const token = ownToken || randomBytes(16).toString('hex');
  const shownToken = ownToken ? '$INGEST_TOKEN' : token;
  const logs = [];
  const stack = await startWorkerStack({
    vars,
    secrets: { SEGMENT_WRITE_KEY: writeKey, INGEST_TOKEN: token },
    port: opts.port,
    log: (line) => logs.push(line),
  });

  const close = async () => {
    await stack.close();
    await seg?.close();
  };
  try {
    say(`csv2segment: the Worker runs on ${stack.url} (workerd, local R2 bucket and queue)`);
    say(opts.live ? 'Segment: the real one (--live)' : `Segment: the local Segment-compatible server on ${seg.url}`);

    const samplesDir = path.join(ROOT, 'samples');
    const names = (await readdir(samplesDir)).filter((n) => /\.csv(\.gz)?$/.test(n)).sort();
    const reportKey = (name) => `csv2segment-reports/incoming/${name}.report.json`;
    for (const name of names) {
      await stack.putAndNotify(`incoming/${name}`, await readFile(path.join(samplesDir, name)));
      say(`put incoming/${name} into the bucket; R2 notified the Worker`);
    }
    const reports = {};
    await stack.waitFor(
      async () => {
        for (const name of names) {
          if (reports[name]) continue;
          const obj = await stack.bucket.get(reportKey(name));
          if (obj) {
            const report = JSON.parse(await obj.text());
            if (report.status !== 'failed') reports[name] = report;
          }
        }
        return Object.keys(reports).length === names.length;
      },
      { timeoutMs: 60_000 },
    );

    let ok = true;
    for (const name of names) {
      const r = reports[name];
      ok &&= r.status === 'done' && r.rejected === 0 && r.delivery?.failedEvents === 0;
      say(`\n${name}: ${r.status}; ${r.rows} rows, ${r.events} events, ${r.rejected} rejected, ${r.delivery?.events ?? 0} delivered in ${r.delivery?.requests ?? 0} request(s)`);
      say(`  report: ${reportKey(name)}`);
    }
    if (seg) {
      say(`\nWhat Segment received (${seg.events.length} events):`);
      for (const event of seg.events) say(JSON.stringify(event));
    }

    if (opts.once) {
      if (!ok) throw new StepError('not every sample row was delivered; see the reports above', 1);
      return 0;
    }
    say(`
The Worker keeps serving until Ctrl-C:
  ${stack.url}/                      what it does
  POST ${stack.url}/v1/validate/<file name>   the report and first payloads, nothing sent
  POST ${stack.url}/v1/ingest/<file name>     every row to ${opts.live ? 'Segment' : 'the local Segment server'}
  e.g. curl -H "Authorization: Bearer ${shownToken}" --data-binary @samples/track_1.csv ${stack.url}/v1/validate/track_1.csv`);
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    say('\nstopping');
    return 0;
  } finally {
    await close();
  }
}

runMain('start', main);
