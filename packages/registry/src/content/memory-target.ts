import { Readable } from 'node:stream';
import type { Descriptor } from '../oci/descriptor.js';
import { createVerifier, digestBytes, parseDigest } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import type { Content, Target, TransferOptions } from './target.js';

export interface MemoryTargetOptions {
  /** Bytes per chunk of a fetched stream (default 64 KiB); tests use tiny chunks to act like a network. */
  chunkSize?: number;
}

/** Anything above this is refused: the in-memory target is for tests and small tools, not for big blobs. */
const MAX_MEMORY_BLOB = 256 * 1024 * 1024;

/**
 * A Target in memory, keeping the storage contract like any other: what it stores matches its
 * descriptor (it hashes what it receives unless the caller already verified those bytes), and a
 * failed push stores nothing. Shared by the unit tests; `pushes` records the order of stores.
 */
export class MemoryTarget implements Target {
  /** Stored content by digest. */
  readonly blobs = new Map<string, Buffer>();
  readonly descriptors = new Map<string, Descriptor>();
  readonly tags = new Map<string, Descriptor>();
  /** Digests in the order they were stored. */
  readonly pushes: string[] = [];
  readonly #chunkSize: number;

  constructor(options: MemoryTargetOptions = {}) {
    this.#chunkSize = Math.max(1, options.chunkSize ?? 64 * 1024);
  }

  async resolve(reference: string): Promise<Descriptor> {
    const found = this.tags.get(reference) ?? this.descriptors.get(reference);
    if (found === undefined) throw new RegistryError(`${reference} not found in memory`, { kind: 'not_found', operation: 'resolve', reference });
    return found;
  }

  async fetch(descriptor: Descriptor, options: TransferOptions = {}): Promise<Readable> {
    const bytes = this.blobs.get(descriptor.digest);
    if (bytes === undefined) {
      throw new RegistryError(`${descriptor.digest} not found in memory`, { kind: 'not_found', operation: 'fetch', reference: descriptor.digest });
    }
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < bytes.length; offset += this.#chunkSize) chunks.push(bytes.subarray(offset, offset + this.#chunkSize));
    options.onProgress?.(bytes.length);
    return Readable.from(chunks);
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    return this.blobs.has(descriptor.digest);
  }

  async push(descriptor: Descriptor, content: Content, options: TransferOptions = {}): Promise<void> {
    const reference = `memory ${descriptor.digest}`;
    parseDigest(descriptor.digest);
    const source = typeof content === 'function' ? await content(0) : Readable.from([Buffer.from(content)]);
    // Verified upstream (copy hashed what it read): storing needs no second hash.
    const checked = options.verified === true ? source : source.pipe(createVerifier(descriptor, { reference }));
    source.once('error', (error) => checked.destroy(error));
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of checked) {
      size += (chunk as Buffer).length;
      if (size > descriptor.size || size > MAX_MEMORY_BLOB) {
        source.destroy();
        throw new RegistryError(`verification failed for ${reference}: more than the expected ${descriptor.size} bytes`, { kind: 'verification', operation: 'push', reference });
      }
      chunks.push(chunk as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    if (bytes.length !== descriptor.size) {
      throw new RegistryError(`verification failed for ${reference}: expected ${descriptor.size} bytes, received ${bytes.length}`, {
        kind: 'verification',
        operation: 'push',
        reference,
      });
    }
    this.blobs.set(descriptor.digest, bytes);
    this.descriptors.set(descriptor.digest, descriptor);
    this.pushes.push(descriptor.digest);
    options.onProgress?.(bytes.length);
  }

  async tag(descriptor: Descriptor, reference: string): Promise<void> {
    if (!this.blobs.has(descriptor.digest)) {
      throw new RegistryError(`cannot tag ${descriptor.digest} as ${reference}: no such manifest in memory`, { kind: 'not_found', operation: 'tag', reference });
    }
    this.tags.set(reference, descriptor);
  }

  /** Stores bytes as they are, without the push path (for tests that build a source, or corrupt one). */
  put(bytes: Uint8Array, mediaType: string): Descriptor {
    const descriptor = { mediaType, digest: digestBytes(bytes), size: bytes.length };
    this.blobs.set(descriptor.digest, Buffer.from(bytes));
    this.descriptors.set(descriptor.digest, descriptor);
    return descriptor;
  }
}
