import { writeAtomically } from '@par/files';
export { removeStalePartials } from '@par/files';
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { createVerifier, DigestingStream, type ExpectedContent } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import type { Content, TransferOptions } from './target.js';

// Files that readers only ever see complete and verified: @par/files' one atomic writer, plus the
// verification, progress and inspection stages this package puts in front of it.

export interface OpenedRegularFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens a file only if it is a regular file, never following a symbolic link and never blocking:
 * a FIFO put where a blob belongs would otherwise hang its reader forever. The check is made on
 * the opened descriptor, so the file cannot be swapped between check and read.
 */
export async function openRegularFile(file: string, what: string): Promise<OpenedRegularFile> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new RegistryError(`${what} is a symbolic link; only regular files are read`, { kind: 'invalid', operation: 'read file', reference: file });
    throw error;
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    const kind = stats.isFIFO() ? 'a FIFO' : stats.isDirectory() ? 'a directory' : stats.isSocket() ? 'a socket' : 'a device';
    throw new RegistryError(`${what} is ${kind}, not a regular file`, { kind: 'invalid', operation: 'read file', reference: file });
  }
  return { handle, size: stats.size };
}

/** The whole of a small regular file (index.json, oci-layout), refused if it is anything else. */
export async function readRegularFile(file: string, what: string): Promise<string> {
  const { handle } = await openRegularFile(file, what);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Streams a Content from `offset` (default its start): a buffer is sliced, a factory reopens its source there. */
export async function openContent(content: Content, offset = 0): Promise<Readable> {
  if (typeof content === 'function') return content(offset);
  // Readable.from(Uint8Array) would emit one byte per chunk: wrap it in an array.
  return Readable.from([Buffer.from(content.buffer, content.byteOffset + offset, content.byteLength - offset)]);
}

/** A pass-through that reports the bytes moving through it. */
export function progressStream(onProgress: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      onProgress(chunk.length);
      callback(null, chunk);
    },
  });
}

/**
 * Checks, before anything is downloaded, that `destination` can be written as a file: its
 * directory exists and it is not itself a directory.
 */
export async function checkFileDestination(destination: string): Promise<void> {
  const directory = path.dirname(path.resolve(destination));
  const fail = (problem: string, kind: 'not_found' | 'invalid'): never => {
    throw new RegistryError(`cannot write ${destination}: ${problem}`, { kind, operation: 'write file', reference: destination });
  };
  // Named as the user wrote it.
  const shown = path.dirname(destination);
  const folder = await stat(directory).catch(() => undefined);
  if (folder === undefined) fail(`directory ${shown} does not exist`, 'not_found');
  else if (!folder.isDirectory()) fail(`${shown} is not a directory`, 'invalid');
  const existing = await stat(destination).catch(() => undefined);
  if (existing?.isDirectory()) fail('it is a directory; name a file', 'invalid');
}

export interface AtomicWriteOptions extends TransferOptions {
  /** When given, the bytes must have this digest and size, or nothing is written. */
  expected?: ExpectedContent;
  /** File mode of the new file, default 0o644. */
  mode?: number;
  /** Names the content in verification errors. */
  reference?: string;
  /**
   * Reads a copy of the bytes while they are written (e.g. to check an archive inside them); the
   * file is renamed into place only when this resolves, so checking costs no second pass.
   */
  inspect?: (bytes: Readable) => Promise<void>;
}

/**
 * Streams `source` into `destination` atomically, verifying it on the way when `expected` is given.
 * On any failure the temporary file is removed and `destination` is untouched. Returns the
 * digest and size written.
 */
export async function writeStreamAtomically(
  destination: string,
  source: Readable,
  options: AtomicWriteOptions = {},
): Promise<ExpectedContent> {
  // Hashing costs as much as the rest of a download; skip it when the source stream verifies itself.
  const trusted = options.verified === true && options.expected !== undefined ? options.expected : undefined;
  const hasher =
    trusted !== undefined
      ? undefined
      : options.expected === undefined
        ? new DigestingStream()
        : createVerifier(options.expected, options.reference === undefined ? {} : { reference: options.reference });
  const stages: NodeJS.ReadWriteStream[] = hasher === undefined ? [] : [hasher];
  if (options.onProgress !== undefined) stages.push(progressStream(options.onProgress));
  // The digest check runs before the tap: a corrupt blob is reported as such even when the
  // inspector, reading the same bytes, stumbles on them first.
  const tap = options.inspect === undefined ? undefined : tapStream(options.inspect, { verdictAtEnd: true });
  if (tap !== undefined) stages.push(tap.stage);
  try {
    await writeAtomically(destination, source, {
      stages,
      mode: options.mode ?? 0o644,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(tap === undefined ? {} : { beforeRename: () => tap.done }),
    });
  } catch (error) {
    tap?.abort();
    if (error instanceof RegistryError || tap?.isInspectionError(error)) throw error;
    throw writeError(destination, error);
  }
  return hasher === undefined ? { ...(trusted as ExpectedContent) } : { digest: hasher.digest, size: hasher.bytes };
}

export interface InspectionTap {
  /** Put it in the byte stream's pipeline. */
  stage: Transform;
  /** Settles when `inspect` has finished (rejects with its error). */
  done: Promise<void>;
  /** Ends the inspector's copy early (the main stream failed). */
  abort(): void;
  /** True once every byte reached the inspector (so its verdict covers the whole content). */
  readonly complete: boolean;
  isInspectionError(error: unknown): boolean;
}

export interface TapOptions {
  /**
   * Report the inspector's failure only once the whole content has gone through, so that a failure
   * of the content itself (a digest or size mismatch found by an earlier stage or by the source at
   * its end) comes first: the same corrupt blob always gives the same, root-cause error.
   */
  verdictAtEnd?: boolean;
}

/**
 * A pass-through stage that hands every chunk to `inspect` as well, with backpressure from both
 * readers. When `inspect` finishes early the rest of its copy is discarded; when it fails, the
 * stage fails and so does the write (at once, or at the end with `verdictAtEnd`).
 */
export function tapStream(inspect: (bytes: Readable) => Promise<void>, options: TapOptions = {}): InspectionTap {
  const side = new PassThrough({ highWaterMark: 1024 * 1024 });
  // The inspector may have stopped listening by the time the main stream fails.
  side.on('error', () => undefined);
  let failure: Error | undefined;
  const done = inspect(side).then(
    () => {
      side.resume();
    },
    (error: unknown) => {
      failure = error instanceof Error ? error : new Error(String(error));
      side.resume();
      throw failure;
    },
  );
  done.catch(() => undefined); // awaited by the writer; never an unhandled rejection
  const stage = new Transform({
    // A main stream that fails or is abandoned must not leave the inspector waiting for more.
    destroy(error, callback) {
      if (!side.writableEnded) side.destroy(new Error('the stream being inspected was abandoned'));
      callback(error);
    },
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      if (failure) return options.verdictAtEnd ? callback(null, chunk) : callback(failure);
      // An inspector that has stopped reading (done, or failed and closed its input) gets no more.
      if (side.destroyed || side.writableEnded) return callback(null, chunk);
      if (side.write(chunk)) return callback(null, chunk);
      // 'drain' never comes once the inspector has destroyed its input: wait for either.
      const proceed = () => {
        side.off('drain', proceed);
        side.off('close', proceed);
        callback(failure && !options.verdictAtEnd ? failure : null, chunk);
      };
      side.once('drain', proceed);
      side.once('close', proceed);
    },
    flush(callback: TransformCallback) {
      complete = true;
      side.end();
      callback(failure ?? null);
    },
  });
  let complete = false;
  return {
    get complete() {
      return complete;
    },
    stage,
    done,
    abort: () => side.destroy(),
    isInspectionError: (error: unknown) => error !== undefined && error === failure,
  };
}

/** Writes small content (a manifest, index.json, config.json) atomically. */
export async function writeFileAtomically(destination: string, bytes: Uint8Array | string, mode = 0o644): Promise<void> {
  try {
    await writeAtomically(destination, bytes, { mode });
  } catch (error) {
    throw writeError(destination, error);
  }
}

function writeError(destination: string, error: unknown): RegistryError {
  return new RegistryError(`cannot write ${destination}: ${(error as Error).message}`, {
    kind: 'failure',
    operation: 'write file',
    reference: destination,
    cause: error,
  });
}

/** Reads a whole small stream (manifests), refusing more than `limit` bytes. */
export async function readSmall(source: Readable, limit: number, what: string, operation = 'read content'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      source.destroy();
      throw new RegistryError(`${what} is larger than ${limit} bytes`, { kind: 'invalid', operation });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
