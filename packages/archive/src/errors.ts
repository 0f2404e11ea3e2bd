import { ParError, type ErrorKind } from '@par/errors';

export type { ErrorKind } from '@par/errors';

/** A provider archive that cannot be created, read, signed or verified. */
export class ArchiveError extends ParError {
  /** The file or entry concerned, when there is one. */
  readonly path: string | undefined;

  constructor(message: string, kind: ErrorKind, options: { path?: string; cause?: unknown; operation?: string } = {}) {
    super(message, kind, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.operation === undefined ? {} : { operation: options.operation }),
      ...(options.path === undefined ? {} : { reference: options.path }),
    });
    this.name = 'ArchiveError';
    this.path = options.path;
  }
}
