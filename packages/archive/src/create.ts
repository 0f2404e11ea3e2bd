import path from 'node:path';
import type { KeyPair } from 'nkeys.js';
import { writeFileAtomically } from './atomic-file.js';
import { WASCAP_REVISION, WORLD_HASH_KEY, generateJti, serializeClaims, type ProviderClaims } from './claims.js';
import { ArchiveError } from './errors.js';
import { createWashGzip } from './gzip.js';
import { hashFile, readFileCheckingHash } from './hashing.js';
import { signToken } from './jwt.js';
import { assertStorableTarget, binaryEntryName } from './target.js';
import { bufferEntry, tarBytes, type TarEntrySource } from './tar-writer.js';

/** Entry names inside a par. */
export const CLAIMS_ENTRY = 'claims.jwt';
export const WORLD_ENTRY = 'world.wasm';

/** One provider binary: its target (e.g. `x86_64-linux`) and the file holding it. */
export interface BinarySource {
  target: string;
  path: string;
}

/** Everything {@link createArchive} needs. */
export interface CreateArchiveOptions {
  name: string;
  vendor: string;
  /** The provider's version string (`ver`). */
  version?: string;
  /** Revision (`rev`), a 32-bit integer. */
  revision?: number;
  /** JSON schema for link configuration (`config_schema`); keys are stored sorted. */
  schema?: unknown;
  /** Legacy `capid` claim, only for hosts that still need it. */
  capabilityContractId?: string;
  binaries: BinarySource[];
  /** Path of an already-encoded WIT world (`world.wasm`). */
  world?: string;
  /** Signs the claims: an account key. */
  issuer: KeyPair;
  /** The provider's identity (`sub`): a service key. */
  subject: KeyPair;
  /** Output file; `.gz` is appended when compressing unless it already ends in `.gz`. */
  destination: string;
  compress: boolean;
  expires?: Date;
  notBefore?: Date;
  /** The signing time (`iat`); defaults to now. */
  now?: Date;
}

/** What {@link createArchive} wrote. */
export interface CreatedArchive {
  /** The file actually written (with `.gz` appended when compressing). */
  destination: string;
  jwt: string;
  claims: ProviderClaims;
  compressed: boolean;
}

/** Seconds since the epoch, as JWTs count time. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The destination with `.gz` appended when compressing, as wash does. */
export function archiveDestination(destination: string, compress: boolean): string {
  return compress && !destination.endsWith('.gz') ? `${destination}.gz` : destination;
}

function assertPublicKeyType(keyPair: KeyPair, letter: string, role: string): string {
  const publicKey = keyPair.getPublicKey();
  if (!publicKey.startsWith(letter)) {
    throw new ArchiveError(`the ${role} must be ${letter === 'A' ? 'an account' : 'a service'} key (starting with ${letter}), got ${publicKey}`, 'invalid');
  }
  return publicKey;
}

function validateOptions(options: CreateArchiveOptions): void {
  if (options.binaries.length === 0) throw new ArchiveError('an archive needs at least one binary', 'invalid');
  const seen = new Set<string>();
  for (const binary of options.binaries) {
    assertStorableTarget(binary.target);
    if (seen.has(binary.target)) throw new ArchiveError(`target '${binary.target}' is given more than once`, 'invalid');
    seen.add(binary.target);
  }
  if (typeof options.vendor !== 'string') throw new ArchiveError('a vendor is required', 'invalid');
  if (options.revision !== undefined && (!Number.isInteger(options.revision) || options.revision < -(2 ** 31) || options.revision >= 2 ** 31)) {
    throw new ArchiveError(`revision must be a 32-bit integer, got ${options.revision}`, 'invalid');
  }
}

/**
 * Builds and signs a provider archive. Each binary is read twice from disk (hash, then write) and
 * never held in memory; output goes to a temporary file renamed into place only on success.
 */
export async function createArchive(options: CreateArchiveOptions): Promise<CreatedArchive> {
  validateOptions(options);
  const iss = assertPublicKeyType(options.issuer, 'A', 'issuer');
  const sub = assertPublicKeyType(options.subject, 'V', 'subject');

  const binaries: (BinarySource & { size: number; sha256: string })[] = [];
  for (const binary of options.binaries) {
    binaries.push({ ...binary, ...(await hashFile(binary.path, `binary for target '${binary.target}'`)) });
  }
  const world = options.world === undefined ? undefined : { path: options.world, ...(await hashFile(options.world, 'world')) };

  const targetHashes: Record<string, string> = {};
  for (const binary of binaries) targetHashes[binary.target] = binary.sha256;
  if (world) targetHashes[WORLD_HASH_KEY] = world.sha256;

  const claims: ProviderClaims = {
    jti: generateJti(),
    iat: epochSeconds(options.now ?? new Date()),
    iss,
    sub,
    wascap: { name: options.name, vendor: options.vendor, target_hashes: targetHashes },
    wascap_revision: WASCAP_REVISION,
  };
  if (options.expires) claims.exp = epochSeconds(options.expires);
  if (options.notBefore) claims.nbf = epochSeconds(options.notBefore);
  if (options.capabilityContractId !== undefined) claims.wascap.capid = options.capabilityContractId;
  if (options.revision !== undefined) claims.wascap.rev = options.revision;
  if (options.version !== undefined) claims.wascap.ver = options.version;
  if (options.schema !== undefined) claims.wascap.config_schema = options.schema;
  const jwt = signToken(serializeClaims(claims), options.issuer);

  const entries: TarEntrySource[] = [bufferEntry(CLAIMS_ENTRY, Buffer.from(jwt, 'ascii'))];
  if (world) {
    entries.push({ name: WORLD_ENTRY, size: world.size, open: () => readFileCheckingHash(world.path, world.sha256, 'world') });
  }
  for (const binary of [...binaries].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0))) {
    entries.push({
      name: binaryEntryName(binary.target),
      size: binary.size,
      open: () => readFileCheckingHash(binary.path, binary.sha256, `binary for target '${binary.target}'`),
    });
  }

  const destination = archiveDestination(options.destination, options.compress);
  await writeFileAtomically(path.resolve(destination), tarBytes(entries), options.compress ? createWashGzip() : []);
  return { destination, jwt, claims, compressed: options.compress };
}
