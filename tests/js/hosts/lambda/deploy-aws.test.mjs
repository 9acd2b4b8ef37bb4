// `npm run deploy:aws` (scripts/deploy-aws.mjs): without the SAM CLI it says what to install and
// builds nothing; with it, it builds dist/lambda.zip and hands over to `sam deploy --guided`.
// The real `sam deploy` needs an AWS account: a stand-in `sam` on PATH records what it was asked
// (template.test.mjs deploys the template itself into moto).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../../../../scripts/lib/proc.mjs';
import { samArguments } from '../../../../scripts/deploy-aws.mjs';

const SCRIPT = path.join(ROOT, 'scripts', 'deploy-aws.mjs');
let dir;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'csv2segment-deploy-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('without sam on PATH: one line that says what to install, exit code 1, no package built', async () => {
  const zip = path.join(ROOT, 'dist', 'lambda.zip');
  const before = existsSync(zip) ? (await stat(zip)).mtimeMs : null;
  const r = spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: 'utf8', env: { PATH: dir } });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'deploy:aws: the AWS SAM CLI (`sam`) is not in PATH: install it (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html, ' +
      'or `pip install aws-sam-cli`), sign in to AWS (`aws configure` or `aws sso login`), then run `npm run deploy:aws` again\n',
  );
  assert.equal(existsSync(zip) ? (await stat(zip)).mtimeMs : null, before);
});

test('with sam: the package first, then sam deploy, whose exit code is the script\'s', async () => {
  const calls = path.join(dir, 'calls.txt');
  await writeFile(
    path.join(dir, 'sam'),
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "SAM CLI, version 1.170.0"; exit 0; fi\necho "$*" >> "${calls}"\nexit 3\n`,
  );
  await chmod(path.join(dir, 'sam'), 0o755);
  const started = Date.now();
  const r = spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH}` } });
  assert.equal(r.status, 3, r.stderr);
  assert.equal(await readFile(calls, 'utf8'), `${samArguments([]).join(' ')}\n`);
  assert.ok((await stat(path.join(ROOT, 'dist', 'lambda.zip'))).mtimeMs >= started - 1000, 'dist/lambda.zip was built');
  assert.match(r.stdout, /^dist\/lambda\.zip: \d+ KB/);
});

test('samArguments: guided until samconfig.toml holds the answers; arguments after -- as given', () => {
  assert.deepEqual(samArguments([], { configured: false }), ['deploy', '--guided']);
  assert.deepEqual(samArguments([], { configured: true }), ['deploy']);
  assert.deepEqual(samArguments(['--guided'], { configured: true }), ['deploy', '--guided']);
  assert.deepEqual(samArguments(['--parameter-overrides', 'MaximumConcurrency=8'], { configured: true }), ['deploy', '--parameter-overrides', 'MaximumConcurrency=8']);
});
