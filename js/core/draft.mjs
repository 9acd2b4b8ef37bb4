// Puts drafted mapping rules (the engine's draftMapping) into a mapping, for the CLI's `map` and
// the page: a rule already there for the same file is replaced where it stands, so the order
// that decides which rule applies to other files is kept; a new file's rule is appended.

/** Where the mapping's JSON Schema is published, for editors' completion and checks. */
export const SCHEMA_URL = 'https://raw.githubusercontent.com/csv2segment/csv2segment/main/schema/csv2segment.schema.json';

/** What goes wrong with a mapping to merge into, worded for a person. */
export class MergeError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'MergeError';
  }
}

/** @typedef {{ $schema?: string, files: Array<{ match?: unknown } | null> }} Mapping */

/**
 * A new mapping of the drafted rules, or `base` (the text of a mapping) with them merged in.
 * @param {{ ruleMatches(pattern: string, key: string): boolean }} engine
 * @param {{ name: string, rule: object }[]} drafts  each file's name and its drafted rule
 * @param {string | null} [base]
 * @returns {Mapping}
 */
export function mergeDrafts(engine, drafts, base = null) {
  /** @type {Mapping} */
  let mapping = { $schema: SCHEMA_URL, files: [] };
  if (base !== null) {
    try {
      mapping = JSON.parse(base);
    } catch (err) {
      throw new MergeError(`not valid JSON: ${/** @type {SyntaxError} */ (err).message}`);
    }
    if (mapping === null || typeof mapping !== 'object' || Array.isArray(mapping)) throw new MergeError('must be an object with "files", a list of rules');
    if (mapping.files === undefined) mapping.files = [];
    if (!Array.isArray(mapping.files)) throw new MergeError('files: must be a list of rules');
  }
  for (const { name, rule } of drafts) {
    const at = mapping.files.findIndex((r) => r && typeof r.match === 'string' && engine.ruleMatches(r.match, name));
    if (at === -1) mapping.files.push(rule);
    else mapping.files[at] = rule;
  }
  return mapping;
}
