// Shared by this package's tests only (excluded from the build).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeHeader } from './tar-header.js';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
/** The golden files beside the checkout: ../shared/fixtures. */
export const fixturesDir = path.resolve(repoRoot, '..', 'shared', 'fixtures');
export const fakepayPath = path.join(fixturesDir, 'wash', 'fakepay.par.gz');
export const redisPath = path.join(fixturesDir, 'wash', 'libwascc_redis.par.gz');

/** The keys of wash's own integration test (spec §8). */
export const WASH_ACCOUNT_SEED = 'SAACTTUPKR55VUWUDK7GJ5SU5KGED455FR7BDO46RUVOTHUWKBLECLH2UU';
export const WASH_ACCOUNT = 'AA7R5L74E45BJ4XVUYTELQ56P5VCOSPOAA474L7QWH4ZAILLKTZFWYYW';
export const WASH_SERVICE_SEED = 'SVAOZUSBWWFL65P255DOHIETPTXUQMM5ETLSYPITI5G4K4HI6M2CDAPWAU';
export const WASH_SERVICE = 'VBM5JMFOVUJDHGTOJSPUJ33ZGHCRCJ3LYHUJ3HND5ZMRVORYCMAVPZQF';

/** A fresh scratch directory and a function removing it. */
export async function scratchDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'par-archive-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeRandomFile(file: string, size: number): Promise<Buffer> {
  const bytes = randomBytes(size);
  await writeFile(file, bytes);
  return bytes;
}

/** One entry of a tar as raw bytes, for byte-level assertions. */
export interface RawEntry {
  offset: number;
  header: Buffer;
  name: string;
  size: number;
  data: Buffer;
}

/** Splits an uncompressed tar into its entries (plain headers only) and returns the end offset of the last entry. */
export function splitTar(tar: Buffer): { entries: RawEntry[]; end: number } {
  const entries: RawEntry[] = [];
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const { name, size } = decodeHeader(header);
    entries.push({ offset, header, name, size, data: tar.subarray(offset + 512, offset + 512 + size) });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return { entries, end: offset };
}

export function maybeGunzip(bytes: Buffer): Buffer {
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
}
