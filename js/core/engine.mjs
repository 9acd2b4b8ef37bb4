// Loads the WebAssembly engine on Node, once per process.
import { readFile } from 'node:fs/promises';
import * as engine from '../../pkg/csv2segment.js';

let ready;

/**
 * The engine's module, initialised. Later calls return the same module.
 * @returns {Promise<typeof import('../../pkg/csv2segment.js')>}
 */
export function loadEngine() {
  ready ??= readFile(new URL('../../pkg/csv2segment_bg.wasm', import.meta.url)).then((bytes) => {
    engine.initSync({ module: bytes });
    return engine;
  });
  return ready;
}

// The send-time stamp lives with the sender; re-exported here for older imports.
export { stampSentAt } from './sender.mjs';
