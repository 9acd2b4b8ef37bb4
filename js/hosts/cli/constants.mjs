// The CLI's name, version, read size and exit statuses, shared by its modules.
import { readFileSync } from 'node:fs';

export const PROGRAM = 'csv2segment';
export const VERSION = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

/** Read size: large reads keep the per-chunk cost low on multi-GB files. */
export const CHUNK = 256 * 1024;
/** Rejection messages a summary lists; --json has all the report keeps. */
export const SHOWN_REJECTIONS = 20;
/** How often progress is redrawn on a terminal, and printed as a line otherwise. */
export const TTY_REFRESH_MS = 100;
export const LOG_REFRESH_MS = 5000;
export const MAX_LIMIT = 10_000;

/** @type {Readonly<Record<'ok' | 'rejected' | 'unprocessable' | 'usage' | 'delivery', number>>} */
export const EXIT = Object.freeze({ ok: 0, rejected: 1, unprocessable: 2, usage: 2, delivery: 3 });
