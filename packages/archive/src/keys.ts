import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { KeyPair } from 'nkeys.js';
import { ArchiveError } from './errors.js';
import { KEY_PREFIXES, createKeyPair, keyPairFromSeed, seedTypeLetter, type KeyType } from './nkey.js';

/** The two key roles a provider archive needs: the signing account and the provider's service identity. */
export type SigningKeyType = 'account' | 'service';

/** Where new keys go: `$WASH_KEYS`, else `~/.wash/keys` (wash <= 0.42). */
export function defaultKeyDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.WASH_KEYS || path.join(homedir(), '.wash', 'keys');
}

/** Every directory keys are read from: the default one, then wash 0.43's `$WASH_KEYS_DIR` or `~/.local/share/wash/keys`. */
export function keyDirectoriesToSearch(env: NodeJS.ProcessEnv = process.env): string[] {
  const newer = env.WASH_KEYS_DIR || path.join(homedir(), '.local', 'share', 'wash', 'keys');
  return [...new Set([defaultKeyDirectory(env), newer])];
}

/** The issuer key's name: `$USER`, or `user`. */
export function defaultAccountKeyName(env: NodeJS.ProcessEnv = process.env): string {
  return env.USER || 'user';
}

/** `<name>_<type>.nk`, wash's key file name. */
export function keyFileName(name: string, type: string): string {
  return `${name}_${type}.nk`;
}

/** A new random key of the given type. */
export function generateKey(type: KeyType): KeyPair {
  return createKeyPair(type);
}

function seedOf(keyPair: KeyPair): string {
  return new TextDecoder().decode(keyPair.getSeed());
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Parses a seed and checks it is of the wanted type; the seed itself never appears in errors. */
function keyFromSeed(seed: string, type: SigningKeyType, where: string): KeyPair {
  const letter = seedTypeLetter(seed);
  if (letter === undefined) throw new ArchiveError(`${where} is not a valid nkey seed`, 'invalid');
  if (letter !== KEY_PREFIXES[type]) {
    throw new ArchiveError(`${where} is not an ${type} key (its seed should start with S${KEY_PREFIXES[type]}, it starts with S${letter})`, 'invalid');
  }
  return keyPairFromSeed(seed);
}

async function readKeyFile(file: string, type: SigningKeyType): Promise<KeyPair> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ArchiveError(`cannot read the key file "${file}": ${(error as NodeJS.ErrnoException).code ?? 'error'}`, 'failure', { path: file });
  }
  return keyFromSeed(text.trim(), type, `the key file "${file}"`);
}

/** How to find a signing key; see {@link resolveKey}. */
export interface ResolveKeyOptions {
  /** A `--issuer`/`--subject` value: a path to a seed file, or a seed. */
  value?: string;
  /** Directory for `<name>_<type>.nk` (default {@link defaultKeyDirectory}); new keys are written here. */
  directory?: string;
  /** The key's name: `$USER` for the account, the binary's stem for the service. */
  name: string;
  type: SigningKeyType;
  /** Fail instead of generating a key that does not exist. */
  disableKeygen?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** A resolved key: where it came from (`path`, absent for a seed literal) and whether we just generated it. */
export interface ResolvedKey {
  keyPair: KeyPair;
  path?: string;
  generated: boolean;
}

/**
 * Finds a signing key the way wash does (spec §6): `value` as a file, then as a seed; otherwise
 * `<directory>/<name>_<type>.nk` (without a directory: also in the other default key directory); otherwise a new
 * key saved there (file 0600, directory 0700) unless `disableKeygen`.
 */
export async function resolveKey(options: ResolveKeyOptions): Promise<ResolvedKey> {
  const { type } = options;
  if (options.value !== undefined) {
    if (await isFile(options.value)) return { keyPair: await readKeyFile(options.value, type), path: options.value, generated: false };
    if (seedTypeLetter(options.value) !== undefined) return { keyPair: keyFromSeed(options.value, type, `the ${type} seed given`), generated: false };
    // The value may be a mistyped secret: describe it, never echo it.
    throw new ArchiveError(`the ${type} key given is neither an existing file nor a valid nkey seed`, 'invalid');
  }

  const directory = options.directory ?? defaultKeyDirectory(options.env);
  const fileName = keyFileName(options.name, type);
  const primary = path.join(directory, fileName);
  // A directory given is the only one searched: signing must not fall back to another key directory.
  const searched = options.directory !== undefined ? [directory] : [directory, ...keyDirectoriesToSearch(options.env)];
  for (const candidate of searched) {
    const file = path.join(candidate, fileName);
    if (await isFile(file)) return { keyPair: await readKeyFile(file, type), path: file, generated: false };
  }
  if (options.disableKeygen) {
    throw new ArchiveError(`no ${type} key found at "${primary}" and key generation is disabled`, 'not_found', { path: primary });
  }
  const keyPair = generateKey(type);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await writeFile(primary, seedOf(keyPair), { mode: 0o600, flag: 'wx' });
  return { keyPair, path: primary, generated: true };
}

/** A key file found on disk; never includes the seed. */
export interface KeyFileInfo {
  name: string;
  /** The `<type>` part of the file name: `account`, `service`, `module`, … */
  type: string;
  publicKey: string;
  path: string;
}

/** The readable `<name>_<type>.nk` files of a directory, sorted by file name (missing directory: empty). */
export async function listKeys(directory: string): Promise<KeyFileInfo[]> {
  let files: string[];
  try {
    files = await readdir(directory);
  } catch {
    return [];
  }
  const keys: KeyFileInfo[] = [];
  for (const file of files.sort()) {
    const match = /^(.+)_([a-z]+)\.nk$/.exec(file);
    if (!match) continue;
    const full = path.join(directory, file);
    try {
      const keyPair = keyPairFromSeed((await readFile(full, 'utf8')).trim());
      keys.push({ name: match[1] as string, type: match[2] as string, publicKey: keyPair.getPublicKey(), path: full });
    } catch {
      // Not a seed file; skip it rather than fail the whole listing.
    }
  }
  return keys;
}

/** The key whose public key is `publicKey`, searched in `directories` (e.g. the archive's own subject seed for insert). */
export async function findKeyByPublicKey(publicKey: string, directories: string[] = keyDirectoriesToSearch()): Promise<{ keyPair: KeyPair; path: string } | undefined> {
  for (const directory of directories) {
    for (const key of await listKeys(directory)) {
      if (key.publicKey === publicKey) return { keyPair: keyPairFromSeed((await readFile(key.path, 'utf8')).trim()), path: key.path };
    }
  }
  return undefined;
}
