// The write key from SSM Parameter Store and Secrets Manager (write-key.mjs), read by AWS's own SDK
// clients from moto's server; and the Lambda handler that reads it once per container, and
// delivers with it to the strict local Segment server. No message or log line holds the key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../../../../js/core/config.mjs';
import { createHandler } from '../../../../js/hosts/lambda/index.mjs';
import { fetchWriteKey } from '../../../../js/hosts/lambda/write-key.mjs';
import { startS3Server } from '../../../support/s3-server.mjs';
import { startSegmentServer } from '../../../support/segment-server.mjs';

const WRITE_KEY = 'wk_param_secret_5e6f7a';
const NOT_SHOWN = 'its value is not shown, as it may be the write key pasted there by mistake';
const BUCKET = 'key-drop';

describe('the write key from AWS', () => {
  let moto;
  let seg;
  let ssm;
  let secrets;
  const savedEnv = { ...process.env };

  before(async () => {
    [moto, seg] = await Promise.all([startS3Server(), startSegmentServer({ writeKey: WRITE_KEY, seed: 9 })]);
    // The module's own clients find moto the SDK's standard way.
    Object.assign(process.env, moto.env, { AWS_ENDPOINT_URL_SSM: moto.endpoint, AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint });
    const options = { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials };
    ssm = new SSMClient(options);
    secrets = new SecretsManagerClient(options);
    const put = (Name, Value, Type = 'SecureString') => ssm.send(new PutParameterCommand({ Name, Value, Type, Overwrite: true }));
    await put('/csv2segment/key', ` ${WRITE_KEY}\n`);
    await put('/csv2segment/plain', WRITE_KEY, 'String');
    await put('/csv2segment/rotating', WRITE_KEY);
    const secret = (Name, SecretString) => secrets.send(new CreateSecretCommand({ Name, SecretString }));
    await secret('csv2segment/plain', WRITE_KEY);
    await secret('csv2segment/json', JSON.stringify({ SEGMENT_WRITE_KEY: WRITE_KEY, other: 'x' }));
    await secret('csv2segment/json-without', JSON.stringify({ writeKey: WRITE_KEY }));
    await secret('csv2segment/broken', `{"SEGMENT_WRITE_KEY": "${WRITE_KEY}"`);
    await moto.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(async () => {
    process.env = savedEnv;
    ssm?.destroy();
    secrets?.destroy();
    await Promise.all([seg?.close(), moto?.close()]);
  });

  /** fetchWriteKey's ConfigError message for `env`, checked to hold no key. */
  async function refusal(env) {
    const err = await fetchWriteKey(env).then(() => null, (e) => e);
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    assert.ok(!err.message.includes(WRITE_KEY));
    return err.message;
  }

  test('an SSM SecureString parameter, trimmed; a secret as text or as {"SEGMENT_WRITE_KEY": ...}', async () => {
    assert.equal(await fetchWriteKey({ SEGMENT_WRITE_KEY_PARAMETER: '/csv2segment/key' }), WRITE_KEY);
    assert.equal(await fetchWriteKey({ SEGMENT_WRITE_KEY_SECRET: 'csv2segment/plain' }), WRITE_KEY);
    assert.equal(await fetchWriteKey({ SEGMENT_WRITE_KEY_SECRET: 'csv2segment/json' }), WRITE_KEY);
    assert.equal(await fetchWriteKey({ SEGMENT_WRITE_KEY: 'local' }), undefined);
    assert.equal(await fetchWriteKey({}), undefined);
  });

  test('every refusal names the variable, the parameter or secret, and the fix', async () => {
    assert.equal(
      await refusal({ SEGMENT_WRITE_KEY_PARAMETER: '/csv2segment/missing' }),
      `SEGMENT_WRITE_KEY_PARAMETER names an SSM parameter that does not exist in this account and region (${NOT_SHOWN}): it holds a parameter's name, such as /csv2segment/segment-write-key, or its ARN; create that parameter with \`aws ssm put-parameter --name /csv2segment/segment-write-key --type SecureString --value <write key>\``,
    );
    assert.equal(
      await refusal({ SEGMENT_WRITE_KEY_PARAMETER: '/csv2segment/plain' }),
      'SEGMENT_WRITE_KEY_PARAMETER names an SSM parameter that is a String parameter: store the write key encrypted, as a SecureString (`aws ssm put-parameter --name <its name> --type SecureString --overwrite --value <write key>`)',
    );
    assert.equal(
      await refusal({ SEGMENT_WRITE_KEY_SECRET: 'csv2segment/missing' }),
      `SEGMENT_WRITE_KEY_SECRET names a secret that does not exist in this account and region (${NOT_SHOWN}): it holds a secret's name, such as csv2segment/segment-write-key, or its ARN; create that secret with \`aws secretsmanager create-secret --name csv2segment/segment-write-key --secret-string <write key>\``,
    );
    assert.equal(
      await refusal({ SEGMENT_WRITE_KEY_SECRET: 'csv2segment/json-without' }),
      'SEGMENT_WRITE_KEY_SECRET names a secret that is a key/value secret without a SEGMENT_WRITE_KEY key: add one whose value is the write key',
    );
    // JSON.parse's own message would quote the secret's text.
    assert.equal(
      await refusal({ SEGMENT_WRITE_KEY_SECRET: 'csv2segment/broken' }),
      'SEGMENT_WRITE_KEY_SECRET names a secret that starts with { but is not JSON: store the write key alone, or as {"SEGMENT_WRITE_KEY": "<write key>"}',
    );
    assert.equal(
      await refusal({ SEGMENT_WRITE_KEY_PARAMETER: '/a', SEGMENT_WRITE_KEY_SECRET: 'b' }),
      'SEGMENT_WRITE_KEY_PARAMETER and SEGMENT_WRITE_KEY_SECRET are both set: set only one, so that it is clear which write key is used',
    );
  });

  test('a write key pasted where the name of its parameter or secret goes is never echoed (issue 22, item 8)', async () => {
    // A write key is a valid-looking name: SSM and Secrets Manager look for it, and find none.
    const message = await refusal({ SEGMENT_WRITE_KEY_PARAMETER: WRITE_KEY });
    assert.ok(message.startsWith('SEGMENT_WRITE_KEY_PARAMETER names an SSM parameter that does not exist'), message);
    assert.match(message, /such as \/csv2segment\/segment-write-key, or its ARN/);
    assert.ok(!(await refusal({ SEGMENT_WRITE_KEY_SECRET: WRITE_KEY })).includes(WRITE_KEY));
    // AWS's own answer names the resource (an ARN ending in the name): that part is replaced.
    const denied = (name) => ({
      send: async () => {
        throw Object.assign(new Error(`User: arn:aws:sts::123456789012:assumed-role/csv2segment/fn is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:123456789012:parameter/${name} because no identity-based policy allows the ssm:GetParameter action`), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
      },
    });
    const err = await fetchWriteKey({ SEGMENT_WRITE_KEY_PARAMETER: WRITE_KEY }, { ssm: /** @type {any} */ (denied(WRITE_KEY)) }).then(() => null, (e) => e);
    assert.equal(
      err?.message,
      "SEGMENT_WRITE_KEY_PARAMETER names an SSM parameter that could not be read (AccessDeniedException (HTTP 400): User: arn:aws:sts::123456789012:assumed-role/csv2segment/fn is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:123456789012:parameter/<SEGMENT_WRITE_KEY_PARAMETER> because no identity-based policy allows the ssm:GetParameter action): the function's role needs ssm:GetParameter on it, and kms:Decrypt if its key is not aws/ssm",
    );
    // And through the handler, whose failed invocations log the error every time.
    const logs = [];
    const handler = createHandler({ env: { ...process.env, SEGMENT_WRITE_KEY_PARAMETER: WRITE_KEY, SEGMENT_ENDPOINT: seg.url }, log: (line) => logs.push(line) });
    const thrown = await handler({ Records: [] }, {}).then(() => null, (e) => e);
    assert.ok(thrown instanceof ConfigError);
    assert.ok(!thrown.message.includes(WRITE_KEY) && !String(thrown.stack).includes(WRITE_KEY), thrown.message);
    for (const line of logs) assert.ok(!line.includes(WRITE_KEY), line);
  });

  test('the handler reads the key once per container, and tries again after a failed read', async () => {
    const logs = [];
    const handlerFor = (name) =>
      createHandler({
        env: { ...process.env, SEGMENT_WRITE_KEY_PARAMETER: name, SEGMENT_ENDPOINT: seg.url, SEGMENT_MAX_ATTEMPTS: '1' },
        log: (line) => logs.push(line),
      });
    let n = 0;
    async function upload() {
      const key = `in/track_${(n += 1)}.csv`;
      const s3 = moto.client();
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'userId,event\n1,Signed Up\n' }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      s3.destroy();
      return { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object: { key, eTag: head.ETag.replaceAll('"', '') } } }] };
    }
    const context = { getRemainingTimeInMillis: () => 60_000 };

    const container = handlerFor('/csv2segment/rotating');
    assert.deepEqual(await container(await upload(), context), { processed: 1 });
    // The parameter changes: this container keeps the key it read; a new one reads the new value.
    await ssm.send(new PutParameterCommand({ Name: '/csv2segment/rotating', Value: 'wk_not_the_key', Type: 'SecureString', Overwrite: true }));
    assert.deepEqual(await container(await upload(), context), { processed: 1 });
    assert.equal(seg.events.length, 2);
    await assert.rejects(handlerFor('/csv2segment/rotating')(await upload(), context), /not fully delivered/);
    assert.equal(seg.events.length, 2);
    // That failed attempt's line carries its metric, for the template's FailedFiles alarm.
    const failed = logs.map((l) => JSON.parse(l)).find((l) => l.key === 'in/track_3.csv' && l.status === 'failed');
    assert.deepEqual([failed.FunctionName, failed.FailedFiles, failed.Files, failed.Requests, failed._aws.CloudWatchMetrics[0].Namespace], ['csv2segment', 1, 0, 1, 'csv2segment']);

    // No parameter yet: the invocation fails, and the next one, once it exists, reads it.
    const early = handlerFor('/csv2segment/later');
    await assert.rejects(early(await upload(), context), (err) => err instanceof ConfigError && err.message.startsWith('SEGMENT_WRITE_KEY_PARAMETER names an SSM parameter that does not exist'));
    await ssm.send(new PutParameterCommand({ Name: '/csv2segment/later', Value: WRITE_KEY, Type: 'SecureString' }));
    assert.deepEqual(await early(await upload(), context), { processed: 1 });
    assert.equal(seg.events.length, 3);
    assert.ok(logs.length > 0);
    for (const line of logs) assert.ok(!line.includes(WRITE_KEY), line);
  });
});
