import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { ArchiveError } from './errors.js';
import { looksGzipped } from './gzip.js';
import { STREAM_CHUNK_SIZE } from './io.js';

/** One regular-file entry as the reader meets it: its header and its bytes, to be consumed before the next. */
export interface TarEntry {
  name: string;
  size: number;
  data: AsyncIterable<Buffer>;
}

/** Bytes of a source with the first ones already looked at. */
async function sniff(source: AsyncIterable<Buffer>, label: string): Promise<{ head: Buffer; rest: AsyncIterator<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  if (head.length < 2) throw new ArchiveError(`Not enough bytes to be a valid PAR file: ${label} holds ${head.length} byte(s)`, 'invalid');
  return { head, rest: iterator };
}

async function* replay(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

function gzipError(error: NodeJS.ErrnoException, label: string): ArchiveError {
  const detail = error.code === 'Z_BUF_ERROR' ? 'the gzip data is truncated' : `the gzip data is corrupt (${error.message})`;
  return new ArchiveError(`${label} cannot be read: ${detail}`, 'invalid', { cause: error });
}

function tarError(error: Error, label: string): ArchiveError {
  if (error instanceof ArchiveError) return error;
  if (error.message === 'Unexpected end of data') {
    return new ArchiveError(`${label} cannot be read: the tar is truncated (it ends inside an entry)`, 'invalid', { cause: error });
  }
  if (error.message.startsWith('Invalid tar header')) {
    return new ArchiveError(`${label} is not a provider archive: it is neither gzip data nor a tar with valid headers`, 'invalid', { cause: error });
  }
  return new ArchiveError(`${label} cannot be read as a tar: ${error.message}`, 'invalid', { cause: error });
}

/** An entry's bytes, with read failures (a truncated tar or gzip) turned into ArchiveErrors. */
async function* mapErrors(data: AsyncIterable<Buffer>, label: string): AsyncGenerator<Buffer> {
  try {
    yield* data;
  } catch (error) {
    throw tarError(error as Error, label);
  }
}

function describeType(header: Header): string {
  return header.type === 'directory' ? 'a directory' : `a ${header.type} entry`;
}

/** An opened tar: whether it was gzipped, and its regular files one at a time. */
export interface OpenedTar {
  compressed: boolean;
  /**
   * The entries in order. Each entry's data should be consumed before asking for the next (what
   * is left is drained); leaving the loop early closes the source.
   */
  entries: AsyncGenerator<TarEntry>;
}

/**
 * Opens a tar or tar.gz stream (gzip detected by its first two bytes, never by a file name).
 * Anything other than a regular file is refused; every failure is an ArchiveError naming `label`.
 */
export async function openTar(source: Readable, label: string): Promise<OpenedTar> {
  let sniffed;
  try {
    sniffed = await sniff(source, label);
  } catch (error) {
    source.destroy();
    if (error instanceof ArchiveError) throw error;
    throw new ArchiveError(`${label} cannot be read: ${(error as Error).message}`, 'failure', { cause: error });
  }
  const compressed = looksGzipped(sniffed.head);
  return { compressed, entries: tarEntries(source, sniffed.head, sniffed.rest, compressed, label) };
}

async function* tarEntries(source: Readable, head: Buffer, rest: AsyncIterator<Buffer>, compressed: boolean, label: string): AsyncGenerator<TarEntry> {
  const tar = extract();
  const bytes = Readable.from(replay(head, rest));
  const gunzip = compressed ? createGunzip({ chunkSize: STREAM_CHUNK_SIZE }) : undefined;
  const fail = (error: ArchiveError) => tar.destroy(error);
  bytes.on('error', (error: Error) =>
    fail(error instanceof ArchiveError ? error : new ArchiveError(`${label} cannot be read: ${error.message}`, 'failure', { cause: error })),
  );
  if (gunzip) {
    gunzip.on('error', (error: NodeJS.ErrnoException) => fail(gzipError(error, label)));
    bytes.pipe(gunzip).pipe(tar);
  } else {
    bytes.pipe(tar);
  }
  try {
    for await (const entry of tar) {
      const header = entry.header;
      if (header.type !== 'file') {
        throw new ArchiveError(`${label} holds ${describeType(header)} '${header.name}'; a provider archive holds only files`, 'invalid', { path: header.name });
      }
      const raw = entry as unknown as AsyncIterable<Buffer>;
      yield { name: header.name, size: header.size, data: mapErrors(raw, label) };
      // Whatever the consumer left unread must be drained, or the next entry never comes.
      for await (const _ of raw);
    }
  } catch (error) {
    throw tarError(error as Error, label);
  } finally {
    bytes.destroy();
    gunzip?.destroy();
    source.destroy();
  }
}
