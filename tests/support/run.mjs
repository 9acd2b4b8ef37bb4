// Running a command, or the CLI as a user would, from a test: resolves to { code, stdout,
// stderr }. Asynchronous, since the servers a test talks to live in the test's own process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI's bin, as npm links it. */
export const CLI = fileURLToPath(new URL('../../js/hosts/cli/csv2segment.mjs', import.meta.url));

/** This process's environment without the shell's Segment and csv2segment settings. */
export const CLEAN_ENV = Object.freeze(Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SEGMENT_|CSV2SEGMENT_)|^write_key$/.test(k))));

/**
 * Runs `cmd` with `args`; `input` is written to its standard input (none: it reads end of file).
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: Record<string, string | undefined>, input?: string | Uint8Array }} [options]
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
export function run(cmd, args, { cwd, env = process.env, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {}); // a command that exits before reading its input
    child.stdin.end(input);
  });
}

/**
 * Runs the CLI with `args`, in CLEAN_ENV with `env` over it.
 * @param {string[]} args
 * @param {{ cwd?: string, env?: Record<string, string>, input?: string | Uint8Array }} [options]
 */
export const runCli = (args, { cwd, env = {}, input } = {}) => run(process.execPath, [CLI, ...args], { cwd, input, env: { ...CLEAN_ENV, ...env } });
