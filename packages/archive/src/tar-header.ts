import { ArchiveError } from './errors.js';

/**
 * The exact 512-byte GNU-style tar header wash writes (spec §1): name, size, checksum and the
 * `ustar ` magic; mode, uid, gid, linkname and the rest all NUL; mtime zero; typeflag NUL.
 */

export const BLOCK_SIZE = 512;
/** The end of a par: two zero blocks, no padding to a 10240-byte record. */
export const TRAILER_SIZE = 2 * BLOCK_SIZE;

const NAME_LENGTH = 100;
const SIZE_OFFSET = 124;
const SIZE_LENGTH = 12;
const MTIME_OFFSET = 136;
const CHECKSUM_OFFSET = 148;
const CHECKSUM_LENGTH = 8;
const TYPEFLAG_OFFSET = 156;
const MAGIC_OFFSET = 257;
/** Largest size that fits in 11 octal digits (8 GiB - 1); beyond it GNU base-256 is used. */
const MAX_OCTAL_SIZE = 8 ** 11 - 1;
const LONG_LINK_NAME = '././@LongLink';

/** `ustar ` + space + NUL: the GNU magic and version. */
const GNU_MAGIC = Buffer.from('ustar  \0', 'latin1');

/** Writes `value` as zero-padded octal of `digits` digits followed by NUL. */
function writeOctal(header: Buffer, offset: number, digits: number, value: number): void {
  header.write(value.toString(8).padStart(digits, '0'), offset, digits, 'latin1');
  header[offset + digits] = 0;
}

/** GNU base-256: high bit of the first byte set, big-endian binary in the rest of the field. */
function writeBase256(header: Buffer, offset: number, length: number, value: bigint): void {
  let remaining = value;
  for (let i = offset + length - 1; i > offset; i--) {
    header[i] = Number(remaining & 0xffn);
    remaining >>= 8n;
  }
  header[offset] = 0x80;
}

/** Sum of all 512 bytes with the checksum field counted as eight spaces. */
export function headerChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    sum += i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH ? 0x20 : (header[i] as number);
  }
  return sum;
}

function plainHeader(nameBytes: Buffer, size: number, typeflag: number): Buffer {
  const header = Buffer.alloc(BLOCK_SIZE);
  nameBytes.copy(header, 0, 0, Math.min(nameBytes.length, NAME_LENGTH));
  if (size > MAX_OCTAL_SIZE) writeBase256(header, SIZE_OFFSET, SIZE_LENGTH, BigInt(size));
  else writeOctal(header, SIZE_OFFSET, SIZE_LENGTH - 1, size);
  writeOctal(header, MTIME_OFFSET, SIZE_LENGTH - 1, 0);
  header[TYPEFLAG_OFFSET] = typeflag;
  GNU_MAGIC.copy(header, MAGIC_OFFSET);
  writeOctal(header, CHECKSUM_OFFSET, CHECKSUM_LENGTH - 1, headerChecksum(header));
  return header;
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function paddingFor(size: number): Buffer {
  const remainder = size % BLOCK_SIZE;
  return Buffer.alloc(remainder === 0 ? 0 : BLOCK_SIZE - remainder);
}

/**
 * The header block(s) for a regular file entry: one 512-byte header, preceded by a GNU
 * `././@LongLink` entry (typeflag `L`) when the name does not fit in 100 bytes.
 */
export function encodeFileHeader(name: string, size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveError(`invalid entry size ${size} for '${name}'`, 'invalid');
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length === 0) throw new ArchiveError('an entry name cannot be empty', 'invalid');
  if (nameBytes.length <= NAME_LENGTH) return plainHeader(nameBytes, size, 0);
  // GNU stores the long name NUL-terminated as the data of a pseudo entry.
  const longName = Buffer.concat([nameBytes, Buffer.alloc(1)]);
  const longLink = plainHeader(Buffer.from(LONG_LINK_NAME, 'latin1'), longName.length, 'L'.charCodeAt(0));
  return Buffer.concat([longLink, longName, paddingFor(longName.length), plainHeader(nameBytes, size, 0)]);
}

/** What {@link decodeHeader} reads back from one header block. */
export interface DecodedHeader {
  name: string;
  size: number;
  typeflag: number;
  checksum: number;
}

function readNumber(field: Buffer): number {
  if (((field[0] as number) & 0x80) !== 0) {
    let value = 0n;
    value = BigInt((field[0] as number) & 0x7f);
    for (let i = 1; i < field.length; i++) value = (value << 8n) | BigInt(field[i] as number);
    return Number(value);
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** Reads one header block (for tests and diagnostics; archives are read with tar-stream). */
export function decodeHeader(header: Uint8Array): DecodedHeader {
  const block = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (block.length !== BLOCK_SIZE) throw new ArchiveError(`a tar header is ${BLOCK_SIZE} bytes, got ${block.length}`, 'invalid');
  const nameEnd = block.indexOf(0);
  return {
    name: block.toString('utf8', 0, nameEnd >= 0 && nameEnd < NAME_LENGTH ? nameEnd : NAME_LENGTH),
    size: readNumber(block.subarray(SIZE_OFFSET, SIZE_OFFSET + SIZE_LENGTH)),
    typeflag: block[TYPEFLAG_OFFSET] as number,
    checksum: readNumber(block.subarray(CHECKSUM_OFFSET, CHECKSUM_OFFSET + CHECKSUM_LENGTH)),
  };
}
