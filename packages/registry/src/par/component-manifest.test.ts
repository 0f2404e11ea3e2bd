import { describe, expect, test } from 'vitest';
import { sha256Digest } from '../oci/digest.js';
import { chronoTimestamp, checkComponentManifest, componentConfig, componentManifest, parseComponentConfig } from './component-manifest.js';
import { parseManifest } from '../oci/manifest.js';

const layer = { digest: `sha256:${'ab'.repeat(32)}`, size: 177 };
const world = { exports: ['wasi:cli/run@0.2.0'], imports: ['wasi:clocks/monotonic-clock@0.2.0'] };
const created = new Date('2025-05-20T15:11:16.123Z');

describe('componentConfig', () => {
  test('is the exact bytes rust-oci-wasm writes: field order, nulls, compact', () => {
    const bytes = Buffer.from(componentConfig(layer, { os: 'wasip2', world, created })).toString();
    expect(bytes).toBe(
      `{"created":"2025-05-20T15:11:16.123Z","author":null,"architecture":"wasm","os":"wasip2","layerDigests":["${layer.digest}"],` +
        `"component":{"exports":["wasi:cli/run@0.2.0"],"imports":["wasi:clocks/monotonic-clock@0.2.0"],"target":null}}`,
    );
  });

  test('a core module in the wasip1 form has no component', () => {
    const config = JSON.parse(Buffer.from(componentConfig(layer, { os: 'wasip1', created })).toString()) as Record<string, unknown>;
    expect(config).toMatchObject({ os: 'wasip1', component: null });
  });

  test('wasip2 without a world is refused', () => {
    expect(() => componentConfig(layer, { os: 'wasip2' })).toThrow(/needs the exports and imports/);
  });

  test('created as chrono AutoSi: no fraction on a whole second', () => {
    expect(chronoTimestamp(new Date('2025-05-20T15:11:16.000Z'))).toBe('2025-05-20T15:11:16Z');
    expect(chronoTimestamp(new Date('2025-05-20T15:11:16.100Z'))).toBe('2025-05-20T15:11:16.100Z');
  });
});

describe('componentManifest', () => {
  test('OCI image manifest with mediaType, keys sorted, one application/wasm layer', () => {
    const built = componentManifest(layer, { os: 'wasip2', world, created, annotations: { 'org.example': 'x' } });
    expect(Buffer.from(built.bytes).toString()).toBe(
      `{"annotations":{"org.example":"x"},"config":{"digest":"${built.config.descriptor.digest}","mediaType":"application/vnd.wasm.config.v0+json","size":${built.config.bytes.length}},` +
        `"layers":[{"digest":"${layer.digest}","mediaType":"application/wasm","size":177}],"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2}`,
    );
    expect(built.digest).toBe(sha256Digest(built.bytes));
    expect(built.config.descriptor.digest).toBe(sha256Digest(built.config.bytes));
    expect(Buffer.from(componentManifest(layer, { os: 'wasip2', world, created }).bytes).toString()).not.toContain('annotations');
  });
});

describe('checkComponentManifest', () => {
  const manifest = (layers: string[], config = 'application/vnd.wasm.config.v0+json') =>
    parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: config, digest: layer.digest, size: 2 }, layers: layers.map((mediaType) => ({ mediaType, digest: layer.digest, size: 1 })) })));

  test('names the layout', () => {
    expect(checkComponentManifest(manifest(['application/wasm'])).layout).toBe('oci-wasm');
    expect(checkComponentManifest(manifest(['application/vnd.module.wasm.content.layer.v1+wasm'], 'application/vnd.wasmcloud.actor.archive.config')).layout).toBe('legacy-actor');
  });

  test('refuses a provider archive or two layers, saying what it found', () => {
    expect(() => checkComponentManifest(manifest(['application/vnd.wasmcloud.provider.archive.layer.v1+par']), 'r:1')).toThrow(
      'r:1 is not a Wasm component: its layer has media type application/vnd.wasmcloud.provider.archive.layer.v1+par',
    );
    expect(() => checkComponentManifest(manifest(['application/wasm', 'application/wasm']))).toThrow(/found 2/);
  });
});

describe('parseComponentConfig', () => {
  test('reads back what componentConfig writes', () => {
    expect(parseComponentConfig(componentConfig(layer, { os: 'wasip2', world, created }))).toEqual({
      created: '2025-05-20T15:11:16.123Z',
      author: null,
      architecture: 'wasm',
      os: 'wasip2',
      layerDigests: [layer.digest],
      component: { ...world, target: null },
    });
  });

  test('names a wrong field', () => {
    expect(() => parseComponentConfig(Buffer.from('{"created":"x","architecture":"wasm","os":"wasip2","layerDigests":"no"}'))).toThrow(/"layerDigests" must be a list of strings/);
    expect(() => parseComponentConfig(Buffer.from('[]'))).toThrow(/not a JSON object/);
  });
});
