// The settings table (js/core/settings.mjs) and what it drives or is checked against: config.mjs
// reads every variable through it, the CLI's Environment help and the docs' tables are made from
// it (the committed docs must equal a fresh `npm run docs:settings`), and every variable
// wrangler.toml and template.yaml set is in it for their host, none of them a secret.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import yaml from 'js-yaml';
import { read, readBucketName, readConfig, writeKeySource } from '../../../js/core/config.mjs';
import { HOSTS, SETTINGS, setting, settingsOf } from '../../../js/core/settings.mjs';
import { ENVIRONMENT } from '../../../js/hosts/cli/help.mjs';
import { COMMAND, settingsDocs } from '../../../scripts/docs-settings.mjs';
import { run } from '../../support/run.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const names = (settings) => settings.map((s) => s.name);

/** `env`, recording the name of every variable read from it. */
function recording(env) {
  const seen = new Set();
  const proxy = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') seen.add(key);
      return target[key];
    },
  });
  return { env: proxy, seen };
}

describe('config.mjs reads by the table', () => {
  test('writeKeySource and readConfig read exactly the variables the table has, but those read elsewhere', () => {
    const { env, seen } = recording({ SEGMENT_WRITE_KEY: 'k' });
    writeKeySource(env);
    readConfig(env);
    // BUCKET_NAME: readBucketName (the Worker); INGEST_TOKEN: the Worker's fetch; CSV2SEGMENT_DEBUG:
    // the CLI's main; NODE_OPTIONS: Node.js itself.
    const elsewhere = ['BUCKET_NAME', 'INGEST_TOKEN', 'CSV2SEGMENT_DEBUG', 'NODE_OPTIONS'];
    seen.delete('write_key'); // the seed's name for SEGMENT_WRITE_KEY
    assert.deepEqual([...seen].sort(), names(SETTINGS).filter((n) => !elsewhere.includes(n)).sort());
    const bucket = recording({ BUCKET_NAME: 'csv2segment-uploads' });
    readBucketName(bucket.env);
    assert.deepEqual([...bucket.seen], ['BUCKET_NAME']);
  });

  test('a variable that is not in the table cannot be read', () => {
    assert.throws(() => read({ SEGMENT_WRTIE_KEY: 'k' }, 'SEGMENT_WRTIE_KEY'), { message: 'SEGMENT_WRTIE_KEY is not in the settings table (js/core/settings.mjs)' });
  });

  test("each default the table gives, set as a value, reads back as itself; unset, it is the default", () => {
    const withDefaults = SETTINGS.filter((s) => typeof s.default === 'number' || typeof s.default === 'string' || typeof s.default === 'boolean');
    assert.deepEqual(names(withDefaults), [
      'SEGMENT_REGION', 'REPORT_PREFIX', 'CSV2SEGMENT_REQUIRE_MAPPING', 'SEGMENT_CONCURRENCY', 'SEGMENT_MAX_EVENTS_PER_SECOND',
      'CSV2SEGMENT_PIECES_IN_FLIGHT', 'SEGMENT_MAX_ATTEMPTS', 'SEGMENT_RETRY_BASE_MS', 'SEGMENT_TIMEOUT_MS', 'CSV2SEGMENT_SHARD_BYTES',
      'QUEUE_RETRY_DELAY_SECONDS',
    ]);
    for (const s of withDefaults) {
      assert.equal(read({ [s.name]: String(s.default) }, s.name), s.default, s.name);
      assert.equal(read({}, s.name), s.default, s.name);
    }
  });

  test("readConfig's values are the table's defaults when nothing is set", () => {
    const c = readConfig({ SEGMENT_WRITE_KEY: 'k' });
    const d = (name) => setting(name).default;
    assert.deepEqual(
      [c.reportPrefix, c.concurrency, c.rate.maxEventsPerSecond, c.rate.piecesInFlight, c.sender.retry.maxAttempts, c.sender.retry.baseMs, c.sender.requestTimeoutMs, c.pieces.shardBytes, c.retryDelaySeconds, c.requireMapping],
      ['csv2segment-reports/', 4, 1000, 1, 10, 500, 30000, 268435456, 60, false],
    );
    assert.deepEqual(
      [c.reportPrefix, c.concurrency, c.rate.maxEventsPerSecond, c.rate.piecesInFlight, c.sender.retry.maxAttempts, c.sender.retry.baseMs, c.sender.requestTimeoutMs, c.pieces.shardBytes, c.retryDelaySeconds, c.requireMapping],
      ['REPORT_PREFIX', 'SEGMENT_CONCURRENCY', 'SEGMENT_MAX_EVENTS_PER_SECOND', 'CSV2SEGMENT_PIECES_IN_FLIGHT', 'SEGMENT_MAX_ATTEMPTS', 'SEGMENT_RETRY_BASE_MS', 'SEGMENT_TIMEOUT_MS', 'CSV2SEGMENT_SHARD_BYTES', 'QUEUE_RETRY_DELAY_SECONDS', 'CSV2SEGMENT_REQUIRE_MAPPING'].map(d),
    );
  });
});

describe('made from the table', () => {
  test("the CLI's Environment help lists the table's CLI variables, in its order", () => {
    const listed = ENVIRONMENT.split('\n').flatMap((line) => /^ {2}([A-Z][A-Z0-9_]+)/.exec(line)?.[1] ?? []);
    assert.deepEqual(listed, names(settingsOf('cli')));
    assert.ok(ENVIRONMENT.startsWith('Environment:\n  SEGMENT_WRITE_KEY         the write key of the Segment source the rows go to (send;\n                            --write-key wins)\n'), ENVIRONMENT);
    assert.ok(ENVIRONMENT.split('\n').every((line) => line.length <= 88), ENVIRONMENT);
  });

  test(`the docs' tables are as \`${COMMAND}\` makes them, one for each host`, () => {
    const docs = settingsDocs();
    for (const { file, current, fresh } of docs) {
      assert.ok(current === fresh, `${file} differs from the settings table (js/core/settings.mjs): run \`${COMMAND}\``);
    }
    assert.deepEqual(docs.flatMap((d) => d.hosts).sort(), [...HOSTS].sort());
  });

  test(`\`${COMMAND} -- --check\` says the tables are up to date`, async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    assert.deepEqual(await run(npm, ['run', '--silent', 'docs:settings', '--', '--check'], { cwd: ROOT }), { code: 0, stdout: 'docs:settings: the tables are up to date\n', stderr: '' });
  });
});

describe('the platforms\' config names only variables of the table', () => {
  /**
   * The variables a config sets that are not the host's in the table, or are secrets there.
   * @param {string[]} set
   * @param {import('../../../js/core/settings.mjs').Host} host
   */
  function misplaced(set, host) {
    const ours = new Map(settingsOf(host).map((s) => [s.name, s]));
    return set.flatMap((name) => {
      const s = ours.get(name);
      if (!s) return [`${name}: not in the settings table for ${host} (js/core/settings.mjs)`];
      return s.secret ? [`${name}: a secret, set in plain config`] : [];
    });
  }

  test('wrangler.toml [vars]: the Worker\'s, no secret', async () => {
    const { unstable_readConfig: readWrangler } = await import('wrangler');
    const vars = Object.keys(readWrangler({ config: `${ROOT}wrangler.toml` }).vars);
    assert.ok(vars.includes('BUCKET_NAME'), vars.join(', '));
    assert.deepEqual(misplaced(vars, 'worker'), []);
  });

  test("template.yaml, the function's Environment.Variables: the Lambda's, no secret", () => {
    const template = yaml.load(readFileSync(`${ROOT}template.yaml`, 'utf8'), { schema: CLOUDFORMATION });
    const vars = Object.keys(template.Resources.Function.Properties.Environment.Variables);
    assert.ok(vars.includes('SEGMENT_WRITE_KEY_PARAMETER'), vars.join(', '));
    assert.deepEqual(misplaced(vars, 'lambda'), []);
  });

  test('the check sees a variable that is not the host\'s, and a secret', () => {
    assert.deepEqual(misplaced(['SEGMENT_REGION', 'BUCKET_NAME', 'SEGMENT_WRITE_KEY', 'SEGMENT_REIGON'], 'lambda'), [
      'BUCKET_NAME: not in the settings table for lambda (js/core/settings.mjs)',
      'SEGMENT_WRITE_KEY: a secret, set in plain config',
      'SEGMENT_REIGON: not in the settings table for lambda (js/core/settings.mjs)',
    ]);
  });
});

/** CloudFormation's short-form functions (!Ref, !Sub, ...) as YAML tags, each read as `{ Fn: value }`. */
const CLOUDFORMATION = yaml.DEFAULT_SCHEMA.extend(
  ['Ref', 'Sub', 'GetAtt', 'If', 'Join', 'Equals', 'Not', 'And', 'Or', 'Select', 'Split', 'FindInMap', 'Base64', 'GetAZs', 'ImportValue', 'Condition', 'Cidr'].flatMap((fn) =>
    /** @type {const} */ (['scalar', 'sequence', 'mapping']).map((kind) => new yaml.Type(`!${fn}`, { kind, construct: (data) => ({ [fn]: data }) })),
  ),
);
