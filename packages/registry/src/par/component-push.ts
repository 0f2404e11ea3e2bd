import type { WasmInterface } from '@par/archive';
import { copy } from '../content/copy.js';
import type { Descriptor } from '../oci/descriptor.js';
import { RegistryError } from '../oci/errors.js';
import { DEFAULT_TAG, formatReference, manifestReference, type Reference } from '../oci/reference.js';
import type { RegistryClient } from '../remote/client.js';
import { ComponentFileSource } from './component-file.js';

export interface PushComponentFileOptions {
  client: RegistryClient;
  /** Where to push (see parseParReference); its tag or digest names the manifest. */
  reference: Reference;
  file: string;
  annotations?: Record<string, string>;
  /** Push a core module in the wasip1 form (wash refuses core modules). */
  wasip1?: boolean;
  onProgress?: (bytes: number) => void;
}

export interface PushedComponentFile {
  reference: string;
  tag: string;
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
 * hashes it; then the layer, the config and the manifest go up (blobs the registry has are
 * skipped). A core module is refused unless the wasip1 form is asked for.
 */
export async function pushComponentFile(options: PushComponentFileOptions): Promise<PushedComponentFile> {
  const archive = await import('@par/archive');
  const { file, reference } = options;
  const wasm = await archive.readWasm(file, { what: file });
  const refuse = (message: string): never => {
    throw new RegistryError(message, { kind: 'invalid', operation: 'push', reference: file });
  };
  if (wasm.kind === 'module' && options.wasip1 !== true) {
    refuse(`refusing to push ${file}: it is a core Wasm module, not a component (wash pushes components only; --wasip1 pushes it in the wasip1 form)`);
  }
  if (wasm.kind === 'component' && options.wasip1 === true) refuse(`${file} is a Wasm component; --wasip1 is for core modules`);
  const annotations = options.annotations ?? {};
  const source = ComponentFileSource.fromFile(
    file,
    { digest: wasm.digest, size: wasm.size },
    wasm.kind === 'component' ? { os: 'wasip2', world: { exports: wasm.exports, imports: wasm.imports }, annotations } : { os: 'wasip1', annotations },
  );
  const result = await copy(source, source.manifest.digest, options.client.repository(reference), manifestReference(reference), options.onProgress === undefined ? {} : { onProgress: options.onProgress });
  return {
    reference: formatReference(reference),
    tag: reference.tag ?? DEFAULT_TAG,
    manifest: result.descriptor,
    layer: source.manifest.layer,
    config: source.manifest.config.descriptor,
    wasm,
    uploadedBytes: result.bytes,
    skipped: result.skipped,
    mounted: result.mounted,
  };
}
