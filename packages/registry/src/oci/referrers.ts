import type { Descriptor } from './descriptor.js';
import { RegistryError } from './errors.js';
import { parseDigest } from './digest.js';
import { parseManifest, type Manifest } from './manifest.js';
import { OCI_INDEX_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from './media-types.js';

// OCI 1.1 referrers (image-spec manifest.md `subject`/`artifactType`, distribution-spec "Listing
// Referrers" and the referrers tag schema): the data model only, no I/O.

export const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
/** The empty descriptor (image-spec manifest.md "Guidance for an Empty Descriptor"): the blob `{}`. */
export const EMPTY_DESCRIPTOR: Descriptor = Object.freeze({
  mediaType: EMPTY_MEDIA_TYPE,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
});
export const EMPTY_BLOB = new TextEncoder().encode('{}');

export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';

/** cosign's pre-referrers convention: tags `<alg>-<hex>.sig|.att|.sbom` next to the image. */
export const COSIGN_LEGACY_SUFFIXES = ['sig', 'att', 'sbom'] as const;
export type CosignLegacySuffix = (typeof COSIGN_LEGACY_SUFFIXES)[number];

/**
 * The tag of a subject's fallback referrers index (distribution-spec, referrers tag schema as on
 * main: algorithm cut to 32 characters, encoded part to 64, anything a tag may not hold becomes `-`).
 * For sha256 this is exactly v1.1.1's `sha256-<hex>`.
 */
export function referrersTag(subjectDigest: string): string {
  const { algorithm, hex } = parseDigest(subjectDigest);
  const clean = (text: string) => text.replace(/[^a-zA-Z0-9._-]/g, '-');
  return `${clean(algorithm).slice(0, 32)}-${clean(hex).slice(0, 64)}`;
}

/** cosign's legacy tag for a subject, e.g. `sha256-<hex>.sig`. */
export function cosignLegacyTag(subjectDigest: string, suffix: CosignLegacySuffix): string {
  return `${referrersTag(subjectDigest)}.${suffix}`;
}

/**
 * The descriptor a referrers list holds for a manifest (distribution-spec: `artifactType` is the
 * manifest's, else its config media type; the manifest's annotations are copied).
 */
export function referrerDescriptor(manifest: Manifest, descriptor: Descriptor): Descriptor {
  const entry: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  const artifactType = manifest.artifactType ?? (manifest.kind === 'manifest' ? manifest.config.mediaType : undefined);
  if (manifest.annotations !== undefined && Object.keys(manifest.annotations).length > 0) entry.annotations = { ...manifest.annotations };
  if (artifactType !== undefined) entry.artifactType = artifactType;
  return entry;
}

/**
 * Bytes of a referrers index in the shape oras-go writes (`schemaVersion`, `mediaType`,
 * `manifests`; each entry `mediaType`, `digest`, `size`, `annotations`?, `artifactType`?); an empty
 * list is `[]`.
 */
export function serializeReferrersIndex(manifests: readonly Descriptor[]): Uint8Array {
  const entries = manifests.map((m) => {
    const entry: Record<string, unknown> = { mediaType: m.mediaType, digest: m.digest, size: m.size };
    if (m.annotations !== undefined) entry['annotations'] = m.annotations;
    if (m.artifactType !== undefined) entry['artifactType'] = m.artifactType;
    return entry;
  });
  return new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX_MEDIA_TYPE, manifests: entries }));
}

/**
 * Reads a fallback index. Something that is not an index under a fallback tag is not ours to
 * rewrite: the caller reports it instead of replacing it.
 */
export function parseReferrersIndex(bytes: Uint8Array, where: string): Descriptor[] {
  const manifest = parseManifest(bytes, OCI_INDEX_MEDIA_TYPE);
  if (manifest.kind !== 'index') {
    throw new RegistryError(`${where} is not an image index, so it is not a referrers index; par leaves it alone`, {
      kind: 'invalid',
      operation: 'update referrers index',
      reference: where,
    });
  }
  return manifest.manifests;
}

/** Adds `additions` not already listed (by digest), keeping every existing entry and its order. */
export function mergeReferrers(existing: readonly Descriptor[], additions: readonly Descriptor[]): Descriptor[] {
  const merged = [...existing];
  const listed = new Set(existing.map((d) => d.digest));
  for (const addition of additions) {
    if (addition.mediaType === EMPTY_MEDIA_TYPE || listed.has(addition.digest)) continue;
    listed.add(addition.digest);
    merged.push(addition);
  }
  return merged;
}

/** Keeps only referrers of the given artifact types (all when `artifactTypes` is empty or undefined). */
export function filterReferrers(referrers: readonly Descriptor[], artifactTypes: readonly string[] | undefined): Descriptor[] {
  if (artifactTypes === undefined || artifactTypes.length === 0) return [...referrers];
  return referrers.filter((d) => d.artifactType !== undefined && artifactTypes.includes(d.artifactType));
}

export interface ArtifactManifestInput {
  artifactType: string;
  subject: Descriptor;
  /** One per file; none gives the single empty layer the spec asks for. */
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/**
 * An OCI 1.1 artifact manifest: the empty descriptor as config, `artifactType` set, `subject`
 * pointing at the manifest it is about. Returns the exact bytes to push.
 */
export function buildArtifactManifest(input: ArtifactManifestInput): Uint8Array {
  const problem = mediaTypeProblem(input.artifactType);
  if (problem !== undefined) {
    throw new RegistryError(`invalid artifact type "${input.artifactType}": ${problem}`, { kind: 'invalid', operation: 'attach' });
  }
  const subject: Descriptor = { mediaType: input.subject.mediaType, digest: input.subject.digest, size: input.subject.size };
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    artifactType: input.artifactType,
    config: { ...EMPTY_DESCRIPTOR },
    layers: input.layers.length > 0 ? input.layers : [{ ...EMPTY_DESCRIPTOR }],
    subject,
  };
  if (input.annotations !== undefined && Object.keys(input.annotations).length > 0) manifest['annotations'] = input.annotations;
  return new TextEncoder().encode(JSON.stringify(manifest));
}

/** RFC 6838 `type/subtype` (with optional parameters), as image-spec asks of `artifactType`. */
export function mediaTypeProblem(mediaType: string): string | undefined {
  const name = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
  if (!new RegExp(`^${name}/${name}(\\s*;.*)?$`).test(mediaType)) return 'expected a media type such as application/spdx+json';
  return undefined;
}
