// wrangler.toml as Cloudflare reads it: `wrangler deploy --dry-run` bundles the Worker with the
// wasm and lists the bindings, without an account or the network.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

test('wrangler deploy --dry-run bundles the Worker and the wasm, with the bindings wrangler.toml names', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'csv2segment-wrangler-'));
  try {
    const wrangler = path.join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
    const run = spawnSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', outdir], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /env\.BUCKET \(csv2segment-uploads\)\s+R2 Bucket/);
    assert.match(run.stdout, /env\.REPORT_PREFIX \("csv2segment-reports\/"\)\s+Environment Variable/);
    const files = readdirSync(outdir);
    assert.ok(files.includes('index.js'), files.join(', ')); // named for wrangler.toml's main, js/hosts/worker/index.mjs
    assert.ok(files.some((f) => f.endsWith('csv2segment_bg.wasm')), files.join(', '));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
