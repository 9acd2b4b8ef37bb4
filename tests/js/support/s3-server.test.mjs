// moto's S3 server (tests/support/s3-server.mjs) with the real @aws-sdk/client-s3:
// what the Lambda handler relies on when it reads an uploaded CSV. S3 event
// notifications (URL-encoded keys, unquoted eTags in the event) are the handler's tests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startS3Server } from '../../support/s3-server.mjs';

const BUCKET = 'csv2segment-uploads';
// Spaces, '+' and non-ASCII: what S3 event notifications URL-encode (and '+' for space).
const KEY = 'uploads/track 2024+q1 é.csv';
const CSV = Buffer.from('userId,event,name\n1,test event,Zoë Ørsted\n2,signed up,José Núñez\n');
const md5Etag = (bytes) => `"${createHash('md5').update(bytes).digest('hex')}"`;

/** Reads a GetObject Body the way a streaming handler does: as an async iterable of chunks. */
async function readStream(body) {
  assert.equal(typeof body?.[Symbol.asyncIterator], 'function', 'Body is a Node stream');
  const chunks = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Rejects like the SDK does for an S3 error; returns the error. */
async function s3Error(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the S3 call to fail');
}

/** Records host, port and path of every request `client` sends. */
function recordRequests(client) {
  const seen = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const { hostname, port, path } = args.request;
      seen.push({ hostname, port, path });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequests' },
  );
  return seen;
}

/** Sets (or, for undefined, unsets) environment variables for the duration of `fn`. */
async function withEnv(vars, fn) {
  const apply = (values) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

describe("moto's S3 server", { timeout: 30_000 }, () => {
  let server;
  let client;
  let etag;

  before(async () => {
    server = await startS3Server();
    client = server.client();
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  after(async () => {
    client?.destroy();
    await server?.close();
  });

  test('describes itself: a loopback endpoint, test credentials, env for a handler', () => {
    assert.match(server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.endpoint, `http://127.0.0.1:${server.port}`);
    assert.equal(server.region, 'us-east-1');
    assert.deepEqual(server.credentials, { accessKeyId: 'testing', secretAccessKey: 'testing' });
    assert.deepEqual(server.env, {
      AWS_ENDPOINT_URL_S3: server.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    });
  });

  test('a key with spaces, + and non-ASCII round-trips, the body as a stream', async () => {
    const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: CSV, ContentType: 'text/csv' }));
    etag = put.ETag;
    assert.equal(etag, md5Etag(CSV));

    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'uploads/' }));
    assert.deepEqual(
      listed.Contents.map((o) => [o.Key, o.Size, o.ETag]),
      [[KEY, CSV.length, etag]],
    );

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
    assert.equal(got.$metadata.httpStatusCode, 200);
    assert.equal(got.ContentLength, CSV.length);
    assert.equal(got.ContentType, 'text/csv');
    assert.equal(got.ETag, etag);
    assert.deepEqual(await readStream(got.Body), CSV);

    // The neighbours a sloppy encoder would produce are different keys, and do not exist.
    for (const wrong of ['uploads/track 2024 q1 é.csv', 'uploads/track+2024+q1+é.csv', 'uploads/track 2024+q1 e\u0301.csv']) {
      const err = await s3Error(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: wrong })));
      assert.equal(err.$metadata?.httpStatusCode, 404, wrong);
    }
  });

  test("HeadObject's ETag is the quoted MD5 PutObject returned", async () => {
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
    assert.equal(head.ETag, etag);
    assert.match(head.ETag, /^"[0-9a-f]{32}"$/);
    assert.equal(head.ContentLength, CSV.length);
    assert.ok(head.LastModified instanceof Date);
  });

  test('GetObject with IfMatch: the right ETag reads, a wrong one is 412 PreconditionFailed', async () => {
    const quoted = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY, IfMatch: etag }));
    assert.deepEqual(await readStream(quoted.Body), CSV);
    // S3 event notifications carry the eTag without quotes: S3 (and moto) accept that too.
    const bare = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY, IfMatch: etag.replaceAll('"', '') }));
    assert.deepEqual(await readStream(bare.Body), CSV);

    const err = await s3Error(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY, IfMatch: md5Etag('other') })));
    assert.equal(err.name, 'PreconditionFailed');
    assert.equal(err.$metadata.httpStatusCode, 412);

    // The case that matters: the object was overwritten after the event named its eTag.
    const key = 'uploads/overwritten.csv';
    const first = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'a\n1\n' }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'a\n2\n' }));
    const stale = await s3Error(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, IfMatch: first.ETag })));
    assert.equal(stale.name, 'PreconditionFailed');
    assert.equal(stale.$metadata.httpStatusCode, 412);
  });

  test('GetObject with Range reads part of the object (206, Content-Range)', async () => {
    const part = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY, Range: 'bytes=7-12', IfMatch: etag }));
    assert.equal(part.$metadata.httpStatusCode, 206);
    assert.equal(part.ContentRange, `bytes 7-12/${CSV.length}`);
    assert.equal(part.ContentLength, 6);
    assert.deepEqual(await readStream(part.Body), CSV.subarray(7, 13));

    // Open-ended: from an offset to the end (how a reader resumes after a failure).
    const rest = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY, Range: `bytes=${CSV.length - 10}-` }));
    assert.equal(rest.$metadata.httpStatusCode, 206);
    assert.equal(rest.ContentRange, `bytes ${CSV.length - 10}-${CSV.length - 1}/${CSV.length}`);
    assert.deepEqual(await readStream(rest.Body), CSV.subarray(CSV.length - 10));
  });

  test('a plain S3Client finds it from the environment alone (AWS_ENDPOINT_URL_S3 & co.)', async () => {
    const unset = { AWS_ENDPOINT_URL: undefined, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined, AWS_PROFILE: undefined };
    await withEnv({ ...server.env, ...unset }, async () => {
      // As a Lambda handler would construct it: no endpoint, region or credentials in code.
      const plain = new S3Client({ forcePathStyle: true });
      const seen = recordRequests(plain);
      try {
        assert.equal(await plain.config.region(), 'us-east-1');
        const got = await plain.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY, IfMatch: etag }));
        assert.deepEqual(await readStream(got.Body), CSV);
        assert.deepEqual(seen, [{ hostname: '127.0.0.1', port: server.port, path: `/${BUCKET}/uploads/track%202024%2Bq1%20%C3%A9.csv` }]);
      } finally {
        plain.destroy();
      }

      // Without forcePathStyle too: the SDK never puts the bucket into an IP address host.
      const noPathStyle = new S3Client({});
      const seen2 = recordRequests(noPathStyle);
      try {
        const head = await noPathStyle.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
        assert.equal(head.ETag, etag);
        assert.equal(seen2[0].hostname, '127.0.0.1');
        assert.ok(seen2[0].path.startsWith(`/${BUCKET}/`), seen2[0].path);
      } finally {
        noPathStyle.destroy();
      }
    });
  });

  test('close() stops moto', async () => {
    const { pid } = server;
    assert.doesNotThrow(() => process.kill(pid, 0), 'moto runs before close()');
    await server.close();
    await server.close(); // twice is fine
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });
});
