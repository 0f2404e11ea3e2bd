import { existsSync } from 'node:fs';
import type { Descriptor, RegistryClient, Target } from '@par/registry';
import { CliError } from './errors.js';
import { defaultRegistry, type RegistryFlags, type TransferHosts } from './registry-options.js';

/** Where an artifact lives for copy/promote: a registry repository or a local OCI image layout. */
export interface OpenedTarget {
  target: Target;
  /** The tag or digest within the target. */
  reference: string;
  /** How to show it to the user. */
  display: string;
  /** Registry host, for credentials and for telling same-registry copies. */
  registry?: string;
}

/**
 * `oci:PATH[:TAG]` is an OCI image layout directory (as skopeo and oras name it); anything else is
 * a registry reference.
 */
export async function openTarget(
  location: string,
  client: RegistryClient,
  flags: RegistryFlags,
  role: 'source' | 'destination',
  options: {
    /** The reference a destination naming no tag or digest takes: the source's (as oras copy does). */
    inherited?: string;
    /** Touch nothing: a destination layout that does not exist yet is not created. */
    dryRun?: boolean;
  } = {},
): Promise<OpenedTarget> {
  const registry = await import('@par/registry');
  const inherited = options.inherited;
  if (location.startsWith('oci:')) {
    const { path, reference } = registry.parseLayoutReference(location);
    const target =
      role === 'destination' && options.dryRun === true && !existsSync(path)
        ? absentLayout(path)
        : await registry.OciLayoutTarget.open(path, { create: role === 'destination' });
    // A source layout named without a reference is its only manifest (skopeo's `oci:DIR`).
    const chosen = reference ?? inherited ?? (role === 'source' ? '' : 'latest');
    const display = reference === undefined && chosen !== '' ? `${location.replace(/:$/, '')}:${chosen}` : location;
    return { target, reference: chosen, display };
  }
  const host = defaultRegistry(flags);
  const parsed = registry.parseReference(location, host ? { defaultRegistry: host } : {});
  if (inherited !== undefined && !namesTagOrDigest(location)) {
    delete parsed.tag;
    if (inherited.includes(':')) parsed.digest = inherited;
    else parsed.tag = inherited;
  }
  return {
    target: client.repository(parsed),
    reference: parsed.digest ?? parsed.tag ?? 'latest',
    display: registry.formatReference(parsed),
    registry: parsed.registry,
  };
}

/** Does a registry reference spell out a tag or digest (rather than getting `latest` by default)? */
function namesTagOrDigest(location: string): boolean {
  const lastSegment = location.slice(location.lastIndexOf('/') + 1);
  return lastSegment.includes(':') || lastSegment.includes('@');
}

/** The registry hosts named by source and destination locations (layouts have none). */
export async function transferHosts(sources: string[], destinations: string[], flags: RegistryFlags): Promise<TransferHosts> {
  const registry = await import('@par/registry');
  const host = defaultRegistry(flags);
  const hostOf = (location: string): string[] =>
    location.startsWith('oci:') ? [] : [registry.parseReference(location, host ? { defaultRegistry: host } : {}).registry];
  return { sources: new Set(sources.flatMap(hostOf)), destinations: new Set(destinations.flatMap(hostOf)) };
}

/**
 * A destination layout that a dry run would create: it holds nothing, so the dry run reports every
 * node as to be copied, and refuses any write (a dry run never makes one).
 */
function absentLayout(path: string): Target {
  const refuse = (): never => {
    throw new CliError(`dry run: will not write to ${path}`, 'failure');
  };
  return {
    resolve: async (reference: string): Promise<Descriptor> => {
      throw new CliError(`tag "${reference}" not found in OCI layout ${path} (it does not exist yet)`, 'not_found');
    },
    fetch: async () => refuse(),
    exists: async () => false,
    push: async () => refuse(),
    tag: async () => refuse(),
  };
}
