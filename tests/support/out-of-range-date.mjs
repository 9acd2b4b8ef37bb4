// The time that cannot be meant, as the hosts' dates tests (browser, Lambda, Worker) send it: an
// orders file whose second row's date, read with the mapping's format, is the year 8, outside
// the years 1900-2200 (src/base/reason.rs, Reason::TimestampRange). One copy of the file, the
// rule and what the engine says of the row, so each host's test says only what it checks.

/** Why the row is rejected, as the engine words it. */
export const REASON = "'08-11-16' reads as the year 8 with %Y-%m-%d; is it %d-%m-%y?";

/** The rejection's message: the line, the column and the reason. */
export const MESSAGE = `line 3, column 3 (Order Date): ${REASON}`;

/** Three orders; the second's date is the one out of range. */
export const CSV = 'Customer,Total,Order Date\nc1,10,2016-11-08\nc2,12,08-11-16\nc3,14,2016-11-09\n';

/** The rule that reads the file: its dates by %Y-%m-%d. */
export const RULE = {
  match: 'orders*.csv',
  call: 'track',
  columns: { Customer: 'userId', Total: 'properties.total:number', 'Order Date': { to: 'timestamp', format: '%Y-%m-%d' } },
  set: { event: 'Order Completed' },
};

/** The rejection as a report holds it: line 3 starts at byte 43 (the header's 26 bytes, the first row's 17). */
export const REJECTION = { line: 3, offset: 43, column: 3, field: 'Order Date', reason: REASON, message: MESSAGE, row: 'c2,12,08-11-16' };
