// AWS Lambda host: S3 "object created" events → every row of the object in Segment, and a
// report beside it. Handler: `js/lambda.handler` (Node.js 20+ runtimes).
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readConfig } from './config.mjs';
import { loadEngine } from './engine.mjs';
import { nodeFetch } from './node-fetch.mjs';
import { Superseded, runObject } from './object-run.mjs';

/** Time kept back from the invocation's remaining time, to write the report and return. */
const SAFETY_MS = 10_000;

/** An S3 event's key as S3 sends it (`+` for spaces, then percent-encoding) → the real key. */
export function decodeS3Key(key) {
  return decodeURIComponent(String(key).replace(/\+/g, ' '));
}

/** The source identity messageIds derive from: the same object version gives the same ids. */
export function s3Identity(bucket, key, eTag, versionId) {
  return `s3://${bucket}/${key}#${eTag || versionId || ''}`;
}

async function openS3(s3, { bucket, key, eTag, versionId }, gzip) {
  let res;
  try {
    res = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        // Pinned to the version the event is about, so a later upload cannot mix in.
        ...(versionId ? { VersionId: versionId } : {}),
        ...(eTag ? { IfMatch: `"${eTag}"` } : {}),
      }),
    );
  } catch (err) {
    const status = err?.$metadata?.httpStatusCode;
    if (status === 412 || err?.name === 'PreconditionFailed') throw new Superseded('the object changed after this event');
    if (status === 404 || err?.name === 'NoSuchKey') throw new Superseded('the object is gone');
    throw err;
  }
  return gzip ? res.Body.transformToWebStream().pipeThrough(new DecompressionStream('gzip')) : res.Body;
}

function keyOf(record) {
  return decodeS3Key(record.s3.object.key);
}

/**
 * Makes a handler. `handler` below is `createHandler()`; tests and wrappers pass their own parts.
 * @param {object} [parts]
 * @param {Record<string, string | undefined>} [parts.env] read at the first invocation
 * @param {S3Client} [parts.s3]
 * @param {typeof fetch} [parts.fetch] default: nodeFetch (node:http; fetch copies every body)
 * @param {(line: string) => void} [parts.log] one JSON line per event of note
 * @param {object} [parts.sender] Sender settings that override the environment's (retry, timeouts)
 */
export function createHandler({ env = process.env, s3, fetch = nodeFetch, log = (line) => console.log(line), sender = {} } = {}) {
  let config;
  let client = s3;
  const emit = (fields) => log(JSON.stringify({ source: 'csv2segment', ...fields }));

  function processObject(engine, record, remainingMs) {
    const bucket = record.s3.bucket.name;
    const key = keyOf(record);
    const { eTag, versionId, size } = record.s3.object;
    const object = { bucket, key, eTag, versionId, size };
    return runObject({
      engine,
      config,
      object,
      identity: s3Identity(bucket, key, eTag, versionId),
      open: (gzip) => openS3(client, object, gzip),
      store: {
        put: (k, body, type) => client.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: body, ContentType: type })),
        remove: (k) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: k })),
      },
      deadline: Date.now() + Math.max(1000, remainingMs() - SAFETY_MS),
      emit,
      sender: { fetch, ...sender },
    });
  }

  return async function handler(event, context) {
    config ??= readConfig(env);
    client ??= new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) });
    const engine = await loadEngine();
    const remainingMs = () => context?.getRemainingTimeInMillis?.() ?? 15 * 60_000;

    const failures = [];
    let processed = 0;
    for (const record of event?.Records ?? []) {
      if (!record?.s3?.object?.key || !record.s3.bucket?.name) {
        emit({ level: 'warn', status: 'skipped', reason: 'not an S3 event record' });
        continue;
      }
      const key = keyOf(record);
      if (!String(record.eventName ?? 'ObjectCreated:').startsWith('ObjectCreated:')) {
        emit({ level: 'info', bucket: record.s3.bucket.name, key, status: 'skipped', reason: `event ${record.eventName}` });
        continue;
      }
      if (key.startsWith(config.reportPrefix)) {
        emit({ level: 'info', bucket: record.s3.bucket.name, key, status: 'skipped', reason: 'a report of csv2segment' });
        continue;
      }
      try {
        await processObject(engine, record, remainingMs);
        processed += 1;
      } catch (err) {
        failures.push(`${key}: ${err.message}`);
      }
    }
    if (failures.length > 0) {
      throw new Error(`csv2segment: ${failures.length} object(s) not fully delivered, to be retried: ${failures.join('; ')}`);
    }
    return { processed };
  };
}

/** The Lambda entry point, configured from the function's environment. */
export const handler = createHandler();
