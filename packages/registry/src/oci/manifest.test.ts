import { describe, expect, it } from 'vitest';
import { RegistryError } from './errors.js';
import { canonicalJson, manifestChildren, parseAnnotations, parseManifest } from './manifest.js';
import { EMPTY_CONFIG_DIGEST, OCI_INDEX_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from './media-types.js';

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

describe('canonicalJson', () => {
  it('sorts keys at every level and stays compact', () => {
    expect(canonicalJson({ b: [{ z: 1, a: null }], a: { y: 'x', b: true } })).toBe('{"a":{"b":true,"y":"x"},"b":[{"a":null,"z":1}]}');
  });
});

describe('parseManifest', () => {
  it('parses a wash manifest without mediaType as an OCI manifest', () => {
    // The shape wash writes: no mediaType, keys sorted.
    const wash = new TextEncoder().encode(
      `{"config":{"digest":"${EMPTY_CONFIG_DIGEST}","mediaType":"application/vnd.wasmcloud.provider.archive.config","size":2},` +
        `"layers":[{"digest":"${D1}","mediaType":"application/vnd.wasmcloud.provider.archive.layer.v1+par","size":5}],"schemaVersion":2}`,
    );
    const parsed = parseManifest(wash);
    expect(parsed.kind).toBe('manifest');
    expect(parsed.mediaType).toBe(OCI_MANIFEST_MEDIA_TYPE);
    expect(manifestChildren(parsed).map((d) => d.digest)).toEqual([EMPTY_CONFIG_DIGEST, D1]);
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
