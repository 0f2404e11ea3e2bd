import { apiHost } from '../oci/reference.js';

export interface UploadStrategy {
  mode: 'monolithic' | 'chunked';
  /** Chunk size for `chunked` (bytes); raised to the registry's `OCI-Chunk-Min-Length`. */
  chunkSize?: number;
}

/**
 * What par knows of one registry host's uploads (regclient's config/host.go idea: quirks are data
 * in one place, not branches in the upload code). Known hosts start with a profile; every host
 * can learn more during a command, from how it answered.
 */
export interface HostUploadProfile {
  strategy: UploadStrategy;
  /** The largest PATCH body the host takes: GHCR answers 416 beyond 4 MiB. */
  maxPatchBytes?: number;
  /**
   * The host refuses PATCH (Google Artifact Registry answers 405 or 400), or stored a chunked
   * upload wrongly (Artifactory kept only the last chunk): one monolithic PUT per blob, and a
   * one-pass upload of content of unknown digest hashes it first.
   */
  monolithicOnly?: boolean;
}

const MiB = 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 4 * MiB;
/** GHCR's request-body cap for PATCH, the smallest known: a cap learned from a refusal is this one. */
export const SMALL_PATCH_LIMIT = 4 * MiB;

/** What a known registry needs of uploads, and why: per-host quirks as data, not branches. */
export interface HostUploadRule {
  matches: (host: string) => boolean;
  profile: HostUploadProfile;
  why: string;
}

/** Profiles of the registries that need one; every other host uploads each blob in one streamed PUT. */
export const HOST_UPLOAD_RULES: readonly HostUploadRule[] = [
  {
    matches: (host) => host === 'ghcr.io',
    profile: { strategy: { mode: 'chunked', chunkSize: 4 * MiB }, maxPatchBytes: 4 * MiB },
    why: 'GHCR refuses request bodies over 4 MiB with 416 (oras-project/rust-oci-client#35)',
  },
  {
    matches: (host) => host.endsWith('.amazonaws.com'),
    profile: { strategy: { mode: 'chunked', chunkSize: 5 * MiB } },
    why: 'ECR refuses chunks under 5 MiB (except the last)',
  },
  {
    matches: (host) => host.endsWith('.jfrog.io') || host.includes('artifactory'),
    profile: { strategy: { mode: 'monolithic' }, monolithicOnly: true },
    why: 'Artifactory stored chunked uploads as their last chunk (wasmCloud/wasmCloud#3405)',
  },
];

/** The rule for a host (lower-cased), if it is a registry with known upload needs. */
export function hostUploadRule(host: string): HostUploadRule | undefined {
  const name = host.toLowerCase();
  return HOST_UPLOAD_RULES.find((rule) => rule.matches(name));
}

/** A known registry's profile; everything else gets one streamed PUT. */
export function defaultUploadProfile(host: string): HostUploadProfile {
  return hostUploadRule(host)?.profile ?? { strategy: { mode: 'monolithic' } };
}

/** The strategy a host starts with. */
export function defaultUploadStrategy(host: string): UploadStrategy {
  return defaultUploadProfile(host).strategy;
}

/**
 * The upload profile of each API host: the host's default, the strategy configured for it, and
 * what it taught us in this command (kept for the table's life). Repositories of one client share
 * one table, so a quirk learned on the first blob holds for every later one.
 */
export class UploadStrategies {
  readonly #byHost = new Map<string, HostUploadProfile>();

  constructor(configured: Record<string, UploadStrategy> = {}) {
    for (const [host, strategy] of Object.entries(configured)) this.#byHost.set(host, { ...defaultUploadProfile(host), strategy });
  }

  /** The profile for a registry as written in a reference (`docker.io` is looked up as its API host). */
  profile(registry: string): HostUploadProfile {
    const host = apiHost(registry);
    return this.#byHost.get(host) ?? defaultUploadProfile(host);
  }

  /** The strategy to use now: the profile's, within what the host was seen to accept. */
  for(registry: string): UploadStrategy {
    const profile = this.profile(registry);
    if (profile.monolithicOnly) return { mode: 'monolithic' };
    const strategy = profile.strategy;
    if (strategy.mode !== 'chunked' || profile.maxPatchBytes === undefined) return strategy;
    return { mode: 'chunked', chunkSize: Math.min(strategy.chunkSize ?? DEFAULT_CHUNK_SIZE, profile.maxPatchBytes) };
  }

  /** Remembers a strategy that worked after a fallback. */
  remember(registry: string, strategy: UploadStrategy): void {
    this.learn(registry, { strategy });
  }

  /** Records what a host's answers showed (a PATCH cap, a refusal of PATCH). */
  learn(registry: string, facts: Partial<HostUploadProfile>): void {
    const host = apiHost(registry);
    this.#byHost.set(host, { ...this.profile(registry), ...facts });
  }
}
