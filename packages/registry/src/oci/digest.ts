import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryError } from './errors.js';
import { digestProblem } from './reference.js';
import { STREAM_CHUNK_SIZE } from './io.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** What a blob must be: its digest and its size in bytes. */
export interface ExpectedContent {
  digest: string;
  size: number;
}

/** Validates `sha256:<64 hex>` / `sha512:<128 hex>`; throws a RegistryError of kind `invalid`. */
export function parseDigest(digest: string): ParsedDigest {
  const problem = digestProblem(digest);
  if (problem !== undefined) {
    throw new RegistryError(problem, { kind: 'invalid', operation: 'parse digest', reference: digest });
  }
  const colon = digest.indexOf(':');
  return { algorithm: digest.slice(0, colon) as DigestAlgorithm, hex: digest.slice(colon + 1) };
}

export function isDigest(digest: string): boolean {
  return digestProblem(digest) === undefined;
}

/** `<algorithm>:<hex>` of some bytes held in memory (manifests, configs). */
export function digestBytes(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export function sha256Digest(bytes: Uint8Array): string {
  return digestBytes(bytes, 'sha256');
}

export interface DigestingStreamOptions {
  algorithm?: DigestAlgorithm;
  /** When given, the stream fails if the bytes do not have this digest and size. */
  expected?: ExpectedContent;
  /** Names the blob in errors, e.g. a reference or a file path. */
  reference?: string;
}

/**
 * The one digest verifier: hashes and counts bytes as they come. With `expected`, `update` fails
 * as soon as more than `expected.size` bytes arrive, and `finish` fails unless digest and size
 * match, so a consumer that waits for `finish` never accepts bad content.
 */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  readonly expected: ExpectedContent | undefined;
  readonly #hash: Hash;
  readonly #reference: string | undefined;
  #bytes = 0;
  #digest: string | undefined;

  constructor(options: DigestingStreamOptions = {}) {
    this.expected = options.expected;
    this.#reference = options.reference;
    this.algorithm = options.expected === undefined ? (options.algorithm ?? 'sha256') : parseDigest(options.expected.digest).algorithm;
    this.#hash = createHash(this.algorithm);
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The digest of everything seen; only available once `finish` ran. */
  get digest(): string {
    if (this.#digest === undefined) throw new RegistryError('the digest is known only after the stream ends', { kind: 'failure', operation: 'digest' });
    return this.#digest;
  }

  update(chunk: Uint8Array): void {
    this.#bytes += chunk.length;
    if (this.expected !== undefined && this.#bytes > this.expected.size) {
      throw this.#mismatch(`received more than the expected ${this.expected.size} bytes (at least ${this.#bytes})`);
    }
    this.#hash.update(chunk);
  }

  /** Ends the content: returns its digest, or throws a verification error when it is not the expected one. */
  finish(): string {
    this.#digest ??= `${this.algorithm}:${this.#hash.digest('hex')}`;
    const expected = this.expected;
    if (expected !== undefined) {
      if (this.#bytes !== expected.size) throw this.#mismatch(`expected ${expected.size} bytes, received ${this.#bytes}`);
      if (this.#digest !== expected.digest) throw this.#mismatch(`expected digest ${expected.digest}, got ${this.#digest}`);
    }
    return this.#digest;
  }

  #mismatch(problem: string): RegistryError {
    const what = this.#reference === undefined ? `content ${this.expected?.digest}` : this.#reference;
    return new RegistryError(`verification failed for ${what}: ${problem}`, {
      kind: 'verification',
      operation: 'verify content',
      ...(this.#reference === undefined ? {} : { reference: this.#reference }),
    });
  }
}

/** A pass-through stream around a Digester: fails as the Digester does, so a pipeline never accepts bad content. */
export class DigestingStream extends Transform {
  readonly #digester: Digester;

  constructor(options: DigestingStreamOptions = {}) {
    super();
    this.#digester = new Digester(options);
  }

  get algorithm(): DigestAlgorithm {
    return this.#digester.algorithm;
  }

  get expected(): ExpectedContent | undefined {
    return this.#digester.expected;
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#digester.bytes;
  }

  /** The digest of everything that passed; only available once the stream has ended. */
  get digest(): string {
    return this.#digester.digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#digester.update(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#digester.finish();
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback();
  }
}

/** A DigestingStream that fails unless the bytes have exactly `expected`'s digest and size. */
export function createVerifier(expected: ExpectedContent, options: { reference?: string } = {}): DigestingStream {
  parseDigest(expected.digest);
  return new DigestingStream({ expected, ...options });
}

/** Digest and size of a file, reading it once as a stream. */
export async function digestFile(path: string, algorithm: DigestAlgorithm = 'sha256'): Promise<ExpectedContent> {
  const hasher = new DigestingStream({ algorithm });
  try {
    await pipeline(createReadStream(path, { highWaterMark: STREAM_CHUNK_SIZE }), hasher, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) void chunk;
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RegistryError(`file not found: ${path}`, { kind: 'not_found', operation: 'digest file', reference: path, cause: error });
    }
    throw new RegistryError(`cannot read ${path}: ${(error as Error).message}`, {
      kind: 'failure',
      operation: 'digest file',
      reference: path,
      cause: error,
    });
  }
  return { digest: hasher.digest, size: hasher.bytes };
}
