import { basename } from 'node:path';
import type { ArchiveContents, WasmInterface } from '@par/archive';
import type { RegistryClient } from '../remote/client.js';
import type { ComponentConfig, ComponentLayout } from './component-manifest.js';
import { readArtifactManifest, readComponentArtifact, sniffWasmFile } from './component-read.js';
import { findParLayer } from './find-par.js';
import { fileOrReference } from './read-archive.js';
import { openLocation } from './locations.js';

/** A component as `par inspect` and `par verify` see it: from a `.wasm` file or a reference. */
export interface InspectedComponent {
  type: 'component';
  /** File name or reference, for titles. */
  name: string;
  wasm?: WasmInterface;
  /** From a registry or layout: the manifest digest, the layout and the config. */
  digest?: string;
  layout?: ComponentLayout;
  layer?: { digest: string; size: number };
  config?: ComponentConfig;
  /** Why it is not a valid component (artifact); empty when it is. */
  problems: string[];
}

export interface InspectedPar {
  type: 'par';
  contents: ArchiveContents;
  /** The manifest digest, when the archive came from a registry or a layout. */
  digest?: string;
}

export interface ReadInspectableOptions {
  /** Builds a client when the location is not a file; it is closed afterwards. */
  client: () => Promise<RegistryClient>;
  defaultRegistry?: string;
}

/**
 * Opens what `par inspect|verify ARG` names: a `.wasm` file (told by its preamble), a par file, or
 * a registry reference or layout whose manifest says which of the two it holds. Layers stream;
 * nothing is written.
 */
export async function readInspectable(location: string, options: ReadInspectableOptions): Promise<InspectedComponent | InspectedPar> {
  const archive = await import('@par/archive');
  if ((await fileOrReference(location, options.defaultRegistry)) === 'file') {
    if ((await sniffWasmFile(location)) === undefined) return { type: 'par', contents: await archive.readArchive(location) };
    try {
      return { type: 'component', name: basename(location), wasm: await archive.readWasm(location, { what: location }), problems: [] };
    } catch (error) {
      if (error instanceof archive.ArchiveError && error.kind === 'invalid') return { type: 'component', name: basename(location), problems: [error.message] };
      throw error;
    }
  }
  const client = await options.client();
  try {
    const opened = await openLocation(location, { client, role: 'source', ...(options.defaultRegistry === undefined ? {} : { defaultRegistry: options.defaultRegistry }) });
    const artifact = await readArtifactManifest(opened.target, opened.reference);
    if (artifact.kind === 'par') {
      const par = await findParLayer(opened.target, artifact.descriptor.digest, opened.display);
      return { type: 'par', contents: await par.read((bytes) => archive.readArchive(bytes)), digest: artifact.descriptor.digest };
    }
    const read = await readComponentArtifact(opened.target, artifact, opened.display);
    return {
      type: 'component',
      name: opened.display,
      ...(read.wasm ? { wasm: read.wasm } : {}),
      digest: artifact.descriptor.digest,
      layout: read.artifact.layout,
      layer: { digest: read.artifact.layer.digest, size: read.artifact.layer.size },
      ...(read.config ? { config: read.config } : {}),
      problems: read.problems,
    };
  } finally {
    await client.close();
  }
}

