// dist/lambda.zip as Lambda runs it: unzipped alone (no node_modules), its handler imported
// and invoked on an S3 event against moto's S3 server and the local Segment server.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { unzipSync } from 'fflate';
import { packageLambda } from '../../../../scripts/package-lambda.mjs';
import { startS3Server } from '../../../support/s3-server.mjs';
import { startSegmentServer } from '../../../support/segment-server.mjs';

const WRITE_KEY = 'wk_zip_secret';
let s3;
let seg;
let dir;
const savedEnv = { ...process.env };

before(async () => {
  [s3, seg] = await Promise.all([startS3Server(), startSegmentServer({ writeKey: WRITE_KEY })]);
  dir = await mkdtemp(path.join(tmpdir(), 'csv2segment-lambda-'));
});
after(async () => {
  process.env = savedEnv;
  await Promise.all([seg?.close(), s3?.close(), dir && rm(dir, { recursive: true, force: true })]);
});

test('the zip holds the bundled handler and the wasm, and runs on its own', async () => {
  const zip = unzipSync(new Uint8Array(await readFile(await packageLambda({ quiet: true }))));
  assert.deepEqual(Object.keys(zip).sort(), ['js/hosts/lambda/index.mjs', 'package.json', 'pkg/csv2segment_bg.wasm']);
  for (const [name, bytes] of Object.entries(zip)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), bytes);
  }

  const client = s3.client();
  await client.send(new CreateBucketCommand({ Bucket: 'zip-test' }));
  const body = await readFile(new URL('../../../../samples/track_1.csv', import.meta.url));
  await client.send(new PutObjectCommand({ Bucket: 'zip-test', Key: 'in/track_1.csv', Body: body }));
  const head = await client.send(new HeadObjectCommand({ Bucket: 'zip-test', Key: 'in/track_1.csv' }));

  // Configured as a deployed function is: only through its environment.
  Object.assign(process.env, s3.env, { SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_ENDPOINT: seg.url });
  const { handler } = await import(pathToFileURL(path.join(dir, 'js', 'hosts', 'lambda', 'index.mjs')).href);
  const event = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'zip-test' }, object: { key: 'in/track_1.csv', eTag: head.ETag.replaceAll('"', '') } } }] };
  const result = await handler(event, { getRemainingTimeInMillis: () => 60_000 });
  assert.deepEqual(result, { processed: 1 });
  assert.deepEqual(seg.events.map((e) => [e.type, e.userId, e.event]), [
    ['track', '1', 'test event'],
    ['track', '2', 'test event'],
    ['track', '3', 'test event'],
    ['track', '4', 'test event'],
  ]);
});
