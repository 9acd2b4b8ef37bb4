// The CLI's help texts: one per command, with the options, environment and exit statuses.
import { MAPPING_NAME } from '../../core/mapping.mjs';
import { describeDefault, settingsOf } from '../../core/settings.mjs';
import { LOG_REFRESH_MS, MAX_LIMIT, PROGRAM, SHOWN_REJECTIONS } from './constants.mjs';

/**
 * Markdown (the settings table's help) as plain text: code without backticks, links as their
 * text, and "(see [a section](link))" left out, as a terminal cannot follow it.
 */
const plain = (/** @type {string} */ md) => md.replace(/\s*\(see \[[^\]]+\]\([^)]+\)\)/g, '').replace(/\[([^\]]+)\]\([^)]+\)/g, '$1').replace(/`([^`]*)`/g, '$1').replace(/\*([^*]+)\*/g, '$1');

/** `words` wrapped to lines of at most WIDTH characters, each after `indent` (the first after `first`). */
const WIDTH = 88;
/**
 * @param {string} words
 * @param {string} first
 * @param {string} indent
 */
function wrap(words, first, indent) {
  const lines = [];
  let line = first;
  let empty = true;
  for (const word of words.split(' ')) {
    if (!empty && line.length - line.lastIndexOf('\n') - 1 + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** Where the help of a variable starts. */
const COLUMN = 28;
const ALL_COMMANDS = ['validate', 'preview', 'send'];

/**
 * One variable of the Environment help: its name, then its help, the CLI's note, its default,
 * and which commands read it and which option wins over it.
 * @param {import('../../core/settings.mjs').Setting} s
 */
function environmentEntry(s) {
  const def = s.required ? '' : describeDefault(s, 'cli');
  const commands = s.commands && !ALL_COMMANDS.every((c) => s.commands?.includes(c)) ? s.commands.join(', ') : '';
  const where = [commands, s.flag && `${s.flag} wins`].filter(Boolean).join('; ');
  const about = `${plain(s.help)}${s.notes?.cli ? `; ${plain(s.notes.cli)}` : ''}${def ? `; default ${plain(def)}` : ''}${where ? ` (${where})` : ''}`;
  const name = `  ${s.name}`;
  const first = name.length < COLUMN - 1 ? name.padEnd(COLUMN) : `${name}\n${' '.repeat(COLUMN)}`;
  return wrap(about, first, ' '.repeat(COLUMN));
}

/** The variables the CLI reads, from the settings table (js/core/settings.mjs). */
export const ENVIRONMENT = ['Environment:', ...settingsOf('cli').map(environmentEntry)].join('\n');

/**
 * The one line of a command's help that names the variables it reads.
 * @param {string} command
 */
const environmentOf = (command) =>
  wrap(`Environment: ${settingsOf('cli').filter((s) => s.commands?.includes(command)).map((s) => s.name).join(', ')} (see '${PROGRAM} --help').`, '', '  ');

export const EXIT_STATUS = `Exit status:
  0  every row of every file is valid (send: and delivered)
  1  rows were rejected, or Segment refused a batch (HTTP 400)
  2  a file could not be processed (its name, its header, unreadable), or a usage error
  3  delivery failed: retries exhausted or the write key refused (send)
  With several files, the highest status of any of them.`;

/**
 * What FILE may be, with the name prefixes the engine accepts (its acceptedPrefixes(), so the
 * list is written once, in the engine).
 * @param {string} prefixes
 */
const fileNote = (prefixes) => `FILE is a path, or - for standard input (then --name gives the file name). The file
name picks the call by its prefix, one of:
  ${prefixes}
(object_ is the Objects API); .csv, .txt or .tsv, optionally .gz (decompressed on the
way), or an Excel workbook, .xlsx or .xlsm (its first sheet, or the mapping's sheet; read
in the ranges it needs, never whole). See docs/files-and-mappings.md, "Preparing a
file", for the header.`;

export const ENGINE_OPTIONS = `  --mapping FILE            read the files through this mapping (csv2segment.json; see
                            docs/files-and-mappings.md, "Files as they come"); default:
                            the nearest ${MAPPING_NAME} beside each file, then in its
                            parent folders
  --empty omit|null|string  an empty cell is left out, sent as null or sent as ""
                            (default: omit)
  --typing infer|strings    infer: numbers and true/false as such; strings: every data
                            cell a string (default: infer)
  --max-record-bytes N      a row longer than N bytes is rejected without being held
                            (default: 1048576, 1 MiB)`;

/**
 * The help of a command, or the main help; `prefixes` is the engine's acceptedPrefixes(),
 * `draftBytes` what its draft reads (vocabulary().draftSampleBytes).
 * @param {'main' | 'validate' | 'preview' | 'send' | 'map'} topic
 * @param {string} prefixes
 * @param {number} draftBytes
 * @returns {string}
 */
export const helpText = (topic, prefixes, draftBytes) => texts(fileNote(prefixes), draftBytes / 1024)[topic];

/**
 * @param {string} FILE_NOTE
 * @param {number} DRAFT_KB
 */
const texts = (FILE_NOTE, DRAFT_KB) => ({
  main: `Usage: ${PROGRAM} <command> [options] FILE...

Turns CSV files into Segment calls: each row becomes an identify, track, page, screen,
group or alias call, or an object of the Objects API, as the file's name says. Rows that
cannot be sent are reported with their line, their column and the fix.

Commands:
  validate FILE...  check files without sending anything
  preview FILE      print the first payloads as they would be sent, as NDJSON
  send FILE...      send every row to Segment
  map FILE...       draft a mapping (${MAPPING_NAME}) for exports as they come
  help [COMMAND]    this help, or a command's

Options:
  -h, --help        show this help; after a command, that command's
  -V, --version     print the version

${FILE_NOTE}

Examples:
  ${PROGRAM} validate track_signups.csv identify_users.csv
  ${PROGRAM} preview --limit 3 track_signups.csv
  export SEGMENT_WRITE_KEY=...   # the source's write key, kept out of the command line
  ${PROGRAM} send track_signups.csv
  ${PROGRAM} map unified_payments.csv > ${MAPPING_NAME}
  gunzip -c dump.gz | ${PROGRAM} send - --name track_dump.csv --source-id dump-2024-05

${EXIT_STATUS}

${ENVIRONMENT}

Run '${PROGRAM} help COMMAND' for the options of a command.`,

  validate: `Usage: ${PROGRAM} validate [options] FILE...

Runs each FILE through the engine without sending anything, and prints per file the call
it makes, the rows, the events, the rows rejected and the requests sending would take,
then why each rejected row was rejected (the first ${SHOWN_REJECTIONS}; --json has them all, up to
1,000 per file) or what is wrong with the header.

Options:
  --json                    print one JSON array on stdout, an element per FILE in order:
                            {"file", "status", "report"}; status is "done",
                            "unprocessable" (report.error says why) or "unreadable"
                            ("error" says why; report is null)
  --name NAME               the file name that picks the call, for - (required with -)
                            or for a single FILE whose own name does not say it
${ENGINE_OPTIONS}
  -q, --quiet               no progress on stderr
  -h, --help                show this help

${FILE_NOTE}

Examples:
  ${PROGRAM} validate track_signups.csv
  ${PROGRAM} validate --json exports/*.csv | jq '.[].report.rejected'
  ${PROGRAM} validate - --name track_x.csv < export.csv

Exit status:
  0  every row of every file is valid
  1  rows were rejected
  2  a file could not be processed (its name, its header, unreadable), or a usage error

${environmentOf('validate')}`,

  preview: `Usage: ${PROGRAM} preview [options] FILE

Prints the first payloads of FILE as they would be sent, one JSON object per line
(NDJSON), with the messageIds that 'send' would give them for the same FILE (or the same
--source-id); nothing is sent. The whole file is read, so the exit status tells whether
every row is valid, as 'validate' does; a summary goes to stderr when it is not.

Options:
  --limit N                 payloads to print, 1 to ${MAX_LIMIT} (default: 10)
  --source-id ID            the identity messageIds derive from, as for send
  --name NAME               the file name that picks the call (required with -)
${ENGINE_OPTIONS}
  -q, --quiet               no progress on stderr
  -h, --help                show this help

Examples:
  ${PROGRAM} preview track_signups.csv
  ${PROGRAM} preview --limit 1 object_rooms_2024.csv | jq .

Exit status: as for validate (0 valid, 1 rows rejected, 2 not processable or usage error).

${environmentOf('preview')}`,

  send: `Usage: ${PROGRAM} send [options] FILE...

Sends every row of each FILE to Segment, in batches as full as Segment allows, several
requests at once, retrying what a retry can fix. Files are sent one after the other;
when delivery fails, the files after it are not sent.

Every message gets a deterministic messageId, derived from the file's identity and the
row's position, so sending the same file again sends the same messageIds and Segment
drops the repeats. The identity is --source-id when given; otherwise
file:NAME#sha256:HASH, where HASH is the SHA-256 of the file's bytes, read in a first
pass before sending (a second or two per GB). From standard input without --source-id,
messageIds are random: sending the same data again would send it twice. A FILE that is not
a regular file (a pipe such as <(...), a FIFO) cannot be read twice: it needs --source-id.

Rows that cannot be sent are written to FILE.rejected.csv beside the file (the header,
each row as it was and a csv2segment_error column: fix them and send that file); a
FILE.rejected.csv left by an earlier run is removed when no row is rejected. From
standard input, the file is NAME.rejected.csv in the current directory, NAME being the
base name of --name. It is written to a new file that then replaces it, so a link planted
there is replaced, not followed; a FILE that is where another FILE's rejected rows go is
not sent (send it in a run of its own).

Options:
  --write-key KEY           the write key of the Segment source (default:
                            $SEGMENT_WRITE_KEY, which is better: other users of this
                            machine can read a command line)
  --region us|eu            Segment's region (default: $SEGMENT_REGION, else us)
  --endpoint URL            base URL /v1/batch is posted to, instead of the region's
                            (default: $SEGMENT_ENDPOINT)
  --objects-endpoint URL    base URL /v1/set is posted to, instead of the region's
                            (default: $SEGMENT_OBJECTS_ENDPOINT)
  --source-id ID            the identity messageIds derive from; s3://BUCKET/KEY#ETAG
                            (the eTag without quotes) sends the messageIds the Lambda
                            sends for that object
  --concurrency N           requests in flight at once (default: $SEGMENT_CONCURRENCY,
                            else 4)
  --max-events-per-second N|none
                            the most events a second to send, paced evenly; none: no
                            budget (a 429 from Segment still pauses every request,
                            then the rate climbs back). Default:
                            $SEGMENT_MAX_EVENTS_PER_SECOND, else 1000 towards
                            Segment's hosts (the rate Segment asks a workspace to
                            keep under), none with --endpoint or $SEGMENT_ENDPOINT
  --name NAME               the file name that picks the call, for - (required with -)
                            or for a single FILE whose own name does not say it
${ENGINE_OPTIONS}
  --json                    print one JSON array on stdout, an element per FILE:
                            {"file", "status", "identity", "report", "delivery",
                            "rejectsFile"}; status is "done", "unprocessable",
                            "unreadable", "failed" or "skipped" ("error" says why)
  -q, --quiet               no progress or summaries on stderr, only errors
  -h, --help                show this help

Progress goes to stderr: on a terminal, one line updated as it goes; otherwise a line
every ${LOG_REFRESH_MS / 1000} seconds. Then one summary per file.

Examples:
  export SEGMENT_WRITE_KEY=...
  ${PROGRAM} send track_signups.csv
  ${PROGRAM} send --region eu identify_users.csv.gz
  # the messageIds the Lambda sent for s3://my-csv-bucket/incoming/track_1.csv:
  ${PROGRAM} send --source-id 's3://my-csv-bucket/incoming/track_1.csv#ETAG' track_1.csv

${EXIT_STATUS}

${ENVIRONMENT}`,

  map: `Usage: ${PROGRAM} map [options] FILE...

Drafts a mapping (${MAPPING_NAME}) from the first ${DRAFT_KB} KB of each FILE, as it was
exported: one rule per file with its delimiter, encoding, header, call, and each
column's target, type and date format. The mapping goes to stdout; what the draft
guessed (an encoding, a call, a date order), what you must fill in (an event name, an
id column) and the columns it left out go to stderr, in plain words. Check them, fill
the blanks, then validate the files with the mapping. Nothing is sent.

Options:
  --merge MAPPING           add the rules to this mapping and print the result: a rule
                            whose match fits a FILE is replaced where it stands, the
                            other rules are kept as they are
  --name NAME               the file name, for - (required with -) or a single FILE
  -q, --quiet               nothing on stderr but errors
  -h, --help                show this help

Examples:
  ${PROGRAM} map exports/unified_payments.csv > exports/${MAPPING_NAME}
  ${PROGRAM} map --merge ${MAPPING_NAME} orders_export_1.csv > new.json && mv new.json ${MAPPING_NAME}

Exit status:
  0  every FILE was drafted and nothing is left to fill in
  1  a draft has blanks to fill in (the engine refuses the mapping, or the file, until
     they are filled)
  2  a FILE or the MAPPING could not be read, or a usage error`,
});
