import { ParError, type ErrorKind, type ParErrorOptions } from '@par/errors';
import { exitCodeFor, type ExitCodeValue } from './exit-codes.js';
import type { OutputFormat } from './render/output.js';
import { settings } from './settings.js';

/** A failure the CLI itself detects (refused operations, unreadable inputs, failed verification). */
export class CliError extends ParError {
  constructor(message: string, kind: ErrorKind = 'invalid', options: ParErrorOptions = {}) {
    super(message, kind, options);
    this.name = 'CliError';
  }
}

/**
 * One line on stderr (a JSON object in JSON mode), never a stack trace; returns the exit status.
 * Unexpected errors keep their message too: a user can act on "EACCES: permission denied, open 'x'".
 */
export function reportError(error: unknown, format: OutputFormat): ExitCodeValue {
  const code = exitCodeFor(error);
  const message = describeError(error);
  const kind = error instanceof ParError ? error.kind : 'failure';
  if (format === 'json') {
    process.stderr.write(`${JSON.stringify({ error: message, kind, exitCode: code })}\n`);
  } else {
    // One line, always; a usage error also says where the usage is.
    process.stderr.write(`error: ${message}${kind === 'usage' ? ' (run with --help for usage)' : ''}\n`);
  }
  if (settings().debug && error instanceof Error && !(error instanceof ParError)) {
    process.stderr.write(`${error.stack ?? ''}\n`);
  }
  return code;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
