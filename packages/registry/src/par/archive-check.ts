import type { Readable } from 'node:stream';
import { RegistryError } from '../oci/errors.js';

/**
 * Verifies the provider archive in a byte stream (the hashes wash checks) while it is being
 * uploaded or downloaded; a failure stops the transfer before anything is committed. `what`
 * names the stream in the error ("refusing to push x.par: it"), `hint` ends it.
 */
export function verifyingArchiveStream(what: string, hint = ''): (bytes: Readable) => Promise<void> {
  return async (bytes) => {
    // Loaded when a transfer verifies, so registry-only commands do not pay for the archive code.
    const archive = await import('@par/archive');
    let contents;
    try {
      contents = await archive.readArchive(bytes);
    } catch (error) {
      // Name what was being read: the archive library cannot know it was "the archive pushed from x.par".
      if (error instanceof archive.ArchiveError) {
        throw new RegistryError(`${what} is not a readable provider archive: ${error.message}`, { kind: error.kind, operation: 'verify archive', cause: error });
      }
      throw error;
    }
    const report = archive.verifyArchive(contents);
    if (!report.valid) {
      throw new RegistryError(`${what} does not verify: ${report.problems.map((p) => p.message).join('; ')}${hint}`, {
        kind: 'verification',
        operation: 'verify archive',
      });
    }
  };
}
