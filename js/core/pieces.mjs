// Parts: what each piece of a file run in several invocations leaves in the bucket, so that the
// piece that completes the file, whichever it is, writes the whole file's report. A part's key
// says which bytes it covered, so completeness is read from one listing; the engine decides
// (partsChain, combineParts), and a piece that ran twice leaves a part that counts once.

const pad = (/** @type {number} */ n) => String(n).padStart(16, '0');

/**
 * Where the parts of one run over one version of an object go.
 * @param {string} base the object's report base (object-run.mjs's reportKeys)
 * @param {string} version the version's name in a key, at most 64 characters
 * @param {string} run
 */
export function partsPrefix(base, version, run) {
  return `${base}.parts/${version}/${run}/`;
}

/**
 * A part's key: `<start>-<end>[.last].json`, offsets zero-padded so that keys sort in file order.
 * @param {string} prefix
 * @param {{ start: { offset: number }, end: { offset: number }, last: boolean }} part
 */
export function partKey(prefix, { start, end, last }) {
  return `${prefix}${pad(start.offset)}-${pad(end.offset)}${last ? '.last' : ''}.json`;
}

/**
 * What a part's key says, or null for a key that is not a part's.
 * @param {string} prefix
 * @param {string} key
 */
export function parsePartKey(prefix, key) {
  const m = /^(\d{16})-(\d{16})(\.last)?\.json$/.exec(key.slice(prefix.length));
  if (!key.startsWith(prefix) || !m) return null;
  return { key, start: { offset: Number(m[1]) }, end: { offset: Number(m[2]) }, last: Boolean(m[3]) };
}

/**
 * Adds up the sender summaries of the pieces.
 * @param {Array<Partial<Record<'requests' | 'attempts' | 'retries' | 'events' | 'failedEvents' | 'throttled' | 'pacedMs', number> & { failedBatches: unknown[] }> | null | undefined>} deliveries
 */
export function sumDeliveries(deliveries) {
  /** @type {Record<'requests' | 'attempts' | 'retries' | 'events' | 'failedEvents' | 'throttled' | 'pacedMs', number> & { failedBatches: unknown[] }} */
  const total = { requests: 0, attempts: 0, retries: 0, events: 0, failedEvents: 0, failedBatches: [], throttled: 0, pacedMs: 0 };
  for (const d of deliveries) {
    if (!d) continue;
    // The 429s met and the time paced add up too: pacedMs is the pieces' time, not the run's.
    for (const name of /** @type {const} */ (['requests', 'attempts', 'retries', 'events', 'failedEvents', 'throttled', 'pacedMs'])) total[name] += d[name] ?? 0;
    total.failedBatches.push(...(d.failedBatches ?? []));
  }
  return total;
}

/**
 * Stores one piece's part.
 * @param {{ put(key: string, body: string, type: string): Promise<void> }} store
 * @param {string} prefix from partsPrefix
 * @param {{ start: { offset: number }, end: { offset: number }, last: boolean, report: object, delivery: object | null, timing: object }} part
 */
export function savePart(store, prefix, part) {
  return store.put(partKey(prefix, part), JSON.stringify(part), 'application/json');
}

/**
 * The whole file's report when every piece has stored its part, else undefined.
 * @param {object} job
 * @param {typeof import('../../pkg/csv2segment.js')} job.engine
 * @param {{ list(prefix: string): Promise<string[]>, get(key: string): Promise<string | null> }} job.store
 * @param {string} job.prefix from partsPrefix
 * @param {string} job.key the object's key (its name gives the delimiter)
 * @param {string} job.header the file's header record
 * @param {import('../../pkg/csv2segment.js').IngestOptions} [job.options] engine options (maxRejections)
 * @returns {Promise<{ report: import('../../pkg/csv2segment.js').Report, rejectsCsv: Uint8Array | undefined, delivery: ReturnType<typeof sumDeliveries>, pieces: number, startedAt: string | undefined, keys: string[] } | undefined>}
 */
export async function combineIfComplete({ engine, store, prefix, key, header, options }) {
  const listed = (await store.list(prefix)).flatMap((k) => parsePartKey(prefix, k) ?? []);
  const chain = engine.partsChain(listed);
  if (!chain) return undefined;
  const parts = [];
  for (const i of chain) {
    const text = await store.get(listed[i].key);
    if (text === null) return undefined; // removed by a piece that combined first
    parts.push(JSON.parse(text));
  }
  const combined = engine.combineParts(key, header, parts, options);
  if (!combined) return undefined;
  const startedAt = parts.map((p) => p.timing?.startedAt).filter(Boolean).sort()[0];
  return {
    ...combined,
    delivery: sumDeliveries(parts.map((p) => p.delivery)),
    pieces: parts.length,
    startedAt,
    keys: listed.map((p) => p.key),
  };
}
