import { ArchiveError } from '@par/archive';
import { ParError, UsageError } from '@par/errors';
import { RegistryError } from '@par/registry';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from './cli.js';
import { CliError } from './errors.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';

describe('one error model', () => {
  it('every package raises a ParError carrying kind, operation, reference and cause', () => {
    const cause = new Error('inner');
    const errors = [
      new ArchiveError('a', 'verification', { path: 'x.par', cause }),
      new RegistryError('r', { kind: 'verification', operation: 'push blob', reference: 'h/r:t', cause }),
      new CliError('c', 'verification', { operation: 'pull', reference: 'h/r:t', cause }),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(ParError);
      expect(error.kind).toBe('verification');
      expect(error.cause).toBe(cause);
      expect(exitCodeFor(error)).toBe(ExitCode.verification);
    }
    expect(errors[0]?.reference).toBe('x.par');
    expect(errors[1]?.operation).toBe('push blob');
  });

  it('maps kinds to exit statuses by class, not by the shape of any object', () => {
    expect(exitCodeFor(new RegistryError('gone', { kind: 'not_found' }))).toBe(ExitCode.notFound);
    expect(exitCodeFor(new CliError('no', 'unauthorized'))).toBe(ExitCode.unauthorized);
    expect(exitCodeFor(new UsageError('how'))).toBe(ExitCode.failure);
    // Something that merely looks like one of ours is an unexpected failure.
    expect(exitCodeFor({ kind: 'not_found' })).toBe(ExitCode.failure);
    expect(exitCodeFor(new Error('EACCES'))).toBe(ExitCode.failure);
  });
});

describe('usage errors', () => {
  const stderr: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    stderr.length = 0;
  });
  const capture = () =>
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });

  it.each([
    ['a failed check', ['push', 'h/r:v1', 'f.par.gz', '--monolithic', '--chunk-size', '5', '-o', 'json'], '--monolithic and --chunk-size exclude each other'],
    ['a missing argument', ['push', 'h/r:v1', '-o', 'json'], 'Not enough non-option arguments'],
    ['an unknown option', ['tags', 'h/r', '--bogus', '-o', 'json'], 'unknown option --bogus'],
  ])('%s is kind usage, exit 1', async (_what, args, message) => {
    capture();
    expect(await run(args)).toBe(ExitCode.failure);
    const report = JSON.parse(stderr.join('')) as { error: string; kind: string; exitCode: number };
    expect(report.kind).toBe('usage');
    expect(report.error).toContain(message);
    expect(report.exitCode).toBe(1);
  });

  it('prints one line saying how to get help in text mode', async () => {
    capture();
    expect(await run(['push', 'h/r:v1', 'f.par.gz', '--monolithic', '--chunk-size', '5'])).toBe(ExitCode.failure);
    expect(stderr.join('')).toBe('error: --monolithic and --chunk-size exclude each other (run with --help for usage)\n');
  });
});
