// Everything the CLI prints goes through here, so a write key never reaches the terminal;
// the progress line is cleared before anything else is written to stderr.
import { PROGRAM } from './constants.mjs';

/** The command being run, once known: its help is where a usage error points. */
let currentCommand;

/** Sets the command being run, once the arguments name it. */
export const setCommand = (command) => {
  currentCommand = command;
};

export class UsageError extends Error {
  constructor(message, command = currentCommand) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** Values never to print. Too short a value is no real key, and replacing it would garble the text. */
export const secrets = new Set();
export const keepSecret = (value) => value.length >= 6 && secrets.add(value);
export function redact(text) {
  let out = text;
  for (const secret of secrets) out = out.replaceAll(secret, '<write key>');
  return out;
}

/** The progress line on a terminal, if one is showing: cleared before anything else is written to stderr. */
let live = null;

/** The progress line showing on the terminal, if any. */
export const liveLine = () => live;

/** Shows `line` as the progress line (or none, with null): it is cleared before each message. */
export const setLiveLine = (line) => {
  live = line;
};

export function print(text) {
  process.stdout.write(`${redact(text)}\n`);
}

export function printErr(text) {
  live?.clear();
  process.stderr.write(`${redact(text)}\n`);
}

export const fail = (text) => printErr(`${PROGRAM}: ${text}`);
