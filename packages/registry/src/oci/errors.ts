import { ParError, type ErrorKind } from '@par/errors';

export type { ErrorKind } from '@par/errors';

export interface RegistryErrorDetails {
  kind: ErrorKind;
  /** What we were doing, e.g. "push blob", "resolve", "fetch token". */
  operation?: string;
  /** The reference or URL concerned (never with credentials). */
  reference?: string;
  /** HTTP status, when a server answered. */
  status?: number;
  /** Registry error code, e.g. MANIFEST_UNKNOWN, NAME_UNKNOWN, DENIED. */
  code?: string;
  cause?: unknown;
}

/** A registry, layout or content failure; `status` and `code` say what a server answered. */
export class RegistryError extends ParError {
  readonly status: number | undefined;
  readonly code: string | undefined;

  constructor(message: string, details: RegistryErrorDetails) {
    super(message, details.kind, {
      ...(details.operation === undefined ? {} : { operation: details.operation }),
      ...(details.reference === undefined ? {} : { reference: details.reference }),
      ...(details.cause === undefined ? {} : { cause: details.cause }),
    });
    this.name = 'RegistryError';
    this.status = details.status;
    this.code = details.code;
  }
}

/** The transfer was stopped through its AbortSignal (the user interrupted par): not a network failure, never retried. */
export function interruptedError(what?: string): RegistryError {
  return new RegistryError(what === undefined ? 'interrupted' : `${what}: interrupted`, { kind: 'failure', operation: 'interrupt', code: 'INTERRUPTED' });
}
