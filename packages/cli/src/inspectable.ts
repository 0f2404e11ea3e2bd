import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ArchiveContents, WasmInterface } from '@par/archive';
import type { ComponentLayout, ComponentConfig } from '@par/registry';
import { readArtifactManifest, readComponentArtifact, sniffWasm } from './component-artifact.js';
import { CliError } from './errors.js';
import { findParLayer } from './par-artifact.js';
import { openTarget } from './targets.js';
import { createRegistryClient, type RegistryFlags } from './registry-options.js';

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
  problems: string[];
}

export interface InspectedPar {
  type: 'par';
  contents: ArchiveContents;
  digest?: string;
}

/**
 * Opens what `par inspect|verify ARG` names: a `.wasm` file (told by its preamble), a par file, or
 * a reference whose manifest says which of the two it holds. Layers stream; nothing is written.
 */
export async function openInspectable(location: string, flags: RegistryFlags): Promise<InspectedComponent | InspectedPar> {
  if (await isFile(location)) {
    const archive = await import('@par/archive');
    if ((await sniffWasm(location)) === undefined) return { type: 'par', contents: await archive.readArchive(location) };
    try {
      return { type: 'component', name: basename(location), wasm: await archive.readWasm(location, { what: location }), problems: [] };
    } catch (error) {
      if (error instanceof archive.ArchiveError && error.kind === 'invalid') return { type: 'component', name: basename(location), problems: [error.message] };
      throw error;
    }
  }
  // A missing file should say so, not be taken for a Docker Hub repository called `x.wasm`.
  if (/^\.{0,2}\//.test(location) || /\.(par|par\.gz|tar|gz|wasm)$/.test(location)) throw new CliError(`no such file: ${location}`, 'not_found');
  const client = await createRegistryClient(flags);
  try {
    const { target, reference, display } = await openTarget(location, client, flags, 'source');
    const artifact = await readArtifactManifest(target, reference);
    if (artifact.kind === 'par') {
      const archive = await import('@par/archive');
      const par = await findParLayer(target, artifact.descriptor.digest, display);
      return { type: 'par', contents: await archive.readArchive(await par.open()), digest: artifact.descriptor.digest };
    }
    const read = await readComponentArtifact(target, artifact, display);
    return {
      type: 'component',
      name: display,
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

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
