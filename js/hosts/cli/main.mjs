#!/usr/bin/env node
// The command-line host: `csv2segment validate|preview|send|map FILE...`. Files stream through
// the engine (ingestFile, as on every host) in flat memory; `send` delivers with the shared
// Sender; `map` prints the mapping the engine drafts from each file's first 64 KB.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { parseArgs as parseArgv } from 'node:util';
import { createGunzip } from 'node:zlib';
import { ConfigError, readConfig, readEngineOptions } from '../../core/config.mjs';
import { MergeError, mergeDrafts } from '../../core/draft.mjs';
import { loadEngine } from '../../core/engine.mjs';
import { MAPPING_NAME, withMapping } from '../../core/mapping.mjs';
import { ingestFile, isEngineError } from '../../core/pipeline.mjs';
import { nodeFetch } from '../../core/node-fetch.mjs';
import { RateLimiter, batchOptions } from '../../core/rate.mjs';
import { DeliveryError, Sender } from '../../core/sender.mjs';

const PROGRAM = 'csv2segment';
const VERSION = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

/** Read size: large reads keep the per-chunk cost low on multi-GB files. */
const CHUNK = 256 * 1024;
/** Rejection messages a summary lists; --json has all the report keeps. */
const SHOWN_REJECTIONS = 20;
/** How often progress is redrawn on a terminal, and printed as a line otherwise. */
const TTY_REFRESH_MS = 100;
const LOG_REFRESH_MS = 5000;
const MAX_LIMIT = 10_000;
/** What `map` reads of each file: the engine drafts from the first 64 KB. */
const DRAFT_BYTES = 64 * 1024;
const DRAFT_KB = DRAFT_BYTES / 1024;

const EXIT = Object.freeze({ ok: 0, rejected: 1, unprocessable: 2, usage: 2, delivery: 3 });

// ---------------------------------------------------------------------------------------------
// Help

const ENVIRONMENT = `Environment:
  SEGMENT_WRITE_KEY         the write key of the Segment source (send; --write-key wins)
  SEGMENT_REGION            us (default) or eu (send; --region wins)
  SEGMENT_ENDPOINT, SEGMENT_OBJECTS_ENDPOINT
                            base URLs instead of Segment's hosts (send; the options win)
  SEGMENT_CONCURRENCY       requests in flight at once (send; --concurrency wins)
  SEGMENT_MAX_EVENTS_PER_SECOND
                            the events-per-second budget, or none (send;
                            --max-events-per-second wins)
  SEGMENT_MAX_ATTEMPTS, SEGMENT_RETRY_BASE_MS, SEGMENT_TIMEOUT_MS
                            tries per request (10), first backoff (500 ms, doubled each
                            retry) and per-request timeout (30000 ms), as for the Lambda
  CSV2SEGMENT_EMPTY_CELLS   omit, null or string (--empty wins)
  CSV2SEGMENT_TYPING        infer or strings (--typing wins)
  CSV2SEGMENT_MAX_RECORD_BYTES
                            the largest row in bytes (--max-record-bytes wins)
  CSV2SEGMENT_DEBUG         set to 1 to print stack traces with errors`;

const EXIT_STATUS = `Exit status:
  0  every row of every file is valid (send: and delivered)
  1  rows were rejected, or Segment refused a batch (HTTP 400)
  2  a file could not be processed (its name, its header, unreadable), or a usage error
  3  delivery failed: retries exhausted or the write key refused (send)
  With several files, the highest status of any of them.`;

const FILE_NOTE = `FILE is a path, or - for standard input (then --name gives the file name). The file
name picks the call: identify_*, track_*, page_*, screen_*, group_*, alias_*, or
object_<collection>_* for the Objects API; .csv, .txt or .tsv, optionally .gz (decompressed
on the way). See README.md, "Preparing a file", for the header.`;

const ENGINE_OPTIONS = `  --mapping FILE            read the files through this mapping (csv2segment.json; see
                            README.md, "Files as they come"); default: the nearest
                            ${MAPPING_NAME} beside each file, then in its parent folders
  --empty omit|null|string  an empty cell is left out, sent as null or sent as ""
                            (default: omit)
  --typing infer|strings    infer: numbers and true/false as such; strings: every data
                            cell a string (default: infer)
  --max-record-bytes N      a row longer than N bytes is rejected without being held
                            (default: 1048576, 1 MiB)`;

const HELP = {
  main: `Usage: ${PROGRAM} <command> [options] FILE...

Turns CSV files into Segment calls: each row becomes an identify, track, page, screen,
group or alias call, or an object of the Objects API, as the file's name says. Rows that
cannot be sent are reported with their line, their column and the fix.

Commands:
  validate FILE...  check files without sending anything
  preview FILE      print the first payloads as they would be sent, as NDJSON
  send FILE...      send every row to Segment
  map FILE...       draft a mapping (${MAPPING_NAME}) for exports as they come
  help [COMMAND]    this help, or a command's

Options:
  -h, --help        show this help; after a command, that command's
  -V, --version     print the version

${FILE_NOTE}

Examples:
  ${PROGRAM} validate track_signups.csv identify_users.csv
  ${PROGRAM} preview --limit 3 track_signups.csv
  export SEGMENT_WRITE_KEY=...   # the source's write key, kept out of the command line
  ${PROGRAM} send track_signups.csv
  ${PROGRAM} map unified_payments.csv > ${MAPPING_NAME}
  gunzip -c dump.gz | ${PROGRAM} send - --name track_dump.csv --source-id dump-2024-05

${EXIT_STATUS}

${ENVIRONMENT}

Run '${PROGRAM} help COMMAND' for the options of a command.`,

  validate: `Usage: ${PROGRAM} validate [options] FILE...

Runs each FILE through the engine without sending anything, and prints per file the call
it makes, the rows, the events, the rows rejected and the requests sending would take,
then why each rejected row was rejected (the first ${SHOWN_REJECTIONS}; --json has them all, up to
1,000 per file) or what is wrong with the header.

Options:
  --json                    print one JSON array on stdout, an element per FILE in order:
                            {"file", "status", "report"}; status is "done",
                            "unprocessable" (report.error says why) or "unreadable"
                            ("error" says why; report is null)
  --name NAME               the file name that picks the call, for - (required with -)
                            or for a single FILE whose own name does not say it
${ENGINE_OPTIONS}
  -q, --quiet               no progress on stderr
  -h, --help                show this help

${FILE_NOTE}

Examples:
  ${PROGRAM} validate track_signups.csv
  ${PROGRAM} validate --json exports/*.csv | jq '.[].report.rejected'
  ${PROGRAM} validate - --name track_x.csv < export.csv

Exit status:
  0  every row of every file is valid
  1  rows were rejected
  2  a file could not be processed (its name, its header, unreadable), or a usage error

Environment: CSV2SEGMENT_EMPTY_CELLS, CSV2SEGMENT_TYPING, CSV2SEGMENT_MAX_RECORD_BYTES (see '${PROGRAM} --help').`,

  preview: `Usage: ${PROGRAM} preview [options] FILE

Prints the first payloads of FILE as they would be sent, one JSON object per line
(NDJSON), with the messageIds that 'send' would give them for the same FILE (or the same
--source-id); nothing is sent. The whole file is read, so the exit status tells whether
every row is valid, as 'validate' does; a summary goes to stderr when it is not.

Options:
  --limit N                 payloads to print, 1 to ${MAX_LIMIT} (default: 10)
  --source-id ID            the identity messageIds derive from, as for send
  --name NAME               the file name that picks the call (required with -)
${ENGINE_OPTIONS}
  -q, --quiet               no progress on stderr
  -h, --help                show this help

Examples:
  ${PROGRAM} preview track_signups.csv
  ${PROGRAM} preview --limit 1 object_rooms_2024.csv | jq .

Exit status: as for validate (0 valid, 1 rows rejected, 2 not processable or usage error).`,

  send: `Usage: ${PROGRAM} send [options] FILE...

Sends every row of each FILE to Segment, in batches as full as Segment allows, several
requests at once, retrying what a retry can fix. Files are sent one after the other;
when delivery fails, the files after it are not sent.

Every message gets a deterministic messageId, derived from the file's identity and the
row's position, so sending the same file again sends the same messageIds and Segment
drops the repeats. The identity is --source-id when given; otherwise
file:NAME#sha256:HASH, where HASH is the SHA-256 of the file's bytes, read in a first
pass before sending (a second or two per GB). From standard input without --source-id,
messageIds are random: sending the same data again would send it twice. A FILE that is not
a regular file (a pipe such as <(...), a FIFO) cannot be read twice: it needs --source-id.

Rows that cannot be sent are written to FILE.rejected.csv beside the file (the header,
each row as it was and a csv2segment_error column: fix them and send that file); a
FILE.rejected.csv left by an earlier run is removed when no row is rejected. From
standard input, the file is NAME.rejected.csv in the current directory, NAME being the
base name of --name. It is written to a new file that then replaces it, so a link planted
there is replaced, not followed; a FILE that is where another FILE's rejected rows go is
not sent (send it in a run of its own).

Options:
  --write-key KEY           the write key of the Segment source (default:
                            $SEGMENT_WRITE_KEY, which is better: other users of this
                            machine can read a command line)
  --region us|eu            Segment's region (default: $SEGMENT_REGION, else us)
  --endpoint URL            base URL /v1/batch is posted to, instead of the region's
                            (default: $SEGMENT_ENDPOINT)
  --objects-endpoint URL    base URL /v1/set is posted to, instead of the region's
                            (default: $SEGMENT_OBJECTS_ENDPOINT)
  --source-id ID            the identity messageIds derive from; s3://BUCKET/KEY#ETAG
                            (the eTag without quotes) sends the messageIds the Lambda
                            sends for that object
  --concurrency N           requests in flight at once (default: $SEGMENT_CONCURRENCY,
                            else 4)
  --max-events-per-second N|none
                            the most events a second to send, paced evenly; none: no
                            budget (a 429 from Segment still pauses every request,
                            then the rate climbs back). Default:
                            $SEGMENT_MAX_EVENTS_PER_SECOND, else 1000 towards
                            Segment's hosts (the rate Segment asks a workspace to
                            keep under), none with --endpoint or $SEGMENT_ENDPOINT
  --name NAME               the file name that picks the call, for - (required with -)
                            or for a single FILE whose own name does not say it
${ENGINE_OPTIONS}
  --json                    print one JSON array on stdout, an element per FILE:
                            {"file", "status", "identity", "report", "delivery",
                            "rejectsFile"}; status is "done", "unprocessable",
                            "unreadable", "failed" or "skipped" ("error" says why)
  -q, --quiet               no progress or summaries on stderr, only errors
  -h, --help                show this help

Progress goes to stderr: on a terminal, one line updated as it goes; otherwise a line
every ${LOG_REFRESH_MS / 1000} seconds. Then one summary per file.

Examples:
  export SEGMENT_WRITE_KEY=...
  ${PROGRAM} send track_signups.csv
  ${PROGRAM} send --region eu identify_users.csv.gz
  # the messageIds the Lambda sent for s3://my-csv-bucket/incoming/track_1.csv:
  ${PROGRAM} send --source-id 's3://my-csv-bucket/incoming/track_1.csv#ETAG' track_1.csv

${EXIT_STATUS}

${ENVIRONMENT}`,

  map: `Usage: ${PROGRAM} map [options] FILE...

Drafts a mapping (${MAPPING_NAME}) from the first ${DRAFT_KB} KB of each FILE, as it was
exported: one rule per file with its delimiter, encoding, header, call, and each
column's target, type and date format. The mapping goes to stdout; what the draft
guessed (an encoding, a call, a date order), what you must fill in (an event name, an
id column) and the columns it left out go to stderr, in plain words. Check them, fill
the blanks, then validate the files with the mapping. Nothing is sent.

Options:
  --merge MAPPING           add the rules to this mapping and print the result: a rule
                            whose match fits a FILE is replaced where it stands, the
                            other rules are kept as they are
  --name NAME               the file name, for - (required with -) or a single FILE
  -q, --quiet               nothing on stderr but errors
  -h, --help                show this help

Examples:
  ${PROGRAM} map exports/unified_payments.csv > exports/${MAPPING_NAME}
  ${PROGRAM} map --merge ${MAPPING_NAME} orders_export_1.csv > new.json && mv new.json ${MAPPING_NAME}

Exit status:
  0  every FILE was drafted and nothing is left to fill in
  1  a draft has blanks to fill in (the engine refuses the mapping, or the file, until
     they are filled)
  2  a FILE or the MAPPING could not be read, or a usage error`,
};

// ---------------------------------------------------------------------------------------------
// Output: every line goes through here, so a write key never reaches the terminal.

/** The command being run, once known: its help is where a usage error points. */
let currentCommand;

class UsageError extends Error {
  constructor(message, command = currentCommand) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** Values never to print. Too short a value is no real key, and replacing it would garble the text. */
const secrets = new Set();
const keepSecret = (value) => value.length >= 6 && secrets.add(value);
function redact(text) {
  let out = text;
  for (const secret of secrets) out = out.replaceAll(secret, '<write key>');
  return out;
}

/** The progress line on a terminal, if one is showing: cleared before anything else is written to stderr. */
let liveLine = null;

function print(text) {
  process.stdout.write(`${redact(text)}\n`);
}

function printErr(text) {
  liveLine?.clear();
  process.stderr.write(`${redact(text)}\n`);
}

const fail = (text) => printErr(`${PROGRAM}: ${text}`);

// ---------------------------------------------------------------------------------------------
// Arguments

const COMMON = {
  name: { type: 'string', hint: 'NAME' },
  mapping: { type: 'string', hint: 'FILE' },
  empty: { type: 'string', hint: 'omit|null|string' },
  typing: { type: 'string', hint: 'infer|strings' },
  'max-record-bytes': { type: 'string', hint: 'N' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

const COMMANDS = {
  map: {
    merge: { type: 'string', hint: 'MAPPING' },
    name: COMMON.name,
    quiet: COMMON.quiet,
    help: COMMON.help,
  },
  validate: { ...COMMON, json: { type: 'boolean' } },
  preview: { ...COMMON, limit: { type: 'string', hint: 'N' }, 'source-id': { type: 'string', hint: 'ID' } },
  send: {
    ...COMMON,
    json: { type: 'boolean' },
    'write-key': { type: 'string', hint: 'KEY', secret: true },
    region: { type: 'string', hint: 'us|eu' },
    endpoint: { type: 'string', hint: 'URL' },
    'objects-endpoint': { type: 'string', hint: 'URL' },
    'source-id': { type: 'string', hint: 'ID' },
    concurrency: { type: 'string', hint: 'N' },
    'max-events-per-second': { type: 'string', hint: 'N|none' },
  },
};

/**
 * Node's own parser (util.parseArgs) reads the arguments: `--opt value`, `--opt=value`, `-q`,
 * grouped short flags (`-qh`), `--` (the rest are files) and `-` (standard input). Options may
 * come before or after the files; a repeated option keeps its last value. It runs non-strict,
 * so the checks below word the errors: they name the option, never its value (it may be the
 * write key), and point to the command's help.
 */
function parseArgs(command, argv) {
  const spec = COMMANDS[command];
  const options = Object.fromEntries(Object.entries(spec).map(([name, { type, short }]) => [name, short ? { type, short } : { type }]));
  const { tokens } = parseArgv({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values = {};
  const files = [];
  for (const token of tokens) {
    if (token.kind === 'positional') files.push(token.value);
    if (token.kind !== 'option') continue;
    const { name, value } = token;
    const option = spec[name];
    if (!option) throw new UsageError(`unknown option '${token.rawName}' for ${command}`, command);
    if (option.type === 'boolean') {
      if (value !== undefined) throw new UsageError(`option '--${name}' takes no value`, command);
      values[name] = true;
      continue;
    }
    if (value === undefined) throw new UsageError(`option '--${name}' needs a value: --${name} ${option.hint}`, command);
    if (option.secret) keepSecret(value);
    values[name] = value;
  }
  return { values, files };
}

function oneOf(option, value, allowed) {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (!allowed.includes(v)) throw new UsageError(`--${option} is '${value}': use ${allowed.join(', ')}`);
  return v;
}

function wholeNumber(option, value, min, max) {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${option} is '${value}': give a whole number from ${min} to ${max}`);
  }
  return n;
}

/** An events-per-second option: a number above 0 or `none`, as a string for the environment. */
function eventsPerSecond(option, value) {
  if (value === undefined) return undefined;
  const s = value.trim().toLowerCase();
  if (s === 'none') return s;
  const n = Number(s);
  if (s === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${option} is '${value}': give a number of events per second above 0, such as 1000, or none`);
  return String(n);
}

function baseUrl(option, value) {
  if (value === undefined) return undefined;
  let url;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UsageError(`--${option} is not a URL: give a base URL such as https://api.segment.io`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--${option} must be an http(s) URL, not ${url.protocol}`);
  if (url.username || url.password) throw new UsageError(`--${option} must not carry credentials: give the write key with --write-key or SEGMENT_WRITE_KEY`);
  return value.trim();
}

/** The engine's options: the environment's (as for the other hosts), then the flags. */
function engineOptions(values) {
  let fromEnv;
  try {
    fromEnv = readEngineOptions(process.env);
  } catch (err) {
    throw new UsageError(err.message);
  }
  const options = { ...fromEnv };
  const empty = oneOf('empty', values.empty, ['omit', 'null', 'string']);
  if (empty) options.empty = empty;
  const typing = oneOf('typing', values.typing, ['infer', 'strings']);
  if (typing) options.typing = typing;
  const max = values['max-record-bytes'];
  if (max !== undefined) {
    const n = Number(max);
    if (!/^[0-9]+$/.test(max.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new UsageError(`--max-record-bytes is "${max}": give a whole number of bytes, at least 1`);
    }
    options.maxRecordBytes = n;
  }
  return options;
}

/** A mapping file's text; a file that cannot be read is a usage error (it was named) or absent. */
async function readMapping(file, named) {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (!named && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return null;
    throw new UsageError(`cannot read the mapping ${file}: ${READ_ERRORS[err.code] ?? err.message}`);
  }
}

/**
 * The mapping of an input: --mapping, else the nearest csv2segment.json beside the file (for -,
 * beside --name) or in its parent folders, as in a bucket. Null when there is none.
 */
async function mappingOf(input, values) {
  if (values.mapping !== undefined) {
    const file = values.mapping;
    return { key: file, text: await readMapping(file, true) };
  }
  let dir = path.dirname(path.resolve(input.path ?? input.name ?? MAPPING_NAME));
  for (;;) {
    const file = path.join(dir, MAPPING_NAME);
    const text = await readMapping(file, false);
    if (text !== null) return { key: path.relative(process.cwd(), file) || file, text };
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** What each FILE argument is: a path or standard input, the name that picks the call, how to label it. */
function inputsOf(command, values, files) {
  if (files.length === 0) throw new UsageError(`${command} needs a FILE (or - for standard input)`, command);
  if (command === 'preview' && files.length > 1) throw new UsageError('preview takes one FILE', command);
  const stdin = files.filter((f) => f === '-').length;
  if (stdin > 1) throw new UsageError('- (standard input) can be given once', command);
  if (stdin && values.name === undefined) {
    throw new UsageError('reading standard input (-) needs --name NAME: the file name picks the call, as in --name track_signups.csv', command);
  }
  if (values.name !== undefined && !stdin && files.length > 1) {
    throw new UsageError('--name names standard input (-) or a single FILE, not several', command);
  }
  if (values.name !== undefined && values.name.trim() === '') throw new UsageError('--name is empty: give a file name such as track_signups.csv', command);
  // A name, not a path: the rejects of standard input go to NAME.rejected.csv here, never elsewhere.
  const name = values.name === undefined ? undefined : path.basename(values.name);
  if (name === '' || name === '.' || name === '..') throw new UsageError('--name is not a file name: give one such as track_signups.csv', command);
  return files.map((arg) => {
    const named = name !== undefined && (arg === '-' || !stdin) ? name : undefined;
    if (arg === '-') return { arg, path: null, name: named, label: named };
    return { arg, path: arg, name: named ?? arg, label: arg };
  });
}

// ---------------------------------------------------------------------------------------------
// Reading

const READ_ERRORS = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'no such file (a part of the path is not a directory)',
};

/** A reading failure, worded for a person: "cannot read x.csv: no such file". */
class ReadError extends Error {
  constructor(label, err) {
    const why = READ_ERRORS[err?.code] ?? (err?.code?.startsWith('Z_') ? `not valid gzip (${err.message})` : err?.message ?? String(err));
    super(`cannot read ${label}: ${why}`);
    this.name = 'ReadError';
    this.cause = err;
  }
}

/**
 * A file that can be read only once (a pipe, a FIFO, a device): its bytes cannot be hashed before
 * they are sent, and a hashing pass would drain a pipe or wait on a FIFO.
 */
class NotRegularError extends Error {
  constructor(label) {
    super(`${label}: not sent: it is not a regular file (a pipe, a FIFO or a device), so it can be read only once and its content cannot be hashed for the messageIds; give --source-id ID to name it, or send it as standard input (- --name NAME)`);
    this.name = 'NotRegularError';
  }
}

/** The size of a file, checked to be one; throws ReadError. */
async function fileSize(input) {
  let st;
  try {
    st = await stat(input.path);
  } catch (err) {
    throw new ReadError(input.label, err);
  }
  if (st.isDirectory()) throw new ReadError(input.label, { code: 'EISDIR' });
  return st.isFile() ? st.size : null;
}

/** The SHA-256 of a file's bytes, in one streaming pass. */
async function sha256(input, counter) {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(input.path, { highWaterMark: 4 * CHUNK })) {
      hash.update(chunk);
      counter.bytes += chunk.length;
    }
  } catch (err) {
    throw new ReadError(input.label, err);
  }
  return hash.digest('hex');
}

/**
 * The file's bytes for the engine, decompressed when the name says .gz; `counter.bytes` follows
 * the bytes read from the file (before decompression), for progress. Errors are ReadErrors.
 */
function openSource(input, gzip, counter) {
  const raw = input.path === null ? process.stdin : createReadStream(input.path, { highWaterMark: CHUNK });
  async function* counted() {
    for await (const chunk of raw) {
      counter.bytes += chunk.length;
      yield chunk;
    }
  }
  const bytes = gzip ? pipeline(Readable.from(counted(), { objectMode: false }), createGunzip({ chunkSize: CHUNK }), () => {}) : counted();
  return {
    async *[Symbol.asyncIterator]() {
      try {
        yield* bytes;
      } catch (err) {
        throw new ReadError(input.label, err);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Progress on stderr

const count = (n) => n.toLocaleString('en-US');
const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

function bytesText(n) {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let unit = -1;
  do {
    v /= 1000;
    unit += 1;
  } while (v >= 1000 && unit < units.length - 1);
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[unit]}`;
}

const seconds = (ms) => (ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

/**
 * One file's progress: on a terminal a line redrawn at most every 100 ms, elsewhere a plain line
 * every few seconds (so none for a file done sooner). `state()` gives the figures to show.
 */
class ProgressLine {
  constructor(label, state, { quiet }) {
    // The file's own name: a terminal line has little room.
    this.label = path.basename(label);
    this.state = state;
    this.tty = Boolean(process.stderr.isTTY);
    this.started = Date.now();
    this.shown = false;
    if (quiet) return;
    this.timer = setInterval(() => this.#tick(), this.tty ? TTY_REFRESH_MS : LOG_REFRESH_MS);
    this.timer.unref();
    if (this.tty) liveLine = this;
  }

  #text() {
    const s = this.state();
    const parts = [];
    const done = s.total ? `${bytesText(s.bytes)} / ${bytesText(s.total)} (${Math.min(100, Math.floor((100 * s.bytes) / s.total))}%)` : bytesText(s.bytes);
    if (s.phase === 'hashing') return `${this.label}: hashing ${done}`;
    parts.push(done);
    if (s.rows !== undefined) parts.push(plural(s.rows, 'row'));
    if (s.rejected) parts.push(`${count(s.rejected)} rejected`);
    if (s.sent !== undefined) parts.push(`${count(s.sent)} sent`);
    if (s.retries) parts.push(plural(s.retries, 'retry', 'retries'));
    const secs = (Date.now() - this.started) / 1000;
    if (secs >= 1) parts.push(`${bytesText(Math.round(s.bytes / secs))}/s`);
    return `${this.label}: ${parts.join(', ')}`;
  }

  #tick() {
    if (this.tty) {
      const width = Math.max(20, (process.stderr.columns || 80) - 1);
      const text = redact(this.#text());
      process.stderr.write(`\r${text.length > width ? `${text.slice(0, width - 1)}…` : text}\x1b[K`);
      this.shown = true;
    } else {
      process.stderr.write(`${redact(this.#text())}\n`);
    }
  }

  /** Restarts the rate clock (after hashing, the file is read again). */
  restart() {
    this.started = Date.now();
  }

  clear() {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }

  stop() {
    clearInterval(this.timer);
    this.clear();
    if (liveLine === this) liveLine = null;
  }
}

// ---------------------------------------------------------------------------------------------
// Summaries

function callText(report) {
  const file = report.file;
  if (!file) return null;
  return file.kind === 'object' ? `objects of collection ${file.collection}` : `${file.kind} calls`;
}

/** The engine's error, with the file's own label instead of its bare name. */
function errorText(input, report) {
  const name = path.basename(report.file?.name ?? input.name ?? '');
  const error = report.error ?? 'cannot be processed';
  const rest = name && error.startsWith(`${name}: `) ? error.slice(name.length + 2) : error;
  return `${input.label}: ${rest}`;
}

function rejectionLines(report) {
  const lines = report.rejections.slice(0, SHOWN_REJECTIONS).map((r) => `  ${r.message}`);
  const more = report.rejected - Math.min(report.rejections.length, SHOWN_REJECTIONS);
  if (more > 0) {
    lines.push(report.rejected > report.rejections.length ? `  … and ${count(more)} more; --json lists the first ${count(report.rejections.length)}` : `  … and ${count(more)} more; --json for all`);
  }
  return lines;
}

/** What validate prints for a file it could read. */
function validateSummary(input, result) {
  const { report } = result;
  if (result.status === 'unprocessable') return [errorText(input, report)];
  return [
    `${input.label}: ${callText(report)}: ${plural(report.rows, 'row')}, ${plural(report.events, 'event')}, ${count(report.rejected)} rejected; ${plural(report.batches, 'request')} to send`,
    ...rejectionLines(report),
  ];
}

function sendSummary(input, result, rejectsFile) {
  const { report, delivery } = result;
  if (result.status === 'unprocessable') {
    const text = errorText(input, report);
    return text.includes('nothing was sent') ? [text] : [text, '  nothing was sent'];
  }
  const lines = [
    `${input.label}: ${callText(report)}: ${plural(report.rows, 'row')}, ${count(report.rejected)} rejected; ${plural(delivery.events, 'event')} delivered in ${plural(delivery.requests, 'request')}` +
      `${delivery.retries ? ` (${plural(delivery.retries, 'retry', 'retries')})` : ''}, ${seconds(result.timing.ms)}`,
    ...rejectionLines(report),
  ];
  if (delivery.pacedMs || delivery.throttled) lines.push(`  ${pacingText(delivery)}`);
  if (rejectsFile) lines.push(`  the rejected rows are in ${rejectsFile}: fix them and send that file`);
  for (const b of delivery.failedBatches) {
    const where = b.firstLine === b.lastLine ? `line ${b.firstLine}` : `lines ${b.firstLine}-${b.lastLine}`;
    lines.push(`  Segment refused ${where} (${plural(b.events, 'event')}): HTTP ${b.status}${b.answer ? ` ${b.answer}` : ''}`);
  }
  return lines;
}

/** How long the budget held requests back, and how often Segment answered 429. */
function pacingText(delivery) {
  const paced = delivery.pacedMs ? `paced for ${seconds(delivery.pacedMs)} to keep the events-per-second budget` : 'not paced';
  return `${paced}${delivery.throttled ? `; Segment asked to slow down ${plural(delivery.throttled, 'time')} (429)` : ''}`;
}

function exitOf(result) {
  if (result.status !== 'done') return EXIT.unprocessable;
  if (result.report.rejected > 0 || result.delivery?.failedEvents > 0) return EXIT.rejected;
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------
// Commands

/** Runs one input through the engine: the result, or throws ReadError / DeliveryError. */
async function runInput({ engine, input, identity, options, sender, counter, progress }) {
  let gzip = false;
  try {
    gzip = engine.parseKey(input.name, options).gzip;
  } catch {
    // ingestFile reports the name, without reading the file.
  }
  let latest = null;
  const source = {
    [Symbol.asyncIterator]: () => openSource(input, gzip, counter)[Symbol.asyncIterator](),
  };
  progress.latest = () => latest;
  return ingestFile({
    engine,
    key: input.name,
    identity,
    options,
    source,
    sender,
    progressMs: 0,
    onProgress: (p) => {
      latest = p;
    },
  });
}

async function validateOrPreview(command, values, files) {
  const inputs = inputsOf(command, values, files);
  const common = engineOptions(values);
  const limit = command === 'preview' ? (wholeNumber('limit', values.limit, 1, MAX_LIMIT) ?? 10) : 0;
  if (command === 'preview') common.samplePayloads = limit;
  const engine = await loadEngine();

  const results = [];
  let code = EXIT.ok;
  for (const input of inputs) {
    const counter = { bytes: 0 };
    const state = { phase: 'reading', total: null };
    const progress = new ProgressLine(input.label, () => {
      const p = progress.latest?.();
      return { ...state, bytes: counter.bytes, rows: p?.rows ?? 0, rejected: p?.rejected ?? 0 };
    }, { quiet: values.quiet });
    try {
      let identity = `file:${path.basename(input.name)}`;
      if (input.path !== null) state.total = await fileSize(input);
      const options = withMapping(common, await mappingOf(input, values));
      if (command === 'preview') {
        // The messageIds send would give: the same identity.
        if (values['source-id'] !== undefined) identity = values['source-id'];
        else if (input.path === null) identity = `stdin:${path.basename(input.name)}`;
        else if (state.total !== null && nameIsValid(engine, input.name, options)) {
          state.phase = 'hashing';
          identity = `file:${path.basename(input.name)}#sha256:${await sha256(input, counter)}`;
          state.phase = 'reading';
          counter.bytes = 0;
          progress.restart();
        }
      }
      const result = await runInput({ engine, input, identity, options, counter, progress });
      progress.stop();
      results.push({ file: input.arg, status: result.status, report: result.report });
      code = Math.max(code, exitOf(result));
      if (command === 'preview') {
        for (const payload of result.samples ?? []) print(JSON.stringify(payload));
        if (exitOf(result) !== EXIT.ok) for (const line of validateSummary(input, result)) printErr(line);
      } else if (!values.json) {
        for (const line of validateSummary(input, result)) print(line);
      }
    } catch (err) {
      progress.stop();
      if (!(err instanceof ReadError)) throw err;
      fail(err.message);
      results.push({ file: input.arg, status: 'unreadable', error: err.message, report: null });
      code = Math.max(code, EXIT.unprocessable);
    }
  }
  if (values.json) print(JSON.stringify(results, null, 2));
  return code;
}

function nameIsValid(engine, name, options) {
  try {
    engine.parseKey(name, options);
    return true;
  } catch {
    return false;
  }
}

/** Where a file's rejected rows go: beside the file, or beside the --name of standard input. */
function rejectsPath(input) {
  return path.resolve(`${input.path ?? input.name}.rejected.csv`);
}

/**
 * Writes `bytes` to `target` through a new file beside it and a rename: the new file is created
 * exclusively (a link planted at its name fails the write) and the rename replaces `target`
 * itself, so a symbolic link there is replaced, never followed.
 */
async function replaceFile(target, bytes) {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, bytes, { flag: 'wx', mode: 0o644 });
    await rename(temporary, target);
  } catch (err) {
    await rm(temporary, { force: true }).catch(() => {});
    throw err;
  }
}

async function send(values, files) {
  const inputs = inputsOf('send', values, files);
  const common = engineOptions(values);
  const writeKey = values['write-key'] || process.env.SEGMENT_WRITE_KEY?.trim();
  if (!writeKey) throw new UsageError('no write key: set SEGMENT_WRITE_KEY to the write key of your Segment source, or give --write-key KEY', 'send');
  keepSecret(writeKey);
  const region = oneOf('region', values.region, ['us', 'eu']);
  const endpoint = baseUrl('endpoint', values.endpoint);
  const objectsEndpoint = baseUrl('objects-endpoint', values['objects-endpoint']);
  const concurrency = wholeNumber('concurrency', values.concurrency, 1, 64);
  const maxEventsPerSecond = eventsPerSecond('max-events-per-second', values['max-events-per-second']);
  if (values['source-id'] !== undefined && values['source-id'].trim() === '') throw new UsageError('--source-id is empty', 'send');
  if (values['source-id'] !== undefined && inputs.length > 1) {
    throw new UsageError('--source-id names one file: with several, each would send the same messageIds', 'send');
  }

  // The hosts' shared settings and their checks: the environment, with the flags over it.
  const env = {
    ...process.env,
    SEGMENT_WRITE_KEY: writeKey,
    REPORT_PREFIX: undefined,
    ...(region ? { SEGMENT_REGION: region } : {}),
    ...(endpoint ? { SEGMENT_ENDPOINT: endpoint } : {}),
    ...(objectsEndpoint ? { SEGMENT_OBJECTS_ENDPOINT: objectsEndpoint } : {}),
    ...(concurrency ? { SEGMENT_CONCURRENCY: String(concurrency) } : {}),
    ...(maxEventsPerSecond ? { SEGMENT_MAX_EVENTS_PER_SECOND: maxEventsPerSecond } : {}),
  };
  let config;
  try {
    config = readConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message, 'send');
    throw err;
  }
  const engine = await loadEngine();
  // One budget for the whole command: the files go one after the other, and what a 429 taught
  // the limiter holds for the next file too. A request never holds more than a second of it.
  const limiter = new RateLimiter({ eventsPerSecond: config.rate.maxEventsPerSecond });
  Object.assign(common, batchOptions(config.rate.maxEventsPerSecond));

  const results = [];
  let code = EXIT.ok;
  let stopped = false;
  let current = null;
  const onInterrupt = () => {
    current?.progress.stop();
    const resumable = current && current.resumable;
    fail(`interrupted${resumable ? '; sending the same file again sends the same messageIds, and Segment drops the repeats' : ''}`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);

  // A file this run writes rejected rows to is not read as an input too (`send track_*.csv` after
  // a fix): it would be overwritten before or after it is read.
  const rejectsOf = new Map(inputs.map((input) => [rejectsPath(input), input]));
  for (const input of inputs) {
    if (stopped) {
      results.push({ file: input.arg, status: 'skipped', error: 'not sent: delivery stopped at an earlier file' });
      continue;
    }
    const owner = input.path === null ? undefined : rejectsOf.get(path.resolve(input.path));
    if (owner) {
      const error = `not sent: it is where this run writes the rejected rows of ${owner.label}; send it in a run of its own`;
      fail(`${input.label}: ${error}`);
      results.push({ file: input.arg, status: 'skipped', error });
      code = Math.max(code, EXIT.unprocessable);
      continue;
    }
    const counter = { bytes: 0 };
    const state = { phase: 'reading', total: null };
    // node:http: fetch would copy every body (see node-fetch.mjs).
    const sender = Sender.fromConfig(config, { fetch: nodeFetch, limiter });
    const progress = new ProgressLine(input.label, () => {
      const p = progress.latest?.();
      return { ...state, bytes: counter.bytes, rows: p?.rows ?? 0, rejected: p?.rejected ?? 0, sent: sender.summary.events, retries: sender.summary.retries };
    }, { quiet: values.quiet });
    let identity;
    current = { progress, resumable: false };
    try {
      if (input.path !== null) state.total = await fileSize(input);
      if (input.path !== null && state.total === null && values['source-id'] === undefined) throw new NotRegularError(input.label);
      const options = withMapping(common, await mappingOf(input, values));
      if (values['source-id'] !== undefined) {
        identity = values['source-id'];
      } else if (input.path === null) {
        identity = `stdin:${path.basename(input.name)}#random:${randomUUID()}`;
        printErr(`${PROGRAM}: warning: reading standard input without --source-id: the messageIds are random, so sending the same data again would send it twice`);
      } else if (nameIsValid(engine, input.name, options)) {
        state.phase = 'hashing';
        identity = `file:${path.basename(input.name)}#sha256:${await sha256(input, counter)}`;
        state.phase = 'reading';
        counter.bytes = 0;
        progress.restart();
      } else {
        identity = `file:${path.basename(input.name)}`;
      }
      current.resumable = !identity.startsWith('stdin:');
      const result = await runInput({ engine, input, identity, options, sender, counter, progress });
      progress.stop();

      let rejectsFile = null;
      const target = rejectsPath(input);
      try {
        if (result.rejectsCsv) {
          await replaceFile(target, result.rejectsCsv);
          rejectsFile = target;
        } else {
          // A fixed file sent again must not leave the last run's rejects behind.
          await rm(target, { force: true });
        }
      } catch (err) {
        fail(`warning: could not ${result.rejectsCsv ? 'write' : 'remove'} ${target}: ${err.code ?? err.message}`);
      }
      results.push({ file: input.arg, status: result.status, identity, report: result.report, delivery: result.delivery, rejectsFile, timing: result.timing });
      code = Math.max(code, exitOf(result));
      if (!values.quiet || exitOf(result) !== EXIT.ok) {
        for (const line of sendSummary(input, result, rejectsFile)) printErr(line);
      }
    } catch (err) {
      progress.stop();
      if (err instanceof ReadError || err instanceof NotRegularError) {
        fail(err.message);
        results.push({ file: input.arg, status: 'unreadable', identity, error: err.message, delivery: sender.summary });
        code = Math.max(code, EXIT.unprocessable);
      } else if (err instanceof DeliveryError) {
        const { events } = sender.summary;
        fail(`${input.label}: delivery failed: ${err.message}`);
        if (events > 0) printErr(`  ${plural(events, 'event')} had been delivered; sending the file again sends the same messageIds, and Segment drops the repeats`);
        results.push({ file: input.arg, status: 'failed', identity, error: err.message, code: err.code, delivery: sender.summary });
        code = Math.max(code, EXIT.delivery);
        stopped = true;
      } else {
        throw err;
      }
    }
  }
  process.off('SIGINT', onInterrupt);
  const skipped = results.filter((r) => r.status === 'skipped' && r.error.includes('delivery stopped')).length;
  if (skipped) fail(`${plural(skipped, 'file was', 'files were')} not sent, since delivery stopped`);
  if (values.json) print(JSON.stringify(results, null, 2));
  return code;
}

// ---------------------------------------------------------------------------------------------
// map

/** The first DRAFT_BYTES of an input (decompressed for .gz), and whether that is all of it. */
async function readHead(input) {
  const gzip = /\.gz$/i.test(input.name);
  const chunks = [];
  let size = 0;
  let whole = true;
  try {
    let source = input.path === null ? process.stdin : createReadStream(input.path, { highWaterMark: DRAFT_BYTES });
    if (gzip) source = source.pipe(createGunzip());
    for await (const chunk of source) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > DRAFT_BYTES) {
        whole = false;
        break;
      }
    }
    if (input.path !== null) source.destroy();
  } catch (err) {
    throw new ReadError(input.label, err);
  }
  return { head: Buffer.concat(chunks).subarray(0, DRAFT_BYTES + 1), whole };
}

const NOTE_WORDS = { guess: 'guess', ambiguous: 'ambiguous', blank: 'to fill in', dropped: 'left out' };

async function map(values, files) {
  const inputs = inputsOf('map', values, files);
  let base = null;
  if (values.merge !== undefined) base = await readMapping(values.merge, true);
  const engine = await loadEngine();
  const drafts = [];
  let code = EXIT.ok;
  for (const input of inputs) {
    let head;
    let whole;
    try {
      if (input.path !== null) await fileSize(input);
      ({ head, whole } = await readHead(input));
    } catch (err) {
      if (!(err instanceof ReadError)) throw err;
      fail(err.message);
      code = EXIT.unprocessable;
      continue;
    }
    const name = path.basename(input.name);
    let drafted;
    try {
      drafted = engine.draftMapping(name, head, whole);
    } catch (err) {
      if (!isEngineError(err)) throw err;
      fail(`${input.label}: ${err.message}`);
      code = EXIT.unprocessable;
      continue;
    }
    drafts.push({ name, rule: drafted.rule });
    if (drafted.notes.some((n) => n.kind === 'blank')) code = Math.max(code, EXIT.rejected);
    if (!values.quiet) {
      const columns = Object.keys(drafted.rule.columns ?? {}).length;
      const calls = drafted.rule.collection ? `objects of ${drafted.rule.collection}` : `${drafted.rule.call} calls`;
      printErr(`${input.label}: ${calls}, ${plural(columns, 'column')}${drafted.notes.length ? `; ${plural(drafted.notes.length, 'note')}:` : ''}`);
      for (const note of drafted.notes) printErr(`  ${NOTE_WORDS[note.kind]}: ${note.message}`);
    }
  }
  if (drafts.length > 0) {
    try {
      print(JSON.stringify(mergeDrafts(engine, drafts, base), null, 2));
    } catch (err) {
      if (!(err instanceof MergeError)) throw err;
      throw new UsageError(`cannot merge into ${values.merge}: ${err.message}`);
    }
  }
  return code;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(argv) {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given');
  if (first === '--help' || first === '-h') {
    print(HELP.main);
    return EXIT.ok;
  }
  if (first === '--version' || first === '-V') {
    print(`${PROGRAM} ${VERSION}`);
    return EXIT.ok;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (rest.length > 1) throw new UsageError('help takes at most one COMMAND');
    if (topic === undefined) print(HELP.main);
    else if (COMMANDS[topic]) print(HELP[topic]);
    else throw new UsageError(`no such command: '${topic}' (the commands are validate, preview, send and map)`);
    return EXIT.ok;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option '${first.split('=')[0]}'`);
  if (!COMMANDS[first]) throw new UsageError(`unknown command '${first}' (the commands are validate, preview, send and map)`);
  currentCommand = first;
  const { values, files } = parseArgs(first, rest);
  if (values.help) {
    print(HELP[first]);
    return EXIT.ok;
  }
  if (first === 'map') return map(values, files);
  return first === 'send' ? send(values, files) : validateOrPreview(first, values, files);
}

// A closed stdout (`| head`) ends the run quietly.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  liveLine?.stop();
  if (process.env.CSV2SEGMENT_DEBUG) process.stderr.write(`${redact(String(err?.stack ?? err))}\n`);
  if (err instanceof UsageError) {
    fail(err.message);
    printErr(`Try '${PROGRAM}${err.command ? ` ${err.command}` : ''} --help'.`);
    process.exitCode = EXIT.usage;
  } else if (isEngineError(err) || err instanceof ReadError) {
    fail(err.message);
    process.exitCode = EXIT.unprocessable;
  } else {
    fail(`unexpected error: ${err?.message ?? err}`);
    process.exitCode = EXIT.unprocessable;
  }
}
