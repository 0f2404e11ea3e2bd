import { ArchiveError } from './errors.js';
import { TRAILER_SIZE, encodeFileHeader, paddingFor } from './tar-header.js';

/** One file to put in a tar: its name, its exact size, and its bytes as a stream opened on demand. */
export interface TarEntrySource {
  name: string;
  size: number;
  /** Called once, when the writer reaches this entry, so only one entry's data is open at a time. */
  open: () => AsyncIterable<Uint8Array>;
}

/**
 * Produces the bytes of a tar holding `entries` in order: our own GNU headers, data padded to
 * 512, and exactly 1024 zero bytes at the end. Pulled lazily, so piping it applies backpressure
 * and no entry is ever held in memory. Fails if a source yields more or fewer bytes than declared.
 */
export async function* tarBytes(entries: Iterable<TarEntrySource> | AsyncIterable<TarEntrySource>): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) {
    yield encodeFileHeader(entry.name, entry.size);
    let written = 0;
    for await (const chunk of entry.open()) {
      written += chunk.length;
      if (written > entry.size) break;
      yield chunk;
    }
    if (written !== entry.size) {
      throw new ArchiveError(
        `'${entry.name}' changed while the archive was written (expected ${entry.size} bytes, read ${written}${written > entry.size ? '+' : ''})`,
        'failure',
      );
    }
    const padding = paddingFor(entry.size);
    if (padding.length > 0) yield padding;
  }
  yield Buffer.alloc(TRAILER_SIZE);
}

/** An entry whose bytes are already in memory (the claims JWT). */
export function bufferEntry(name: string, data: Uint8Array): TarEntrySource {
  return {
    name,
    size: data.length,
    open: async function* () {
      yield data;
    },
  };
}
