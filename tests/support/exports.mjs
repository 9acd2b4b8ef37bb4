// The exports in tests/fixtures/exports (files as the tools write them), their mapping and their
// exact expected payloads: shared by the host tests (CLI, Lambda, Worker).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXPORTS = fileURLToPath(new URL('../fixtures/exports/', import.meta.url));
export const MAPPING_FILE = path.join(EXPORTS, 'csv2segment.json');

/** Each export: its file name, and the rows the engine must reject (counted in the report). */
export const FIXTURES = [
  { name: 'hubspot-crm-exports-all-contacts-2024-03-05.csv', rejected: 1 },
  { name: 'unified_payments.csv', rejected: 1 },
  { name: 'orders_export_1.csv', rejected: 0 },
  { name: 'newsletter_contacts_export.csv', rejected: 0 },
  { name: 'Q1 Signups.csv', rejected: 1 },
  { name: 'Bestellungen_Maerz.csv', rejected: 0 },
  { name: 'pageviews_20240305.txt', rejected: 0 },
  { name: 'amplitude_events_2024-03-05.tsv', rejected: 0 },
];

/** The export's bytes. */
export const exportBytes = (name) => new Uint8Array(readFileSync(path.join(EXPORTS, name)));

/** The payloads the export must give, as the engine's test (tests/exports.rs) checks them. */
export function expectedPayloads(name) {
  const text = readFileSync(path.join(EXPORTS, 'expected', `${name}.ndjson`), 'utf8');
  return text.trimEnd().split('\n').map((line) => JSON.parse(line));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Payloads without their messageIds (which derive from where the file was read), each checked to be one. */
export function withoutIds(payloads) {
  return payloads.map(({ messageId, ...rest }) => {
    if (!UUID.test(messageId)) throw new Error(`not a messageId: ${messageId}`);
    return rest;
  });
}
