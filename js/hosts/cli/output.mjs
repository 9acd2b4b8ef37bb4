// Everything the CLI prints goes through here, so a write key never reaches the terminal, and no
// byte of a file (a header, a cell, a file name) can drive it: every human-readable line goes
// through `humanLine`, which escapes control characters; JSON goes out as it is (printData).
// The progress line is cleared before anything else is written to stderr.
import { PROGRAM } from './constants.mjs';

/**
 * The command being run, once known: its help is where a usage error points.
 * @type {string | undefined}
 */
let currentCommand;

/**
 * Sets the command being run, once the arguments name it.
 * @param {string} command
 */
export const setCommand = (command) => {
  currentCommand = command;
};

export class UsageError extends Error {
  /**
   * @param {string} message
   * @param {string | undefined} [command] the command whose help to point to (the one being run)
   */
  constructor(message, command = currentCommand) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** Values never to print. Too short a value is no real key, and replacing it would garble the text. */
/** @type {Set<string>} */
export const secrets = new Set();
/** @param {string} value */
export const keepSecret = (value) => value.length >= 6 && secrets.add(value);
/** @param {string} text */
export function redact(text) {
  let out = text;
  for (const secret of secrets) out = out.replaceAll(secret, '<write key>');
  return out;
}

/**
 * The progress line on a terminal, if one is showing: cleared before anything else is written to stderr.
 * @type {import('./progress.mjs').ProgressLine | null}
 */
let live = null;

/** The progress line showing on the terminal, if any. */
export const liveLine = () => live;

/**
 * Shows `line` as the progress line (or none, with null): it is cleared before each message.
 * @param {import('./progress.mjs').ProgressLine | null} line
 */
export const setLiveLine = (line) => {
  live = line;
};

/**
 * What a terminal would act on rather than show: C0 controls (ESC starts colours, titles and
 * cursor moves; CR and LF forge lines), DEL, C1 controls (U+009B is a one-character CSI), the
 * line and paragraph separators, and the invisible direction marks and overrides that reorder
 * what is shown (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** @type {Record<string, string>} */
const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with each character of UNSAFE written as a JavaScript escape: `\x1b`, `\n`, `\u202e`.
 * @param {string} text
 */
export function escapeControls(text) {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** One line for a person: the write key redacted, control characters escaped (a line cannot break). */
export const humanLine = (/** @type {unknown} */ text) => escapeControls(redact(String(text)));

/**
 * A line for a person on stdout.
 * @param {unknown} text
 */
export function print(text) {
  process.stdout.write(`${humanLine(text)}\n`);
}

/**
 * A line for a person on stderr.
 * @param {unknown} text
 */
export function printErr(text) {
  live?.clear();
  process.stderr.write(`${humanLine(text)}\n`);
}

/**
 * Output for programs (JSON, NDJSON) on stdout, as it is but for the write key.
 * @param {string} text
 */
export function printData(text) {
  process.stdout.write(`${redact(text)}\n`);
}

/**
 * A text of several lines the CLI wrote itself (the help, a stack trace): each line as `to` prints one.
 * @param {unknown} text
 * @param {(line: string) => void} [to]
 */
export function printLines(text, to = print) {
  for (const line of String(text).split('\n')) to(line);
}

export const fail = (/** @type {string} */ text) => printErr(`${PROGRAM}: ${text}`);
