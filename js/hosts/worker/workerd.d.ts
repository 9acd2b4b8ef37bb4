// The parts of the Cloudflare Workers runtime (workerd) that this host uses beyond the web
// platform, declared for `tsc` (npm run lint) as Cloudflare's documentation gives them. Only
// what the host calls: the full set is @cloudflare/workers-types, whose globals clash with the
// DOM lib that the browser host is checked against.

/** The engine's wasm, which wrangler hands to the Worker as a compiled module. */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

/** An R2 object's metadata (https://developers.cloudflare.com/r2/api/workers/workers-api-reference/). */
interface R2Object {
  key: string;
  size: number;
  etag: string;
  httpEtag: string;
  version: string;
}

/** An R2 object with its body. */
interface R2ObjectBody extends R2Object {
  body: ReadableStream<Uint8Array>;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

interface R2Conditional {
  etagMatches?: string;
  etagDoesNotMatch?: string;
}

interface R2PutOptions {
  onlyIf?: R2Conditional;
  httpMetadata?: { contentType?: string };
}

interface R2GetOptions {
  onlyIf?: R2Conditional;
  range?: { offset?: number; length?: number; suffix?: number };
}

/** An R2 bucket binding. */
interface R2Bucket {
  head(key: string): Promise<R2Object | null>;
  get(key: string, options?: R2GetOptions): Promise<R2ObjectBody | null>;
  /** Resolves to null when `onlyIf` did not hold. */
  put(key: string, value: ReadableStream | ArrayBuffer | ArrayBufferView | string | null, options?: R2PutOptions): Promise<R2Object | null>;
  delete(keys: string | string[]): Promise<void>;
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<{ objects: R2Object[]; truncated: boolean; cursor?: string }>;
}

/** A stream whose writable side must be given exactly `length` bytes (R2 takes a stream only with a known length). */
declare class FixedLengthStream extends TransformStream<Uint8Array, Uint8Array> {
  constructor(length: number | bigint);
}

interface Crypto {
  /** A WritableStream that hashes what is written to it; `digest` resolves once it is closed. */
  DigestStream: {
    new (algorithm: string): WritableStream<ArrayBufferView | ArrayBuffer> & { readonly digest: Promise<ArrayBuffer> };
  };
}

interface SubtleCrypto {
  /** Compares two buffers of the same length in constant time. */
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}

/** A queue's producer binding (https://developers.cloudflare.com/queues/configuration/javascript-apis/). */
interface Queue<Body = unknown> {
  send(body: Body, options?: { contentType?: 'json' | 'text' | 'bytes' | 'v8'; delaySeconds?: number }): Promise<void>;
}

/** One message a queue consumer is given. */
interface Message<Body = unknown> {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: Body;
  /** How many times it has been delivered, this one included. */
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

/** The messages of one queue consumer invocation. */
interface MessageBatch<Body = unknown> {
  readonly queue: string;
  readonly messages: readonly Message<Body>[];
  ackAll(): void;
  retryAll(options?: { delaySeconds?: number }): void;
}

/** A Workers Analytics Engine dataset binding. */
interface AnalyticsEngineDataset {
  writeDataPoint(point?: { indexes?: string[]; blobs?: (string | null)[]; doubles?: number[] }): void;
}

/** A static assets binding (wrangler.toml's [assets]). */
interface Fetcher {
  fetch(request: Request): Promise<Response>;
}
