/**
 * What kind of failure, the one vocabulary of every par package. The CLI turns it into an exit
 * status in one place: not_found 2, unauthorized 3, verification 4, anything else 1 (usage errors
 * also print how to get help).
 */
export type ErrorKind = 'not_found' | 'unauthorized' | 'verification' | 'invalid' | 'failure' | 'usage';

export interface ParErrorOptions {
  /** What we were doing, e.g. "push blob", "resolve", "read archive". */
  operation?: string;
  /** The reference, URL or file concerned (never with credentials). */
  reference?: string;
  cause?: unknown;
}

/**
 * The base of every error par raises on purpose: a message a user can act on, its kind, and the
 * operation and reference it concerns. Anything else that escapes is a bug or an environment
 * failure (EACCES…), reported with exit status 1.
 */
export class ParError extends Error {
  readonly kind: ErrorKind;
  readonly operation: string | undefined;
  readonly reference: string | undefined;

  constructor(message: string, kind: ErrorKind, options: ParErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParError';
    this.kind = kind;
    this.operation = options.operation;
    this.reference = options.reference;
  }
}

/** A command line that cannot be run as given (missing or conflicting arguments). Always kind `usage`. */
export class UsageError extends ParError {
  constructor(message: string, options: ParErrorOptions = {}) {
    super(message, 'usage', options);
    this.name = 'UsageError';
  }
}

/** The kind of any thrown value: a ParError's own, `failure` for everything else. */
export function errorKind(error: unknown): ErrorKind {
  return error instanceof ParError ? error.kind : 'failure';
}
