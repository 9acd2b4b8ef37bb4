// bench/profile.mjs's reading of a V8 CPU profile (`npm run bench:profile`): which code each
// sample was in (the engine's wasm, V8's wrappers, wasm-bindgen's glue, the driver, GC), the time
// inside each call into the wasm, and the wasm functions by self time. A profile made by hand,
// shaped as V8's (nodes with call frames and children, samples with the time before each), so
// every figure is known exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { breakdown, cleanName, describe, kindOf } from '../../../bench/profile.mjs';

const WASM = 'wasm://wasm/csv2segment.wasm-0045c26e';
const GLUE = 'file:///repo/pkg/csv2segment.js';
const BENCH = 'file:///repo/bench/bench.mjs';

/** root → wasmPass → (js-to-wasm wrapper → ingest_write → writer, scan) + passArray8ToWasm0; root → GC, idle. */
const PROFILE = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2, 8, 9] },
    { id: 2, callFrame: { functionName: 'wasmPass', url: BENCH }, children: [3, 7, 10] },
    { id: 3, callFrame: { functionName: 'js-to-wasm:iii:ii', url: '' }, children: [4] },
    { id: 4, callFrame: { functionName: 'ingest_write multivalue shim', url: WASM }, children: [5, 6] },
    { id: 5, callFrame: { functionName: '$csv2segment::write::payload::PayloadWriter::write::h164d32c07f5d76a4', url: WASM }, children: [] },
    { id: 6, callFrame: { functionName: 'csv2segment::read::records::RecordReader::scan::h3ab71540521cbd64', url: WASM }, children: [] },
    { id: 7, callFrame: { functionName: 'passArray8ToWasm0', url: GLUE }, children: [] },
    { id: 8, callFrame: { functionName: '(garbage collector)', url: '' }, children: [] },
    { id: 9, callFrame: { functionName: '(idle)', url: '' }, children: [] },
    { id: 10, callFrame: { functionName: 'ingest_nextBatchInto externref shim', url: WASM }, children: [11] },
    { id: 11, callFrame: { functionName: 'csv2segment::write::payload::PayloadWriter::write::h164d32c07f5d76a4', url: WASM }, children: [] },
  ],
  // Each sample's time is the gap to the next sample (timeDeltas[i + 1]); the first delta (the
  // profiler starting) belongs to no sample, and the last sample gets the gap before it.
  samples: [5, 5, 6, 7, 8, 9, 2, 11, 4, 3],
  timeDeltas: [900_000, 100, 100, 100, 50, 40, 1000, 30, 60, 20],
  startTime: 0,
  endTime: 901_500,
};

test('kindOf: wasm, V8 wrappers, the glue, the driver, GC, (program), idle and root', () => {
  assert.equal(kindOf({ functionName: 'csv2segment::ingest::Ingest::feed', url: WASM }), 'wasm');
  assert.equal(kindOf({ functionName: 'js-to-wasm:iii:ii', url: '' }), 'wrapper');
  assert.equal(kindOf({ functionName: 'wasm-to-js:nii:-js_sys::Uint8Array::copy_from_slice', url: WASM }), 'wrapper');
  assert.equal(kindOf({ functionName: '__wbg_set_feb3714f475485ba', url: GLUE }), 'glue');
  assert.equal(kindOf({ functionName: 'drain', url: BENCH }), 'driver');
  assert.equal(kindOf({ functionName: 'decodeUTF8', url: '' }), 'driver');
  assert.equal(kindOf({ functionName: '(garbage collector)', url: '' }), 'gc');
  assert.equal(kindOf({ functionName: '(program)', url: '' }), 'program');
  assert.equal(kindOf({ functionName: '(idle)', url: '' }), 'idle');
  assert.equal(kindOf({ functionName: '(root)', url: '' }), 'root');
});

test('cleanName: no `$`, no hash, the rest as wasm-bindgen demangled it', () => {
  assert.equal(cleanName('$csv2segment::base::json::write_str::he0e1aa6b53905f19'), 'csv2segment::base::json::write_str');
  assert.equal(cleanName('core[c5930c85a12de822]::str::converts::from_utf8'), 'core[c5930c85a12de822]::str::converts::from_utf8');
});

test('breakdown: self time per kind and per wasm function, and per call into the wasm below the wrapper', () => {
  const b = breakdown(PROFILE);
  // Sample times: 100, 100, 100, 50, 40, (idle 1000, left out), 30, 60, 20, and the last 20 again.
  assert.deepEqual(Object.fromEntries(b.kinds), { wasm: 100 + 100 + 100 + 60 + 20, glue: 50, gc: 40, driver: 30, wrapper: 20 });
  assert.equal(b.total, 380 + 50 + 40 + 30 + 20);
  assert.deepEqual(Object.fromEntries(b.top), {
    'csv2segment::write::payload::PayloadWriter::write': 100 + 100 + 60,
    'csv2segment::read::records::RecordReader::scan': 100,
    'ingest_write multivalue shim': 20,
  });
  assert.deepEqual(Object.fromEntries(b.entries), {
    'ingest_write multivalue shim': 100 + 100 + 100 + 20,
    'ingest_nextBatchInto externref shim': 60,
  });
  assert.deepEqual(Object.fromEntries(b.js), {
    'glue: passArray8ToWasm0 (csv2segment.js)': 50,
    'gc: (garbage collector)': 40,
    'driver: wasmPass (bench.mjs)': 30,
    'wrapper: js-to-wasm:iii:ii': 20,
  });
});

// 520 µs sampled: wasm 380 (73.1%), glue 50, gc 40, driver 30, wrapper 20.
test('describe: the split, the calls into the wasm and the top functions, as printed', () => {
  const lines = describe('wasm', breakdown(PROFILE), 2);
  assert.deepEqual(lines, [
    'wasm: 0.5 ms sampled',
    '  split (self time)',
    '    wasm      73.1%      0.4 ms',
    '    wrapper    3.8%      0.0 ms',
    '    glue       9.6%      0.1 ms',
    '    driver     5.8%      0.0 ms',
    '    gc         7.7%      0.0 ms',
    '    program    0.0%      0.0 ms',
    '  calls into the wasm (with what they call)',
    '     61.5%      0.3 ms  ingest_write multivalue shim',
    '     11.5%      0.1 ms  ingest_nextBatchInto externref shim',
    '  top 2 wasm functions (self time)',
    '     50.0%      0.3 ms  csv2segment::write::payload::PayloadWriter::write',
    '     19.2%      0.1 ms  csv2segment::read::records::RecordReader::scan',
    '  top 2 outside the wasm (self time)',
    '      9.6%      0.1 ms  glue: passArray8ToWasm0 (csv2segment.js)',
    '      7.7%      0.0 ms  gc: (garbage collector)',
  ]);
});
