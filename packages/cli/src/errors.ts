import { exitCodeFor, type ExitCodeValue } from './exit-codes.js';
import type { OutputFormat } from './output.js';

export type CliErrorKind = 'not_found' | 'unauthorized' | 'verification' | 'invalid' | 'failure';

/** A failure the CLI itself detects (refused operations, unreadable inputs, failed verification). */
export class CliError extends Error {
  readonly kind: CliErrorKind;
  constructor(message: string, kind: CliErrorKind = 'invalid') {
    super(message);
    this.name = 'CliError';
    this.kind = kind;
  }
}

const KNOWN_ERRORS = new Set(['ArchiveError', 'RegistryError', 'CliError']);

/**
 * One line on stderr (a JSON object in JSON mode), never a stack trace; returns the exit status.
 * Unexpected errors keep their message too: a user can act on "EACCES: permission denied, open 'x'".
 */
export function reportError(error: unknown, format: OutputFormat): ExitCodeValue {
  const code = exitCodeFor(error);
  const message = describeError(error);
  if (format === 'json') {
    const kind = typeof error === 'object' && error !== null && 'kind' in error ? String((error as { kind: unknown }).kind) : 'failure';
    process.stderr.write(`${JSON.stringify({ error: message, kind, exitCode: code })}\n`);
  } else {
    process.stderr.write(`error: ${message}\n`);
  }
  if (process.env['PAR_DEBUG'] && error instanceof Error && !KNOWN_ERRORS.has(error.name)) {
    process.stderr.write(`${error.stack ?? ''}\n`);
  }
  return code;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
