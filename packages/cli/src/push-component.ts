import type { WasmInterface } from '@par/archive';
import type { Descriptor, RegistryRepository } from '@par/registry';
import { CliError } from './errors.js';

export interface PushComponentOptions {
  file: string;
  destination: RegistryRepository;
  /** Tag or digest to push the manifest under. */
  reference: string;
  annotations: Record<string, string>;
  /** Push a core module in the wasip1 form (wash refuses core modules). */
  wasip1: boolean;
  onProgress: (bytes: number) => void;
}

export interface PushedComponent {
  manifest: Descriptor;
  layer: Descriptor;
  config: Descriptor;
  wasm: WasmInterface;
  uploadedBytes: number;
  skipped: number;
  mounted: number;
}

/**
 * Pushes a `.wasm` file as wash does: one read checks that it is a component, lists its world and
 * hashes it; then the config, the layer and the manifest go up (blobs the registry has are skipped).
 * A core module is refused unless the wasip1 form is asked for.
 */
export async function pushComponentFile(options: PushComponentOptions): Promise<PushedComponent> {
  const archive = await import('@par/archive');
  const registry = await import('@par/registry');
  const wasm = await archive.readWasm(options.file, { what: options.file });
  if (wasm.kind === 'module' && !options.wasip1) {
    throw new CliError(`refusing to push ${options.file}: it is a core Wasm module, not a component (wash pushes components only; --wasip1 pushes it in the wasip1 form)`, 'invalid');
  }
  if (wasm.kind === 'component' && options.wasip1) {
    throw new CliError(`${options.file} is a Wasm component; --wasip1 is for core modules`, 'invalid');
  }
  const source = registry.ComponentFileSource.fromFile(
    options.file,
    { digest: wasm.digest, size: wasm.size },
    wasm.kind === 'component'
      ? { os: 'wasip2', world: { exports: wasm.exports, imports: wasm.imports }, annotations: options.annotations }
      : { os: 'wasip1', annotations: options.annotations },
  );
  const result = await registry.copy(source, source.manifest.digest, options.destination, options.reference, { onProgress: options.onProgress });
  return {
    manifest: result.descriptor,
    layer: source.manifest.layer,
    config: source.manifest.config.descriptor,
    wasm,
    uploadedBytes: result.bytes,
    skipped: result.skipped,
    mounted: result.mounted,
  };
}
