// The validation page: files in (picked or dropped), one result card per file, the work done by
// validator.worker.mjs so the page never waits on it. Nothing is sent anywhere.

import { el, scrollTable } from './dom.mjs';

/** @typedef {import('../../../pkg/csv2segment.js').Report} Report */
/** @typedef {import('../../../pkg/csv2segment.js').FileInfo} FileInfo */
/** @typedef {import('../../../pkg/csv2segment.js').ColumnInfo} ColumnInfo */
/** @typedef {import('../../../pkg/csv2segment.js').HeaderError} HeaderError */
/** @typedef {{ key: string, text: string }} PickedMapping a csv2segment.json picked or dropped */
/** @typedef {'rows' | 'events' | 'rejected' | 'batches'} CountKey */
/** @typedef {{ bytes: number, total: number, ms: number } & Record<CountKey, number>} ProgressMessage the worker's `progress` */
/** @typedef {{ report: Report, samples: unknown[], rejectsCsv: Uint8Array | null, status: 'done' | 'unprocessable', ms: number, sheet?: string | null, notes?: string[] }} DoneMessage the worker's `done` (sheet, notes: a workbook's) */

const PKG_META = document.querySelector('meta[name="csv2segment-pkg"]');
/** The engine's package, as an absolute URL (the worker resolves nothing against the page). */
const PKG_URL = new URL(PKG_META?.getAttribute('content') || '../../../pkg/', document.baseURI).href;
const WORKER_URL = new URL('./validator.worker.mjs', import.meta.url);
/** The live region is told about progress at most this often: a screen reader needs no more. */
const ANNOUNCE_MS = 3000;

/**
 * The page's element `id`: index.html has every one this script names.
 * @param {string} id
 * @returns {HTMLElement}
 */
const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element;
};
const dropZone = $('drop-zone');
const fileInput = /** @type {HTMLInputElement} */ ($('file-input'));
const cancelButton = /** @type {HTMLButtonElement} */ ($('cancel'));
const statusRegion = $('status');
const results = $('results');
const versionText = $('engine-version');
const mappingStatus = $('mapping-status');
const mappingClear = $('mapping-clear');

/**
 * The mapping files are read through (a csv2segment.json picked or dropped), or null.
 * @type {PickedMapping | null}
 */
let mapping = null;

/** @type {Record<string, string>} */
const DELIMITER_TEXT = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

/** @param {PickedMapping | null} next */
function setMapping(next) {
  mapping = next;
  mappingClear.hidden = !mapping;
  mappingStatus.textContent = mapping
    ? `Mapping ${mapping.key}: the files checked from now on are read through it.`
    : 'No mapping: files are read by their name and header.';
}

/** @type {Record<string, string>} */
const KIND_TEXT = {
  identify: 'an identify call',
  track: 'a track call',
  page: 'a page call',
  screen: 'a screen call',
  group: 'a group call',
  alias: 'an alias call',
  object: 'an object',
};

const numberFormat = new Intl.NumberFormat('en-US');
const fmt = (/** @type {number} */ n) => numberFormat.format(n);
const plural = (/** @type {number} */ n, /** @type {string} */ one, many = `${one}s`) => `${fmt(n)} ${n === 1 ? one : many}`;
const capitalise = (/** @type {string} */ text) => text.charAt(0).toUpperCase() + text.slice(1);

/** @param {number} n */
function fmtBytes(n) {
  if (n < 1000) return plural(n, 'byte');
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

// ---------------------------------------------------------------------------------------------
// The worker and the queue

/** @typedef {{ id: number, file: File, options: import('../../../pkg/csv2segment.js').IngestOptions, card: ResultCard }} Job */

/** @type {Worker | null} */
let worker = null;
let nextId = 1;
/**
 * Jobs waiting, in order; `current` is the one the worker has.
 * @type {Job[]}
 */
const queue = [];
/** @type {Job | null} */
let current = null;
let lastAnnounce = 0;

/** @param {string} text */
function announce(text) {
  statusRegion.textContent = text;
  lastAnnounce = performance.now();
}

function startWorker() {
  const w = new Worker(WORKER_URL, { type: 'module' });
  w.addEventListener('message', (event) => onWorkerMessage(event.data));
  w.addEventListener('error', (event) => {
    event.preventDefault();
    failCurrent(`The validator could not run${event.message ? `: ${event.message}` : ''}. Reload the page and try again.`);
  });
  w.addEventListener('messageerror', () => failCurrent('The validator sent a message the page could not read.'));
  return w;
}

function pump() {
  if (current || queue.length === 0) {
    cancelButton.disabled = !current;
    return;
  }
  current = /** @type {Job} */ (queue.shift());
  worker ??= startWorker();
  current.card.setState('running', 'Reading…');
  cancelButton.disabled = false;
  announce(`Checking ${current.file.name}…`);
  worker.postMessage({ type: 'validate', id: current.id, file: current.file, pkgUrl: PKG_URL, options: current.options });
}

function finishCurrent() {
  current = null;
  pump();
}

/** @param {string} message */
function failCurrent(message) {
  if (!current) return;
  current.card.fail(message);
  announce(`${current.file.name}: ${message}`);
  // The worker may be in any state: start afresh for the next file.
  worker?.terminate();
  worker = null;
  finishCurrent();
}

function cancelAll() {
  if (!current && queue.length === 0) return;
  worker?.terminate();
  worker = null;
  const names = [];
  for (const job of /** @type {Job[]} */ ([current, ...queue].filter(Boolean))) {
    job.card.setState('cancelled', 'Cancelled: the file was not read to the end, so these results are incomplete.');
    names.push(job.file.name);
  }
  queue.length = 0;
  current = null;
  cancelButton.disabled = true;
  announce(`Cancelled ${names.join(', ')}.`);
}

/** @param {any} msg the worker's message (validator.worker.mjs lists them), read by its type */
function onWorkerMessage(msg) {
  if (msg.type === 'ready') {
    versionText.textContent = `engine ${msg.version}`;
    return;
  }
  if (msg.type === 'load-error') {
    versionText.textContent = `engine failed to load from ${PKG_URL}: ${msg.message}`;
    return;
  }
  if (!current || msg.id !== current.id) return;
  const { card, file } = current;
  switch (msg.type) {
    case 'start':
      card.workbook = msg.workbook === true;
      card.showFile(msg.file, msg.fileError);
      break;
    case 'columns':
      card.showColumns(msg.columns, msg.headerErrors);
      break;
    case 'progress':
      card.showProgress(msg);
      if (performance.now() - lastAnnounce >= ANNOUNCE_MS && msg.total > 0) {
        announce(`${file.name}: ${Math.floor((100 * msg.bytes) / msg.total)}% read, ${plural(msg.rows, 'row')}.`);
      }
      break;
    case 'done':
      card.showResult(msg);
      announce(card.verdict);
      finishCurrent();
      break;
    case 'error':
      failCurrent(`Could not read the file: ${msg.message}`);
      break;
    default:
      break;
  }
}

/** @param {FileList | File[]} fileList */
async function addFiles(fileList) {
  const all = [...fileList];
  // A mapping among the files applies to them and to the files checked after them.
  const mappings = all.filter((f) => /\.json$/i.test(f.name));
  if (mappings.length > 0) {
    const chosen = mappings[mappings.length - 1];
    try {
      setMapping({ key: chosen.name, text: await chosen.text() });
      announce(`Using the mapping ${chosen.name}.`);
    } catch (err) {
      announce(`Could not read ${chosen.name}: ${/** @type {{ message?: string } | null | undefined} */ (err)?.message ?? err}`);
    }
  }
  const files = all.filter((f) => !mappings.includes(f));
  if (files.length === 0) return;
  // The selects' options are the engine's names.
  const options = { empty: /** @type {IngestEmpty} */ (/** @type {HTMLSelectElement} */ ($('opt-empty')).value), typing: /** @type {IngestTyping} */ (/** @type {HTMLSelectElement} */ ($('opt-typing')).value), ...(mapping ? { mapping: mapping.text, mappingKey: mapping.key } : {}) };
  const cards = files.map((file) => {
    const card = new ResultCard(file);
    queue.push({ id: nextId++, file, options, card });
    return card.root;
  });
  results.prepend(...cards);
  pump();
}

// ---------------------------------------------------------------------------------------------
// One file's result

/** @typedef {import('../../../pkg/csv2segment.js').IngestOptions['empty']} IngestEmpty */
/** @typedef {import('../../../pkg/csv2segment.js').IngestOptions['typing']} IngestTyping */

/**
 * A file whose name is not accepted may be an export: a button drafts its mapping.
 * @param {File} file
 */
function mapButton(file) {
  const button = el('button', { type: 'button', class: 'button secondary', text: 'Draft a mapping for this file' });
  button.addEventListener('click', () => mapFiles([file]));
  return button;
}

class ResultCard {
  /** @param {File} file */
  constructor(file) {
    this.file = file;
    /** Read as an Excel workbook (the worker's `start` says). */
    this.workbook = false;
    this.verdict = '';
    this.stateText = el('p', { class: 'state', text: 'Waiting for the file before it…' });
    this.about = el('div', { class: 'about' });
    this.progress = el('progress', { max: Math.max(file.size, 1), value: 0, 'aria-label': `Reading ${file.name}` });
    this.progressText = el('p', { class: 'progress-text', text: `${fmtBytes(0)} of ${fmtBytes(file.size)}` });
    this.counts = el('dl', { class: 'counts' });
    /** @type {Record<string, HTMLElement>} */
    this.countValues = {};
    for (const [key, label] of [
      ['rows', 'Rows'],
      ['events', 'Valid events'],
      ['rejected', 'Rejected rows'],
      ['batches', 'Requests the upload would take'],
    ]) {
      const dd = el('dd', { 'data-count': key, text: '0' });
      this.countValues[key] = dd;
      this.counts.append(el('div', { class: 'count' }, el('dt', { text: label }), dd));
    }
    this.header = el('section', { class: 'header-section', hidden: true });
    this.rejections = el('section', { class: 'rejections-section', hidden: true });
    this.samples = el('section', { class: 'samples-section', hidden: true });
    this.root = el(
      'article',
      { class: 'result', 'data-state': 'queued', 'data-file-name': file.name, 'aria-label': `Results for ${file.name}` },
      el('h2', { class: 'file-name', text: file.name }),
      this.stateText,
      this.about,
      el('div', { class: 'progress-row' }, this.progress, this.progressText),
      this.counts,
      this.header,
      this.rejections,
      this.samples,
    );
  }

  /**
   * @param {string} state
   * @param {string} text
   */
  setState(state, text) {
    this.root.dataset.state = state;
    this.stateText.textContent = text;
  }

  /**
   * @param {FileInfo | null} file what the name says; null with `fileError`
   * @param {string | null} fileError why the name is not accepted
   */
  showFile(file, fileError) {
    this.about.replaceChildren();
    if (fileError) {
      this.about.append(
        el(
          'div',
          { class: 'problem', role: 'note' },
          el('p', { class: 'problem-title', text: 'This file name is not accepted, so nothing in it would be sent.' }),
          el('p', { class: 'engine-message', 'data-error': 'file-name', text: fileError }),
          el('p', {}, mapButton(this.file)),
        ),
      );
      return;
    }
    const info = /** @type {FileInfo} */ (file);
    const what = info.kind === 'object' ? `an object of the collection “${info.collection}” (/v1/set)` : `${KIND_TEXT[info.kind]} (/v1/batch)`;
    const sep = DELIMITER_TEXT[info.delimiter] ? `${DELIMITER_TEXT[info.delimiter]}-separated` : `separated by ${JSON.stringify(info.delimiter)}`;
    const how = this.workbook ? 'an Excel workbook, its cells with their types' : [sep, info.gzip ? 'gzip-compressed' : null].filter(Boolean).join(', ');
    this.about.append(
      el(
        'p',
        { class: 'call', 'data-kind': info.kind, 'data-collection': info.collection ?? undefined },
        'Each row becomes ',
        el('strong', { text: what }),
        `; the file is read as ${how}.`,
      ),
    );
  }

  /** @param {ProgressMessage} p */
  showProgress(p) {
    this.progress.max = Math.max(p.total, 1);
    this.progress.value = Math.min(p.bytes, p.total);
    const pct = p.total > 0 ? Math.floor((100 * p.bytes) / p.total) : 100;
    const rate = p.ms > 0 ? Math.round((p.rows * 1000) / p.ms) : 0;
    this.progressText.textContent = `${fmtBytes(p.bytes)} of ${fmtBytes(p.total)} (${pct}%) · ${plural(p.rows, 'row')} · ${fmt(rate)} rows/s`;
    this.setCounts(p);
  }

  /** @param {Partial<Record<CountKey, number>>} c */
  setCounts(c) {
    for (const key of /** @type {CountKey[]} */ (Object.keys(this.countValues))) {
      this.countValues[key].textContent = fmt(c[key] ?? 0);
      this.countValues[key].dataset.value = String(c[key] ?? 0);
    }
  }

  /**
   * @param {ColumnInfo[]} columns
   * @param {HeaderError[] | undefined} headerErrors
   */
  showColumns(columns, headerErrors) {
    this.header.hidden = false;
    /** @type {Map<number, HeaderError>} */
    const errorsByColumn = new Map();
    for (const e of headerErrors ?? []) {
      if (e.column != null) errorsByColumn.set(e.column, e);
    }
    const rows = columns.map((c) =>
      el(
        'tr',
        { class: errorsByColumn.has(c.index) ? 'has-problem' : undefined },
        el('td', { class: 'num', text: String(c.index) }),
        el('td', {}, el('code', { text: c.name })),
        el('td', {}, c.target ? el('code', { text: c.target }) : el('span', { class: 'none', text: c.dropped ? '— (left out by the mapping)' : '— (see the problem below)' })),
        el('td', { text: c.type ?? '—' }),
      ),
    );
    const children = [
      el('h3', { text: 'Header' }),
      el(
        'table',
        { class: 'columns-table' },
        el('caption', { text: 'Where each column goes' }),
        el(
          'thead',
          {},
          el('tr', {}, ...['#', 'Column', 'Goes to', 'Type'].map((h) => el('th', { scope: 'col', text: h }))),
        ),
        el('tbody', {}, rows),
      ),
    ];
    if (headerErrors?.length) {
      children.push(
        el(
          'div',
          { class: 'problem', role: 'note' },
          el('p', {
            class: 'problem-title',
            text: `The header has ${plural(headerErrors.length, 'problem')}; nothing in this file would be sent until ${headerErrors.length === 1 ? 'it is' : 'they are'} fixed.`,
          }),
          el(
            'ul',
            { class: 'header-errors' },
            headerErrors.map((e) => el('li', { class: 'engine-message', 'data-column': e.column ?? undefined, text: e.message })),
          ),
        ),
      );
    }
    this.header.replaceChildren(...children);
  }

  /**
   * A workbook's sheet, and what its reader noted (a workbook named .csv, error cells).
   * @param {string | null | undefined} sheet
   * @param {string[] | undefined} notes
   */
  showWorkbook(sheet, notes) {
    this.about.querySelector('.workbook')?.remove();
    if (!this.workbook) return;
    this.about.append(
      el(
        'div',
        { class: 'workbook' },
        sheet ? el('p', { class: 'sheet', 'data-sheet': sheet, text: `Read the sheet “${sheet}”.` }) : null,
        notes?.length ? el('ul', { class: 'workbook-notes' }, notes.map((n) => el('li', { class: 'engine-message', text: n }))) : null,
      ),
    );
  }

  /**
   * Which mapping the file was read through, and by which rule.
   * @param {import('../../../pkg/csv2segment.js').MappingUsed | null} used
   */
  showMapping(used) {
    this.about.querySelector('.mapping-used')?.remove();
    if (!used) return;
    const text =
      used.rule === null
        ? `No rule of the mapping ${used.key} matches this file name: it is read by its name and header.`
        : `Read through the mapping ${used.key}, rule files[${used.rule}].`;
    this.about.append(el('p', { class: 'mapping-used', 'data-rule': used.rule ?? undefined, text }));
  }

  /** @param {DoneMessage} msg */
  showResult(msg) {
    const { report, samples, rejectsCsv, status } = msg;
    // The delimiter may have been guessed from the header since the start.
    if (report.file) this.showFile(report.file, null);
    this.showMapping(report.mapping);
    this.showWorkbook(msg.sheet, msg.notes);
    this.progress.max = Math.max(this.file.size, 1);
    this.progress.value = this.progress.max;
    this.setCounts(report);
    if (report.columns.length || report.headerErrors.length) this.showColumns(report.columns, report.headerErrors);
    const name = this.file.name;

    let detail;
    if (status === 'unprocessable') {
      if (!report.file) {
        detail = 'the file name is not accepted, so nothing in it would be sent.';
      } else if (report.headerErrors.length) {
        detail = `the header has ${plural(report.headerErrors.length, 'problem')}, so nothing in the file would be sent.`;
      } else {
        detail = 'this file cannot be read, so nothing in it would be sent.';
        this.about.append(
          el('div', { class: 'problem', role: 'note' }, el('p', { class: 'engine-message', 'data-error': 'file', text: report.error ?? 'unknown error' })),
        );
      }
      this.progressText.textContent = `Stopped after ${fmtBytes(report.inputBytes)}.`;
      this.verdict = `${name}: ${detail}`;
      this.setState('unprocessable', capitalise(detail));
      return;
    }

    const secs = msg.ms / 1000;
    // A rate over a few milliseconds says nothing; it is shown from a tenth of a second on.
    const rate = secs >= 0.1 ? ` · ${fmt(Math.round(report.rows / secs))} rows/s` : '';
    this.progressText.textContent = `${fmtBytes(this.file.size)} · ${plural(report.rows, 'row')} in ${secs.toFixed(secs < 10 ? 2 : 1)} s${rate}`;
    // A mapping's group: the rows sent are fewer events (an order's lines, one event).
    const grouped = report.groupedRows ? ` as ${plural(report.events, 'event')} (${plural(report.groupedRows, 'row')} read into the event of their group’s first row)` : '';
    if (report.rejected === 0) {
      detail = `all ${plural(report.rows, 'row')} can be sent${grouped}, in ${plural(report.batches, 'request')}.`;
    } else if (grouped) {
      detail = `${fmt(report.rows - report.rejected)} of ${plural(report.rows, 'row')} can be sent${grouped}, in ${plural(report.batches, 'request')}; ${fmt(report.rejected)} rejected (listed below).`;
    } else {
      detail = `${fmt(report.events)} of ${plural(report.rows, 'row')} can be sent, in ${plural(report.batches, 'request')}; ${fmt(report.rejected)} rejected (listed below).`;
    }
    this.verdict = `${name}: ${detail}`;
    this.setState(report.rejected === 0 ? 'done' : 'done-with-rejections', capitalise(detail));

    if (report.rejected > 0) this.showRejections(report, rejectsCsv);
    if (samples?.length) this.showSamples(samples);
  }

  /**
   * @param {Report} report
   * @param {Uint8Array | null} rejectsCsv
   */
  showRejections(report, rejectsCsv) {
    const kept = report.rejections.length;
    const download = el('button', { type: 'button', class: 'button', text: 'Download rejected rows (CSV)' });
    const fileName = `${this.file.name}.rejected.csv`;
    download.addEventListener('click', () => {
      // The button is shown only with rejectsCsv (below).
      const url = URL.createObjectURL(new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (rejectsCsv)], { type: 'text/csv;charset=utf-8' }));
      const a = el('a', { href: url, download: fileName, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    });
    const rows = report.rejections.map((r) =>
      el(
        'tr',
        { 'data-line': String(r.line) },
        el('td', { class: 'num', text: String(r.line) }),
        el('td', { class: 'num', text: r.column == null ? '—' : String(r.column) }),
        el('td', {}, r.field == null ? '—' : el('code', { text: r.field })),
        el('td', { class: 'reason', text: r.reason }),
        el('td', { class: 'raw' }, el('code', { text: r.row })),
      ),
    );
    // Rejected orders too large to list whole: a group is listed whole or not at all, so the
    // download never holds part of an order.
    const unlisted = report.unlistedGroups?.first ?? [];
    this.rejections.hidden = false;
    this.rejections.replaceChildren(
      el('h3', { text: 'Rejected rows' }),
      el('p', {
        text:
          kept === 0
            ? `None of the ${fmt(report.rejected)} rejected rows is listed: ${report.rejected === 1 ? 'it is' : 'they are'} in orders rejected whole that are too large to list whole, and a part of an order sent again would be a smaller order.`
            : kept < report.rejected
            ? `The first ${fmt(kept)} of ${fmt(report.rejected)} rejected rows are kept. Fix them, check again, and the next ones show.`
            : `${plural(report.rejected, 'row')} would not be sent. The download holds ${kept === 1 ? 'it' : 'them'} as ${kept === 1 ? 'it stands' : 'they stand'} in the file, with the reason in a last column: fix and upload that file.`,
      }),
      unlisted.length ? el('ul', { class: 'group-notes' }, unlisted.map((n) => el('li', { text: n }))) : null,
      rejectsCsv ? el('p', {}, download) : null,
      kept === 0
        ? null
        : scrollTable({
            label: 'Rejected rows',
            className: 'rejections-table',
            caption: 'Each rejected row, why, and how to fix it',
            head: ['Line', 'Column', 'Field', 'Reason', 'Row as in the file'],
            body: el('tbody', {}, rows),
          }),
    );
  }

  /** @param {unknown[]} samples */
  showSamples(samples) {
    this.samples.hidden = false;
    this.samples.replaceChildren(
      el(
        'details',
        { class: 'samples' },
        el('summary', { text: samples.length === 1 ? 'The first payload, as it would be sent' : `The first ${fmt(samples.length)} payloads, as they would be sent` }),
        el('pre', { class: 'payloads', tabIndex: 0 }, el('code', { text: JSON.stringify(samples, null, 2) })),
      ),
    );
  }

  /** @param {string} message */
  fail(message) {
    this.setState('failed', message);
    this.verdict = `${this.file.name}: ${message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Picking and dropping

fileInput.addEventListener('change', () => {
  // A file input's files are never null.
  addFiles(/** @type {FileList} */ (fileInput.files));
  // The same file can be picked again after it changed on disk.
  fileInput.value = '';
});

dropZone.addEventListener('click', () => fileInput.click());
dropZone.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    fileInput.click();
  }
});

const hasFiles = (/** @type {DragEvent} */ event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
dropZone.addEventListener('dragenter', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dropZone.classList.add('dragging');
});
dropZone.addEventListener('dragover', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  dropZone.classList.add('dragging');
});
dropZone.addEventListener('dragleave', (event) => {
  if (!dropZone.contains(/** @type {Node | null} */ (event.relatedTarget))) dropZone.classList.remove('dragging');
});
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('dragging');
  addFiles(event.dataTransfer?.files ?? []);
});
// A file dropped beside the zone must not replace the page with the file.
for (const type of /** @type {const} */ (['dragover', 'drop'])) {
  window.addEventListener(type, (/** @type {DragEvent} */ event) => {
    const target = /** @type {Node | null} */ (event.target);
    if (hasFiles(event) && !dropZone.contains(target) && !$('mapper').contains(target)) {
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'none';
    }
  });
}

cancelButton.addEventListener('click', cancelAll);
mappingClear.addEventListener('click', () => {
  setMapping(null);
  announce('No mapping: files are read by their name and header.');
});

// ---------------------------------------------------------------------------------------------
// Mapping exports (editor.mjs), in a worker of their own so a validation's cancel leaves them be

const mapInput = /** @type {HTMLInputElement} */ ($('map-input'));
const mapper = $('mapper');
const editorsBox = $('editors');
/** @type {Map<string, import('./editor.mjs').MappingEditor>} */
const editors = new Map();
/** @type {Worker | null} */
let editorWorker = null;

/**
 * Opens an editor for each export among `fileList`; a csv2segment.json among them is merged into on download.
 * @param {FileList | File[]} fileList
 */
async function mapFiles(fileList) {
  const all = [...fileList];
  const json = all.filter((f) => /\.json$/i.test(f.name)).at(-1);
  let base = mapping;
  if (json) {
    try {
      base = { key: json.name, text: await json.text() };
    } catch (err) {
      announce(`Could not read ${json.name}: ${/** @type {{ message?: string } | null | undefined} */ (err)?.message ?? err}`);
      return;
    }
  }
  if (!editorWorker) {
    editorWorker = new Worker(WORKER_URL, { type: 'module' });
    editorWorker.addEventListener('message', (event) => editors.get(event.data?.id)?.onMessage(event.data));
  }
  // Loaded on first use: the validation page fetches only what it runs.
  const { MappingEditor } = await import('./editor.mjs');
  const select = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ ($(id)).value;
  const options = () => ({ empty: select('opt-empty'), typing: select('opt-typing') });
  /** @type {import('./editor.mjs').MappingEditor | null} */
  let first = null;
  for (const file of all.filter((f) => !/\.json$/i.test(f.name))) {
    const editor = new MappingEditor(editorWorker, PKG_URL, file, base, options, announce);
    editors.set(editor.id, editor);
    editorsBox.prepend(editor.root);
    first ??= editor;
  }
  // Focus moves to the new editor, so a keyboard or screen reader user is where the work is.
  first?.root.querySelector('h2')?.focus();
}

mapInput.addEventListener('change', () => {
  // A file input's files are never null.
  mapFiles(/** @type {FileList} */ (mapInput.files));
  mapInput.value = '';
});

// The mapper section takes dropped files too.
mapper.addEventListener('dragover', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
});
mapper.addEventListener('drop', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  mapFiles(event.dataTransfer?.files ?? []);
});

// The empty-cell and typing choices change what the previews send: each editor previews again.
for (const id of ['opt-empty', 'opt-typing']) $(id).addEventListener('change', () => editors.forEach((editor) => editor.changed(0)));

// Load the engine now, so the first file does not wait for it (and a wrong package URL shows at once).
worker = startWorker();
worker.postMessage({ type: 'load', pkgUrl: PKG_URL });
