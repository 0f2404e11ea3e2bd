import { stat } from 'node:fs/promises';
import type { ArchiveContents } from '@par/archive';
import { CliError } from './errors.js';
import { findParLayer } from './par-artifact.js';
import { openTarget } from './targets.js';
import { createRegistryClient, type RegistryFlags } from './registry-options.js';

export interface OpenedArchive {
  contents: ArchiveContents;
  /** The manifest digest when the archive came from a registry. */
  digest?: string;
}

/**
 * Reads an archive from a file, or streams it from a registry when the argument is not a file:
 * the archive is hashed while it downloads and nothing is written to disk.
 */
export async function openArchive(location: string, flags: RegistryFlags): Promise<OpenedArchive> {
  const archive = await import('@par/archive');
  if (await isFile(location)) return { contents: await archive.readArchive(location) };
  if (looksLikePath(location)) throw new CliError(`no such file: ${location}`, 'not_found');
  const client = await createRegistryClient(flags);
  try {
    const { target, reference, display } = await openTarget(location, client, flags, 'source');
    const par = await findParLayer(target, reference, display);
    return { contents: await archive.readArchive(await par.open()), digest: par.manifest.digest };
  } finally {
    await client.close();
  }
}

/** A missing file should say so, not be taken for a Docker Hub repository called `x.par`. */
function looksLikePath(location: string): boolean {
  return /^\.{0,2}\//.test(location) || /\.(par|par\.gz|tar|gz)$/.test(location);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
