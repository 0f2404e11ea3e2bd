import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { parseProviderClaims, type ProviderClaims } from './claims.js';
import { ArchiveError } from './errors.js';
import { commitFile } from '@par/files';
import { temporaryPathFor } from './atomic-file.js';
import { sha256Hex } from './hashing.js';
import { decodeToken, type DecodedToken } from './jwt.js';
import { openTar, type TarEntry } from './tar-reader.js';
import { STREAM_CHUNK_SIZE } from './io.js';

/** A binary found in an archive; `sha256` is computed from its bytes while reading (uppercase hex). */
export interface ArchiveEntry {
  /** The entry's file name, e.g. `x86_64-linux.bin`. */
  name: string;
  /** The name without its last extension, e.g. `x86_64-linux`. */
  target: string;
  size: number;
  sha256: string;
}

/** What {@link readArchive} found. Only the JWT was held in memory; binaries are described by size and hash. */
export interface ArchiveContents {
  compressed: boolean;
  /** The `claims.jwt` entry as written. */
  jwt: string;
  token: DecodedToken;
  claims: ProviderClaims;
  /** The target binaries in archive order (not `claims.jwt`, not `world.wasm`). */
  entries: ArchiveEntry[];
  /** The `world.wasm` entry, when there is one. */
  world?: { size: number; sha256: string };
}

/** Options of {@link readArchive}. */
export interface ReadArchiveOptions {
  /** Also write this target's binary to `destination` (temporary file + rename, only if its hash matches the claims). */
  extractTarget?: { target: string; destination: string };
}

/** Refuses a JWT bigger than this: it is held in memory, a binary is not. */
const MAX_CLAIMS_SIZE = 1024 * 1024;

/** The entry name without its last extension, as wash keys entries (`.bin` → target). */
export function entryStem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export function assertSafeEntryName(name: string, label: string): void {
  if (name === '' || name.includes('/') || name.includes('\\') || name.includes('\0') || name === '.' || name === '..' || entryStem(name) === '') {
    throw new ArchiveError(`${label} holds an entry named '${name}'; entry names must be plain file names (no '/', no '..')`, 'invalid', { path: name });
  }
}

export async function openSource(source: string | Readable): Promise<{ stream: Readable; label: string }> {
  if (typeof source !== 'string') return { stream: source, label: 'the archive' };
  const label = `"${source}"`;
  try {
    if (!(await stat(source)).isFile()) throw new ArchiveError(`${label} is not a file`, 'invalid', { path: source });
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ArchiveError(`archive ${label} does not exist`, 'not_found', { path: source });
    throw new ArchiveError(`cannot read ${label} (${code ?? 'error'})`, 'failure', { path: source, cause: error });
  }
  return { stream: createReadStream(source, { highWaterMark: STREAM_CHUNK_SIZE }), label };
}

async function readSmallEntry(entry: TarEntry, label: string): Promise<string> {
  if (entry.size > MAX_CLAIMS_SIZE) throw new ArchiveError(`${label}: '${entry.name}' is ${entry.size} bytes, too big for a claims JWT`, 'invalid', { path: entry.name });
  const chunks: Buffer[] = [];
  for await (const chunk of entry.data) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function hashEntry(entry: TarEntry, sink?: FileHandle): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of entry.data) {
    hash.update(chunk);
    size += chunk.length;
    if (sink) await sink.write(chunk);
  }
  return { size, sha256: sha256Hex(hash) };
}

/** Decodes the claims JWT found in an archive; errors say which archive. */
export function decodeArchiveClaims(jwt: string, label: string): { token: DecodedToken; claims: ProviderClaims } {
  try {
    const token = decodeToken(jwt);
    return { token, claims: parseProviderClaims(token.claims) };
  } catch (error) {
    if (error instanceof ArchiveError) throw new ArchiveError(`${label}: ${error.message}`, error.kind, { path: 'claims.jwt', cause: error });
    throw error;
  }
}

/**
 * Reads a par or par.gz in one streaming pass: hashes every binary (SHA-256, uppercase hex),
 * keeps only the JWT in memory, and optionally extracts one target. Does not judge the claims
 * against the hashes; {@link verifyArchive} does. Every failure is an ArchiveError.
 */
export async function readArchive(source: string | Readable, options: ReadArchiveOptions = {}): Promise<ArchiveContents> {
  const { stream, label } = await openSource(source);
  const wanted = options.extractTarget;
  const extraction = wanted ? { temporary: temporaryPathFor(path.resolve(wanted.destination)), handle: undefined as FileHandle | undefined, sha256: '' } : undefined;

  let jwt: string | undefined;
  let world: { size: number; sha256: string } | undefined;
  const entries: ArchiveEntry[] = [];
  const seen = new Set<string>();
  try {
    const { compressed, entries: tarEntries } = await openTar(stream, label);
    for await (const entry of tarEntries) {
      assertSafeEntryName(entry.name, label);
      const stem = entryStem(entry.name);
      if (seen.has(stem)) throw new ArchiveError(`${label} holds '${stem}' twice`, 'invalid', { path: entry.name });
      seen.add(stem);
      if (stem === 'claims') {
        jwt = await readSmallEntry(entry, label);
      } else if (stem === 'world') {
        world = await hashEntry(entry);
      } else if (extraction && wanted?.target === stem) {
        extraction.handle = await open(extraction.temporary, 'wx', 0o755);
        const found = await hashEntry(entry, extraction.handle);
        await extraction.handle.close();
        extraction.handle = undefined;
        extraction.sha256 = found.sha256;
        entries.push({ name: entry.name, target: stem, ...found });
      } else {
        entries.push({ name: entry.name, target: stem, ...(await hashEntry(entry)) });
      }
    }
    if (jwt === undefined) {
      throw new ArchiveError(`Not enough files found in provider archive. Is this a complete archive? ${label} has no claims.jwt entry`, 'invalid', { path: 'claims.jwt' });
    }
    const { token, claims } = decodeArchiveClaims(jwt, label);
    if (wanted && extraction) {
      if (!entries.some((e) => e.target === wanted.target)) {
        const targets = entries.map((e) => e.target).join(', ') || 'none';
        throw new ArchiveError(`${label} has no binary for target '${wanted.target}' (targets: ${targets})`, 'not_found', { path: wanted.target });
      }
      const expected = claims.wascap.target_hashes[wanted.target];
      if (expected !== extraction.sha256) {
        throw new ArchiveError(
          expected === undefined
            ? `${label}: the claims hold no hash for target '${wanted.target}'; not extracting an unsigned binary`
            : `File hash and verify hash do not match for '${wanted.target}' in ${label}; not extracting it`,
          'verification',
          { path: wanted.target },
        );
      }
      await commitFile(extraction.temporary, wanted.destination);
    }
    const contents: ArchiveContents = { compressed, jwt, token, claims, entries };
    if (world) contents.world = world;
    return contents;
  } catch (error) {
    if (extraction) {
      await extraction.handle?.close().catch(() => undefined);
      await rm(extraction.temporary, { force: true });
    }
    throw error;
  }
}

/**
 * Only the claims of an archive: reads up to `claims.jwt` (the first entry in every archive wash
 * writes) and stops, hashing nothing — for callers that need the issuer and subject before the
 * real work, such as choosing the keys to re-sign with.
 */
export async function readClaims(source: string | Readable): Promise<Pick<ArchiveContents, 'compressed' | 'jwt' | 'token' | 'claims'>> {
  const { stream, label } = await openSource(source);
  const { compressed, entries: tarEntries } = await openTar(stream, label);
  for await (const entry of tarEntries) {
    assertSafeEntryName(entry.name, label);
    if (entryStem(entry.name) !== 'claims') continue; // left unread: drained without hashing
    const jwt = await readSmallEntry(entry, label);
    const { token, claims } = decodeArchiveClaims(jwt, label);
    return { compressed, jwt, token, claims };
  }
  throw new ArchiveError(`Not enough files found in provider archive. Is this a complete archive? ${label} has no claims.jwt entry`, 'invalid', { path: 'claims.jwt' });
}

