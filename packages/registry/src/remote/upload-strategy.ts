import { apiHost } from '../oci/reference.js';

export interface UploadStrategy {
  mode: 'monolithic' | 'chunked';
  /** Chunk size for `chunked` (bytes); raised to the registry's `OCI-Chunk-Min-Length`. */
  chunkSize?: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 4 * MiB;

/**
 * What works on known registries: GHCR caps request bodies at 4 MiB; Artifactory mishandles
 * chunks; ECR wants chunks of at least 5 MiB. Everything else gets one streamed PUT.
 */
export function defaultUploadStrategy(host: string): UploadStrategy {
  const name = host.toLowerCase();
  if (name === 'ghcr.io') return { mode: 'chunked', chunkSize: 4 * MiB };
  if (name.endsWith('.amazonaws.com')) return { mode: 'chunked', chunkSize: 5 * MiB };
  if (name.endsWith('.jfrog.io') || name.includes('artifactory')) return { mode: 'monolithic' };
  return { mode: 'monolithic' };
}

/**
 * The upload strategy of each API host, as data: configured, learned from a fallback (kept for the
 * table's life), or the host's default. Repositories of one client share one table.
 */
export class UploadStrategies {
  readonly #byHost = new Map<string, UploadStrategy>();

  constructor(configured: Record<string, UploadStrategy> = {}) {
    for (const [host, strategy] of Object.entries(configured)) this.#byHost.set(host, strategy);
  }

  /** The strategy for a registry as written in a reference (`docker.io` is looked up as its API host). */
  for(registry: string): UploadStrategy {
    const host = apiHost(registry);
    return this.#byHost.get(host) ?? defaultUploadStrategy(host);
  }

  /** Remembers a strategy that worked after a fallback. */
  remember(registry: string, strategy: UploadStrategy): void {
    this.#byHost.set(apiHost(registry), strategy);
  }
}
