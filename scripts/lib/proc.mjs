// Shared helpers for the project scripts: paths, PATH setup, running commands,
// and turning failures into one-line messages. Node builtins only: setup.mjs
// imports this before node_modules exists.
import { spawn, spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (scripts/lib/../..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A failure whose message is a complete one-line explanation for the user. */
export class StepError extends Error {
  /**
   * @param {string} message
   * @param {number} [exitCode]
   */
  constructor(message, exitCode = 1) {
    super(message);
    this.name = 'StepError';
    this.exitCode = exitCode;
  }
}

/** `$CARGO_HOME/bin`, or `~/.cargo/bin`. */
export function cargoBinDir() {
  return path.join(process.env.CARGO_HOME || path.join(os.homedir(), '.cargo'), 'bin');
}

/**
 * Puts cargo's bin dir first on PATH for this process and every child, so
 * `cargo install`ed tools (wasm-bindgen, wasm-bindgen-test-runner) are found
 * even in shells that never sourced ~/.cargo/env.
 */
export function ensureCargoOnPath() {
  const bin = cargoBinDir();
  const parts = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  if (parts[0] !== bin) {
    process.env.PATH = [bin, ...parts.filter((p) => p !== bin)].join(path.delimiter);
  }
}

/**
 * Renders a command for messages: `cargo test --target x`.
 * @param {string} cmd
 * @param {readonly (string | number)[]} args
 */
export function formatCommand(cmd, args) {
  const quote = (/** @type {string} */ s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  return [cmd, ...args].map((s) => quote(String(s))).join(' ');
}

/** @param {NodeJS.Signals | null} signal */
function signalExitCode(signal) {
  return 128 + (signal ? os.constants.signals[signal] ?? 0 : 0);
}

/**
 * Runs a command with inherited stdio (or `stdio` given), in the repository
 * root. Resolves to its exit code (128+n when killed by signal n); rejects with
 * a StepError when the command cannot be started at all.
 * @param {string} cmd
 * @param {readonly string[]} [args]
 * @param {{ stdio?: import('node:child_process').StdioOptions, cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<number>}
 */
export function run(cmd, args = [], { stdio = 'inherit', cwd = ROOT, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio, cwd, env });
    child.on('error', (/** @type {NodeJS.ErrnoException} */ err) => {
      reject(
        new StepError(
          err.code === 'ENOENT'
            ? `\`${cmd}\` not found in PATH`
            : `could not run \`${formatCommand(cmd, args)}\`: ${err.message}`,
        ),
      );
    });
    child.on('close', (code, signal) => resolve(code ?? signalExitCode(signal)));
  });
}

/**
 * Like run(), but a non-zero exit becomes a StepError carrying that code.
 * @param {string} cmd
 * @param {readonly string[]} [args]
 * @param {Parameters<typeof run>[2]} [options]
 */
export async function mustRun(cmd, args = [], options = {}) {
  const code = await run(cmd, args, options);
  if (code !== 0) {
    throw new StepError(`\`${formatCommand(cmd, args)}\` failed (exit code ${code})`, code);
  }
}

/**
 * Runs a command synchronously and captures its output.
 * Returns { ok, missing, stdout, stderr }; `missing` means "not found in PATH".
 * @param {string} cmd
 * @param {readonly string[]} [args]
 * @param {{ cwd?: string }} [options]
 */
export function capture(cmd, args = [], { cwd = ROOT } = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    ok: !r.error && r.status === 0,
    missing: /** @type {NodeJS.ErrnoException | undefined} */ (r.error)?.code === 'ENOENT',
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
  };
}

/**
 * Seconds since `start` (a performance.now() value), for summaries.
 * @param {number} start
 */
export function elapsed(start) {
  const s = (performance.now() - start) / 1000;
  return s < 10 ? `${s.toFixed(2)}s` : s < 120 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

/**
 * True when the module with this import.meta.url is the script node was started with.
 * @param {string} importMetaUrl
 */
export function isMain(importMetaUrl) {
  if (!process.argv[1]) return false;
  try {
    return importMetaUrl === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` as a script's main: its resolved value is the exit code; a thrown
 * error becomes one line on stderr (`name: message`), no stack trace unless
 * CSV2SEGMENT_DEBUG is set.
 * @param {string} name
 * @param {() => Promise<number | void | undefined> | number | void | undefined} fn
 */
export async function runMain(name, fn) {
  try {
    process.exitCode = (await fn()) ?? 0;
  } catch (err) {
    if (process.env.CSV2SEGMENT_DEBUG) console.error(err);
    const message = err instanceof StepError ? err.message : `unexpected error: ${/** @type {{ message?: string } | null | undefined} */ (err)?.message ?? err}`;
    console.error(`${name}: ${message}`);
    process.exitCode = err instanceof StepError ? err.exitCode || 1 : 1;
  }
}

/**
 * Parses `--flag` style arguments against a list of allowed names.
 * @param {readonly string[]} argv
 * @param {readonly string[]} allowed
 * @param {string} usage
 * @returns {Set<string>}
 */
export function parseFlags(argv, allowed, usage) {
  const flags = new Set();
  for (const arg of argv) {
    const name = arg.replace(/^--/, '');
    if (arg === '--help' || arg === '-h') {
      console.log(usage);
      process.exit(0);
    }
    if (!arg.startsWith('--') || !allowed.includes(name)) {
      throw new StepError(`unknown option ${arg}\n${usage}`, 2);
    }
    flags.add(name);
  }
  return flags;
}
