import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fakepayPath, maybeGunzip, redisPath, splitTar } from './test-support.js';
import { BLOCK_SIZE, decodeHeader, encodeFileHeader, headerChecksum, paddingFor } from './tar-header.js';

const ascii = (bytes: Buffer) => bytes.toString('latin1');

describe('encodeFileHeader', () => {
  test('writes the GNU header wash writes, field by field', () => {
    const header = encodeFileHeader('claims.jwt', 637);
    expect(header.length).toBe(BLOCK_SIZE);
    expect(ascii(header.subarray(0, 10))).toBe('claims.jwt');
    expect(header.subarray(10, 100).every((b) => b === 0)).toBe(true);
    expect(header.subarray(100, 124).every((b) => b === 0)).toBe(true); // mode, uid, gid
    expect(ascii(header.subarray(124, 136))).toBe('00000001175\0');
    expect(ascii(header.subarray(136, 148))).toBe('00000000000\0');
    expect(ascii(header.subarray(148, 156))).toBe(`${headerChecksum(header).toString(8).padStart(7, '0')}\0`);
    expect(header[156]).toBe(0);
    expect(header.subarray(157, 257).every((b) => b === 0)).toBe(true);
    expect(ascii(header.subarray(257, 265))).toBe('ustar  \0');
    expect(header.subarray(265).every((b) => b === 0)).toBe(true);
  });

  test('reproduces every header of the real wash archives byte for byte', async () => {
    for (const file of [fakepayPath, redisPath]) {
      const { entries } = splitTar(maybeGunzip(await readFile(file)));
      expect(entries.length).toBeGreaterThan(1);
      for (const entry of entries) expect(encodeFileHeader(entry.name, entry.size).equals(entry.header)).toBe(true);
    }
  });

  test('uses GNU base-256 from 8 GiB on', () => {
    const header = encodeFileHeader('x86_64-linux.bin', 8 * 1024 ** 3);
    expect(header[124]).toBe(0x80);
    expect(decodeHeader(header).size).toBe(8 * 1024 ** 3);
    expect(ascii(encodeFileHeader('a', 8 * 1024 ** 3 - 1).subarray(124, 136))).toBe('77777777777\0');
  });

  test('writes a ././@LongLink entry for names over 100 bytes', () => {
    const name = `${'t'.repeat(120)}.bin`;
    const blocks = encodeFileHeader(name, 5);
    expect(blocks.length).toBe(3 * BLOCK_SIZE);
    const longLink = decodeHeader(blocks.subarray(0, BLOCK_SIZE));
    expect(longLink.name).toBe('././@LongLink');
    expect(longLink.typeflag).toBe('L'.charCodeAt(0));
    expect(longLink.size).toBe(name.length + 1);
    expect(blocks.subarray(BLOCK_SIZE, BLOCK_SIZE + name.length).toString('utf8')).toBe(name);
    expect(decodeHeader(blocks.subarray(2 * BLOCK_SIZE)).size).toBe(5);
  });

  test('refuses empty names and impossible sizes', () => {
    expect(() => encodeFileHeader('', 1)).toThrow(/empty/);
    expect(() => encodeFileHeader('a', -1)).toThrow(/invalid entry size/);
  });

  test('pads data to whole blocks', () => {
    expect(paddingFor(0).length).toBe(0);
    expect(paddingFor(1).length).toBe(511);
    expect(paddingFor(512).length).toBe(0);
  });

  test('property: size and checksum round-trip for any size and short name', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}$/),
        fc.oneof(fc.integer({ min: 0, max: 8 ** 11 - 1 }), fc.integer({ min: 8 ** 11, max: Number.MAX_SAFE_INTEGER })),
        (name, size) => {
          const header = encodeFileHeader(name, size);
          const decoded = decodeHeader(header);
          expect(decoded.name).toBe(name);
          expect(decoded.size).toBe(size);
          expect(decoded.checksum).toBe(headerChecksum(header));
        },
      ),
    );
  });
});
