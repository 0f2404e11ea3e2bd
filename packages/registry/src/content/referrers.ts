import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Descriptor } from '../oci/descriptor.js';
import { digestFile, sha256Digest } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { parseManifest } from '../oci/manifest.js';
import {
  ANNOTATION_CREATED,
  ANNOTATION_TITLE,
  buildArtifactManifest,
  EMPTY_BLOB,
  EMPTY_DESCRIPTOR,
  mediaTypeProblem,
  referrerDescriptor,
} from '../oci/referrers.js';
import { OCI_MANIFEST_MEDIA_TYPE } from '../oci/media-types.js';
import { readManifestBytes } from './copy.js';
import { findCosignLegacyTags } from './cosign-tags.js';
import type { ReferrersCapability, ReferrersMode, Target } from './target.js';

/** One referrer and, recursively, what refers to it. */
export interface ReferrerNode extends Descriptor {
  /** Set for cosign's legacy `sha256-<hex>.sig|.att|.sbom` tags, which are not referrers but play their part. */
  tag?: string;
  referrers: ReferrerNode[];
}

export interface ReferrersTree {
  subject: Descriptor;
  referrers: ReferrerNode[];
}

export interface DiscoverOptions {
  /** Only direct referrers of this type (what refers to them is listed whole). */
  artifactType?: string;
  /** Also look for cosign's legacy tags next to the subject (default true). */
  cosignLegacyTags?: boolean;
  /** Levels followed at most (default 8). */
  maxDepth?: number;
}

function referrersOf(target: Target, operation: string): ReferrersCapability {
  if (target.referrers === undefined) {
    throw new RegistryError(`${operation}: this target does not support OCI referrers (a registry does; an OCI layout does not)`, {
      kind: 'invalid',
      operation,
    });
  }
  return target.referrers;
}

/** Lists the referrers of `reference` recursively: a signature of an SBOM is a referrer of the SBOM. */
export async function discoverReferrers(target: Target, reference: string, options: DiscoverOptions = {}): Promise<ReferrersTree> {
  const referrers = referrersOf(target, 'discover');
  const subject = await target.resolve(reference);
  const maxDepth = options.maxDepth ?? 8;
  const seen = new Set<string>([subject.digest]);
  const walk = async (of: Descriptor, depth: number, artifactType?: string): Promise<ReferrerNode[]> => {
    if (depth >= maxDepth) return [];
    const listed = await referrers.list(of, artifactType === undefined ? {} : { artifactType });
    const nodes: ReferrerNode[] = [];
    for (const descriptor of listed) {
      if (seen.has(descriptor.digest)) continue;
      seen.add(descriptor.digest);
      nodes.push({ ...node(descriptor), referrers: await walk(descriptor, depth + 1) });
    }
    return nodes;
  };
  const nodes = await walk(subject, 0, options.artifactType);
  if (options.cosignLegacyTags !== false && options.artifactType === undefined) nodes.push(...(await cosignLegacyReferrers(target, subject)));
  return { subject: { digest: subject.digest, mediaType: subject.mediaType, size: subject.size }, referrers: nodes };
}

/** A descriptor in the key order of the discover JSON: digest, mediaType, artifactType, size, annotations. */
function node(descriptor: Descriptor): Omit<ReferrerNode, 'referrers'> {
  const { digest, mediaType, artifactType, size, annotations } = descriptor;
  return { digest, mediaType, ...(artifactType === undefined ? {} : { artifactType }), size, annotations: annotations ?? {} };
}

/** cosign's `sha256-<hex>.sig|.att|.sbom` tags next to the subject, described as referrers are. */
async function cosignLegacyReferrers(target: Target, subject: Descriptor): Promise<ReferrerNode[]> {
  const nodes: ReferrerNode[] = [];
  for (const { tag, descriptor } of await findCosignLegacyTags(target, subject)) {
    const manifest = parseManifest(await readManifestBytes(target, descriptor), descriptor.mediaType);
    nodes.push({ ...node(referrerDescriptor(manifest, descriptor)), tag, referrers: [] });
  }
  return nodes;
}

/** The artifact types among `subject`'s direct referrers that are missing from `required`. */
export async function missingReferrerTypes(target: Target, subject: Descriptor, required: readonly string[]): Promise<string[]> {
  if (required.length === 0) return [];
  const listed = target.referrers === undefined ? [] : await target.referrers.list(subject);
  const present = new Set(listed.map((d) => d.artifactType));
  return required.filter((type) => !present.has(type));
}

/** A file to attach and the media type of its layer. */
export interface AttachFile {
  path: string;
  mediaType: string;
}

export interface AttachOptions {
  artifactType: string;
  annotations?: Record<string, string>;
}

export interface AttachResult {
  /** The artifact manifest pushed (its descriptor as a referrers list shows it). */
  referrer: Descriptor;
  subject: Descriptor;
  /** How it is found: the registry's referrers API, or the fallback tag par maintains. */
  indexedBy: ReferrersMode;
}

export const DEFAULT_ATTACH_MEDIA_TYPE = 'application/octet-stream';

/**
 * `oras attach`: pushes an OCI 1.1 artifact manifest whose `subject` is `reference`'s manifest
 * (empty config, one layer per file with a title annotation) and makes it discoverable.
 * Files are read twice as streams (hash, then upload), never held in memory.
 */
export async function attachArtifact(target: Target, reference: string, files: AttachFile[], options: AttachOptions): Promise<AttachResult> {
  const referrers = referrersOf(target, 'attach');
  const typeProblem = mediaTypeProblem(options.artifactType);
  if (typeProblem !== undefined) {
    throw new RegistryError(`invalid artifact type "${options.artifactType}": ${typeProblem}`, { kind: 'invalid', operation: 'attach' });
  }
  for (const file of files) {
    const problem = mediaTypeProblem(file.mediaType);
    if (problem !== undefined) {
      throw new RegistryError(`invalid media type "${file.mediaType}" for ${file.path}: ${problem}`, { kind: 'invalid', operation: 'attach' });
    }
  }
  const subject = await target.resolve(reference);
  const layers: Descriptor[] = [];
  for (const file of files) {
    const { digest, size } = await digestFile(file.path);
    const layer: Descriptor = { mediaType: file.mediaType, digest, size, annotations: { [ANNOTATION_TITLE]: path.basename(file.path) } };
    if (!(await target.exists(layer))) {
      await target.push(layer, async (offset: number) => createReadStream(file.path, { start: offset }));
    }
    layers.push(layer);
  }
  if (!(await target.exists(EMPTY_DESCRIPTOR))) await target.push(EMPTY_DESCRIPTOR, EMPTY_BLOB);
  const annotations = { [ANNOTATION_CREATED]: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), ...options.annotations };
  const bytes = buildArtifactManifest({ artifactType: options.artifactType, subject, layers, annotations });
  const descriptor: Descriptor = { mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: sha256Digest(bytes), size: bytes.length };
  await target.push(descriptor, bytes);
  const referrer = referrerDescriptor(parseManifest(bytes, OCI_MANIFEST_MEDIA_TYPE), descriptor);
  const indexedBy = await referrers.index(subject, [referrer]);
  return { referrer, subject, indexedBy };
}
