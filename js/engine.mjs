// Loads the WebAssembly engine on Node, once per process, and stamps sentAt on its bodies.
import { readFile } from 'node:fs/promises';
import * as engine from '../pkg/csv2segment.js';

let ready;

/**
 * The engine's module, initialised. Later calls return the same module.
 * @returns {Promise<typeof import('../pkg/csv2segment.js')>}
 */
export function loadEngine() {
  ready ??= readFile(new URL('../pkg/csv2segment_bg.wasm', import.meta.url)).then((bytes) => {
    engine.initSync({ module: bytes });
    return engine;
  });
  return ready;
}

const encoder = new TextEncoder();

/**
 * Writes the send time into a /v1/batch body's sentAt placeholder, in place.
 * Objects API bodies have none and are left as they are.
 * @param {import('../pkg/csv2segment.js').Batch} batch
 * @param {Date} [now]
 */
export function stampSentAt(batch, now = new Date()) {
  if (batch.sentAtOffset !== null) {
    batch.body.set(encoder.encode(now.toISOString()), batch.sentAtOffset);
  }
  return batch;
}
