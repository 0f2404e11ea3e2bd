import { createHash } from 'node:crypto';
import path from 'node:path';
import type { KeyPair } from 'nkeys.js';
import { writeFileAtomically } from './atomic-file.js';
import { WASCAP_REVISION, WORLD_HASH_KEY, generateJti, serializeClaims, type ProviderClaims } from './claims.js';
import { CLAIMS_ENTRY, epochSeconds } from './create.js';
import { ArchiveError } from './errors.js';
import { createWashGzip } from './gzip.js';
import { hashFile, readFileCheckingHash, sha256Hex } from './hashing.js';
import { signToken } from './jwt.js';
import { entryStem, openSource, readArchive } from './read.js';
import { assertStorableTarget, binaryEntryName } from './target.js';
import { openTar } from './tar-reader.js';
import { bufferEntry, tarBytes, type TarEntrySource } from './tar-writer.js';

/** Options of {@link insertTarget}. */
export interface InsertTargetOptions {
  /** The archive to change (par or par.gz). */
  archive: string;
  /** The target to add or replace, e.g. `aarch64-linux`. */
  target: string;
  /** The binary for that target. */
  binary: string;
  /** Re-signs the claims: an account key. */
  issuer: KeyPair;
  /** Must be the archive's own subject (`sub`): the provider's identity never changes. */
  subject: KeyPair;
  /** Where to write the result (default: replace `archive`); written as is, no `.gz` appended. */
  destination?: string;
  /** New `exp`/`nbf` (old ones are not carried over: a re-signed archive starts a new validity period). */
  expires?: Date;
  notBefore?: Date;
  /** The signing time (`iat`); defaults to now. */
  now?: Date;
}

/** What {@link insertTarget} wrote. */
export interface InsertedTarget {
  destination: string;
  jwt: string;
  claims: ProviderClaims;
  compressed: boolean;
  /** True when the target existed and its binary was replaced, false when it was added. */
  replaced: boolean;
}

/** The entry's bytes, failing at the end if they no longer hash to what the first pass saw. */
async function* checkingHash(data: AsyncIterable<Buffer>, expected: string, what: string): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of data) {
    hash.update(chunk);
    yield chunk;
  }
  if (sha256Hex(hash) !== expected) throw new ArchiveError(`${what} changed while it was being rewritten`, 'failure');
}

/**
 * Adds or replaces one target's binary and re-signs (new jti and iat), keeping name, vendor,
 * rev, ver, schema, capid and world, and gzip iff the input was gzipped. The archive is read
 * twice (verify, then copy entry by entry), never held in memory, and replaced atomically.
 * Refuses a subject other than the archive's own, and archives whose other binaries do not match their claims.
 */
export async function insertTarget(options: InsertTargetOptions): Promise<InsertedTarget> {
  const { target } = options;
  assertStorableTarget(target);
  const iss = options.issuer.getPublicKey();
  if (!iss.startsWith('A')) throw new ArchiveError(`the issuer must be an account key (starting with A), got ${iss}`, 'invalid');

  const contents = await readArchive(options.archive);
  const label = `"${options.archive}"`;
  const sub = options.subject.getPublicKey();
  if (sub !== contents.claims.sub) {
    throw new ArchiveError(
      `the subject key ${sub} is not the subject of ${label} (${contents.claims.sub}); inserting must keep the provider's identity, so sign with that archive's own service key`,
      'invalid',
    );
  }
  const hashes = contents.claims.wascap.target_hashes;
  for (const entry of contents.entries) {
    if (entry.target !== target && hashes[entry.target] !== entry.sha256) {
      throw new ArchiveError(`${label}: the binary for '${entry.target}' does not match its signed hash; refusing to re-sign it`, 'verification', { path: entry.name });
    }
  }
  if (contents.world && hashes[WORLD_HASH_KEY] !== contents.world.sha256) {
    throw new ArchiveError(`${label}: world.wasm does not match its signed hash; refusing to re-sign it`, 'verification');
  }

  const binary = await hashFile(options.binary, `binary for target '${target}'`);
  const targetHashes: Record<string, string> = {};
  for (const entry of contents.entries) if (entry.target !== target) targetHashes[entry.target] = entry.sha256;
  targetHashes[target] = binary.sha256;
  if (contents.world) targetHashes[WORLD_HASH_KEY] = contents.world.sha256;

  const claims: ProviderClaims = {
    jti: generateJti(),
    iat: epochSeconds(options.now ?? new Date()),
    iss,
    sub,
    wascap: { ...contents.claims.wascap, target_hashes: targetHashes },
    wascap_revision: WASCAP_REVISION,
  };
  if (options.expires) claims.exp = epochSeconds(options.expires);
  if (options.notBefore) claims.nbf = epochSeconds(options.notBefore);
  const jwt = signToken(serializeClaims(claims), options.issuer);

  const newBinary: TarEntrySource = {
    name: binaryEntryName(target),
    size: binary.size,
    open: () => readFileCheckingHash(options.binary, binary.sha256, `binary for target '${target}'`),
  };
  const replaced = contents.entries.some((entry) => entry.target === target);
  const firstPassHashes = new Map(contents.entries.map((entry) => [entry.target, entry.sha256]));

  // Second pass: copy the old entries one at a time, in their order, swapping in the new binary.
  async function* entries(): AsyncGenerator<TarEntrySource> {
    yield bufferEntry(CLAIMS_ENTRY, Buffer.from(jwt, 'ascii'));
    const { stream } = await openSource(options.archive);
    const { entries: oldEntries } = await openTar(stream, label);
    for await (const entry of oldEntries) {
      const stem = entryStem(entry.name);
      if (stem === 'claims') continue;
      if (stem === target) {
        yield newBinary;
        continue;
      }
      const expected = stem === 'world' ? contents.world?.sha256 : firstPassHashes.get(stem);
      if (expected === undefined) throw new ArchiveError(`${label} changed while it was being rewritten`, 'failure');
      yield { name: entry.name, size: entry.size, open: () => checkingHash(entry.data, expected, `${label} entry '${entry.name}'`) };
    }
    if (!replaced) yield newBinary;
  }

  const destination = options.destination ?? options.archive;
  await writeFileAtomically(path.resolve(destination), tarBytes(entries()), contents.compressed ? createWashGzip() : []);
  return { destination, jwt, claims, compressed: contents.compressed, replaced };
}
