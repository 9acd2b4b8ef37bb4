// An Excel workbook given to the CLI, which reads CSV text only for now: validate and map stop
// the file with one line that says what it is and what to do (the engine's message, built in
// src/report/error.rs from the zip's first bytes), exit status 2, nothing else read or sent.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli as cli } from '../../../support/run.mjs';
import { fileURLToPath } from 'node:url';

/** ../shared beside the repository (CI has it): the real workbooks, never copied into the repository. */
const SHARED = fileURLToPath(new URL('../../../../../shared/', import.meta.url));
const SAYS = 'the file is an Excel workbook (a zip of XML parts), not CSV text: save its sheet from Excel as "CSV UTF-8" and send that file';

let dir;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-workbook-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('a workbook, by its name or renamed .csv, is named as one by validate and map', async () => {
  for (const name of ['identify_mock.xlsx', 'identify_mock.csv']) {
    const file = path.join(dir, name);
    await copyFile(path.join(SHARED, 'workbooks', 'MOCK_DATA.xlsx'), file);
    const v = await cli(['validate', file]);
    assert.deepEqual([v.code, v.stdout, v.stderr], [2, `${file}: ${SAYS}\n`, ''], name);
    const m = await cli(['map', file]);
    assert.deepEqual([m.code, m.stdout, m.stderr], [2, '', `csv2segment: ${file}: ${SAYS}\n`], name);
  }
});
