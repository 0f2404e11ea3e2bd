import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../oci/digest.js';
import { parManifest } from './par-manifest.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import { EMPTY_CONFIG_DIGEST, OCI_MANIFEST_MEDIA_TYPE } from '../oci/media-types.js';
import { PAR_CONFIG_MEDIA_TYPE, PAR_LAYER_MEDIA_TYPE } from './media-types.js';
import { checkParManifest, ParFileSink, ParFileSource } from './par-file.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Target } from '../content/target.js';
import { FAKEPAY_PATH as FAKEPAY, readAll, rejection, scratchDir } from '../test-support.js';

const FAKEPAY_DIGEST = 'sha256:32c80420cbd550af85c61d6d55de5bb634d1c74e0f296e7e8ab1528acaeb457c';
const scratch = await scratchDir('par-file-');
let counter = 0;
const freshDir = async () => mkdtemp(path.join(scratch, `case${counter++}-`));

/** The copy algorithm in miniature: children first, then the manifest. */
async function copy(source: Target, reference: string, destination: Target): Promise<Descriptor> {
  const root = await source.resolve(reference);
  const manifest = parseManifest(await readAll(await source.fetch(root)), root.mediaType) as ImageManifest;
  for (const child of [manifest.config, ...manifest.layers]) {
    await destination.push(child, async () => source.fetch(child));
  }
  await destination.push(root, await readAll(await source.fetch(root)));
  await destination.tag(root, reference);
  return root;
}

describe('ParFileSource', () => {
  it('serves the wash manifest, the config and the file', async () => {
    const source = await ParFileSource.open(FAKEPAY);
    const root = await source.resolve('v1');
    expect(root).toEqual(parManifest({ digest: FAKEPAY_DIGEST, size: 1_194_715 }).descriptor);
    expect(await source.resolve(root.digest)).toEqual(root);
    expect(source.layer).toEqual({ mediaType: PAR_LAYER_MEDIA_TYPE, digest: FAKEPAY_DIGEST, size: 1_194_715 });
    expect((await rejection(source.resolve(`sha256:${'0'.repeat(64)}`))).kind).toBe('not_found');

    const manifest = parseManifest(await readAll(await source.fetch(root))) as ImageManifest;
    expect(manifest.layers).toEqual([{ mediaType: PAR_LAYER_MEDIA_TYPE, digest: FAKEPAY_DIGEST, size: 1_194_715 }]);
    expect((await readAll(await source.fetch(manifest.config))).toString()).toBe('{}');
    const layer = await readAll(await source.fetch(manifest.layers[0]!));
    expect(sha256Digest(layer)).toBe(FAKEPAY_DIGEST);

    let progressed = 0;
    await readAll(await source.fetch(manifest.layers[0]!, { onProgress: (n) => (progressed += n) }));
    expect(progressed).toBe(1_194_715);

    const content = source.contentOf(manifest.layers[0]!) as (offset: number) => Promise<Readable>;
    expect((await readAll(await content(1_194_700))).length).toBe(15);
    expect(await source.exists(manifest.config)).toBe(true);
    expect(await source.exists({ mediaType: 'x', digest: `sha256:${'0'.repeat(64)}`, size: 1 })).toBe(false);
    expect((await rejection(source.push())).message).toMatch(/cannot be written/);
  });

  it('uses a config file, annotations and the OCI 1.1 shape when asked', async () => {
    const dir = await freshDir();
    const configPath = path.join(dir, 'config.json');
    await writeFile(configPath, '{"name":"fakepay"}');
    const source = await ParFileSource.open(FAKEPAY, {
      config: configPath,
      annotations: { a: 'b' },
      artifact: { created: '2024-01-01T00:00:00Z' },
    });
    const manifest = parseManifest(source.manifest.bytes) as ImageManifest;
    expect(manifest.config).toEqual({ mediaType: PAR_CONFIG_MEDIA_TYPE, digest: sha256Digest(Buffer.from('{"name":"fakepay"}')), size: 18 });
    expect(manifest.annotations).toEqual({ a: 'b', 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' });
    expect(manifest.layers[0]?.annotations).toEqual({ 'org.opencontainers.image.title': 'fakepay.par.gz' });
    expect(manifest.mediaType).toBe(OCI_MANIFEST_MEDIA_TYPE);
    expect((await rejection(ParFileSource.open(FAKEPAY, { config: path.join(dir, 'nope') }))).kind).toBe('not_found');
  });
});

describe('ParFileSink', () => {
  it('round-trips a par file through copy(source → sink)', async () => {
    const dir = await freshDir();
    const destination = path.join(dir, 'out.par.gz');
    const sink = new ParFileSink(destination);
    await copy(await ParFileSource.open(FAKEPAY), 'v1', sink);
    expect(await readFile(destination)).toEqual(await readFile(FAKEPAY));
    expect(sink.written).toEqual({ digest: FAKEPAY_DIGEST, size: 1_194_715 });
    expect(await readdir(dir)).toEqual(['out.par.gz']);
    expect(await sink.exists()).toBe(false);
  });

  it('leaves no file when the layer stream is corrupted', async () => {
    const dir = await freshDir();
    const destination = path.join(dir, 'out.par.gz');
    const original = await readFile(FAKEPAY);
    const corrupted = Buffer.from(original);
    corrupted[1000] = corrupted[1000]! ^ 0xff;
    const sink = new ParFileSink(destination);
    const layer = { mediaType: PAR_LAYER_MEDIA_TYPE, digest: FAKEPAY_DIGEST, size: original.length };
    const error = await rejection(sink.push(layer, async () => Readable.from([corrupted.subarray(0, 5000), corrupted.subarray(5000)])));
    expect(error.kind).toBe('verification');
    expect(error.message).toContain(FAKEPAY_DIGEST);
    expect(error.message).toContain(sha256Digest(corrupted));
    expect(await readdir(dir)).toEqual([]);
  });

  it('leaves no file when the stream is truncated or too long', async () => {
    const dir = await freshDir();
    const data = Buffer.from('0123456789');
    const layer = { mediaType: PAR_LAYER_MEDIA_TYPE, digest: sha256Digest(data), size: 10 };
    const sink = new ParFileSink(path.join(dir, 'x.par.gz'));
    expect((await rejection(sink.push(layer, data.subarray(0, 9)))).message).toMatch(/expected 10 bytes, received 9/);
    expect((await rejection(sink.push(layer, Buffer.concat([data, data])))).message).toMatch(/more than the expected 10/);
    expect(await readdir(dir)).toEqual([]);
    await sink.push(layer, data);
    expect(await readdir(dir)).toEqual(['x.par.gz']);
  });

  it('verifies and drops the config', async () => {
    const dir = await freshDir();
    const sink = new ParFileSink(path.join(dir, 'x.par.gz'));
    await sink.push({ mediaType: PAR_CONFIG_MEDIA_TYPE, digest: EMPTY_CONFIG_DIGEST, size: 2 }, Buffer.from('{}'));
    const error = await rejection(sink.push({ mediaType: PAR_CONFIG_MEDIA_TYPE, digest: EMPTY_CONFIG_DIGEST, size: 2 }, Buffer.from('[]')));
    expect(error.kind).toBe('verification');
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a non-par manifest and removes what it wrote', async () => {
    const dir = await freshDir();
    const destination = path.join(dir, 'x.par.gz');
    const data = Buffer.from('wasm bytes');
    const sink = new ParFileSink(destination);
    await sink.push({ mediaType: PAR_LAYER_MEDIA_TYPE, digest: sha256Digest(data), size: data.length }, data);
    const other = Buffer.from('other');
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        config: { mediaType: PAR_CONFIG_MEDIA_TYPE, digest: EMPTY_CONFIG_DIGEST, size: 2 },
        layers: [
          { mediaType: PAR_LAYER_MEDIA_TYPE, digest: sha256Digest(data), size: data.length },
          { mediaType: 'application/wasm', digest: sha256Digest(other), size: other.length },
        ],
      }),
    );
    const error = await rejection(sink.push({ mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: sha256Digest(bytes), size: bytes.length }, bytes));
    expect(error.kind).toBe('invalid');
    expect(error.message).toMatch(/found 2 layer\(s\) \[application\/vnd.wasmcloud.provider.archive.layer.v1\+par, application\/wasm\]/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a manifest that does not match its digest', async () => {
    const dir = await freshDir();
    const sink = new ParFileSink(path.join(dir, 'x.par.gz'));
    const data = Buffer.from('layer');
    await sink.push({ mediaType: PAR_LAYER_MEDIA_TYPE, digest: sha256Digest(data), size: data.length }, data);
    const { bytes } = parManifest({ digest: sha256Digest(data), size: data.length });
    const error = await rejection(sink.push({ mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: `sha256:${'0'.repeat(64)}`, size: bytes.length }, bytes));
    expect(error.kind).toBe('verification');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('checkParManifest', () => {
  const config = { mediaType: PAR_CONFIG_MEDIA_TYPE, digest: EMPTY_CONFIG_DIGEST, size: 2 };
  const layer = (mediaType: string) => ({ mediaType, digest: `sha256:${createHash('sha256').update(mediaType).digest('hex')}`, size: 1 });
  const manifest = (layers: Descriptor[]): ImageManifest => ({ kind: 'manifest', mediaType: OCI_MANIFEST_MEDIA_TYPE, schemaVersion: 2, config, layers });

  it('accepts one par layer (or an OCI tar layer)', () => {
    expect(checkParManifest(manifest([layer(PAR_LAYER_MEDIA_TYPE)])).mediaType).toBe(PAR_LAYER_MEDIA_TYPE);
    expect(checkParManifest(manifest([layer('application/vnd.oci.image.layer.v1.tar')]))).toBeDefined();
  });

  it('rejects anything else, listing the media types', () => {
    expect(() => checkParManifest(manifest([layer('application/wasm')]), 'ghcr.io/x/y:1')).toThrow(
      /ghcr.io\/x\/y:1 is not a provider archive: its layer has media type application\/wasm \(a WebAssembly component/,
    );
    expect(() => checkParManifest(manifest([]))).toThrow(/found 0 layer/);
    expect(() =>
      checkParManifest({ kind: 'index', mediaType: 'application/vnd.oci.image.index.v1+json', schemaVersion: 2, manifests: [layer(OCI_MANIFEST_MEDIA_TYPE)] }),
    ).toThrow(/is an image index .* \[application\/vnd.oci.image.manifest.v1\+json\]/);
  });
});

describe('ParFileSink inspection', () => {
  it('hands the inspector every byte while writing, and writes the file only when it passes', async () => {
    const dir = await freshDir();
    const destination = path.join(dir, 'ok.par.gz');
    let seen = '';
    const sink = new ParFileSink(destination, {
      inspect: async (bytes) => {
        seen = createHash('sha256').update(await readAll(bytes)).digest('hex');
      },
    });
    await copy(await ParFileSource.open(FAKEPAY), 'v1', sink);
    expect(`sha256:${seen}`).toBe(FAKEPAY_DIGEST);
    expect(await readFile(destination)).toEqual(await readFile(FAKEPAY));
  });

  it('leaves no file (and no temporary) when the inspector refuses the content', async () => {
    const dir = await freshDir();
    const destination = path.join(dir, 'refused.par.gz');
    const sink = new ParFileSink(destination, {
      inspect: async (bytes) => {
        for await (const _chunk of bytes) break; // reads a little, then refuses
        throw new Error('the archive inside does not verify');
      },
    });
    await expect(copy(await ParFileSource.open(FAKEPAY), 'v1', sink)).rejects.toThrow('the archive inside does not verify');
    expect(await readdir(dir)).toEqual([]);
  });
});
