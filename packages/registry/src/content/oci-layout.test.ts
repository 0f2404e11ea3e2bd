import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../oci/digest.js';
import { OCI_MANIFEST_MEDIA_TYPE, OCI_TAR_LAYER_MEDIA_TYPE } from '../oci/media-types.js';
import { OciLayoutTarget, parseLayoutReference } from './oci-layout.js';
import { rejection, scratchDir } from '../test-support.js';

const scratch = await scratchDir('par-layout-');
let counter = 0;
const fresh = (name: string) => path.join(scratch, `${name}-${counter++}`);

describe('OciLayoutTarget', () => {
  it('resolves a digest that is stored but not listed in index.json', async () => {
    const layout = await OciLayoutTarget.open(fresh('b'), { create: true });
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST_MEDIA_TYPE, config: { mediaType: 'a/b', digest: sha256Digest(Buffer.from('{}')), size: 2 }, layers: [] }));
    const descriptor = { mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: sha256Digest(bytes), size: bytes.length };
    await layout.push(descriptor, bytes);
    expect(await layout.resolve(descriptor.digest)).toEqual(descriptor);
    await layout.tag(descriptor, descriptor.digest);
    await layout.tag(descriptor, descriptor.digest);
    expect(await layout.tags()).toEqual([]);
    expect(await layout.resolve('')).toEqual(descriptor);
  });

  it('refuses content that does not match its descriptor, leaving no blob', async () => {
    const dir = fresh('c');
    const layout = await OciLayoutTarget.open(dir, { create: true });
    const good = Buffer.from('good');
    const error = await rejection(layout.push({ mediaType: OCI_TAR_LAYER_MEDIA_TYPE, digest: sha256Digest(good), size: 4 }, Buffer.from('evil')));
    expect(error.kind).toBe('verification');
    expect(await readdir(path.join(dir, 'blobs', 'sha256'))).toEqual([]);
    expect(await layout.exists({ mediaType: OCI_TAR_LAYER_MEDIA_TYPE, digest: sha256Digest(good), size: 4 })).toBe(false);
    expect((await rejection(layout.tag({ mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: sha256Digest(good), size: 4 }, 'x'))).kind).toBe('not_found');
  });

  it('refuses to open what is not a layout', async () => {
    const dir = fresh('d');
    expect((await rejection(OciLayoutTarget.open(dir))).kind).toBe('not_found');
    await OciLayoutTarget.open(dir, { create: true });
    await writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    expect((await rejection(OciLayoutTarget.open(dir))).message).toMatch(/unsupported imageLayoutVersion "2.0.0"/);
  });
});

describe('parseLayoutReference', () => {
  it.each([
    ['oci:dir', { path: 'dir' }],
    ['oci:dir:', { path: 'dir' }],
    ['oci:./out/layout:v1.0', { path: './out/layout', reference: 'v1.0' }],
    ['oci:/abs/dir:Tag_1', { path: '/abs/dir', reference: 'Tag_1' }],
    [`oci:dir:sha256:${'a'.repeat(64)}`, { path: 'dir', reference: `sha256:${'a'.repeat(64)}` }],
  ])('parses %s', (input, expected) => {
    expect(parseLayoutReference(input)).toEqual(expected);
  });

  it.each([
    ['dir:tag', /expected oci:PATH/],
    ['oci:', /path is empty/],
    ['oci::tag', /path is empty/],
    ['oci:a:b:c', /"b:c" is neither a tag nor a digest/],
  ])('rejects %s', (input, message) => {
    expect(() => parseLayoutReference(input)).toThrow(message);
  });
});
