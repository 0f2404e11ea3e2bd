// Wasm component fixtures and raw registry writes for the component and wadm end-to-end tests.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registries } from '../registries/endpoints.js';
import { repoRoot } from './par.js';

export const componentFixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'components', name);

/** The world of each fixture (test/fixtures/components/README.md), as wash lists it. */
export const FIXTURE_WORLDS: Record<string, { exports: string[]; imports: string[] }> = {
  'empty.wasm': { exports: [], imports: [] },
  'run.wasm': { exports: ['run'], imports: [] },
  'clock.wasm': { exports: ['wasi:cli/run@0.2.0'], imports: ['wasi:clocks/monotonic-clock@0.2.0'] },
  'greeter.wasm': { exports: ['wasi:cli/run@0.2.0'], imports: ['wasi:cli/environment@0.2.0', 'wasi:clocks/wall-clock@0.2.0', 'wasi:random/random@0.2.0'] },
  'shaped.wasm': { exports: ['get', 'acme:greeter/shapes@0.1.0'], imports: ['wasi:random/random@0.2.0', 'pos', 'where'] },
};

export function digestOf(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function fixtureBytes(name: string): Buffer {
  return readFileSync(componentFixture(name));
}

type PlainRegistry = 'plain' | 'plain2';

/** Uploads a blob in one monolithic PUT, as any client could: to build artifacts par would not push. */
export async function putBlob(registry: PlainRegistry, repository: string, bytes: Uint8Array): Promise<string> {
  const base = registries[registry].url;
  const started = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (started.status !== 202) throw new Error(`POST upload: ${started.status}`);
  const location = new URL(started.headers.get('location') ?? '', base);
  const digest = digestOf(bytes);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  if (put.status !== 201) throw new Error(`PUT blob: ${put.status} ${await put.text()}`);
  return digest;
}

/** GETs a blob's bytes from a plain registry. */
export async function getBlob(registry: PlainRegistry, repository: string, digest: string): Promise<Buffer> {
  const response = await fetch(`${registries[registry].url}/v2/${repository}/blobs/${digest}`);
  if (response.status !== 200) throw new Error(`GET blob ${digest}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

export interface RawArtifact {
  layer: Uint8Array;
  layerMediaType: string;
  config: Uint8Array;
  configMediaType: string;
  /** Write the manifest's own mediaType field (wash ≥ 0.29 does; the legacy actor layout did not). */
  withMediaType: boolean;
}

/** Pushes an artifact by hand (blobs, then the manifest under `tag`); returns the manifest digest. */
export async function pushRaw(registry: PlainRegistry, repository: string, tag: string, artifact: RawArtifact): Promise<string> {
  const layer = await putBlob(registry, repository, artifact.layer);
  const config = await putBlob(registry, repository, artifact.config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    ...(artifact.withMediaType ? { mediaType: 'application/vnd.oci.image.manifest.v1+json' } : {}),
    config: { mediaType: artifact.configMediaType, digest: config, size: artifact.config.length },
    layers: [{ mediaType: artifact.layerMediaType, digest: layer, size: artifact.layer.length }],
  });
  const response = await fetch(`${registries[registry].url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  if (response.status !== 201) throw new Error(`PUT manifest: ${response.status} ${await response.text()}`);
  return digestOf(manifest);
}

/** A config as wash writes it, with the world given (right or deliberately wrong). */
export function washConfig(layer: Uint8Array, world: { exports: string[]; imports: string[] } | null, os = 'wasip2'): Buffer {
  return Buffer.from(
    JSON.stringify({ created: '2025-05-20T15:11:16.123456789Z', author: null, architecture: 'wasm', os, layerDigests: [digestOf(layer)], component: world === null ? null : { ...world, target: null } }),
  );
}
