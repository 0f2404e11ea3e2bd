import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ArchiveError } from './errors.js';
import { STREAM_CHUNK_SIZE } from './io.js';

/** SHA-256 as wascap writes it: 64 uppercase hex digits. */
export function sha256Hex(hash: ReturnType<typeof createHash>): string {
  return hash.digest('hex').toUpperCase();
}

/** Size and SHA-256 of a file on disk, `what` naming it in errors. Refuses missing files, non-files and (unless allowed) empty files. */
export async function hashFile(file: string, what: string): Promise<{ size: number; sha256: string }> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ArchiveError(`${what}: file "${file}" does not exist`, 'not_found', { path: file });
    throw new ArchiveError(`${what}: cannot read "${file}" (${code ?? 'error'})`, 'failure', { path: file, cause: error });
  }
  if (!info.isFile()) throw new ArchiveError(`${what}: "${file}" is not a regular file`, 'invalid', { path: file });
  if (info.size === 0) throw new ArchiveError(`${what}: "${file}" is empty`, 'invalid', { path: file });
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: STREAM_CHUNK_SIZE })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: sha256Hex(hash) };
}

/**
 * The file's bytes as a stream that, at its end, checks they still hash to `expected`: the hash
 * pass and the write pass read the file separately, and signed claims must describe what was written.
 */
export async function* readFileCheckingHash(file: string, expected: string, what: string): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: STREAM_CHUNK_SIZE })) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
  if (sha256Hex(hash) !== expected) throw new ArchiveError(`${what}: "${file}" changed while the archive was written`, 'failure', { path: file });
}
