import { mkdir, readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { RegistryError } from '../oci/errors.js';
import { writeFileAtomically } from '../content/local-files.js';

/**
 * Docker's config.json and Podman's auth.json share one shape: `auths` (per-server `auth`
 * base64 `user:pass`, or `username`/`password`, or `identitytoken`), `credHelpers` (per-server
 * helper name) and `credsStore` (the default helper). Other keys are kept untouched on write.
 */

export interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  [other: string]: unknown;
}

export interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [other: string]: unknown;
}

export type Env = Record<string, string | undefined>;

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: Env): string {
  if (env.DOCKER_CONFIG) return path.join(env.DOCKER_CONFIG, 'config.json');
  return path.join(homeDirectory(env), '.docker', 'config.json');
}

/** Podman's auth files, in the order Podman reads them. */
export function podmanAuthPaths(env: Env): string[] {
  const paths: string[] = [];
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) paths.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  const configHome = env.XDG_CONFIG_HOME || path.join(homeDirectory(env), '.config');
  paths.push(path.join(configHome, 'containers', 'auth.json'));
  return paths;
}

function homeDirectory(env: Env): string {
  return env.HOME || homedir();
}

/**
 * Reads a config file. Missing → undefined. Unreadable or not a JSON object → throws a
 * RegistryError of kind `invalid` (callers reading credentials turn it into a warning).
 */
export async function readConfigFile(file: string): Promise<ConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      kind: 'failure',
      operation: 'read credentials',
      reference: file,
    });
  }
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    // The parser's message can quote file content, which may be a secret: do not repeat it.
    throw new RegistryError(`${file} is not valid JSON`, { kind: 'invalid', operation: 'read credentials', reference: file });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RegistryError(`${file} is not a JSON object`, { kind: 'invalid', operation: 'read credentials', reference: file });
  }
  return parsed as ConfigFile;
}

/** Writes a config file atomically with mode 0600 (directory 0700 when created), through a symlink. */
export async function writeConfigFile(file: string, config: ConfigFile): Promise<void> {
  let target = file;
  try {
    target = await realpath(file);
  } catch {
    // Not there yet: create it where asked.
  }
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  await writeFileAtomically(target, `${JSON.stringify(config, null, '\t')}\n`, 0o600);
}

/** `https://host/v1/` and `host` both name `host`, as Docker compares them. */
export function serverHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').split('/')[0]!.toLowerCase();
}

/** The first key of `map` equal to one of `keys`, else one naming the same host. */
export function findServerKey(map: Record<string, unknown> | undefined, keys: readonly string[]): string | undefined {
  if (map === undefined || typeof map !== 'object') return undefined;
  for (const key of keys) if (Object.hasOwn(map, key)) return key;
  const hosts = new Set(keys.map(serverHost));
  return Object.keys(map).find((key) => hosts.has(serverHost(key)));
}
