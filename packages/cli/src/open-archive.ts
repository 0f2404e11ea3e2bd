import { stat } from 'node:fs/promises';
import type { ReadParArchive } from '@par/registry';
import { createRegistryClient, registryDefaults, type RegistryFlags } from './registry-options.js';

/** An archive from a file, or streamed from a registry or layout (inspect and verify take either). */
export async function openArchive(location: string, flags: RegistryFlags): Promise<ReadParArchive> {
  // A local file needs the archive library only: the registry library brings its HTTP client
  // (undici, TLS, HTTP/2, child processes for credential helpers), ~40 ms of loading for nothing.
  if (await isFile(location)) {
    const archive = await import('@par/archive');
    return { contents: await archive.readArchive(location) };
  }
  const registry = await import('@par/registry');
  return registry.readParArchive(location, { client: () => createRegistryClient(flags), ...registryDefaults(flags) });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
