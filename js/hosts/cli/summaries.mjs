// What the CLI prints about each file: the summary of validate and send, the rejections, the
// exit status a result gives.
import path from 'node:path';
import { EXIT, SHOWN_REJECTIONS } from './constants.mjs';
import { count, plural, seconds } from './progress.mjs';

/** @typedef {import('../../../pkg/csv2segment.js').Report} Report */
/** @typedef {import('../../core/pipeline.mjs').FileResult} FileResult */
/** @typedef {import('../../core/sender.mjs').DeliverySummary} DeliverySummary */
/** @typedef {Pick<import('./args.mjs').Input, 'name' | 'label'>} Named */

/** @param {Report} report */
export function callText(report) {
  const file = report.file;
  if (!file) return null;
  return file.kind === 'object' ? `objects of collection ${file.collection}` : `${file.kind} calls`;
}

/**
 * The engine's error, with the file's own label instead of its bare name, as lines: the engine
 * lists a header's or a mapping's problems one per line under a first line. The lines are cut
 * where the engine cut them (the header's problems are in the report too), never at a line break
 * inside a header name or a file name: when the pieces do not match the problems it counts, the
 * error stays one line, its breaks escaped where it is printed.
 * @param {Named} input
 * @param {Report} report
 * @returns {string[]}
 */
export function errorText(input, report) {
  const name = path.basename(report.file?.name ?? input.name ?? '');
  const error = report.error ?? 'cannot be processed';
  const rest = name && error.startsWith(`${name}: `) ? error.slice(name.length + 2) : error;
  const [first, ...more] = engineLines(rest, report);
  return [`${input.label}: ${first}`, ...more];
}

/**
 * An engine error's lines (see errorText).
 * @param {string} error
 * @param {Report} report
 */
function engineLines(error, report) {
  const items = report.headerErrors ?? [];
  const tail = items.map((e) => `\n  ${e.message}`).join('');
  if (items.length > 0 && error.endsWith(tail)) return [error.slice(0, error.length - tail.length), ...items.map((e) => `  ${e.message}`)];
  const counted = /has (\d+) problems?, so nothing was sent/.exec(error.split('\n', 1)[0]);
  const pieces = error.split('\n  ');
  if (counted && pieces.length === Number(counted[1]) + 1) return [pieces[0], ...pieces.slice(1).map((p) => `  ${p}`)];
  return [error];
}

/** @param {Report} report */
export function rejectionLines(report) {
  const lines = report.rejections.slice(0, SHOWN_REJECTIONS).map((r) => `  ${r.message}`);
  // Rejected groups too large for the report to list whole (it lists a group whole or not at all).
  const unlisted = report.unlistedGroups?.first ?? [];
  lines.push(...unlisted.map((n) => `  ${n}`));
  const more = report.rejected - Math.min(report.rejections.length, SHOWN_REJECTIONS);
  if (more > 0 && report.rejections.length > 0) {
    lines.push(report.rejected > report.rejections.length ? `  … and ${count(more)} more; --json lists the first ${count(report.rejections.length)}` : `  … and ${count(more)} more; --json for all`);
  }
  return lines;
}

/**
 * What validate prints for a file it could read.
 * @param {Named} input
 * @param {FileResult} result
 */
export function validateSummary(input, result) {
  const { report } = result;
  if (result.status === 'unprocessable') return errorText(input, report);
  return [
    `${input.label}: ${callText(report)}: ${plural(report.rows, 'row')}, ${plural(report.events, 'event')}, ${count(report.rejected)} rejected; ${plural(report.batches, 'request')} to send`,
    ...rejectionLines(report),
  ];
}

/**
 * What send prints for a file it could read (delivered: with its sender's summary).
 * @param {Named} input
 * @param {FileResult} result
 * @param {string | null} rejectsFile
 */
export function sendSummary(input, result, rejectsFile) {
  const { report } = result;
  // send's results always carry the sender's summary (commands.mjs runs it with one).
  const delivery = /** @type {DeliverySummary} */ (result.delivery);
  if (result.status === 'unprocessable') {
    const lines = errorText(input, report);
    return lines[0].includes('nothing was sent') ? lines : [...lines, '  nothing was sent'];
  }
  const lines = [
    `${input.label}: ${callText(report)}: ${plural(report.rows, 'row')}, ${count(report.rejected)} rejected; ${plural(delivery.events, 'event')} delivered in ${plural(delivery.requests, 'request')}` +
      `${delivery.retries ? ` (${plural(delivery.retries, 'retry', 'retries')})` : ''}, ${seconds(result.timing.ms)}`,
    ...rejectionLines(report),
  ];
  if (delivery.pacedMs || delivery.throttled) lines.push(`  ${pacingText(delivery)}`);
  if (rejectsFile) lines.push(`  the rejected rows are in ${rejectsFile}: fix them and send that file`);
  for (const b of delivery.failedBatches) {
    const where = b.firstLine === b.lastLine ? `line ${b.firstLine}` : `lines ${b.firstLine}-${b.lastLine}`;
    lines.push(`  Segment refused ${where} (${plural(b.events, 'event')}): HTTP ${b.status}${b.answer ? ` ${b.answer}` : ''}`);
  }
  return lines;
}

/**
 * How long the budget held requests back, and how often Segment answered 429.
 * @param {Pick<DeliverySummary, 'pacedMs' | 'throttled'>} delivery
 */
export function pacingText(delivery) {
  const paced = delivery.pacedMs ? `paced for ${seconds(delivery.pacedMs)} to keep the events-per-second budget` : 'not paced';
  return `${paced}${delivery.throttled ? `; Segment asked to slow down ${plural(delivery.throttled, 'time')} (429)` : ''}`;
}

/** @param {FileResult} result */
export function exitOf(result) {
  if (result.status !== 'done') return EXIT.unprocessable;
  if (result.report.rejected > 0 || (result.delivery?.failedEvents ?? 0) > 0) return EXIT.rejected;
  return EXIT.ok;
}
