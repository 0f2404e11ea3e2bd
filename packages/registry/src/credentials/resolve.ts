import { RegistryError } from '../oci/errors.js';
import { credentialKeys } from '../oci/reference.js';
import {
  dockerConfigPath,
  findServerKey,
  podmanAuthPaths,
  readConfigFile,
  writeConfigFile,
  type AuthEntry,
  type ConfigFile,
  type Env,
} from './config-file.js';
import { runCredentialHelper } from './helper.js';

/**
 * Where credentials for a registry come from, go-containerregistry's keychain in spirit:
 * explicit → WASH_REG_USER/WASH_REG_PASSWORD → Docker config.json (credHelpers, auths,
 * credsStore) → Podman auth.json → anonymous. A broken source is a warning, never a crash.
 */

/** Basic credentials, an identity (refresh) token, or anonymous. */
export type Credential = { username: string; password: string } | { identityToken: string } | undefined;

export interface CredentialOptions {
  username?: string;
  password?: string;
  /** Environment to read (WASH_REG_*, DOCKER_CONFIG, HOME, XDG_*, PATH for helpers); default process.env. */
  env?: Env;
  /** config.json to use instead of `$DOCKER_CONFIG/config.json` / `~/.docker/config.json`. */
  dockerConfigPath?: string;
  /** A Podman auth.json to use instead of the default locations. */
  podmanAuthPath?: string;
  /** Problems with a credential source; the messages never contain secrets. */
  onWarning?: (message: string) => void;
  /** Time allowed for a credential helper, default 10 s. */
  helperTimeoutMs?: number;
}

/** Docker stores this user name when the secret is an identity token. */
const TOKEN_USERNAME = '<token>';
/** Azure's helpers and `az acr login` use this user name for an ACR refresh token. */
const ACR_TOKEN_USERNAME = '00000000-0000-0000-0000-000000000000';

function isTokenUsername(username: unknown): boolean {
  return username === TOKEN_USERNAME || username === ACR_TOKEN_USERNAME;
}

export async function resolveCredential(registry: string, options: CredentialOptions = {}): Promise<Credential> {
  const env = options.env ?? process.env;
  const warn = options.onWarning ?? (() => undefined);

  if (options.username !== undefined || options.password !== undefined) {
    if (!options.username || options.password === undefined) {
      throw new RegistryError('a user name needs a password and a password needs a user name (--user with --password)', {
        kind: 'invalid',
        operation: 'resolve credentials',
        reference: registry,
      });
    }
    return { username: options.username, password: options.password };
  }

  const envUser = env.WASH_REG_USER;
  const envPassword = env.WASH_REG_PASSWORD;
  if (envUser && envPassword !== undefined) return { username: envUser, password: envPassword };
  if (envUser || envPassword !== undefined) warn('WASH_REG_USER and WASH_REG_PASSWORD must be set together; ignoring them');

  const files = [options.dockerConfigPath ?? dockerConfigPath(env)];
  files.push(...(options.podmanAuthPath === undefined ? podmanAuthPaths(env) : [options.podmanAuthPath]));
  for (const file of files) {
    const credential = await fromConfigFile(file, registry, env, options, warn);
    if (credential !== undefined) return credential;
  }
  return undefined;
}

export interface StoredCredential {
  /** `helper` when a credential helper holds it, `file` when it is in config.json (base64, not encrypted). */
  storage: 'helper' | 'file';
  /** The helper program or the file. */
  location: string;
}

/** What `docker login` does after a successful login: store in the helper, or in config.json. */
export async function storeCredential(
  registry: string,
  credential: { username: string; password: string },
  options: CredentialOptions = {},
): Promise<StoredCredential> {
  const env = options.env ?? process.env;
  const file = options.dockerConfigPath ?? dockerConfigPath(env);
  const config = (await readConfigFile(file)) ?? {};
  const keys = credentialKeys(registry);
  const helper = helperFor(config, keys);
  if (helper !== undefined) {
    const input = JSON.stringify({ ServerURL: keys[0], Username: credential.username, Secret: credential.password });
    const outcome = await runCredentialHelper(helper, 'store', input, helperOptions(env, options), [credential.password]);
    if (outcome.status !== 'ok') {
      const problem = outcome.status === 'failed' ? outcome.problem : 'the helper found nothing to store into';
      throw new RegistryError(`cannot store credentials for ${registry}: ${problem}`, {
        kind: 'failure',
        operation: 'store credentials',
        reference: registry,
      });
    }
    // A plaintext entry left from before would be read ahead of the credsStore: drop its secrets, as docker login does.
    const staleKey = findServerKey(config.auths, keys);
    if (staleKey !== undefined && hasSecret(config.auths![staleKey]!)) {
      await writeConfigFile(file, { ...config, auths: { ...config.auths, [staleKey]: withoutSecrets(config.auths![staleKey]!) } });
    }
    return { storage: 'helper', location: `docker-credential-${helper}` };
  }
  const auths = { ...config.auths };
  const existing = findServerKey(auths, keys);
  const entry = withoutSecrets(existing === undefined ? {} : auths[existing]!);
  entry.auth = Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64');
  if (existing !== undefined) delete auths[existing];
  auths[keys[0]!] = entry;
  await writeConfigFile(file, { ...config, auths });
  return { storage: 'file', location: file };
}

/** What `docker logout` does: erase from the helper and from config.json. Returns whether anything was removed. */
export async function eraseCredential(registry: string, options: CredentialOptions = {}): Promise<boolean> {
  const env = options.env ?? process.env;
  const warn = options.onWarning ?? (() => undefined);
  const file = options.dockerConfigPath ?? dockerConfigPath(env);
  const config = await readConfigFile(file);
  if (config === undefined) return false;
  const keys = credentialKeys(registry);
  let erased = false;
  const helper = helperFor(config, keys);
  if (helper !== undefined) {
    const outcome = await runCredentialHelper(helper, 'erase', keys[0]!, helperOptions(env, options));
    if (outcome.status === 'ok') erased = true;
    if (outcome.status === 'failed') warn(`could not erase credentials for ${registry}: ${outcome.problem}`);
  }
  const auths = { ...config.auths };
  let changed = false;
  for (let key = findServerKey(auths, keys); key !== undefined; key = findServerKey(auths, keys)) {
    delete auths[key];
    changed = true;
  }
  if (changed) {
    await writeConfigFile(file, { ...config, auths });
    erased = true;
  }
  return erased;
}

async function fromConfigFile(
  file: string,
  registry: string,
  env: Env,
  options: CredentialOptions,
  warn: (message: string) => void,
): Promise<Credential> {
  let config: ConfigFile | undefined;
  try {
    config = await readConfigFile(file);
  } catch (error) {
    warn(`ignoring credentials in ${file}: ${(error as Error).message}`);
    return undefined;
  }
  if (config === undefined) return undefined;
  const keys = credentialKeys(registry);

  const helperKey = findServerKey(config.credHelpers, keys);
  if (helperKey !== undefined) {
    const credential = await fromHelper(config.credHelpers![helperKey]!, [helperKey, ...keys], env, options, warn);
    if (credential !== undefined) return credential;
  }

  const authKey = findServerKey(config.auths, keys);
  if (authKey !== undefined) {
    const credential = decodeEntry(config.auths![authKey]!, file, authKey, warn);
    if (credential !== undefined) return credential;
  }

  if (typeof config.credsStore === 'string' && config.credsStore.length > 0) {
    return fromHelper(config.credsStore, keys, env, options, warn);
  }
  return undefined;
}

async function fromHelper(
  helper: string,
  serverKeys: readonly string[],
  env: Env,
  options: CredentialOptions,
  warn: (message: string) => void,
): Promise<Credential> {
  for (const key of [...new Set(serverKeys)]) {
    const outcome = await runCredentialHelper(helper, 'get', key, helperOptions(env, options));
    if (outcome.status === 'not_found') continue;
    if (outcome.status === 'failed') {
      warn(`credential helper: ${outcome.problem}`);
      return undefined;
    }
    let answer: { Username?: unknown; Secret?: unknown };
    try {
      answer = JSON.parse(outcome.stdout) as typeof answer;
    } catch {
      warn(`credential helper docker-credential-${helper} answered something that is not JSON`);
      return undefined;
    }
    if (typeof answer.Secret !== 'string' || answer.Secret === '') continue;
    if (isTokenUsername(answer.Username)) return { identityToken: answer.Secret };
    if (typeof answer.Username !== 'string') {
      warn(`credential helper docker-credential-${helper} answered without a Username`);
      return undefined;
    }
    return { username: answer.Username, password: answer.Secret };
  }
  return undefined;
}

function decodeEntry(entry: AuthEntry, file: string, key: string, warn: (message: string) => void): Credential {
  if (entry === null || typeof entry !== 'object') return undefined;
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') return { identityToken: entry.identitytoken };
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      warn(`ignoring auths["${key}"] in ${file}: "auth" is not base64 of user:password`);
      return undefined;
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && entry.username !== '' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

function hasSecret(entry: AuthEntry): boolean {
  return ['auth', 'username', 'password', 'identitytoken'].some((field) => entry[field] !== undefined);
}

function withoutSecrets(entry: AuthEntry): AuthEntry {
  const clean: AuthEntry = { ...entry };
  delete clean.auth;
  delete clean.username;
  delete clean.password;
  delete clean.identitytoken;
  return clean;
}

function helperFor(config: ConfigFile, keys: readonly string[]): string | undefined {
  const key = findServerKey(config.credHelpers, keys);
  if (key !== undefined) return config.credHelpers![key];
  return typeof config.credsStore === 'string' && config.credsStore.length > 0 ? config.credsStore : undefined;
}

function helperOptions(env: Env, options: CredentialOptions) {
  return options.helperTimeoutMs === undefined ? { env } : { env, timeoutMs: options.helperTimeoutMs };
}
