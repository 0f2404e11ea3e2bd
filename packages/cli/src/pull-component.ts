import type { WasmInterface } from '@par/archive';
import type { ComponentArtifact, ComponentConfig, Manifest, RegistryRepository } from '@par/registry';
import { CliError } from './errors.js';

export interface PullComponentOptions {
  repository: RegistryRepository;
  /** The manifest, fetched and verified, and its digest. */
  manifest: Manifest;
  manifestDigest: string;
  /** Names the artifact in messages. */
  display: string;
  destination: string;
  /** Check that the bytes are a component and agree with the config (the digest is always checked). */
  verify: boolean;
  onProgress: (bytes: number) => void;
}

export interface PulledComponent {
  artifact: ComponentArtifact;
  wasm?: WasmInterface;
  config?: ComponentConfig;
}

/**
 * Pulls a component to a `.wasm` file: the layer is digest-checked and read as Wasm while it is
 * written, the config is digest-checked; a layer that is not a component (or disagrees with its
 * config) is removed again and reported as a verification failure.
 */
export async function pullComponentFile(options: PullComponentOptions): Promise<PulledComponent> {
  const archive = await import('@par/archive');
  const registry = await import('@par/registry');
  const artifact = registry.checkComponentManifest(options.manifest, options.display);
  let wasm: WasmInterface | undefined;
  const inspect = async (bytes: AsyncIterable<Uint8Array>) => {
    try {
      wasm = await archive.readWasm(bytes, { what: `the pulled layer of ${options.display}` });
    } catch (error) {
      if (error instanceof archive.ArchiveError) throw new CliError(`${error.message}; nothing was written`, 'verification');
      throw error;
    }
  };
  const sink = new registry.ComponentFileSink(options.destination, options.verify ? { inspect } : {});
  await registry.copy(options.repository, options.manifestDigest, sink, undefined, { onProgress: options.onProgress });
  const result: PulledComponent = { artifact };
  if (sink.config !== undefined && artifact.config.mediaType === registry.WASM_CONFIG_MEDIA_TYPE) {
    try {
      result.config = registry.parseComponentConfig(sink.config, `the config of ${options.display}`);
    } catch (error) {
      if (options.verify) {
        await sink.discard();
        throw new CliError(`${(error as Error).message}; nothing was written`, 'verification');
      }
    }
  }
  if (wasm !== undefined) {
    result.wasm = wasm;
    const problems = registry.componentArtifactProblems(artifact, wasm, result.config);
    if (problems.length > 0) {
      await sink.discard();
      throw new CliError(`${options.display} does not verify: ${problems.join('; ')}; nothing was written`, 'verification');
    }
  }
  return result;
}
