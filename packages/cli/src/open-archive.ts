import type { ReadParArchive } from '@par/registry';
import { createRegistryClient, registryDefaults, type RegistryFlags } from './flags/registry-options.js';

/** An archive from a file, or streamed from a registry or layout (inspect and verify take either). */
export async function openArchive(location: string, flags: RegistryFlags): Promise<ReadParArchive> {
  const registry = await import('@par/registry');
  return registry.readParArchive(location, { client: () => createRegistryClient(flags), ...registryDefaults(flags) });
}
