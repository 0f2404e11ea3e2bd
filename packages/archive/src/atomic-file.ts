import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, type Transform } from 'node:stream';
import { ArchiveError } from './errors.js';

/** A hidden temporary name beside `destination`, so the final rename stays on one filesystem. */
export function temporaryPathFor(destination: string): string {
  return path.join(path.dirname(destination), `.${path.basename(destination)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `source` (through `transforms`) to a temporary file beside `destination` and renames it
 * into place only when everything succeeded; on any error the temporary file is removed, so a
 * destination never holds partial output.
 */
export async function writeFileAtomically(destination: string, source: AsyncIterable<Uint8Array>, transforms: Transform[] = []): Promise<void> {
  const temporary = temporaryPathFor(destination);
  try {
    await pipeline([Readable.from(source, { objectMode: false }), ...transforms, createWriteStream(temporary, { flags: 'wx', mode: 0o644 })]);
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof ArchiveError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ArchiveError(`cannot write "${destination}": its directory does not exist`, 'not_found', { path: destination, cause: error });
    if (code === 'EACCES' || code === 'EPERM') throw new ArchiveError(`cannot write "${destination}": permission denied`, 'failure', { path: destination, cause: error });
    throw new ArchiveError(`cannot write "${destination}": ${(error as Error).message}`, 'failure', { path: destination, cause: error });
  }
}
