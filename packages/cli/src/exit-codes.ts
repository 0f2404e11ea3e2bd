import { ParError } from '@par/errors';

/** Exit statuses, the same for every command (documented in the README). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  notFound: 2,
  unauthorized: 3,
  verification: 4,
  /** 128 + SIGINT / SIGTERM: the user interrupted par. */
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The one place an error becomes a status: by its kind when it is a ParError, else 1. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (!(error instanceof ParError)) return ExitCode.failure;
  switch (error.kind) {
    case 'not_found':
      return ExitCode.notFound;
    case 'unauthorized':
      return ExitCode.unauthorized;
    case 'verification':
      return ExitCode.verification;
    default:
      return ExitCode.failure;
  }
}
