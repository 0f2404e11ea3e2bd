import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ANNOTATION_REF_NAME, OciLayoutTarget } from '../content/oci-layout.js';
import type { Target } from '../content/target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import { FAKEPAY_PATH as FAKEPAY, readAll, rejection, scratchDir } from '../test-support.js';
import { ParFileSink, ParFileSource } from './par-file.js';

// A par artifact in an OCI image layout, and skopeo reading and writing the same layouts.

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

describe('OciLayoutTarget with a par artifact', () => {
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
