import type { KeyPair } from 'nkeys.js';
import { ArchiveError } from './errors.js';
import { verifySignature } from './nkey.js';

/** The only JWT header wascap writes: `{"typ":"jwt","alg":"Ed25519"}` (alg `Ed25519`, not `EdDSA`). */
export const JWT_HEADER_JSON = '{"typ":"jwt","alg":"Ed25519"}';
/** {@link JWT_HEADER_JSON} in base64url: the first segment of every claims JWT. */
export const JWT_HEADER_SEGMENT = 'eyJ0eXAiOiJqd3QiLCJhbGciOiJFZDI1NTE5In0';

export function base64UrlEncode(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Strict base64url (no padding, no other alphabet); undefined when the text is not that. */
export function base64UrlDecode(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Reject non-canonical trailing bits so that every distinct text is a distinct value.
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/** A compact JWT split into its parts; `claims` is the parsed middle segment. */
export interface DecodedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signature: Uint8Array;
  headerSegment: string;
  claimsSegment: string;
  signatureSegment: string;
  /** `header.claims`: the ASCII bytes that were signed. */
  signingInput: string;
}

function invalidToken(detail: string): ArchiveError {
  return new ArchiveError(`invalid token format: ${detail}`, 'invalid');
}

function parseSegment(segment: string, what: string): Record<string, unknown> {
  const bytes = base64UrlDecode(segment);
  if (!bytes) throw invalidToken(`the ${what} segment is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidToken(`the ${what} segment is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidToken(`the ${what} segment is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Splits and parses a compact JWT without checking the signature. Throws ArchiveError "invalid token format". */
export function decodeToken(jwt: string): DecodedToken {
  const segments = jwt.split('.');
  if (segments.length !== 3) throw invalidToken(`expected 3 segments separated by '.', found ${segments.length}`);
  const [headerSegment, claimsSegment, signatureSegment] = segments as [string, string, string];
  const header = parseSegment(headerSegment, 'header');
  const claims = parseSegment(claimsSegment, 'claims');
  const signature = base64UrlDecode(signatureSegment);
  if (!signature) throw invalidToken('the signature segment is not base64url');
  return {
    header,
    claims,
    signature: new Uint8Array(signature),
    headerSegment,
    claimsSegment,
    signatureSegment,
    signingInput: `${headerSegment}.${claimsSegment}`,
  };
}

/** Signs already-serialized claims JSON with the issuer's key: `header.claims.signature`, base64url, no padding. */
export function signToken(claimsJson: string, issuer: KeyPair): string {
  const signingInput = `${JWT_HEADER_SEGMENT}.${base64UrlEncode(claimsJson)}`;
  const signature = issuer.sign(new TextEncoder().encode(signingInput));
  return `${signingInput}.${base64UrlEncode(signature)}`;
}

/** True when the token's signature is a valid Ed25519 signature by `publicKey` (an nkey). */
export function tokenSignatureValid(token: DecodedToken, publicKey: string): boolean {
  return verifySignature(publicKey, new TextEncoder().encode(token.signingInput), token.signature);
}
