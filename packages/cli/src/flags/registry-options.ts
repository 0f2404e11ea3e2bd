import type { Options } from 'yargs';
import type { RegistryClient, UploadStrategy } from '@par/registry';
import { CliError } from '../errors.js';
import { notice } from '../render/output.js';
import { settings } from '../settings.js';
import { rememberSecret } from '../safe-text.js';
import { interruption } from '../interruption.js';

/** Authentication and transport flags every registry command shares (names as wash and skopeo users know them). */
export interface RegistryFlags {
  user?: string;
  password?: string;
  insecure: boolean;
  'insecure-skip-tls-verify': boolean;
  'ca-file'?: string;
  'cert-file'?: string;
  'key-file'?: string;
  registry?: string;
  timeout?: number;
  debug: boolean;
}

export const registryFlags = {
  user: { alias: 'u', type: 'string', describe: 'Registry user (env WASH_REG_USER)' },
  password: { alias: 'p', type: 'string', describe: 'Registry password (env WASH_REG_PASSWORD)' },
  insecure: { type: 'boolean', default: false, describe: 'Use plain HTTP' },
  'insecure-skip-tls-verify': { type: 'boolean', default: false, describe: 'Accept any TLS certificate' },
  'ca-file': { type: 'string', describe: 'Extra CA certificates (PEM) to trust' },
  'cert-file': { type: 'string', describe: 'Client certificate (PEM) for registries that require one (also read: ~/.docker/certs.d/<host>/client.cert)' },
  'key-file': { type: 'string', describe: 'Key (PEM) of the client certificate' },
  registry: { type: 'string', describe: 'Default registry for references without one (env WASH_REG_URL)' },
  timeout: {
    type: 'number',
    describe: 'Seconds to wait on a stalled registry, storage or token server: to connect, for an answer, within one (default 30; env PAR_TIMEOUT)',
  },
  debug: { type: 'boolean', default: false, describe: 'Log each registry request (method, URL, status; never credentials)' },
} as const satisfies Record<string, Options>;

/** Credentials that differ between the source and destination of a copy (as skopeo's --src-creds/--dest-creds). */
export interface TransferCredentialFlags {
  'src-creds'?: string;
  'dest-creds'?: string;
}

export const transferCredentialFlags = {
  'src-creds': { type: 'string', describe: 'USER:PASSWORD for the source registry (env PAR_SRC_CREDS)' },
  'dest-creds': { type: 'string', describe: 'USER:PASSWORD for the destination registry (env PAR_DEST_CREDS)' },
} as const satisfies Record<string, Options>;

/** Which registry hosts a command reads from and writes to, so per-side credentials go to the right one. */
export interface TransferHosts {
  sources: Set<string>;
  destinations: Set<string>;
}

export interface UploadFlags {
  /** Upload strategy per API host (monolithic, or chunked with a chunk size). */
  uploadStrategy?: Record<string, UploadStrategy>;
}

/**
 * Builds a registry client from the flags: credentials per registry host (destination credentials,
 * then source credentials, then --user/--password or WASH_REG_USER/WASH_REG_PASSWORD, then Docker
 * and Podman config, then anonymous), TLS options, and a request log with --debug.
 */
export async function createRegistryClient(
  flags: RegistryFlags & Partial<TransferCredentialFlags> & UploadFlags,
  hosts: TransferHosts = { sources: new Set(), destinations: new Set() },
): Promise<RegistryClient> {
  const registry = await import('@par/registry');
  const username = flags.user;
  const password = flags.password;
  const sourceCreds = splitCreds(flags['src-creds'] ?? settings().sourceCredentials, '--src-creds');
  const destinationCreds = splitCreds(flags['dest-creds'] ?? settings().destinationCredentials, '--dest-creds');
  const timeoutMs = timeoutOf(flags);
  for (const credential of [sourceCreds, destinationCreds]) rememberSecret(credential?.username, credential?.password);
  rememberSecret(username ?? settings().user, password ?? settings().password);
  return new registry.RegistryClient({
    timeoutMs,
    signal: interruption,
    timeoutHint: 'set --timeout SECONDS or PAR_TIMEOUT to wait longer',
    credentials: async (host: string) => {
      if (destinationCreds && hosts.destinations.has(host)) return destinationCreds;
      if (sourceCreds && hosts.sources.has(host)) return sourceCreds;
      const credential = await registry.resolveCredential(host, {
        ...(username !== undefined ? { username } : {}),
        ...(password !== undefined ? { password } : {}),
        onWarning: (message: string) => notice(`warning: ${message}`),
      });
      // Stored ones too (Docker config, helpers): a registry may quote them back in an error.
      if (credential !== undefined) {
        if ('identityToken' in credential) rememberSecret(undefined, credential.identityToken);
        else rememberSecret(credential.username, credential.password);
      }
      return credential;
    },
    ...(flags.uploadStrategy !== undefined ? { uploadStrategy: flags.uploadStrategy } : {}),
    insecure: flags.insecure,
    insecureSkipTlsVerify: flags['insecure-skip-tls-verify'],
    ...(flags['ca-file'] !== undefined ? { caFile: flags['ca-file'] } : {}),
    ...(flags['cert-file'] !== undefined ? { certFile: flags['cert-file'] } : {}),
    ...(flags['key-file'] !== undefined ? { keyFile: flags['key-file'] } : {}),
    onWarning: (message: string) => notice(`warning: ${message}`),
    ...(flags.debug ? { onRequest: (info: { method: string; url: string; status?: number }) => notice(`${info.method} ${info.url} ${info.status ?? ''}`) } : {}),
  });
}

/** `--timeout`, else `PAR_TIMEOUT`, else the library's default (30 s); in milliseconds. */
function timeoutOf(flags: RegistryFlags): number | undefined {
  const given = flags.timeout ?? settings().timeout;
  if (given === undefined) return undefined;
  const source = flags.timeout !== undefined ? '--timeout' : 'PAR_TIMEOUT';
  if (!Number.isFinite(given) || given <= 0 || given > 86_400) throw new CliError(`${source} must be a number of seconds between 0 and 86400`);
  return Math.round(given * 1000);
}

function splitCreds(value: string | undefined, flag: string): { username: string; password: string } | undefined {
  if (value === undefined || value === '') return undefined;
  const colon = value.indexOf(':');
  if (colon <= 0) throw new CliError(`${flag} must be USER:PASSWORD`);
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** The default registry for references that name none: `--registry`, then `WASH_REG_URL`. */
export function defaultRegistry(flags: RegistryFlags): string | undefined {
  return flags.registry ?? settings().defaultRegistry;
}

/** The registry hosts that source and destination locations name, for per-side credentials. */
export async function transferHosts(sources: string[], destinations: string[], flags: RegistryFlags): Promise<TransferHosts> {
  const registry = await import('@par/registry');
  const host = defaultRegistry(flags);
  return { sources: registry.registryHostsOf(sources, host), destinations: registry.registryHostsOf(destinations, host) };
}

/** `{ defaultRegistry }` for library calls, when one is set. */
export function registryDefaults(flags: RegistryFlags): { defaultRegistry?: string } {
  const host = defaultRegistry(flags);
  return host === undefined ? {} : { defaultRegistry: host };
}
