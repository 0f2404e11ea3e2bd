// Puts an artifact into a registry without par (curl for the layer, fetch for config and manifest),
// so the sources of pull and copy benchmarks do not depend on the client being measured.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_BYTES, MEDIA_TYPES } from './artifact.mjs';
import { runCommand } from './exec.mjs';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function expectStatus(response, expected, what) {
  const body = await response.text();
  if (response.status !== expected) throw new Error(`${what}: HTTP ${response.status} ${body.slice(0, 500)}`);
  return response;
}

async function uploadSmallBlob(baseUrl, repo, bytes, digest) {
  const started = await expectStatus(
    await fetch(`${baseUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST' }),
    202,
    `POST ${repo} upload`,
  );
  const location = new URL(started.headers.get('location'), baseUrl);
  location.searchParams.set('digest', digest);
  await expectStatus(
    await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } }),
    201,
    `PUT ${repo} blob ${digest}`,
  );
}

export async function uploadArtifact(baseUrl, repo, tag, artifact, timeoutMs) {
  await runCommand(
    ['bash', path.join(benchDir, 'curl-push.sh'), baseUrl, repo, artifact.layerFile, artifact.layerDigest],
    { timeoutMs, measureRss: false },
  );
  await uploadSmallBlob(baseUrl, repo, CONFIG_BYTES, artifact.configDigest);
  await expectStatus(
    await fetch(`${baseUrl}/v2/${repo}/manifests/${tag}`, {
      method: 'PUT',
      body: artifact.manifest,
      headers: { 'content-type': MEDIA_TYPES.manifest },
    }),
    201,
    `PUT ${repo}:${tag} manifest`,
  );
}
