// The mapping editor: an export dropped here is drafted by the engine (in the editor's own Web
// Worker) and shown as its rule applies: each column with its target, type and date format, the
// constants (`set`), the guesses and blanks. Every change re-runs the preview in the worker; the
// download is the engine's merge of the rule into the mapping loaded with the file. The page only
// renders and edits the rule object: no CSV or Segment logic here. A wide export's columns are
// paged (PAGE_ROWS rows at a time, with a box that finds a column by name), so an export of
// 10,000 columns is a table of 50 rows, not 10,000 rows of selects. The rows `skip` passes over
// (a preamble, more header rows) are shown greyed among the file's first rows, as the engine read
// them; the counts are edited beside the delimiter and encoding. A line-item export's grouping
// (the mapping's `group`: the column whose rows make one event, and the item columns, those whose
// target has [], read from each row into a list) is shown and changed with the columns: a key
// column or none, and an Item box per column that moves its target into the list or out of it.

import { el, scrollTable } from './dom.mjs';

/**
 * A rule as the controls edit it: the draft's MappingRule, into which each control writes what
 * it holds, checked by the engine's preview, not here (a skip of 1.5, a constant left blank).
 * @typedef {Record<string, any>} EditedRule
 */
/** @typedef {{ drop: boolean, path: string, type: string, format: string, timezone: string, values?: Record<string, string>, unlisted?: string, with?: string[] }} EntryParts */

/** Where a free-text target goes, per call: what the text box's name is put under. */
/** @type {Record<string, string[]>} */
const FREE = { identify: ['traits.'], group: ['traits.'], track: ['properties.', 'traits.'], page: ['properties.', 'traits.'], screen: ['properties.', 'traits.'], alias: [], object: ['properties.'] };
const OTHER = '*';
/** How the delimiters are shown; the list offered is the engine's (vocabulary().delimiters), and the rule's own is added when it is another. */
/** @type {Record<string, string>} */
const DELIMITER_NAMES = { auto: 'guess from the header', ',': 'comma ,', ';': 'semicolon ;', '\t': 'tab', '|': 'bar |' };
/** How the decimal marks are shown; the list is the engine's (vocabulary().decimals). */
/** @type {Record<string, string>} */
const DECIMAL_NAMES = { '.': 'point: 1234.5', ',': 'comma: 1.234,5' };
/** @type {Record<string, string>} */
const NOTE_TEXT = { guess: 'Guess', ambiguous: 'Ambiguous', blank: 'To fill in', dropped: 'Left out', damaged: 'Damaged' };
/** A first row is shown up to this many characters (a row of 10,000 columns is not). */
const ROW_CHARS = 500;
/** The preview waits for typing to pause this long. */
const PREVIEW_DELAY_MS = 250;
/** The column table shows this many rows at a time; a wider file's columns are paged. */
export const PAGE_ROWS = 50;

/**
 * `entry` of a rule's columns as its parts: the path, the type, the format and zone, the columns
 * joined to its date (`with`), and a values table with its `unlisted` (these last kept as they
 * are: the editor has no control for them).
 * @param {any} entry a rule's column entry as the draft or a mapping wrote it: null, a string or an object
 * @returns {EntryParts}
 */
export function splitEntry(entry) {
  if (entry === null || entry === undefined) return { drop: true, path: '', type: '', format: '', timezone: '', with: undefined };
  const obj = typeof entry === 'string' ? { to: entry } : entry;
  const [path, suffix] = String(obj.to ?? '').split(':');
  return { drop: false, path: path.trim(), type: (obj.type ?? suffix ?? '').trim(), format: obj.format ?? '', timezone: obj.timezone ?? '', with: obj.with, values: obj.values, unlisted: obj.unlisted };
}

/**
 * The parts as a rule's entry, in the mapping's shortest form.
 * @param {EntryParts} parts
 */
export function joinEntry({ drop, path, type, format, timezone, with: joined, values, unlisted }) {
  if (drop || !path) return null;
  const table = values ? { values, ...(unlisted ? { unlisted } : {}) } : {};
  if (!format && joined === undefined && !values) return type ? `${path}:${type}` : path;
  // A `with` without its format stays, so the mapping's check says what it needs.
  return { to: path, ...(type ? { type } : {}), ...(format ? { format } : {}), ...(timezone ? { timezone } : {}), ...(joined !== undefined ? { with: joined } : {}), ...table };
}

/**
 * The list a rule's item columns go into (`properties.products[]`): the first item target's, or
 * `fallback` (the engine's vocabulary().itemsList) when no column is an item yet.
 * @param {EditedRule} rule
 * @param {string} fallback
 */
export function itemsListOf(rule, fallback) {
  for (const entry of Object.values(rule.columns ?? {})) {
    const { path } = splitEntry(entry);
    const at = path.indexOf('[]');
    if (at !== -1) return path.slice(0, at + 2);
  }
  return fallback;
}

/**
 * `path` as a field of each item of `list`, named by its last part: `properties.sku` →
 * `properties.products[].sku`. An item's path stays as it is.
 * @param {string} path
 * @param {string} list like `properties.products[]`
 */
export function intoItems(path, list) {
  if (path.includes('[]')) return path;
  return `${list}.${path.slice(path.lastIndexOf('.') + 1)}`;
}

/**
 * `path` out of its list, an order-level field beside the list: `properties.products[].sku` →
 * `properties.sku`; `properties.item_sku` when another column or constant already fills
 * `properties.sku` (an order's own discount and a line's, say). A path without [] stays.
 * @param {string} path
 * @param {Set<string>} taken the other targets of the rule (columns' paths and `set`'s)
 */
export function outOfItems(path, taken) {
  const at = path.indexOf('[]');
  if (at === -1) return path;
  const list = path.slice(0, at);
  const parent = list.slice(0, list.lastIndexOf('.') + 1);
  const field = path.slice(at + 2).replace(/^\./, '');
  const plain = `${parent}${field}`;
  return taken.has(plain) ? `${parent}item_${field}` : plain;
}

/** @type {(value: string, text: string, selected?: boolean) => HTMLOptionElement} */
const option = (value, text, selected) => el('option', { value, text, selected: selected || undefined });
const plural = (/** @type {number} */ n, /** @type {string} */ one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** A count as the page writes it: `10,000`. */
const count = (/** @type {number} */ n) => n.toLocaleString('en-US');

let nextId = 1;

/** One export being mapped. */
export class MappingEditor {
  /**
   * @param {Worker} worker  the editor's worker (validator.worker.mjs)
   * @param {string} pkgUrl
   * @param {File} file
   * @param {{ key: string, text: string } | null} base  the mapping loaded with the file, merged into on download
   * @param {() => { empty: string, typing: string }} options
   * @param {(text: string) => void} announce
   */
  constructor(worker, pkgUrl, file, base, options, announce) {
    this.id = `editor-${nextId++}`;
    this.worker = worker;
    this.file = file;
    this.base = base;
    this.options = options;
    this.announce = announce;
    this.seq = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} the pending preview */
    this.timer = undefined;
    // Filled in by showDraft and makePager.
    /** @type {EditedRule} the rule being edited (set by showDraft; changed() waits for it) */
    this.rule;
    /** @type {import('../../../pkg/csv2segment.js').Vocabulary} the engine's words, from the draft */
    this.words;
    /** @type {Record<string, string[]>} each call's spec fields, from the draft */
    this.fields;
    /** @type {string[][]} the file's first records, none skipped, from the draft */
    this.firstRows;
    /** @type {Record<string, { iso?: string, error?: string }>} each dated column's example, read (from the last preview) */
    this.dates;
    /** @type {string[]} the file's columns, in file order */
    this.columns = [];
    /** @type {Record<string, string | null>} a value of each column from the sample */
    this.examples = {};
    this.page = 0;
    /** @type {HTMLButtonElement[]} */
    this.prevButtons = [];
    /** @type {HTMLButtonElement[]} */
    this.nextButtons = [];
    // The heading stays the same element throughout, so focus on it survives the draft.
    this.title = el('h2', { id: `${this.id}-title`, tabIndex: -1, text: `Mapping for ${file.name}` });
    this.root = el('article', { class: 'editor', 'data-file-name': file.name, 'aria-labelledby': this.title.id }, this.title, el('p', { class: 'state', text: 'Drafting…' }));
    worker.postMessage({ type: 'draft', id: this.id, file, pkgUrl, base: base?.text ?? null });
  }

  /**
   * A message of the worker for this editor.
   * @param {any} msg the worker's message (validator.worker.mjs lists them), read by its type
   */
  onMessage(msg) {
    if (msg.type === 'drafted') this.showDraft(msg);
    else if (msg.type === 'previewed' && msg.seq === this.seq) this.showPreview(msg);
    else if (msg.type === 'mapping') this.save(msg.text);
    else if (msg.type === 'error') {
      this.root.querySelector('.state').textContent = `Could not map the file: ${msg.message}`;
      this.announce(`${this.file.name}: ${msg.message}`);
    }
  }

  /**
   * @param {{ rule: EditedRule, notes: import('../../../pkg/csv2segment.js').DraftNote[], examples: import('../../../pkg/csv2segment.js').ColumnExample[], firstRows?: string[][], fields: Record<string, string[]>, vocabulary: import('../../../pkg/csv2segment.js').Vocabulary }} drafted
   *   the worker's `drafted`
   */
  showDraft({ rule, notes, examples, firstRows, fields, vocabulary }) {
    this.rule = rule;
    this.firstRows = firstRows ?? [];
    this.fields = fields;
    // The calls, types, encodings, delimiters and the blank prefix, as the engine has them.
    this.words = vocabulary;
    const { calls, encodings, decimals } = vocabulary;
    const offered = ['auto', ...vocabulary.delimiters].map((d) => [d, DELIMITER_NAMES[d] ?? JSON.stringify(d)]);
    this.page = 0;
    this.dates = {};
    this.examples = Object.fromEntries(examples.map((e) => [e.column, e.value]));
    // The file's columns in file order, then any the rule names that the sample did not show.
    this.columns = [...examples.map((e) => e.column), ...Object.keys(rule.columns ?? {}).filter((c) => !(c in this.examples))];
    const id = this.id;

    const callSelect = el('select', { id: `${id}-call` }, calls.map((c) => option(c, c, c === rule.call)));
    const collection = el('input', { id: `${id}-collection`, type: 'text', value: rule.collection ?? '', spellcheck: false });
    const collectionField = el('div', { class: 'field', hidden: rule.call !== 'object' }, el('label', { for: collection.id, text: 'Collection' }), collection);
    callSelect.addEventListener('change', () => {
      this.rule.call = callSelect.value;
      collectionField.hidden = callSelect.value !== 'object';
      if (callSelect.value === 'object') this.rule.collection = collection.value;
      else delete this.rule.collection;
      this.renderColumns();
      this.changed();
    });
    collection.addEventListener('input', () => {
      this.rule.collection = collection.value;
      this.changed();
    });

    // How the file is read: the draft's choices, each changeable; the preview says what they do.
    const delimiters = offered.some(([d]) => d === (rule.delimiter ?? 'auto')) ? offered : [...offered, [rule.delimiter, JSON.stringify(rule.delimiter)]];
    const reading = /** @type {Array<[string, string, string[][], string, string]>} */ ([
      ['delimiter', 'Delimiter', delimiters, rule.delimiter ?? 'auto', 'auto'],
      ['encoding', 'Encoding', encodings.map((e) => [e, e]), rule.encoding ?? encodings[0], encodings[0]],
      ['decimal', 'Decimal mark', decimals.map((d) => [d, DECIMAL_NAMES[d] ?? d]), rule.decimal ?? decimals[0], decimals[0]],
    ]).map(([key, label, choices, current, fallback]) => {
      const select = el('select', { id: `${id}-${key}`, 'data-reading': key }, choices.map(([value, text]) => option(value, text, value === current)));
      select.addEventListener('change', () => {
        // The default is left out of the rule, as the draft writes it.
        if (select.value === fallback) delete this.rule[key];
        else this.rule[key] = select.value;
        select.closest('details').querySelector('summary').textContent = `How the file is read: ${readAs(this.rule)}`;
        this.changed();
      });
      return el('div', { class: 'field' }, el('label', { for: select.id, text: label }), select);
    });
    // Rows not read: before the header row, and more header rows after it (`skip`).
    const skipped = skipOf(rule);
    const skipInputs = /** @type {Array<['before' | 'after', string]>} */ ([
      ['before', 'Rows skipped before the header'],
      ['after', 'Header rows skipped after it'],
    ]).map(([key, label]) => {
      const input = el('input', { id: `${id}-skip-${key}`, type: 'number', min: 0, max: vocabulary.maxSkip, step: 1, value: String(skipped[key]), 'data-skip': key });
      input.addEventListener('input', () => {
        const counts = skipOf(this.rule);
        // An empty box is 0; any other value goes to the engine, whose check the preview shows.
        counts[key] = input.value.trim() === '' ? 0 : Number(input.value);
        if (counts.before === 0 && counts.after === 0) delete this.rule.skip;
        else this.rule.skip = counts.after === 0 ? counts.before : counts;
        input.closest('details').querySelector('summary').textContent = `How the file is read: ${readAs(this.rule)}`;
        this.renderFirstRows();
        this.changed();
      });
      return el('div', { class: 'field' }, el('label', { for: input.id, text: label }), input);
    });
    this.firstRowsList = el('ol', { class: 'first-rows' });

    const noteList = notes.length
      ? el(
          'ul',
          { class: 'notes' },
          notes.map((n) => el('li', { 'data-kind': n.kind, 'data-path': n.path }, el('strong', { text: `${NOTE_TEXT[n.kind]}: ` }), n.message)),
        )
      : el('p', { text: 'Nothing was guessed: the draft is what the file says.' });

 // Line items: the column whose consecutive equal cells make one event, or none.
    this.groupSelect = el(
      'select',
      { id: `${id}-group`, 'aria-describedby': `${id}-group-note` },
      option('', 'No column: each row is one event', !rule.group),
      this.columns.map((c) => option(c, c.trim() === '' ? '(no name)' : c, c === rule.group)),
    );
    this.groupNote = el('p', { id: `${id}-group-note`, class: 'group-note', 'data-group-note': '' });
    this.groupSelect.addEventListener('change', () => this.setGroup(this.groupSelect.value));

    this.tbody = el('tbody');
    this.pager = this.columns.length > PAGE_ROWS ? this.makePager() : null;
    this.setBody = el('tbody');
    this.download = el('button', { type: 'button', class: 'button', text: 'Download csv2segment.json' });
    this.download.addEventListener('click', () => this.worker.postMessage({ type: 'download', id: this.id, rule: this.rule }));
    this.previewStatus = el('p', { class: 'preview-status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', text: 'Reading the first rows…' });
    this.preview = el('div', { class: 'preview' });

    const addConstant = el('button', { type: 'button', class: 'button secondary', text: 'Add a constant' });
    addConstant.addEventListener('click', () => {
      this.rule.set ??= {};
      let n = 1;
      while (`properties.constant${n}` in this.rule.set) n += 1;
      this.rule.set[`properties.constant${n}`] = 'value';
      this.renderSet();
      this.setBody.lastElementChild?.querySelector('input')?.focus();
      this.changed();
    });

    // Everything after the heading is replaced; the heading stays, with the focus if it has it.
    while (this.title.nextSibling) this.title.nextSibling.remove();
    this.root.append(
      el('p', { class: 'state', text: `Drafted from the file's first rows${this.base ? `; the download is merged into ${this.base.key}` : ''}. Change what is wrong: the preview below follows.` }),
      el('div', { class: 'controls' }, el('div', { class: 'field' }, el('label', { for: callSelect.id, text: 'Each row becomes a call of' }), callSelect), collectionField),
      el(
        'details',
        { class: 'reading' },
        el('summary', { text: `How the file is read: ${readAs(rule)}` }),
        el('div', { class: 'controls', role: 'group', 'aria-label': 'How the file is read' }, reading, skipInputs),
      ),
      el('h3', { text: 'The file’s first rows' }),
      this.firstRowsList,
      el('p', { class: 'read-as', text: `${rule.header ? `The file has no header row: its columns are named by the rule. ` : ''}The rule applies to files matching ${rule.match}.` }),
      el('h3', { text: 'Guesses and blanks' }),
      noteList,
      this.pager,
      scrollTable({
        label: 'Columns',
        className: 'mapping-table',
        caption: 'The file’s columns and where each goes',
        head: ['Column', 'Example value', 'Goes to', 'Name', 'Type', 'Date format, time zone and the columns joined to the date, and the example read with them', 'Item: one per row, in a list'],
        body: this.tbody,
      }),
      el('h3', { text: 'Line items: one event per order' }),
      el(
        'div',
        { class: 'controls grouping', role: 'group', 'aria-label': 'Line items' },
        el('div', { class: 'field' }, el('label', { for: this.groupSelect.id, text: 'Rows with the same value in this column, one after another, are one event' }), this.groupSelect),
      ),
      this.groupNote,
      el(
        'table',
        { class: 'set-table' },
        el('caption', { text: 'Constants: values every row gets' }),
        el('thead', {}, el('tr', {}, ['Path', 'Value'].map((h) => el('th', { scope: 'col', text: h })), el('th', { scope: 'col' }, el('span', { class: 'visually-hidden', text: 'Remove' })))),
        this.setBody,
      ),
      el('p', {}, addConstant),
      el('h3', { text: 'Preview' }),
      this.previewStatus,
      this.preview,
      el('p', {}, this.download),
    );
    this.renderColumns();
    this.renderSet();
    this.renderFirstRows();
    this.showGrouping();
    this.changed(0);
    this.announce(`${this.file.name}: drafted a mapping, ${plural(notes.length, 'note')}.`);
  }

  /**
   * The pager of a wide file's columns: first, previous, a list of the pages, next, last, and a
   * box that finds a column by name; the status under it says which columns are shown.
   */
  makePager() {
    const id = this.id;
    const pages = Math.ceil(this.columns.length / PAGE_ROWS);
    const range = (/** @type {number} */ p) => `${count(p * PAGE_ROWS + 1)}–${count(Math.min((p + 1) * PAGE_ROWS, this.columns.length))}`;
    const button = (/** @type {string} */ text, /** @type {() => number} */ to) => {
      const b = el('button', { type: 'button', class: 'button secondary', text });
      b.addEventListener('click', () => this.showPage(to()));
      return b;
    };
    this.pageSelect = el('select', { id: `${id}-page` }, Array.from({ length: pages }, (_, p) => option(String(p), `columns ${range(p)}`, p === 0)));
    this.pageSelect.addEventListener('change', () => this.showPage(Number(this.pageSelect.value)));
    const find = el('input', { id: `${id}-find`, type: 'search', spellcheck: false, placeholder: 'a column’s name' });
    // Enter (or leaving the box) goes to the first column whose name holds the text, its target focused.
    find.addEventListener('change', () => {
      const text = find.value.trim().toLowerCase();
      if (!text) return;
      const at = this.columns.findIndex((c) => c.toLowerCase() === text);
      const i = at === -1 ? this.columns.findIndex((c) => c.toLowerCase().includes(text)) : at;
      if (i === -1) {
        this.pageStatus.textContent = `No column is named like “${find.value.trim()}”.`;
        return;
      }
      this.showPage(Math.floor(i / PAGE_ROWS));
      document.getElementById(`${id}-c${i}-to`)?.focus();
    });
    this.pageStatus = el('p', { class: 'page-status', role: 'status', 'aria-live': 'polite' });
    this.prevButtons = [button('First', () => 0), button('Previous', () => this.page - 1)];
    this.nextButtons = [button('Next', () => this.page + 1), button('Last', () => pages - 1)];
    return el(
      'nav',
      { class: 'pager', 'aria-label': 'Pages of columns' },
      el(
        'div',
        { class: 'controls' },
        this.prevButtons,
        el('div', { class: 'field' }, el('label', { for: this.pageSelect.id, text: 'Page of columns' }), this.pageSelect),
        this.nextButtons,
        el('div', { class: 'field' }, el('label', { for: find.id, text: 'Find a column' }), find),
      ),
      this.pageStatus,
    );
  }

  /**
   * Groups the rows by `column` (the mapping's `group`), or by none: then each item column's
   * target moves out of the list (outOfItems), so each row is one event again.
   * @param {string} column
   */
  setGroup(column) {
    if (column) {
      this.rule.group = column;
    } else {
      delete this.rule.group;
      const columns = this.rule.columns ?? {};
      const taken = this.targets();
      for (const [name, entry] of Object.entries(columns)) {
        const parts = splitEntry(entry);
        if (parts.drop || !parts.path.includes('[]')) continue;
        taken.delete(parts.path);
        const path = outOfItems(parts.path, taken);
        taken.add(path);
        columns[name] = joinEntry({ ...parts, path });
      }
    }
    this.renderColumns();
    this.showGrouping();
    this.changed();
  }

  /**
   * Makes column `name` an item field (its target into the list) or an order-level one (out of it).
   * @param {string} name
   * @param {boolean} item
   */
  setItem(name, item) {
    const parts = splitEntry(this.rule.columns?.[name]);
    if (parts.drop) return;
    const taken = this.targets();
    taken.delete(parts.path);
    const path = item ? intoItems(parts.path, itemsListOf(this.rule, this.words.itemsList)) : outOfItems(parts.path, taken);
    this.rule.columns[name] = joinEntry({ ...parts, path });
    this.renderColumns();
    this.showGrouping();
    this.changed();
  }

  /** The rule's targets: each column's path and each constant's. */
  targets() {
    const paths = Object.values(this.rule.columns ?? {}).map((e) => splitEntry(e)).filter((p) => !p.drop).map((p) => p.path);
    return new Set([...paths, ...Object.keys(this.rule.set ?? {})]);
  }

  /** The grouping in words, under its control: the key column, the item columns and their list. */
  showGrouping() {
    const key = this.rule.group;
    this.groupSelect.value = key && this.columns.includes(key) ? key : '';
    const items = Object.entries(this.rule.columns ?? {}).filter(([, e]) => splitEntry(e).path.includes('[]')).map(([name]) => name);
    const list = itemsListOf(this.rule, this.words.itemsList).replace(/\[\]$/, '');
    const names = (/** @type {string[]} */ n) => n.map((c) => `“${c}”`).join(', ');
    this.groupNote.textContent = !key
      ? 'Each row is one event. To send a line-item export (one row per item of an order) as one event per order, pick the column that holds the order.'
      : items.length
        ? `Rows with the same “${key}” one after another are one event, its fields read from the first row; ${plural(items.length, 'item column')} (${names(items)}) ${items.length === 1 ? 'goes' : 'go'} from each row into ${list}, in row order. At most ${count(this.words.maxGroupRows)} rows make one event.`
        : `Rows with the same “${key}” one after another are one event; mark the columns that differ on each row (the items) with their Item box.`;
    this.root.dataset.group = key ?? '';
  }

  /**
   * Shows page `p` of the columns (clamped to the pages there are).
   * @param {number} p
   */
  showPage(p) {
    const last = Math.ceil(this.columns.length / PAGE_ROWS) - 1;
    this.page = Math.max(0, Math.min(last, p));
    this.renderColumns();
  }

  /** The column rows of the page shown, from the rule. */
  renderColumns() {
    const call = this.rule.call ?? 'track';
    const spec = this.fields[call] ?? [];
    const free = FREE[call] ?? [];
    const first = this.page * PAGE_ROWS;
    const shown = this.columns.slice(first, first + PAGE_ROWS);
    if (this.pager) {
      const pages = Math.ceil(this.columns.length / PAGE_ROWS);
      this.pageSelect.value = String(this.page);
      for (const b of this.prevButtons) b.disabled = this.page === 0;
      for (const b of this.nextButtons) b.disabled = this.page === pages - 1;
      this.pageStatus.textContent = `Columns ${count(first + 1)}–${count(first + shown.length)} of ${count(this.columns.length)} shown.`;
    }
    this.tbody.replaceChildren(
      ...shown.map((name, k) => {
        const i = first + k;
        const base = `${this.id}-c${i}`;
        const parts = splitEntry(this.rule.columns?.[name]);
        const choice = parts.drop ? '' : spec.includes(parts.path) ? parts.path : free.find((p) => parts.path.startsWith(p) && parts.path.length > p.length) ?? OTHER;
        const target = el(
          'select',
          { id: `${base}-to` },
          option('', 'Left out', choice === ''),
          el('optgroup', { label: `Segment’s ${call} fields` }, spec.map((f) => option(f, f, f === choice))),
          free.map((p) => option(p, `${p}…`, p === choice)),
          option(OTHER, 'Another path… (type it)', choice === OTHER),
        );
        const rest = choice === OTHER ? parts.path : free.includes(choice) ? parts.path.slice(choice.length) : '';
        const nameInput = el('input', { id: `${base}-name`, type: 'text', value: rest, spellcheck: false, hidden: !(choice === OTHER || free.includes(choice)) });
        const type = el('select', { id: `${base}-type` }, option('', 'as read', !parts.type), this.words.types.map((t) => option(t, t, t === parts.type)));
        // The format's example read is its description: a screen reader says it with the box.
        const format = el('input', { id: `${base}-format`, type: 'text', value: parts.format, spellcheck: false, placeholder: 'none', 'aria-describedby': `${base}-read` });
        const timezone = el('input', { id: `${base}-zone`, type: 'text', value: parts.timezone, spellcheck: false, placeholder: 'UTC', size: 6, hidden: !parts.format, 'aria-describedby': `${base}-read` });
        // The columns joined to the date before the format reads it (`with`): names as in the file.
        const joined = el('input', { id: `${base}-with`, type: 'text', value: (parts.with ?? []).join(', '), spellcheck: false, placeholder: 'no other column', hidden: !parts.format && !parts.with, 'aria-describedby': `${base}-read` });
        const item = el('input', { id: `${base}-item`, type: 'checkbox', checked: parts.path.includes('[]'), disabled: parts.drop || (!this.rule.group && !parts.path.includes('[]')), 'data-item': name });
        item.addEventListener('change', () => {
          this.setItem(name, item.checked);
          document.getElementById(item.id)?.focus();
        });
        const example = this.examples[name];
        const row = el(
          'tr',
          { 'data-column': name },
          el('th', { scope: 'row', text: name.trim() === '' ? '(no name)' : name }),
          el('td', { class: 'example' }, example == null ? el('span', { class: 'muted', text: 'empty' }) : el('code', { text: example })),
          el('td', {}, el('label', { class: 'visually-hidden', for: target.id, text: `Target of ${name}` }), target),
          el('td', {}, el('label', { class: 'visually-hidden', for: nameInput.id, text: `Name under the target of ${name}` }), nameInput),
          el('td', {}, el('label', { class: 'visually-hidden', for: type.id, text: `Type of ${name}` }), type),
          el(
            'td',
            {},
            el('label', { class: 'visually-hidden', for: format.id, text: `Date format of ${name}` }),
            format,
            el('label', { class: 'visually-hidden', for: timezone.id, text: `Time zone of ${name}'s dates, like +01:00 (default UTC)` }),
            timezone,
            el('label', { class: 'visually-hidden', for: joined.id, text: `Columns joined to ${name}'s dates before the format reads them, like Time, TimeZone` }),
            joined,
            el('div', { id: `${base}-read`, class: 'date-example', 'data-date': name }),
          ),
          el('td', { class: 'item' }, el('label', { class: 'visually-hidden', for: item.id, text: `${name} is an item: one per row, in the event's list` }), item),
        );
        const update = () => {
          const choice = target.value;
          const isFree = choice === OTHER || free.includes(choice);
          nameInput.hidden = !isFree;
          const path = choice === OTHER ? nameInput.value.trim() : isFree ? `${choice}${nameInput.value.trim()}` : choice;
          // A zone only goes with a format (the schema's rule): the box shows with one.
          timezone.hidden = !format.value.trim();
          const withNames = joined.value.split(',').map((/** @type {string} */ n) => n.trim()).filter(Boolean);
          joined.hidden = !format.value.trim() && withNames.length === 0;
          this.rule.columns ??= {};
          this.rule.columns[name] = joinEntry({ drop: choice === '' || (isFree && !nameInput.value.trim()), path, type: type.value, format: format.value.trim(), timezone: timezone.value.trim(), with: withNames.length ? withNames : undefined, values: parts.values, unlisted: parts.unlisted });
          this.changed();
        };
        target.addEventListener('change', () => {
          update();
          if (!nameInput.hidden) nameInput.focus();
        });
        for (const input of [nameInput, format, timezone, joined]) input.addEventListener('input', update);
        type.addEventListener('change', update);
        return row;
      }),
    );
    this.showDates();
  }

  /**
   * The file's first rows as the draft read them, each marked as the rule's `skip` takes it:
   * skipped (greyed), the header row, or values.
   */
  renderFirstRows() {
    const { before, after } = skipOf(this.rule);
    const headed = !this.rule.header;
    const delimiter = this.rule.delimiter && this.rule.delimiter !== 'auto' ? this.rule.delimiter : ',';
    const role = (/** @type {number} */ i) => {
      if (i < before) return ['skipped', 'Skipped'];
      if (headed && i === before) return ['header', 'Header'];
      if (headed && i <= before + after) return ['skipped', 'Skipped'];
      return ['values', 'Values'];
    };
    const items = this.firstRows.map((/** @type {string[]} */ cells, /** @type {number} */ i) => {
      const [kind, text] = role(i);
      const line = cells.join(delimiter === '\t' ? '\t' : delimiter);
      return el(
        'li',
        { 'data-row': kind, class: kind === 'skipped' ? 'skipped' : undefined },
        el('span', { class: 'row-role', text: `${text}: ` }),
        el('code', { text: line.length > ROW_CHARS ? `${line.slice(0, ROW_CHARS)}…` : line }),
      );
    });
    // Skipped rows past the ones shown (the header row among them is not one).
    const end = headed ? before + 1 + after : before;
    const shown = this.firstRows.length;
    const hidden = end - shown - (headed && before >= shown ? 1 : 0);
    if (hidden > 0) items.push(el('li', { 'data-row': 'more', class: 'skipped' }, el('span', { text: `and ${plural(hidden, 'more row')} skipped, past the ones shown` })));
    this.firstRowsList.replaceChildren(...items);
  }

  /** Each shown dated column's example, read with its format (from the last preview). */
  showDates() {
    for (const cell of this.tbody.querySelectorAll('[data-date]')) {
      const d = this.dates[cell.dataset.date];
      cell.textContent = d ? (d.iso ? `read as ${d.iso}` : d.error) : '';
      cell.classList.toggle('bad', Boolean(d?.error));
    }
  }

  /** The constants' rows, from the rule's `set`; a blank the draft left is an empty box to fill. */
  renderSet() {
    const entries = Object.entries(this.rule.set ?? {});
    const { blankPrefix } = this.words;
    this.setBody.replaceChildren(
      ...entries.map(([path, value], i) => {
        const base = `${this.id}-s${i}`;
        const blank = typeof value === 'string' && value.startsWith(blankPrefix);
        const pathInput = el('input', { id: `${base}-path`, type: 'text', value: path, spellcheck: false });
        const valueInput = el('input', {
          id: `${base}-value`,
          type: 'text',
          value: blank ? '' : typeof value === 'string' ? value : JSON.stringify(value),
          placeholder: blank ? value.slice(blankPrefix.length, -1).trim() : '',
          required: true,
        });
        const remove = el('button', { type: 'button', class: 'button secondary', text: 'Remove', 'aria-label': `Remove the constant ${path}` });
        const valueLabel = el('label', { class: 'visually-hidden', for: valueInput.id });
        const label = () => {
          const isBlank = typeof value === 'string' && value.startsWith(blankPrefix);
          valueLabel.textContent = isBlank ? `Value of ${path} (to fill in)` : `Value of ${path}`;
          remove.setAttribute('aria-label', `Remove the constant ${path}`);
          valueInput.setAttribute('aria-invalid', String(isBlank));
        };
        label();
        const apply = () => {
          // Rebuilt in order, so a renamed path keeps its place.
          /** @type {Record<string, unknown>} */
          const next = {};
          for (const [p, v] of Object.entries(this.rule.set)) {
            if (p !== path) next[p] = v;
            else if (pathInput.value.trim()) next[pathInput.value.trim()] = valueInput.value === '' ? value : typed(valueInput.value, value);
          }
          path = pathInput.value.trim();
          value = next[path];
          this.rule.set = next;
          label();
          this.changed();
        };
        pathInput.addEventListener('change', apply);
        valueInput.addEventListener('input', apply);
        remove.addEventListener('click', () => {
          delete this.rule.set[path];
          if (Object.keys(this.rule.set).length === 0) delete this.rule.set;
          this.renderSet();
          this.changed();
        });
        return el(
          'tr',
          { 'data-set': path },
          el('td', {}, el('label', { class: 'visually-hidden', for: pathInput.id, text: `Path of constant ${i + 1}` }), pathInput),
          el('td', {}, valueLabel, valueInput),
          el('td', {}, remove),
        );
      }),
    );
  }

  /**
   * Asks the worker for a preview once typing pauses.
   * @param {number} [delay] ms
   */
  changed(delay = PREVIEW_DELAY_MS) {
    if (!this.rule) return;
    clearTimeout(this.timer);
    this.seq += 1;
    this.root.dataset.preview = 'pending';
    const seq = this.seq;
    this.timer = setTimeout(() => {
      this.worker.postMessage({ type: 'preview', id: this.id, seq, rule: this.rule, options: this.options(), examples: this.examples });
    }, delay);
  }

  /**
   * @param {{ report: import('../../../pkg/csv2segment.js').Report, payloads: unknown[], dates: Record<string, { iso?: string, error?: string }> }} previewed
   *   the worker's `previewed`
   */
  showPreview({ report, payloads, dates }) {
    this.dates = dates;
    this.showDates();
    let text;
    if (report.error) {
      // The mapping's problems, or the columns' (a call's field no column goes to), each with its fix.
      text = `Nothing would be sent: ${report.error}`;
    } else {
      text = `${plural(report.rows, 'row')} read: ${report.events} can be sent, ${report.rejected} rejected.`;
      // Grouped (the rule's `group`): the events are the groups, rows = events + rejected + grouped.
      if (this.rule.group) text += ` Grouped by “${this.rule.group}”: ${plural(report.groupedRows ?? 0, 'row')} went into the event of their group’s first row.`;
    }
    this.previewStatus.textContent = text;
    this.root.dataset.preview = report.error || report.headerErrors.length ? 'refused' : report.rejected ? 'rejected' : 'ok';
    this.root.dataset.rows = String(report.rows);
    this.root.dataset.rejected = String(report.rejected);
    const rejected = report.rejections.length
      ? el(
          'table',
          { class: 'preview-rejections' },
          el('caption', { text: 'Rejected rows' }),
          el('thead', {}, el('tr', {}, ['Line', 'Column', 'Reason'].map((h) => el('th', { scope: 'col', text: h })))),
          el(
            'tbody',
            {},
            report.rejections.map((r) => el('tr', { 'data-line': String(r.line) }, el('td', { class: 'num', text: String(r.line) }), el('td', { text: r.field ?? '—' }), el('td', { class: 'reason', text: r.reason }))),
          ),
        )
      : null;
    // What the run noticed about the groups: an order-level cell that differs on a later row, an order that comes back.
    const noticed = [report.groupConflicts, report.splitGroups, report.unlistedGroups].flatMap((n) => n?.first ?? []);
    this.preview.replaceChildren(
      ...(noticed.length ? [el('ul', { class: 'group-notes' }, noticed.map((n) => el('li', { text: n })))] : []),
      ...(rejected ? [rejected] : []),
      ...(payloads.length
        ? [
            el(
              'details',
              { class: 'samples', open: true },
              el('summary', { text: payloads.length === 1 ? 'The first payload' : `The first ${payloads.length} payloads` }),
              el('pre', { class: 'payloads', tabIndex: 0 }, el('code', { text: JSON.stringify(payloads, null, 2) })),
            ),
          ]
        : []),
    );
  }

  /** @param {string} text the mapping to download */
  save(text) {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const a = el('a', { href: url, download: 'csv2segment.json', hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    this.announce('Downloaded csv2segment.json.');
  }
}

/** How a rule reads its file, in words: `delimiter ";", windows-1252, decimal comma, 4 rows skipped before the header`. */
/** @param {EditedRule} rule */
function readAs(rule) {
  const delimiter = rule.delimiter ?? 'auto';
  const { before, after } = skipOf(rule);
  return [
    delimiter === 'auto' ? 'delimiter guessed' : `delimiter ${delimiter === '\t' ? 'tab' : JSON.stringify(delimiter)}`,
    rule.encoding ?? 'utf-8',
    rule.decimal === ',' ? 'decimal comma' : 'decimal point',
    ...(before ? [`${plural(before, 'row')} skipped before the header`] : []),
    ...(after ? [`${plural(after, 'header row')} skipped after it`] : []),
  ].join(', ');
}

/**
 * A rule's `skip` as its two counts (a number is the rows before the header row).
 * @param {EditedRule} rule
 * @returns {{ before: number, after: number }}
 */
export function skipOf(rule) {
  const skip = rule.skip;
  if (typeof skip === 'number') return { before: skip, after: 0 };
  return { before: Number(skip?.before ?? 0), after: Number(skip?.after ?? 0) };
}

/**
 * A constant typed in the box: kept a number or boolean when it was one and still reads as one.
 * @param {string} text
 * @param {unknown} was the constant before
 */
function typed(text, was) {
  if (typeof was === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (typeof was === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  if (was !== null && typeof was === 'object') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
