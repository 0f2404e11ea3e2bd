import { pipeline, type Readable } from 'node:stream';
import { readManifestBytes } from '../content/copy.js';
import type { Target } from '../content/target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { createVerifier } from '../oci/digest.js';
import { parseManifest } from '../oci/manifest.js';
import { checkParManifest } from './par-file.js';

export interface ParLayer {
  /** The manifest the reference resolved to. */
  manifest: Descriptor;
  /** The par layer it names. */
  layer: Descriptor;
  /** The layer's bytes, verified against its digest and size as they flow. */
  open(): Promise<Readable>;
}

/**
 * Finds the provider archive an artifact holds, in a registry or an OCI layout alike: resolves the
 * reference, reads and verifies the manifest, and refuses anything that is not a par artifact
 * before a byte of the layer is read. `display` names the artifact in that refusal.
 */
export async function findParLayer(target: Target, reference: string, display: string = reference): Promise<ParLayer> {
  const manifest = await target.resolve(reference);
  const bytes = await readManifestBytes(target, manifest);
  const layer = checkParManifest(parseManifest(bytes, manifest.mediaType), display);
  return {
    manifest,
    layer,
    open: async () => {
      const verified = createVerifier(layer, { reference: `${display} layer ${layer.digest}` });
      // pipeline, not pipe: a download that fails its own digest check must fail the reader, not the process.
      pipeline(await target.fetch(layer), verified, () => undefined);
      return verified;
    },
  };
}
