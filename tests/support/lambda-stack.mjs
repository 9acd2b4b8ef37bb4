// What the Lambda handler's tests share: moto's S3 server and the strict Segment server, started
// together before a suite and closed after it, with the process's environment pointed at the S3
// server (the handler's own client finds it the SDK's standard way) and a bucket made; and the
// S3 event records the handler is given, shaped as S3 sends them.
//
//   const stack = useLambdaStack({ bucket: 'csv-drop', writeKey: WRITE_KEY, seed: 3 });
//   test('...', async () => {
//     const record = await stack.put('track_x.csv', csv);
//     await stack.handler({ log })({ Records: [record] }, LAMBDA_CONTEXT);
//     stack.seg.events;
//   });
import { after, before } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHandler } from '../../js/hosts/lambda/index.mjs';
import { startS3Server } from './s3-server.mjs';
import { startSegmentServer } from './segment-server.mjs';

/** An invocation's context with five minutes left, as the tests give the handler. */
export const LAMBDA_CONTEXT = Object.freeze({ getRemainingTimeInMillis: () => 300_000 });

/** A key as S3 puts it in an event: each segment form-encoded (space → +), slashes kept. */
export function s3EventKey(key) {
  return key
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%20/g, '+').replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** S3's sequencers grow with each event of a key: each record here has its own. */
let sequencer = 0x0055aed6dcd90281e5n;

/**
 * One S3 event record, as S3 sends it for an object put (or `eventName`).
 * @param {string} bucket
 * @param {string} key the object's key, as stored (encoded here as S3 encodes it)
 * @param {{ eTag?: string, size?: number, versionId?: string, eventName?: string }} [object]
 */
export function s3Record(bucket, key, { eTag, size = 0, versionId, eventName = 'ObjectCreated:Put' } = {}) {
  sequencer += 1n;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2026-11-27T00:00:00.000Z',
    eventName,
    userIdentity: { principalId: 'AWS:EXAMPLE' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'csv2segment',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: s3EventKey(key), size, eTag, ...(versionId ? { versionId } : {}), sequencer: sequencer.toString(16).toUpperCase().padStart(18, '0') },
    },
  };
}

/**
 * Registers the suite's before/after hooks; the returned object holds `s3` (the server), `seg`
 * (the Segment server) and `client` (an S3 client) once the suite's `before` hooks have run.
 * @param {{ bucket: string, writeKey: string, seed: number }} settings
 */
export function useLambdaStack({ bucket, writeKey, seed }) {
  const stack = {
    s3: null,
    seg: null,
    client: null,
    /**
     * Puts `body` under `key` and gives the event record S3 would send for it.
     * @param {string} key
     * @param {string | Uint8Array} body
     */
    async put(key, body) {
      const res = await stack.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      const versionId = res.VersionId;
      const head = await stack.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
      return s3Record(bucket, key, { eTag: head.ETag.replaceAll('"', ''), size: head.ContentLength, versionId });
    },
    /** @param {string} key */
    async getText(key) {
      return (await stack.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body.transformToString();
    },
    /**
     * The handler, sending to the stand-in with the stack's write key.
     * @param {{ env?: Record<string, string>, log?: (line: string) => void, sender?: object }} [settings]
     */
    handler({ env = {}, log = () => {}, sender } = {}) {
      return createHandler({
        env: { ...process.env, SEGMENT_WRITE_KEY: writeKey, SEGMENT_ENDPOINT: stack.seg.url, SEGMENT_OBJECTS_ENDPOINT: stack.seg.url, ...env },
        log,
        ...(sender ? { sender } : {}),
      });
    },
  };
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
