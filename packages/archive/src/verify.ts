import { WORLD_HASH_KEY } from './claims.js';
import { ArchiveError } from './errors.js';
import { JWT_HEADER_SEGMENT, decodeToken, tokenSignatureValid, type DecodedToken } from './jwt.js';
import { KEY_PREFIXES, decodePublicKey, type KeyType } from './nkey.js';
import type { ArchiveContents } from './read.js';

/** Why a verification failed; stable strings a caller may switch on. */
export type ProblemCode =
  | 'hash_mismatch'
  | 'missing_hash'
  | 'world_hash_mismatch'
  | 'world_missing_hash'
  | 'invalid_token'
  | 'bad_header'
  | 'bad_signature'
  | 'issuer_not_account'
  | 'subject_wrong_type'
  | 'expired'
  | 'not_yet_valid'
  | 'hash_without_binary'
  | 'issuer_not_allowed';

export interface VerificationProblem {
  code: ProblemCode;
  message: string;
}

/** `valid` is true exactly when `problems` is empty. */
export interface VerificationReport {
  valid: boolean;
  problems: VerificationProblem[];
}

/** Options of {@link verifyArchive}. */
export interface VerifyArchiveOptions {
  /** Beyond what wash checks: header, signature, key types, exp/nbf, no hash without a binary. */
  strict?: boolean;
  /** When given, `iss` must be one of these public keys (checked at every level). */
  allowedIssuers?: string[];
  /** The clock for exp/nbf (default now). */
  now?: Date;
}

/** Options of {@link verifyToken}: always strict about the token itself. */
export interface VerifyTokenOptions {
  allowedIssuers?: string[];
  now?: Date;
  /** The key type(s) `sub` must be (default any valid public nkey; providers are `service`, components `module`). */
  subjectType?: KeyType | KeyType[];
}

function report(problems: VerificationProblem[]): VerificationReport {
  return { valid: problems.length === 0, problems };
}

function checkIssuerAllowed(iss: unknown, allowed: string[] | undefined, problems: VerificationProblem[]): void {
  if (allowed !== undefined && !allowed.includes(String(iss))) {
    problems.push({ code: 'issuer_not_allowed', message: `the issuer ${String(iss)} is not one of the allowed issuers` });
  }
}

/** The checks wash does not make: header, Ed25519 signature under `iss`, key types, exp and nbf. */
function checkToken(token: DecodedToken, options: VerifyTokenOptions, problems: VerificationProblem[]): void {
  const { iss, sub, exp, nbf } = token.claims;
  if (token.headerSegment !== JWT_HEADER_SEGMENT) {
    problems.push({ code: 'bad_header', message: `the JWT header is not {"typ":"jwt","alg":"Ed25519"} (got ${JSON.stringify(token.header)})` });
  }
  const issuerKey = typeof iss === 'string' ? decodePublicKey(iss) : undefined;
  if (!issuerKey || issuerKey.letter !== KEY_PREFIXES.account) {
    problems.push({ code: 'issuer_not_account', message: `the issuer (iss) must be an account public key starting with A, got ${JSON.stringify(iss)}` });
  }
  if (typeof iss !== 'string' || !issuerKey || !tokenSignatureValid(token, iss)) {
    problems.push({ code: 'bad_signature', message: `the claims signature does not verify under the issuer ${String(iss)}` });
  }
  const wanted = options.subjectType === undefined ? undefined : [options.subjectType].flat();
  const subjectKey = typeof sub === 'string' ? decodePublicKey(sub) : undefined;
  if (!subjectKey || (wanted && !wanted.some((type) => KEY_PREFIXES[type] === subjectKey.letter))) {
    const expected = wanted ? wanted.map((type) => `${type} key (${KEY_PREFIXES[type]}…)`).join(' or ') : 'public nkey';
    problems.push({ code: 'subject_wrong_type', message: `the subject (sub) must be a ${expected}, got ${JSON.stringify(sub)}` });
  }
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (typeof exp === 'number' && now > exp) {
    problems.push({ code: 'expired', message: `the claims expired at ${new Date(exp * 1000).toISOString()}` });
  }
  if (typeof nbf === 'number' && now < nbf) {
    problems.push({ code: 'not_yet_valid', message: `the claims are not valid before ${new Date(nbf * 1000).toISOString()}` });
  }
  checkIssuerAllowed(iss, options.allowedIssuers, problems);
}

/**
 * Checks an archive read by readArchive. Basic level is what wash and the host check (each
 * present binary's hash, the world hash; a binary without a hash is a problem, where wash panics);
 * `strict` adds the token checks and refuses hashes without a binary.
 */
export function verifyArchive(contents: ArchiveContents, options: VerifyArchiveOptions = {}): VerificationReport {
  const problems: VerificationProblem[] = [];
  const hashes = contents.claims.wascap.target_hashes;
  for (const entry of contents.entries) {
    const expected = hashes[entry.target];
    if (expected === undefined) {
      problems.push({ code: 'missing_hash', message: `the binary '${entry.name}' (target '${entry.target}') has no hash in the claims` });
    } else if (expected !== entry.sha256) {
      problems.push({ code: 'hash_mismatch', message: `File hash and verify hash do not match for '${entry.target}'` });
    }
  }
  if (contents.world) {
    const expected = hashes[WORLD_HASH_KEY];
    if (expected === undefined) problems.push({ code: 'world_missing_hash', message: 'WIT interface present but no hash found in claims' });
    else if (expected !== contents.world.sha256) problems.push({ code: 'world_hash_mismatch', message: 'WIT interface hash does not match' });
  }
  if (options.strict) {
    checkToken(contents.token, { ...options, subjectType: 'service' }, problems);
    const present = new Set(contents.entries.map((entry) => entry.target));
    for (const target of Object.keys(hashes).sort()) {
      const missing = target === WORLD_HASH_KEY ? contents.world === undefined : !present.has(target);
      if (missing) problems.push({ code: 'hash_without_binary', message: `the claims hold a hash for '${target}' but the archive has no such entry` });
    }
  } else {
    checkIssuerAllowed(contents.claims.iss, options.allowedIssuers, problems);
  }
  return report(problems);
}

/** Strictly verifies a bare JWT (provider or component claims): decodes, header, signature under iss, key types, exp/nbf. */
export function verifyToken(jwt: string, options: VerifyTokenOptions = {}): VerificationReport {
  let token: DecodedToken;
  try {
    token = decodeToken(jwt.trim());
  } catch (error) {
    if (error instanceof ArchiveError) return report([{ code: 'invalid_token', message: error.message }]);
    throw error;
  }
  const problems: VerificationProblem[] = [];
  checkToken(token, options, problems);
  return report(problems);
}
