/** Exit statuses, the same for every command (documented in the README). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  notFound: 2,
  unauthorized: 3,
  verification: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Errors from @par/archive and @par/registry carry a `kind`; this is the one place it becomes a status. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  const kind = typeof error === 'object' && error !== null && 'kind' in error ? (error as { kind: unknown }).kind : undefined;
  switch (kind) {
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
