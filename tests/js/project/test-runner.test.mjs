// `npm test` (scripts/test.mjs) under CI refuses the variables that re-bless golden files from the
// code under test (CSV2SEGMENT_WRITE_EXPECTED for tests/exports.rs, DRAFT_BLESS for
// tests/draft.rs): with either set, nothing would be checked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { blessRefusal } from '../../../scripts/test.mjs';

const SCRIPT = fileURLToPath(new URL('../../../scripts/test.mjs', import.meta.url));

test('npm test under CI with a bless variable set: refused before anything runs, naming the variable', () => {
  const env = { ...process.env, CI: 'true', DRAFT_BLESS: '1' };
  delete env.CSV2SEGMENT_WRITE_EXPECTED;
  // --rust alone: were the refusal missing, this would start setup and cargo (and take minutes).
  const run = spawnSync(process.execPath, [SCRIPT, '--rust'], { env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(
    run.stderr,
    'test: DRAFT_BLESS is set under CI: it rewrites the expected files from the code under test, so nothing would be checked. Unset it; re-bless on a workstation and commit the files.\n',
  );
});

test('the refusal: CI set and either variable set, even empty; not without CI, nor with CI=false', () => {
  const both = 'CSV2SEGMENT_WRITE_EXPECTED and DRAFT_BLESS are set under CI: they rewrite the expected files from the code under test, so nothing would be checked. Unset them; re-bless on a workstation and commit the files.';
  assert.equal(blessRefusal({ CI: 'true', CSV2SEGMENT_WRITE_EXPECTED: '1', DRAFT_BLESS: '' }), both);
  assert.match(blessRefusal({ CI: '1', CSV2SEGMENT_WRITE_EXPECTED: '' }), /^CSV2SEGMENT_WRITE_EXPECTED is set under CI/);
  assert.equal(blessRefusal({ CI: 'true' }), null);
  assert.equal(blessRefusal({ DRAFT_BLESS: '1' }), null);
  assert.equal(blessRefusal({ CI: 'false', DRAFT_BLESS: '1' }), null);
  assert.equal(blessRefusal({ CI: '0', CSV2SEGMENT_WRITE_EXPECTED: '1' }), null);
});

test('the generated files\' bless variable is refused under CI too', () => {
  assert.equal(
    blessRefusal({ CI: 'true', CSV2SEGMENT_BLESS_GENERATED: '1' }),
    'CSV2SEGMENT_BLESS_GENERATED is set under CI: it rewrites the expected files from the code under test, so nothing would be checked. Unset it; re-bless on a workstation and commit the files.',
  );
});
