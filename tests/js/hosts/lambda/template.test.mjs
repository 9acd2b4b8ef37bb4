// template.yaml, the AWS SAM template: linted with cfn-lint, translated with AWS's SAM translator
// and deployed into moto's CloudFormation (tests/support/sam_stack.py), its resources, role and
// notification checked against what moto made, then an S3 upload run through the deployed
// package (dist/lambda.zip, in a process of its own) with the function's environment from the
// stack: the write key from the stack's SSM parameter, the log line with its metrics.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { GetBucketNotificationConfigurationCommand, GetObjectCommand, HeadObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { unzipSync } from 'fflate';
import { generateTrackCsv } from '../../../../bench/generate.mjs';
import { METRICS, NAMESPACE } from '../../../../js/core/metrics.mjs';
import { ROOT } from '../../../../scripts/lib/proc.mjs';
import { packageLambda } from '../../../../scripts/package-lambda.mjs';
import { venvBin } from '../../../../scripts/setup.mjs';
import { startS3Server } from '../../../support/s3-server.mjs';
import { startSegmentServer } from '../../../support/segment-server.mjs';

const run = promisify(execFile);
const WRITE_KEY = 'wk_stack_secret_77c1e0';
const STACK = 'csv2segment-test';
const BUCKET = 'csv2segment-test-uploads';
// Not the defaults, so that each is seen to reach the resources it sets.
const PARAMETERS = { BucketName: BUCKET, UploadPrefix: 'drop/', MaximumConcurrency: '6', MaxEventsPerSecond: '6000', LogRetentionDays: '14', WriteKeyParameterName: '/test/segment-write-key' };
const SUFFIXES = ['.csv', '.tsv', '.txt', '.csv.gz', '.tsv.gz', '.txt.gz'];

test('cfn-lint finds nothing in template.yaml', () => {
  const r = spawnSync(venvBin('cfn-lint'), ['--', 'template.yaml'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.error, undefined);
  assert.equal(`${r.stdout}${r.stderr}`, '');
  assert.equal(r.status, 0);
});

describe('template.yaml deployed into moto', () => {
  let moto;
  let seg;
  let s3;
  let dir;
  /** The translated template, and the stack as moto made it (sam_stack.py). */
  let template;
  let stack;

  before(async () => {
    [moto, seg] = await Promise.all([startS3Server(), startSegmentServer({ writeKey: WRITE_KEY, seed: 5 })]);
    s3 = moto.client();
    const zip = await packageLambda({ quiet: true });
    // As `sam deploy` does: the package in a bucket, and the template's CodeUri pointing at it.
    await s3.send(new CreateBucketCommand({ Bucket: 'sam-artifacts' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sam-artifacts', Key: 'lambda.zip', Body: await readFile(zip) }));
    // As docs/aws.md asks before the first deploy: the key in SSM, encrypted.
    const ssm = new SSMClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    await ssm.send(new PutParameterCommand({ Name: PARAMETERS.WriteKeyParameterName, Type: 'SecureString', Value: WRITE_KEY }));
    ssm.destroy();

    const request = { endpoint: moto.endpoint, stackName: STACK, template: 'template.yaml', parameters: PARAMETERS, codeBucket: 'sam-artifacts', codeKey: 'lambda.zip', deploy: true };
    const child = spawn(venvBin('python'), [path.join(ROOT, 'tests', 'support', 'sam_stack.py')], { cwd: ROOT });
    child.stdin.end(JSON.stringify(request));
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    const errors = [];
    child.stderr.on('data', (c) => errors.push(c));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, `sam_stack.py failed:\n${Buffer.concat(errors).toString()}`);
    ({ template, stack } = JSON.parse(Buffer.concat(chunks).toString()));
    dir = await mkdtemp(path.join(tmpdir(), 'csv2segment-stack-'));
  });
  after(async () => {
    s3?.destroy();
    await Promise.all([seg?.close(), moto?.close(), dir && rm(dir, { recursive: true, force: true })]);
  });

  const physical = (logicalId) => stack.resources.find((r) => r.logicalId === logicalId)?.physicalId;
  const queueArn = (logicalId) => stack.queues[logicalId].QueueArn;

  test('the resources: SAM translated, moto created all but the two it has no model of', () => {
    const types = Object.fromEntries(Object.entries(template.Resources).map(([id, r]) => [id, r.Type]));
    assert.deepEqual(types, {
      UploadBucket: 'AWS::S3::Bucket',
      S3InvokePermission: 'AWS::Lambda::Permission',
      Function: 'AWS::Lambda::Function',
      FunctionPieces: 'AWS::Lambda::EventSourceMapping',
      FunctionEventInvokeConfig: 'AWS::Lambda::EventInvokeConfig',
      LogGroup: 'AWS::Logs::LogGroup',
      FunctionRole: 'AWS::IAM::Role',
      PiecesQueue: 'AWS::SQS::Queue',
      PiecesDeadLetterQueue: 'AWS::SQS::Queue',
      FailedFilesQueue: 'AWS::SQS::Queue',
      FailedFilesAlarm: 'AWS::CloudWatch::Alarm',
      StoppedWorkAlarm: 'AWS::CloudWatch::Alarm',
    });
    assert.equal(stack.status, 'CREATE_COMPLETE');
    // moto 5.2.5's CloudFormation has no AWS::CloudWatch::Alarm or AWS::Lambda::EventInvokeConfig:
    // those are checked in the translated template below.
    const skipped = new Set(['FailedFilesAlarm', 'StoppedWorkAlarm', 'FunctionEventInvokeConfig']);
    assert.deepEqual(
      stack.resources.map((r) => [r.logicalId, r.type]),
      Object.entries(types).filter(([id]) => !skipped.has(id)).sort(([a], [b]) => a.localeCompare(b)),
    );
    assert.equal(physical('UploadBucket'), BUCKET);
    assert.equal(physical('Function'), STACK);
    assert.equal(physical('LogGroup'), `/aws/lambda/${STACK}`);
  });

  test('the function: Node.js 22 on arm64, the package, and its environment without the key', () => {
    const fn = stack.function;
    assert.deepEqual([fn.FunctionName, fn.Runtime, fn.Handler, fn.MemorySize, fn.Timeout, fn.Role], [STACK, 'nodejs22.x', 'js/hosts/lambda/index.handler', 512, 900, stack.role.arn]);
    // moto keeps no architecture: the template's.
    assert.deepEqual(template.Resources.Function.Properties.Architectures, ['arm64']);
    assert.deepEqual(template.Resources.Function.Properties.Code, { S3Bucket: 'sam-artifacts', S3Key: 'lambda.zip' });
    const vars = Object.fromEntries(Object.entries(fn.Environment.Variables).map(([k, v]) => [k, String(v)]));
    assert.deepEqual(vars, {
      SEGMENT_WRITE_KEY_PARAMETER: '/test/segment-write-key',
      SEGMENT_REGION: 'us',
      REPORT_PREFIX: 'csv2segment-reports/',
      CSV2SEGMENT_QUEUE_URL: physical('PiecesQueue'),
      CSV2SEGMENT_BUCKETS: BUCKET,
      CSV2SEGMENT_PIECES_IN_FLIGHT: '6',
      SEGMENT_MAX_EVENTS_PER_SECOND: '6000',
      CSV2SEGMENT_REQUIRE_MAPPING: 'false',
      NODE_OPTIONS: '--max-semi-space-size=1',
    });
    assert.ok(!JSON.stringify({ template, stack }).includes(WRITE_KEY));
    assert.deepEqual(stack.logGroups, [{ name: `/aws/lambda/${STACK}`, retentionInDays: 14 }]);
  });

  test('pieces: a queue with a dead-letter queue, one piece per invocation, partial failures, 6 at once', () => {
    const [esm] = stack.eventSourceMappings;
    assert.equal(stack.eventSourceMappings.length, 1);
    assert.deepEqual(
      [esm.EventSourceArn, esm.FunctionArn, esm.BatchSize, esm.FunctionResponseTypes, esm.ScalingConfig, esm.State],
      [queueArn('PiecesQueue'), stack.function.FunctionArn, 1, ['ReportBatchItemFailures'], { MaximumConcurrency: 6 }, 'Enabled'],
    );
    const pieces = stack.queues.PiecesQueue;
    assert.equal(pieces.VisibilityTimeout, '960');
    assert.deepEqual(JSON.parse(pieces.RedrivePolicy), { deadLetterTargetArn: queueArn('PiecesDeadLetterQueue'), maxReceiveCount: 5 });
    assert.equal(stack.queues.PiecesDeadLetterQueue.MessageRetentionPeriod, '1209600');
    // S3's async invocations: two retries, then the event goes to FailedFilesQueue.
    assert.deepEqual(template.Resources.FunctionEventInvokeConfig.Properties, {
      FunctionName: { Ref: 'Function' },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailedFilesQueue', 'Arn'] } } },
    });
  });

  test("the role: exactly the function's own actions, each on its own resources", () => {
    assert.deepEqual(stack.role.assumeRolePolicy, {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    assert.deepEqual(stack.role.attached, []);
    assert.deepEqual(Object.keys(stack.role.policies), ['csv2segment']);
    assert.deepEqual(stack.role.policies.csv2segment, {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Log', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/${STACK}:*` },
        { Sid: 'ReadUploads', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `arn:aws:s3:::${BUCKET}/drop/*` },
        { Sid: 'WriteReports', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `arn:aws:s3:::${BUCKET}/csv2segment-reports/*` },
        // Mappings above the upload prefix; and the listing that makes a missing one 404, not 403.
        { Sid: 'ReadMappings', Effect: 'Allow', Action: 's3:GetObject', Resource: [`arn:aws:s3:::${BUCKET}/csv2segment.json`, `arn:aws:s3:::${BUCKET}/*/csv2segment.json`] },
        { Sid: 'ListBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` },
        { Sid: 'Pieces', Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: queueArn('PiecesQueue') },
        { Sid: 'KeepFailedEvents', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn('FailedFilesQueue') },
        { Sid: 'ReadWriteKey', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: 'arn:aws:ssm:us-east-1:123456789012:parameter/test/segment-write-key' },
      ],
    });
  });

  test('the notification: new objects under the prefix with each accepted suffix invoke the function, and only from this bucket', async () => {
    const rules = (prefix) => SUFFIXES.map((suffix) => [prefix, suffix]);
    // CloudFormation sets it on the bucket it creates (moto 5.2.5 does not: the template says it).
    const configs = template.Resources.UploadBucket.Properties.NotificationConfiguration.LambdaConfigurations;
    assert.deepEqual(new Set(configs.map((c) => `${c.Event} ${JSON.stringify(c.Function)}`)), new Set(['s3:ObjectCreated:* {"Fn::GetAtt":["Function","Arn"]}']));
    assert.deepEqual(
      configs.map((c) => c.Filter.S3Key.Rules.map((r) => [r.Name, r.Value.Ref ?? r.Value])),
      rules('UploadPrefix').map(([p, s]) => [['prefix', p], ['suffix', s]]),
    );
    assert.deepEqual(template.Resources.UploadBucket.DependsOn, 'S3InvokePermission');

    // For a bucket that exists already, the stack's output is the configuration to apply: S3
    // takes it, and it holds the same rules with the prefix and the function filled in. (Applied
    // to a bucket nothing is put in: moto would try to run the function in Docker.)
    const applied = JSON.parse(stack.outputs.NotificationConfiguration);
    await s3.send(new CreateBucketCommand({ Bucket: 'an-existing-bucket' }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'an-existing-bucket', NotificationConfiguration: applied }));
    const read = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'an-existing-bucket' }));
    assert.deepEqual(
      read.LambdaFunctionConfigurations.map((c) => [c.LambdaFunctionArn, c.Events, c.Filter.Key.FilterRules.map((r) => [r.Name.toLowerCase(), r.Value])]),
      rules('drop/').map(([p, s]) => [stack.function.FunctionArn, ['s3:ObjectCreated:*'], [['prefix', p], ['suffix', s]]]),
    );

    const [grant] = stack.permissionPolicy.Statement;
    assert.equal(stack.permissionPolicy.Statement.length, 1);
    assert.deepEqual(
      [grant.Effect, grant.Action, grant.Principal, grant.Resource, grant.Condition],
      ['Allow', 'lambda:InvokeFunction', { Service: 's3.amazonaws.com' }, stack.function.FunctionArn, { ArnLike: { 'AWS:SourceArn': `arn:aws:s3:::${BUCKET}` }, StringEquals: { 'AWS:SourceAccount': '123456789012' } }],
    );
  });

  test("the alarms: failed files from the log lines' metrics, and work that stopped retrying", () => {
    const failed = template.Resources.FailedFilesAlarm.Properties;
    assert.deepEqual(
      [failed.Namespace, failed.MetricName, failed.Dimensions, failed.Statistic, failed.Threshold, failed.ComparisonOperator, failed.TreatMissingData],
      [NAMESPACE, 'FailedFiles', [{ Name: 'FunctionName', Value: { Ref: 'AWS::StackName' } }], 'Sum', 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
    );
    assert.ok(METRICS.some(([name]) => name === failed.MetricName), 'the alarm watches a metric the log lines carry');
    const stopped = template.Resources.StoppedWorkAlarm.Properties;
    assert.deepEqual(
      stopped.Metrics.filter((m) => m.MetricStat).map((m) => [m.MetricStat.Metric.MetricName, m.MetricStat.Metric.Dimensions[0].Value]),
      [['ApproximateNumberOfMessagesVisible', { 'Fn::GetAtt': ['FailedFilesQueue', 'QueueName'] }], ['ApproximateNumberOfMessagesVisible', { 'Fn::GetAtt': ['PiecesDeadLetterQueue', 'QueueName'] }]],
    );
  });

  /** The deployed package, unzipped as Lambda does, once. */
  let unzipped;
  async function unzipPackage() {
    unzipped ??= (async () => {
      const zip = unzipSync(new Uint8Array(await readFile(path.join(ROOT, 'dist', 'lambda.zip'))));
      for (const [name, bytes] of Object.entries(zip)) {
        await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await writeFile(path.join(dir, name), bytes);
      }
    })();
    return unzipped;
  }

  /**
   * One container of the deployed function: a process of its own that imports the package's
   * handler and runs `events` one after another, with the function's environment as the stack
   * set it (plus what Lambda sets, where AWS is, and `extra`). Resolves to its log lines and
   * results; the write key is in neither its output nor its errors.
   */
  async function container(events, extra = {}) {
    await unzipPackage();
    const env = {
      ...Object.fromEntries(Object.entries(stack.function.Environment.Variables).map(([k, v]) => [k, String(v)])),
      PATH: process.env.PATH,
      AWS_LAMBDA_FUNCTION_NAME: stack.function.FunctionName,
      AWS_REGION: moto.region,
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Segment itself is the one part that is not AWS's.
      SEGMENT_ENDPOINT: seg.url,
      ...extra,
    };
    const script = `
      const { handler } = await import(process.argv[1]);
      for (const event of JSON.parse(process.argv[2])) {
        const result = await handler(event, { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, getRemainingTimeInMillis: () => 60000 });
        process.stdout.write(JSON.stringify({ result }) + '\\n');
      }`;
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(path.join(dir, 'js', 'hosts', 'lambda', 'index.mjs')).href, JSON.stringify(events)], { env, cwd: dir });
    assert.ok(!`${stdout}${stderr}`.includes(WRITE_KEY), 'the write key is in the output');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    return { lines: lines.filter((l) => !('result' in l)), results: lines.filter((l) => 'result' in l).map((l) => l.result) };
  }

  /** Puts `body` at `key` in the stack's bucket; the S3 event its notification sends. */
  async function upload(key, body) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return {
      Records: [{
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` }, object: { key, size: head.ContentLength, eTag: head.ETag.replaceAll('"', '') } },
      }],
    };
  }
  const reportOf = async (key) => JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `csv2segment-reports/${key}.report.json` }))).Body.transformToString());

  test("an upload runs through the deployed package with the stack's settings: the key from SSM, metrics in the log line", async () => {
    seg.reset();
    const key = 'drop/track_1.csv';
    const { lines, results } = await container([await upload(key, await readFile(path.join(ROOT, 'samples', 'track_1.csv')))]);
    assert.deepEqual(results, [{ processed: 1 }]);

    assert.deepEqual(seg.events.map((e) => [e.type, e.userId, e.event]), [1, 2, 3, 4].map((n) => ['track', String(n), 'test event']));
    const report = await reportOf(key);
    assert.deepEqual([report.status, report.rows, report.delivery.events], ['done', 4, 4]);

    const done = lines.filter((l) => l.status === 'done');
    assert.equal(done.length, 1);
    const [line] = done;
    assert.deepEqual(line._aws.CloudWatchMetrics, [{ Namespace: 'csv2segment', Dimensions: [['FunctionName']], Metrics: METRICS.map(([Name, Unit]) => ({ Name, Unit })) }]);
    assert.equal(line.FunctionName, STACK);
    const { Seconds, PacedSeconds, ...counts } = Object.fromEntries(METRICS.map(([name]) => [name, line[name]]));
    assert.deepEqual(counts, { Files: 1, FailedFiles: 0, UnprocessableFiles: 0, Rows: 4, Events: 4, Rejected: 0, Delivered: 4, FailedEvents: 0, Requests: 1, Throttled: 0 });
    assert.equal(Seconds, line.ms / 1000);
    // The stack's budget (MaxEventsPerSecond) paces the run: the line says the budget and the time held back.
    assert.equal(line.maxEventsPerSecond, 6000);
    assert.equal(PacedSeconds, line.pacedMs / 1000);
  });

  test("a file in shards: its pieces go through the stack's queue and come back as the event source mapping sends them", async () => {
    seg.reset();
    const rows = 3000;
    const body = generateTrackCsv(rows);
    const key = 'drop/track_shards.csv';
    // moto's CloudFormation names its queues with AWS's host; the same queue on moto's own host.
    const queueUrl = physical('PiecesQueue').replace(/^https:\/\/[^/]+/, moto.endpoint);
    const shardBytes = Math.ceil(Buffer.byteLength(body) / 3);
    const extra = { CSV2SEGMENT_QUEUE_URL: queueUrl, CSV2SEGMENT_SHARD_BYTES: String(shardBytes) };

    const first = await container([await upload(key, body)], extra);
    assert.deepEqual(first.results, [{ processed: 1 }]);
    const [sharded] = first.lines.filter((l) => l.status === 'sharded');
    assert.equal(sharded.shards, 3);

    const sqs = new SQSClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    const messages = [];
    while (messages.length < sharded.shards) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      assert.ok((got.Messages ?? []).length > 0, `the queue holds ${messages.length} of ${sharded.shards} pieces`);
      messages.push(...got.Messages);
    }
    // One message per invocation (BatchSize 1), in the shape Lambda's SQS poller gives it.
    const events = messages.map((m) => ({
      Records: [{ messageId: m.MessageId, receiptHandle: m.ReceiptHandle, body: m.Body, attributes: {}, messageAttributes: {}, md5OfBody: m.MD5OfBody, eventSource: 'aws:sqs', eventSourceARN: queueArn('PiecesQueue'), awsRegion: moto.region }],
    }));
    const second = await container(events, extra);
    assert.deepEqual(second.results, events.map(() => ({ batchItemFailures: [] })));
    for (const m of messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    sqs.destroy();

    assert.equal(seg.events.length, rows);
    assert.equal(seg.stats().uniqueMessageIds, rows);
    const report = await reportOf(key);
    assert.deepEqual([report.status, report.rows, report.pieces, report.delivery.events], ['done', rows, 3, rows]);
    const done = second.lines.filter((l) => l.status === 'done');
    assert.deepEqual(done.map((l) => [l.Files, l.Rows, l.Delivered, l.FunctionName]), [[1, rows, rows, STACK]]);
  });
});
