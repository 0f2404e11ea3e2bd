import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { openTar } from './tar-reader.js';
import { bufferEntry, tarBytes } from './tar-writer.js';

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('tar writer and reader', () => {
  test('property: what tarBytes writes, openTar reads back (names incl. LongLink, sizes, bytes)', async () => {
    const entry = fc.record({
      name: fc.oneof(fc.stringMatching(/^[a-z0-9_-]{1,20}\.bin$/), fc.stringMatching(/^[a-z]{101,140}\.bin$/)),
      data: fc.uint8Array({ minLength: 1, maxLength: 2000 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(entry, { selector: (e) => e.name, minLength: 1, maxLength: 5 }), async (entries) => {
        const tar = await collect(tarBytes(entries.map((e) => bufferEntry(e.name, e.data))));
        expect(tar.length % 512).toBe(0);
        const opened = await openTar(Readable.from([tar]), 'test');
        const read: { name: string; data: Buffer }[] = [];
        for await (const item of opened.entries) read.push({ name: item.name, data: await collect(item.data) });
        expect(read).toEqual(entries.map((e) => ({ name: e.name, data: Buffer.from(e.data) })));
      }),
      { numRuns: 50 },
    );
  });
});
