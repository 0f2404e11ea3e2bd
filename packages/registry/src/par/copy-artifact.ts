import { copy, type CopyResult } from '../content/copy.js';
import { RegistryError } from '../oci/errors.js';
import type { RegistryClient } from '../remote/client.js';
import { isDigestReference, openLocation } from './locations.js';

export interface CopyArtifactOptions {
  client: RegistryClient;
  /** Registry for references that name none. */
  defaultRegistry?: string;
  /** More tags to point at the copy in the destination. */
  tags?: string[];
  /** Stops the transfer (the user interrupted it): uploads are cancelled, local writes rolled back. */
  signal?: AbortSignal;
  /** Carry OCI referrers: none (false), or direct referrers of these artifact types ([] or true = all). Default all. */
  referrers?: boolean | string[];
}

export interface CopiedArtifact extends CopyResult {
  source: string;
  destination: string;
  sourceDigest: string;
  /** Tags now pointing at the copy (the destination's own, then `tags`). */
  tags: string[];
}

/**
 * Copies an artifact byte for byte between registries and OCI layouts (`oci:PATH[:REF]`): a
 * destination naming no tag takes the source's (or the bare digest). Every byte is verified on the
 * way; a failed copy into a layout it created removes that layout again.
 */
export async function copyArtifact(sourceLocation: string, destinationLocation: string, options: CopyArtifactOptions): Promise<CopiedArtifact> {
  const common = { client: options.client, ...(options.defaultRegistry === undefined ? {} : { defaultRegistry: options.defaultRegistry }) };
  const source = await openLocation(sourceLocation, { ...common, role: 'source' });
  const root = await source.target.resolve(source.reference);
  const destination = await openLocation(destinationLocation, { ...common, role: 'destination', inherited: source.reference || root.digest });
  const extraTags = options.tags ?? [];
  let result: CopyResult;
  try {
    if (isDigestReference(destination.reference) && destination.reference !== root.digest) {
      throw new RegistryError(`${destination.display} names digest ${destination.reference}, but ${source.display} is ${root.digest}`, {
        kind: 'invalid',
        operation: 'copy',
        reference: destination.display,
      });
    }
    result = await copy(source.target, root.digest, destination.target, destination.reference, {
      tags: extraTags,
      referrers: referrersOption(options.referrers),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    await destination.discard();
    throw error;
  }
  return {
    ...result,
    source: source.display,
    destination: destination.display,
    sourceDigest: root.digest,
    tags: [...new Set([destination.reference, ...extraTags].filter((tag) => !isDigestReference(tag)))],
  };
}

/** The graph copy's `referrers` option for a selection: all by default. */
export function referrersOption(selection: boolean | string[] | undefined): false | { artifactTypes: string[] } {
  if (selection === false) return false;
  return { artifactTypes: Array.isArray(selection) ? selection : [] };
}
