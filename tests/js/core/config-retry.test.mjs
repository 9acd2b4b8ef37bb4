// The hosts' settings (config.mjs) and the retry policy (retry.mjs): exact values and messages.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { ConfigError, readBucketName, readConfig, segmentEndpoints, writeKeySource } from '../../../js/core/config.mjs';
import { DEFAULT_RETRY, backoffMs, classifyStatus, retryAfterMs } from '../../../js/core/retry.mjs';
import { basicAuth } from '../../../js/core/sender.mjs';

describe('readConfig', () => {
  test('defaults: US hosts, report prefix, 4 in flight, no engine options', () => {
    const c = readConfig({ SEGMENT_WRITE_KEY: ' wk_1 ' });
    assert.equal(c.writeKey, 'wk_1');
    assert.deepEqual(c.endpoints, { batch: 'https://api.segment.io', set: 'https://objects.segment.com' });
    assert.equal(c.reportPrefix, 'csv2segment-reports/');
    assert.equal(c.concurrency, 4);
    assert.deepEqual(c.engineOptions, {});
  });

  test("the seed's write_key is read too, and the key is not enumerable", () => {
    const c = readConfig({ write_key: 'wk_seed_secret' });
    assert.equal(c.writeKey, 'wk_seed_secret');
    assert.ok(!JSON.stringify(c).includes('wk_seed_secret'));
    assert.ok(!inspect(c).includes('wk_seed_secret'));
  });

  test('region eu, explicit endpoints, options, prefix', () => {
    const c = readConfig({
      SEGMENT_WRITE_KEY: 'k',
      SEGMENT_REGION: 'EU',
      SEGMENT_OBJECTS_ENDPOINT: 'http://127.0.0.1:9/proxy/',
      CSV2SEGMENT_EMPTY_CELLS: 'null',
      CSV2SEGMENT_TYPING: 'strings',
      CSV2SEGMENT_MAX_RECORD_BYTES: '4194304',
      REPORT_PREFIX: '/reports/',
      SEGMENT_CONCURRENCY: '2',
    });
    assert.deepEqual(c.endpoints, { batch: 'https://events.eu1.segmentapis.com', set: 'http://127.0.0.1:9/proxy' });
    assert.deepEqual(c.engineOptions, { empty: 'null', typing: 'strings', maxRecordBytes: 4194304 });
    assert.equal(c.reportPrefix, 'reports/');
    assert.equal(c.concurrency, 2);
  });

  test('every mistake names its variable and the fix', () => {
    const cases = [
      [{}, 'SEGMENT_WRITE_KEY is not set: set it to the write key of the Segment source the rows should go to'],
      [{ SEGMENT_WRITE_KEY: 'k', SEGMENT_REGION: 'asia' }, 'SEGMENT_REGION is "asia": use "us" (the default) or "eu"'],
      [{ SEGMENT_WRITE_KEY: 'k', SEGMENT_ENDPOINT: 'api.segment.io' }, 'SEGMENT_ENDPOINT is not a URL: give a base URL such as https://api.segment.io'],
      [{ SEGMENT_WRITE_KEY: 'k', SEGMENT_ENDPOINT: 'ftp://x' }, 'SEGMENT_ENDPOINT must be an http(s) URL, not ftp:'],
      [{ SEGMENT_WRITE_KEY: 'k', SEGMENT_ENDPOINT: 'https://k:@x' }, 'SEGMENT_ENDPOINT must not carry credentials: the write key goes in SEGMENT_WRITE_KEY'],
      [{ SEGMENT_WRITE_KEY: 'k', CSV2SEGMENT_EMPTY_CELLS: 'skip' }, 'CSV2SEGMENT_EMPTY_CELLS is "skip": use one of omit, null, string'],
      [{ SEGMENT_WRITE_KEY: 'k', CSV2SEGMENT_TYPING: 'auto' }, 'CSV2SEGMENT_TYPING is "auto": use one of infer, strings'],
      [{ SEGMENT_WRITE_KEY: 'k', SEGMENT_CONCURRENCY: '0' }, 'SEGMENT_CONCURRENCY is "0": give a whole number of at least 1'],
      [{ SEGMENT_WRITE_KEY: 'k', CSV2SEGMENT_MAX_RECORD_BYTES: '1MB' }, 'CSV2SEGMENT_MAX_RECORD_BYTES is "1MB": give a whole number of at least 1'],
      [{ SEGMENT_WRITE_KEY: 'k', REPORT_PREFIX: '' }, 'REPORT_PREFIX is empty: reports need a prefix of their own (such as csv2segment-reports/), or they would trigger the function again'],
      // Only slashes: empty once the leading ones are dropped, so every key would be "a report".
      ...['//', ' /// ', '/'].map((prefix) => [{ SEGMENT_WRITE_KEY: 'k', REPORT_PREFIX: prefix }, 'REPORT_PREFIX is empty: reports need a prefix of their own (such as csv2segment-reports/), or they would trigger the function again']),
    ];
    for (const [env, message] of cases) {
      assert.throws(() => readConfig(env), (err) => err instanceof ConfigError && err.message === message && err.code === 'config');
    }
  });

  test('CSV2SEGMENT_BUCKETS: a checked list, or null; BUCKET_NAME: required and checked', () => {
    assert.equal(readConfig({ SEGMENT_WRITE_KEY: 'k' }).buckets, null);
    assert.deepEqual(readConfig({ SEGMENT_WRITE_KEY: 'k', CSV2SEGMENT_BUCKETS: ' csv-drop, other.bucket-2 ' }).buckets, ['csv-drop', 'other.bucket-2']);
    assert.throws(() => readConfig({ SEGMENT_WRITE_KEY: 'k', CSV2SEGMENT_BUCKETS: 'csv-drop,Bad_Bucket' }), {
      message: 'CSV2SEGMENT_BUCKETS has "Bad_Bucket", which is not a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens',
    });
    assert.equal(readBucketName({ BUCKET_NAME: ' csv2segment-uploads ' }), 'csv2segment-uploads');
    assert.throws(() => readBucketName({}), {
      message: 'BUCKET_NAME is not set: set it in wrangler.toml [vars] to the bucket_name of the BUCKET binding, so that notifications about other buckets are refused',
    });
    assert.throws(() => readBucketName({ BUCKET_NAME: 'x' }), { message: 'BUCKET_NAME has "x", which is not a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens' });
  });

  test('segmentEndpoints defaults to US', () => {
    assert.deepEqual(segmentEndpoints(), { batch: 'https://api.segment.io', set: 'https://objects.segment.com' });
  });
});

describe('retry policy', () => {
  test('classifyStatus follows analytics-node', () => {
    const got = Object.fromEntries([200, 204, 400, 401, 403, 404, 408, 410, 413, 429, 460, 500, 501, 502, 503, 505, 511].map((s) => [s, classifyStatus(s)]));
    assert.deepEqual(got, {
      200: 'ok', 204: 'ok', 400: 'rejected', 401: 'fatal', 403: 'fatal', 404: 'fatal', 408: 'retry', 410: 'retry',
      413: 'rejected', 429: 'retry', 460: 'retry', 500: 'retry', 501: 'rejected', 502: 'retry', 503: 'retry',
      505: 'rejected', 511: 'rejected',
    });
  });

  test('backoff doubles from 500 ms with equal jitter, capped at 60 s', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, DEFAULT_RETRY, () => 0)), [250, 500, 1000, 2000]);
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, DEFAULT_RETRY, () => 0.999999)), [500, 1000, 2000, 4000]);
    assert.equal(backoffMs(20, DEFAULT_RETRY, () => 0.999999), 60_000);
  });

  test('Retry-After in seconds or as a date, X-RateLimit-Reset, capped at 300 s', () => {
    const h = (o) => new Headers(o);
    assert.equal(retryAfterMs(h({ 'Retry-After': '2' })), 2000);
    assert.equal(retryAfterMs(h({ 'X-RateLimit-Reset': '1.5' })), 1500);
    assert.equal(retryAfterMs(h({ 'Retry-After': '3600' })), 300_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs(h({ 'Retry-After': 'Thu, 01 Jan 2026 00:00:07 GMT' }), DEFAULT_RETRY, now), 7000);
    assert.equal(retryAfterMs(h({})), undefined);
    assert.equal(retryAfterMs(h({ 'Retry-After': 'soon' })), undefined);
  });

  test('a Retry-After of 0, below 0 or in the past asks no wait: the backoff applies (issue 22, item 5)', () => {
    const h = (o) => new Headers(o);
    const now = Date.parse('2026-01-01T00:00:00Z');
    for (const value of ['0', '0.0', '-5', '-0.5', '0.0001', 'Wed, 31 Dec 2025 23:59:59 GMT', 'Thu, 01 Jan 2026 00:00:00 GMT']) {
      assert.equal(retryAfterMs(h({ 'Retry-After': value }), DEFAULT_RETRY, now), undefined, `Retry-After: ${value}`);
    }
    assert.equal(retryAfterMs(h({ 'X-RateLimit-Reset': '0' }), DEFAULT_RETRY, now), undefined);
    assert.equal(retryAfterMs(h({ 'X-RateLimit-Reset': '-1' }), DEFAULT_RETRY, now), undefined);
    // One that asks none leaves the other to say.
    assert.equal(retryAfterMs(h({ 'Retry-After': '0', 'X-RateLimit-Reset': '3' }), DEFAULT_RETRY, now), 3000);
    // A date a second ahead, and a positive number, still count.
    assert.equal(retryAfterMs(h({ 'Retry-After': 'Thu, 01 Jan 2026 00:00:01 GMT' }), DEFAULT_RETRY, now), 1000);
    assert.equal(retryAfterMs(h({ 'Retry-After': '+2' }), DEFAULT_RETRY, now), 2000);
  });

  test('basic auth is base64 of the key and a colon, for any key', () => {
    assert.equal(basicAuth('abc'), `Basic ${Buffer.from('abc:').toString('base64')}`);
    assert.equal(basicAuth('clé'), `Basic ${Buffer.from('clé:').toString('base64')}`);
  });
});

describe('readConfig: pieces', () => {
  test('defaults: 256 MB shards, no run limit of our own', () => {
    assert.deepEqual({ ...readConfig({ SEGMENT_WRITE_KEY: 'k' }).pieces }, { shardBytes: 268435456, maxRunSeconds: null });
  });
  test('MAX_RUN_SECONDS takes fractions; CSV2SEGMENT_SHARD_BYTES whole bytes', () => {
    const c = readConfig({ SEGMENT_WRITE_KEY: 'k', MAX_RUN_SECONDS: '0.5', CSV2SEGMENT_SHARD_BYTES: '4096' });
    assert.deepEqual({ ...c.pieces }, { shardBytes: 4096, maxRunSeconds: 0.5 });
  });
  test('wrong values name the variable and the fix', () => {
    assert.throws(() => readConfig({ SEGMENT_WRITE_KEY: 'k', MAX_RUN_SECONDS: '0' }), { name: 'Csv2SegmentConfigError', message: 'MAX_RUN_SECONDS is "0": give a number of seconds above 0, such as 600' });
    assert.throws(() => readConfig({ SEGMENT_WRITE_KEY: 'k', CSV2SEGMENT_SHARD_BYTES: '1.5' }), { message: 'CSV2SEGMENT_SHARD_BYTES is "1.5": give a whole number of at least 1' });
  });
});

describe('writeKeySource', () => {
  test('an SSM parameter or a Secrets Manager secret; none when the key is in the environment', () => {
    assert.deepEqual(writeKeySource({ SEGMENT_WRITE_KEY_PARAMETER: ' /csv2segment/segment-write-key ' }), { parameter: '/csv2segment/segment-write-key' });
    assert.deepEqual(writeKeySource({ SEGMENT_WRITE_KEY_PARAMETER: 'arn:aws:ssm:us-east-1:123456789012:parameter/shared/key' }), { parameter: 'arn:aws:ssm:us-east-1:123456789012:parameter/shared/key' });
    assert.deepEqual(writeKeySource({ SEGMENT_WRITE_KEY_SECRET: 'csv2segment/key' }), { secret: 'csv2segment/key' });
    assert.equal(writeKeySource({ SEGMENT_WRITE_KEY: 'k' }), null);
    assert.equal(writeKeySource({}), null);
  });

  test('one source at a time, and names that can be one', () => {
    const cases = [
      [{ SEGMENT_WRITE_KEY: 'k', SEGMENT_WRITE_KEY_PARAMETER: '/p' }, 'SEGMENT_WRITE_KEY_PARAMETER and SEGMENT_WRITE_KEY are both set: set only one, so that it is clear which write key is used'],
      [{ SEGMENT_WRITE_KEY: 'k', SEGMENT_WRITE_KEY_PARAMETER: '/p', SEGMENT_WRITE_KEY_SECRET: 's' }, 'SEGMENT_WRITE_KEY_PARAMETER and SEGMENT_WRITE_KEY_SECRET and SEGMENT_WRITE_KEY are all set: set only one, so that it is clear which write key is used'],
      [{ SEGMENT_WRITE_KEY_PARAMETER: 'my key' }, 'SEGMENT_WRITE_KEY_PARAMETER is not the name of an SSM parameter (its value is not shown, as it may be the write key): give one such as /csv2segment/segment-write-key, or its ARN'],
      [{ SEGMENT_WRITE_KEY_SECRET: 'my key' }, 'SEGMENT_WRITE_KEY_SECRET is not the name of a Secrets Manager secret (its value is not shown, as it may be the write key): give one such as csv2segment/segment-write-key, or its ARN'],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => writeKeySource(env), (err) => err instanceof ConfigError && err.message === message);
    }
  });

  test('readConfig takes the key a host read, and says where the variables are read', () => {
    const c = readConfig({ SEGMENT_WRITE_KEY_PARAMETER: '/p' }, { writeKey: 'wk_from_ssm' });
    assert.equal(c.writeKey, 'wk_from_ssm');
    assert.ok(!JSON.stringify(c).includes('wk_from_ssm'));
    assert.throws(
      () => readConfig({ SEGMENT_WRITE_KEY_PARAMETER: '/p' }),
      (err) => err instanceof ConfigError && err.message === 'SEGMENT_WRITE_KEY_PARAMETER and SEGMENT_WRITE_KEY_SECRET are read on AWS Lambda only: here, set SEGMENT_WRITE_KEY (a secret of the host)',
    );
  });
});
