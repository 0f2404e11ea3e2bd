import { Transform, type TransformCallback } from 'node:stream';
import { constants, createGzip } from 'node:zlib';
import { STREAM_CHUNK_SIZE } from './io.js';

/** The 10-byte gzip header wash writes: no name, mtime 0, XFL 2 (best), OS 255 (unknown). */
export const WASH_GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff]);

/** True when the bytes start like a gzip stream (the only test readers use; extensions are ignored). */
export function looksGzipped(firstBytes: Uint8Array): boolean {
  return firstBytes[0] === 0x1f && firstBytes[1] === 0x8b;
}

/**
 * Rewrites the OS byte (offset 9) of the stream it passes through to 0xff: Node's zlib writes
 * the host OS (3 on Unix) and there is no option for it.
 */
class GzipOsPatch extends Transform {
  #seen = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#seen <= 9 && this.#seen + chunk.length > 9) {
      chunk = Buffer.from(chunk);
      chunk[9 - this.#seen] = 0xff;
    }
    this.#seen += chunk.length;
    callback(null, chunk);
  }
}

/** A gzip compressor at level 9 whose output starts with exactly {@link WASH_GZIP_HEADER}. */
export function createWashGzip(): [Transform, Transform] {
  return [createGzip({ level: constants.Z_BEST_COMPRESSION, chunkSize: STREAM_CHUNK_SIZE }), new GzipOsPatch()];
}
