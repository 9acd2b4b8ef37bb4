// A mapping's set values through the CLI: `csv2segment validate` refuses values Segment would
// drop (a date it cannot read, an id that is not a string, integrations that are not true or
// false) as a mapping error, exit status 2, instead of counting the rows as sendable.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli as cli } from '../../../support/run.mjs';

let dir;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-set-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('validate refuses set values that a strict Segment drops, naming each with its JSON path', async () => {
  const file = path.join(dir, 'track_signups.csv');
  await writeFile(file, 'userId\nu1\nu2\n');
  const json = path.join(dir, 'csv2segment.json');
  const set = { event: { x: 1 }, timestamp: 'yesterday', anonymousId: 5, 'integrations.All': 'no' };
  await writeFile(json, JSON.stringify({ files: [{ match: '*.csv', set }] }));
  const refused = await cli(['validate', '--mapping', json, file]);
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stdout,
    `${file}: ${json}: the mapping has 4 problems, so nothing was sent\n` +
      '  files[0].set["anonymousId"]: anonymousId takes a string, not a number; write it in quotes: "5"\n' +
      '  files[0].set["event"]: event takes a string, not an object; give one text value, in quotes\n' +
      '  files[0].set["integrations.All"]: integrations.All takes true or false (or an object of the destination\'s settings), not a string; write true or false, without quotes\n' +
      '  files[0].set["timestamp"]: timestamp takes a date: cannot read \'yesterday\' as a date; write it like 2019-05-11T20:32:27.940Z, 2019-05-11 or as Unix seconds\n',
  );
  // Fixed as the messages say, the file validates.
  const fixed = { event: 'Signed Up', timestamp: '2024-05-01', anonymousId: '5', 'integrations.All': false };
  await writeFile(json, JSON.stringify({ files: [{ match: '*.csv', set: fixed }] }));
  const ok = await cli(['validate', '--mapping', json, file]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, `${file}: track calls: 2 rows, 2 events, 0 rejected; 1 request to send\n`);
});
