import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from './digest.js';
import { parseManifest, type ImageManifest } from './manifest.js';
import { OCI_MANIFEST_MEDIA_TYPE, PAR_LAYER_MEDIA_TYPE } from './media-types.js';
import { ANNOTATION_REF_NAME, OciLayoutTarget, parseLayoutReference } from './oci-layout.js';
import { ParFileSink, ParFileSource } from './par-file.js';
import type { Descriptor, Target } from './target.js';
import { FAKEPAY_PATH as FAKEPAY, readAll, rejection, scratchDir } from './test-support.js';

const run = promisify(execFile);
const scratch = await scratchDir('par-layout-');
let counter = 0;
const fresh = (name: string) => path.join(scratch, `${name}-${counter++}`);

/** The copy algorithm in miniature: children first, then the manifest, then the tag. */
async function copy(source: Target, from: string, destination: Target, to: string): Promise<Descriptor> {
  const root = await source.resolve(from);
  const bytes = await readAll(await source.fetch(root));
  const manifest = parseManifest(bytes, root.mediaType) as ImageManifest;
  for (const child of [manifest.config, ...manifest.layers]) {
    if (!(await destination.exists(child))) await destination.push(child, async () => source.fetch(child));
  }
  await destination.push(root, bytes);
  await destination.tag(root, to);
  return root;
}

describe('OciLayoutTarget', () => {
  it('creates a layout, stores a par artifact and tags it', async () => {
    const dir = fresh('a');
    const layout = await OciLayoutTarget.open(dir, { create: true });
    expect(JSON.parse(await readFile(path.join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const source = await ParFileSource.open(FAKEPAY);
    const root = await copy(source, 'v1', layout, 'v1');
    expect(await layout.resolve('v1')).toEqual(root);
    expect(await layout.resolve('')).toEqual(root);
    expect(await layout.resolve(root.digest)).toEqual(root);
    expect(await layout.tags()).toEqual(['v1']);
    expect(await readFile(path.join(dir, 'blobs', 'sha256', root.digest.slice(7)))).toEqual(Buffer.from(source.manifest.bytes));

    // Re-tagging replaces the entry; a second tag adds one.
    await layout.tag(root, 'v1');
    await layout.tag(root, 'stable');
    expect(await layout.tags()).toEqual(['v1', 'stable']);
    const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(2);
    expect(index.manifests[1].annotations).toEqual({ [ANNOTATION_REF_NAME]: 'stable' });
    expect((await rejection(layout.resolve(''))).message).toMatch(/holds 2 manifests/);
    expect((await rejection(layout.resolve('nope'))).kind).toBe('not_found');
    expect((await rejection(layout.tag(root, 'bad tag'))).kind).toBe('invalid');
    expect((await rejection(layout.fetch({ ...root, digest: `sha256:${'0'.repeat(64)}` }))).kind).toBe('not_found');

    // Pull back out of the layout into a par file.
    const out = path.join(scratch, `out-${counter++}.par.gz`);
    await copy(layout, 'stable', new ParFileSink(out), 'stable');
    expect(await readFile(out)).toEqual(await readFile(FAKEPAY));
  });

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
    const error = await rejection(layout.push({ mediaType: PAR_LAYER_MEDIA_TYPE, digest: sha256Digest(good), size: 4 }, Buffer.from('evil')));
    expect(error.kind).toBe('verification');
    expect(await readdir(path.join(dir, 'blobs', 'sha256'))).toEqual([]);
    expect(await layout.exists({ mediaType: PAR_LAYER_MEDIA_TYPE, digest: sha256Digest(good), size: 4 })).toBe(false);
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

describe('skopeo interop', () => {
  it('skopeo reads what we write, and we read what skopeo writes', async () => {
    const a = fresh('skopeo-a');
    const b = fresh('skopeo-b');
    const layout = await OciLayoutTarget.open(a, { create: true });
    const source = await ParFileSource.open(FAKEPAY);
    const root = await copy(source, 'v1', layout, 'v1');

    const { stdout } = await run('skopeo', ['inspect', '--raw', `oci:${a}:v1`]);
    expect(stdout).toBe(new TextDecoder().decode(source.manifest.bytes));

    await run('skopeo', ['copy', '--insecure-policy', '--quiet', `oci:${a}:v1`, `oci:${b}:v2`]);
    const copied = await OciLayoutTarget.open(b);
    expect(await copied.tags()).toEqual(['v2']);
    expect(await copied.resolve('v2')).toEqual(root);
    const out = path.join(scratch, `skopeo-out-${counter++}.par.gz`);
    await copy(copied, 'v2', new ParFileSink(out), 'v2');
    expect(await readFile(out)).toEqual(await readFile(FAKEPAY));
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
