import { sha256Digest, type ExpectedContent } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { canonicalJson, type Manifest } from '../oci/manifest.js';
import { OCI_MANIFEST_MEDIA_TYPE } from '../oci/media-types.js';
import {
  COMPONENT_LAYER_MEDIA_TYPES,
  LEGACY_ACTOR_LAYER_MEDIA_TYPE,
  WASM_CONFIG_MEDIA_TYPE,
  WASM_LAYER_MEDIA_TYPE,
  type WasmOs,
} from './component-media-types.js';
import type { Descriptor } from '../oci/descriptor.js';

/** A component's world as the config lists it. */
export interface ComponentWorld {
  exports: string[];
  imports: string[];
}

export interface ComponentManifestOptions {
  /** `wasip2` for a component (with its world), `wasip1` for a core module (no world). */
  os: WasmOs;
  /** Required for `wasip2`. */
  world?: ComponentWorld;
  /** Manifest-level annotations (`--annotation`); omitted when empty, as wash does. */
  annotations?: Record<string, string>;
  /** The config's `created`; default now. */
  created?: Date;
}

/** The bytes to push for one component: manifest, config and the layer descriptor. */
export interface ComponentManifest {
  bytes: Uint8Array;
  descriptor: Descriptor;
  digest: string;
  config: { descriptor: Descriptor; bytes: Uint8Array };
  layer: Descriptor;
}

/**
 * The config blob rust-oci-wasm writes (spec §2): serde's compact JSON in struct-field order —
 * created, author (always null), architecture, os, layerDigests, component — with `null` for
 * what is absent. Built from an object literal, whose key order JSON.stringify keeps.
 */
export function componentConfig(layer: ExpectedContent, options: ComponentManifestOptions): Uint8Array {
  if (options.os === 'wasip2' && options.world === undefined) {
    throw new RegistryError('a wasip2 component config needs the exports and imports of the component', { kind: 'invalid', operation: 'build component config' });
  }
  const component = options.os === 'wasip2' && options.world !== undefined ? { exports: options.world.exports, imports: options.world.imports, target: null } : null;
  const config = {
    created: chronoTimestamp(options.created ?? new Date()),
    author: null,
    architecture: 'wasm',
    os: options.os,
    layerDigests: [layer.digest],
    component,
  };
  return new TextEncoder().encode(JSON.stringify(config));
}

/**
 * The manifest wash builds (spec §4): OCI image manifest with `mediaType`, the config, one
 * `application/wasm` layer, annotations only when given; keys sorted at every level, compact.
 */
export function componentManifest(layer: ExpectedContent, options: ComponentManifestOptions): ComponentManifest {
  const configBytes = componentConfig(layer, options);
  const config: Descriptor = { mediaType: WASM_CONFIG_MEDIA_TYPE, digest: sha256Digest(configBytes), size: configBytes.length };
  const layerDescriptor: Descriptor = { mediaType: WASM_LAYER_MEDIA_TYPE, digest: layer.digest, size: layer.size };
  const manifest: Record<string, unknown> = { schemaVersion: 2, mediaType: OCI_MANIFEST_MEDIA_TYPE, config, layers: [layerDescriptor] };
  if (options.annotations !== undefined && Object.keys(options.annotations).length > 0) manifest.annotations = options.annotations;
  const bytes = new TextEncoder().encode(canonicalJson(manifest));
  const digest = sha256Digest(bytes);
  return {
    bytes,
    descriptor: { mediaType: OCI_MANIFEST_MEDIA_TYPE, digest, size: bytes.length },
    digest,
    config: { descriptor: config, bytes: configBytes },
    layer: layerDescriptor,
  };
}

/**
 * chrono's RFC 3339 form with `SecondsFormat::AutoSi` and `Z` (spec §2): no fraction on a whole
 * second, else milliseconds (a JavaScript clock has no finer digits).
 */
export function chronoTimestamp(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/** Which of the two component layouts an artifact uses. */
export type ComponentLayout = 'oci-wasm' | 'legacy-actor';

export interface ComponentArtifact {
  layer: Descriptor;
  config: Descriptor;
  layout: ComponentLayout;
}

/**
 * Checks that a manifest holds a Wasm component (or module) the way the hosts take one: an image
 * manifest with exactly one layer of type `application/wasm` or the legacy actor type. Returns
 * that layer. Call it before downloading anything.
 */
export function checkComponentManifest(manifest: Manifest, reference?: string): ComponentArtifact {
  const subject = reference ?? 'the artifact';
  const fail = (problem: string): never => {
    throw new RegistryError(`${subject} is not a Wasm component: ${problem}`, {
      kind: 'invalid',
      operation: 'check component manifest',
      ...(reference === undefined ? {} : { reference }),
    });
  };
  if (manifest.kind === 'index') return fail(`it is an image index (${manifest.mediaType}) of ${manifest.manifests.length} manifest(s)`);
  const types = manifest.layers.map((layer) => layer.mediaType);
  if (manifest.layers.length !== 1) return fail(`expected exactly one layer of type ${COMPONENT_LAYER_MEDIA_TYPES.join(' or ')}, found ${manifest.layers.length} [${types.join(', ')}]`);
  const layer = manifest.layers[0] as Descriptor;
  if (!COMPONENT_LAYER_MEDIA_TYPES.includes(layer.mediaType)) return fail(`its layer has media type ${layer.mediaType}`);
  const layout: ComponentLayout = layer.mediaType === LEGACY_ACTOR_LAYER_MEDIA_TYPE ? 'legacy-actor' : 'oci-wasm';
  return { layer, config: manifest.config, layout };
}

/** Is this manifest a Wasm component artifact (one component layer)? */
export function isComponentManifest(manifest: Manifest): boolean {
  return manifest.kind === 'manifest' && manifest.layers.length === 1 && COMPONENT_LAYER_MEDIA_TYPES.includes((manifest.layers[0] as Descriptor).mediaType);
}

/** The fields of a `application/vnd.wasm.config.v0+json` blob that a pull or verify checks. */
export interface ComponentConfig {
  created: string;
  author: string | null;
  architecture: string;
  os: string;
  layerDigests: string[];
  component: { exports: string[]; imports: string[]; target: string | null } | null;
}

/** Parses a Wasm config blob, naming the field that is wrong. */
export function parseComponentConfig(bytes: Uint8Array, reference = 'the config'): ComponentConfig {
  const fail = (problem: string): never => {
    throw new RegistryError(`${reference} is not a valid ${WASM_CONFIG_MEDIA_TYPE}: ${problem}`, { kind: 'invalid', operation: 'parse component config', reference });
  };
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    return fail(`not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return fail('not a JSON object');
  const config = body as Record<string, unknown>;
  const stringField = (key: string): string => {
    const value = config[key];
    return typeof value === 'string' ? value : fail(`"${key}" must be a string`);
  };
  const names = (value: unknown, key: string): string[] =>
    Array.isArray(value) && value.every((item): item is string => typeof item === 'string') ? value : fail(`"${key}" must be a list of strings`);
  const author = config.author;
  if (author !== null && author !== undefined && typeof author !== 'string') fail('"author" must be a string or null');
  let component: ComponentConfig['component'] = null;
  if (config.component !== null && config.component !== undefined) {
    const value = config.component as Record<string, unknown>;
    if (typeof value !== 'object' || Array.isArray(value)) fail('"component" must be an object or null');
    const target = value.target;
    if (target !== null && target !== undefined && typeof target !== 'string') fail('"component.target" must be a string or null');
    component = { exports: names(value.exports, 'component.exports'), imports: names(value.imports, 'component.imports'), target: (target as string | null | undefined) ?? null };
  }
  return {
    created: stringField('created'),
    author: (author as string | null | undefined) ?? null,
    architecture: stringField('architecture'),
    os: stringField('os'),
    layerDigests: names(config.layerDigests, 'layerDigests'),
    component,
  };
}

/** What a reader of the layer found (structurally what @par/archive's readWasm returns). */
export interface ReadComponentLayer {
  kind: 'component' | 'module';
  exports: string[];
  imports: string[];
  digest: string;
  size: number;
}

/**
 * Why a component artifact is not what it claims, given its layer as read (digest-checked) and its
 * config: the layer must be a component (a core module only in the wasip1 form or the legacy
 * actor layout), and the config must name that layer and, for wasip2, that world. Empty = valid.
 */
export function componentArtifactProblems(artifact: ComponentArtifact, layer: ReadComponentLayer, config: ComponentConfig | undefined): string[] {
  const problems: string[] = [];
  if (layer.digest !== artifact.layer.digest) problems.push(`the layer hashes to ${layer.digest}, not ${artifact.layer.digest}`);
  if (artifact.layout === 'legacy-actor') return problems;
  if (config === undefined) return [...problems, `its config is not ${WASM_CONFIG_MEDIA_TYPE} (it is ${artifact.config.mediaType})`];
  if (config.architecture !== 'wasm') problems.push(`config architecture is "${config.architecture}", expected "wasm"`);
  if (config.layerDigests.length !== 1 || config.layerDigests[0] !== artifact.layer.digest) {
    problems.push(`config layerDigests ${JSON.stringify(config.layerDigests)} do not name the layer ${artifact.layer.digest}`);
  }
  if (config.os === 'wasip2') {
    if (layer.kind !== 'component') problems.push('config os is wasip2 but the layer is a core module, not a component');
    else if (config.component === null) problems.push('config os is wasip2 but "component" is null');
    else {
      for (const [field, listed, found] of [['exports', config.component.exports, layer.exports], ['imports', config.component.imports, layer.imports]] as const) {
        if (!sameSet(listed, found)) problems.push(`config component.${field} ${JSON.stringify([...listed].sort())} differ from the layer's ${JSON.stringify([...found].sort())}`);
      }
    }
  } else if (config.os === 'wasip1') {
    if (layer.kind !== 'module') problems.push('config os is wasip1 but the layer is a component');
  } else {
    problems.push(`config os is "${config.os}", expected wasip2 or wasip1`);
  }
  return problems;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}
