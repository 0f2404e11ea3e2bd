import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { RegistryError } from '../oci/errors.js';

export interface TlsSettings {
  /** Extra CA bundle (PEM) trusted in addition to the system CAs. */
  caFile?: string;
  /** Client certificate and key (PEM) for registries that require one. */
  certFile?: string;
  keyFile?: string;
  /** Accept any certificate (still TLS). */
  insecureSkipTlsVerify?: boolean;
  /**
   * Directories holding Docker's `<host>/` folders (`ca.crt`, `client.cert` + `client.key`); by
   * default `$DOCKER_CONFIG/certs.d` (`~/.docker/certs.d`), `~/.config/containers/certs.d`,
   * `/etc/docker/certs.d`, `/etc/containers/certs.d`.
   */
  certsDirectories?: string[];
}

/** What a TLS connection to one host is made with (node's tls.connect options). */
export interface HostTls {
  ca?: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export function defaultCertsDirectories(env: Record<string, string | undefined> = process.env): string[] {
  const home = env['HOME'] ?? homedir();
  return [
    path.join(env['DOCKER_CONFIG'] ?? path.join(home, '.docker'), 'certs.d'),
    path.join(env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), 'containers', 'certs.d'),
    '/etc/docker/certs.d',
    '/etc/containers/certs.d',
  ];
}

/**
 * The TLS options for each host: the flags' CA and client certificate, plus Docker's
 * `certs.d/<host>/` convention — every `*.crt` there is a CA to trust, a `*.cert` with its
 * `*.key` is the client certificate (the flags win over it). Read once per host.
 */
export class TlsOptionsByHost {
  readonly #settings: TlsSettings;
  readonly #byHost = new Map<string, HostTls>();
  #flagCa: string | undefined;
  #flagClient: { cert: string; key: string } | undefined;

  constructor(settings: TlsSettings) {
    this.#settings = settings;
    if (settings.caFile !== undefined) this.#flagCa = readPem(settings.caFile, 'CA file');
    if (settings.certFile !== undefined || settings.keyFile !== undefined) {
      if (settings.certFile === undefined || settings.keyFile === undefined) {
        throw new RegistryError('a client certificate needs both --cert-file and --key-file', { kind: 'invalid', operation: 'read client certificate' });
      }
      this.#flagClient = { cert: readPem(settings.certFile, 'client certificate file'), key: readPem(settings.keyFile, 'client key file') };
    }
  }

  for(host: string): HostTls {
    let options = this.#byHost.get(host);
    if (options === undefined) {
      options = this.#build(host);
      this.#byHost.set(host, options);
    }
    return options;
  }

  #build(host: string): HostTls {
    const cas: string[] = this.#flagCa === undefined ? [] : [this.#flagCa];
    let client = this.#flagClient;
    for (const base of this.#settings.certsDirectories ?? defaultCertsDirectories()) {
      const dir = path.join(base, host);
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      for (const name of names.filter((file) => file.endsWith('.crt'))) cas.push(readPem(path.join(dir, name), 'CA file'));
      const pair = names.find((file) => file.endsWith('.cert') && names.includes(`${file.slice(0, -'.cert'.length)}.key`));
      if (client === undefined && pair !== undefined) {
        client = {
          cert: readPem(path.join(dir, pair), 'client certificate file'),
          key: readPem(path.join(dir, `${pair.slice(0, -'.cert'.length)}.key`), 'client key file'),
        };
      }
    }
    return {
      ...(cas.length > 0 ? { ca: [...rootCertificates, ...cas] } : {}),
      ...(client ?? {}),
      rejectUnauthorized: !this.#settings.insecureSkipTlsVerify,
    };
  }
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new RegistryError(`cannot read ${what} ${file}: ${(error as Error).message}`, { kind: 'invalid', operation: `read ${what}`, cause: error });
  }
}
