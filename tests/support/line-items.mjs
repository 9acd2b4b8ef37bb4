// What the host tests of line-item exports (issue 25: one Order Completed per order) share: the
// Shopify-shaped orders export in tests/fixtures/line_items/, the mapping the engine's draft gives
// it (its guesses kept, nothing left to fill in), the exact events it must give, and generated
// orders files: many orders for runs in pieces, one order over the group bound.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mergeDrafts } from '../../js/core/draft.mjs';
import { withoutIds } from './exports.mjs';

export const LINE_ITEMS = fileURLToPath(new URL('../fixtures/line_items/', import.meta.url));
/** Shopify's orders export: 3 orders of 3, 1 and 3 line items. */
export const SHOPIFY = 'orders_export_1.csv';
export const shopifyBytes = () => new Uint8Array(readFileSync(new URL(SHOPIFY, `file://${LINE_ITEMS}`)));

/**
 * The mapping (its text) the engine drafts for `name`, as `csv2segment map` writes it; throws
 * when the draft left a blank, since a test of the hosts sends the file with it as it is.
 * @param {typeof import('../../pkg/csv2segment.js')} engine
 * @param {string} name
 * @param {Uint8Array} bytes the file's start
 */
export function draftedMapping(engine, name, bytes) {
  const drafted = engine.draftMapping(name, bytes, true);
  const blanks = drafted.notes.filter((n) => n.kind === 'blank');
  if (blanks.length) throw new Error(`the draft of ${name} has blanks: ${blanks.map((n) => n.message).join('; ')}`);
  return JSON.stringify(mergeDrafts(engine, [{ name, rule: drafted.rule }]), null, 2);
}

/**
 * The events the Segment stand-in accepted, in the order it did, without the request's sentAt
 * and without their messageIds (each checked to be one).
 * @param {{ events: Record<string, unknown>[] }} seg
 */
export function sentEvents(seg) {
  return withoutIds(
    seg.events.map((e) => {
      const event = { ...e };
      delete event.sentAt;
      return event;
    }),
  );
}

const LIBRARY = { name: 'csv2segment', version: '0.1.0' };
/** One line item as the draft maps Shopify's Lineitem columns (and Vendor, as the brand). */
const item = (quantity, name, price, compareAt, sku, shipped, taxable, fulfillment, brand, discount) => ({
  quantity,
  name,
  price,
  ...(compareAt === undefined ? {} : { compare_at_price: compareAt }),
  sku,
  requires_shipping: shipped,
  taxable,
  fulfillment_status: fulfillment,
  brand,
  discount,
});

/**
 * The Shopify export's events without their messageIds: one Order Completed per order, its
 * order-level fields from the order's first line (once: the revenue of #1001 is 98, not 3 × 98),
 * its products in line order. The blank cells of an order's later lines are not conflicts.
 */
export const SHOPIFY_EVENTS = [
  {
    type: 'track',
    userId: 'ada@example.com',
    event: 'Order Completed',
    properties: {
      order_id: '#1001',
      financialStatus: 'paid',
      paidAt: '2024-03-05T19:25:10.000Z',
      fulfillmentStatus: 'fulfilled',
      acceptsMarketing: true,
      currency: 'USD',
      revenue: 98,
      shipping: 5,
      tax: 7.84,
      total: 110.84,
      coupon: 'SPRING10',
      discount: 10,
      shippingMethod: 'Standard',
      products: [
        item(2, 'Linen Shirt - M', 29, 35, 'LS-001-M', true, true, 'fulfilled', 'Harbor Linen', 0),
        item(1, 'Canvas Tote', 30, undefined, 'CT-010', true, true, 'fulfilled', 'Harbor Linen', 0),
        item(1, 'Wool Socks', 20, undefined, 'WS-003', true, true, 'fulfilled', 'Northfield Knits', 10),
      ],
      billingCity: 'Brooklyn',
      billingCountry: 'US',
      id: '5521234567890',
    },
    context: { library: LIBRARY },
    timestamp: '2024-03-05T19:22:07.000Z',
  },
  {
    type: 'track',
    userId: 'grace@example.com',
    event: 'Order Completed',
    properties: {
      order_id: '#1002',
      financialStatus: 'pending',
      fulfillmentStatus: 'unfulfilled',
      acceptsMarketing: false,
      currency: 'USD',
      revenue: 120,
      shipping: 0,
      tax: 9.6,
      total: 129.6,
      discount: 0,
      shippingMethod: 'Free Shipping',
      products: [item(1, 'Wool Coat - S', 120, 150, 'WC-014-S', true, true, 'pending', 'Northfield Knits', 0)],
      billingCity: 'Berlin',
      billingCountry: 'DE',
      id: '5521234567891',
    },
    context: { library: LIBRARY },
    timestamp: '2024-03-06T07:01:00.000Z',
  },
  {
    type: 'track',
    userId: 'katherine@example.com',
    event: 'Order Completed',
    properties: {
      order_id: '#1003',
      financialStatus: 'paid',
      paidAt: '2024-03-08T03:45:00.000Z',
      fulfillmentStatus: 'partial',
      acceptsMarketing: true,
      currency: 'USD',
      revenue: 64,
      shipping: 6.5,
      tax: 5.12,
      total: 75.62,
      discount: 0,
      shippingMethod: 'Standard',
      products: [
        item(1, 'Linen Shirt - L', 29, 35, 'LS-001-L', true, true, 'fulfilled', 'Harbor Linen', 0),
        item(1, 'Gift Card', 25, undefined, 'GC-025', false, false, 'fulfilled', 'Harbor Linen', 0),
        item(1, 'Wool Socks', 10, undefined, 'WS-003', true, true, 'pending', 'Northfield Knits', 0),
      ],
      billingCity: 'Portland',
      billingCountry: 'US',
      id: '5521234567892',
    },
    context: { library: LIBRARY },
    timestamp: '2024-03-08T03:40:12.000Z',
  },
];

/** The Shopify export's header row: the generated files below are read with its mapping. */
export const SHOPIFY_HEADER = readFileSync(new URL(SHOPIFY, `file://${LINE_ITEMS}`), 'utf8').split('\n', 1)[0];

/**
 * A Shopify-shaped line, the order-level cells on the order's first line only (as Shopify writes
 * them); `quantity` is the Lineitem quantity cell as written.
 */
function line(order, first, n, quantity) {
  const head = first
    ? `#${order},c${order}@example.com,paid,2024-03-05 14:25:10 -0500,fulfilled,yes,USD,${order % 97}.00,5.00,1.25,${(order % 97) + 6.25},,0.00,Standard`
    : `#${order},c${order}@example.com,,,,,,,,,,,,`;
  const billing = first ? 'Zürich,CH' : ',';
  return `${head},2024-03-05 14:22:07 -0500,${quantity},"Item ${n}, ""boxed""",${n}.50,,SKU-${order}-${n},true,true,fulfilled,${billing},Harbor Linen,${first ? 5521000000000 + order : ''},0.00`;
}

/**
 * `orders` Shopify-shaped orders of 1 to 5 lines each (CRLF line ends on every 7th order); every
 * 53rd order has a line whose quantity is no number, so the whole order is rejected, and the
 * pieces' rejections have to be put together as well. Order numbers start at 1001.
 */
export function manyOrders(orders) {
  const out = [SHOPIFY_HEADER];
  for (let k = 0; k < orders; k++) {
    const order = 1001 + k;
    const lines = (k % 5) + 1;
    for (let n = 0; n < lines; n++) {
      const quantity = k % 53 === 52 && n === lines - 1 ? 'two' : String(n + 1);
      out.push(line(order, n === 0, n, quantity) + (k % 7 === 0 ? '\r' : ''));
    }
  }
  return `${out.join('\n')}\n`;
}

/** One order of `lines` lines (#5000), then a one-line order (#5001). */
export function bigOrder(lines) {
  const out = [SHOPIFY_HEADER];
  for (let n = 0; n < lines; n++) out.push(line(5000, n === 0, n, '1'));
  out.push(line(5001, true, 0, '1'));
  return `${out.join('\n')}\n`;
}
