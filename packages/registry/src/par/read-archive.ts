import { stat } from 'node:fs/promises';
import type { ArchiveContents } from '@par/archive';
import { RegistryError } from '../oci/errors.js';
import type { RegistryClient } from '../remote/client.js';
import { fileKind } from './file-kind.js';
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
  if ((await fileOrReference(location, options.defaultRegistry)) === 'file') return { contents: await archive.readArchive(location) };
  const client = await options.client();
  try {
    const opened = await openLocation(location, {
      client,
      role: 'source',
      ...(options.defaultRegistry === undefined ? {} : { defaultRegistry: options.defaultRegistry }),
    });
    const par = await findParLayer(opened.target, opened.reference, opened.display);
    return { contents: await par.read((bytes) => archive.readArchive(bytes)), digest: par.manifest.digest };
  } finally {
    await client.close();
  }
}

/**
 * Is the location an existing regular file, or a reference? A directory, FIFO or device is
 * refused as not a regular file; a missing path-like name is "no such file", not a Docker Hub
 * repository called `x.par`; a bare word with no registry to default to says both things tried.
 */
export async function fileOrReference(location: string, defaultRegistry: string | undefined): Promise<'file' | 'reference'> {
  const stats = await stat(location).catch(() => undefined);
  if (stats?.isFile()) return 'file';
  const refuse = (message: string, kind: 'invalid' | 'not_found'): never => {
    throw new RegistryError(message, { kind, operation: 'read archive', reference: location });
  };
  if (stats !== undefined) refuse(`${location} is not a regular file (it is ${fileKind(stats)})`, 'invalid');
  if (/^\.{0,2}\//.test(location) || /\.(par|par\.gz|tar|gz|wasm)$/.test(location)) refuse(`no such file: ${location}`, 'not_found');
  if (!location.includes('/') && !location.startsWith('oci:') && defaultRegistry === undefined) {
    refuse(`${location} is neither a file here nor a registry reference (a reference names its registry: registry.example.com/${location}:TAG, or pass --registry)`, 'not_found');
  }
  return 'reference';
}
