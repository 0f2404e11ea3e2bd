import { ParError, UsageError } from '@par/errors';
import type { Argv, CommandModule } from 'yargs';
import { reportError } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { OutputFormat } from './render/output.js';
import { commandsFor } from './commands/index.js';
import { asksForHelp, createYargs } from './parser/yargs-platform.js';

/**
 * Parses arguments and runs one command. Returns the exit status instead of exiting, so output
 * streams flush and tests can call it in-process.
 */
export async function run(args: string[]): Promise<ExitCodeValue> {
  const format = outputFormatOf(args);
  let status: ExitCodeValue = ExitCode.ok;
  const help = asksForHelp(args);
  const [base, commands] = await Promise.all([createYargs(args, { help }), commandsFor(commandName(args), help)]);
  let parser: Argv = base
    .scriptName('par')
    .usage('par <command> [options]\n\nBuild, sign, inspect and verify wasmCloud provider archives and move them through OCI registries.')
    .version(false)
    .option('output', {
      alias: 'o',
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'Output format',
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
      throw new UsageError(message ?? 'invalid command line', error === undefined ? {} : { cause: error });
    });
  // Every command adds its options to the global ones (GlobalOptions); yargs' types cannot say so.
  for (const command of commands) parser = parser.command(command as CommandModule);
  try {
    await parser.parseAsync();
  } catch (error) {
    status = reportError(error, format);
  }
  if (status === ExitCode.ok && process.exitCode !== undefined && process.exitCode !== 0) {
    status = process.exitCode as ExitCodeValue;
  }
  return status;
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

/** The output format is needed to report errors even when parsing itself fails. */
function outputFormatOf(args: string[]): OutputFormat {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--output=json' || arg === '-ojson') return 'json';
    if ((arg === '--output' || arg === '-o') && args[i + 1] === 'json') return 'json';
  }
  return 'text';
}
