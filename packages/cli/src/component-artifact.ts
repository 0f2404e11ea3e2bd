import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { WasmInterface } from '@par/archive';
import type { ComponentArtifact, ComponentConfig, Descriptor, Manifest, Target } from '@par/registry';
import { CliError } from './errors.js';

/**
 * Components in registries and layouts, for pull, inspect, verify and promote: which kind of
 * artifact a reference names, and a component's layer read (digest-checked) with its config.
 */

export type ArtifactKind = 'par' | 'component';

export interface ArtifactManifest {
  descriptor: Descriptor;
  manifest: Manifest;
  kind: ArtifactKind;
}

/** Resolves a reference and reads its manifest (verified); a component manifest is a component, anything else is taken for a par. */
export async function readArtifactManifest(target: Target, reference: string): Promise<ArtifactManifest> {
  const registry = await import('@par/registry');
  const descriptor = await target.resolve(reference);
  const bytes = await registry.readManifestBytes(target, descriptor);
  const manifest = registry.parseManifest(bytes, descriptor.mediaType);
  return { descriptor, manifest, kind: registry.isComponentManifest(manifest) ? 'component' : 'par' };
}

export interface ReadComponent {
  artifact: ComponentArtifact;
  /** What the layer holds; undefined when it is not readable Wasm (see problems). */
  wasm?: WasmInterface;
  config?: ComponentConfig;
  /** Why it is not a valid component artifact; empty when it is. */
  problems: string[];
}

/**
 * Streams a component's layer through the Wasm reader (nothing goes to disk) and its config,
 * both verified against their digests, and says what is wrong with them. A layer that does not
 * match its digest, or is not Wasm, is a problem, not an exception: promotion reports it as a
 * refusal.
 */
export async function readComponentArtifact(target: Target, artifactManifest: ArtifactManifest, display: string): Promise<ReadComponent> {
  const registry = await import('@par/registry');
  const archive = await import('@par/archive');
  const artifact = registry.checkComponentManifest(artifactManifest.manifest, display);
  const result: ReadComponent = { artifact, problems: [] };
  if (artifact.config.mediaType === registry.WASM_CONFIG_MEDIA_TYPE) {
    try {
      result.config = registry.parseComponentConfig(await registry.readManifestBytes(target, artifact.config), `the config of ${display}`);
    } catch (error) {
      if (!isKind(error, 'invalid', 'verification')) throw error;
      result.problems.push((error as Error).message);
    }
  }
  try {
    const layer = registry.createVerifier(artifact.layer, { reference: `${display} layer ${artifact.layer.digest}` });
    // pipeline, not pipe: a download that fails (its own digest check) must fail the reader, not the process.
    pipeline(await target.fetch(artifact.layer), layer, () => undefined);
    result.wasm = await archive.readWasm(layer, { what: `the layer of ${display}` });
  } catch (error) {
    if (!isKind(error, 'invalid', 'verification')) throw error;
    result.problems.push((error as Error).message);
    return result;
  }
  result.problems.push(...registry.componentArtifactProblems(artifact, result.wasm, result.config));
  return result;
}

/** The Wasm kind a file's first 8 bytes announce, or undefined when it is not Wasm (a par, say). */
export async function sniffWasm(file: string): Promise<'component' | 'module' | undefined> {
  const archive = await import('@par/archive');
  let head: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      head = Buffer.alloc(archive.PREAMBLE_SIZE);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'not_found');
  }
  const preamble = archive.readPreamble(head);
  return typeof preamble === 'string' ? undefined : preamble.kind;
}

function isKind(error: unknown, ...kinds: string[]): boolean {
  return typeof error === 'object' && error !== null && kinds.includes(String((error as { kind?: unknown }).kind));
}
