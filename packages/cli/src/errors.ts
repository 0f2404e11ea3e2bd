import { ParError, type ErrorKind, type ParErrorOptions } from '@par/errors';
import { exitCodeFor, type ExitCodeValue } from './exit-codes.js';
import { fileSystemError } from './fs-errors.js';
import type { OutputFormat } from './render/output.js';
import { settings } from './settings.js';
import { redactSecrets, safeLine } from './safe-text.js';

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
 * A message may quote a registry (escape sequences, a fake second line) or a credential: it is
 * printed as one escaped line with credentials redacted.
 */
export function reportError(raised: unknown, format: OutputFormat): ExitCodeValue {
  const error = fileSystemError(raised) ?? raised;
  const code = exitCodeFor(error);
  const message = describeError(error);
  const kind = error instanceof ParError ? error.kind : 'failure';
  if (format === 'json') {
    process.stderr.write(`${JSON.stringify({ error: redactSecrets(message), kind, exitCode: code })}\n`);
  } else {
    // One line, always; a usage error also says where the usage is.
    process.stderr.write(`error: ${safeLine(message)}${kind === 'usage' ? ' (run with --help for usage)' : ''}\n`);
  }
  if (settings().debug && raised instanceof Error && !(raised instanceof ParError)) {
    process.stderr.write(`${redactSecrets(raised.stack ?? '')}\n`);
  }
  return code;
}

/** The message of an error, whole: a line break in it is escaped when printed, not a cut. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
