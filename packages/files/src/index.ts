import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A hidden, unique temporary path in the destination's directory (same file system, so rename is atomic). */
export function temporaryPathBeside(destination: string): string {
  return path.join(path.dirname(destination), `.${path.basename(destination)}.${randomBytes(6).toString('hex')}.partial`);
}

export interface AtomicWriteOptions {
  /** Transforms the bytes pass through on their way to the file (hashing, progress, gzip…). */
  stages?: NodeJS.ReadWriteStream[];
  /** File mode of the new file, default 0o644. */
  mode?: number;
  signal?: AbortSignal;
  /** Runs once every byte is on disk and before the rename; a rejection leaves no file (e.g. a verdict on the content). */
  beforeRename?: () => Promise<void>;
}

/**
 * The one atomic writer: writes `content` to a temporary file beside `destination`, fsyncs it,
 * renames it into place and fsyncs the directory, so readers only ever see complete content,
 * also after a crash. On any failure the temporary file is removed, `destination` is untouched,
 * and the original error is rethrown for the caller to name.
 */
export async function writeAtomically(
  destination: string,
  content: Readable | AsyncIterable<Uint8Array> | Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temporary = temporaryPathBeside(destination);
  const source =
    content instanceof Readable
      ? content
      : typeof content === 'string' || content instanceof Uint8Array
        ? Readable.from([Buffer.from(content)])
        : Readable.from(content, { objectMode: false });
  try {
    await pipeline([source, ...(options.stages ?? []), createWriteStream(temporary, { flags: 'wx', mode: options.mode ?? 0o644 })], {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    await options.beforeRename?.();
    await commitFile(temporary, destination);
  } catch (error) {
    source.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The last step of the atomic writer, for a temporary file written another way (e.g. extracted
 * while an archive is read, kept only once its hash verifies): fsync it, rename it into place,
 * fsync the directory. The caller removes the temporary file if this throws.
 */
export async function commitFile(temporary: string, destination: string): Promise<void> {
  await syncPath(temporary, 'r+');
  await rename(temporary, destination);
  // Some file systems refuse to open a directory for fsync; the rename has happened either way.
  await syncPath(path.dirname(destination), 'r').catch(() => undefined);
}

async function syncPath(target: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(target, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
