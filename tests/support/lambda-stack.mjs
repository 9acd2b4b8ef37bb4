// What the Lambda handler's tests share: moto's S3 server and the strict Segment server, started
// together before a suite and closed after it, with the process's environment pointed at the S3
// server (the handler's own client finds it the SDK's standard way) and a bucket made.
//
//   const stack = useLambdaStack({ bucket: 'csv-drop', writeKey: WRITE_KEY, seed: 3 });
//   test('...', async () => { await stack.client.send(...); stack.seg.events(); });
import { after, before } from 'node:test';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { startS3Server } from './s3-server.mjs';
import { startSegmentServer } from './segment-server.mjs';

/** An invocation's context with five minutes left, as the tests give the handler. */
export const LAMBDA_CONTEXT = Object.freeze({ getRemainingTimeInMillis: () => 300_000 });

/**
 * Registers the suite's before/after hooks; the returned object holds `s3` (the server), `seg`
 * (the Segment server) and `client` (an S3 client) once the suite's `before` hooks have run.
 * @param {{ bucket: string, writeKey: string, seed: number }} settings
 */
export function useLambdaStack({ bucket, writeKey, seed }) {
  const stack = { s3: null, seg: null, client: null };
  const savedEnv = { ...process.env };
  before(async () => {
    [stack.s3, stack.seg] = await Promise.all([startS3Server(), startSegmentServer({ writeKey, seed })]);
    Object.assign(process.env, stack.s3.env);
    stack.client = stack.s3.client();
    await stack.client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    process.env = savedEnv;
    await Promise.all([stack.seg?.close(), stack.s3?.close()]);
  });
  return stack;
}
