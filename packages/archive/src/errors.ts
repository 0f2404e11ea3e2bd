/**
 * What kind of failure: the CLI maps it to an exit status (not_found 2, unauthorized 3,
 * verification 4, anything else 1). The same vocabulary is used by @par/registry.
 */
export type ErrorKind = 'not_found' | 'unauthorized' | 'verification' | 'invalid' | 'failure';

export class ArchiveError extends Error {
  readonly kind: ErrorKind;
  /** The file or entry concerned, when there is one. */
  readonly path: string | undefined;

  constructor(message: string, kind: ErrorKind, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ArchiveError';
    this.kind = kind;
    this.path = options.path;
  }
}
