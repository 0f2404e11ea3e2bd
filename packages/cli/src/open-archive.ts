import { open, stat } from 'node:fs/promises';
import type { InspectedComponent, InspectedPar } from '@par/registry';
import { createRegistryClient, registryDefaults, type RegistryFlags } from './flags/registry-options.js';

/** An archive or a Wasm component from a file, or streamed from a registry or layout (inspect and verify take either). */
export async function openArchive(location: string, flags: RegistryFlags): Promise<InspectedComponent | InspectedPar> {
  // A local provider archive needs the archive library only: the registry library brings its HTTP
  // client (undici, TLS, HTTP/2, child processes for credential helpers), ~40 ms of loading for nothing.
  if ((await isFile(location)) && !(await startsLikeWasm(location))) {
    const archive = await import('@par/archive');
    return { type: 'par', contents: await archive.readArchive(location) };
  }
  const registry = await import('@par/registry');
  return registry.readInspectable(location, { client: () => createRegistryClient(flags), ...registryDefaults(flags) });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** `\0asm`: a Wasm module or component, which the registry library's reader tells apart. */
async function startsLikeWasm(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await file.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.toString('latin1') === '\0asm';
  } finally {
    await file.close();
  }
}
