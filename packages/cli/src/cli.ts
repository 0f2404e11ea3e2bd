import { ParError, UsageError } from '@par/errors';
import type { Argv, CommandModule } from 'yargs';
import { reportError } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { OutputFormat } from './render/output.js';
import { commandsFor } from './commands/index.js';
import { helpCommand, versionCommand } from './commands/meta.js';
import { printResult } from './render/output.js';
import { asksForHelp, createYargs } from './parser/yargs-platform.js';
import { cliVersion } from './version.js';
import { helpEpilogue } from './parsing/help-text.js';
import { knownOptions } from './parsing/unknown-options.js';
import { interruptedStatus, reportInterruption, watchInterruptions } from './interruption.js';

/**
 * Parses arguments and runs one command. Returns the exit status instead of exiting, so output
 * streams flush and tests can call it in-process.
 */
export async function run(givenArgs: string[]): Promise<ExitCodeValue> {
  const args = rewriteMetaCommands(givenArgs);
  const format = outputFormatOf(args);
  if (args[0] === '--version') return printVersion(format);
  if (INTERRUPTIBLE.has(commandName(args) ?? '')) watchInterruptions();
  let status: ExitCodeValue = ExitCode.ok;
  const help = asksForHelp(args);
  const [base, commands] = await Promise.all([createYargs(args, { help }), commandsFor(commandName(args), help)]);
  let parser: Argv = base
    .scriptName('par')
    .usage('par <command> [options]\n\nBuild, sign, inspect and verify wasmCloud provider archives and move them through OCI registries.')
    .version(false)
    .help('help', 'Show help (also par help [command])')
    .alias('help', 'h')
    // Only `par --version` (main.ts answers it before yargs loads); `create --version` is the provider's.
    .option('version', { type: 'boolean', global: false, describe: "Show par's version" })
    .completion('completion', 'Print a shell completion script: par completion bash|zsh (bash unless $SHELL is zsh)')
    .recommendCommands()
    .epilogue(helpEpilogue)
    .option('output', {
      alias: 'o',
      choices: ['text', 'json', 'tree'] as const,
      default: 'text' as const,
      describe: 'Output format (tree: the text of par discover)',
      global: true,
    })
    .strict()
    .demandCommand(1, 'Name a command; `par --help` lists them.')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message: string | null | undefined, error: Error | undefined) => {
      // yargs calls this with a message for its own refusals and for a failed .check() (both usage
      // errors), and with only an error when a command's handler failed (reported as it is).
      if (error instanceof ParError || (error !== undefined && !message)) throw error;
      // A misspelt flag explains most refusals (its value taken for a missing positional): say so.
      const unknown = knownOptions.firstUnknown(args);
      if (unknown !== undefined) {
        throw new UsageError(`unknown option ${unknown.flag}${unknown.suggestion === undefined ? '' : ` (did you mean ${unknown.suggestion}?)`}`);
      }
      const command = /^Did you mean (\S+)\?$/.exec(message ?? '');
      if (command !== null) throw new UsageError(`unknown command ${args[0]} (did you mean ${command[1]}?)`);
      if (message === `Unknown argument: ${args[0]}`) throw new UsageError(`unknown command ${args[0]}; par --help lists the commands`);
      throw new UsageError(message ?? 'invalid command line', error === undefined ? {} : { cause: error });
    });
  // Every command adds its options to the global ones (GlobalOptions); yargs' types cannot say so.
  for (const command of [...commands, versionCommand, helpCommand]) parser = parser.command(knownOptions.track(command) as CommandModule);
  knownOptions.record(parser);
  try {
    await parser.parseAsync();
  } catch (error) {
    // Whatever an interruption made fail on its way out, the user only needs to hear that it was one.
    if (interruptedStatus() === undefined) status = reportError(error, format);
  }
  const interrupted = interruptedStatus();
  if (interrupted !== undefined) {
    reportInterruption();
    return interrupted;
  }
  if (status === ExitCode.ok && process.exitCode !== undefined && process.exitCode !== 0) {
    status = process.exitCode as ExitCodeValue;
  }
  return status;
}

/**
 * `par help [command]` is `par [command] --help`; `par completion bash|zsh` is yargs' completion
 * command for that shell (yargs picks zsh from $SHELL, so the choice is made through it).
 */
function rewriteMetaCommands(args: string[]): string[] {
  if (args[0] === 'help') return [...args.slice(1), '--help'];
  if (args[0] === 'completion' && (args[1] === 'bash' || args[1] === 'zsh')) {
    process.env['SHELL'] = `/bin/${args[1]}`;
    delete process.env['ZSH_NAME'];
    return ['completion', ...args.slice(2)];
  }
  return args;
}

function printVersion(format: OutputFormat): ExitCodeValue {
  const version = cliVersion();
  printResult(format, { version }, () => `par ${version}`);
  return ExitCode.ok;
}

/** The first word that is not an option (nor the value of `--output`/`-o`): the command's name. */
function commandName(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return undefined;
    if (arg === '--output' || arg === '-o') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * Commands whose work listens to the interruption signal (registry transfers and reads). The
 * others (create, insert, keys) keep the default: a signal ends them at once, and their atomic
 * writers' partial files are removed by the next write to the same place.
 */
const INTERRUPTIBLE = new Set(['push', 'pull', 'copy', 'promote', 'inspect', 'verify', 'tags', 'resolve', 'login']);

/** The output format is needed to report errors even when parsing itself fails. */
function outputFormatOf(args: string[]): OutputFormat {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--output=json' || arg === '-ojson') return 'json';
    if ((arg === '--output' || arg === '-o') && args[i + 1] === 'json') return 'json';
  }
  return 'text';
}
