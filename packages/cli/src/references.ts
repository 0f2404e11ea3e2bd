import type { Reference } from '@par/registry';
import { CliError } from './errors.js';
import { defaultRegistry, type RegistryFlags } from './registry-options.js';

/**
 * Parses a registry reference for a push or pull, refusing the `latest` tag unless allowed —
 * the same safety wash and the wasmCloud host have (`--allow-latest`).
 */
export async function parseTransferReference(input: string, flags: RegistryFlags & { 'allow-latest'?: boolean }): Promise<Reference> {
  const registry = await import('@par/registry');
  const host = defaultRegistry(flags);
  const reference = registry.parseReference(input, host ? { defaultRegistry: host } : {});
  if (reference.digest === undefined && (reference.tag ?? 'latest') === 'latest' && !flags['allow-latest']) {
    throw new CliError(`${input} uses the tag "latest"; name a version tag or pass --allow-latest`, 'invalid');
  }
  return reference;
}
