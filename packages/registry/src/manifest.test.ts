import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestFile } from './digest.js';
import { RegistryError } from './errors.js';
import {
  canonicalJson,
  manifestChildren,
  parManifest,
  parseAnnotations,
  parseManifest,
  PAR_ARTIFACT_TYPE,
} from './manifest.js';
import { EMPTY_CONFIG_DIGEST, OCI_INDEX_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from './media-types.js';

const fixtures = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'fixtures');
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

function invalid(run: () => unknown): RegistryError {
  try {
    run();
  } catch (error) {
    if (error instanceof RegistryError && error.kind === 'invalid') return error;
    throw error;
  }
  throw new Error('expected an invalid RegistryError');
}

describe('parManifest', () => {
  it('writes exactly the bytes wash writes for fakepay.par.gz', async () => {
    const layer = await digestFile(path.join(fixtures, 'wash', 'fakepay.par.gz'));
    const expected =
      '{"config":{"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",' +
      '"mediaType":"application/vnd.wasmcloud.provider.archive.config","size":2},' +
      '"layers":[{"digest":"sha256:32c80420cbd550af85c61d6d55de5bb634d1c74e0f296e7e8ab1528acaeb457c",' +
      '"mediaType":"application/vnd.wasmcloud.provider.archive.layer.v1+par","size":1194715}],' +
      '"schemaVersion":2}';
    const manifest = parManifest(layer);
    expect(text(manifest.bytes)).toBe(expected);
    expect(manifest.descriptor).toEqual({
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      digest: sha256(expected),
      size: expected.length,
    });
    expect(manifest.digest).toBe(sha256(expected));
    expect(text(manifest.config.bytes)).toBe('{}');
    expect(manifest.config.descriptor.digest).toBe(EMPTY_CONFIG_DIGEST);
  });

  it('puts non-empty annotations first (sorted keys) and a custom config', () => {
    const config = new TextEncoder().encode('{"a":1}');
    const manifest = parManifest(
      { digest: D1, size: 5 },
      { annotations: { zeta: 'z', alpha: 'a"quoted"' }, config: { digest: sha256(config), size: config.length, bytes: config } },
    );
    expect(text(manifest.bytes)).toBe(
      `{"annotations":{"alpha":"a\\"quoted\\"","zeta":"z"},` +
        `"config":{"digest":"${sha256(config)}","mediaType":"application/vnd.wasmcloud.provider.archive.config","size":7},` +
        `"layers":[{"digest":"${D1}","mediaType":"application/vnd.wasmcloud.provider.archive.layer.v1+par","size":5}],` +
        `"schemaVersion":2}`,
    );
    expect(manifest.config.bytes).toBe(config);
    expect(text(parManifest({ digest: D1, size: 5 }, { annotations: {} }).bytes)).not.toContain('annotations');
  });

  it('builds the OCI 1.1 shape on request', () => {
    const manifest = parManifest(
      { digest: D1, size: 5 },
      { artifact: { title: 'fakepay.par.gz', created: '2024-01-02T03:04:05Z' }, annotations: { k: 'v' } },
    );
    expect(text(manifest.bytes)).toBe(
      `{"annotations":{"k":"v","org.opencontainers.image.created":"2024-01-02T03:04:05Z"},` +
        `"artifactType":"${PAR_ARTIFACT_TYPE}",` +
        `"config":{"digest":"${EMPTY_CONFIG_DIGEST}","mediaType":"application/vnd.wasmcloud.provider.archive.config","size":2},` +
        `"layers":[{"annotations":{"org.opencontainers.image.title":"fakepay.par.gz"},"digest":"${D1}",` +
        `"mediaType":"application/vnd.wasmcloud.provider.archive.layer.v1+par","size":5}],` +
        `"mediaType":"${OCI_MANIFEST_MEDIA_TYPE}","schemaVersion":2}`,
    );
    const parsed = parseManifest(manifest.bytes);
    expect(parsed.kind === 'manifest' && parsed.layers[0]?.annotations).toEqual({
      'org.opencontainers.image.title': 'fakepay.par.gz',
    });
    const dated = parManifest({ digest: D1, size: 5 }, { artifact: {} });
    expect(parseManifest(dated.bytes).annotations?.['org.opencontainers.image.created']).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and stays compact', () => {
    expect(canonicalJson({ b: [{ z: 1, a: null }], a: { y: 'x', b: true } })).toBe('{"a":{"b":true,"y":"x"},"b":[{"a":null,"z":1}]}');
  });
});

describe('parseManifest', () => {
  it('parses a wash manifest without mediaType as an OCI manifest', async () => {
    const layer = await digestFile(path.join(fixtures, 'wash', 'fakepay.par.gz'));
    const parsed = parseManifest(parManifest(layer).bytes);
    expect(parsed.kind).toBe('manifest');
    expect(parsed.mediaType).toBe(OCI_MANIFEST_MEDIA_TYPE);
    expect(manifestChildren(parsed).map((d) => d.digest)).toEqual([EMPTY_CONFIG_DIGEST, layer.digest]);
  });

  it('parses an index and lists its manifests as children', () => {
    const bytes = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX_MEDIA_TYPE,
        manifests: [
          { mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: D1, size: 10, platform: { architecture: 'amd64', os: 'linux' } },
          { mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: D2, size: 11 },
        ],
      }),
    );
    const parsed = parseManifest(bytes);
    expect(parsed.kind).toBe('index');
    expect(manifestChildren(parsed)).toEqual([
      { mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: D1, size: 10, platform: { architecture: 'amd64', os: 'linux' } },
      { mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: D2, size: 11 },
    ]);
    // Without a mediaType field the Content-Type decides.
    const bare = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, manifests: [] }));
    expect(parseManifest(bare, 'application/vnd.docker.distribution.manifest.list.v2+json').mediaType).toBe(
      'application/vnd.docker.distribution.manifest.list.v2+json',
    );
  });

  it('rejects bad manifests with a clear reason', () => {
    const enc = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
    const config = { mediaType: 'x/y', digest: D1, size: 1 };
    expect(invalid(() => parseManifest(enc('{nope'))).message).toMatch(/not valid UTF-8 JSON/);
    expect(invalid(() => parseManifest(enc([1]))).message).toMatch(/not a JSON object/);
    expect(invalid(() => parseManifest(enc({ schemaVersion: 1 }))).message).toMatch(/schemaVersion is 1, expected 2/);
    expect(invalid(() => parseManifest(enc({ schemaVersion: 2, layers: [] }))).message).toMatch(/needs a "config"/);
    expect(invalid(() => parseManifest(enc({ schemaVersion: 2, config }))).message).toMatch(/"layers" array/);
    expect(
      invalid(() => parseManifest(enc({ schemaVersion: 2, config, layers: [{ mediaType: 'a/b', digest: 'sha256:1', size: 1 }] })))
        .message,
    ).toMatch(/"layers\[0\].digest"/);
    expect(
      invalid(() => parseManifest(enc({ schemaVersion: 2, config: { ...config, size: -1 }, layers: [] }))).message,
    ).toMatch(/"config.size" must be a non-negative integer/);
    expect(
      invalid(() => parseManifest(enc({ schemaVersion: 2, mediaType: OCI_MANIFEST_MEDIA_TYPE, config, layers: [] }), OCI_INDEX_MEDIA_TYPE))
        .message,
    ).toMatch(/sent it as .*index.* but its mediaType is/);
    expect(invalid(() => parseManifest(new Uint8Array([0xff, 0xfe]))).message).toMatch(/UTF-8/);
  });
});

describe('parseAnnotations', () => {
  it('splits on the first =', () => {
    expect(parseAnnotations(['a=1', 'b=x=y', 'c='])).toEqual({ a: '1', b: 'x=y', c: '' });
  });

  it('rejects a malformed entry, naming it', () => {
    expect(invalid(() => parseAnnotations(['a=1', 'broken'])).message).toContain('"broken"');
    expect(invalid(() => parseAnnotations(['=value'])).message).toContain('"=value"');
  });
});
