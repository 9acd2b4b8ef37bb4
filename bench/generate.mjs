// Deterministic generator of Segment "track" CSV files for the benchmarks.
//
//   import { generateTrackCsv, writeTrackCsv, ensureTrackCsv } from './generate.mjs';
//   generateTrackCsv(1000)                    -> string (small files, tests)
//   await writeTrackCsv('/tmp/t.csv', 1e7)     -> streams to disk, constant memory
//   await ensureTrackCsv(100_000)              -> path in .cache/bench/, reused if present
//
// CLI: node bench/generate.mjs <rows> [out.csv] [--seed N]
//
// Ten columns, as in samples/track_1.csv plus amount and quantity; every row has a
// userId and an event, so a correct engine accepts all of them. About a third of
// the names are quoted: "Last, First" (a comma inside) and First "Nick" Last
// (doubled quotes inside).

import { open, rename, stat, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TRACK_HEADER = [
  'userId',
  'name',
  'event',
  'properties.plan',
  'properties.accountType',
  'properties.amount',
  'properties.quantity',
  'context.ip',
  'context.device.id',
  'timestamp',
];

export const DEFAULT_SEED = 20190511;

const FIRST = [
  'Tyler', 'Jacob', 'Ally', 'Jasmin', 'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Mia',
  'Lucas', 'Sofia', 'Ethan', 'Chloé', 'Mateo', 'Zoë', 'Amelia', 'Oscar', 'Hana', 'Ravi',
];
const LAST = [
  'Ortiz', 'Johnson', 'Sweeney', 'Christian', 'Smith', 'Nguyen', 'García', 'Müller', 'Rossi', 'Kowalski',
  'Brown', "O'Neil", 'Tanaka', 'Silva', 'Dubois', 'Hansen', 'Patel', 'Kim', 'Novak', 'Schmidt',
];
const NICK = ['Ty', 'Jake', 'Al', 'Jazz', 'Liv', 'Bud', 'Ace', 'Sunny'];
const EVENTS = ['test event', 'Order Completed', 'Product Viewed', 'Signed Up', 'Cart Viewed', 'Checkout Started'];
const PLANS = ['bronze', 'silver', 'gold', 'platinum'];
const ACCOUNTS = ['Facebook', 'Twitter', 'Instagram', 'Pinterest', 'LinkedIn', 'Google'];

const BASE_MS = Date.parse('2019-05-11T20:32:27.940Z');
const HEX = '0123456789abcdef';

/**
 * 32-bit linear congruential generator (Numerical Recipes constants).
 * @param {number} seed
 */
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

/** The header line, with its trailing newline. */
export function trackHeaderLine() {
  return `${TRACK_HEADER.join(',')}\n`;
}

/** @typedef {{ seed?: number }} TrackOptions */

/**
 * Yields the data lines (each ending in "\n") of a track file, in order.
 * Same seed and row index give the same line, whatever the row count.
 * @param {number} rows
 * @param {TrackOptions} [options]
 * @returns {Generator<string>}
 */
export function* trackLines(rows, { seed = DEFAULT_SEED } = {}) {
  const next = lcg(seed);
  // Uses the high bits: the low bits of a power-of-two LCG have short periods.
  const pick = (/** @type {readonly string[]} */ arr) => arr[(next() >>> 8) % arr.length];
  const int = (/** @type {number} */ n) => (next() >>> 8) % n;
  let ms = BASE_MS;
  for (let i = 1; i <= rows; i++) {
    const userId = 1 + int(50_000);
    const first = pick(FIRST);
    const last = pick(LAST);
    const style = int(10);
    let name;
    if (style < 6) name = `${first} ${last}`;
    else if (style < 9) name = `"${last}, ${first}"`;
    else name = `"${first} ""${pick(NICK)}"" ${last}"`;
    const amount = `${1 + int(500)}.${String(int(100)).padStart(2, '0')}`;
    const quantity = 1 + int(12);
    const ip = int(10) === 0 ? '' : `${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}`;
    let device = '';
    for (let k = 0; k < 12; k++) device += HEX[int(16)];
    ms += 1 + int(60_000);
    const ts = new Date(ms).toISOString();
    yield `${userId},${name},${pick(EVENTS)},${pick(PLANS)},${pick(ACCOUNTS)},${amount},${quantity},${ip},${device},${ts}\n`;
  }
}

/**
 * The whole file as a string: for small files.
 * @param {number} rows
 * @param {TrackOptions} [options]
 */
export function generateTrackCsv(rows, options = {}) {
  let out = trackHeaderLine();
  for (const line of trackLines(rows, options)) out += line;
  return out;
}

/**
 * Streams a track file of `rows` data rows to `path`, about 1 MiB at a time, so
 * ten million rows need no more memory than ten. Written to `path.tmp-<pid>`
 * then renamed, so a half-written file is never taken for a finished one.
 * Resolves to the file's size in bytes.
 * @param {string} path
 * @param {number} rows
 * @param {TrackOptions} [options]
 * @returns {Promise<number>}
 */
export async function writeTrackCsv(path, rows, options = {}) {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  let bytes = 0;
  try {
    let buf = trackHeaderLine();
    for (const line of trackLines(rows, options)) {
      buf += line;
      if (buf.length >= 1 << 20) {
        const { bytesWritten } = await fh.write(buf);
        bytes += bytesWritten;
        buf = '';
      }
    }
    if (buf) {
      const { bytesWritten } = await fh.write(buf);
      bytes += bytesWritten;
    }
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  return bytes;
}

/**
 * "100k", "1m", "10m", or the plain number.
 * @param {number} rows
 */
export function rowsLabel(rows) {
  if (rows % 1_000_000 === 0) return `${rows / 1_000_000}m`;
  if (rows % 1_000 === 0) return `${rows / 1_000}k`;
  return String(rows);
}

/** The project's root: the folder above bench/. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Default cache path of a generated file of `rows` rows:
 * .cache/bench/track_bench_<label>[_s<seed>].<ext>, for every generator alike.
 * @param {number} rows
 * @param {string} ext
 * @param {{ seed?: number, dir?: string }} [options]
 */
export function cachedBenchPath(rows, ext, { seed = DEFAULT_SEED, dir = join(ROOT, '.cache', 'bench') } = {}) {
  const suffix = seed === DEFAULT_SEED ? '' : `_s${seed}`;
  return join(dir, `track_bench_${rowsLabel(rows)}${suffix}.${ext}`);
}

/**
 * Default cache path for a generated file: .cache/bench/track_bench_<label>.csv
 * @param {number} rows
 * @param {{ seed?: number, dir?: string }} [options]
 */
export function cachedTrackPath(rows, options = {}) {
  return cachedBenchPath(rows, 'csv', options);
}

/**
 * The file at `path` if it is there and not empty, else written by `write` (which resolves to
 * its size) first. Resolves to { path, bytes, generated }.
 * @param {string} path
 * @param {() => Promise<number>} write
 * @returns {Promise<{ path: string, bytes: number, generated: boolean }>}
 */
export async function ensureFile(path, write) {
  try {
    const st = await stat(path);
    if (st.isFile() && st.size > 0) return { path, bytes: st.size, generated: false };
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOENT') throw err;
  }
  return { path, bytes: await write(), generated: true };
}

/**
 * Path of a cached track file of `rows` rows, generating it first if absent.
 * Resolves to { path, bytes, generated }.
 * @param {number} rows
 * @param {TrackOptions & { path?: string, dir?: string }} [options] path: the file's own path, in place of the cache's
 * @returns {Promise<{ path: string, bytes: number, generated: boolean }>}
 */
export async function ensureTrackCsv(rows, options = {}) {
  const path = options.path ?? cachedTrackPath(rows, options);
  return ensureFile(path, () => writeTrackCsv(path, rows, options));
}

/**
 * A generator's command line, `<rows> [out] [--seed N]`: writes `rows` rows with `write` to
 * `out` or to the cache (`ext`), and says where, how big and how long; a usage line and exit
 * code 2 for rows that are not a whole number from 0 to `maxRows` - 1, or a seed that is not.
 * @param {string[]} args
 * @param {{ usage: string, ext: string, maxRows?: number, write: (path: string, rows: number, options: TrackOptions) => Promise<number> }} generator
 */
export async function generatorCli(args, { usage, ext, maxRows = Infinity, write }) {
  let seed = DEFAULT_SEED;
  const pos = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--seed') seed = Number(args[++i]);
    else pos.push(args[i]);
  }
  const rows = Number(pos[0]);
  if (!Number.isInteger(rows) || rows < 0 || rows + 1 > maxRows || !Number.isInteger(seed)) {
    console.error(usage);
    process.exit(2);
  }
  const path = pos[1] ?? cachedBenchPath(rows, ext, { seed });
  const t0 = performance.now();
  const bytes = await write(path, rows, { seed });
  const secs = (performance.now() - t0) / 1000;
  console.log(`${path}: ${rows} rows, ${(bytes / 1e6).toFixed(2)} MB in ${secs.toFixed(1)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await generatorCli(process.argv.slice(2), {
    usage: 'usage: node bench/generate.mjs <rows> [out.csv] [--seed N]',
    ext: 'csv',
    write: writeTrackCsv,
  });
}
