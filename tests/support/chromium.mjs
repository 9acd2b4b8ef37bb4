// Starts Debian's Chromium headless through playwright-core, the one way the tests and the bench
// do it: never a downloaded browser, and kept off this machine's closed network.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

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
    throw new Error(`Chromium at ${CHROMIUM} did not start: ${err.message}`);
  }
}
