import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { writeFileAtomically } from './atomic-file.js';
import { ArchiveError } from './errors.js';
import { WASH_GZIP_HEADER, createWashGzip } from './gzip.js';
import { scratchDir } from './test-support.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await scratchDir()));
afterEach(() => cleanup());

describe('writeFileAtomically', () => {
  test('a failure half-way leaves the old file untouched and no temporary file', async () => {
    const destination = path.join(dir, 'archive.par');
    await writeFile(destination, 'old contents');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(100_000, 1);
      throw new ArchiveError('source broke', 'failure');
    }
    await expect(writeFileAtomically(destination, failing(), createWashGzip())).rejects.toThrow('source broke');
    expect(await readFile(destination, 'utf8')).toBe('old contents');
    expect(await readdir(dir)).toEqual(['archive.par']);
  });

  test('success replaces the file', async () => {
    const destination = path.join(dir, 'archive.par');
    await writeFile(destination, 'old contents');
    await writeFileAtomically(destination, Readable.from([Buffer.from('new')]));
    expect(await readFile(destination, 'utf8')).toBe('new');
  });
});

describe('createWashGzip', () => {
  test('patches the OS byte even when the header arrives in small pieces', async () => {
    const chunks: Buffer[] = [];
    const [gzip, patch] = createWashGzip();
    // Re-chunk zlib output into 3-byte pieces before the patch sees it.
    const splitter = new (await import('node:stream')).Transform({
      transform(chunk: Buffer, _e, done) {
        for (let i = 0; i < chunk.length; i += 3) this.push(chunk.subarray(i, i + 3));
        done();
      },
    });
    await pipeline(Readable.from([Buffer.from('hello '.repeat(1000))]), gzip, splitter, patch, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    });
    const output = Buffer.concat(chunks);
    expect(output.subarray(0, 10).equals(WASH_GZIP_HEADER)).toBe(true);
    expect(gunzipSync(output).toString()).toBe('hello '.repeat(1000));
  });
});
