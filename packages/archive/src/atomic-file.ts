import { temporaryPathBeside, writeAtomically } from '@par/files';
import type { Transform } from 'node:stream';
import { ArchiveError } from './errors.js';

/** A hidden temporary name beside `destination`, so the final rename stays on one filesystem. */
export function temporaryPathFor(destination: string): string {
  return temporaryPathBeside(destination);
}

/**
 * Writes `source` (through `transforms`) with the one atomic writer (fsync, rename, fsync the
 * directory): a destination never holds partial output. Failures become ArchiveErrors naming it.
 */
export async function writeFileAtomically(destination: string, source: AsyncIterable<Uint8Array>, transforms: Transform[] = []): Promise<void> {
  try {
    await writeAtomically(destination, source, { stages: transforms });
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ArchiveError(`cannot write "${destination}": its directory does not exist`, 'not_found', { path: destination, cause: error });
    if (code === 'EACCES' || code === 'EPERM') throw new ArchiveError(`cannot write "${destination}": permission denied`, 'failure', { path: destination, cause: error });
    throw new ArchiveError(`cannot write "${destination}": ${(error as Error).message}`, 'failure', { path: destination, cause: error });
  }
}
