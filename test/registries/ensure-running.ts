// Fails loudly (never skips) when the test registries are not up, telling how to start them.
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { beforeEach } from 'vitest';
import { registries, type RegistryName } from './endpoints.js';

const START_HINT = 'run `bash scripts/registry.sh start` (scripts/test.sh does it before vitest)';

/** Resolves when every named registry (and the token service, for `token`) answers `/v2/`. */
export async function ensureRegistriesRunning(names: readonly RegistryName[] = ['plain', 'plain2', 'basic', 'token']): Promise<void> {
  const problems: string[] = [];
  for (const name of names) {
    const registry = registries[name];
    const problem = await probe(name, `${registry.url}/v2/`);
    if (problem) problems.push(`${name} registry at ${registry.url}: ${problem}`);
    if (name === 'token') {
      const realm = `${registries.token.realm}?service=${registries.token.service}`;
      const tokenProblem = await probe(name, realm);
      if (tokenProblem) problems.push(`token service at ${registries.token.realm}: ${tokenProblem}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`test registries are not running (${problems.join('; ')}): ${START_HINT}`);
  }
}

/**
 * Call at the top of a test file that talks to the registries: checks them once, and makes every
 * test of the file FAIL (not skip) with the start hint when they are down.
 */
export function useRegistries(names?: readonly RegistryName[]): void {
  const ready = ensureRegistriesRunning(names);
  ready.catch(() => undefined); // reported by each test's beforeEach, not as an unhandled rejection
  beforeEach(() => ready);
}

/** undefined when the URL answers with any HTTP status, else what went wrong. */
async function probe(name: RegistryName, url: string): Promise<string | undefined> {
  try {
    if (name === 'basic' && url.startsWith('https:')) await httpsStatus(url, readFileSync(registries.basic.caFile));
    else if (name === 'mtls') {
      await httpsStatus(url, readFileSync(registries.mtls.caFile), { cert: readFileSync(registries.mtls.certFile), key: readFileSync(registries.mtls.keyFile) });
    }
    else await fetch(url, { signal: AbortSignal.timeout(3000) }).then((response) => response.arrayBuffer());
    return undefined;
  } catch (error) {
    return describe(error);
  }
}

function httpsStatus(url: string, ca: Buffer, client: { cert?: Buffer; key?: Buffer } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { ca, ...client, timeout: 3000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end();
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const code = (error as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
  return code ? `${error.message} (${code})` : error.message;
}
