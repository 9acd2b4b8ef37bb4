// Building the page's elements: el(), the one helper the validation page (app.mjs) and the
// mapping editor (editor.mjs) make their DOM with.

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
