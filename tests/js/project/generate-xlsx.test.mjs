// bench/generate-xlsx.mjs, the workbook generator of the bench and the host tests: its zip is
// read back here by its central directory (as the engine reads it), every part's CRC-32 and
// sizes checked, and the sheet's rows compared with the CSV generator's lines of the same seed.
// (That the engine reads it into the CSV's payloads is checked by bench/xlsx.mjs, which
// scripts.test.mjs runs.)
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32, inflateRawSync } from 'node:zlib';
import { trackLines } from '../../../bench/generate.mjs';
import { MAX_ROWS, writeTrackXlsx } from '../../../bench/generate-xlsx.mjs';

/** The parts of a zip, by its central directory: name -> { data, crc, size, compressed }. */
function unzip(buf) {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'an end of central directory record');
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const parts = new Map();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, `central directory entry ${i}`);
    const crc = buf.readUInt32LE(at + 16);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30);
    const comment = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    assert.equal(buf.readUInt32LE(local), 0x04034b50, `${name}: its local header`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = inflateRawSync(buf.subarray(start, start + compressed));
    parts.set(name, { data, crc, size, compressed });
    at += 46 + nameLen + extra + comment;
  }
  return parts;
}

test('a generated workbook: every part whole, the sheet the CSV generator\'s rows as typed cells', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'xlsx-gen-'));
  try {
    const path = join(dir, 'track_bench.xlsx');
    const bytes = await writeTrackXlsx(path, 3);
    const buf = await readFile(path);
    assert.equal(bytes, buf.length);
    const parts = unzip(buf);
    assert.deepEqual([...parts.keys()], [
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/workbook.xml',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      'xl/worksheets/sheet1.xml',
    ]);
    for (const [name, p] of parts) {
      assert.equal(p.data.length, p.size, `${name}: its size`);
      assert.equal(crc32(p.data) >>> 0, p.crc, `${name}: its CRC-32`);
    }
    const sheet = parts.get('xl/worksheets/sheet1.xml').data.toString('utf8');
    const rows = sheet.match(/<row r="\d+">.*?<\/row>/g);
    assert.equal(rows.length, 4);
    assert.equal(
      rows[0],
      '<row r="1"><c r="A1" t="inlineStr"><is><t>userId</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c><c r="C1" t="inlineStr"><is><t>event</t></is></c><c r="D1" t="inlineStr"><is><t>properties.plan</t></is></c><c r="E1" t="inlineStr"><is><t>properties.accountType</t></is></c><c r="F1" t="inlineStr"><is><t>properties.amount</t></is></c><c r="G1" t="inlineStr"><is><t>properties.quantity</t></is></c><c r="H1" t="inlineStr"><is><t>context.ip</t></is></c><c r="I1" t="inlineStr"><is><t>context.device.id</t></is></c><c r="J1" t="inlineStr"><is><t>timestamp</t></is></c></row>',
    );
    assert.deepEqual([...trackLines(1)], [
      '23185,"Liam ""Sunny"" Johnson",Signed Up,bronze,Twitter,424.34,11,,0951ad1df600,2019-05-11T20:32:59.144Z\n',
    ]);
    // The quoted name unquoted, the empty ip left out, the time a serial of the date style.
    assert.equal(
      rows[1],
      `<row r="2"><c r="A2" t="inlineStr"><is><t>23185</t></is></c><c r="B2" t="inlineStr"><is><t>Liam "Sunny" Johnson</t></is></c><c r="C2" t="inlineStr"><is><t>Signed Up</t></is></c><c r="D2" t="inlineStr"><is><t>bronze</t></is></c><c r="E2" t="inlineStr"><is><t>Twitter</t></is></c><c r="F2"><v>424.34</v></c><c r="G2"><v>11</v></c><c r="I2" t="inlineStr"><is><t>0951ad1df600</t></is></c><c r="J2" s="1"><v>${Date.parse('2019-05-11T20:32:59.144Z') / 86_400_000 + 25_569}</v></c></row>`,
    );
    assert.match(rows[3], /^<row r="4"><c r="A4" t="inlineStr"><is><t>9071<\/t><\/is><\/c><c r="B4" t="inlineStr"><is><t>Tanaka, Mia<\/t>/);
    assert.ok(sheet.endsWith('</row></sheetData></worksheet>'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('no more rows than Excel has', async () => {
  await assert.rejects(writeTrackXlsx(join(tmpdir(), 'never.xlsx'), MAX_ROWS), {
    message: `rows must be 0 to ${MAX_ROWS - 1} (Excel's ${MAX_ROWS} with the header), not ${MAX_ROWS}`,
  });
});
