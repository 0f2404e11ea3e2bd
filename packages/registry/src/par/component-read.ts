import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { WasmInterface } from '@par/archive';
import { readManifestBytes } from '../content/copy.js';
import type { Target } from '../content/target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { createVerifier } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { parseManifest, type Manifest } from '../oci/manifest.js';
import { checkComponentManifest, componentArtifactProblems, isComponentManifest, parseComponentConfig, type ComponentArtifact, type ComponentConfig } from './component-manifest.js';
import { WASM_CONFIG_MEDIA_TYPE } from './component-media-types.js';

/** What an artifact holds: a provider archive, or a Wasm component (or module). */
export type ArtifactKind = 'par' | 'component';

export interface ArtifactManifest {
  descriptor: Descriptor;
  manifest: Manifest;
  kind: ArtifactKind;
}

/** Resolves a reference and reads its manifest (verified); a component manifest is a component, anything else is taken for a par. */
export async function readArtifactManifest(target: Target, reference: string): Promise<ArtifactManifest> {
  const descriptor = await target.resolve(reference);
  const manifest = parseManifest(await readManifestBytes(target, descriptor), descriptor.mediaType);
  return { descriptor, manifest, kind: isComponentManifest(manifest) ? 'component' : 'par' };
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
 * Streams a component's layer through the Wasm reader (nothing goes to disk) and reads its config,
 * both verified against their digests, and says what is wrong with them. A layer that does not
 * match its digest, or is not Wasm, is a problem, not an exception: promotion reports it as a refusal.
 */
export async function readComponentArtifact(target: Target, artifactManifest: ArtifactManifest, display: string): Promise<ReadComponent> {
  const archive = await import('@par/archive');
  const artifact = checkComponentManifest(artifactManifest.manifest, display);
  const result: ReadComponent = { artifact, problems: [] };
  if (artifact.config.mediaType === WASM_CONFIG_MEDIA_TYPE) {
    try {
      result.config = parseComponentConfig(await readManifestBytes(target, artifact.config), `the config of ${display}`);
    } catch (error) {
      if (!isKind(error, 'invalid', 'verification')) throw error;
      result.problems.push((error as Error).message);
    }
  }
  try {
    const layer = createVerifier(artifact.layer, { reference: `${display} layer ${artifact.layer.digest}` });
    // pipeline, not pipe: a download that fails (its own digest check) must fail the reader, not the process.
    pipeline(await target.fetch(artifact.layer), layer, () => undefined);
    result.wasm = await archive.readWasm(layer, { what: `the layer of ${display}` });
  } catch (error) {
    if (!isKind(error, 'invalid', 'verification')) throw error;
    result.problems.push((error as Error).message);
    return result;
  }
  result.problems.push(...componentArtifactProblems(artifact, result.wasm, result.config));
  return result;
}

/** The Wasm kind a file's first 8 bytes announce, or undefined when it is not Wasm (a par, say). */
export async function sniffWasmFile(file: string): Promise<'component' | 'module' | undefined> {
  const archive = await import('@par/archive');
  const head = Buffer.alloc(archive.PREAMBLE_SIZE);
  let bytesRead: number;
  try {
    const handle = await open(file, 'r');
    try {
      ({ bytesRead } = await handle.read(head, 0, head.length, 0));
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RegistryError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`, { kind: code === 'ENOENT' ? 'not_found' : 'failure', operation: 'read file', reference: file });
  }
  const preamble = archive.readPreamble(head.subarray(0, bytesRead));
  return typeof preamble === 'string' ? undefined : preamble.kind;
}

function isKind(error: unknown, ...kinds: string[]): boolean {
  return typeof error === 'object' && error !== null && kinds.includes(String((error as { kind?: unknown }).kind));
}
