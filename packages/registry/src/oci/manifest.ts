import { RegistryError } from './errors.js';
import { digestProblem } from './reference.js';
import type { Descriptor } from './descriptor.js';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, OCI_INDEX_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from './media-types.js';

/** Registries should accept manifests up to 4 MiB; we refuse to buffer more than that. */
export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024;

export function isManifestMediaType(mediaType: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(mediaType);
}

/**
 * Compact JSON with object keys sorted at every level, by UTF-8 byte order (what serde_json
 * gives for sorted maps, which is what wash serialises).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

interface ManifestCommon {
  /** The media type: the `mediaType` field, else the one the registry sent, else inferred. */
  mediaType: string;
  schemaVersion: 2;
  artifactType?: string;
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageManifest extends ManifestCommon {
  kind: 'manifest';
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex extends ManifestCommon {
  kind: 'index';
  manifests: Descriptor[];
}

export type Manifest = ImageManifest | ImageIndex;

/**
 * Parses and validates manifest or index bytes. `mediaType` is what the registry sent as
 * Content-Type, when known; a body whose own `mediaType` contradicts it is rejected.
 */
export function parseManifest(bytes: Uint8Array, mediaType?: string): Manifest {
  const fail = (problem: string): never => {
    throw new RegistryError(`invalid manifest: ${problem}`, { kind: 'invalid', operation: 'parse manifest' });
  };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    fail(`not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('not a JSON object');
  const body = json as Record<string, unknown>;
  if (body.schemaVersion !== 2) fail(`schemaVersion is ${JSON.stringify(body.schemaVersion)}, expected 2`);

  const declared = optionalString(body.mediaType, 'mediaType', fail);
  const sent = mediaType?.split(';')[0]?.trim();
  if (declared !== undefined && sent !== undefined && MANIFEST_MEDIA_TYPES.includes(sent) && declared !== sent) {
    fail(`the registry sent it as ${sent} but its mediaType is ${declared}`);
  }
  const isIndex = declared !== undefined
    ? INDEX_MEDIA_TYPES.includes(declared)
    : sent !== undefined && MANIFEST_MEDIA_TYPES.includes(sent)
      ? INDEX_MEDIA_TYPES.includes(sent)
      : 'manifests' in body;
  const effectiveType =
    declared ?? (sent !== undefined && MANIFEST_MEDIA_TYPES.includes(sent) ? sent : isIndex ? OCI_INDEX_MEDIA_TYPE : OCI_MANIFEST_MEDIA_TYPE);

  const common: ManifestCommon = { mediaType: effectiveType, schemaVersion: 2 };
  const artifactType = optionalString(body.artifactType, 'artifactType', fail);
  if (artifactType !== undefined) common.artifactType = artifactType;
  if (body.subject !== undefined) common.subject = parseDescriptor(body.subject, 'subject', fail);
  if (body.annotations !== undefined) common.annotations = parseStringMap(body.annotations, 'annotations', fail);

  if (isIndex) {
    if (!Array.isArray(body.manifests)) fail('an index needs a "manifests" array');
    const manifests = (body.manifests as unknown[]).map((item, i) => parseDescriptor(item, `manifests[${i}]`, fail));
    return { kind: 'index', ...common, manifests };
  }
  if (body.config === undefined) fail('an image manifest needs a "config" descriptor');
  if (!Array.isArray(body.layers)) fail('an image manifest needs a "layers" array');
  const config = parseDescriptor(body.config, 'config', fail);
  const layers = (body.layers as unknown[]).map((item, i) => parseDescriptor(item, `layers[${i}]`, fail));
  return { kind: 'manifest', ...common, config, layers };
}

/** The descriptors a manifest points to, in the order a copy pushes them (before the manifest itself). */
export function manifestChildren(manifest: Manifest): Descriptor[] {
  return manifest.kind === 'index' ? [...manifest.manifests] : [manifest.config, ...manifest.layers];
}

/** Parses repeated `--annotation key=value` options; a malformed one is an error, not silently dropped. */
export function parseAnnotations(entries: readonly string[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) {
      throw new RegistryError(`invalid annotation "${entry}": expected key=value with a non-empty key`, {
        kind: 'invalid',
        operation: 'parse annotations',
      });
    }
    annotations[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return annotations;
}

type Fail = (problem: string) => never;

function optionalString(value: unknown, field: string, fail: Fail): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`"${field}" must be a string`);
  return value;
}

function parseStringMap(value: unknown, field: string, fail: Fail): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`"${field}" must be an object`);
  const map: Record<string, string> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item !== 'string') fail(`"${field}.${key}" must be a string`);
    map[key] = item;
  }
  return map;
}

function parseDescriptor(value: unknown, field: string, fail: Fail): Descriptor {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`"${field}" must be a descriptor object`);
  const body = value as Record<string, unknown>;
  if (typeof body.mediaType !== 'string' || body.mediaType.length === 0) fail(`"${field}.mediaType" must be a non-empty string`);
  if (typeof body.digest !== 'string') fail(`"${field}.digest" must be a string`);
  const problem = digestProblem(body.digest);
  if (problem !== undefined) fail(`"${field}.digest": ${problem}`);
  if (typeof body.size !== 'number' || !Number.isSafeInteger(body.size) || body.size < 0) {
    fail(`"${field}.size" must be a non-negative integer`);
  }
  const descriptor: Descriptor = {
    mediaType: body.mediaType,
    digest: body.digest,
    size: body.size,
  };
  const artifactType = optionalString(body.artifactType, `${field}.artifactType`, fail);
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  if (body.annotations !== undefined) descriptor.annotations = parseStringMap(body.annotations, `${field}.annotations`, fail);
  if (body.platform !== undefined) {
    const platform = body.platform as Record<string, unknown> | null;
    if (platform === null || typeof platform !== 'object' || typeof platform.architecture !== 'string' || typeof platform.os !== 'string') {
      fail(`"${field}.platform" needs string "architecture" and "os"`);
    }
    const { architecture, os, variant } = platform as { architecture: string; os: string; variant?: unknown };
    descriptor.platform = typeof variant === 'string' ? { architecture, os, variant } : { architecture, os };
  }
  return descriptor;
}
