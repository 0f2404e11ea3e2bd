// The benchmark's inputs: an incompressible binary, and the single-layer par artifact built from it
// (its wash-style manifest, and an OCI image layout of it for skopeo).
import { createHash, randomFill } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';

const randomFillAsync = promisify(randomFill);

export const MEDIA_TYPES = {
  layer: 'application/vnd.wasmcloud.provider.archive.layer.v1+par',
  config: 'application/vnd.wasmcloud.provider.archive.config',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
};

export const CONFIG_BYTES = Buffer.from('{}');

export function sha256Of(bytes) {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export async function sha256OfFile(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return `sha256:${hash.digest('hex')}`;
}

/** Writes `mebibytes` MiB of random bytes (incompressible) to `file`. */
export async function writeRandomFile(file, mebibytes) {
  const chunk = Buffer.alloc(1 << 20);
  const out = createWriteStream(file);
  async function* chunks() {
    for (let i = 0; i < mebibytes; i += 1) {
      await randomFillAsync(chunk);
      yield Buffer.from(chunk);
    }
  }
  await pipeline(chunks, out);
}

/** The manifest wash writes for a par: compact JSON, keys sorted, no mediaType (oci-artifact.md §2). */
export function parManifest(layerDigest, layerSize) {
  const manifest = {
    config: { digest: sha256Of(CONFIG_BYTES), mediaType: MEDIA_TYPES.config, size: CONFIG_BYTES.length },
    layers: [{ digest: layerDigest, mediaType: MEDIA_TYPES.layer, size: layerSize }],
    schemaVersion: 2,
  };
  return Buffer.from(JSON.stringify(manifest));
}

/** Describes the artifact made of the file at `layerFile`: digests, sizes and manifest bytes. */
export async function describeArtifact(layerFile) {
  const layerDigest = await sha256OfFile(layerFile);
  const layerSize = (await stat(layerFile)).size;
  const manifest = parManifest(layerDigest, layerSize);
  return {
    layerFile,
    layerDigest,
    layerSize,
    configDigest: sha256Of(CONFIG_BYTES),
    manifest,
    manifestDigest: sha256Of(manifest),
  };
}

function blobPath(layoutDir, digest) {
  return path.join(layoutDir, 'blobs', ...digest.split(':'));
}

/** Writes an OCI image layout holding the artifact under `tag`; the layer blob is hard-linked. */
export async function writeOciLayout(layoutDir, artifact, tag) {
  await mkdir(path.join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await link(artifact.layerFile, blobPath(layoutDir, artifact.layerDigest));
  await writeFile(blobPath(layoutDir, artifact.configDigest), CONFIG_BYTES);
  await writeFile(blobPath(layoutDir, artifact.manifestDigest), artifact.manifest);
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: MEDIA_TYPES.manifest,
        digest: artifact.manifestDigest,
        size: artifact.manifest.length,
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  await writeFile(path.join(layoutDir, 'index.json'), JSON.stringify(index));
}
