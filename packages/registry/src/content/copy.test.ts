import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Descriptor } from '../oci/descriptor.js';
import { RegistryError } from '../oci/errors.js';
import { OCI_INDEX_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from '../oci/media-types.js';
import { copy, type CopyEvent } from './copy.js';
import { MemoryTarget as SharedMemoryTarget } from './memory-target.js';

/** Tiny chunks, like a network stream. */
class MemoryTarget extends SharedMemoryTarget {
  constructor() {
    super({ chunkSize: 3 });
  }
}

/** An index of two manifests that share one config and each have a layer of their own. */
function sampleGraph(target: MemoryTarget) {
  const config = target.put(Buffer.from('{}'), 'application/vnd.wasmcloud.provider.archive.config');
  const layerA = target.put(Buffer.from('layer a bytes'), 'application/vnd.wasmcloud.provider.archive.layer.v1+par');
  const layerB = target.put(Buffer.from('layer b bytes'), 'application/vnd.wasmcloud.provider.archive.layer.v1+par');
  const manifest = (layer: Descriptor) =>
    target.put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST_MEDIA_TYPE, config, layers: [layer] })), OCI_MANIFEST_MEDIA_TYPE);
  const manifestA = manifest(layerA);
  const manifestB = manifest(layerB);
  // Spacing in the JSON on purpose: the copy must keep these exact bytes.
  const index = target.put(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX_MEDIA_TYPE, manifests: [manifestA, manifestB] }, null, 2)),
    OCI_INDEX_MEDIA_TYPE,
  );
  target.tags.set('v1', index);
  return { config, layerA, layerB, manifestA, manifestB, index };
}

describe('copy', () => {
  it('copies an index with two children, children before parents, bytes unchanged', async () => {
    const source = new MemoryTarget();
    const graph = sampleGraph(source);
    const destination = new MemoryTarget();
    const events: CopyEvent[] = [];
    const result = await copy(source, 'v1', destination, 'v1', { tags: ['stable'], onBlob: (event) => events.push(event) });

    expect(result.descriptor).toEqual(graph.index);
    expect(result).toMatchObject({ copied: 6, skipped: 0, mounted: 0 });
    expect(destination.blobs.get(graph.index.digest)?.equals(source.blobs.get(graph.index.digest)!)).toBe(true);
    const order = (d: Descriptor) => destination.pushes.indexOf(d.digest);
    for (const child of [graph.config, graph.layerA]) expect(order(child)).toBeLessThan(order(graph.manifestA));
    for (const child of [graph.config, graph.layerB]) expect(order(child)).toBeLessThan(order(graph.manifestB));
    expect(order(graph.manifestA)).toBeLessThan(order(graph.index));
    expect(order(graph.manifestB)).toBeLessThan(order(graph.index));
    // The shared config goes over once.
    expect(destination.pushes.filter((d) => d === graph.config.digest)).toHaveLength(1);
    expect(destination.tags.get('v1')).toEqual(graph.index);
    expect(destination.tags.get('stable')).toEqual(graph.index);
    expect(events.filter((e) => e.action === 'copied')).toHaveLength(6);
  });

  it('skips what the destination already has', async () => {
    const source = new MemoryTarget();
    const graph = sampleGraph(source);
    const destination = new MemoryTarget();
    destination.put(source.blobs.get(graph.layerA.digest)!, graph.layerA.mediaType);
    destination.put(source.blobs.get(graph.manifestB.digest)!, graph.manifestB.mediaType);

    const result = await copy(source, 'v1', destination, undefined);
    // manifestB present → its subtree is not walked; layerA present → skipped.
    expect(result).toMatchObject({ copied: 3, skipped: 2 });
    expect(destination.pushes).not.toContain(graph.layerA.digest);
    expect(destination.pushes).not.toContain(graph.layerB.digest);
    expect(destination.tags.get('v1')).toEqual(graph.index);

    const again = await copy(source, 'v1', destination, 'v1');
    expect(again).toMatchObject({ copied: 0, skipped: 1, bytes: 0 });
  });

  it('pushes nothing in a dry run but reports what it would copy', async () => {
    const source = new MemoryTarget();
    const graph = sampleGraph(source);
    const destination = new MemoryTarget();
    const result = await copy(source, 'v1', destination, 'v1', { dryRun: true });
    expect(result).toMatchObject({ copied: 6, skipped: 0 });
    expect(result.bytes).toBe([graph.config, graph.layerA, graph.layerB, graph.manifestA, graph.manifestB, graph.index].reduce((n, d) => n + d.size, 0));
    expect(destination.pushes).toEqual([]);
    expect(destination.tags.size).toBe(0);
  });

  it('refuses content that does not match its digest: copy verifies, and nothing of it is stored', async () => {
    const source = new MemoryTarget();
    const graph = sampleGraph(source);
    // Same size, other bytes: only a digest check can tell.
    source.blobs.set(graph.layerA.digest, Buffer.from('layer X bytes'));
    const destination = new MemoryTarget();
    const error = await copy(source, 'v1', destination, 'v1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).kind).toBe('verification');
    expect((error as RegistryError).message).toContain(graph.layerA.digest);
    // Copy tells the destination it verified the bytes, so the destination stores them unhashed:
    // it is copy's own check that must stop them.
    expect(destination.blobs.has(graph.layerA.digest)).toBe(false);
    expect(destination.pushes).not.toContain(graph.manifestA.digest);
    expect(destination.tags.size).toBe(0);
  });

  it('the in-memory target itself refuses a push that does not match, unless told it was verified', async () => {
    const target = new MemoryTarget();
    const good = Buffer.from('good');
    const descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${'0'.repeat(64)}`, size: 4 };
    await expect(target.push(descriptor, good)).rejects.toMatchObject({ kind: 'verification' });
    expect(await target.exists(descriptor)).toBe(false);
    await target.push(descriptor, good, { verified: true });
    expect(await target.exists(descriptor)).toBe(true);
  });

  it('keeps at most `concurrency` blobs in flight', async () => {
    const source = new MemoryTarget();
    const layers = Array.from({ length: 8 }, (_, i) => source.put(Buffer.from(`layer ${i}`), 'application/octet-stream'));
    const config = source.put(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
    const root = source.put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST_MEDIA_TYPE, config, layers })), OCI_MANIFEST_MEDIA_TYPE);
    source.tags.set('v1', root);
    const destination = new MemoryTarget();
    let inFlight = 0;
    let most = 0;
    const push = destination.push.bind(destination);
    destination.push = async (descriptor, content) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      try {
        await push(descriptor, content);
      } finally {
        inFlight--;
      }
    };
    await copy(source, 'v1', destination, 'v1', { concurrency: 2 });
    expect(most).toBe(2);
    expect(destination.pushes).toHaveLength(10);
  });

  describe('beforeCommit', () => {
    it('runs once, after every blob (and child manifest) is in place and before the root is pushed', async () => {
      const source = new MemoryTarget();
      const graph = sampleGraph(source);
      const destination = new MemoryTarget();
      const seen: { pushed: string[]; tags: number }[] = [];
      let settled = false;
      const push = destination.push.bind(destination);
      let settledAtRootPush: boolean | undefined;
      destination.push = async (descriptor, content) => {
        if (descriptor.digest === graph.index.digest) settledAtRootPush = settled;
        await push(descriptor, content);
      };

      await copy(source, 'v1', destination, 'v1', {
        beforeCommit: async () => {
          seen.push({ pushed: [...destination.pushes], tags: destination.tags.size });
          // The root push must wait for the hook to settle, not just for it to start.
          await new Promise((resolve) => setTimeout(resolve, 5));
          settled = true;
        },
      });

      expect(seen).toHaveLength(1);
      const children = [graph.config, graph.layerA, graph.layerB, graph.manifestA, graph.manifestB].map((d) => d.digest);
      expect([...seen[0]!.pushed].sort()).toEqual([...children].sort());
      expect(seen[0]!.tags).toBe(0);
      expect(settledAtRootPush).toBe(true);
      expect(destination.pushes.at(-1)).toBe(graph.index.digest);
      expect(destination.tags.get('v1')).toEqual(graph.index);
    });

    it('when the destination already has the root, still runs (once) before the tag is set', async () => {
      const source = new MemoryTarget();
      const graph = sampleGraph(source);
      const destination = new MemoryTarget();
      await copy(source, 'v1', destination, 'v1');
      const pushed = [...destination.pushes];

      let calls = 0;
      let tagsWhenCalled: string[] | undefined;
      const result = await copy(source, 'v1', destination, 'v2', {
        tags: ['stable'],
        beforeCommit: async () => {
          calls++;
          tagsWhenCalled = [...destination.tags.keys()];
        },
      });
      expect(result).toMatchObject({ copied: 0, skipped: 1 });
      expect(calls).toBe(1);
      expect(tagsWhenCalled).toEqual(['v1']);
      expect(destination.pushes).toEqual(pushed);
      expect(destination.tags.get('v2')).toEqual(graph.index);
      expect(destination.tags.get('stable')).toEqual(graph.index);
    });

    it('a rejection stops the copy: the blobs may be there, but no root manifest and no tag', async () => {
      const source = new MemoryTarget();
      const graph = sampleGraph(source);
      const destination = new MemoryTarget();
      let calls = 0;
      await expect(
        copy(source, 'v1', destination, 'v1', {
          tags: ['stable'],
          beforeCommit: async () => {
            calls++;
            throw new Error('the archive does not verify');
          },
        }),
      ).rejects.toThrow('the archive does not verify');
      expect(calls).toBe(1);
      expect(destination.pushes).toContain(graph.layerA.digest);
      expect(destination.pushes).not.toContain(graph.index.digest);
      expect(destination.blobs.has(graph.index.digest)).toBe(false);
      expect(destination.tags.size).toBe(0);
    });

    it('a rejection when the destination already has the root: no new tag', async () => {
      const source = new MemoryTarget();
      sampleGraph(source);
      const destination = new MemoryTarget();
      await copy(source, 'v1', destination, 'v1');
      await expect(
        copy(source, 'v1', destination, 'v2', {
          beforeCommit: () => Promise.reject(new Error('refused')),
        }),
      ).rejects.toThrow('refused');
      expect([...destination.tags.keys()]).toEqual(['v1']);
    });

    it('a single-manifest root: runs after its config and layer, before the manifest', async () => {
      const source = new MemoryTarget();
      const graph = sampleGraph(source);
      source.tags.set('a', graph.manifestA);
      const destination = new MemoryTarget();
      let pushedWhenCalled: string[] = [];
      await copy(source, 'a', destination, 'a', {
        beforeCommit: async () => {
          pushedWhenCalled = [...destination.pushes];
        },
      });
      expect([...pushedWhenCalled].sort()).toEqual([graph.config.digest, graph.layerA.digest].sort());
      expect(destination.pushes).toEqual([...pushedWhenCalled, graph.manifestA.digest]);
    });
  });
});

describe('copy of a wide index', () => {
  /** A source whose manifest fetches take a little while, counting how many run at once and in all. */
  class SlowSource extends MemoryTarget {
    inFlight = 0;
    maxInFlight = 0;
    started: string[] = [];
    failing: string | undefined;
    override async fetch(descriptor: Descriptor): Promise<Readable> {
      this.started.push(descriptor.digest);
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (descriptor.digest === this.failing) throw Object.assign(new Error(`no ${descriptor.digest}`), { kind: 'not_found' });
        return await super.fetch(descriptor);
      } finally {
        this.inFlight--;
      }
    }
  }

  it('fetches child manifests within the concurrency limit and starts none after the first failure', async () => {
    const source = new SlowSource();
    const config = source.put(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
    const children = Array.from({ length: 500 }, (_, i) =>
      source.put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST_MEDIA_TYPE, config, layers: [], annotations: { i: String(i) } })), OCI_MANIFEST_MEDIA_TYPE),
    );
    const index = source.put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX_MEDIA_TYPE, manifests: children })), OCI_INDEX_MEDIA_TYPE);
    source.tags.set('wide', index);
    source.failing = children[20]!.digest;
    const destination = new MemoryTarget();

    await expect(copy(source, 'wide', destination, undefined, { concurrency: 4 })).rejects.toThrow(`no ${children[20]!.digest}`);
    const startedAtFailure = source.started.length;
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(source.maxInFlight).toBeLessThanOrEqual(4);
    expect(source.started.length, 'fetches started after the copy had failed').toBe(startedAtFailure);
    // The index itself, the children up to the failing one, and those already in flight beside it.
    expect(startedAtFailure).toBeLessThanOrEqual(1 + 21 + 3);
  });
});
