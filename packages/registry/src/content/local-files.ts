import { writeAtomically } from '@par/files';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { createVerifier, DigestingStream, type ExpectedContent } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import type { Content, TransferOptions } from './target.js';

// Files that readers only ever see complete and verified: @par/files' one atomic writer, plus the
// verification, progress and inspection stages this package puts in front of it.

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
  const tap = options.inspect === undefined ? undefined : tapStream(options.inspect);
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

/**
 * A pass-through stage that hands every chunk to `inspect` as well, with backpressure from both
 * readers. When `inspect` finishes early the rest of its copy is discarded; when it fails, the
 * stage fails and so does the write.
 */
export function tapStream(inspect: (bytes: Readable) => Promise<void>): InspectionTap {
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
      if (failure) return callback(failure);
      if (side.write(chunk)) return callback(null, chunk);
      side.once('drain', () => callback(failure ?? null, chunk));
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
