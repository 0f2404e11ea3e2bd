// Helpers for the CLI's registry end-to-end tests (test/cli/push-pull, registry-errors, interop-skopeo).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readRegistryLog, registries, type RegistryName } from '../registries/endpoints.js';
import { WASH_TEST_KEYS, par, type ParRun } from './par.js';

export const PAR_CONFIG_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
export const PAR_CONFIG_MEDIA_TYPE = 'application/vnd.wasmcloud.provider.archive.config';
export const PAR_LAYER_MEDIA_TYPE = 'application/vnd.wasmcloud.provider.archive.layer.v1+par';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The manifest wash writes for a par file, built by hand per shared/spec/oci-artifact.md §2
 * (compact, keys sorted, no mediaType): independent of the code under test.
 */
export function washManifest(file: Uint8Array): string {
  return (
    `{"config":{"digest":"${PAR_CONFIG_DIGEST}","mediaType":"${PAR_CONFIG_MEDIA_TYPE}","size":2},` +
    `"layers":[{"digest":"sha256:${sha256Hex(file)}","mediaType":"${PAR_LAYER_MEDIA_TYPE}","size":${file.length}}],` +
    `"schemaVersion":2}`
  );
}

/** Each test registry as the CLI reaches it: host and the flags it needs. */
export const cliRegistries = [
  { name: 'plain' as const, host: registries.plain.host, flags: [] as string[] },
  {
    name: 'basic' as const,
    host: registries.basic.host,
    flags: ['--ca-file', registries.basic.caFile, '-u', registries.basic.user, '-p', registries.basic.password],
  },
  {
    name: 'token' as const,
    host: registries.token.host,
    flags: ['-u', registries.token.users.alice.username, '-p', registries.token.users.alice.password],
  },
];

/** Every password the tests use, right or wrong: none may ever appear in the CLI's output. */
export const SECRETS = [
  registries.basic.password,
  ...Object.values(registries.token.users).map((user) => user.password),
  'wrong-password-9f3a',
  'stdin-password-ab12',
];

/** Runs the CLI and checks that no password (nor its Basic-auth encoding) shows in its output. */
export async function parNoSecrets(args: string[], options: Parameters<typeof par>[1] = {}): Promise<ParRun> {
  const run = await par(args, options);
  const output = run.stdout + run.stderr;
  for (const secret of SECRETS) {
    expect(output, `output of par ${args[0]} leaks a password`).not.toContain(secret);
    for (const user of ['par', 'alice', 'reader', 'bob']) {
      expect(output).not.toContain(Buffer.from(`${user}:${secret}`).toString('base64'));
    }
  }
  expect(output).not.toMatch(/Bearer [A-Za-z0-9._-]{20,}/);
  return run;
}

/** Access-log request lines (`"METHOD /v2/<repository>/…"`) of one repository. */
export function requestLines(registry: RegistryName, repository: string): string[] {
  const marker = `/v2/${repository}/`;
  return readRegistryLog(registry)
    .split('\n')
    .filter((line) => /^\S+ - \S+ \[/.test(line) && line.includes(` ${marker}`));
}

/** How many access-log requests of the repository match the method and path pattern. */
export function countRequests(registry: RegistryName, repository: string, method: string, path: RegExp = /./): number {
  return requestLines(registry, repository).filter((line) => {
    const match = /"(\S+) (\S+) HTTP\/[\d.]+"/.exec(line);
    return match !== null && match[1] === method && path.test(match[2]!);
  }).length;
}

/**
 * The registry writes an access-log line as it finishes a response, possibly just after the client
 * has read it: wait (bounded) until the log shows what the test is about to count.
 */
export async function waitForLog(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the registry log never showed ${what}`);
}

/** Blob-upload requests (POST/PATCH/PUT under blobs/uploads) of a repository. */
export function uploadRequests(registry: RegistryName, repository: string): number {
  return ['POST', 'PATCH', 'PUT'].reduce((sum, method) => sum + countRequests(registry, repository, method, /\/blobs\/uploads\//), 0);
}

/**
 * A fresh archive no other test shares (random binary of `binarySize` bytes), made with `par create`,
 * gzipped: safe to corrupt in a registry's storage.
 */
export async function freshArchive(dir: string, binarySize = 64 * 1024, name = 'fresh'): Promise<{ file: string; bytes: Buffer }> {
  const binary = join(dir, `${name}.bin`);
  writeFileSync(binary, randomBytes(binarySize));
  const file = join(dir, `${name}.par.gz`);
  const run = await par([
    'create', '-n', 'Fresh', '-v', 'Acme', '-a', 'x86_64-linux', '-b', binary, '--compress',
    '-i', WASH_TEST_KEYS.issuerSeed, '-s', WASH_TEST_KEYS.subjectSeed, '--destination', file,
  ]);
  expect(run.status, run.stderr).toBe(0);
  return { file, bytes: readFileSync(file) };
}
