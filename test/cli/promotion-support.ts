// Helpers for the copy and promote end-to-end tests (copy.test.ts, promote.test.ts, promote-plan.test.ts):
// building par files with the CLI, and looking at the real registries over plain HTTP and through their logs.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readRegistryLog, registries, registryLogFile, type RegistryName } from '../registries/endpoints.js';
import { WASH_TEST_KEYS, par, type ParRun } from '../support/par.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Fails the test with the CLI's own words when a run did not exit as expected. */
export function expectStatus(run: ParRun, status: number): void {
  if (run.status !== status) expect.fail(`exit ${run.status} (expected ${status})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}

export interface MakeParOptions {
  /** Random binary size in bytes (default 64 KiB). */
  size?: number;
  arch?: string;
  /** Issuer seed (default the wash test account); the subject is always the wash test service key. */
  issuerSeed?: string;
  home?: string;
}

/** Builds an uncompressed, signed par file with a random binary, through `par create`. Returns its path. */
export async function makePar(dir: string, name: string, options: MakeParOptions = {}): Promise<string> {
  const binary = join(dir, `${name}.bin`);
  writeFileSync(binary, randomBytes(options.size ?? 64 * 1024));
  const file = join(dir, `${name}.par`);
  const run = await par(
    [
      'create', '--name', name, '--vendor', 'acme', '--binary', binary, '--arch', options.arch ?? 'x86_64-linux',
      '--destination', file, '--issuer', options.issuerSeed ?? WASH_TEST_KEYS.issuerSeed, '--subject', WASH_TEST_KEYS.subjectSeed,
    ],
    options.home !== undefined ? { home: options.home } : {},
  );
  expectStatus(run, 0);
  return file;
}

/** Flips one byte inside the binary of an uncompressed par file (its claims keep the old hash). */
export function tamperBinary(parFile: string, binaryFile: string, output: string): void {
  const archive = readFileSync(parFile);
  const binary = readFileSync(binaryFile);
  const at = archive.indexOf(binary.subarray(1024, 1024 + 64));
  if (at < 0) throw new Error(`the binary of ${parFile} is not stored uncompressed`);
  archive[at + 7] = (archive[at + 7] ?? 0) ^ 0xff;
  writeFileSync(output, archive);
}

/** `par push` and the digest it printed (JSON output). */
export async function pushPar(reference: string, file: string, extra: string[] = []): Promise<string> {
  const run = await par(['push', reference, file, '--output', 'json', ...extra]);
  expectStatus(run, 0);
  const digest = (JSON.parse(run.stdout) as { digest?: string }).digest;
  if (typeof digest !== 'string') throw new Error(`par push printed no digest: ${run.stdout}`);
  return digest;
}

/** One promotion in the JSON report of `par promote` (as the tests read it). */
export interface PromotionOutcome {
  from: string;
  to: string;
  sourceDigest?: string;
  action: string;
  bytes: number;
  copied: number;
  mounted: number;
  skipped: number;
  seconds: number;
  policy: string;
  reasons?: string[];
  error?: string;
}

type PlainRegistry = 'plain' | 'plain2';

export interface FetchedManifest {
  status: number;
  bytes: Buffer;
  digest?: string;
  mediaType?: string;
}

/** GETs a manifest from a plain registry, as a client that is not `par` would. */
export async function getManifest(registry: PlainRegistry, repository: string, reference: string): Promise<FetchedManifest> {
  const response = await fetch(`${registries[registry].url}/v2/${repository}/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
  const bytes = Buffer.from(await response.arrayBuffer());
  const result: FetchedManifest = { status: response.status, bytes };
  const digest = response.headers.get('docker-content-digest');
  const mediaType = response.headers.get('content-type');
  if (digest !== null) result.digest = digest;
  if (mediaType !== null) result.mediaType = mediaType;
  return result;
}

/** PUTs manifest bytes (an index, say) as they are. */
export async function putManifest(registry: PlainRegistry, repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<void> {
  const response = await fetch(`${registries[registry].url}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  if (response.status !== 201) throw new Error(`PUT manifest ${repository}:${reference}: ${response.status} ${await response.text()}`);
}

/** Deletes a manifest by digest (and with it every tag naming it in that repository). */
export async function deleteManifest(registry: PlainRegistry, repository: string, digest: string): Promise<void> {
  const response = await fetch(`${registries[registry].url}/v2/${repository}/manifests/${digest}`, { method: 'DELETE' });
  if (response.status !== 202) throw new Error(`DELETE ${repository}@${digest}: ${response.status} ${await response.text()}`);
}

export async function blobExists(registry: PlainRegistry, repository: string, digest: string): Promise<boolean> {
  const response = await fetch(`${registries[registry].url}/v2/${repository}/blobs/${digest}`, { method: 'HEAD' });
  return response.status === 200;
}

/** The tags of a repository; [] when the repository does not exist. */
export async function tagsOf(registry: PlainRegistry, repository: string): Promise<string[]> {
  const response = await fetch(`${registries[registry].url}/v2/${repository}/tags/list`);
  if (response.status === 404) return [];
  const body = (await response.json()) as { tags?: string[] | null };
  return body.tags ?? [];
}

/** The access-log lines of requests under `/v2/<repositoryPrefix>` (one line per request). */
export function accessLines(registry: RegistryName, repositoryPrefix: string): string[] {
  return readRegistryLog(registry)
    .split('\n')
    .filter((line) => line.startsWith('127.0.0.1 - - [') && line.includes(` /v2/${repositoryPrefix}`));
}

/** The requests among `lines` that change something (PUT, POST, PATCH, DELETE). */
export function writes(lines: string[]): string[] {
  return lines.filter((line) => /"(PUT|POST|PATCH|DELETE) /.test(line));
}

/** Access-log lines appear just after the response; wait (bounded) until `ready` holds for the log. */
export async function waitForLog(registry: RegistryName, repositoryPrefix: string, ready: (lines: string[]) => boolean): Promise<string[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const lines = accessLines(registry, repositoryPrefix);
    if (ready(lines)) return lines;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return accessLines(registry, repositoryPrefix);
}

/** Lets the registries finish writing log lines for requests already answered. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 300));
}

/** How long a registry's log is now, to read only what comes after (see `registryLogSince`). */
export function registryLogSize(registry: RegistryName): number {
  return statSync(registryLogFile(registry)).size;
}

/** What a registry logged after `offset` bytes: cheap enough to poll every few milliseconds. */
export function registryLogSince(registry: RegistryName, offset: number): string {
  const file = openSync(registryLogFile(registry), 'r');
  try {
    const length = Math.max(0, statSync(registryLogFile(registry)).size - offset);
    const buffer = Buffer.alloc(length);
    const read = readSync(file, buffer, 0, length, offset);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(file);
  }
}
