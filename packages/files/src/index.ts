import { randomBytes } from 'node:crypto';
import { createWriteStream, fdatasync, type WriteStream } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A hidden, unique temporary path in the destination's directory (same file system, so rename is
 * atomic). It names the writing process, so a later run can tell a partial file left by a killed
 * run from one a live run is still writing.
 */
export function temporaryPathBeside(destination: string): string {
  return path.join(path.dirname(destination), `.${path.basename(destination)}.${process.pid}-${randomBytes(6).toString('hex')}.partial`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the partial files of `destination` whose writer is gone (a run killed with SIGKILL, a
 * crash), so a destination never accumulates them; those of live processes are left alone.
 * Returns the names removed.
 */
export async function removeStalePartials(destination: string): Promise<string[]> {
  const prefix = `.${path.basename(destination)}.`;
  let names: string[];
  try {
    names = await readdir(path.dirname(destination));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.partial')) continue;
    const pid = /^(\d+)-[0-9a-f]{12}$/.exec(name.slice(prefix.length, -'.partial'.length))?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    await rm(path.join(path.dirname(destination), name), { force: true });
    removed.push(name);
  }
  return removed;
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
  await removeStalePartials(destination);
  const temporary = temporaryPathBeside(destination);
  const source =
    content instanceof Readable
      ? content
      : typeof content === 'string' || content instanceof Uint8Array
        ? Readable.from([Buffer.from(content)])
        : Readable.from(content, { objectMode: false });
  try {
    const file = createWriteStream(temporary, { flags: 'wx', mode: options.mode ?? 0o644 });
    await pipeline([source, ...(options.stages ?? []), flushingAsWritten(file), file], {
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

/** Bytes written between two background flushes of a file being written. */
const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;

/**
 * A pass-through before `file` that asks the kernel to write the file's data out every 32 MiB
 * (fdatasync on the thread pool, one at a time) while the rest is still arriving, so the fsync
 * before the rename finds little left to do: on a 1 GiB download it was ~0.5 s at the very end.
 * That final fsync still runs; durability does not depend on these.
 */
function flushingAsWritten(file: WriteStream): Transform {
  let fd: number | undefined;
  file.once('open', (opened: number) => (fd = opened));
  let sinceFlush = 0;
  let flushing: Promise<void> | undefined;
  const flush = (descriptor: number) =>
    new Promise<void>((resolve) => {
      // A failed background flush changes nothing: the final fsync reports what matters.
      fdatasync(descriptor, () => resolve());
    });
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      sinceFlush += chunk.length;
      if (sinceFlush >= FLUSH_EVERY_BYTES && fd !== undefined && flushing === undefined) {
        sinceFlush = 0;
        flushing = flush(fd).then(() => {
          flushing = undefined;
        });
      }
      callback(null, chunk);
    },
    // The file stream closes its descriptor after the last write: no flush may still be using it.
    flush(callback: TransformCallback) {
      void (flushing ?? Promise.resolve()).then(() => callback());
    },
    destroy(error, callback) {
      void (flushing ?? Promise.resolve()).then(() => callback(error));
    },
  });
}

async function syncPath(target: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(target, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
