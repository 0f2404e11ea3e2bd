import { apiHost } from '../oci/reference.js';

export interface UploadStrategy {
  mode: 'monolithic' | 'chunked';
  /** Chunk size for `chunked` (bytes); raised to the registry's `OCI-Chunk-Min-Length`. */
  chunkSize?: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 4 * MiB;

/** What a known registry needs of uploads, and why: per-host quirks as data, not branches. */
export interface HostUploadRule {
  matches: (host: string) => boolean;
  strategy: UploadStrategy;
  why: string;
}

export const HOST_UPLOAD_RULES: readonly HostUploadRule[] = [
  { matches: (host) => host === 'ghcr.io', strategy: { mode: 'chunked', chunkSize: 4 * MiB }, why: 'GHCR caps request bodies at 4 MiB' },
  { matches: (host) => host.endsWith('.amazonaws.com'), strategy: { mode: 'chunked', chunkSize: 5 * MiB }, why: 'ECR wants chunks of at least 5 MiB' },
  {
    matches: (host) => host.endsWith('.jfrog.io') || host.includes('artifactory'),
    strategy: { mode: 'monolithic' },
    why: 'Artifactory mishandles chunked uploads, so it gets one PUT even if the default changes',
  },
];

/** The rule for a host (lower-cased), if it is a registry with known upload needs. */
export function hostUploadRule(host: string): HostUploadRule | undefined {
  const name = host.toLowerCase();
  return HOST_UPLOAD_RULES.find((rule) => rule.matches(name));
}

/** A known registry's strategy; everything else gets one streamed PUT. */
export function defaultUploadStrategy(host: string): UploadStrategy {
  return hostUploadRule(host)?.strategy ?? { mode: 'monolithic' };
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
