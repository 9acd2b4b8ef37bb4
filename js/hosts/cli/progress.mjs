// Progress on stderr: a line redrawn on a terminal, a line every few seconds otherwise.
import path from 'node:path';
import { LOG_REFRESH_MS, TTY_REFRESH_MS } from './constants.mjs';
import { humanLine, liveLine, setLiveLine } from './output.mjs';

export const count = (/** @type {number} */ n) => n.toLocaleString('en-US');
/**
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 */
export const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** @param {number} n */
export function bytesText(n) {
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

export const seconds = (/** @type {number} */ ms) => (ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

/**
 * One file's progress: on a terminal a line redrawn at most every 100 ms, elsewhere a plain line
 * every few seconds (so none for a file done sooner). `state()` gives the figures to show.
 */
export class ProgressLine {
  /**
   * @param {string} label
   * @param {() => { phase: string, total: number | null, bytes: number, rows?: number, rejected?: number, sent?: number, retries?: number }} state
   * @param {{ quiet?: boolean }} options
   */
  constructor(label, state, { quiet }) {
    // The file's own name: a terminal line has little room.
    this.label = path.basename(label);
    this.state = state;
    this.tty = Boolean(process.stderr.isTTY);
    this.started = Date.now();
    this.shown = false;
    /** @type {(() => import('../../../pkg/csv2segment.js').Progress | null) | undefined} the engine's counts so far, where a run sets it (commands.mjs) */
    this.latest = undefined;
    if (quiet) return;
    this.timer = setInterval(() => this.#tick(), this.tty ? TTY_REFRESH_MS : LOG_REFRESH_MS);
    this.timer.unref();
    if (this.tty) setLiveLine(this);
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
      const text = humanLine(this.#text());
      process.stderr.write(`\r${text.length > width ? `${text.slice(0, width - 1)}…` : text}\x1b[K`);
      this.shown = true;
    } else {
      process.stderr.write(`${humanLine(this.#text())}\n`);
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
    if (liveLine() === this) setLiveLine(null);
  }
}
