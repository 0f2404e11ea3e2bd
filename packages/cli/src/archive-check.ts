import type { Readable } from 'node:stream';
import { CliError } from './errors.js';

/**
 * Verifies the provider archive in a byte stream (the hashes wash checks) while it is being
 * uploaded or downloaded; a failure stops the transfer before anything is committed.
 */
export function verifyingArchiveStream(what: string, hint = ''): (bytes: Readable) => Promise<void> {
  return async (bytes) => {
    const archive = await import('@par/archive');
    let contents;
    try {
      contents = await archive.readArchive(bytes);
    } catch (error) {
      // Name what was being read: the library cannot know it was "the archive pushed from x.par".
      if (error instanceof archive.ArchiveError) throw new CliError(`${what} is not a readable provider archive: ${error.message}`, error.kind);
      throw error;
    }
    const report = archive.verifyArchive(contents);
    if (!report.valid) {
      throw new CliError(`${what} does not verify: ${report.problems.map((p) => p.message).join('; ')}${hint}`, 'verification');
    }
  };
}
