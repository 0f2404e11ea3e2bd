/**
 * What kind of failure: the CLI maps it to an exit status (not_found 2, unauthorized 3,
 * verification 4, anything else 1). The same vocabulary is used by @par/archive.
 */
export type ErrorKind = 'not_found' | 'unauthorized' | 'verification' | 'invalid' | 'failure';

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

export class RegistryError extends Error {
  readonly kind: ErrorKind;
  readonly operation: string | undefined;
  readonly reference: string | undefined;
  readonly status: number | undefined;
  readonly code: string | undefined;

  constructor(message: string, details: RegistryErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RegistryError';
    this.kind = details.kind;
    this.operation = details.operation;
    this.reference = details.reference;
    this.status = details.status;
    this.code = details.code;
  }
}
