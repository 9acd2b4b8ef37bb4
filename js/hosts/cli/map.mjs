// The command map: the mapping the engine drafts from each file's first 64 KB, merged into an
// existing mapping with --merge.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { MergeError, mergeDrafts } from '../../core/draft.mjs';
import { loadEngine } from '../../core/engine.mjs';
import { isEngineError } from '../../core/pipeline.mjs';
import { EXIT } from './constants.mjs';
import { fail, printData, printErr, UsageError } from './output.mjs';
import { inputsOf, readMapping } from './args.mjs';
import { fileSize, ReadError } from './input.mjs';
import { plural } from './progress.mjs';

/**
 * The first `draftBytes` of an input (decompressed for .gz; the engine's
 * vocabulary().draftSampleBytes), and whether that is all of it.
 * @param {import('./args.mjs').Input} input
 * @param {number} draftBytes
 */
export async function readHead(input, draftBytes) {
  const gzip = /\.gz$/i.test(input.name);
  const chunks = [];
  let size = 0;
  let whole = true;
  try {
    /** @type {import('node:stream').Readable} */
    let source = input.path === null ? process.stdin : createReadStream(input.path, { highWaterMark: draftBytes });
    if (gzip) source = source.pipe(createGunzip());
    for await (const chunk of source) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > draftBytes) {
        whole = false;
        break;
      }
    }
    if (input.path !== null) source.destroy();
  } catch (err) {
    throw new ReadError(input.label, err);
  }
  return { head: Buffer.concat(chunks).subarray(0, draftBytes + 1), whole };
}

/** @type {Record<import('../../../pkg/csv2segment.js').DraftNoteKind, string>} */
export const NOTE_WORDS = { guess: 'guess', ambiguous: 'ambiguous', blank: 'to fill in', dropped: 'left out', damaged: 'damaged' };

/**
 * @param {import('./args.mjs').Values} values
 * @param {string[]} files
 */
export async function map(values, files) {
  const inputs = inputsOf('map', values, files);
  let base = null;
  if (values.merge !== undefined) base = await readMapping(values.merge, true);
  const engine = await loadEngine();
  const { draftSampleBytes } = engine.vocabulary();
  const drafts = [];
  let code = EXIT.ok;
  for (const input of inputs) {
    let head;
    let whole;
    try {
      if (input.path !== null) await fileSize(input);
      ({ head, whole } = await readHead(input, draftSampleBytes));
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
      printData(JSON.stringify(mergeDrafts(engine, drafts, base), null, 2));
    } catch (err) {
      if (!(err instanceof MergeError)) throw err;
      throw new UsageError(`cannot merge into ${values.merge}: ${err.message}`);
    }
  }
  return code;
}
