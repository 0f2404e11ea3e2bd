import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import type { KeyPair } from 'nkeys.js';
import { ArchiveError } from './errors.js';

/**
 * nkeys encoding (spec §5) for every key type wasmCloud uses. nkeys.js only knows the NATS
 * prefixes (no service `V` or module `M` keys), so the codec lives here and Ed25519 comes from
 * node:crypto; the objects we hand out still implement nkeys.js' `KeyPair` interface.
 */

/** The type letter of a public key and its prefix byte (letter index in base32 << 3). */
export const KEY_PREFIXES = {
  account: 'A',
  service: 'V',
  module: 'M',
  server: 'N',
  operator: 'O',
  user: 'U',
  cluster: 'C',
  curve: 'X',
} as const;

export type KeyType = keyof typeof KEY_PREFIXES;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SEED_PREFIX_BYTE = 18 << 3; // 'S'
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function prefixByteOf(letter: string): number {
  const index = BASE32_ALPHABET.indexOf(letter);
  if (index < 0 || index > 31) throw new ArchiveError(`not a base32 letter: ${letter}`, 'invalid');
  return index << 3;
}

function letterOf(prefixByte: number): string | undefined {
  const letter = BASE32_ALPHABET[prefixByte >> 3];
  return (prefixByte & 7) === 0 && Object.values(KEY_PREFIXES).includes(letter as never) ? letter : undefined;
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array | undefined {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** CRC16-XMODEM (poly 0x1021, init 0). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function withChecksum(payload: Uint8Array): string {
  const raw = new Uint8Array(payload.length + 2);
  raw.set(payload);
  const crc = crc16(payload);
  raw[payload.length] = crc & 0xff;
  raw[payload.length + 1] = crc >> 8;
  return base32Encode(raw);
}

function checkedPayload(text: string): Uint8Array | undefined {
  const raw = base32Decode(text);
  // Re-encoding must give the same text, so unused trailing bits cannot hide a typo.
  if (!raw || raw.length < 3 || base32Encode(raw) !== text) return undefined;
  const payload = raw.subarray(0, raw.length - 2);
  const stored = (raw[raw.length - 2] as number) | ((raw[raw.length - 1] as number) << 8);
  return crc16(payload) === stored ? payload : undefined;
}

/** Encodes a raw 32-byte Ed25519 public key as an nkey with the given type letter. */
export function encodePublicKey(letter: string, rawPublicKey: Uint8Array): string {
  const payload = new Uint8Array(33);
  payload[0] = prefixByteOf(letter);
  payload.set(rawPublicKey, 1);
  return withChecksum(payload);
}

/** Decodes a public nkey: its type letter and raw Ed25519 key, or undefined when malformed. */
export function decodePublicKey(publicKey: string): { letter: string; raw: Uint8Array } | undefined {
  if (publicKey.length !== 56) return undefined;
  const payload = checkedPayload(publicKey);
  if (!payload || payload.length !== 33) return undefined;
  const letter = letterOf(payload[0] as number);
  if (letter === undefined || letter === 'X') return undefined;
  return { letter, raw: payload.subarray(1) };
}

/** Decodes a seed (`S` + type letter): its type letter and raw 32-byte Ed25519 seed, or undefined. */
export function decodeSeed(seed: string): { letter: string; raw: Uint8Array } | undefined {
  if (seed.length !== 58) return undefined;
  const payload = checkedPayload(seed);
  if (!payload || payload.length !== 34) return undefined;
  const b1 = (payload[0] as number) & 0xf8;
  const b2 = (((payload[0] as number) & 7) << 5) | (((payload[1] as number) & 0xf8) >> 3);
  if (b1 !== SEED_PREFIX_BYTE) return undefined;
  const letter = letterOf(b2);
  if (letter === undefined || letter === 'X') return undefined;
  return { letter, raw: payload.subarray(2) };
}

function encodeSeed(letter: string, rawSeed: Uint8Array): string {
  const role = prefixByteOf(letter);
  const payload = new Uint8Array(34);
  payload[0] = SEED_PREFIX_BYTE | (role >> 5);
  payload[1] = (role & 31) << 3;
  payload.set(rawSeed, 2);
  return withChecksum(payload);
}

/** True when `data` carries a valid Ed25519 signature by the key behind the public nkey. */
export function verifySignature(publicKey: string, data: Uint8Array, signature: Uint8Array): boolean {
  const decoded = decodePublicKey(publicKey);
  if (!decoded || signature.length !== 64) return false;
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, decoded.raw]), format: 'der', type: 'spki' });
  return verify(null, data, key, signature);
}

/** An Ed25519 nkey pair of any type (account, service, module, …), usable wherever nkeys.js' KeyPair is. */
export class NKeyPair implements KeyPair {
  #seed: string;
  #privateKey: KeyObject;
  #rawPublicKey: Uint8Array;
  #letter: string;

  constructor(seed: string) {
    const decoded = decodeSeed(seed);
    if (!decoded) throw new ArchiveError('not a valid nkey seed', 'invalid');
    this.#seed = seed;
    this.#letter = decoded.letter;
    this.#privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, decoded.raw]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(this.#privateKey).export({ format: 'der', type: 'spki' });
    this.#rawPublicKey = new Uint8Array(spki.subarray(spki.length - 32));
  }

  getPublicKey(): string {
    return encodePublicKey(this.#letter, this.#rawPublicKey);
  }

  /** The nkeys `P…` private key: seed and public key, as nkeys.js returns it. */
  getPrivateKey(): Uint8Array {
    const decoded = decodeSeed(this.#seed) as { raw: Uint8Array };
    const payload = new Uint8Array(65);
    payload[0] = 15 << 3; // 'P'
    payload.set(decoded.raw, 1);
    payload.set(this.#rawPublicKey, 33);
    return new TextEncoder().encode(withChecksum(payload));
  }

  getSeed(): Uint8Array {
    return new TextEncoder().encode(this.#seed);
  }

  sign(input: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, input, this.#privateKey));
  }

  verify(input: Uint8Array, signature: Uint8Array): boolean {
    return verifySignature(this.getPublicKey(), input, signature);
  }

  clear(): void {
    this.#seed = '';
  }

  seal(): Uint8Array {
    throw new ArchiveError('sealing needs a curve (X) key', 'invalid');
  }

  open(): Uint8Array | null {
    throw new ArchiveError('opening needs a curve (X) key', 'invalid');
  }
}

/** A key pair from a seed string of any type (`SA…`, `SV…`, `SM…`, …). Throws ArchiveError (invalid) otherwise. */
export function keyPairFromSeed(seed: string): NKeyPair {
  return new NKeyPair(seed.trim());
}

/** A fresh random key pair of the given type. */
export function createKeyPair(type: KeyType): NKeyPair {
  return new NKeyPair(encodeSeed(KEY_PREFIXES[type], randomBytes(32)));
}

/** The type letter of a seed (`A` for `SA…`), or undefined when it is not a valid seed. */
export function seedTypeLetter(seed: string): string | undefined {
  return decodeSeed(seed.trim())?.letter;
}
