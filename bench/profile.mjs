#!/usr/bin/env node
// `npm run bench:profile`: where the wasm engine's time goes, so that work on its speed starts
// from numbers (issue 26). This checkout's engine is bound a second time with its function names
// kept (scripts/setup.mjs's bindEngine, as pkg/ is built but with the wasm `name` section), into .cache/bench/profile/pkg/; then the bench's passes (bench.mjs's wasmPass:
// 64 KiB chunks, every batch drained into a reused buffer, as the hosts do) run under V8's
// sampling CPU profiler (the one `node --cpu-prof` uses, started through node:inspector after a
// warm-up pass, so that the profile holds the optimised code only). Prints, per input:
//   split      self time by kind: wasm (the engine), glue (pkg/csv2segment.js, wasm-bindgen's JS),
//              driver (the bench's own JS), gc, and V8's (program) (time in V8 itself: builtins,
//              compilers, runtime calls the wasm makes)
//   entries    time inside each call from JS into the wasm (Ingest.write, nextBatchInto, ...), with
//              everything it calls
//   top        the wasm functions with the most self time, demangled names without their hash
//   outside    the functions outside the wasm with the most self time (glue, driver, V8)
//
//   npm run bench:profile [-- --rows N] [--passes N] [--top N] [--input wasm|wasm_mapped|all] [--save DIR]
//   npm run bench:profile -- --quick       (tests/js/project/scripts.test.mjs: 2,000 rows, 50 passes)
//
// Ends with `name: value` lines for scripts: per input, <input>_<kind>_pct for each kind of the
// split (wasm, wrapper, glue, driver, gc, program) and <input>_sampled_ms.
// Defaults: the bench's 100,000-row file, 5 passes, 25 functions, the plain file and the mapped
// export. --save DIR writes each input's .cpuprofile there (for Chrome DevTools or speedscope).
// --pkg DIR profiles another built pkg/ (one built with names) instead of building one.
// Figures move with the machine's load; the shares within one profile are what to read.
import { Session } from 'node:inspector/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, StepError, isMain, runMain } from '../scripts/lib/proc.mjs';
import { bindEngine, builtWasmPath } from '../scripts/setup.mjs';
import { benchInputs, wasmPass } from './bench.mjs';
import { ensureTrackCsv } from './generate.mjs';

/** Sampling interval of the profiler, in microseconds. */
const INTERVAL_US = 250;

/**
 * @typedef {{ id: number, callFrame: { functionName: string, url: string }, hitCount?: number, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} CpuProfile
 * @typedef {{ total: number, kinds: Map<string, number>, entries: Map<string, number>, top: Map<string, number>, js: Map<string, number> }} Breakdown
 */

/**
 * What kind of code a profile node is: wasm, wrapper, glue, driver, gc, program, idle or root.
 * @param {ProfileNode['callFrame']} frame
 */
export function kindOf(frame) {
  // V8's wrappers between JS and wasm (converting arguments and results) are the boundary's cost.
  if (/^(js-to-wasm|wasm-to-js)[:-]/.test(frame.functionName)) return 'wrapper';
  if (frame.url.startsWith('wasm://')) return 'wasm';
  if (frame.url.endsWith('/csv2segment.js')) return 'glue';
  if (frame.url) return 'driver';
  switch (frame.functionName) {
    case '(garbage collector)':
      return 'gc';
    case '(idle)':
      return 'idle';
    case '(root)':
      return 'root';
    default:
      // '(program)', and builtins without a script such as the typed-array methods.
      return frame.functionName.startsWith('(') ? 'program' : 'driver';
  }
}

/**
 * A wasm function's name as a reader wants it: demangled already by wasm-bindgen, without the
 * `::h0123456789abcdef` hash, and `$name` as V8 prints names from the name section, without `$`.
 * @param {string} name
 */
export function cleanName(name) {
  return name.replace(/^\$/, '').replace(/::h[0-9a-f]{16}$/, '');
}

/**
 * Self time per kind and per wasm function, and the time inside each call from JS into the wasm.
 * @param {CpuProfile} profile
 * @returns {Breakdown}
 */
export function breakdown(profile) {
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} */
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Each sample's time is the gap to the next one; the last sample's, the gap before it. (The
  // first delta, from the profiler's start to the first sample, is the profiler's own.)
  /** @type {Map<number, number>} */
  const self = new Map();
  const n = profile.samples.length;
  for (let i = 0; i < n; i++) {
    const dt = i + 1 < n ? profile.timeDeltas[i + 1] : n > 1 ? profile.timeDeltas[n - 1] : INTERVAL_US;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
  }
  const kinds = new Map();
  const entries = new Map();
  const top = new Map();
  const js = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const node = /** @type {ProfileNode} */ (byId.get(id));
    const kind = kindOf(node.callFrame);
    if (kind === 'idle' || kind === 'root') continue;
    total += us;
    kinds.set(kind, (kinds.get(kind) ?? 0) + us);
    if (kind !== 'wasm') {
      const file = node.callFrame.url ? ` (${path.basename(node.callFrame.url)})` : '';
      const name = `${kind}: ${node.callFrame.functionName || '(anonymous)'}${file}`;
      js.set(name, (js.get(name) ?? 0) + us);
      continue;
    }
    const name = cleanName(node.callFrame.functionName);
    top.set(name, (top.get(name) ?? 0) + us);
    // The outermost wasm function on this stack (the export JS called), below V8's wrapper.
    let entry = node;
    for (let up = parent.get(entry.id); up !== undefined; up = parent.get(up)) {
      const p = /** @type {ProfileNode} */ (byId.get(up));
      const upKind = kindOf(p.callFrame);
      if (upKind === 'wrapper') continue;
      if (upKind !== 'wasm') break;
      entry = p;
    }
    const entryName = cleanName(entry.callFrame.functionName);
    entries.set(entryName, (entries.get(entryName) ?? 0) + us);
  }
  return { total, kinds, entries, top, js };
}

/**
 * The breakdown as lines of text: the split, the entries, the `topN` functions.
 * @param {string} title
 * @param {Breakdown} b
 * @param {number} topN
 */
export function describe(title, b, topN) {
  const pct = (/** @type {number} */ us) => `${((100 * us) / (b.total || 1)).toFixed(1).padStart(5)}%`;
  const ms = (/** @type {number} */ us) => `${(us / 1000).toFixed(1).padStart(8)} ms`;
  const sorted = (/** @type {Map<string, number>} */ m) => [...m].sort((x, y) => y[1] - x[1]);
  const lines = [`${title}: ${(b.total / 1000).toFixed(1)} ms sampled`];
  lines.push('  split (self time)');
  for (const kind of KINDS) lines.push(`    ${kind.padEnd(8)} ${pct(b.kinds.get(kind) ?? 0)} ${ms(b.kinds.get(kind) ?? 0)}`);
  lines.push('  calls into the wasm (with what they call)');
  for (const [name, us] of sorted(b.entries)) lines.push(`    ${pct(us)} ${ms(us)}  ${name}`);
  lines.push(`  top ${topN} wasm functions (self time)`);
  for (const [name, us] of sorted(b.top).slice(0, topN)) lines.push(`    ${pct(us)} ${ms(us)}  ${name}`);
  lines.push(`  top ${Math.min(topN, 10)} outside the wasm (self time)`);
  for (const [name, us] of sorted(b.js).slice(0, Math.min(topN, 10))) lines.push(`    ${pct(us)} ${ms(us)}  ${name}`);
  return lines;
}

/**
 * Runs `fn` under the CPU profiler; its profile.
 * @param {() => void} fn
 * @returns {Promise<CpuProfile>}
 */
async function profiled(fn) {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: INTERVAL_US });
    await session.post('Profiler.start');
    fn();
    const { profile } = await session.post('Profiler.stop');
    return /** @type {CpuProfile} */ (/** @type {unknown} */ (profile));
  } finally {
    session.disconnect();
  }
}

const USAGE = 'usage: npm run bench:profile -- [--rows N] [--passes N] [--top N] [--input wasm|wasm_mapped|all] [--save DIR] [--pkg DIR] [--quick]';
const KINDS = ['wasm', 'wrapper', 'glue', 'driver', 'gc', 'program'];

/** @param {readonly string[]} argv */
function parseArgs(argv) {
  const opts = { rows: 100_000, passes: 5, top: 25, input: 'both', save: /** @type {string | null} */ (null), pkg: /** @type {string | null} */ (null) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new StepError(`${a} needs a value; ${USAGE}`);
      return v;
    };
    const count = () => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new StepError(`${a} takes a positive whole number; ${USAGE}`);
      return v;
    };
    if (a === '--rows') opts.rows = count();
    else if (a === '--passes') opts.passes = count();
    else if (a === '--top') opts.top = count();
    else if (a === '--input') opts.input = value();
    else if (a === '--save') opts.save = path.resolve(value());
    else if (a === '--pkg') opts.pkg = path.resolve(value());
    else if (a === '--quick') Object.assign(opts, { rows: 2_000, passes: 50 });
    else throw new StepError(`unknown option ${a}; ${USAGE}`);
  }
  return opts;
}

if (isMain(import.meta.url)) {
  runMain('bench:profile', async () => {
    const opts = parseArgs(process.argv.slice(2));
    let pkg = opts.pkg;
    if (!pkg) {
      if (!existsSync(builtWasmPath())) throw new StepError(`${path.relative(ROOT, builtWasmPath())} is missing: build it with npm run build`);
      pkg = path.join(ROOT, '.cache', 'bench', 'profile', 'pkg');
      console.error(`bench:profile: binding the engine with its function names into ${path.relative(ROOT, pkg)}`);
      await bindEngine(builtWasmPath(), pkg, { names: true });
    }
    const glue = path.join(pkg, 'csv2segment.js');
    if (!existsSync(glue)) throw new StepError(`${pkg} has no csv2segment.js (a built pkg/)`);
    /** @type {typeof import('../pkg/csv2segment.js')} */
    const engine = await import(pathToFileURL(glue).href);
    engine.initSync({ module: readFileSync(path.join(pkg, 'csv2segment_bg.wasm')) });

    const { path: file } = await ensureTrackCsv(opts.rows);
    const data = new Uint8Array(readFileSync(file));
    const wanted = opts.input === 'both' ? ['wasm', 'wasm_mapped'] : opts.input === 'all' ? null : [opts.input];
    const inputs = benchInputs(data, new TextDecoder('utf-8', { fatal: true }).decode(data)).filter((i) => !wanted || wanted.includes(i.name));
    if (inputs.length === 0) throw new StepError(`--input ${opts.input} names no input of the bench; ${USAGE}`);
    if (opts.save) mkdirSync(opts.save, { recursive: true });
    /** @type {string[]} */
    const figures = [];
    console.log(`bench:profile: ${path.basename(file)}, ${opts.rows.toLocaleString('en-US')} rows, ${opts.passes} passes per input after a warm-up, node ${process.version}`);
    for (const input of inputs) {
      wasmPass(engine, input.bytes, input.file, input.options);
      let seconds = 0;
      const profile = await profiled(() => {
        // Timed inside: starting the profiler costs a second of its own (it lists every wasm function).
        const t0 = performance.now();
        for (let p = 0; p < opts.passes; p++) wasmPass(engine, input.bytes, input.file, input.options);
        seconds = (performance.now() - t0) / 1000;
      });
      const mbs = (input.bytes.length * opts.passes) / 1e6 / seconds;
      console.log('');
      const b = breakdown(profile);
      for (const line of describe(`${input.name} (${input.file}, ${mbs.toFixed(1)} MB/s under the profiler)`, b, opts.top)) console.log(line);
      for (const kind of KINDS) figures.push(`${input.name}_${kind}_pct: ${((100 * (b.kinds.get(kind) ?? 0)) / (b.total || 1)).toFixed(1)}`);
      figures.push(`${input.name}_sampled_ms: ${(b.total / 1000).toFixed(1)}`);
      if (opts.save) {
        const out = path.join(opts.save, `${input.name}.cpuprofile`);
        writeFileSync(out, JSON.stringify(profile));
        console.error(`bench:profile: wrote ${path.relative(process.cwd(), out)}`);
      }
    }
    console.log('');
    for (const line of figures) console.log(line);
  });
}
