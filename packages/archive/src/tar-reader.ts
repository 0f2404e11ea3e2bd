import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { ArchiveError } from './errors.js';
import { looksGzipped } from './gzip.js';

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

function describeType(header: Header): string {
  return header.type === 'directory' ? 'a directory' : `a ${header.type} entry`;
}

/**
 * Streams the regular files of a tar or tar.gz (gzip detected by its first two bytes), calling
 * `onEntry` for each; the next entry is read only once `onEntry` has consumed this one's data.
 * Anything other than a regular file is refused. Every failure is an ArchiveError naming `label`.
 * Returns whether the input was gzipped.
 */
export async function readTarEntries(source: Readable, label: string, onEntry: (entry: TarEntry) => Promise<void>): Promise<{ compressed: boolean }> {
  const { head, rest } = await sniff(source, label);
  const compressed = looksGzipped(head);
  const tar = extract();
  const bytes = Readable.from(replay(head, rest));
  const gunzip = compressed ? createGunzip() : undefined;
  const fail = (error: ArchiveError) => tar.destroy(error);
  bytes.on('error', (error: Error) =>
    fail(error instanceof ArchiveError ? error : new ArchiveError(`${label} cannot be read: ${error.message}`, 'failure', { cause: error })),
  );
  if (gunzip) {
    gunzip.on('error', (error: NodeJS.ErrnoException) => fail(gzipError(error, label)));
    bytes.pipe(gunzip).pipe(tar as unknown as NodeJS.WritableStream);
  } else {
    bytes.pipe(tar as unknown as NodeJS.WritableStream);
  }
  try {
    for await (const entry of tar) {
      const header = entry.header;
      if (header.type !== 'file') {
        throw new ArchiveError(`${label} holds ${describeType(header)} '${header.name}'; a provider archive holds only files`, 'invalid', { path: header.name });
      }
      const data = entry as unknown as AsyncIterable<Buffer>;
      await onEntry({ name: header.name, size: header.size, data });
      // Whatever onEntry left unread must be drained, or the next entry never comes.
      for await (const _ of data);
    }
  } catch (error) {
    throw tarError(error as Error, label);
  } finally {
    bytes.destroy();
    gunzip?.destroy();
    source.destroy();
  }
  return { compressed };
}
