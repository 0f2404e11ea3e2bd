// ParFileSource's `layer` and `inspect` options with copy()'s `beforeCommit`: the single-pass push.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { copy } from '../content/copy.js';
import { isManifestMediaType, parseManifest, type ImageManifest } from '../oci/manifest.js';
import { ParFileSource } from './par-file.js';
import { MemoryTarget as SharedMemoryTarget } from '../content/memory-target.js';
import type { Content, Target, TransferOptions } from '../content/target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { readAll } from '../test-support.js';

const scratch = await mkdtemp(path.join(tmpdir(), 'par-file-inspect-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));
let counter = 0;

/** Several read chunks (the source reads 1 MiB at a time), so "part of the upload" means something. */
const FILE_SIZE = 3 * 1024 * 1024 + 12_345;

function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function freshFile(size = FILE_SIZE): Promise<{ file: string; bytes: Buffer; digest: string }> {
  const bytes = randomBytes(size);
  const file = path.join(scratch, `archive-${counter++}.par`);
  await writeFile(file, bytes);
  return { file, bytes, digest: digestOf(bytes) };
}

/**
 * An inspector that hashes what it is given and records every run: how many times it was invoked
 * (each invocation is one read of the file's bytes) and what each run saw.
 */
function recordingInspector(options: { reject?: (seen: string) => boolean; slow?: boolean } = {}) {
  const runs: { digest?: string; bytes: number }[] = [];
  const inspect = async (bytes: Readable): Promise<void> => {
    const run: { digest?: string; bytes: number } = { bytes: 0 };
    runs.push(run);
    const hash = createHash('sha256');
    for await (const chunk of bytes) {
      hash.update(chunk as Buffer);
      run.bytes += (chunk as Buffer).length;
      // A slow reader: the upload must wait for it (backpressure), not outrun or drop it.
      if (options.slow) await new Promise((resolve) => setImmediate(resolve));
    }
    run.digest = `sha256:${hash.digest('hex')}`;
    if (options.reject?.(run.digest)) throw new Error(`inspection failed: ${run.digest} is not acceptable`);
  };
  return { inspect, runs };
}

type PushHook = (descriptor: Descriptor, content: Content, attempt: number) => Promise<Buffer | undefined>;

/** The shared in-memory target, logging pushes and tags; `onBlobPush` may replace how a blob's content is read. */
class MemoryTarget extends SharedMemoryTarget {
  /** Everything pushed, in order: blobs by digest, manifests as `manifest <digest>`, tags as `tag <name>`. */
  readonly log: string[] = [];
  readonly attempts = new Map<string, number>();
  onBlobPush: PushHook | undefined;

  /** The manifests stored, by digest. */
  get manifests(): Map<string, Buffer> {
    return new Map([...this.blobs].filter(([digest]) => isManifestMediaType(this.descriptors.get(digest)?.mediaType ?? '')));
  }

  override async push(descriptor: Descriptor, content: Content, options: TransferOptions = {}): Promise<void> {
    if (isManifestMediaType(descriptor.mediaType)) {
      await super.push(descriptor, content, options);
      this.log.push(`manifest ${descriptor.digest}`);
      return;
    }
    const attempt = (this.attempts.get(descriptor.digest) ?? 0) + 1;
    this.attempts.set(descriptor.digest, attempt);
    const hooked = await this.onBlobPush?.(descriptor, content, attempt);
    // Bytes a hook read itself are checked here: copy's verification was not on their path.
    await super.push(descriptor, hooked ?? content, hooked === undefined ? options : {});
    this.log.push(descriptor.digest);
  }

  override async tag(descriptor: Descriptor, reference: string): Promise<void> {
    await super.tag(descriptor, reference);
    this.log.push(`tag ${reference}`);
  }
}

/** Reads `count` bytes or more of a content stream, then stops reading it without destroying it. */
async function readSomeThenAbandon(content: Content, count: number): Promise<number> {
  const stream = await (content as (offset: number) => Promise<Readable>)(0);
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen >= count) {
        stream.off('data', onData);
        stream.pause();
        resolve();
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
  });
  return seen;
}

/** Reads `count` bytes or more of a content stream, then destroys it (a dropped connection). */
async function readSomeThenDestroy(content: Content, count: number): Promise<number> {
  const stream = await (content as (offset: number) => Promise<Readable>)(0);
  let seen = 0;
  for await (const chunk of stream) {
    seen += (chunk as Buffer).length;
    if (seen >= count) break; // for-await's return() destroys the stream
  }
  return seen;
}

const push = (source: ParFileSource, destination: Target, tag = 'v1') =>
  copy(source, source.manifest.descriptor.digest, destination, tag, { beforeCommit: () => source.inspected() });

describe('ParFileSource inspect: verification riding on the upload', () => {
  it('the inspector sees exactly the file during the upload, and inspected() reads nothing more', async () => {
    const { file, bytes, digest } = await freshFile();
    const inspector = recordingInspector({ slow: true });
    const source = await ParFileSource.open(file, { inspect: inspector.inspect });
    const destination = new MemoryTarget();
    let manifestsWhenInspected: number | undefined;
    const result = await copy(source, source.manifest.descriptor.digest, destination, 'v1', {
      beforeCommit: async () => {
        await source.inspected();
        manifestsWhenInspected = destination.manifests.size;
      },
    });

    expect(inspector.runs).toEqual([{ digest, bytes: bytes.length }]);
    // The verdict was in before the manifest was pushed.
    expect(manifestsWhenInspected).toBe(0);
    expect(destination.blobs.get(digest)?.equals(bytes)).toBe(true);
    expect(destination.tags.get('v1')).toEqual(result.descriptor);
    // Asking again settles on the same run.
    await source.inspected();
    expect(inspector.runs).toHaveLength(1);
  });

  it('reads the file when the destination already has the layer (one run, from the file)', async () => {
    const { file, bytes, digest } = await freshFile();
    const inspector = recordingInspector();
    const source = await ParFileSource.open(file, { inspect: inspector.inspect });
    const destination = new MemoryTarget();
    destination.blobs.set(digest, bytes);

    const result = await push(source, destination);
    expect(result.skipped).toBe(1);
    expect(destination.log).not.toContain(digest);
    expect(inspector.runs).toEqual([{ digest, bytes: bytes.length }]);
    expect(destination.tags.get('v1')).toEqual(result.descriptor);
  });

  it('reads the file when the destination already has the whole artifact, and a failed verdict still stops the tag', async () => {
    const { file } = await freshFile();
    const first = await ParFileSource.open(file);
    const destination = new MemoryTarget();
    await copy(first, first.manifest.descriptor.digest, destination, 'v1');
    const log = [...destination.log];

    const inspector = recordingInspector({ reject: () => true });
    const source = await ParFileSource.open(file, { inspect: inspector.inspect });
    await expect(push(source, destination, 'v2')).rejects.toThrow(/inspection failed/);
    expect(inspector.runs).toHaveLength(1);
    expect(destination.tags.has('v2')).toBe(false);
    expect(destination.log).toEqual(log);
  });

  it('an inspector that rejects after reading everything: no manifest, no tag (the layer may be there)', async () => {
    const { file, bytes, digest } = await freshFile();
    const inspector = recordingInspector({ reject: () => true });
    const source = await ParFileSource.open(file, { inspect: inspector.inspect });
    const destination = new MemoryTarget();

    await expect(push(source, destination)).rejects.toThrow(/inspection failed/);
    expect(inspector.runs).toEqual([{ digest, bytes: bytes.length }]);
    expect(destination.manifests.size).toBe(0);
    expect(destination.tags.size).toBe(0);
    expect(destination.log.filter((entry) => entry.startsWith('manifest') || entry.startsWith('tag'))).toEqual([]);
  });

  it('an inspector that rejects part-way through (a malformed archive): no manifest, no tag, no hang', { timeout: 10_000 }, async () => {
    const { file } = await freshFile();
    const source = await ParFileSource.open(file, {
      inspect: async (bytes) => {
        for await (const _chunk of bytes) throw new Error('inspection failed: not an archive');
      },
    });
    const destination = new MemoryTarget();
    await expect(push(source, destination)).rejects.toThrow(/inspection failed/);
    expect(destination.manifests.size).toBe(0);
    expect(destination.tags.size).toBe(0);
  });

  it('an upload that breaks off and is retried by the registry client: inspected() reads the file for a full verdict', { timeout: 10_000 }, async () => {
    const { file, bytes, digest } = await freshFile();
    const inspector = recordingInspector();
    const source = await ParFileSource.open(file, { inspect: inspector.inspect });
    const destination = new MemoryTarget();
    let partial = 0;
    destination.onBlobPush = async (descriptor, content, attempt) => {
      if (descriptor.digest !== digest || attempt > 1) return undefined;
      // The first attempt: a connection that drops after a megabyte, then the retry from the start.
      partial = await readSomeThenDestroy(content, 1024 * 1024);
      return readAll(await (content as (offset: number) => Promise<Readable>)(0));
    };

    await push(source, destination);
    expect(partial).toBeLessThan(bytes.length);
    expect(destination.blobs.get(digest)?.equals(bytes)).toBe(true);
    // The run on the broken attempt saw part of the file; the verdict came from a full read.
    expect(inspector.runs).toHaveLength(2);
    expect(inspector.runs[0]!.bytes).toBeLessThan(bytes.length);
    expect(inspector.runs[1]).toEqual({ digest, bytes: bytes.length });
    expect(destination.tags.has('v1')).toBe(true);
  });

  it('an upload abandoned without being closed, then retried: inspected() does not wait on the stalled run', { timeout: 10_000 }, async () => {
    const { file, bytes, digest } = await freshFile();
    const inspector = recordingInspector();
    const source = await ParFileSource.open(file, { inspect: inspector.inspect });
    const destination = new MemoryTarget();
    destination.onBlobPush = async (descriptor, content, attempt) => {
      if (descriptor.digest !== digest || attempt > 1) return undefined;
      await readSomeThenAbandon(content, 1024 * 1024);
      return readAll(await (content as (offset: number) => Promise<Readable>)(0));
    };

    await push(source, destination);
    expect(inspector.runs.at(-1)).toEqual({ digest, bytes: bytes.length });
    expect(destination.tags.has('v1')).toBe(true);
  });

  it('a push that fails midway and a second copy with the same source: the verdict covers the whole file', { timeout: 10_000 }, async () => {
    const { file, bytes, digest } = await freshFile();
    // Rejects anything but the whole file: a verdict on part of it would fail the second push.
    const inspector = recordingInspector({ reject: (seen) => seen !== digest });
    const source = await ParFileSource.open(file, { inspect: inspector.inspect });
    const destination = new MemoryTarget();
    destination.onBlobPush = async (descriptor, content, attempt) => {
      if (descriptor.digest !== digest || attempt > 1) return undefined;
      await readSomeThenDestroy(content, 1024 * 1024);
      throw new Error('connection reset by peer');
    };

    await expect(push(source, destination)).rejects.toThrow(/connection reset/);
    expect(destination.manifests.size).toBe(0);
    expect(destination.tags.size).toBe(0);

    const result = await push(source, destination);
    expect(destination.blobs.get(digest)?.equals(bytes)).toBe(true);
    expect(inspector.runs.at(-1)).toEqual({ digest, bytes: bytes.length });
    expect(destination.tags.get('v1')).toEqual(result.descriptor);
  });

  it('an upload whose every byte went through before the registry refused it: the retry reuses the verdict', { timeout: 10_000 }, async () => {
    const { file, bytes, digest } = await freshFile();
    const inspector = recordingInspector();
    const source = await ParFileSource.open(file, { inspect: inspector.inspect });
    const destination = new MemoryTarget();
    destination.onBlobPush = async (descriptor, content, attempt) => {
      if (descriptor.digest !== digest || attempt > 1) return undefined;
      await readAll(await (content as (offset: number) => Promise<Readable>)(0)); // then "500 Internal Server Error"
      return readAll(await (content as (offset: number) => Promise<Readable>)(0));
    };
    await push(source, destination);
    expect(inspector.runs).toEqual([{ digest, bytes: bytes.length }]);
  });
});

describe('ParFileSource layer option: a known digest skips the digest pass', () => {
  it('uses the digest given without reading the file (it need not even exist yet)', async () => {
    const wrong = `sha256:${'ab'.repeat(32)}`;
    const source = await ParFileSource.open(path.join(scratch, 'not-there.par'), { layer: { digest: wrong, size: 1234 } });
    expect(source.layer).toMatchObject({ digest: wrong, size: 1234 });

    // A destination that "has" that layer: the manifest pushed names the digest given, unchecked.
    const destination = new MemoryTarget();
    destination.blobs.set(wrong, Buffer.alloc(0));
    const result = await push(source, destination);
    const manifest = parseManifest(destination.manifests.get(result.descriptor.digest)!, result.descriptor.mediaType) as ImageManifest;
    expect(manifest.layers.map((layer) => layer.digest)).toEqual([wrong]);
  });

  it('a wrong digest is still caught when the layer is uploaded: no manifest, no tag', async () => {
    const { file, bytes } = await freshFile(4096);
    const wrong = `sha256:${'cd'.repeat(32)}`;
    const source = await ParFileSource.open(file, { layer: { digest: wrong, size: bytes.length } });
    const destination = new MemoryTarget();
    await expect(push(source, destination)).rejects.toThrow();
    expect(destination.blobs.has(wrong)).toBe(false);
    expect(destination.manifests.size).toBe(0);
    expect(destination.tags.size).toBe(0);
  });
});
