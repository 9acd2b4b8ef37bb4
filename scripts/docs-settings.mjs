#!/usr/bin/env node
// `npm run docs:settings`: writes the tables of environment variables in README.md and docs/*.md
// from the settings table (js/core/settings.mjs), between `<!-- settings:begin HOST -->` and
// `<!-- settings:end -->` (HOST: lambda, worker or cli), so that the docs say what the code reads.
// `--check` writes nothing and exits 1 naming the files that differ (tests/js/core/settings.test.mjs
// does the same check).
//
//   node scripts/docs-settings.mjs [--check]
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeDefault, describeType, HOSTS, settingsOf } from '../js/core/settings.mjs';
import { ROOT, StepError, isMain, parseFlags, runMain } from './lib/proc.mjs';

/** The command that regenerates the tables, as the check's message names it. */
export const COMMAND = 'npm run docs:settings';

const BLOCK = /(<!-- settings:begin ([a-z]+) -->\n)[\s\S]*?(<!-- settings:end -->)/g;

/** A table cell: one line, its pipes escaped. */
const cell = (/** @type {string} */ md) => md.replace(/\|/g, '\\|');

/**
 * The Markdown table of one host's variables.
 * @param {import('../js/core/settings.mjs').Host} host
 */
export function settingsTable(host) {
  const rows = settingsOf(host).map((s) => {
    const meaning = s.notes?.[host] ? `${s.help}; ${s.notes[host]}` : s.help;
    return `| \`${s.name}\` | ${cell(describeType(s.type))} | ${cell(describeDefault(s, host))} | ${cell(meaning)} |`;
  });
  return ['| variable | value | default | meaning |', '| --- | --- | --- | --- |', ...rows, ''].join('\n');
}

/**
 * `text` with every settings block made afresh.
 * @param {string} text
 * @param {string} file for the error of a block that names no host
 */
export function renderSettings(text, file) {
  return text.replace(BLOCK, (_, begin, host, end) => {
    if (!HOSTS.includes(host)) throw new Error(`${file}: <!-- settings:begin ${host} --> names no host; use one of ${HOSTS.join(', ')}`);
    return `${begin}${settingsTable(host)}${end}`;
  });
}

/** README.md and docs/*.md, relative to the repository. */
export const DOC_FILES = () => ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/**
 * Every doc file with a settings block: its text as committed and as made afresh.
 * @returns {{ file: string, current: string, fresh: string, hosts: string[] }[]}
 */
export function settingsDocs() {
  const out = [];
  for (const file of DOC_FILES()) {
    const current = readFileSync(path.join(ROOT, file), 'utf8');
    const hosts = [...current.matchAll(BLOCK)].map((m) => m[2]);
    if (hosts.length) out.push({ file, current, fresh: renderSettings(current, file), hosts });
  }
  return out;
}

function main() {
  const flags = parseFlags(process.argv.slice(2), ['check'], 'usage: node scripts/docs-settings.mjs [--check]');
  const stale = settingsDocs().filter((d) => d.current !== d.fresh);
  if (flags.has('check')) {
    if (stale.length) throw new StepError(`${stale.map((d) => d.file).join(', ')} differ from the settings table (js/core/settings.mjs): run \`${COMMAND}\``, 1);
    console.log('docs:settings: the tables are up to date');
    return 0;
  }
  for (const d of stale) writeFileSync(path.join(ROOT, d.file), d.fresh);
  console.log(stale.length ? `docs:settings: wrote ${stale.map((d) => d.file).join(', ')}` : 'docs:settings: the tables are up to date');
  return 0;
}

if (isMain(import.meta.url)) runMain('docs:settings', main);
