// Building the page's elements: el(), the one helper the validation page (app.mjs) and the
// mapping editor (editor.mjs) make their DOM with, and scrollTable(), the wide table both show.

/**
 * An element with attributes and children. Attributes: `class`, `text` (its text), `for` (a
 * label's control), `data-*`, `aria-*`, `role` and `scope` as attributes, any other key as a
 * property; undefined, null and false ones are left out, and so are such children.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children nodes, text, or arrays of them
 * @returns {any} the element (any: callers use the properties of the tag they made)
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'for') /** @type {HTMLLabelElement} */ (node).htmlFor = value;
    else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'role' || key === 'scope') node.setAttribute(key, value);
    else /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (node))[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A wide table in a scrollable region: the region is focusable (so a keyboard can scroll it) and
 * named `<label>, scrollable`; the table has a caption and a header row of column headings.
 * @param {{ label: string, className: string, caption: string, head: string[], body: HTMLTableSectionElement }} table
 *   `body` is the table's tbody, made by the caller (the editor keeps its own to fill again)
 * @returns {HTMLDivElement}
 */
export function scrollTable({ label, className, caption, head, body }) {
  return el(
    'div',
    { class: 'table-scroll', tabIndex: 0, role: 'region', 'aria-label': `${label}, scrollable` },
    el(
      'table',
      { class: className },
      el('caption', { text: caption }),
      el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col', text: h })))),
      body,
    ),
  );
}
