#!/usr/bin/env node
// `npm run deploy:aws`: the Lambda deployment package (npm run package:lambda), then the AWS SAM
// CLI deploys template.yaml with it: `sam deploy --guided` the first time, which asks for the
// stack's name, region and parameters and saves the answers to samconfig.toml; `sam deploy` with
// those answers after that. Arguments after `--` go to sam (`npm run deploy:aws -- --guided`).
//
// Node builtins and the set-up script only before packaging: this may be a clone's first command.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, StepError, capture, formatCommand, isMain, run, runMain } from './lib/proc.mjs';
import { packageLambda } from './package-lambda.mjs';

const INSTALL_SAM =
  'install it (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html, ' +
  'or `pip install aws-sam-cli`), sign in to AWS (`aws configure` or `aws sso login`), then run `npm run deploy:aws` again';

/**
 * `sam deploy --guided` until samconfig.toml holds the answers; the caller's own arguments as given.
 * @param {string[]} extra
 * @param {{ configured?: boolean }} [state]
 */
export function samArguments(extra, { configured = existsSync(path.join(ROOT, 'samconfig.toml')) } = {}) {
  if (extra.length > 0) return ['deploy', ...extra];
  return configured ? ['deploy'] : ['deploy', '--guided'];
}

async function main() {
  // Before the package is built: a missing CLI is the most likely first failure.
  const version = capture('sam', ['--version']);
  if (version.missing) throw new StepError(`the AWS SAM CLI (\`sam\`) is not in PATH: ${INSTALL_SAM}`);
  if (!version.ok) throw new StepError(`\`sam --version\` failed (${(version.stderr || version.stdout).trim().split('\n').pop()}): reinstall the AWS SAM CLI`);
  await packageLambda();
  const args = samArguments(process.argv.slice(2));
  console.error(`deploy:aws: ${formatCommand('sam', args)} (${version.stdout.trim()}); the write key goes in SSM first, see template.yaml`);
  return run('sam', args);
}

if (isMain(import.meta.url)) runMain('deploy:aws', main);
