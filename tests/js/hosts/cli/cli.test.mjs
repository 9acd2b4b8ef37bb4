// The command-line tool as a user runs it: a process, its stdout, stderr and exit status, files
// beside the input, and the local Segment-compatible server on the other end.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, test } from 'node:test';
import { generateTrackCsv } from '../../../../bench/generate.mjs';
import { startSegmentServer } from '../../../support/segment-server.mjs';
import { CLEAN_ENV, CLI, runCli as cli } from '../../../support/run.mjs';

const SAMPLES = fileURLToPath(new URL('../../../../samples/', import.meta.url));
const TRACK = path.join(SAMPLES, 'track_1.csv');
const IDENTIFY = path.join(SAMPLES, 'identify_1.csv');
const WRITE_KEY = 'wk_cli_secret_51d2e8';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LIBRARY = { name: 'csv2segment', version: '0.1.0' };
const EMPTY_USER = 'line 3, column 1 (userId): userId and anonymousId are both empty; fill in at least one';

// The environment of the tests' shell minus anything that would change what the CLI does.


const ndjson = (text) => text.trimEnd().split('\n').map((line) => JSON.parse(line));
const withoutIds = (payloads) => payloads.map(({ messageId, ...rest }) => (assert.match(messageId, UUID), rest));

const TRACK_PAYLOADS = [
  {
    type: 'track',
    userId: '1',
    event: 'test event',
    properties: { name: 'Tyler Ortiz', plan: 'bronze', accountType: 'Facebook' },
    context: { device: { id: '1' }, library: LIBRARY },
    timestamp: '2019-05-11T20:32:27.940Z',
  },
  {
    type: 'track',
    userId: '2',
    event: 'test event',
    properties: { name: 'Jacob Johnson', plan: 'silver', accountType: 'Twitter' },
    context: { device: { id: '2' }, library: LIBRARY },
    timestamp: '2019-05-12T20:32:27.940Z',
  },
];

let dir;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-cli-'));
});
after(() => rm(dir, { recursive: true, force: true }));
const temp = async (name, content) => {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
};

describe('help, version and usage errors', () => {
  test('--help, help COMMAND and COMMAND --help print the help on stdout', async () => {
    const main = await cli(['--help']);
    assert.equal(main.code, 0);
    assert.equal(main.stderr, '');
    assert.match(main.stdout, /^Usage: csv2segment <command> \[options\] FILE\.\.\.\n/);
    for (const part of ['Commands:', 'Examples:', 'Exit status:', 'Environment:', 'SEGMENT_WRITE_KEY']) assert.ok(main.stdout.includes(part), part);
    // The prefixes are the engine's own list (acceptedPrefixes), as its file-name errors word them.
    const prefixes = 'name picks the call by its prefix, one of:\n  identify_, track_, page_, screen_, group_, alias_ or object_<collection>_\n(object_ is the Objects API)';
    assert.ok(main.stdout.includes(prefixes), main.stdout);
    assert.ok((await cli(['validate', '--help'])).stdout.includes(prefixes));
    assert.equal((await cli(['help'])).stdout, main.stdout);
    const send = await cli(['send', '--help']);
    assert.equal(send.code, 0);
    assert.match(send.stdout, /^Usage: csv2segment send \[options\] FILE\.\.\.\n/);
    assert.match(send.stdout, /--concurrency N .*\n.*else 4\)/);
    assert.equal((await cli(['help', 'send'])).stdout, send.stdout);
    assert.match((await cli(['preview', '-h'])).stdout, /--limit N +payloads to print, 1 to 10000 \(default: 10\)/);
  });

  test('--version prints the package version', async () => {
    assert.deepEqual(await cli(['--version']), { code: 0, stdout: 'csv2segment 0.1.0\n', stderr: '' });
  });

  test('an unknown command, option or help topic: one line, a pointer to --help, status 2', async () => {
    assert.deepEqual(await cli(['frobnicate', TRACK]), {
      code: 2,
      stdout: '',
      stderr: "csv2segment: unknown command 'frobnicate' (the commands are validate, preview, send and map)\nTry 'csv2segment --help'.\n",
    });
    assert.deepEqual(await cli(['validate', '--colour', TRACK]), {
      code: 2,
      stdout: '',
      stderr: "csv2segment: unknown option '--colour' for validate\nTry 'csv2segment validate --help'.\n",
    });
    assert.deepEqual(await cli(['--frobnicate']), { code: 2, stdout: '', stderr: "csv2segment: unknown option '--frobnicate'\nTry 'csv2segment --help'.\n" });
    assert.equal((await cli(['help', 'frobnicate'])).code, 2);
    // Names every object inherits are not commands (they were taken for one).
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      assert.deepEqual(await cli([name, TRACK]), {
        code: 2,
        stdout: '',
        stderr: `csv2segment: unknown command '${name}' (the commands are validate, preview, send and map)\nTry 'csv2segment --help'.\n`,
      });
      assert.equal((await cli(['help', name])).stderr, `csv2segment: no such command: '${name}' (the commands are validate, preview, send and map)\nTry 'csv2segment --help'.\n`);
    }
    assert.equal((await cli([])).stderr, "csv2segment: no command given\nTry 'csv2segment --help'.\n");
    assert.equal((await cli(['preview', '--limit', '0', TRACK])).stderr, `csv2segment: --limit is "0": give a whole number from 1 to 10000\nTry 'csv2segment preview --help'.\n`);
    assert.equal((await cli(['validate', '--empty', 'nothing', TRACK])).stderr, `csv2segment: --empty is "nothing": use one of omit, null, string\nTry 'csv2segment validate --help'.\n`);
  });

  test('util.parseArgs forms: a missing value, a value for a flag, grouped short flags, --', async () => {
    const usage = (line, command) => ({ code: 2, stdout: '', stderr: `csv2segment: ${line}\nTry 'csv2segment ${command} --help'.\n` });
    assert.deepEqual(await cli(['preview', TRACK, '--limit']), usage("option '--limit' needs a value: --limit N", 'preview'));
    assert.deepEqual(await cli(['validate', '--json=yes', TRACK]), usage("option '--json' takes no value", 'validate'));
    assert.deepEqual(await cli(['validate', '-qx', TRACK]), usage("unknown option '-x' for validate", 'validate'));
    assert.equal((await cli(['preview', '-qh'])).stdout, (await cli(['help', 'preview'])).stdout);
    const later = await cli(['validate', TRACK, '--limit=3']);
    assert.deepEqual(later, usage("unknown option '--limit' for validate", 'validate'));
    const dashed = await cli(['validate', '-q', '--', '-q']);
    assert.deepEqual(dashed, { code: 2, stdout: '', stderr: 'csv2segment: cannot read -q: no such file\n' });
    const last = await cli(['preview', '--limit', '5', TRACK, '--limit=1']);
    assert.equal(ndjson(last.stdout).length, 1);
  });

  test('a mistyped option never echoes its value, which may be the write key', async () => {
    const r = await cli(['send', `--write-kye=${WRITE_KEY}`, TRACK]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "csv2segment: unknown option '--write-kye' for send\nTry 'csv2segment send --help'.\n");
  });
});

describe('validate', () => {
  test('valid files: one summary line each, status 0', async () => {
    const r = await cli(['validate', TRACK, IDENTIFY]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(
      r.stdout,
      `${TRACK}: track calls: 4 rows, 4 events, 0 rejected; 1 request to send\n` + `${IDENTIFY}: identify calls: 4 rows, 4 events, 0 rejected; 1 request to send\n`,
    );
  });

  test('rejected rows: the summary, then each rejection as the engine words it, status 1', async () => {
    const file = await temp('track_signups.csv', 'userId,event\n1,Signed Up\n,Signed Up\n');
    const r = await cli(['validate', file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `${file}: track calls: 2 rows, 1 event, 1 rejected; 1 request to send\n  ${EMPTY_USER}\n`);
  });

  test('more than 20 rejections: the first 20, then how many more', async () => {
    const file = await temp('identify_many.csv', `userId,traits.plan\n${',pro\n'.repeat(25)}`);
    const r = await cli(['validate', file]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 22);
    assert.equal(lines[1], '  line 2, column 1 (userId): userId and anonymousId are both empty; fill in at least one');
    assert.equal(lines[21], '  … and 5 more; --json for all');
  });

  test('a header problem, a name that says no call, a missing file: status 2 with the reason', async () => {
    const header = await temp('track_header.csv', 'email,plan\na@b.c,pro\n');
    const unnamed = await temp('users.csv', 'userId\n1\n');
    const missing = path.join(dir, 'track_missing.csv');
    const r = await cli(['validate', header, unnamed, missing, TRACK]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stdout,
      `${header}: the header has 2 problems, so nothing was sent\n` +
        '  missing column event: track calls need a event column; add it to the header\n' +
        '  missing column userId: track calls need a userId or anonymousId column; add it to the header\n' +
        `${unnamed}: the file name does not say which call to make; start it with identify_, track_, page_, screen_, group_, alias_ or object_<collection>_ (for example track_2024-05.csv)\n` +
        `${TRACK}: track calls: 4 rows, 4 events, 0 rejected; 1 request to send\n`,
    );
    assert.equal(r.stderr, `csv2segment: cannot read ${missing}: no such file\n`);
  });

  test('--json: one array, an element per file, with the reports as the engine gives them', async () => {
    const file = await temp('track_json.csv', 'userId,event\n1,Signed Up\n,Signed Up\n');
    const missing = path.join(dir, 'track_nowhere.csv');
    const r = await cli(['validate', '--json', TRACK, file, missing]);
    assert.equal(r.code, 2);
    const results = JSON.parse(r.stdout);
    assert.deepEqual(results.map((x) => [x.file, x.status]), [[TRACK, 'done'], [file, 'done'], [missing, 'unreadable']]);
    const [sample, rejected, unreadable] = results;
    assert.deepEqual([sample.report.rows, sample.report.events, sample.report.rejected], [4, 4, 0]);
    assert.deepEqual([rejected.report.rows, rejected.report.events, rejected.report.rejected], [2, 1, 1]);
    assert.deepEqual(rejected.report.rejections, [
      { line: 3, offset: 25, column: 1, field: 'userId', reason: 'userId and anonymousId are both empty; fill in at least one', message: EMPTY_USER, row: ',Signed Up' },
    ]);
    assert.deepEqual(unreadable, { file: missing, status: 'unreadable', error: `cannot read ${missing}: no such file`, report: null });
    const one = await cli(['validate', '--json', TRACK]);
    assert.equal(one.code, 0);
    assert.equal(JSON.parse(one.stdout).length, 1);
  });

  test('standard input with - and --name; - without --name is a usage error', async () => {
    const input = await readFile(TRACK);
    const r = await cli(['validate', '-', '--name', 'track_1.csv'], { input });
    assert.deepEqual(r, { code: 0, stdout: 'track_1.csv: track calls: 4 rows, 4 events, 0 rejected; 1 request to send\n', stderr: '' });
    assert.deepEqual(await cli(['validate', '-'], { input }), {
      code: 2,
      stdout: '',
      stderr: "csv2segment: reading standard input (-) needs --name NAME: the file name picks the call, as in --name track_signups.csv\nTry 'csv2segment validate --help'.\n",
    });
    const gz = await cli(['validate', '-', '--name=track_1.csv.gz'], { input: gzipSync(input) });
    assert.equal(gz.stdout, 'track_1.csv.gz: track calls: 4 rows, 4 events, 0 rejected; 1 request to send\n');
  });

  test('.csv.gz files are decompressed; a file that is not gzip is unreadable', async () => {
    const gz = await temp('track_gz.csv.gz', gzipSync(await readFile(TRACK)));
    assert.equal((await cli(['validate', gz])).stdout, `${gz}: track calls: 4 rows, 4 events, 0 rejected; 1 request to send\n`);
    const fake = await temp('track_fake.csv.gz', await readFile(TRACK));
    const r = await cli(['validate', fake]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `csv2segment: cannot read ${fake}: not valid gzip (incorrect header check)\n`);
  });

  test('--empty and --typing reach the engine', async () => {
    const file = await temp('identify_opts.csv', 'userId,traits.age,traits.note\n1,42,\n');
    const payload = async (args) => ndjson((await cli(['preview', ...args, file])).stdout)[0].traits;
    assert.deepEqual(await payload([]), { age: 42 });
    assert.deepEqual(await payload(['--empty', 'null', '--typing', 'strings']), { age: '42', note: null });
  });

  test('--max-record-bytes and CSV2SEGMENT_MAX_RECORD_BYTES reach the engine', async () => {
    const file = await temp('track_long.csv', `userId,event
1,${'x'.repeat(2000)}
2,ok
`);
    const first = async (args, env) => JSON.parse((await cli(['validate', '--json', ...args, file], { env })).stdout)[0].report.rejections;
    assert.deepEqual(await first([]), []);
    const cut = await first(['--max-record-bytes', '1024']);
    assert.deepEqual(cut.map((r) => [r.line, r.message]), [[2, 'line 2: the row is over 1 KiB; check for a missing line break, or raise maxRecordBytes']]);
    assert.deepEqual(await first([], { CSV2SEGMENT_MAX_RECORD_BYTES: '1024' }), cut);
    const bad = await cli(['validate', '--max-record-bytes', 'lots', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-record-bytes is "lots": give a whole number of at least 1/);
  });
});

describe('control characters in what a file holds are escaped in every line for a person (issue 22, item 7)', () => {
  // Colours, a window title (OSC … BEL) and a forged line; a C1 CSI and a right-to-left override.
  const FORGED = 'bad\x1b[31mRED\x1b]0;TITLE\x07\nFAKE: line 99: forged';
  const SHOWN = 'bad\\x1b[31mRED\\x1b]0;TITLE\\x07\\nFAKE: line 99: forged';

  test('a header name: the engine\'s problem lines stay lines, the name\'s own break is escaped; --json as it was', async () => {
    const file = await temp('track_ansi.csv', `userId,"${FORGED}",event,event\nu1,x,E,E\n`);
    const r = await cli(['validate', file]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stdout,
      `${file}: the header has 2 problems, so nothing was sent\n` +
        `  column 2 (${SHOWN}): unknown type 'forged'; use one of string, number, integer, boolean, timestamp, json\n` +
        '  column 4 (event): fills event, which column 3 (event) already fills; remove or rename one of them\n',
    );
    const json = await cli(['validate', '--json', file]);
    const [result] = JSON.parse(json.stdout);
    assert.equal(result.report.columns[1].name, FORGED);
    assert.equal(result.report.headerErrors[0].name, FORGED);
    assert.ok(json.stdout.includes('\\u001b[31mRED'));
  });

  test('a cell in a rejection, on stdout (validate) and stderr (preview); a file name; payloads as they are', async () => {
    const cell = '2020\x1b[2J\u009b31m\u202e\u2066';
    const file = await temp('track_cells\x1b[1m.csv', `userId,event,timestamp\nu1,E,"${cell}"\nu2,"E\x1b[0m",\n`);
    const label = file.replace('\x1b', '\\x1b');
    const rejection = "  line 2, column 3 (timestamp): cannot read '2020\\x1b[2J\\x9b31m\\u202e\\u2066' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds\n";
    const r = await cli(['validate', file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `${label}: track calls: 2 rows, 1 event, 1 rejected; 1 request to send\n${rejection}`);
    const p = await cli(['preview', file]);
    assert.equal(p.stderr, `${label}: track calls: 2 rows, 1 event, 1 rejected; 1 request to send\n${rejection}`);
    // The payloads are data: JSON, which escapes what it must, exactly as before.
    assert.equal(ndjson(p.stdout)[0].event, 'E\x1b[0m');
    const missing = await cli(['validate', path.join(dir, 'track_\x1b]0;T\x07\u202e.csv')]);
    assert.equal(missing.stderr, `csv2segment: cannot read ${path.join(dir, 'track_\\x1b]0;T\\x07\\u202e.csv')}: no such file\n`);
    // eslint-disable-next-line no-control-regex
    for (const out of [r.stdout, p.stderr, missing.stderr]) assert.doesNotMatch(out, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('preview', () => {
  test('--limit 2: the first two payloads as NDJSON, messageIds deterministic', async () => {
    const first = await cli(['preview', '--limit', '2', TRACK]);
    assert.equal(first.code, 0);
    assert.equal(first.stderr, '');
    const payloads = ndjson(first.stdout);
    assert.deepEqual(withoutIds(payloads), TRACK_PAYLOADS);
    assert.notEqual(payloads[0].messageId, payloads[1].messageId);
    const again = await cli(['preview', '--limit', '2', TRACK]);
    assert.equal(again.stdout, first.stdout);
  });

  test("--source-id gives the Lambda's messageIds for that object", async () => {
    const r = await cli(['preview', '--limit', '1', '--source-id', 's3://bucket/track_1.csv#etag', TRACK]);
    assert.equal(ndjson(r.stdout)[0].messageId, 'f0730e7a-9ddc-83f1-8108-97f1dd32927a');
  });

  test('rejected rows: the payloads on stdout, the summary on stderr, status 1', async () => {
    const file = await temp('track_preview.csv', 'userId,event\n1,Signed Up\n,Signed Up\n');
    const r = await cli(['preview', file]);
    assert.equal(r.code, 1);
    assert.deepEqual(withoutIds(ndjson(r.stdout)), [{ type: 'track', userId: '1', event: 'Signed Up', context: { library: LIBRARY } }]);
    assert.equal(r.stderr, `${file}: track calls: 2 rows, 1 event, 1 rejected; 1 request to send\n  ${EMPTY_USER}\n`);
  });
});

describe('send', () => {
  let seg;
  before(async () => {
    seg = await startSegmentServer({ writeKey: WRITE_KEY, port: 0 });
  });
  after(() => seg.close());
  beforeEach(() => {
    seg.reset();
    seg.setFaults({});
  });
  const endpoint = () => ['--endpoint', seg.url, '--objects-endpoint', seg.url];
  const keyEnv = { SEGMENT_WRITE_KEY: WRITE_KEY };
  // The run's time in any of progress.mjs's forms (2.35 s, 12.4 s, 2 min 5 s): a loaded machine may take 10 s.
  const SUMMARY = /^(.*): track calls: 4 rows, 0 rejected; 4 events delivered in 1 request, (\d+\.\d\d?|\d+ min \d+) s\n$/;

  test('delivers every row with the messageIds preview shows; a second run sends the same ids', async () => {
    const file = await temp('track_send.csv', await readFile(TRACK));
    const r = await cli(['send', file, ...endpoint()], { env: keyEnv });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(SUMMARY.exec(r.stderr)?.[1], file);
    const preview = ndjson((await cli(['preview', '--limit', '4', file])).stdout);
    assert.deepEqual(seg.events, preview);
    assert.deepEqual(withoutIds(seg.events.slice(0, 2)), TRACK_PAYLOADS);

    const again = await cli(['send', file, ...endpoint()], { env: keyEnv });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(seg.stats().duplicates, 4);
    assert.equal(seg.stats().uniqueMessageIds, 4);
    assert.equal(existsSync(`${file}.rejected.csv`), false);
  });

  test('--source-id s3://bucket/track_1.csv#etag sends the messageId the Lambda sends', async () => {
    const r = await cli(['send', TRACK, '--write-key', WRITE_KEY, '--source-id', 's3://bucket/track_1.csv#etag', ...endpoint()]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(seg.events[0].messageId, 'f0730e7a-9ddc-83f1-8108-97f1dd32927a');
  });

  test('rejected rows: status 1 and FILE.rejected.csv beside the file; removed once the file is fixed', async () => {
    const file = await temp('identify_fixme.csv', 'userId,traits.plan\n1,basic\n,pro\n');
    const r = await cli(['send', file, ...endpoint()], { env: keyEnv });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /: identify calls: 2 rows, 1 rejected; 1 event delivered in 1 request, /);
    assert.ok(r.stderr.includes(`  line 3, column 1 (userId): userId and anonymousId are both empty; fill in at least one\n  the rejected rows are in ${file}.rejected.csv: fix them and send that file\n`));
    assert.equal(
      await readFile(`${file}.rejected.csv`, 'utf8'),
      'userId,traits.plan,csv2segment_error\n,pro,"line 3, column 1 (userId): userId and anonymousId are both empty; fill in at least one"\n',
    );
    assert.deepEqual(seg.events.map((e) => e.userId), ['1']);

    await writeFile(file, 'userId,traits.plan\n1,basic\n2,pro\n');
    const fixed = await cli(['send', file, ...endpoint()], { env: keyEnv });
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(existsSync(`${file}.rejected.csv`), false);
  });

  test('a wrong write key: status 3 with the reason, and the key nowhere in the output', async () => {
    const wrong = 'wk_wrong_but_secret_77';
    for (const args of [['--write-key', wrong], [`--write-key=${wrong}`]]) {
      const r = await cli(['send', TRACK, ...args, ...endpoint(), '--json']);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /^csv2segment: .*track_1\.csv: delivery failed: lines 2-5: Segment answered HTTP 401 .*: the write key was refused; check SEGMENT_WRITE_KEY and SEGMENT_REGION\n$/);
      assert.equal(JSON.parse(r.stdout)[0].status, 'failed');
      assert.ok(!r.stdout.includes(wrong) && !r.stderr.includes(wrong));
      assert.ok(!r.stderr.includes(Buffer.from(`${wrong}:`).toString('base64')));
    }
    const env = await cli(['send', TRACK, ...endpoint()], { env: { SEGMENT_WRITE_KEY: wrong } });
    assert.equal(env.code, 3);
    assert.ok(!env.stderr.includes(wrong));
    assert.equal(seg.stats().accepted, 0);
  });

  test('a 400 answer echoing the Authorization header at the cut: no piece of the credential is printed', async () => {
    // The attack's numbers: a 35-character key, the echo padded to 232 characters.
    const key = 'wk_SECRET_writekey_0123456789abcdef';
    const credential = Buffer.from(`${key}:`).toString('base64');
    seg.setFaults({ echoAuth: 232 });
    const r = await cli(['send', TRACK, ...endpoint(), '--json'], { env: { SEGMENT_WRITE_KEY: key } });
    assert.equal(r.code, 1, r.stderr);
    const [result] = JSON.parse(r.stdout);
    assert.equal(result.delivery.failedBatches[0].answer, `${'.'.repeat(232)}Authorization: Basic <write key> was refused`);
    assert.match(r.stderr, /Segment refused lines 2-5 \(4 events\): HTTP 400 \.+Authorization: Basic <write/);
    for (const secret of [credential, key]) {
      // Six characters: the key's "write" is in the "<write key>" put in its place.
      for (let i = 0; i + 6 <= secret.length; i += 1) {
        assert.ok(!r.stdout.includes(secret.slice(i, i + 6)) && !r.stderr.includes(secret.slice(i, i + 6)), `${secret.slice(i, i + 6)} is printed`);
      }
    }
  });

  test('no write key at all is a usage error', async () => {
    const r = await cli(['send', TRACK, ...endpoint()]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "csv2segment: no write key: set SEGMENT_WRITE_KEY to the write key of your Segment source, or give --write-key KEY\nTry 'csv2segment send --help'.\n");
  });

  test('30% of requests answered 500: everything still arrives, once', async () => {
    seg.setFaults({ error500: 0.3 });
    const file = await temp('track_faulty.csv', generateTrackCsv(20_000));
    const r = await cli(['send', file, ...endpoint(), '--json'], { env: { ...keyEnv, SEGMENT_RETRY_BASE_MS: '5' } });
    assert.equal(r.code, 0, r.stderr);
    const [result] = JSON.parse(r.stdout);
    const stats = seg.stats();
    assert.ok(stats.faults[500] > 0, JSON.stringify(stats));
    assert.equal(result.delivery.events, 20_000);
    assert.equal(result.delivery.retries, stats.faults[500]);
    assert.equal(stats.uniqueMessageIds, 20_000);
    assert.equal(stats.accepted, 20_000);
  });

  test('standard input: sent, with a warning that the messageIds are random', async () => {
    const r = await cli(['send', '-', '--name', 'track_piped.csv', '--quiet', ...endpoint()], { env: keyEnv, input: await readFile(TRACK), cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      'csv2segment: warning: reading standard input without --source-id: the messageIds are random, so sending the same data again would send it twice\n',
    );
    assert.equal(seg.stats().accepted, 4);
  });

  test('a FIFO without --source-id is refused with the reason, at once; with it, sent', async () => {
    const fifo = path.join(dir, 'track_fifo.csv');
    execFileSync('mkfifo', [fifo]);
    // Nothing writes to the FIFO: a hashing pass would wait on it for ever.
    const r = await cli(['send', fifo, ...endpoint(), '--json'], { env: keyEnv });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `csv2segment: ${fifo}: not sent: it is not a regular file (a pipe, a FIFO or a device), so it can be read only once and its content cannot be hashed for the messageIds; give --source-id ID to name it, or send it as standard input (- --name NAME)\n`,
    );
    assert.equal(JSON.parse(r.stdout)[0].status, 'unreadable');
    assert.equal(seg.stats().requests, 0);

    const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', TRACK, fifo]);
    const written = new Promise((resolve) => writer.on('close', resolve));
    const sent = await cli(['send', fifo, '--source-id', 'fifo-1', ...endpoint()], { env: keyEnv });
    assert.equal(await written, 0);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(seg.stats().accepted, 4);
  });

  test('a pipe given as a path (<(...)) is refused, not read as empty', async () => {
    const r = await new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', `"$0" "$1" send <(cat "$2") --endpoint "$3" --objects-endpoint "$3" --name track_pipe.csv`, process.execPath, CLI, TRACK, seg.url], {
        env: { ...CLEAN_ENV, ...keyEnv },
        cwd: dir,
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /: not sent: it is not a regular file \(a pipe, a FIFO or a device\)/);
    assert.equal(seg.stats().requests, 0);
  });

  test('rejected rows replace a symbolic link planted at FILE.rejected.csv; its target is untouched', async () => {
    const file = await temp('identify_link.csv', 'userId,traits.plan\n1,basic\n,pro\n');
    const victim = await temp('victim.txt', 'precious\n');
    await symlink(victim, `${file}.rejected.csv`);
    const r = await cli(['send', file, ...endpoint()], { env: keyEnv });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(await readFile(victim, 'utf8'), 'precious\n');
    assert.ok(lstatSync(`${file}.rejected.csv`).isFile());
    assert.match(await readFile(`${file}.rejected.csv`, 'utf8'), /^userId,traits\.plan,csv2segment_error\n,pro,/);
  });

  test("an input that is another input's rejects file is not sent, with the reason", async () => {
    const sub = path.join(dir, 'glob');
    await mkdir(sub);
    await writeFile(path.join(sub, 'track_a.csv'), 'userId,event\n1,Paid\n');
    await writeFile(path.join(sub, 'track_a.csv.rejected.csv'), 'userId,event\n2,Paid\n');
    const r = await cli(['send', 'track_a.csv', 'track_a.csv.rejected.csv', ...endpoint(), '--json'], { env: keyEnv, cwd: sub });
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes('csv2segment: track_a.csv.rejected.csv: not sent: it is where this run writes the rejected rows of track_a.csv; send it in a run of its own\n'), r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).map((x) => x.status), ['done', 'skipped']);
    assert.deepEqual(seg.events.map((e) => e.userId), ['1']);
    // Nothing was rejected in track_a.csv, and its stale rejects file goes, as before.
    assert.equal(existsSync(path.join(sub, 'track_a.csv.rejected.csv')), false);
  });

  test('--name is reduced to its base name: the rejects of standard input stay in the current directory', async () => {
    const sub = path.join(dir, 'named');
    await mkdir(path.join(sub, 'here'), { recursive: true });
    const r = await cli(['send', '-', '--name', '../x/identify_in.csv', '--quiet', ...endpoint()], { env: keyEnv, cwd: path.join(sub, 'here'), input: 'userId,traits.plan\n1,basic\n,pro\n' });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(existsSync(path.join(sub, 'here', 'identify_in.csv.rejected.csv')));
    assert.equal(existsSync(path.join(sub, 'x')), false);
  });

  test('objects go to --objects-endpoint', async () => {
    const file = await temp('object_rooms_2024.csv', 'id,name,beds\nr1,Blue,2\nr2,Green,3\n');
    const r = await cli(['send', file, '--write-key', WRITE_KEY, ...endpoint()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /: objects of collection rooms: 2 rows, 0 rejected; 2 events delivered in 1 request, /);
    assert.deepEqual(seg.objects, [
      { collection: 'rooms', id: 'r1', properties: { name: 'Blue', beds: 2 } },
      { collection: 'rooms', id: 'r2', properties: { name: 'Green', beds: 3 } },
    ]);
  });
});
