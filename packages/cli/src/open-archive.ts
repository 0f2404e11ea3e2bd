import type { InspectedComponent, InspectedPar } from '@par/registry';
import { createRegistryClient, registryDefaults, type RegistryFlags } from './registry-options.js';

/** An archive or a Wasm component from a file, or streamed from a registry or layout (inspect and verify take either). */
export async function openArchive(location: string, flags: RegistryFlags): Promise<InspectedComponent | InspectedPar> {
  const registry = await import('@par/registry');
  return registry.readInspectable(location, { client: () => createRegistryClient(flags), ...registryDefaults(flags) });
}
