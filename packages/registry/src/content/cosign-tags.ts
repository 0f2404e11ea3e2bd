import type { Descriptor } from '../oci/descriptor.js';
import { RegistryError } from '../oci/errors.js';
import { COSIGN_LEGACY_SUFFIXES, cosignLegacyTag } from '../oci/referrers.js';
import type { Target } from './target.js';

export interface CosignLegacyTag {
  tag: string;
  descriptor: Descriptor;
}

/**
 * cosign's pre-referrers signatures, attestations and SBOMs: ordinary tags `sha256-<hex>.sig|.att|.sbom`
 * next to the subject, invisible to the referrers API. Those that exist, in that order.
 */
export async function findCosignLegacyTags(target: Target, subject: Descriptor): Promise<CosignLegacyTag[]> {
  const found: CosignLegacyTag[] = [];
  for (const suffix of COSIGN_LEGACY_SUFFIXES) {
    const tag = cosignLegacyTag(subject.digest, suffix);
    const descriptor = await taggedManifest(target, tag);
    if (descriptor !== undefined) found.push({ tag, descriptor });
  }
  return found;
}

async function taggedManifest(target: Target, tag: string): Promise<Descriptor | undefined> {
  if (target.referrers?.tagged !== undefined) return target.referrers.tagged(tag);
  try {
    return await target.resolve(tag);
  } catch (error) {
    if (error instanceof RegistryError && error.kind === 'not_found') return undefined;
    throw error;
  }
}
