// What the CLI prints about each file: the summary of validate and send, the rejections, the
// exit status a result gives.
import path from 'node:path';
import { EXIT, SHOWN_REJECTIONS } from './constants.mjs';
import { count, plural, seconds } from './progress.mjs';

export function callText(report) {
  const file = report.file;
  if (!file) return null;
  return file.kind === 'object' ? `objects of collection ${file.collection}` : `${file.kind} calls`;
}

/** The engine's error, with the file's own label instead of its bare name. */
export function errorText(input, report) {
  const name = path.basename(report.file?.name ?? input.name ?? '');
  const error = report.error ?? 'cannot be processed';
  const rest = name && error.startsWith(`${name}: `) ? error.slice(name.length + 2) : error;
  return `${input.label}: ${rest}`;
}

export function rejectionLines(report) {
  const lines = report.rejections.slice(0, SHOWN_REJECTIONS).map((r) => `  ${r.message}`);
  const more = report.rejected - Math.min(report.rejections.length, SHOWN_REJECTIONS);
  if (more > 0) {
    lines.push(report.rejected > report.rejections.length ? `  … and ${count(more)} more; --json lists the first ${count(report.rejections.length)}` : `  … and ${count(more)} more; --json for all`);
  }
  return lines;
}

/** What validate prints for a file it could read. */
export function validateSummary(input, result) {
  const { report } = result;
  if (result.status === 'unprocessable') return [errorText(input, report)];
  return [
    `${input.label}: ${callText(report)}: ${plural(report.rows, 'row')}, ${plural(report.events, 'event')}, ${count(report.rejected)} rejected; ${plural(report.batches, 'request')} to send`,
    ...rejectionLines(report),
  ];
}

export function sendSummary(input, result, rejectsFile) {
  const { report, delivery } = result;
  if (result.status === 'unprocessable') {
    const text = errorText(input, report);
    return text.includes('nothing was sent') ? [text] : [text, '  nothing was sent'];
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

/** How long the budget held requests back, and how often Segment answered 429. */
export function pacingText(delivery) {
  const paced = delivery.pacedMs ? `paced for ${seconds(delivery.pacedMs)} to keep the events-per-second budget` : 'not paced';
  return `${paced}${delivery.throttled ? `; Segment asked to slow down ${plural(delivery.throttled, 'time')} (429)` : ''}`;
}

export function exitOf(result) {
  if (result.status !== 'done') return EXIT.unprocessable;
  if (result.report.rejected > 0 || result.delivery?.failedEvents > 0) return EXIT.rejected;
  return EXIT.ok;
}
