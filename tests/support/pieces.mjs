// What the tests of files in pieces (tests/js/hosts/lambda/lambda-pieces, hosts/worker/worker-pieces) share: a file built
// to be hard to cut, and the events Segment accepted, by messageId.
import assert from 'node:assert/strict';

/**
 * A track file built to be hard to cut: quoted line breaks and delimiters, multi-byte text,
 * CRLF, and a final row without a line break. Every 97th row has no userId, so that the
 * pieces' rejections have to be put together as well.
 */
export function hardFile(rows) {
  let out = 'userId,event,properties.note,properties.city,timestamp\n';
  for (let i = 0; i < rows; i++) {
    const note = i % 3 === 0 ? `"line one, with comma\nline ""two""\r\nthree ${i}"` : i % 3 === 1 ? `"€${i}😀,é"` : `plain ${i}`;
    const city = i % 5 === 0 ? 'Zürich' : '"São\nPaulo"';
    const user = i % 97 === 42 ? '' : `u${i}`;
    out += `${user},"Order\nPlaced",${note},${city},2026-01-0${(i % 9) + 1}T00:00:00Z${i % 7 === 0 ? '\r\n' : '\n'}`;
  }
  return out.replace(/\r?\n$/, '');
}

/** The events the Segment server accepted, by messageId; a repeat must be the same event. */
export function eventsById(seg) {
  const byId = new Map();
  for (const e of seg.events) {
    // sentAt is the request's, not the row's.
    const event = { ...e };
    delete event.sentAt;
    const prior = byId.get(e.messageId);
    if (prior) assert.deepEqual(event, prior, `messageId ${e.messageId} sent with two payloads`);
    byId.set(e.messageId, event);
  }
  return byId;
}

/**
 * The events a single run of `bytes` (the file's decompressed bytes) sends, by messageId: the
 * engine run whole in this process with the host's identity and options, each body's events
 * without the request's sentAt. The oracle a run in pieces must equal.
 * @param {typeof import('../../pkg/csv2segment.js')} engine
 */
export function singleRunEvents(engine, { key, identity, bytes, options = {} }) {
  const ing = new engine.Ingest(key, identity, options);
  const byId = new Map();
  const take = () => {
    for (let batch = ing.nextBatch(); batch; batch = ing.nextBatch()) {
      for (const event of JSON.parse(new TextDecoder().decode(batch.body)).batch) byId.set(event.messageId, event);
    }
  };
  try {
    for (let at = 0; at < bytes.length; at += 1 << 20) {
      ing.write(bytes.subarray(at, at + (1 << 20)));
      take();
    }
    ing.finish();
    take();
    return { byId, report: ing.report() };
  } finally {
    ing.free();
  }
}
