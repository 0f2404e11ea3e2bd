import { pipeline, type Readable } from 'node:stream';
import { readManifestBytes } from '../content/copy.js';
import { consumeWhole } from '../content/inspect-stream.js';
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
  /**
   * Reads the layer with `consume` (e.g. the archive reader), the whole layer always: a layer that
   * does not match its digest fails as such, whatever `consume` made of it first.
   */
  read<T>(consume: (bytes: Readable) => Promise<T>): Promise<T>;
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
  // pipeline, not pipe: a failing source (a broken connection, a missing blob) must fail the
  // verifier its reader waits on, not become an uncaught 'error' event.
  const open = async (): Promise<Readable> => {
    const verifier = createVerifier(layer, { reference: `${display} layer ${layer.digest}` });
    pipeline(await target.fetch(layer), verifier, () => {
      // Errors surface on the verifier, which the caller reads.
    });
    return verifier;
  };
  return { manifest, layer, open, read: async (consume) => consumeWhole(await open(), consume) };
}
