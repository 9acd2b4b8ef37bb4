// AWS Lambda host: S3 "object created" events → every row of the object in Segment, and a
// report beside it. Handler: `js/hosts/lambda/index.handler` (Node.js 20+ runtimes).
//
// A file that does not fit one invocation goes on in others: the handler hands a piece of work
// (a continuation, or a shard of a large file) to an async invocation of itself, or, when
// CSV2SEGMENT_QUEUE_URL is set, to an SQS queue that triggers it. It takes three kinds of event:
// S3 notifications, SQS messages (its own pieces, or S3 notifications sent through SQS), and
// its own async invocations `{ "csv2segment": task }`.
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readConfig } from '../../core/config.mjs';
import { loadEngine } from '../../core/engine.mjs';
import { gzipError } from '../../core/gunzip.mjs';
import { MAPPING_NAME, MAX_MAPPING_BYTES, MappingUnreadable, findMapping, isMappingKey, mappingTooLarge, readMappingText } from '../../core/mapping.mjs';
import { embeddedMetrics, fileMetrics } from '../../core/metrics.mjs';
import { nodeFetch } from '../../core/node-fetch.mjs';
import { Superseded, TaskRefused, runObject, taskOf } from '../../core/object-run.mjs';
import { reclaiming } from './reclaim.mjs';
import { fetchWriteKey } from './write-key.mjs';

/** What the handler reads of an error the AWS SDK (or a stream under it) throws. */
/** @typedef {{ name?: string, message?: string, code?: unknown, $metadata?: { httpStatusCode?: number } } | null | undefined} AwsError */

/** @typedef {import('../../core/object-run.mjs').StoredObject} StoredObject */
/** @typedef {import('../../core/task.mjs').Task} Task */
/** @typedef {typeof import('../../../pkg/csv2segment.js')} Engine */
/**
 * The invocation's context, as far as the handler reads it (the AWS Lambda context object;
 * a test may give none).
 * @typedef {{ invokedFunctionArn?: string, getRemainingTimeInMillis?: () => number } | undefined} Context
 */
/**
 * An event record, from S3 or SQS, before it is checked: any JSON. Read field by field with `?.`
 * before anything of it is used.
 * @typedef {any} EventRecord
 */

/** Decompressed bytes per chunk of a .gz object. */
const GUNZIP_CHUNK = 64 * 1024;

/** Time kept back from the invocation's remaining time, to write the report and return. */
const SAFETY_MS = 10_000;

/**
 * An S3 event's key as S3 sends it (`+` for spaces, then percent-encoding) → the real key.
 * @param {unknown} key
 */
export function decodeS3Key(key) {
  return decodeURIComponent(String(key).replace(/\+/g, ' '));
}

/**
 * The source identity messageIds derive from: the same object version gives the same ids.
 * @param {string} bucket
 * @param {string} key
 * @param {string | undefined} eTag
 * @param {string | undefined} versionId
 */
export function s3Identity(bucket, key, eTag, versionId) {
  return `s3://${bucket}/${key}#${eTag || versionId || ''}`;
}

/**
 * The object's bytes (those of `range`, end exclusive), pinned to its version; throws Superseded.
 * @param {S3Client} s3
 * @param {StoredObject} object
 * @param {boolean} gzip
 * @param {{ start: number, end: number | null } | null} range
 * @returns {Promise<AsyncIterable<Uint8Array>>}
 */
async function openS3(s3, { bucket, key, eTag, versionId }, gzip, range) {
  let res;
  try {
    res = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        // Pinned to the version the event is about, so a later upload cannot mix in.
        ...(versionId ? { VersionId: versionId } : {}),
        ...(eTag ? { IfMatch: `"${eTag}"` } : {}),
        ...(range && (range.start > 0 || range.end !== null) ? { Range: `bytes=${range.start}-${range.end === null ? '' : range.end - 1}` } : {}),
      }),
    );
  } catch (caught) {
    const err = /** @type {AwsError} */ (caught);
    const status = err?.$metadata?.httpStatusCode;
    if (status === 412 || err?.name === 'PreconditionFailed') throw new Superseded('the object changed after this event');
    if (status === 404 || err?.name === 'NoSuchKey') throw new Superseded('the object is gone');
    throw err;
  }
  // Node's own streams, not web streams: through Readable.toWeb the download ran ahead of the
  // engine, to the end of the object even after a fatal error; here leaving the loop destroys
  // the gunzip and the body. Collected as they are read: the download's spent chunks must not
  // pile up (reclaim.mjs).
  // On Node, the SDK's body is a Readable (with its stream mixin).
  const body = /** @type {import('node:stream').Readable} */ (res.Body);
  return reclaiming(gzip ? zlibErrors(pipeline(body, createGunzip({ chunkSize: GUNZIP_CHUNK }), () => {})) : body);
}

/**
 * The chunks of a gunzip stream, its zlib errors (a .gz object cut short or corrupt) turned into
 * GzipErrors: reported, not retried. The download's own errors pass as they are.
 * @param {AsyncIterable<Uint8Array>} stream
 */
async function* zlibErrors(stream) {
  let out = 0;
  try {
    for await (const chunk of stream) {
      out += chunk.length;
      yield chunk;
    }
  } catch (caught) {
    const err = /** @type {AwsError} */ (caught);
    if (typeof err?.code === 'string' && err.code.startsWith('Z_')) throw gzipError(err.code === 'Z_BUF_ERROR', out, err.message ?? err.code);
    throw err;
  }
}

/**
 * The object's size and eTag now, or null when it is gone.
 * @param {S3Client} s3
 * @param {StoredObject} object
 */
async function headS3(s3, { bucket, key, versionId }) {
  try {
    const res = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    // A HEAD's answer always has the object's length.
    return { size: /** @type {number} */ (res.ContentLength), eTag: res.ETag?.replaceAll('"', '') };
  } catch (caught) {
    const err = /** @type {AwsError} */ (caught);
    if (err?.name === 'NotFound' || err?.name === 'NoSuchKey' || err?.$metadata?.httpStatusCode === 404) return null;
    throw err;
  }
}

/** @param {{ s3: { object: { key: string } } }} record */
function keyOf(record) {
  return decodeS3Key(record.s3.object.key);
}

/**
 * The bucket beside the object, as runObject uses it.
 * @param {S3Client} client
 * @param {string} bucket
 * @returns {import('../../core/object-run.mjs').ObjectStore}
 */
function s3Store(client, bucket) {
  return {
    put: async (k, body, type) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: body, ContentType: type }));
    },
    remove: async (k) => {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: k }));
    },
    async get(k) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
        // A GET's answer always has a body.
        return await /** @type {NonNullable<typeof res.Body>} */ (res.Body).transformToString();
      } catch (caught) {
        const err = /** @type {AwsError} */ (caught);
        if (err?.name === 'NoSuchKey' || err?.$metadata?.httpStatusCode === 404) return null;
        throw err;
      }
    },
    async list(prefix) {
      /** @type {string[]} */
      const keys = [];
      /** @type {string | undefined} */
      let token;
      do {
        /** @type {import('@aws-sdk/client-s3').ListObjectsV2CommandOutput} */
        const res = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        // A listed object always has its key.
        for (const o of res.Contents ?? []) keys.push(/** @type {string} */ (o.Key));
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
  };
}

/**
 * The text and eTag of a mapping, or null when S3 says there is none (404). Any other answer
 * throws MappingUnreadable: a 403 may be a KMS key or a policy denying a mapping that is there,
 * and reading the file without it would send the columns it keeps out. (Without s3:ListBucket S3
 * answers 403 for a missing key too: the role needs it; see template.yaml.) A mapping over
 * MAX_MAPPING_BYTES is refused by its size, before its body is read.
 * @param {S3Client} client
 * @param {string} bucket
 * @param {string} key
 */
async function getMappingObject(client, bucket, key) {
  /** @type {import('@aws-sdk/client-s3').GetObjectCommandOutput} */
  let res;
  try {
    res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (caught) {
    const err = /** @type {AwsError} */ (caught);
    const status = err?.$metadata?.httpStatusCode;
    if (err?.name === 'NoSuchKey' || status === 404) return null;
    const why = `${err?.name ?? 'Error'}${status ? `, HTTP ${status}` : ''}${err?.message ? `: ${String(err.message).replace(/\s+/g, ' ').slice(0, 300)}` : ''}`;
    throw new MappingUnreadable(
      `${MAPPING_NAME} at ${key} could not be read (${why}), so nothing was sent: the function's role needs s3:GetObject on it (and kms:Decrypt on its KMS key, if it has one), and s3:ListBucket on the bucket, without which S3 answers 403 for a missing one too`,
    );
  }
  // On Node, the SDK's body is a Readable (with its stream mixin).
  const body = /** @type {import('node:stream').Readable} */ (res.Body);
  const stop = () => body?.destroy?.();
  if (typeof res.ContentLength === 'number' && res.ContentLength > MAX_MAPPING_BYTES) {
    stop();
    throw mappingTooLarge(key, res.ContentLength);
  }
  return { text: await readMappingText(body, key, stop), eTag: res.ETag ? res.ETag.replaceAll('"', '') : null };
}

/**
 * Hands a message to another invocation of this function: to the SQS queue CSV2SEGMENT_QUEUE_URL
 * (which triggers the function) when set, else as an async invocation of the function itself.
 * @param {{ csv2segment: Task }} message
 * @param {Context} context
 * @param {string | undefined} queueUrl
 */
async function awsInvoke(message, context, queueUrl) {
  const body = JSON.stringify(message);
  if (queueUrl) {
    const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');
    clients.sqs ??= new SQSClient({});
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    return;
  }
  const { InvokeCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
  clients.lambda ??= new LambdaClient({});
  await clients.lambda.send(
    new InvokeCommand({ FunctionName: context?.invokedFunctionArn, InvocationType: 'Event', Payload: new TextEncoder().encode(body) }),
  );
}

/**
 * The hand-off clients, made at the first hand-off and kept for the container's life.
 * @type {{ sqs?: import('@aws-sdk/client-sqs').SQSClient, lambda?: import('@aws-sdk/client-lambda').LambdaClient }}
 */
const clients = {};

/**
 * Makes a handler. `handler` below is `createHandler()`; tests and wrappers pass their own parts.
 * @param {object} [parts]
 * @param {Record<string, string | undefined>} [parts.env] read at the first invocation, with the
 *   write key from the SSM parameter or secret it names (write-key.mjs)
 * @param {S3Client} [parts.s3]
 * @param {import('../../core/sender.mjs').FetchLike} [parts.fetch] default: nodeFetch (node:http; fetch copies every body)
 * @param {(line: string) => void} [parts.log] one JSON line per event of note; a file's outcome
 *   carries its metrics in CloudWatch's Embedded Metric Format (metrics.mjs). Default: straight to
 *   stdout, as console.log's prefix would keep CloudWatch from reading the line as JSON
 * @param {Partial<import('../../core/sender.mjs').SenderSettings>} [parts.sender] Sender settings that override the environment's (retry, timeouts)
 * @param {(message: { csv2segment: Task }, context: Context) => Promise<void>} [parts.invoke] hands a piece of
 *   work to another invocation; default: SQS (CSV2SEGMENT_QUEUE_URL) or an async self-invoke
 *   (when the context names the function). Without either, every file runs whole.
 */
export function createHandler({ env = process.env, s3, fetch = nodeFetch, log = (line) => process.stdout.write(`${line}\n`), sender = {}, invoke } = {}) {
  /** @type {ReturnType<typeof readConfig>} */
  let config;
  let client = s3;
  /** @param {Record<string, unknown>} fields */
  const emit = (fields) => {
    const metrics = fileMetrics(fields);
    const emf = metrics ? embeddedMetrics(metrics, { functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? 'csv2segment' }) : {};
    log(JSON.stringify({ source: 'csv2segment', ...fields, ...emf }));
  };

  /**
   * @param {Context} context
   * @returns {((task: Task) => Promise<void>) | undefined}
   */
  function handOffFor(context) {
    if (invoke) return (task) => invoke({ csv2segment: task }, context);
    const { queueUrl } = config;
    if (queueUrl || context?.invokedFunctionArn) return (task) => awsInvoke({ csv2segment: task }, context, queueUrl);
    return undefined;
  }

  /**
   * Runs an object (task null: a new upload, `event` telling it from another upload) or a piece of one.
   * @param {Engine} engine
   * @param {StoredObject} object
   * @param {Task | null} task
   * @param {Context} context
   * @param {string} [event]
   */
  function processObject(engine, object, task, context, event) {
    const { bucket, key, eTag, versionId } = object;
    // Made by the handler before any object is run.
    const s3client = /** @type {S3Client} */ (client);
    const remaining = context?.getRemainingTimeInMillis?.() ?? 15 * 60_000;
    return runObject({
      engine,
      config,
      object,
      task,
      event,
      identity: s3Identity(bucket, key, eTag, versionId),
      open: (gzip, range) => openS3(s3client, object, gzip, range),
      head: () => headS3(s3client, object),
      // A task may name the buckets of CSV2SEGMENT_BUCKETS, or else the one its run started from.
      buckets: config.buckets ?? [task?.origin ?? bucket],
      store: s3Store(s3client, bucket),
      findMapping: (k) => findMapping(k, (candidate) => getMappingObject(s3client, bucket, candidate)),
      limitMs: Math.max(1000, remaining - SAFETY_MS),
      handOff: handOffFor(context),
      emit,
      sender: { fetch, ...sender },
    });
  }

  /**
   * The S3 records of an event: each object created, outside the report prefix.
   * @param {Engine} engine
   * @param {EventRecord[]} records
   * @param {Context} context
   */
  async function s3Records(engine, records, context) {
    /** @type {string[]} */
    const failures = [];
    let processed = 0;
    for (const record of records) {
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
      if (config.buckets && !config.buckets.includes(record.s3.bucket.name)) {
        // Not read, and not dropped either: the record fails, and comes back or goes to the
        // on-failure destination (or the queue's dead-letter queue), where an operator sees it.
        const error = `bucket ${record.s3.bucket.name} is not among CSV2SEGMENT_BUCKETS (${config.buckets.join(', ')})`;
        emit({ level: 'error', bucket: record.s3.bucket.name, key, status: 'refused', error });
        failures.push(`${key}: ${error}`);
        continue;
      }
      if (isMappingKey(key)) {
        emit({ level: 'info', bucket: record.s3.bucket.name, key, status: 'skipped', reason: 'a mapping: files uploaded from now on are read through it' });
        continue;
      }
      const { eTag, versionId, size } = record.s3.object;
      try {
        // S3's sequencer orders the events of one key: a redelivery has the same, a re-upload another.
        const event = String(record.s3.object.sequencer ?? record.eventTime ?? '');
        await processObject(engine, { bucket: record.s3.bucket.name, key, eTag, versionId, size }, null, context, event);
        processed += 1;
      } catch (err) {
        failures.push(`${key}: ${/** @type {Error} */ (err).message}`);
      }
    }
    return { processed, failures };
  }

  /**
   * A task that is not well formed: logged and dropped, as a refused one is (nothing about it can change).
   * @param {TaskRefused} err
   */
  function refuse(err) {
    emit({ level: 'error', status: 'refused', error: `a task refused: ${err.message}` });
  }

  /**
   * The task of a message body; null when it is not one; undefined when it was refused.
   * @param {unknown} body
   */
  function readTask(body) {
    try {
      return taskOf(body);
    } catch (err) {
      if (!(err instanceof TaskRefused)) throw err;
      refuse(err);
      return undefined;
    }
  }

  /**
   * One piece of work from a message.
   * @param {Engine} engine
   * @param {Task} task
   * @param {Context} context
   */
  function runTask(engine, task, context) {
    const { bucket, origin, key, eTag, versionId, size } = task;
    return processObject(engine, { bucket, origin: origin ?? bucket, key, eTag, versionId, size: size ?? undefined }, task, context);
  }

  /**
   * An SQS batch: our pieces, or S3 notifications through SQS; failed messages come back.
   * @param {Engine} engine
   * @param {EventRecord[]} records
   * @param {Context} context
   */
  async function sqsRecords(engine, records, context) {
    /** @type {Array<{ itemIdentifier: string }>} */
    const batchItemFailures = [];
    for (const record of records) {
      /** @type {any} a message body, parsed from JSON: read field by field with `?.` */
      let body;
      try {
        body = JSON.parse(record.body);
      } catch {
        emit({ level: 'warn', status: 'skipped', reason: 'an SQS message that is not JSON', messageId: record.messageId });
        continue;
      }
      try {
        const task = readTask(body);
        if (task === undefined) continue;
        if (task) await runTask(engine, task, context);
        else if (Array.isArray(body?.Records)) {
          const { failures } = await s3Records(engine, body.Records, context);
          if (failures.length > 0) throw new Error(failures.join('; '));
        } else emit({ level: 'info', status: 'skipped', reason: body?.Event ? `S3 ${body.Event}` : 'not a csv2segment or S3 message', messageId: record.messageId });
      } catch (err) {
        emit({ level: 'error', status: 'failed', error: /** @type {Error} */ (err).message, messageId: record.messageId });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    // SQS's partial batch response (ReportBatchItemFailures): only these messages come back.
    return { batchItemFailures };
  }

  /**
   * @param {any} event an S3 notification, an SQS batch or an async invocation's payload: read
   *   field by field with `?.` before anything of it is used
   * @param {Context} context
   */
  return async function handler(event, context) {
    // Once per container; a failed read (no parameter yet, no permission) is tried again next time.
    config ??= readConfig(env, { writeKey: await fetchWriteKey(env) });
    client ??= new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) });
    const engine = await loadEngine();

    if (event?.csv2segment !== undefined) {
      const task = readTask(event);
      if (!task) return { processed: 0, refused: 1 };
      // A failure throws: Lambda retries the async invocation, and the same messageIds go out. A
      // refused task is logged, not retried: nothing about it can change.
      const status = await runTask(engine, task, context);
      return status === 'refused' ? { processed: 0, refused: 1 } : { processed: 1 };
    }
    const records = event?.Records ?? [];
    if (records.length > 0 && records.every((/** @type {EventRecord} */ r) => r?.eventSource === 'aws:sqs')) return sqsRecords(engine, records, context);
    const { processed, failures } = await s3Records(engine, records, context);
    if (failures.length > 0) {
      throw new Error(`csv2segment: ${failures.length} object(s) not fully delivered, to be retried: ${failures.join('; ')}`);
    }
    return { processed };
  };
}

/** The Lambda entry point, configured from the function's environment. */
export const handler = createHandler();
// Lambda's init phase (top-level await): the engine's wasm is compiled before the first event.
await loadEngine();
