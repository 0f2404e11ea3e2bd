// A provider archive that is a gzip bomb: a real claims JWT, then a "binary" of zeros that
// unpacks to `unpackedBytes` from about a thousandth of that. Written as a stream (never in memory).
import { readFileSync, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { constants, createGzip } from 'node:zlib';
import { bufferEntry, tarBytes } from '@par/archive';
import { fixture } from './par.js';

export async function writeGzipBomb(file: string, unpackedBytes: number): Promise<void> {
  const jwt = readFileSync(fixture('jwt/fakepay.claims.jwt'));
  const zeros = Buffer.alloc(1024 * 1024);
  const binary = {
    name: 'x86_64-linux.bin',
    size: unpackedBytes,
    open: async function* () {
      for (let left = unpackedBytes; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    },
  };
  await pipeline(Readable.from(tarBytes([bufferEntry('claims.jwt', jwt), binary])), createGzip({ level: constants.Z_BEST_SPEED }), createWriteStream(file));
}
