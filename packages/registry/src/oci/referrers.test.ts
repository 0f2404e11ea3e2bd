import { describe, expect, test } from 'vitest';
import { parseManifest } from './manifest.js';
import {
  buildArtifactManifest,
  EMPTY_DESCRIPTOR,
  filterReferrers,
  mergeReferrers,
  parseReferrersIndex,
  referrerDescriptor,
  referrersTag,
  serializeReferrersIndex,
} from './referrers.js';
import { RegistryError } from './errors.js';
import { isReferrersFallbackTag } from './reference.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const hex = 'ab'.repeat(32);
const subject = { mediaType: MANIFEST, digest: `sha256:${hex}`, size: 10 };
const entry = (n: number, artifactType?: string) => ({
  mediaType: MANIFEST,
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: n,
  ...(artifactType === undefined ? {} : { artifactType }),
});

describe('referrers tag schema', () => {
  test('sha256 gives sha256-<hex>; sha512 is cut to 64 hex characters (distribution-spec main)', () => {
    expect(referrersTag(`sha256:${hex}`)).toBe(`sha256-${hex}`);
    expect(referrersTag(`sha512:${'cd'.repeat(64)}`)).toBe(`sha512-${'cd'.repeat(32)}`);
    expect(isReferrersFallbackTag(referrersTag(`sha256:${hex}`))).toBe(true);
    expect(isReferrersFallbackTag(`sha256-${hex}.sig`)).toBe(true);
    expect(isReferrersFallbackTag('v1.2.3')).toBe(false);
  });

  test('the index has the byte shape oras-go writes, [] when empty, and reads back', () => {
    expect(Buffer.from(serializeReferrersIndex([])).toString()).toBe(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}',
    );
    const listed = [{ ...entry(1, 'application/spdx+json'), annotations: { a: 'b' } }];
    const bytes = serializeReferrersIndex(listed);
    expect(Buffer.from(bytes).toString()).toContain(
      `{"mediaType":"${MANIFEST}","digest":"${listed[0]!.digest}","size":1,"annotations":{"a":"b"},"artifactType":"application/spdx+json"}`,
    );
    expect(parseReferrersIndex(bytes, 'x')).toEqual(listed);
  });

  test('an image manifest under the tag is refused, not overwritten', () => {
    const manifest = buildArtifactManifest({ artifactType: 'application/x+json', subject, layers: [] });
    expect(() => parseReferrersIndex(manifest, 'repo:sha256-x')).toThrow(RegistryError);
  });

  test('merge keeps every existing entry in order, adds only what is new, drops empty descriptors', () => {
    const existing = [entry(1), entry(2)];
    expect(mergeReferrers(existing, [entry(2), entry(3), { ...EMPTY_DESCRIPTOR }])).toEqual([entry(1), entry(2), entry(3)]);
  });

  test('filter by artifact type; none given keeps all', () => {
    const all = [entry(1, 'a/b'), entry(2, 'c/d'), entry(3)];
    expect(filterReferrers(all, ['c/d'])).toEqual([entry(2, 'c/d')]);
    expect(filterReferrers(all, [])).toEqual(all);
  });
});

describe('artifact manifests', () => {
  test('empty config, the empty layer when there are no files, subject and artifactType set', () => {
    const bytes = buildArtifactManifest({ artifactType: 'application/spdx+json', subject: { ...subject, annotations: { dropped: 'yes' } }, layers: [], annotations: { k: 'v' } });
    const manifest = parseManifest(bytes);
    expect(manifest).toMatchObject({
      kind: 'manifest',
      artifactType: 'application/spdx+json',
      config: EMPTY_DESCRIPTOR,
      layers: [EMPTY_DESCRIPTOR],
      subject,
      annotations: { k: 'v' },
    });
    expect(manifest.subject).toEqual(subject);
  });

  test('a referrers entry takes artifactType from the manifest, else from config.mediaType', () => {
    const withType = parseManifest(buildArtifactManifest({ artifactType: 'application/spdx+json', subject, layers: [] }));
    expect(referrerDescriptor(withType, entry(7)).artifactType).toBe('application/spdx+json');
    const legacy = parseManifest(
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: 'application/vnd.cncf.notary.signature', digest: EMPTY_DESCRIPTOR.digest, size: 2 }, layers: [] })),
    );
    expect(referrerDescriptor(legacy, entry(7)).artifactType).toBe('application/vnd.cncf.notary.signature');
  });

  test('an artifact type that is not a media type is refused', () => {
    expect(() => buildArtifactManifest({ artifactType: 'sbom', subject, layers: [] })).toThrow(/invalid artifact type "sbom"/);
  });
});
