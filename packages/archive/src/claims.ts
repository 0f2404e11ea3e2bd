import { randomBytes } from 'node:crypto';
import { ArchiveError } from './errors.js';

/** The `wascap` object of a provider's claims, with wascap's own field names (spec §4). */
export interface ProviderMetadata {
  /** Always serialized; `null` when absent. */
  name: string | null;
  /** Legacy capability contract id (`capid`), written before wash 0.27 and only on request now. */
  capid?: string;
  vendor: string;
  rev?: number;
  ver?: string;
  /** `<target>` → uppercase SHA-256 hex of the raw binary; `world.wasm` → hash of the WIT world. */
  target_hashes: Record<string, string>;
  config_schema?: unknown;
}

/** A provider's signed claims, with the JWT's own field names; times are seconds since the epoch. */
export interface ProviderClaims {
  exp?: number;
  jti: string;
  iat: number;
  iss: string;
  sub: string;
  nbf?: number;
  wascap: ProviderMetadata;
  /** 3 for current writers; absent in archives from before 2023. */
  wascap_revision?: number;
}

/** The revision current writers put in `wascap_revision`. */
export const WASCAP_REVISION = 3;
/** The key under `target_hashes` holding the hash of `world.wasm`. */
export const WORLD_HASH_KEY = 'world.wasm';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A fresh 22-character base-62 id, like the NATS NUID wash uses for `jti` (only uniqueness matters). */
export function generateJti(): string {
  let id = '';
  while (id.length < 22) {
    for (const byte of randomBytes(32)) {
      // 248 = 4 * 62: dropping larger bytes keeps every character equally likely.
      if (byte < 248 && id.length < 22) id += BASE62[byte % 62];
    }
  }
  return id;
}

/** A deep copy of a JSON value with every object's keys sorted, as wash stores `config_schema`. */
export function sortJsonKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortJsonKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortJsonKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/**
 * Compact JSON of the claims with wascap's key order:
 * `exp? jti iat iss sub nbf? wascap{name capid? vendor rev? ver? target_hashes config_schema?} wascap_revision?`.
 * `target_hashes` keys are written sorted so the output is deterministic.
 */
export function serializeClaims(claims: ProviderClaims): string {
  const meta = claims.wascap;
  const hashes: Record<string, string> = {};
  for (const target of Object.keys(meta.target_hashes).sort()) hashes[target] = meta.target_hashes[target] as string;
  const wascap: Record<string, unknown> = { name: meta.name };
  if (meta.capid !== undefined) wascap.capid = meta.capid;
  wascap.vendor = meta.vendor;
  if (meta.rev !== undefined) wascap.rev = meta.rev;
  if (meta.ver !== undefined) wascap.ver = meta.ver;
  wascap.target_hashes = hashes;
  if (meta.config_schema !== undefined) wascap.config_schema = sortJsonKeys(meta.config_schema);

  const ordered: Record<string, unknown> = {};
  if (claims.exp !== undefined) ordered.exp = claims.exp;
  ordered.jti = claims.jti;
  ordered.iat = claims.iat;
  ordered.iss = claims.iss;
  ordered.sub = claims.sub;
  if (claims.nbf !== undefined) ordered.nbf = claims.nbf;
  ordered.wascap = wascap;
  if (claims.wascap_revision !== undefined) ordered.wascap_revision = claims.wascap_revision;
  return JSON.stringify(ordered);
}

function claimsError(detail: string): ArchiveError {
  return new ArchiveError(`the archive's claims are not provider claims: ${detail}`, 'invalid');
}

function optionalInteger(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw claimsError(`'${field}' is not an integer`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw claimsError(`'${field}' is not a string`);
  return value;
}

/**
 * Checks the shape of decoded JWT claims and returns them as provider claims. Unknown fields are
 * dropped, as wascap drops them. Throws ArchiveError (invalid) naming the field that is wrong.
 */
export function parseProviderClaims(raw: Record<string, unknown>): ProviderClaims {
  const wascap = raw.wascap;
  if (wascap === undefined || wascap === null) throw claimsError("there is no 'wascap' object in the JWT");
  if (typeof wascap !== 'object' || Array.isArray(wascap)) throw claimsError("'wascap' is not an object");
  const meta = wascap as Record<string, unknown>;

  const hashesValue = meta.target_hashes ?? {};
  if (typeof hashesValue !== 'object' || Array.isArray(hashesValue)) throw claimsError("'wascap.target_hashes' is not an object");
  const targetHashes: Record<string, string> = {};
  for (const [target, hash] of Object.entries(hashesValue as Record<string, unknown>)) {
    if (typeof hash !== 'string') throw claimsError(`the hash of target '${target}' is not a string`);
    targetHashes[target] = hash;
  }
  const name = meta.name;
  if (name !== undefined && name !== null && typeof name !== 'string') throw claimsError("'wascap.name' is not a string");
  if (typeof meta.vendor !== 'string') throw claimsError("'wascap.vendor' is missing (is this a component's JWT?)");

  for (const field of ['jti', 'iss', 'sub'] as const) {
    if (typeof raw[field] !== 'string') throw claimsError(`'${field}' is missing or not a string`);
  }
  const iat = optionalInteger(raw.iat, 'iat');
  if (iat === undefined) throw claimsError("'iat' is missing");

  const metadata: ProviderMetadata = { name: typeof name === 'string' ? name : null, vendor: meta.vendor, target_hashes: targetHashes };
  const capid = optionalString(meta.capid, 'wascap.capid');
  if (capid !== undefined) metadata.capid = capid;
  const rev = optionalInteger(meta.rev, 'wascap.rev');
  if (rev !== undefined) metadata.rev = rev;
  const ver = optionalString(meta.ver, 'wascap.ver');
  if (ver !== undefined) metadata.ver = ver;
  if (meta.config_schema !== undefined && meta.config_schema !== null) metadata.config_schema = meta.config_schema;

  const claims: ProviderClaims = { jti: raw.jti as string, iat, iss: raw.iss as string, sub: raw.sub as string, wascap: metadata };
  const exp = optionalInteger(raw.exp, 'exp');
  if (exp !== undefined) claims.exp = exp;
  const nbf = optionalInteger(raw.nbf, 'nbf');
  if (nbf !== undefined) claims.nbf = nbf;
  const revision = optionalInteger(raw.wascap_revision, 'wascap_revision');
  if (revision !== undefined) claims.wascap_revision = revision;
  return claims;
}
