// Where the loopback test registries are and who may use them; every integration test imports this.
// Started by `bash scripts/registry.sh start` (scripts/test.sh does it before vitest).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Registry storage, logs, pid files and the generated certificates (scripts/registry.sh owns it). */
export const stateDir = path.resolve(process.env.PAR_REGISTRIES_DIR ?? path.join(repoRoot, '.registries'));
/** The shared specifications and fixtures beside the checkout. */
export const sharedDir = path.resolve(repoRoot, '..', 'shared');

export type RegistryName = 'plain' | 'plain2' | 'basic' | 'token' | 'mtls';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export const registries = {
  /** Plain HTTP, no auth, deletes enabled. */
  plain: { name: 'plain', host: '127.0.0.1:5001', url: 'http://127.0.0.1:5001' },
  /** Plain HTTP, no auth, deletes enabled: the promotion target. */
  plain2: { name: 'plain2', host: '127.0.0.1:5002', url: 'http://127.0.0.1:5002' },
  /** htpasswd Basic auth over TLS; the certificate is signed by the test CA in `caFile`. */
  basic: {
    name: 'basic',
    host: '127.0.0.1:5003',
    url: 'https://127.0.0.1:5003',
    user: 'par',
    password: 'par-password',
    caFile: path.join(stateDir, 'tls', 'ca.pem'),
    /** A directory holding the CA as `ca.crt`, for skopeo's `--cert-dir` / `--src-cert-dir` / `--dest-cert-dir`. */
    certDir: path.join(stateDir, 'tls', 'cert-dir'),
  },
  /**
   * Docker token auth over plain HTTP. alice: pull,push,delete everywhere; reader: pull everywhere;
   * bob: pull,push,delete under `bob/` only; anonymous: pull under `public/` only.
   */
  token: {
    name: 'token',
    host: '127.0.0.1:5004',
    url: 'http://127.0.0.1:5004',
    realm: 'http://127.0.0.1:5005/token',
    service: 'par-test-registry',
    issuer: 'par-test-token-service',
    users: {
      alice: { username: 'alice', password: 'alice-password' },
      reader: { username: 'reader', password: 'reader-password' },
      bob: { username: 'bob', password: 'bob-password' },
    },
  },
  /** TLS, no auth, but a client certificate signed by the test CA is required (http.tls.clientcas). */
  mtls: {
    name: 'mtls',
    host: '127.0.0.1:5006',
    url: 'https://127.0.0.1:5006',
    caFile: path.join(stateDir, 'tls', 'ca.pem'),
    certFile: path.join(stateDir, 'tls', 'client.pem'),
    keyFile: path.join(stateDir, 'tls', 'client-key.pem'),
  },
} as const;

/** The token service's log: one line per token request. */
export const tokenServiceLogFile = path.join(stateDir, 'token-service', 'token-service.log');

/** The file each registry writes its application and access log to (one line per HTTP request). */
export function registryLogFile(name: RegistryName): string {
  return path.join(stateDir, name, 'registry.log');
}

/** The whole log of a registry so far; '' when it has none yet. Tests may count request lines. */
export function readRegistryLog(name: RegistryName): string {
  try {
    return readFileSync(registryLogFile(name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/**
 * A repository name no other test run uses: `<prefix>-<time>-<random>` (lower case, valid in OCI).
 * The prefix may contain `/` (e.g. `bob/push` for the token registry's bob).
 */
export function uniqueRepository(prefix: string): string {
  if (!/^[a-z0-9]+(?:(?:[._-]|__)[a-z0-9]+|\/[a-z0-9]+)*$/.test(prefix)) {
    throw new Error(`uniqueRepository: "${prefix}" is not a valid repository name prefix (lower case, digits, . _ - /)`);
  }
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
