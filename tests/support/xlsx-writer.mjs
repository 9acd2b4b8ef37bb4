// Writes Excel workbooks for tests, streaming: the package's small parts, one sheet whose rows a
// generator gives (deflated as they come, never the whole sheet in memory), and the zip's
// central directory. Only what a workbook needs: deflated entries, no zip64.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG = 'http://schemas.openxmlformats.org/package/2006/relationships';

/** @param {string} s */
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A column's letters for a 0-based index. @param {number} i */
function col(i) {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/**
 * A row's XML: numbers as numbers, other values as inline strings, empty strings left out.
 * @param {number} r 1-based row
 * @param {(string | number)[]} cells
 */
export function rowXml(r, cells) {
  let xml = `<row r="${r}">`;
  cells.forEach((c, i) => {
    if (typeof c === 'number') xml += `<c r="${col(i)}${r}"><v>${c}</v></c>`;
    else if (c !== '') xml += `<c r="${col(i)}${r}" t="inlineStr"><is><t>${esc(c)}</t></is></c>`;
  });
  return `${xml}</row>`;
}

/**
 * Writes a workbook of one sheet, `sheet`, to `path`: its rows are `rows()`'s, each an array of
 * cells (see rowXml), the first the header.
 * @param {string} path
 * @param {{ sheet?: string, rows: () => Iterable<(string | number)[]> }} book
 */
export async function writeWorkbook(path, { sheet = 'Sheet1', rows }) {
  const out = createWriteStream(path);
  let offset = 0;
  /** @type {Buffer[]} */
  const central = [];
  const write = async (/** @type {Buffer} */ b) => {
    offset += b.length;
    if (!out.write(b)) await once(out, 'drain');
  };
  /** @param {string} name @param {number} crc @param {number} csize @param {number} size @param {number} at */
  const entry = (name, crc, csize, size, at) => {
    const n = Buffer.from(name);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc >>> 0, 16);
    c.writeUInt32LE(csize, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(at, 42);
    central.push(c, n);
  };
  /** @param {string} name @param {number} crc @param {number} csize @param {number} size */
  const local = (name, crc, csize, size) => {
    const n = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(8, 8);
    h.writeUInt32LE(crc >>> 0, 14);
    h.writeUInt32LE(csize, 18);
    h.writeUInt32LE(size, 22);
    h.writeUInt16LE(n.length, 26);
    return Buffer.concat([h, n]);
  };
  /** @param {string} name @param {string} text */
  const small = async (name, text) => {
    const data = Buffer.from(text);
    const body = deflateRawSync(data);
    const crc = crc32(data);
    entry(name, crc, body.length, data.length, offset);
    await write(local(name, crc, body.length, data.length));
    await write(body);
  };
  await small('_rels/.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${PKG}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`);
  await small('xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${PKG}"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`);
  await small('xl/workbook.xml', `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${NS}" xmlns:r="${REL}"><sheets><sheet name="${esc(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>`);

  // The sheet, deflated as its rows come: its sizes are known only at its end, so its local
  // header is written with zeros and patched once the file is closed.
  const name = 'xl/worksheets/sheet1.xml';
  const at = offset;
  await write(local(name, 0, 0, 0));
  const deflate = createDeflateRaw({ level: 6 });
  let crc = 0;
  let size = 0;
  let csize = 0;
  deflate.on('data', (b) => {
    csize += b.length;
    offset += b.length;
    out.write(b);
  });
  const push = async (/** @type {string} */ text) => {
    const b = Buffer.from(text);
    crc = crc32(b, crc);
    size += b.length;
    if (!deflate.write(b)) await once(deflate, 'drain');
  };
  await push(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${NS}"><sheetData>`);
  let r = 0;
  for (const cells of rows()) await push(rowXml(++r, cells));
  await push('</sheetData></worksheet>');
  deflate.end();
  await once(deflate, 'end');
  entry(name, crc, csize, size, at);
  const dirAt = offset;
  const dir = Buffer.concat(central);
  await write(dir);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(4, 8);
  end.writeUInt16LE(4, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(dirAt, 16);
  await write(end);
  out.end();
  await once(out, 'close');
  // The sheet's local header, with its sizes.
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r+');
  try {
    await fh.write(local(name, crc, csize, size), 0, 30, at);
  } finally {
    await fh.close();
  }
  return { size: offset, sheetBytes: size };
}
