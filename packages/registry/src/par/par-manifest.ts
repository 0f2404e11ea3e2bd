import { sha256Digest, type ExpectedContent } from '../oci/digest.js';
import type { Descriptor } from '../oci/descriptor.js';
import { canonicalJson } from '../oci/manifest.js';
import { ANNOTATION_CREATED, ANNOTATION_TITLE } from '../oci/referrers.js';
import { EMPTY_CONFIG, EMPTY_CONFIG_DIGEST, EMPTY_CONFIG_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from '../oci/media-types.js';
import { PAR_CONFIG_MEDIA_TYPE, PAR_LAYER_MEDIA_TYPE } from './media-types.js';

/**
 * The `artifactType` of the OCI 1.1 shape. OCI 1.1 says a manifest without `artifactType` has the
 * type of its `config.mediaType`, so wash's manifests already read as this type in the referrers
 * API and `oras discover`; using the same value keeps both shapes the same type.
 */
export const PAR_ARTIFACT_TYPE = PAR_CONFIG_MEDIA_TYPE;

export interface ParManifestOptions {
  /** The config blob (a `--config` file); default the `{}` blob wash pushes. */
  config?: { digest: string; size: number; bytes: Uint8Array };
  /** Manifest-level annotations; omitted from the JSON when empty. */
  annotations?: Record<string, string>;
  /**
   * Opt in to the OCI 1.1 artifact shape: adds `mediaType`, `artifactType` (default
   * PAR_ARTIFACT_TYPE), a title annotation on the layer (when `title` is given) and
   * `org.opencontainers.image.created` (default: now, to the second). The digest then differs from wash's.
   */
  artifact?: { artifactType?: string; title?: string; created?: string };
}

export interface ParManifest {
  /** The exact manifest bytes to push. */
  bytes: Uint8Array;
  /** The descriptor of those bytes (media type OCI image manifest). */
  descriptor: Descriptor;
  /** The manifest digest (= descriptor.digest): what wash reports as `digest:`. */
  digest: string;
  /** The config blob the manifest names. */
  config: { descriptor: Descriptor; bytes: Uint8Array };
  /** The layer descriptor (the par file). */
  layer: Descriptor;
}

/**
 * The manifest of a par artifact. By default exactly the bytes wash writes (spec/oci-artifact.md
 * §2: compact JSON, keys sorted at every level, no mediaType/artifactType), so the manifest digest
 * equals the one wash reports for the same file.
 */
export function parManifest(layer: ExpectedContent, options: ParManifestOptions = {}): ParManifest {
  const configBytes = options.config?.bytes ?? EMPTY_CONFIG;
  const config: Descriptor = {
    // The OCI 1.1 shape follows the image-spec's artifact guidance: no config of its own is the
    // empty descriptor, which registries with a config allow-list (Quay, GitLab) accept.
    mediaType: options.artifact !== undefined && options.config === undefined ? EMPTY_CONFIG_MEDIA_TYPE : PAR_CONFIG_MEDIA_TYPE,
    digest: options.config?.digest ?? EMPTY_CONFIG_DIGEST,
    size: options.config?.size ?? EMPTY_CONFIG.length,
  };
  const layerDescriptor: Descriptor = { mediaType: PAR_LAYER_MEDIA_TYPE, digest: layer.digest, size: layer.size };
  const annotations: Record<string, string> = {};

  const manifest: Record<string, unknown> = { schemaVersion: 2, config, layers: [layerDescriptor] };
  const artifact = options.artifact;
  if (artifact !== undefined) {
    manifest.mediaType = OCI_MANIFEST_MEDIA_TYPE;
    manifest.artifactType = artifact.artifactType ?? PAR_ARTIFACT_TYPE;
    if (artifact.title !== undefined) layerDescriptor.annotations = { [ANNOTATION_TITLE]: artifact.title };
    annotations[ANNOTATION_CREATED] = artifact.created ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  Object.assign(annotations, options.annotations ?? {});
  if (Object.keys(annotations).length > 0) manifest.annotations = annotations;

  const bytes = new TextEncoder().encode(canonicalJson(manifest));
  return {
    bytes,
    descriptor: { mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: sha256Digest(bytes), size: bytes.length },
    digest: sha256Digest(bytes),
    config: { descriptor: config, bytes: configBytes },
    layer: layerDescriptor,
  };
}
