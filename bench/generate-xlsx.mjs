// Deterministic generator of Excel workbooks (.xlsx) for the benchmarks and the host tests: the
// same track rows as bench/generate.mjs's CSV, as a sheet of typed cells, written as a stream.
//
//   import { writeTrackXlsx, ensureTrackXlsx } from './generate-xlsx.mjs';
//   await writeTrackXlsx('/tmp/t.xlsx', 1_048_575)  -> streams to disk, constant memory
//   await ensureTrackXlsx(100_000)                  -> path in .cache/bench/, reused if present
//
// CLI: node bench/generate-xlsx.mjs <rows> [out.xlsx] [--seed N]
//
// One sheet, `track_bench`: the header row (the CSV's column names, so the file named
// track_bench.xlsx needs no mapping), then one row per CSV line: userId, name, event, plan,
// account type, ip and device as inline strings (no shared strings part, so nothing is held for
// them), amount and quantity as numbers, the timestamp as a date cell (a serial with a
// `yyyy-mm-dd hh:mm:ss` format) that reads back as the CSV's ISO time to the millisecond. At
// most 1,048,575 rows: Excel's 1,048,576 with the header.
//
// The zip is written here, ~80 lines: each part deflated through node:zlib as a stream, its
// CRC-32 and sizes in a data descriptor after it (flag bit 3), then the central directory.
// Nothing of the sheet is held but the chunk being deflated.

import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createDeflateRaw, crc32 } from 'node:zlib';
import { DEFAULT_SEED, TRACK_HEADER, cachedBenchPath, ensureFile, generatorCli, trackLines } from './generate.mjs';

/** Excel's last row, the header's included. */
export const MAX_ROWS = 1_048_576;

const SHEET_NAME = 'track_bench';

/** A zip written as a stream: parts one after another, then the central directory. */
class ZipWriter {
  /** @param {import('node:fs').WriteStream} out */
  constructor(out) {
    this.out = out;
    this.offset = 0;
    /** @type {{ nameBytes: Buffer, at: number, crc: number, compressed: number, size: number }[]} */
    this.entries = [];
  }

  /** @param {Buffer} buf */
  async put(buf) {
    this.offset += buf.length;
    if (!this.out.write(buf)) await once(this.out, 'drain');
  }

  /**
   * Adds the part `name`, its text from `chunks` (strings, in order), deflated.
   * @param {string} name
   * @param {Iterable<string>} chunks
   */
  async part(name, chunks) {
    const nameBytes = Buffer.from(name, 'utf8');
    const at = this.offset;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0808, 6); // sizes in a data descriptor; UTF-8 name
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0x2100, 12); // 1 January 1996, as any date
    local.writeUInt16LE(nameBytes.length, 26);
    await this.put(Buffer.concat([local, nameBytes]));
    let crc = 0;
    let size = 0;
    let compressed = 0;
    const source = Readable.from(
      (function* text() {
        for (const s of chunks) {
          const b = Buffer.from(s, 'utf8');
          crc = crc32(b, crc);
          size += b.length;
          yield b;
        }
      })(),
    );
    const self = this;
    await pipeline(source, createDeflateRaw({ level: 6 }), async function sink(deflated) {
      for await (const c of deflated) {
        compressed += c.length;
        await self.put(c);
      }
    });
    if (size > 0xffffffff || this.offset > 0xffffffff) throw new Error(`${name}: past 4 GiB, which needs zip64`);
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc >>> 0, 4);
    descriptor.writeUInt32LE(compressed, 8);
    descriptor.writeUInt32LE(size, 12);
    await this.put(descriptor);
    this.entries.push({ nameBytes, at, crc: crc >>> 0, compressed, size });
  }

  /** Writes the central directory and its end record. */
  async finish() {
    const start = this.offset;
    for (const e of this.entries) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(20, 4); // made by
      h.writeUInt16LE(20, 6); // needed
      h.writeUInt16LE(0x0808, 8);
      h.writeUInt16LE(8, 10);
      h.writeUInt16LE(0x2100, 14);
      h.writeUInt32LE(e.crc, 16);
      h.writeUInt32LE(e.compressed, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(e.nameBytes.length, 28);
      h.writeUInt32LE(e.at, 42);
      await this.put(Buffer.concat([h, e.nameBytes]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.put(end);
    this.out.end();
    await once(this.out, 'finish');
  }
}

/**
 * The fields of one of generate.mjs's lines (quoted names: `"Last, First"`, `"A ""B"" C"`).
 * @param {string} line
 */
function fields(line) {
  /** @type {string[]} */
  const out = [];
  let i = 0;
  const text = line.endsWith('\n') ? line.slice(0, -1) : line;
  while (i <= text.length) {
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        v += text.slice(i, q);
        if (text[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 2; // past the quote and the comma
          break;
        }
      }
      out.push(v);
    } else {
      const c = text.indexOf(',', i);
      const end = c === -1 ? text.length : c;
      out.push(text.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

/** @param {string} s */
const escapeXml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLS = 'ABCDEFGHIJ';
/** Columns of numbers (amount, quantity) and of the date (timestamp). */
const NUMBER = new Set([5, 6]);
const DATE = 9;

/**
 * A sheet row's XML: text inline, numbers as numbers, the time as a date serial (style 1).
 * @param {number} r
 * @param {readonly string[]} values
 */
function rowXml(r, values) {
  let s = `<row r="${r}">`;
  values.forEach((v, i) => {
    if (v === '') return;
    const at = `${COLS[i]}${r}`;
    if (r > 1 && NUMBER.has(i)) s += `<c r="${at}"><v>${v}</v></c>`;
    else if (r > 1 && i === DATE) s += `<c r="${at}" s="1"><v>${Date.parse(v) / 86_400_000 + 25_569}</v></c>`;
    else s += `<c r="${at}" t="inlineStr"><is><t>${escapeXml(v)}</t></is></c>`;
  });
  return `${s}</row>`;
}

/**
 * The sheet part's text, about 1 MiB at a time.
 * @param {number} rows
 * @param {number} seed
 */
function* sheetXml(rows, seed) {
  let buf =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
    rowXml(1, TRACK_HEADER);
  let r = 1;
  for (const line of trackLines(rows, { seed })) {
    buf += rowXml(++r, fields(line));
    if (buf.length >= 1 << 20) {
      yield buf;
      buf = '';
    }
  }
  yield `${buf}</sheetData></worksheet>`;
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const CT = 'application/vnd.openxmlformats-officedocument.spreadsheetml';

/**
 * Streams a workbook of `rows` track rows (the CSV's of the same seed) to `path`; written to
 * `path.tmp-<pid>` then renamed. Resolves to the file's size in bytes.
 * @param {string} path
 * @param {number} rows
 * @param {{ seed?: number }} [options]
 */
export async function writeTrackXlsx(path, rows, { seed = DEFAULT_SEED } = {}) {
  if (!Number.isInteger(rows) || rows < 0 || rows + 1 > MAX_ROWS) {
    throw new Error(`rows must be 0 to ${MAX_ROWS - 1} (Excel's ${MAX_ROWS} with the header), not ${rows}`);
  }
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const zip = new ZipWriter(createWriteStream(tmp));
  await zip.part('[Content_Types].xml', [
    `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
      `<Default Extension="xml" ContentType="application/xml"/>` +
      `<Override PartName="/xl/workbook.xml" ContentType="${CT}.sheet.main+xml"/>` +
      `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${CT}.worksheet+xml"/>` +
      `<Override PartName="/xl/styles.xml" ContentType="${CT}.styles+xml"/></Types>`,
  ]);
  await zip.part('_rels/.rels', [
    `${XML}<Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  ]);
  await zip.part('xl/workbook.xml', [
    `${XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${REL}">` +
      `<sheets><sheet name="${SHEET_NAME}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
  ]);
  await zip.part('xl/_rels/workbook.xml.rels', [
    `${XML}<Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
      `<Relationship Id="rId2" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
  ]);
  await zip.part('xl/styles.xml', [
    `${XML}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
      `<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>` +
      `<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>`,
  ]);
  await zip.part('xl/worksheets/sheet1.xml', sheetXml(rows, seed));
  await zip.finish();
  await rename(tmp, path);
  return (await stat(path)).size;
}

/**
 * Default cache path: .cache/bench/track_bench_<label>.xlsx
 * @param {number} rows
 * @param {{ seed?: number, dir?: string }} [options]
 */
export function cachedTrackXlsxPath(rows, options = {}) {
  return cachedBenchPath(rows, 'xlsx', options);
}

/**
 * Path of a cached workbook of `rows` rows, generating it first if absent: { path, bytes, generated }.
 * @param {number} rows
 * @param {{ seed?: number, dir?: string, path?: string }} [options]
 */
export async function ensureTrackXlsx(rows, options = {}) {
  const path = options.path ?? cachedTrackXlsxPath(rows, options);
  return ensureFile(path, () => writeTrackXlsx(path, rows, options));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await generatorCli(process.argv.slice(2), {
    usage: `usage: node bench/generate-xlsx.mjs <rows, at most ${MAX_ROWS - 1}> [out.xlsx] [--seed N]`,
    ext: 'xlsx',
    maxRows: MAX_ROWS,
    write: writeTrackXlsx,
  });
}
