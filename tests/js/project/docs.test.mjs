// The documentation, checked: every relative link and #anchor in README.md and docs/*.md
// resolves, every fenced block says what it is, and the blocks that can run do: ```sh and
// ```console blocks of CLI calls in a temp dir against the local Segment server (a console
// block's output exactly), mapping ```json blocks through the engine's validate. Blocks that
// cannot run here (deploys, real accounts) are fenced ```sh no-run and listed in NO_RUN: a new
// block is run, or the test fails until it is marked and listed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { loadEngine } from '../../../js/core/engine.mjs';
import { runCli } from '../../support/run.mjs';
import { startSegmentServer } from '../../support/segment-server.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const WRITE_KEY = 'wk_docs_0123456789';
const PAYMENTS = readFileSync(path.join(ROOT, 'tests/fixtures/exports/unified_payments.csv'), 'utf8');
const SHOPIFY_ORDERS = new Uint8Array(readFileSync(path.join(ROOT, 'tests/fixtures/line_items/orders_export_1.csv')));

/** The fences a block may have: what it is, and whether it runs. */
const KINDS = new Set(['sh', 'sh no-run', 'console', 'json', 'js', 'csv', 'text']);

/** The blocks that cannot run here, by file and first line: every ```sh no-run block, no other. */
const NO_RUN = [
  'README.md: npm start   # the whole product on this machine: the Worker in workerd, a local R2 bucket and queue,',
  'docs/aws.md: aws ssm put-parameter --name /csv2segment/segment-write-key --type SecureString --value <write key>',
  'docs/aws.md: aws s3 cp samples/track_1.csv s3://<bucket>/incoming/track_1.csv',
  'docs/aws.md: aws s3api put-bucket-notification-configuration --bucket <bucket> --notification-configuration "$(',
  'docs/aws.md: # 1. The deployment package: dist/lambda.zip (the handler, bundled, and the wasm).',
  'docs/aws.md: aws sqs create-queue --queue-name csv2segment-pieces --attributes VisibilityTimeout=960',
  'docs/cloudflare.md: curl -H "Authorization: Bearer $INGEST_TOKEN" -H "Idempotency-Key: signups-2024-05" \\',
  "docs/cloudflare.md: npm run build                                   # pkg/: the engine's wasm",
  'docs/files-and-mappings.md: cargo test --test corpus',
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export const slug = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}_\- ]/gu, '')
    .replace(/ /g, '-');

/**
 * A Markdown file's headings (as anchors, repeats numbered as GitHub numbers them), its links
 * and its fenced blocks; nothing inside a fence counts as a heading or a link.
 * @param {string} text
 */
export function parseMarkdown(text) {
  const anchors = new Set();
  const links = [];
  const blocks = [];
  let block;
  for (const [i, line] of text.split('\n').entries()) {
    if (line.startsWith('```')) {
      if (block) {
        blocks.push(block);
        block = undefined;
      } else block = { info: line.slice(3).trim(), line: i + 1, lines: [] };
      continue;
    }
    if (block) {
      block.lines.push(line);
      continue;
    }
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (heading) {
      const base = slug(heading[1]);
      let anchor = base;
      for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
      anchors.add(anchor);
    }
    for (const m of line.replace(/`[^`]*`/g, 'code').matchAll(/\]\(([^)\s]+)\)/g)) links.push({ target: m[1], line: i + 1 });
  }
  assert.equal(block, undefined, 'a fence is never closed');
  return { anchors, links, blocks: blocks.map((b) => ({ ...b, body: b.lines.join('\n') + '\n' })) };
}

/**
 * Every relative link of `files` (paths under `root`) that names no file, or a heading its file
 * does not have: `file:line: target (why)`.
 * @param {string} root
 * @param {string[]} files
 */
export function brokenLinks(root, files) {
  const parsed = new Map();
  const parse = (file) => {
    if (!parsed.has(file)) parsed.set(file, parseMarkdown(readFileSync(file, 'utf8')));
    return parsed.get(file);
  };
  const problems = [];
  for (const rel of files) {
    const file = path.join(root, rel);
    for (const { target, line } of parse(file).links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [where, anchor] = target.split('#');
      const to = where ? path.resolve(path.dirname(file), where) : file;
      if (!existsSync(to)) problems.push(`${rel}:${line}: ${target} (no such file)`);
      else if (anchor !== undefined && !(to.endsWith('.md') && parse(to).anchors.has(anchor))) problems.push(`${rel}:${line}: ${target} (no such heading)`);
    }
  }
  return problems;
}

const docs = DOCS.map((file) => ({ file, ...parseMarkdown(readFileSync(path.join(ROOT, file), 'utf8')) }));
const blocks = docs.flatMap(({ file, blocks }) => blocks.map((b, i) => ({ ...b, file, next: blocks[i + 1], before: blocks.slice(0, i) })));
const named = (b) => `${b.file}:${b.line}`;

describe('links', () => {
  test('every relative link and #anchor in README.md and docs/*.md resolves', () => {
    assert.deepEqual(brokenLinks(ROOT, DOCS), []);
  });

  test('the check finds a missing file, a missing heading and a link to a heading of a file that is not Markdown', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-docs-'));
    try {
      await writeFile(path.join(dir, 'a.md'), '# A\n\n## The rate: one budget\n\n[ok](#the-rate-one-budget) [ok](b.md#b) [ok](b.md) `[no](c.md)`\n[file](c.md) [anchor](b.md#nope) [self](#a-1) [x](x.txt#y)\n```sh\n[in a fence](d.md)\n```\n');
      await writeFile(path.join(dir, 'b.md'), '# B\n');
      await writeFile(path.join(dir, 'x.txt'), '');
      assert.deepEqual(brokenLinks(dir, ['a.md']), ['a.md:6: c.md (no such file)', 'a.md:6: b.md#nope (no such heading)', 'a.md:6: #a-1 (no such heading)', 'a.md:6: x.txt#y (no such heading)']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("anchors are GitHub's: punctuation and code marks dropped, repeats numbered", () => {
    assert.equal(slug('Start from `csv2segment map`, or from the page'), 'start-from-csv2segment-map-or-from-the-page');
    assert.equal(slug('The rate: one budget across every shard'), 'the-rate-one-budget-across-every-shard');
    assert.deepEqual([...parseMarkdown('# A\n## A\n# A\n').anchors], ['a', 'a-1', 'a-2']);
  });
});

describe('blocks', () => {
  test('every fenced block says what it is', () => {
    assert.deepEqual(
      blocks.filter((b) => !KINDS.has(b.info)).map((b) => `${named(b)}: \`\`\`${b.info}`),
      [],
      `fence each block with one of ${[...KINDS].join(', ')}`,
    );
  });

  test('the blocks that do not run are exactly the ones listed', () => {
    assert.deepEqual(
      blocks.filter((b) => b.info === 'sh no-run').map((b) => `${b.file}: ${b.lines[0]}`),
      NO_RUN,
    );
  });

  test('every ```js block is an example under examples/ as it is', () => {
    const js = blocks.filter((b) => b.info === 'js');
    assert.ok(js.length > 0);
    for (const b of js) {
      const name = /examples\/[\w.-]+\.mjs/.exec(b.lines.find((l) => l.includes('node examples/')) ?? '')?.[0];
      assert.ok(name, `${named(b)}: the block names no examples/ file it runs as`);
      assert.equal(b.body, readFileSync(path.join(ROOT, name), 'utf8'), named(b));
    }
  });

  test('every ```csv block is the fixture it shows, or a header the engine accepts', async () => {
    const { validate } = await loadEngine();
    for (const b of blocks.filter((x) => x.info === 'csv')) {
      if (b.lines[0] === PAYMENTS.split('\n')[0]) assert.equal(b.body, PAYMENTS, `${named(b)}: not tests/fixtures/exports/unified_payments.csv`);
      else assert.equal(b.lines.length, 1, `${named(b)}: a header alone, or a fixture`);
      if (b.lines.length === 1) assert.equal(validate(new TextEncoder().encode(b.body), 'track_docs.csv').report.rows, 0, named(b));
    }
  });

  test('every mapping in a ```json block passes the engine, and reads the export it is shown with', async () => {
    const { validate } = await loadEngine();
    const json = blocks.filter((b) => b.info === 'json');
    assert.ok(json.length >= 2);
    for (const b of json) {
      const mapping = JSON.parse(b.body);
      assert.ok(Array.isArray(mapping.files), `${named(b)}: not a mapping`);
      // A line-item mapping (a rule's group) reads the Shopify orders export it is shown with.
      if (mapping.files.some((r) => r.group)) {
        const { report, payloads } = validate(SHOPIFY_ORDERS, 'orders_export_1.csv', 'file://docs', { mapping: b.body, mappingKey: 'csv2segment.json', samplePayloads: 1 });
        assert.deepEqual([report.rows, report.events, report.rejected, report.groupedRows], [7, 3, 0, 4], named(b));
        assert.deepEqual(payloads[0].properties.products.map((p) => p.sku), ['LS-001-M', 'CT-010', 'WS-003'], named(b));
        continue;
      }
      const { report } = validate(new TextEncoder().encode(PAYMENTS), 'unified_payments.csv', 'file://docs', { mapping: b.body, mappingKey: 'csv2segment.json' });
      assert.deepEqual([report.rows, report.events, report.rejected], [3, 2, 1], named(b));
    }
  });
});

/**
 * A directory with the files the runnable blocks name: the export and, when the page shows a
 * mapping before the block, that mapping beside it; the CLI section's files.
 */
async function workspace(block) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'csv2segment-docs-'));
  await mkdir(path.join(dir, 'exports'));
  await writeFile(path.join(dir, 'exports', 'unified_payments.csv'), PAYMENTS);
  const mapping = block.before.filter((b) => b.info === 'json').at(-1);
  if (mapping) await writeFile(path.join(dir, 'exports', 'csv2segment.json'), mapping.body);
  await writeFile(path.join(dir, 'track_signups.csv'), 'userId,event\nu1,Signed Up\n,Signed Up\n');
  await writeFile(path.join(dir, 'identify_users.csv.gz'), gzipSync(readFileSync(path.join(ROOT, 'samples', 'identify_1.csv'))));
  await writeFile(path.join(dir, 'dump.gz'), gzipSync(readFileSync(path.join(ROOT, 'samples', 'track_1.csv'))));
  return dir;
}

/** A command line's words; the docs' commands quote nothing. */
const words = (line) => line.trim().split(/\s+/);

describe('runnable blocks', () => {
  let seg;
  const dirs = [];
  const env = () => ({ SEGMENT_ENDPOINT: seg.url, SEGMENT_OBJECTS_ENDPOINT: seg.url });
  before(async () => {
    seg = await startSegmentServer({ writeKey: WRITE_KEY });
  });
  after(async () => {
    await seg?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  const sh = blocks.filter((b) => b.info === 'sh');
  const consoles = blocks.filter((b) => b.info === 'console');
  test('there are CLI blocks to run', () => {
    assert.ok(sh.length >= 1 && consoles.length >= 3, `${sh.length} sh, ${consoles.length} console`);
  });

  for (const b of sh) {
    test(`${named(b)}: every command runs`, async () => {
      const dir = await workspace(b);
      dirs.push(dir);
      const vars = { ...env() };
      let first;
      for (const raw of b.lines) {
        const line = raw.replace(/\s+#\s.*$/, '').trim();
        if (!line || line.startsWith('#')) continue;
        const exported = /^export (\w+)=(\S+)$/.exec(line);
        if (exported) {
          assert.equal(exported[1], 'SEGMENT_WRITE_KEY', `${named(b)}: ${line}`);
          vars.SEGMENT_WRITE_KEY = WRITE_KEY;
          continue;
        }
        const [source, command] = line.includes(' | ') ? line.split(' | ') : [undefined, line];
        let input;
        if (source) {
          const [cmd, flag, file] = words(source);
          assert.deepEqual([cmd, flag], ['gunzip', '-c'], `${named(b)}: cannot run ${source}; mark the block sh no-run and list it`);
          input = gunzipSync(await readFile(path.join(dir, file)));
        }
        const [bin, ...args] = words(command);
        assert.equal(bin, 'csv2segment', `${named(b)}: cannot run ${line}; mark the block sh no-run and list it`);
        const sent = seg.events.length;
        const r = await runCli(args, { cwd: dir, env: vars, input });
        assert.ok(r.code === 0 || r.code === 1, `${line}: exit ${r.code}\n${r.stderr}`);
        if (args[0] === 'send') assert.ok(seg.events.length > sent, `${line}: nothing reached Segment`);
        first ??= r;
      }
      // A ```text block right after the commands shows what the first one prints.
      if (b.next?.info === 'text') assert.equal(first.stdout, b.next.body);
    });
  }

  for (const b of consoles) {
    test(`${named(b)}: every command prints what the block shows`, async () => {
      const dir = await workspace(b);
      dirs.push(dir);
      const steps = [];
      for (const line of b.lines) {
        if (line.startsWith('$ ')) steps.push({ command: line.slice(2), shown: '' });
        else if (line) {
          assert.ok(steps.length, `${named(b)}: output before the first $ command`);
          steps.at(-1).shown += `${line}\n`;
        }
      }
      assert.ok(steps.length > 0);
      for (const { command, shown } of steps) {
        const [bin, ...rest] = words(command);
        if (bin === 'cat') {
          assert.equal(rest.length, 1);
          assert.equal(await readFile(path.join(dir, rest[0]), 'utf8'), shown, command);
          continue;
        }
        assert.equal(bin, 'csv2segment', `${named(b)}: cannot run ${command}`);
        const to = rest.indexOf('>');
        const args = to < 0 ? rest : rest.slice(0, to);
        const sent = seg.events.length;
        const r = await runCli(args, { cwd: dir, env: { ...env(), SEGMENT_WRITE_KEY: WRITE_KEY } });
        assert.ok(r.code === 0 || r.code === 1, `${command}: exit ${r.code}\n${r.stderr}`);
        if (to >= 0) {
          assert.equal(rest.length, to + 2, command);
          await writeFile(path.join(dir, rest[to + 1]), r.stdout);
        }
        if (args[0] === 'send') assert.ok(seg.events.length > sent, `${command}: nothing reached Segment`);
        // The block was run in /home/you; how long a send takes is the machine's.
        const printed = ((to < 0 ? r.stdout : '') + r.stderr).replaceAll(`${await realpath(dir)}/`, '/home/you/');
        assert.equal(printed.replace(/, \d+\.\d+ s$/gm, ', N s'), shown.replace(/, \d+\.\d+ s$/gm, ', N s'), command);
      }
    });
  }
});
