#!/usr/bin/env node
// Installs what the project needs and builds pkg/, each step skipped quickly
// when already done. Node builtins only: this runs before node_modules exists.
//
//   node scripts/setup.mjs [--quiet] [--force-build] [--python] [--browser]
//
// Steps (each an exported async function returning true when it did work,
// false when there was nothing to do; setup() below runs them in order):
//   1. npm packages        npm ci / npm install when node_modules is missing or stale
//   2. wasm32 target       rustup target add wasm32-unknown-unknown
//   3. wasm-bindgen CLI    cargo install wasm-bindgen-cli at Cargo.lock's wasm-bindgen version
//   4. pkg/                cargo build (wasm32, release) + wasm-bindgen, when sources changed
//      dist/site/          the browser page and pkg/ as the Worker serves them (wrangler.toml [assets])
//   5. Python venv         only with --python / setup({ python: true }), which `npm test` asks for:
//                          .cache/venv with tests/requirements.txt (moto's S3 server for the JS tests)
//   6. Chromium            only with --browser / setup({ browser: true }), which `npm test` asks for:
//                          Debian's chromium package (apt-get), for the browser page's tests
//
// All progress goes to stderr, so `npm start` / `npm run bench` stdout stays clean.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, StepError, capture, ensureCargoOnPath, isMain, mustRun, parseFlags, run, runMain } from './lib/proc.mjs';

const WASM_TARGET = 'wasm32-unknown-unknown';
const CRATE = 'csv2segment';
const PKG_DIR = path.join(ROOT, 'pkg');
const NPM_STAMP = path.join(ROOT, 'node_modules', '.csv2segment-setup-stamp');
/** Children of setup write to stderr too (fd 2), keeping our stdout for the caller. */
/** @type {import('node:child_process').StdioOptions} */
const STDIO = ['inherit', 2, 2];

const log = (/** @type {string} */ msg) => console.error(`setup: ${msg}`);

// ---------------------------------------------------------------------------
// 1. npm packages

function npmManifestHash() {
  const h = createHash('sha256');
  for (const name of ['package.json', 'package-lock.json']) {
    const file = path.join(ROOT, name);
    h.update(`${name}\0`);
    h.update(existsSync(file) ? readFileSync(file) : '<none>');
    h.update('\0');
  }
  return h.digest('hex');
}

/** Runs `npm ci` (or `npm install` without a lockfile) unless node_modules matches package.json + lock. */
export async function ensureNpmPackages() {
  const want = npmManifestHash();
  if (existsSync(NPM_STAMP) && readFileSync(NPM_STAMP, 'utf8').trim() === want) return false;

  const flags = ['--no-audit', '--no-fund'];
  if (existsSync(path.join(ROOT, 'package-lock.json'))) {
    log('installing npm packages (npm ci)');
    const code = await run('npm', ['ci', ...flags], { stdio: STDIO });
    if (code !== 0) {
      // Usually package.json was edited and the lock is out of sync. CI must use the lock as is.
      if (process.env.CI) throw new StepError(`\`npm ci\` failed (exit code ${code}); is package-lock.json in sync with package.json?`, code);
      log('`npm ci` failed; retrying with `npm install` (package-lock.json out of sync with package.json?)');
      await mustRun('npm', ['install', ...flags], { stdio: STDIO });
    }
  } else {
    log('installing npm packages (npm install; no package-lock.json yet)');
    await mustRun('npm', ['install', ...flags], { stdio: STDIO });
  }
  // npm install may have created or rewritten the lock: hash what is there now.
  writeFileSync(NPM_STAMP, `${npmManifestHash()}\n`);
  return true;
}

// ---------------------------------------------------------------------------
// 2. Rust: the wasm32 target (and, for lint, rustfmt + clippy)

/** @type {string | undefined} */
let sysrootCache;
function rustSysroot() {
  if (sysrootCache) return sysrootCache;
  const r = capture('rustc', ['--print', 'sysroot']);
  if (r.missing) throw new StepError('`rustc` not found: install Rust with rustup (https://rustup.rs) and re-run');
  if (!r.ok) throw new StepError(`\`rustc --print sysroot\` failed: ${r.stderr.trim().split('\n').pop()}`);
  sysrootCache = r.stdout.trim();
  return sysrootCache;
}

/** `rustup target add wasm32-unknown-unknown` unless the target's std is in the sysroot. */
export async function ensureWasmTarget() {
  if (existsSync(path.join(rustSysroot(), 'lib', 'rustlib', WASM_TARGET, 'lib'))) return false;
  log(`adding the Rust target ${WASM_TARGET} (rustup target add)`);
  await mustRun('rustup', ['target', 'add', WASM_TARGET], { stdio: STDIO });
  return true;
}

/** `rustup component add rustfmt clippy` unless both are in the toolchain (used by lint.mjs). */
export async function ensureRustComponents() {
  const bin = path.join(rustSysroot(), 'bin');
  const missing = [
    ['rustfmt', 'rustfmt'],
    ['clippy', 'cargo-clippy'],
  ].filter(([, exe]) => !existsSync(path.join(bin, exe)) && !existsSync(path.join(bin, `${exe}.exe`)));
  if (missing.length === 0) return false;
  const names = missing.map(([component]) => component);
  log(`adding Rust components ${names.join(', ')} (rustup component add)`);
  await mustRun('rustup', ['component', 'add', ...names], { stdio: STDIO });
  return true;
}

// ---------------------------------------------------------------------------
// 3. wasm-bindgen CLI, at exactly the version of the wasm-bindgen crate in Cargo.lock

/**
 * The version of `name` in Cargo.lock (generating the lock first if there is none).
 * @param {string} name
 * @returns {Promise<string>}
 */
export async function lockedCrateVersion(name) {
  const lockFile = path.join(ROOT, 'Cargo.lock');
  if (!existsSync(lockFile)) {
    log('generating Cargo.lock');
    await mustRun('cargo', ['generate-lockfile'], { stdio: STDIO });
  }
  const versions = readFileSync(lockFile, 'utf8')
    .split(/^\[\[package\]\]\s*$/m)
    .filter((block) => block.match(/^name = "([^"]+)"\s*$/m)?.[1] === name)
    .map((block) => block.match(/^version = "([^"]+)"\s*$/m)?.[1])
    .filter(/** @type {(v: string | undefined) => v is string} */ ((v) => Boolean(v)));
  if (versions.length === 0) throw new StepError(`Cargo.lock has no \`${name}\` package`);
  if (versions.length > 1) throw new StepError(`Cargo.lock has several \`${name}\` versions (${versions.join(', ')}); expected one`);
  return versions[0];
}

/** The version printed by `wasm-bindgen --version`, or null when it is not installed. */
function installedWasmBindgenVersion() {
  const r = capture('wasm-bindgen', ['--version']);
  return r.ok ? (r.stdout.match(/(\d+\.\d+\.\d+\S*)/)?.[1] ?? null) : null;
}

/** `cargo install wasm-bindgen-cli --version <Cargo.lock's>` unless that exact version is on PATH. */
export async function ensureWasmBindgen() {
  const want = await lockedCrateVersion('wasm-bindgen');
  const have = installedWasmBindgenVersion();
  if (have === want) return false;

  log(
    `${have ? `replacing wasm-bindgen ${have} with` : 'installing'} wasm-bindgen-cli ${want} ` +
      '(cargo install; this takes about 5 minutes)',
  );
  const args = ['install', 'wasm-bindgen-cli', '--version', want];
  const code = await run('cargo', [...args, '--locked'], { stdio: STDIO });
  if (code !== 0) {
    // The crates mirror may lack a crate version pinned by wasm-bindgen-cli's own lock.
    log('`cargo install --locked` failed; retrying without --locked');
    await mustRun('cargo', args, { stdio: STDIO });
  }
  const now = installedWasmBindgenVersion();
  if (now !== want) {
    throw new StepError(
      `installed wasm-bindgen-cli ${want}, but \`wasm-bindgen --version\` on PATH reports ${now ?? 'nothing'}; ` +
        'is another wasm-bindgen earlier on PATH?',
    );
  }
  return true;
}

// ---------------------------------------------------------------------------
// 4. pkg/: the wasm build

/** @typedef {{ mtime: number, file: string | null }} Newest */

/**
 * Newest mtime (ms) under `dir`, with the file it belongs to.
 * @param {string} dir
 * @param {Newest} [acc]
 * @returns {Newest}
 */
function newestUnder(dir, acc = { mtime: 0, file: null }) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return acc;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newestUnder(full, acc);
    else newestFile(full, acc);
  }
  return acc;
}

/**
 * @param {string} file
 * @param {Newest} acc
 */
function newestFile(file, acc) {
  try {
    const { mtimeMs } = statSync(file);
    if (mtimeMs > acc.mtime) Object.assign(acc, { mtime: mtimeMs, file });
  } catch {
    // missing: ignore
  }
  return acc;
}

/** Why pkg/ must be rebuilt, or null when it is up to date. */
function pkgStaleReason() {
  const outputs = [`${CRATE}_bg.wasm`, `${CRATE}.js`, `${CRATE}.d.ts`].map((f) => path.join(PKG_DIR, f));
  if (!outputs.every((f) => existsSync(f))) return 'pkg/ missing';
  const built = statSync(outputs[0]).mtimeMs;
  const newest = newestUnder(path.join(ROOT, 'src'));
  for (const f of ['Cargo.toml', 'Cargo.lock', 'build.rs', '.cargo/config.toml']) newestFile(path.join(ROOT, f), newest);
  // A newer mtime comes with its file.
  return newest.mtime > built ? `${path.relative(ROOT, /** @type {string} */ (newest.file))} changed` : null;
}

/** The wasm cargo builds for pkg/ (before wasm-bindgen). */
export function builtWasmPath() {
  const targetDir = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target');
  return path.join(targetDir, WASM_TARGET, 'release', `${CRATE}.wasm`);
}

/**
 * wasm-bindgen on cargo's `input` into `outDir` (replaced whole, through a staging directory, so a
 * failed run never leaves a half-written one). The wasm's `name` section (function names, 93 KB
 * of a 1 MB engine) is for profilers only: `names` keeps it (bench/profile.mjs; for pkg/,
 * CSV2SEGMENT_WASM_NAMES=1 with --force-build).
 *
 * No wasm-opt after it, by measurement (issue 26; binaryen 132 from npm, bench.mjs --pkg, CPU
 * ratios of 41 rounds, where the same engine against itself read 0.988 and 1.018): -O2 and -O3
 * 0 to 1% faster on the plain file and the mapped export, -O4 2% on both, -O3 --converge 3 to
 * 4.5% on the plain file and 3% slower to 8% faster on the mapped one; and each run of it adds
 * 1.5 to 8 minutes to a build on a 2-core machine. The .wasm shrinks 5.7% (1,038,014 to 978,465 bytes at -O3).
 * @param {string} input
 * @param {string} outDir
 * @param {{ names?: boolean }} [options]
 */
export async function bindEngine(input, outDir, { names = false } = {}) {
  const staging = path.join(ROOT, 'target', `${path.relative(ROOT, outDir).replace(/[\\/.]+/g, '_')}-staging`);
  rmSync(staging, { recursive: true, force: true });
  const nameFlags = names ? [] : ['--remove-name-section'];
  await mustRun('wasm-bindgen', ['--target', 'web', '--out-dir', staging, '--typescript', ...nameFlags, input], { stdio: STDIO });
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(path.dirname(outDir), { recursive: true });
  renameSync(staging, outDir);
}

/** The flag the shipped wasm is built with: WebAssembly SIMD (.cargo/config.toml). */
export const SIMD_FLAG = '-C target-feature=+simd128';

/**
 * The environment for cargo's wasm builds of the engine. .cargo/config.toml turns simd128 on, but
 * RUSTFLAGS (or CARGO_ENCODED_RUSTFLAGS) in the environment replaces that list, even when empty:
 * then the flag is added to it, so that no one's own flags silently build the engine without SIMD.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {NodeJS.ProcessEnv}
 */
export function wasmBuildEnv(env = process.env) {
  if (env.CARGO_ENCODED_RUSTFLAGS !== undefined) {
    const flags = [env.CARGO_ENCODED_RUSTFLAGS, ...SIMD_FLAG.split(' ')].filter(Boolean);
    return { ...env, CARGO_ENCODED_RUSTFLAGS: flags.join('\x1f') };
  }
  if (env.RUSTFLAGS !== undefined) return { ...env, RUSTFLAGS: [env.RUSTFLAGS, SIMD_FLAG].filter(Boolean).join(' ') };
  return { ...env };
}

/** Builds pkg/ with cargo + wasm-bindgen when sources are newer than it (or `force`). */
export async function buildPkg({ force = false } = {}) {
  const reason = force ? 'forced' : pkgStaleReason();
  if (!reason) return false;
  log(`building pkg/ (${reason}): cargo build --release for ${WASM_TARGET}, then wasm-bindgen`);
  await mustRun('cargo', ['build', '--lib', '--target', WASM_TARGET, '--release'], { stdio: STDIO, env: wasmBuildEnv() });
  await bindEngine(builtWasmPath(), PKG_DIR, { names: process.env.CSV2SEGMENT_WASM_NAMES === '1' });
  return true;
}

// ---------------------------------------------------------------------------
// 4b. dist/site: the browser page and the engine, laid out as the Worker serves them at /

const SITE_DIR = path.join(ROOT, 'dist', 'site');
/** [source, destination in dist/site]: the page at /, the engine at /pkg/ (the page's meta points there). */
const SITE_FILES = [
  ...['index.html', 'app.mjs', 'dom.mjs', 'editor.mjs', 'validator.worker.mjs', 'style.css'].map((f) => [path.join('js', 'hosts', 'browser', f), f]),
  // The worker's ../../core/draft.mjs, which resolves to /core/draft.mjs from the page at /.
  [path.join('js', 'core', 'draft.mjs'), path.join('core', 'draft.mjs')],
  // And its ../../core/gunzip.mjs, for .gz files (the engine decompresses them).
  [path.join('js', 'core', 'gunzip.mjs'), path.join('core', 'gunzip.mjs')],
  ...[`${CRATE}.js`, `${CRATE}_bg.wasm`].map((f) => [path.join('pkg', f), path.join('pkg', f)]),
];
/**
 * Workers Static Assets read this file for response headers. The page's own CSP meta does not
 * reach its Web Worker, so the header carries it for both. No site may frame the page
 * (frame-ancestors, which a meta cannot set; X-Frame-Options for browsers without it), so none
 * can overlay it to trick a click.
 */
const SITE_HEADERS = `/*
  Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; worker-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'
  X-Frame-Options: DENY
  X-Content-Type-Options: nosniff
`;

/** Copies the page and pkg/ into dist/site (wrangler.toml's [assets]); writes only what changed. */
export function buildSite() {
  let wrote = false;
  const put = (/** @type {string} */ dest, /** @type {Buffer} */ bytes) => {
    const file = path.join(SITE_DIR, dest);
    if (existsSync(file) && readFileSync(file).equals(bytes)) return;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    wrote = true;
  };
  for (const [src, dest] of SITE_FILES) put(dest, readFileSync(path.join(ROOT, src)));
  put('_headers', Buffer.from(SITE_HEADERS));
  return wrote;
}

// ---------------------------------------------------------------------------
// 5. Python venv with moto's S3 server, for the JS tests (tests/support/s3-server.mjs)

const VENV_DIR = path.join(ROOT, '.cache', 'venv');
const REQUIREMENTS = path.join(ROOT, 'tests', 'requirements.txt');
/** Holds the sha256 of tests/requirements.txt that the venv was built from. */
const VENV_STAMP = path.join(VENV_DIR, '.csv2segment-setup-stamp');
/** The pins in tests/requirements.txt need at least this Python. */
const PYTHON_MIN = [3, 11];
const IS_WINDOWS = process.platform === 'win32';

/** The path of an executable in .cache/venv (`python`, `moto_server`, ...), whether or not it exists. */
/** @param {string} name */
export function venvBin(name) {
  return path.join(VENV_DIR, IS_WINDOWS ? 'Scripts' : 'bin', IS_WINDOWS ? `${name}.exe` : name);
}

function requirementsHash() {
  if (!existsSync(REQUIREMENTS)) throw new StepError('tests/requirements.txt is missing');
  return createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
}

/** Why .cache/venv must be (re)built, or null when it is up to date (about 20 ms: one python start). */
/** @param {string} want the stamp the venv should have */
function venvStaleReason(want) {
  if (!existsSync(VENV_STAMP)) return existsSync(VENV_DIR) ? 'an earlier install did not finish' : 'missing';
  if (readFileSync(VENV_STAMP, 'utf8').trim() !== want) return 'tests/requirements.txt changed';
  // The venv links to the Python it was made with: an upgraded or removed Python breaks it.
  const probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('moto') else 1)";
  if (!capture(venvBin('python'), ['-I', '-c', probe]).ok) return 'its python no longer runs or lost moto';
  return null;
}

/** The Python to make the venv with: $CSV2SEGMENT_PYTHON, else python3 (python / py on Windows). */
function basePython() {
  const want = PYTHON_MIN.join('.');
  const override = process.env.CSV2SEGMENT_PYTHON;
  const candidates = override ? [override] : IS_WINDOWS ? ['python', 'py'] : ['python3'];
  for (const cmd of candidates) {
    const r = capture(cmd, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']);
    if (!r.ok) continue;
    const version = r.stdout.trim();
    const [major, minor] = version.split('.').map(Number);
    if (major !== PYTHON_MIN[0] || minor < PYTHON_MIN[1]) {
      throw new StepError(
        `the JS tests need Python >= ${want} for moto's S3 server (tests/requirements.txt), but \`${cmd}\` is ${version}; ` +
          'install a newer Python, or set CSV2SEGMENT_PYTHON to one',
      );
    }
    return { cmd, version };
  }
  throw new StepError(
    override
      ? `CSV2SEGMENT_PYTHON=${override} does not run`
      : `\`${candidates.join('` / `')}\` not found in PATH: the JS tests need Python >= ${want} for moto's S3 server ` +
          '(Debian/Ubuntu: `sudo apt-get install python3 python3-venv`), or set CSV2SEGMENT_PYTHON to a Python',
  );
}

/** `python3 -m venv .cache/venv`, turning the usual failures into one-line explanations. */
/** @param {{ cmd: string, version: string }} python */
function createVenv({ cmd, version }) {
  const r = capture(cmd, ['-m', 'venv', VENV_DIR]);
  if (r.ok) return;
  rmSync(VENV_DIR, { recursive: true, force: true });
  const output = `${r.stdout}\n${r.stderr}`;
  const [major, minor] = version.split('.');
  // Debian's message wraps lines: "... because ensurepip is not\navailable. ... apt install python3.11-venv".
  if (/ensurepip\s+is\s+not\s+available|No module named '?(venv|ensurepip)|python3[.\d]*-venv/.test(output)) {
    // Debian and Ubuntu ship venv's pip bootstrap (ensurepip) separately.
    throw new StepError(
      `\`${cmd} -m venv\` cannot create .cache/venv: this Python lacks venv/ensurepip. ` +
        `On Debian/Ubuntu install the python3-venv package (\`sudo apt-get install python3-venv\`, ` +
        `or python${major}.${minor}-venv if python3 is not the distribution's default Python)`,
    );
  }
  const last = output.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  throw new StepError(`\`${cmd} -m venv ${path.relative(ROOT, VENV_DIR)}\` failed: ${last || 'no output'}`);
}

/**
 * Creates .cache/venv and installs tests/requirements.txt into it, unless the
 * venv's stamp holds that file's hash and its python still runs. Any change
 * re-creates the venv from scratch, so it holds exactly the pinned packages.
 */
export async function ensurePythonVenv() {
  const want = requirementsHash();
  const reason = venvStaleReason(want);
  if (!reason) return false;

  const python = basePython();
  log(
    `creating .cache/venv (${reason}) with ${python.cmd} ${python.version} and installing tests/requirements.txt ` +
      "(moto's S3 server for the JS tests; about a minute)",
  );
  rmSync(VENV_DIR, { recursive: true, force: true });
  createVenv(python);
  const pipArgs = ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--no-input', '-r', REQUIREMENTS];
  const code = await run(venvBin('python'), pipArgs, { stdio: STDIO });
  if (code !== 0) {
    throw new StepError(
      `\`pip install -r tests/requirements.txt\` into .cache/venv failed (exit code ${code}); ` +
        'is PyPI (or your PIP_INDEX_URL) reachable? The next run starts over',
      code,
    );
  }
  if (!existsSync(venvBin('moto_server'))) {
    throw new StepError('installed tests/requirements.txt, but .cache/venv has no moto_server; does it still list moto[server]?');
  }
  writeFileSync(VENV_STAMP, `${want}\n`);
  return true;
}

// ---------------------------------------------------------------------------
// 6. Chromium, for the browser page's tests (Debian's package; Playwright never downloads one)

export const CHROMIUM = '/usr/bin/chromium';

/** `apt-get install chromium` unless /usr/bin/chromium exists (as root, or through sudo). */
export async function ensureChromium() {
  if (existsSync(CHROMIUM)) return false;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    throw new StepError(`the browser tests need Chromium at ${CHROMIUM}; install your system's chromium package`);
  }
  const asRoot = process.getuid?.() === 0;
  const sudo = asRoot ? [] : ['sudo', '-n'];
  if (!asRoot && !capture('sudo', ['-n', 'true']).ok) {
    throw new StepError(`the browser tests need Chromium: run \`sudo apt-get install -y chromium\` once`);
  }
  log(`installing Debian's chromium package (apt-get; for the browser tests)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptGet = (/** @type {string[]} */ args) => {
    const [cmd, ...rest] = [...sudo, 'apt-get', ...args];
    return run(cmd, rest, { stdio: STDIO, env });
  };
  // The package lists may be missing or stale on a fresh machine: refresh them if the first try fails.
  if ((await aptGet(['install', '-y', '-q', '--no-install-recommends', 'chromium'])) !== 0) {
    await aptGet(['update', '-q']);
    if ((await aptGet(['install', '-y', '-q', '--no-install-recommends', 'chromium'])) !== 0 || !existsSync(CHROMIUM)) {
      throw new StepError('`apt-get install chromium` failed; the browser tests need it at /usr/bin/chromium');
    }
  }
  return true;
}

// ---------------------------------------------------------------------------

/**
 * Everything `npm start` / `npm test` need. Options:
 *   quiet       print nothing when there is nothing to do
 *   forceBuild  rebuild pkg/ even when it looks up to date
 *   python      also the Python venv with moto's S3 server (.cache/venv), which the JS tests use
 *   browser     also Debian's Chromium, which the browser page's tests drive
 */
export async function setup({ quiet = false, forceBuild = false, python = false, browser = false } = {}) {
  ensureCargoOnPath();
  const start = performance.now();
  const did = {};
  did.npm = await ensureNpmPackages();
  did.target = await ensureWasmTarget();
  did.bindgen = await ensureWasmBindgen();
  // A different wasm-bindgen CLI generates different glue: rebuild pkg/ with it.
  did.pkg = await buildPkg({ force: forceBuild || did.bindgen });
  did.site = buildSite();
  if (python) did.venv = await ensurePythonVenv();
  if (browser) did.chromium = await ensureChromium();
  const worked = Object.values(did).some(Boolean);
  if (worked) log(`done in ${((performance.now() - start) / 1000).toFixed(1)}s`);
  else if (!quiet) {
    log(`everything up to date (npm packages, wasm32 target, wasm-bindgen CLI, pkg/${python ? ', Python venv' : ''}${browser ? ', Chromium' : ''})`);
  }
  return did;
}

if (isMain(import.meta.url)) {
  runMain('setup', async () => {
    const flags = parseFlags(
      process.argv.slice(2),
      ['quiet', 'force-build', 'python', 'browser'],
      'usage: node scripts/setup.mjs [--quiet] [--force-build] [--python] [--browser]',
    );
    await setup({ quiet: flags.has('quiet'), forceBuild: flags.has('force-build'), python: flags.has('python'), browser: flags.has('browser') });
    return 0;
  });
}
