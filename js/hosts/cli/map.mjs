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
import { fileHead, fileSize, rangeReader, ReadError } from './input.mjs';
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

/**
 * The draft of an Excel workbook (a zip by its first bytes, whatever its name), read in the
 * ranges the engine asks for with positioned reads, never whole: its cells' types decide.
 * @param {typeof import('../../../pkg/csv2segment.js')} engine
 * @param {import('./args.mjs').Input & { path: string }} input
 * @param {string} name
 * @param {number} size
 */
async function draftWorkbook(engine, input, name, size) {
  const reader = await rangeReader(input, { bytes: 0 });
  const draft = new engine.WorkbookDraft(name, size);
  try {
    for (let r = draft.wants(); r; r = draft.wants()) {
      for await (const chunk of reader.read(r.start, r.end)) draft.write(chunk);
    }
    return draft.finish();
  } finally {
    draft.free();
    await reader.close();
  }
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
    const name = path.basename(input.name);
    let drafted;
    try {
      const size = input.path === null ? null : await fileSize(input);
      if (input.path !== null && size !== null && engine.isWorkbook(await fileHead(input, 4))) {
        drafted = await draftWorkbook(engine, { ...input, path: input.path }, name, size);
      } else {
        const { head, whole } = await readHead(input, draftSampleBytes);
        drafted = engine.draftMapping(name, head, whole);
      }
    } catch (err) {
      if (err instanceof ReadError) {
        fail(err.message);
        code = EXIT.unprocessable;
        continue;
      }
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
