import type { Readable } from 'node:stream';
import { CliError } from './errors.js';

/**
 * Verifies the provider archive in a byte stream (the hashes wash checks) while it is being
 * uploaded or downloaded; a failure stops the transfer before anything is committed.
 */
export function verifyingArchiveStream(what: string, hint = ''): (bytes: Readable) => Promise<void> {
  return async (bytes) => {
    const archive = await import('@par/archive');
    const report = archive.verifyArchive(await archive.readArchive(bytes));
    if (!report.valid) {
      throw new CliError(`${what} does not verify: ${report.problems.map((p) => p.message).join('; ')}${hint}`, 'verification');
    }
  };
}
