// The engine's size, held to a budget. Every host loads pkg/csv2segment_bg.wasm before its first
// row: the browser page downloads it, a Worker's bundle carries it (Cloudflare's limit on a
// Worker is a few MB compressed) and a Lambda's cold start compiles it. It was 720,888 bytes, then
// 918,613 a session later, with nothing to say which change it was; this test fails when it grows
// past WASM_BUDGET_BYTES, so that growth is a decision, with its cause found (the message says how).
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../../../scripts/lib/proc.mjs';

/**
 * Raise it knowing what the bytes buy, in the commit that needs them. 1,000,000 until workbooks:
 * the engine was 997,561 with line-item groups, 904,200 without its name section, then 1,036,769
 * with the workbook reader (zip directory, inflate of parts, quick-xml's pushed parser, the
 * ranged WorkbookIngest and WorkbookDraft bindings: about 130 KB).
 */
export const WASM_BUDGET_BYTES = 1_100_000;

const HOW_TO_LOOK = [
  'To see what grew: `cargo install twiggy`, then',
  '  twiggy top -n 25 pkg/csv2segment_bg.wasm            (the largest functions and data)',
  '  twiggy dominators -d 2 pkg/csv2segment_bg.wasm      (what keeps them in)',
  '  npm run bench:against -- main --quick                (builds main\'s engine into .cache/bench/engines/<id>/pkg/)',
  '  twiggy diff .cache/bench/engines/<id>/pkg/csv2segment_bg.wasm pkg/csv2segment_bg.wasm',
  'If the growth is worth it, raise WASM_BUDGET_BYTES in tests/js/project/wasm-size.test.mjs and say why in the commit.',
].join('\n');

/**
 * The budget's verdict on the .wasm files of a pkg/ directory: one line per file over it.
 * @param {string} dir
 * @param {number} budget
 */
export function overBudget(dir, budget) {
  const wasm = readdirSync(dir).filter((f) => f.endsWith('.wasm'));
  assert.notEqual(wasm.length, 0, `${dir} holds no .wasm file: build it first (node scripts/setup.mjs)`);
  return wasm
    .map((f) => ({ file: path.join(path.relative(ROOT, dir), f), bytes: statSync(path.join(dir, f)).size }))
    .filter((w) => w.bytes > budget)
    .map((w) => `${w.file} is ${w.bytes.toLocaleString('en-US')} bytes, ${(w.bytes - budget).toLocaleString('en-US')} over the budget of ${budget.toLocaleString('en-US')}`);
}

test(`pkg/'s wasm stays within ${WASM_BUDGET_BYTES.toLocaleString('en-US')} bytes`, () => {
  const over = overBudget(path.join(ROOT, 'pkg'), WASM_BUDGET_BYTES);
  assert.deepEqual(over, [], `${over.join('\n')}\n${HOW_TO_LOOK}`);
});
