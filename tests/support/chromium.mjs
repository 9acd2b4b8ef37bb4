// Starts Debian's Chromium headless through playwright-core, the one way the tests and the bench
// do it: never a downloaded browser, and kept off this machine's closed network. For tests, the
// suite hooks that start and close it (useChromium), and the validation page served from the
// repository with a page opener that fails on any error (useValidationPage).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { startStaticServer } from './static-server.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where Debian's chromium package puts it (`node scripts/setup.mjs --browser` installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Running as root needs --no-sandbox; the rest keep Chromium from calling home, which on a
 * closed network means many refused connections at every start.
 */
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/** A headless Chromium; rejects with a message that says how to install it when it is missing. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the browser tests need Debian's chromium package (apt-get install -y chromium)`);
  }
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
  } catch (err) {
    throw new Error(`Chromium at ${CHROMIUM} did not start: ${err instanceof Error ? err.message : err}`);
  }
}

/**
 * Registers a suite's before/after hooks that start Chromium and close it. The returned function
 * gives the browser to a test, or throws why it did not start: each test then fails saying so,
 * rather than the hook.
 * @returns {() => import('playwright-core').Browser}
 */
export function useChromium() {
  /** @type {{ browser: import('playwright-core').Browser | null, error: unknown }} */
  const held = { browser: null, error: null };
  before(async () => {
    try {
      held.browser = await launchChromium();
    } catch (err) {
      held.error = err;
    }
  });
  after(async () => {
    await held.browser?.close();
  });
  return () => {
    if (held.error) throw held.error;
    if (!held.browser) throw new Error('Chromium is not started: useChromium() gives it to tests, after the before hooks');
    return held.browser;
  };
}

/** Where browser tests put their screenshots. */
export const SHOTS = path.join(ROOT, 'test-output', 'browser');
/** The validation page, under the repository. */
export const PAGE = '/js/hosts/browser/index.html';

/**
 * The validation page (js/hosts/browser/) served from the repository, in headless Chromium:
 * registers the suite's hooks (a static server, a scratch folder, Chromium) and returns an object
 * whose `server` and `tmp` are set once they have run, with `openPage` and `shot`.
 * @param {{ tmpPrefix: string }} options the scratch folder's name prefix
 */
export function useValidationPage({ tmpPrefix }) {
  const browser = useChromium();
  const ui = {
    /** @type {{ url: string, port: number, close(): Promise<void> }} */
    server: /** @type {any} */ (null),
    /** A scratch folder of the suite's, removed after it. */
    tmp: '',
    /**
     * A fresh page on the validator, its engine loaded. `check` fails the test on any page error,
     * console error or warning, failed request, or request off the page's origin, then closes it.
     * @param {{ prepare?: (context: import('playwright-core').BrowserContext) => Promise<void> }} [options]
     *   `prepare` runs on the context before the page opens (routes, for example)
     */
    async openPage({ prepare } = {}) {
      const context = await browser().newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
      if (prepare) await prepare(context);
      const page = await context.newPage();
      /** @type {string[]} */
      const problems = [];
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
      });
      page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
      /** @type {string[]} */
      const requests = [];
      context.on('request', (req) => requests.push(req.url()));
      await page.goto(ui.server.url + PAGE);
      await page.waitForFunction(() => (/** @type {HTMLElement} */ (document.getElementById('engine-version')).textContent ?? '').startsWith('engine '));
      const check = async () => {
        assert.deepEqual(problems, []);
        const foreign = requests.filter((u) => !u.startsWith(`${ui.server.url}/`) && !/^(blob|data):/.test(u));
        assert.deepEqual(foreign, [], 'the page fetches nothing but its own files');
        await context.close();
      };
      return { page, context, requests, check };
    },
    /**
     * A full-page screenshot into SHOTS.
     * @param {import('playwright-core').Page} page
     * @param {string} name
     */
    shot: (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }),
  };
  before(async () => {
    ui.server = await startStaticServer({ root: ROOT, port: 0 });
    await mkdir(SHOTS, { recursive: true });
    ui.tmp = await mkdtemp(path.join(tmpdir(), tmpPrefix));
  });
  after(async () => {
    await ui.server?.close();
    if (ui.tmp) await rm(ui.tmp, { recursive: true, force: true });
  });
  return ui;
}
