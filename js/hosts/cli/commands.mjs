// The commands validate, preview and send: each FILE through the engine, with the shared Sender
// for send.
import { randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, readConfig, REGIONS } from '../../core/config.mjs';
import { loadEngine } from '../../core/engine.mjs';
import { MappingUnreadable, withMapping } from '../../core/mapping.mjs';
import { ingestFile } from '../../core/pipeline.mjs';
import { nodeFetch } from '../../core/node-fetch.mjs';
import { RateLimiter, batchOptions } from '../../core/rate.mjs';
import { DeliveryError, Sender } from '../../core/sender.mjs';
import { EXIT, MAX_LIMIT, PROGRAM } from './constants.mjs';
import { fail, keepSecret, print, printData, printErr, UsageError } from './output.mjs';
import { baseUrl, engineOptions, eventsPerSecond, inputsOf, MappingRequired, mappingOf, oneOf, wholeNumber } from './args.mjs';
import { fileHead, fileSize, NotRegularError, openSource, rangeReader, ReadError, sha256 } from './input.mjs';
import { ingestWorkbook } from '../../core/workbook-run.mjs';
import { plural, ProgressLine } from './progress.mjs';
import { exitOf, sendSummary, validateSummary } from './summaries.mjs';

/**
 * Runs one input through the engine: the result, or throws ReadError / DeliveryError.
 * @param {object} run
 * @param {typeof import('../../../pkg/csv2segment.js')} run.engine
 * @param {import('./args.mjs').Input} run.input
 * @param {string} run.identity
 * @param {import('../../../pkg/csv2segment.js').IngestOptions} run.options
 * @param {Sender} [run.sender] omit to only validate
 * @param {{ bytes: number }} run.counter
 * @param {ProgressLine} run.progress
 */
export async function runInput({ engine, input, identity, options, sender, counter, progress }) {
  // A workbook (a zip, whatever its name) is read in ranges; only a regular file can be (a pipe
  // or a FIFO is read once, as a stream, and a zip there is refused by the engine).
  if (input.path !== null && (await fileSize(input)) !== null && engine.isWorkbook(await fileHead(input, 4))) {
    return runWorkbook({ engine, input: { ...input, path: input.path }, identity, options, sender, counter, progress });
  }
  let gzip = false;
  try {
    gzip = engine.parseKey(input.name, options).gzip;
  } catch {
    // ingestFile reports the name, without reading the file.
  }
  /** @type {import('../../../pkg/csv2segment.js').Progress | null} */
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

/**
 * Runs one Excel workbook (an .xlsx, or a zip by any name) through the engine by positioned
 * reads of the ranges it asks for, never the whole file; its notes (a workbook named .csv, error
 * cells read as empty) go to standard error.
 * @param {Parameters<typeof runInput>[0] & { input: { path: string } }} run
 */
async function runWorkbook({ engine, input, identity, options, sender, counter, progress }) {
  /** @type {import('../../../pkg/csv2segment.js').Progress | null} */
  let latest = null;
  progress.latest = () => latest;
  const size = await fileSize(input);
  const reader = await rangeReader(input, counter);
  try {
    const result = await ingestWorkbook({
      engine,
      key: input.name,
      identity,
      options,
      size: size ?? 0,
      readRange: reader.read,
      sender,
      progressMs: 0,
      onProgress: (p) => {
        latest = p;
      },
    });
    const name = path.basename(input.name);
    for (const note of result.notes ?? []) printErr(`${input.label}: ${note.startsWith(`${name}: `) ? note.slice(name.length + 2) : note}`);
    return result;
  } finally {
    await reader.close();
  }
}

/**
 * @param {'validate' | 'preview'} command
 * @param {import('./args.mjs').Values} values
 * @param {string[]} files
 */
export async function validateOrPreview(command, values, files) {
  const inputs = inputsOf(command, values, files);
  const common = engineOptions(values);
  const limit = command === 'preview' ? (wholeNumber('limit', values.limit, 1, MAX_LIMIT) ?? 10) : 0;
  if (command === 'preview') common.samplePayloads = limit;
  const engine = await loadEngine();

  const results = [];
  let code = EXIT.ok;
  for (const input of inputs) {
    const counter = { bytes: 0 };
    /** @type {{ phase: string, total: number | null }} */
    const state = { phase: 'reading', total: null };
    /** @type {ProgressLine} */
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
        for (const payload of result.samples ?? []) printData(JSON.stringify(payload));
        if (exitOf(result) !== EXIT.ok) for (const line of validateSummary(input, result)) printErr(line);
      } else if (!values.json) {
        for (const line of validateSummary(input, result)) print(line);
      }
    } catch (err) {
      progress.stop();
      if (err instanceof MappingUnreadable || err instanceof MappingRequired) {
        fail(err instanceof MappingRequired ? err.message : `${input.label}: ${err.message}`);
        results.push({ file: input.arg, status: err instanceof MappingRequired ? 'unprocessable' : 'unreadable', error: err.message, report: null });
        code = Math.max(code, EXIT.unprocessable);
        continue;
      }
      if (!(err instanceof ReadError)) throw err;
      fail(err.message);
      results.push({ file: input.arg, status: 'unreadable', error: err.message, report: null });
      code = Math.max(code, EXIT.unprocessable);
    }
  }
  if (values.json) printData(JSON.stringify(results, null, 2));
  return code;
}

/**
 * @param {typeof import('../../../pkg/csv2segment.js')} engine
 * @param {string} name
 * @param {import('../../../pkg/csv2segment.js').IngestOptions} options
 */
export function nameIsValid(engine, name, options) {
  try {
    engine.parseKey(name, options);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where a file's rejected rows go: beside the file, or beside the --name of standard input.
 * @param {Pick<import('./args.mjs').Input, 'path' | 'name'>} input
 */
export function rejectsPath(input) {
  return path.resolve(`${input.path ?? input.name}.rejected.csv`);
}

/**
 * Writes `bytes` to `target` through a new file beside it and a rename: the new file is created
 * exclusively (a link planted at its name fails the write) and the rename replaces `target`
 * itself, so a symbolic link there is replaced, never followed.
 * @param {string} target
 * @param {Uint8Array} bytes
 */
export async function replaceFile(target, bytes) {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, bytes, { flag: 'wx', mode: 0o644 });
    await rename(temporary, target);
  } catch (err) {
    await rm(temporary, { force: true }).catch(() => {});
    throw err;
  }
}

/**
 * @param {import('./args.mjs').Values} values
 * @param {string[]} files
 */
export async function send(values, files) {
  const inputs = inputsOf('send', values, files);
  const common = engineOptions(values);
  const writeKey = values['write-key'] || process.env.SEGMENT_WRITE_KEY?.trim();
  if (!writeKey) throw new UsageError('no write key: set SEGMENT_WRITE_KEY to the write key of your Segment source, or give --write-key KEY', 'send');
  keepSecret(writeKey);
  const region = oneOf('region', values.region, Object.keys(REGIONS));
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
  /** @type {{ progress: ProgressLine, resumable: boolean } | null} */
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
    /** @type {{ phase: string, total: number | null }} */
    const state = { phase: 'reading', total: null };
    // node:http: fetch would copy every body (see node-fetch.mjs).
    const sender = Sender.fromConfig(config, { fetch: nodeFetch, limiter });
    /** @type {ProgressLine} */
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
        const e = /** @type {NodeJS.ErrnoException} */ (err);
        fail(`warning: could not ${result.rejectsCsv ? 'write' : 'remove'} ${target}: ${e.code ?? e.message}`);
      }
      results.push({ file: input.arg, status: result.status, identity, report: result.report, delivery: result.delivery, rejectsFile, timing: result.timing });
      code = Math.max(code, exitOf(result));
      if (!values.quiet || exitOf(result) !== EXIT.ok) {
        for (const line of sendSummary(input, result, rejectsFile)) printErr(line);
      }
    } catch (err) {
      progress.stop();
      if (err instanceof MappingUnreadable || err instanceof MappingRequired) {
        fail(err instanceof MappingRequired ? err.message : `${input.label}: ${err.message}`);
        results.push({ file: input.arg, status: err instanceof MappingRequired ? 'unprocessable' : 'unreadable', identity, error: err.message, delivery: sender.summary });
        code = Math.max(code, EXIT.unprocessable);
      } else if (err instanceof ReadError || err instanceof NotRegularError) {
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
  if (values.json) printData(JSON.stringify(results, null, 2));
  return code;
}
