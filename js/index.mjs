// The package's entry point on Node: the engine loader and the host helpers.
export { loadEngine, stampSentAt } from './core/engine.mjs';
