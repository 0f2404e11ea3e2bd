import { basename } from 'node:path';
import type { WasmInterface } from '@par/archive';
import { copy } from '../content/copy.js';
import type { Descriptor } from '../oci/descriptor.js';
import { RegistryError } from '../oci/errors.js';
import type { Manifest } from '../oci/manifest.js';
import type { Reference } from '../oci/reference.js';
import type { RegistryRepository } from '../remote/repository.js';
import { ComponentFileSink } from './component-file.js';
import { checkComponentManifest, componentArtifactProblems, parseComponentConfig, type ComponentLayout } from './component-manifest.js';
import { WASM_CONFIG_MEDIA_TYPE } from './component-media-types.js';

export interface PullComponentOptions {
  repository: RegistryRepository;
  reference: Reference;
  /** The manifest, fetched and verified, and its descriptor. */
  manifest: Manifest;
  descriptor: Descriptor;
  /** Names the artifact in messages. */
  display: string;
  /** Output file; default `<last repository segment>.wasm`. */
  file?: string;
  /** Check that the bytes are Wasm of the kind the config says and agree with it (digests are always checked). */
  verify?: boolean;
  onLayer?: (layer: Descriptor) => void | Promise<void>;
  onProgress?: (bytes: number) => void;
}

export interface PulledComponentFile {
  file: string;
  layer: Descriptor;
  layout: ComponentLayout;
  /** What the layer holds (absent with verify off). */
  wasm?: WasmInterface;
}

/**
 * Pulls a component to a `.wasm` file: the layer is digest-checked and read as Wasm while it is
 * written, the config is digest-checked; a layer that is not what its config says is removed again
 * and reported as a verification failure.
 */
export async function pullComponentFile(options: PullComponentOptions): Promise<PulledComponentFile> {
  const archive = await import('@par/archive');
  const { display } = options;
  const artifact = checkComponentManifest(options.manifest, display);
  const file = options.file ?? `${basename(options.reference.repository)}.wasm`;
  const verify = options.verify !== false;
  await options.onLayer?.(artifact.layer);
  let wasm: WasmInterface | undefined;
  const inspect = async (bytes: AsyncIterable<Uint8Array>) => {
    try {
      wasm = await archive.readWasm(bytes, { what: `the pulled layer of ${display}` });
    } catch (error) {
      if (error instanceof archive.ArchiveError) throw failed(`${error.message}; nothing was written`, display);
      throw error;
    }
  };
  const sink = new ComponentFileSink(file, verify ? { inspect } : {});
  await copy(options.repository, options.descriptor.digest, sink, undefined, options.onProgress === undefined ? {} : { onProgress: options.onProgress });
  let config;
  if (sink.config !== undefined && artifact.config.mediaType === WASM_CONFIG_MEDIA_TYPE) {
    try {
      config = parseComponentConfig(sink.config, `the config of ${display}`);
    } catch (error) {
      if (verify) {
        await sink.discard();
        throw failed(`${(error as Error).message}; nothing was written`, display);
      }
    }
  }
  if (wasm !== undefined) {
    const problems = componentArtifactProblems(artifact, wasm, config);
    if (problems.length > 0) {
      await sink.discard();
      throw failed(`${display} does not verify: ${problems.join('; ')}; nothing was written`, display);
    }
  }
  return { file, layer: artifact.layer, layout: artifact.layout, ...(wasm === undefined ? {} : { wasm }) };
}

function failed(message: string, reference: string): RegistryError {
  return new RegistryError(message, { kind: 'verification', operation: 'pull', reference });
}
