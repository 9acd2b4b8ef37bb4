// The hostile corpus of issue 15, generated as streams (nothing large is ever held or
// written): broken files of the kinds exports produce, each with what the engine must report.
//
//   hostileCorpus({ mb, noBreakMb })  the cases, at `mb` MB for the long rows and `noBreakMb`
//                          (default twice that) without a line break (the record limit is 1 MiB,
//                          so any size of several MB is past it many times over)
//   chunksOf(c)            the case's bytes, as Uint8Arrays of about 1 MiB, made on the fly
//   gzipChunks(c)          the same, gzipped as it streams (about a thousand times smaller)
//   noisyHeaderCase({ mb }) a header over the limit of column names that hardly compress
//                          (gzipped, about half the size): to see that a host stops reading
//   assertHostReport(report, expect, key) a host's report of a case against what it expects
//
// Each case: { name, key, size (bytes, uncompressed), expect: { status, rows, events, rejected,
// messages (the first rejected rows' messages), error (the header error) } }.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';

const HEADER = 'userId,event,properties.note\n';
// Rows of about 2 KB: a runaway quote's file of them sends few events per MB.
const NOTE = 'abcdefghij'.repeat(200);
// Ids of a fixed width: every row of a kind has the same length.
const id = (i) => `u${String(i).padStart(8, '0')}`;
const row = (i) => `${id(i)},Signed Up,${NOTE}\n`;
const short = (i) => `${id(i)},Signed Up,ok\n`;
const rowsText = (from, n, make = short) => Array.from({ length: n }, (_, k) => make(from + k)).join('');

const OVER = 'the row is over 1 MiB';
const HEADER_OVER =
  'the header row is over 64 KB without a line break, so nothing was sent; the first line must name the columns, like userId,event,timestamp';

/** A part: text, or `pattern` repeated to `bytes`. */
const text = (t) => ({ text: t });
const repeat = (pattern, bytes) => ({ pattern, bytes });

/** The rows of `make` from `from`, as many as fit in `bytes`: a part and its row count. */
function rowsFilling(bytes, make) {
  const n = Math.floor(bytes / make(0).length);
  return { part: { rows: n, make }, n };
}

export function hostileCorpus({ mb = 32, noBreakMb = 2 * mb } = {}) {
  const big = mb * 1_000_000;
  const runaway = rowsFilling(big, (i) => row(100 + i));
  const cases = [
    {
      name: `a runaway quote near the top, then ${mb} MB of rows`,
      key: 'track_runaway.csv',
      parts: [text(HEADER + rowsText(0, 10, row) + `${id(10)},"Signed Up,oops\n`), runaway.part],
      expect: {
        status: 'done',
        rows: 11 + runaway.n,
        events: 10 + runaway.n,
        rejected: 1,
        messages: [`line 12: ${OVER}; a quote opened at column 2 is probably never closed (the row ends at the first line break after it)`],
      },
    },
    {
      name: `a line of ${mb} MB of delimiters`,
      key: 'track_commas.csv',
      parts: [text(HEADER + rowsText(0, 1)), repeat(',', big), text('\n' + rowsText(2, 2))],
      expect: {
        status: 'done',
        rows: 4,
        events: 3,
        rejected: 1,
        messages: [`line 3: ${OVER}; check for a missing line break, or raise maxRecordBytes`],
      },
    },
    {
      name: `a ${mb} MB header without a line break`,
      key: 'track_header.csv',
      parts: [repeat('userId,', big)],
      expect: {
        status: 'unprocessable',
        rows: 0,
        events: 0,
        rejected: 0,
        error: HEADER_OVER,
      },
    },
    {
      name: 'a stray quote on line 4 of 20,000 rows',
      key: 'track_stray.csv',
      parts: [text(HEADER + rowsText(0, 2) + `${id(2)},"Signed Up,ok\n` + rowsText(3, 19_997))],
      expect: {
        status: 'done',
        rows: 20_000,
        events: 19_999,
        rejected: 1,
        messages: ['line 4: a quote opened at column 2 is never closed (the row ends at the first line break after it); close it or remove it'],
      },
    },
    {
      name: 'a stray quote that pairs with a quoted field ten rows down',
      key: 'track_pair.csv',
      parts: [text(HEADER + rowsText(0, 2) + `${id(2)},"Signed Up,ok\n` + rowsText(3, 10) + `${id(13)},Signed Up,"ok"\n` + rowsText(14, 100))],
      expect: {
        status: 'done',
        rows: 103,
        events: 102,
        rejected: 1,
        messages: ['line 4: the row has 2 fields but the header has 3; check for a missing or extra delimiter, or a quote that is not closed'],
      },
    },
    {
      name: `${noBreakMb} MB without a line break`,
      key: 'track_no_line_break.csv',
      parts: [text(HEADER), repeat('no line break here, ', noBreakMb * 1_000_000)],
      expect: {
        status: 'done',
        rows: 1,
        events: 0,
        rejected: 1,
        messages: [`line 2: ${OVER}; check for a missing line break, or raise maxRecordBytes`],
      },
    },
  ];
  return cases.map((c) => ({ ...c, size: sizeOf(c.parts) }));
}

/**
 * A header of `mb` MB of column names made by an LCG, without a line break: gzip leaves it about
 * half its size, so a host that went on reading after the header error would read MBs more.
 */
export function noisyHeaderCase({ mb = 16 } = {}) {
  const parts = [{ noise: mb * 1_000_000 }];
  return {
    name: `a ${mb} MB header of names that hardly compress`,
    key: 'track_noisy_header.csv',
    parts,
    size: sizeOf(parts),
    expect: { status: 'unprocessable', rows: 0, events: 0, rejected: 0, error: HEADER_OVER },
  };
}

/** `bytes` of column names (`c` and base-36 digits, comma after each) from a seeded LCG. */
function* noise(bytes) {
  let x = 12345;
  let left = bytes;
  while (left > 0) {
    let s = '';
    while (s.length < 1 << 20) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      s += `c${x.toString(36)},`;
    }
    const take = s.slice(0, Math.min(left, s.length));
    left -= take.length;
    yield take;
  }
}

/** A well-formed file of `mb` MB of the same 2 KB rows, to measure hosts against. */
export function normalCase({ mb = 32 } = {}) {
  const body = rowsFilling(mb * 1_000_000, (i) => row(i));
  const parts = [text(HEADER), body.part];
  return { name: `${mb} MB of well-formed rows`, key: 'track_normal_rows.csv', parts, size: sizeOf(parts), expect: { status: 'done', rows: body.n, events: body.n, rejected: 0 } };
}

function sizeOf(parts) {
  let n = 0;
  for (const p of parts) {
    if (p.text !== undefined) n += Buffer.byteLength(p.text);
    else if (p.noise !== undefined) n += p.noise;
    else if (p.pattern !== undefined) n += p.bytes;
    else n += p.rows * p.make(0).length;
  }
  return n;
}

/** The case's bytes in chunks of about 1 MiB, generated as they are asked for. */
export function* chunksOf(c) {
  const encoder = new TextEncoder();
  const CHUNK = 1 << 20;
  let pending = '';
  for (const p of c.parts) {
    if (p.text !== undefined) {
      pending += p.text;
    } else if (p.noise !== undefined) {
      for (const block of noise(p.noise)) {
        pending += block;
        if (pending.length >= CHUNK) {
          yield encoder.encode(pending);
          pending = '';
        }
      }
    } else if (p.pattern !== undefined) {
      const block = p.pattern.repeat(Math.ceil(CHUNK / p.pattern.length));
      let left = p.bytes;
      while (left > 0) {
        const take = Math.min(left, block.length);
        pending += block.slice(0, take);
        left -= take;
        if (pending.length >= CHUNK) {
          yield encoder.encode(pending);
          pending = '';
        }
      }
    } else {
      for (let i = 0; i < p.rows; i += 1) {
        pending += p.make(i);
        if (pending.length >= CHUNK) {
          yield encoder.encode(pending);
          pending = '';
        }
      }
    }
    if (pending.length >= CHUNK) {
      yield encoder.encode(pending);
      pending = '';
    }
  }
  if (pending) yield encoder.encode(pending);
}

/** The case's bytes gzipped as they stream. */
export async function* gzipChunks(c) {
  const gz = Readable.from(chunksOf(c)).pipe(createGzip({ level: 6 }));
  for await (const chunk of gz) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * A host's report of a case against what the case expects: the status and the counts, the
 * header error, the first rejected rows' messages, and no rejected row kept past 4 KiB.
 * @param {{ status: string, rows: number, events: number, rejected: number, error?: string, rejections: { message: string, row: string }[] }} report
 * @param {{ status: string, rows: number, events: number, rejected: number, error?: string, messages?: string[] }} expect
 * @param {string} key the object's key, named in every failure
 */
export function assertHostReport(report, expect, key) {
  assert.deepEqual(
    [report.status, report.rows, report.events, report.rejected],
    [expect.status, expect.rows, expect.events, expect.rejected],
    key,
  );
  if (expect.error) assert.equal(report.error, expect.error, key);
  if (expect.messages) {
    assert.deepEqual(report.rejections.slice(0, expect.messages.length).map((r) => r.message), expect.messages, key);
    for (const r of report.rejections) assert.ok(Buffer.byteLength(r.row) <= 4096, key);
  }
}
