#!/usr/bin/env node
// The command-line host: `csv2segment validate|preview|send|map FILE...`. Files stream through
// the engine (ingestFile, as on every host) in flat memory; `send` delivers with the shared
// Sender; `map` prints the mapping the engine drafts from each file's first 64 KB.
import { isEngineError } from '../../core/pipeline.mjs';
import { EXIT, PROGRAM, VERSION } from './constants.mjs';
import { helpText } from './help.mjs';
import { loadEngine } from '../../core/engine.mjs';
import { fail, liveLine, print, printErr, printLines, setCommand, UsageError } from './output.mjs';
import { COMMANDS, parseArgs } from './args.mjs';
import { ReadError } from './input.mjs';
import { send, validateOrPreview } from './commands.mjs';
import { map } from './map.mjs';


/**
 * Prints a help text; the file-name prefixes and the draft's size in it come from the engine.
 * @param {Parameters<typeof helpText>[0]} topic
 */
async function help(topic) {
  const engine = await loadEngine();
  printLines(helpText(topic, engine.acceptedPrefixes(), engine.vocabulary().draftSampleBytes));
  return EXIT.ok;
}

/** @param {string[]} argv */
async function main(argv) {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given');
  if (first === '--help' || first === '-h') return help('main');
  if (first === '--version' || first === '-V') {
    print(`${PROGRAM} ${VERSION}`);
    return EXIT.ok;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (rest.length > 1) throw new UsageError('help takes at most one COMMAND');
    if (topic === undefined) return help('main');
    if (!Object.hasOwn(COMMANDS, topic)) throw new UsageError(`no such command: '${topic}' (the commands are validate, preview, send and map)`);
    return help(/** @type {keyof typeof COMMANDS} */ (topic));
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option '${first.split('=')[0]}'`);
  if (!Object.hasOwn(COMMANDS, first)) throw new UsageError(`unknown command '${first}' (the commands are validate, preview, send and map)`);
  setCommand(first);
  const command = /** @type {import('./args.mjs').Command} */ (first);
  const { values, files } = parseArgs(command, rest);
  if (values.help) return help(command);
  if (command === 'map') return map(values, files);
  return command === 'send' ? send(values, files) : validateOrPreview(command, values, files);
}

// A closed stdout (`| head`) ends the run quietly.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (caught) {
  // Anything at all may arrive here; what is read of it is read with care.
  const err = /** @type {Error & { command?: string } | null | undefined} */ (caught);
  liveLine()?.stop();
  if (process.env.CSV2SEGMENT_DEBUG) printLines(String(err?.stack ?? err), printErr);
  if (err instanceof UsageError) {
    fail(err.message);
    printErr(`Try '${PROGRAM}${err.command ? ` ${err.command}` : ''} --help'.`);
    process.exitCode = EXIT.usage;
  } else if (isEngineError(err) || err instanceof ReadError) {
    fail(err.message);
    process.exitCode = EXIT.unprocessable;
  } else {
    fail(`unexpected error: ${err?.message ?? err}`);
    process.exitCode = EXIT.unprocessable;
  }
}
