import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWasm } from '@par/archive';
import { describe, expect, test } from 'vitest';
import { copy } from '../content/copy.js';
import { MemoryTarget } from '../content/memory-target.js';
import { ComponentFileSink, ComponentFileSource } from './component-file.js';

const fixture = fileURLToPath(new URL('../../../../test/fixtures/components/clock.wasm', import.meta.url));

async function source(): Promise<ComponentFileSource> {
  const wasm = await readWasm(fixture);
  return ComponentFileSource.fromFile(fixture, { digest: wasm.digest, size: wasm.size }, { os: 'wasip2', world: wasm });
}

describe('ComponentFileSource → target → ComponentFileSink', () => {
  test('a .wasm goes up as manifest, config and layer, and comes back byte for byte', async () => {
    const from = await source();
    const store = new MemoryTarget();
    const pushed = await copy(from, from.manifest.digest, store, '1.0.0');
    expect(pushed.copied).toBe(3);
    expect((await store.resolve('1.0.0')).digest).toBe(from.manifest.digest);

    const out = join(mkdtempSync(join(tmpdir(), 'component-sink-')), 'clock.wasm');
    const sink = new ComponentFileSink(out);
    await copy(store, from.manifest.digest, sink, undefined);
    expect(readFileSync(out).equals(readFileSync(fixture))).toBe(true);
    expect(JSON.parse(Buffer.from(sink.config!).toString())).toMatchObject({ os: 'wasip2', layerDigests: [from.manifest.layer.digest] });
  });

  test('an inspector that rejects the bytes leaves no file behind', async () => {
    const from = await source();
    const store = new MemoryTarget();
    await copy(from, from.manifest.digest, store, '1');
    const out = join(mkdtempSync(join(tmpdir(), 'component-sink-')), 'clock.wasm');
    const sink = new ComponentFileSink(out, { inspect: async () => Promise.reject(new Error('not a component')) });
    await expect(copy(store, from.manifest.digest, sink, undefined)).rejects.toThrow('not a component');
    expect(existsSync(out)).toBe(false);
  });

  test('the source holds exactly its three blobs and is read-only', async () => {
    const from = await source();
    expect(await from.exists(from.manifest.layer)).toBe(true);
    expect(await from.exists({ ...from.manifest.layer, digest: `sha256:${'0'.repeat(64)}` })).toBe(false);
    await expect(from.resolve(`sha256:${'0'.repeat(64)}`)).rejects.toThrow(/has manifest/);
    await expect(from.push()).rejects.toThrow(/cannot be written to/);
  });
});
