import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestFile } from '../oci/digest.js';
import { parseManifest } from '../oci/manifest.js';
import { EMPTY_CONFIG_DIGEST, OCI_MANIFEST_MEDIA_TYPE } from '../oci/media-types.js';
import { FAKEPAY_PATH } from '../test-support.js';
import { parManifest, PAR_ARTIFACT_TYPE } from './par-manifest.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const D1 = `sha256:${'1'.repeat(64)}`;

describe('parManifest', () => {
  it('writes exactly the bytes wash writes for fakepay.par.gz', async () => {
    const layer = await digestFile(FAKEPAY_PATH);
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
        `"config":{"digest":"${EMPTY_CONFIG_DIGEST}","mediaType":"application/vnd.oci.empty.v1+json","size":2},` +
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
