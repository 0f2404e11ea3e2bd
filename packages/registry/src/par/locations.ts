import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { OciLayoutTarget, parseLayoutReference } from '../content/oci-layout.js';
import type { Target } from '../content/target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { formatReference, manifestReference, parseReference } from '../oci/reference.js';
import type { RegistryClient } from '../remote/client.js';

/** The tag a destination layout takes when neither it nor the source names one. */
const DEFAULT_LAYOUT_TAG = 'latest';

/** Where an artifact lives: a registry repository or a local OCI image layout. */
export interface Location {
  target: Target;
  /** The tag or digest within the target ('' for the only manifest of a source layout). */
  reference: string;
  /** How to show it to the user. */
  display: string;
  /** Registry host, for registry references (layouts have none). */
  registry?: string;
  /**
   * Removes a destination layout that opening it created, so a failed transfer leaves no partial
   * layout behind. A no-op for registries and for layouts that existed before.
   */
  discard(): Promise<void>;
}

export interface OpenLocationOptions {
  /** Opens registry references; layouts need none. */
  client: RegistryClient;
  /** Registry for references that name none (`--registry`, `WASH_REG_URL`). */
  defaultRegistry?: string;
  role: 'source' | 'destination';
  /** The reference a destination naming no tag or digest takes: the source's (as oras copy does). */
  inherited?: string;
  /** Touch nothing: a destination layout that does not exist yet is not created. */
  dryRun?: boolean;
}

/** `oci:PATH[:REF]` names an OCI image layout directory (as skopeo and oras write it); anything else a registry. */
export function isLayoutLocation(location: string): boolean {
  return location.startsWith('oci:');
}

/** A tag or a digest: only digests are `algorithm:hex`. */
export function isDigestReference(reference: string): boolean {
  return isDigest(reference);
}

/** Opens a location for reading or writing: the library, not the caller, routes layouts and registries. */
export async function openLocation(location: string, options: OpenLocationOptions): Promise<Location> {
  const { role, inherited } = options;
  if (isLayoutLocation(location)) {
    const { path, reference } = parseLayoutReference(location);
    const existed = existsSync(path);
    const target =
      role === 'destination' && options.dryRun === true && !existed
        ? absentLayout(path)
        : await OciLayoutTarget.open(path, { create: role === 'destination' });
    // A source layout named without a reference is its only manifest (skopeo's `oci:DIR`).
    const chosen = reference ?? inherited ?? (role === 'source' ? '' : DEFAULT_LAYOUT_TAG);
    const display = reference === undefined && chosen !== '' ? `${location.replace(/:$/, '')}:${chosen}` : location;
    const created = role === 'destination' && !existed && options.dryRun !== true;
    return { target, reference: chosen, display, discard: async () => (created ? rm(path, { recursive: true, force: true }) : undefined) };
  }
  const parsed = parseReference(location, options.defaultRegistry === undefined ? {} : { defaultRegistry: options.defaultRegistry });
  if (inherited !== undefined && !namesTagOrDigest(location)) {
    delete parsed.tag;
    if (isDigestReference(inherited)) parsed.digest = inherited;
    else parsed.tag = inherited;
  }
  return {
    target: options.client.repository(parsed),
    reference: manifestReference(parsed),
    display: formatReference(parsed),
    registry: parsed.registry,
    discard: async () => undefined,
  };
}

/** The registry hosts that locations name (layouts name none): per-side credentials go to these. */
export function registryHostsOf(locations: string[], defaultRegistry?: string): Set<string> {
  return new Set(
    locations
      .filter((location) => !isLayoutLocation(location))
      .map((location) => parseReference(location, defaultRegistry === undefined ? {} : { defaultRegistry }).registry),
  );
}

/** Does a registry reference spell out a tag or digest (rather than getting the default tag)? */
function namesTagOrDigest(location: string): boolean {
  const lastSegment = location.slice(location.lastIndexOf('/') + 1);
  return lastSegment.includes(':') || lastSegment.includes('@');
}

/**
 * A destination layout that a dry run would create: it holds nothing, so the dry run reports every
 * node as to be copied, and refuses any write (a dry run never makes one).
 */
function absentLayout(path: string): Target {
  const refuse = (): never => {
    throw new RegistryError(`dry run: will not write to ${path}`, { kind: 'failure', operation: 'dry run', reference: path });
  };
  return {
    resolve: async (reference: string): Promise<Descriptor> => {
      throw new RegistryError(`tag "${reference}" not found in OCI layout ${path} (it does not exist yet)`, { kind: 'not_found', operation: 'resolve', reference: path });
    },
    fetch: async () => refuse(),
    exists: async () => false,
    push: async () => refuse(),
    tag: async () => refuse(),
  };
}
