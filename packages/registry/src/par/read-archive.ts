import { stat } from 'node:fs/promises';
import type { ArchiveContents } from '@par/archive';
import { RegistryError } from '../oci/errors.js';
import type { RegistryClient } from '../remote/client.js';
import { findParLayer } from './find-par.js';
import { openLocation } from './locations.js';

export interface ReadParArchiveOptions {
  /** Builds a client when the location is not a file; it is closed afterwards. */
  client: () => Promise<RegistryClient>;
  defaultRegistry?: string;
}

export interface ReadParArchive {
  contents: ArchiveContents;
  /** The manifest digest, when the archive came from a registry or a layout. */
  digest?: string;
}

/**
 * Reads an archive from a file, or streams it from a registry or layout when the location is not
 * a file: the archive is hashed while it downloads and nothing is written to disk.
 */
export async function readParArchive(location: string, options: ReadParArchiveOptions): Promise<ReadParArchive> {
  const archive = await import('@par/archive');
  if (await isFile(location)) return { contents: await archive.readArchive(location) };
  if (looksLikePath(location)) throw new RegistryError(`no such file: ${location}`, { kind: 'not_found', operation: 'read archive', reference: location });
  const client = await options.client();
  try {
    const opened = await openLocation(location, {
      client,
      role: 'source',
      ...(options.defaultRegistry === undefined ? {} : { defaultRegistry: options.defaultRegistry }),
    });
    const par = await findParLayer(opened.target, opened.reference, opened.display);
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
