// The CLI's arguments: each command's options, parsed with util.parseArgs and checked, and what
// each FILE argument is.
import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs as parseArgv } from 'node:util';
import {
  baseUrl as configBaseUrl,
  ConfigError,
  EMPTY_VALUES,
  eventsPerSecond as configEventsPerSecond,
  oneOf as configOneOf,
  readEngineOptions,
  readRequireMapping,
  TYPING_VALUES,
  wholeNumber as configWholeNumber,
} from '../../core/config.mjs';
import { MAPPING_NAME, MAX_MAPPING_BYTES, MappingUnreadable, mappingRequiredError, mappingTooLarge } from '../../core/mapping.mjs';
import { keepSecret, UsageError } from './output.mjs';
import { READ_ERRORS } from './input.mjs';

/**
 * One option of a command: its kind, the word its help shows for the value, its one-letter
 * form, and whether its value is a secret (never printed).
 * @typedef {{ type: 'string' | 'boolean', hint?: string, short?: string, secret?: boolean }} OptionSpec
 */

/** @typedef {'map' | 'validate' | 'preview' | 'send'} Command */

/**
 * The options given to a command, by name: a boolean one is `true` when given, the others
 * their text (parseArgs); which a command takes is its entry in COMMANDS.
 * @typedef {{ name?: string, mapping?: string, merge?: string, empty?: string, typing?: string, 'max-record-bytes'?: string, limit?: string, 'source-id'?: string, 'write-key'?: string, region?: string, endpoint?: string, 'objects-endpoint'?: string, concurrency?: string, 'max-events-per-second'?: string, quiet?: boolean, help?: boolean, json?: boolean }} Values
 */

/**
 * A FILE argument (inputsOf): as given, its path (null: standard input), the name that picks
 * the call (the file's, or --name), and how messages label it.
 * @typedef {{ arg: string, path: string, name: string, label: string } | { arg: string, path: null, name: string, label: string }} Input
 */

/** @satisfies {Record<string, OptionSpec>} */
export const COMMON = {
  name: { type: 'string', hint: 'NAME' },
  mapping: { type: 'string', hint: 'FILE' },
  empty: { type: 'string', hint: 'omit|null|string' },
  typing: { type: 'string', hint: 'infer|strings' },
  'max-record-bytes': { type: 'string', hint: 'N' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

/** @type {Record<Command, Record<string, OptionSpec>>} */
export const COMMANDS = {
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
 * @param {Command} command
 * @param {string[]} argv
 * @returns {{ values: Values, files: string[] }}
 */
export function parseArgs(command, argv) {
  const spec = COMMANDS[command];
  const options = Object.fromEntries(Object.entries(spec).map(([name, { type, short }]) => [name, short ? { type, short } : { type }]));
  const { tokens } = parseArgv({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  /** @type {Record<string, string | boolean>} */
  const values = {};
  /** @type {string[]} */
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
  return { values: /** @type {Values} */ (values), files };
}

/**
 * A flag checked by the rule config.mjs has for its setting: a wrong value is a usage error
 * that names the flag.
 * @template {unknown[]} R
 * @template T
 * @param {(variable: string, value: string, ...rest: R) => T} check
 * @param {string} option
 * @param {string | undefined} value
 * @param {R} rest
 * @returns {T | undefined}
 */
function flag(check, option, value, ...rest) {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new UsageError(`--${option} is empty`);
  try {
    return check(`--${option}`, value, ...rest);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * @template {string} T
 * @param {string} option
 * @param {string | undefined} value
 * @param {readonly T[]} allowed
 * @returns {T | undefined}
 */
export const oneOf = (option, value, allowed) => flag(configOneOf, option, value, allowed);
/** @type {(option: string, value: string | undefined, min: number, max?: number) => number | undefined} */
export const wholeNumber = (option, value, min, max) => flag(configWholeNumber, option, value, { min, max });
/** @type {(option: string, value: string | undefined) => string | undefined} */
export const baseUrl = (option, value) => flag(configBaseUrl, option, value);

/**
 * An events-per-second flag, as a string for the environment (`none`: no budget).
 * @param {string} option
 * @param {string | undefined} value
 */
export function eventsPerSecond(option, value) {
  const n = flag(configEventsPerSecond, option, value, undefined);
  return n === undefined ? undefined : n === null ? 'none' : String(n);
}

/**
 * The engine's options: the environment's (as for the other hosts), then the flags.
 * @param {Values} values
 * @returns {import('../../../pkg/csv2segment.js').IngestOptions}
 */
export function engineOptions(values) {
  let fromEnv;
  try {
    fromEnv = readEngineOptions(process.env);
  } catch (err) {
    // The ConfigError of config.mjs, worded for a person.
    throw new UsageError(/** @type {Error} */ (err).message);
  }
  const options = { ...fromEnv };
  const empty = oneOf('empty', values.empty, EMPTY_VALUES);
  if (empty) options.empty = empty;
  const typing = oneOf('typing', values.typing, TYPING_VALUES);
  if (typing) options.typing = typing;
  const maxRecordBytes = wholeNumber('max-record-bytes', values['max-record-bytes'], 1);
  if (maxRecordBytes) options.maxRecordBytes = maxRecordBytes;
  return options;
}

/** A file with no mapping, when CSV2SEGMENT_REQUIRE_MAPPING is true: not read, nothing sent. */
export class MappingRequired extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'MappingRequired';
  }
}

/**
 * A mapping file's text, or null when there is none (only when it was not named: `named` is
 * --mapping or --merge). One that is there but cannot be read (a dangling link, a directory, no
 * permission, over MAX_MAPPING_BYTES by its size) is never taken for none: a usage error when
 * named, else MappingUnreadable, which stops that file. At most MAX_MAPPING_BYTES + 1 bytes are read.
 * @param {string} file
 * @param {boolean} named
 * @returns {Promise<string | null>}
 */
export async function readMapping(file, named) {
  const shown = named ? file : path.relative(process.cwd(), file) || file;
  try {
    return await readBounded(file, shown);
  } catch (caught) {
    // The file system's errors, or readBounded's MappingUnreadable.
    const err = /** @type {NodeJS.ErrnoException} */ (caught);
    const said = (err.code !== undefined ? READ_ERRORS[err.code] : undefined) ?? err.message;
    if (!named && (err.code === 'ENOENT' || err.code === 'ENOTDIR') && !(await lstat(file).then(() => true, () => false))) return null;
    const why = err instanceof MappingUnreadable ? err.message : `${MAPPING_NAME} at ${shown} could not be read (${said}${err.code === 'ENOENT' ? ': a link to a file that is not there' : ''}), so nothing was sent`;
    if (named) throw new UsageError(`cannot read the mapping ${file}: ${err instanceof MappingUnreadable ? err.message : said}`);
    throw err instanceof MappingUnreadable ? err : new MappingUnreadable(why);
  }
}

/**
 * A file's text, refused by its size past MAX_MAPPING_BYTES, and never read past it.
 * @param {string} file
 * @param {string} shown the file as messages name it
 */
async function readBounded(file, shown) {
  const handle = await open(file, 'r');
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (st.size > MAX_MAPPING_BYTES) throw mappingTooLarge(shown, st.size);
    const buffer = Buffer.alloc(MAX_MAPPING_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_MAPPING_BYTES) throw mappingTooLarge(shown, null);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

/**
 * The mapping of an input: --mapping, else the nearest csv2segment.json beside the file (for -,
 * beside --name) or in its parent folders, as in a bucket. Null when there is none; throws
 * MappingRequired then when CSV2SEGMENT_REQUIRE_MAPPING is true.
 * @param {Pick<Input, 'path' | 'name' | 'label'>} input
 * @param {Values} values
 * @returns {Promise<{ key: string, text: string } | null>}
 */
export async function mappingOf(input, values) {
  if (values.mapping !== undefined) {
    const file = values.mapping;
    // Named, it is read or refused, never null.
    return { key: file, text: /** @type {string} */ (await readMapping(file, true)) };
  }
  let required;
  try {
    required = readRequireMapping(process.env);
  } catch (err) {
    // The ConfigError of config.mjs, worded for a person.
    throw new UsageError(/** @type {Error} */ (err).message);
  }
  const start = path.dirname(path.resolve(input.path ?? input.name ?? MAPPING_NAME));
  let dir = start;
  for (;;) {
    const file = path.join(dir, MAPPING_NAME);
    const text = await readMapping(file, false);
    if (text !== null) return { key: path.relative(process.cwd(), file) || file, text };
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (required) throw new MappingRequired(`${input.label}: ${mappingRequiredError(start).replace('upload the file again', 'run again, or give --mapping FILE')}`);
  return null;
}

/**
 * What each FILE argument is: a path or standard input, the name that picks the call, how to label it.
 * @param {Command} command
 * @param {Values} values
 * @param {string[]} files
 * @returns {Input[]}
 */
export function inputsOf(command, values, files) {
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
    // Standard input comes with --name (checked above).
    if (arg === '-') return { arg, path: null, name: /** @type {string} */ (named), label: /** @type {string} */ (named) };
    return { arg, path: arg, name: named ?? arg, label: arg };
  });
}
