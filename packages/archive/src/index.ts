// The public API of @par/archive: the wasmCloud provider archive (par) format.
export * from './errors.js'; // ArchiveError and ErrorKind (not_found | unauthorized | verification | invalid | failure)

// Create
export { createArchive, archiveDestination, CLAIMS_ENTRY, WORLD_ENTRY } from './create.js'; // build + sign a par atomically; `.gz` naming; entry names
export type { CreateArchiveOptions, CreatedArchive, BinarySource } from './create.js'; // options and result of createArchive

// Claims and JWTs
export { serializeClaims, parseProviderClaims, generateJti, sortJsonKeys, WASCAP_REVISION, WORLD_HASH_KEY } from './claims.js'; // claims model, exact key order, jti
export type { ProviderClaims, ProviderMetadata } from './claims.js'; // wascap's provider claims (JWT field names)
export { decodeToken, signToken, tokenSignatureValid, JWT_HEADER_SEGMENT, JWT_HEADER_JSON } from './jwt.js'; // compact JWT decode/sign/signature check
export type { DecodedToken } from './jwt.js'; // a JWT split into header, claims and signature

// Keys
export { resolveKey, defaultKeyDirectory, keyDirectoriesToSearch, defaultAccountKeyName, generateKey, listKeys, findKeyByPublicKey, keyFileName } from './keys.js'; // wash key directory conventions (spec §6)
export type { ResolveKeyOptions, ResolvedKey, KeyFileInfo, SigningKeyType } from './keys.js'; // options/results of the key functions
export { keyPairFromSeed, createKeyPair, NKeyPair, decodePublicKey, verifySignature } from './nkey.js'; // nkeys of every type incl. service (V) and module (M), which nkeys.js lacks
export type { KeyType } from './nkey.js'; // account | service | module | server | operator | user | cluster | curve
export type { KeyPair } from 'nkeys.js'; // the key pair interface every signing function takes

// Targets and low-level format pieces
export { hostTarget, binaryEntryName } from './target.js'; // this machine's `<arch>-<os>`; `<target>.bin`
export { encodeFileHeader, decodeHeader, headerChecksum, BLOCK_SIZE, TRAILER_SIZE } from './tar-header.js'; // the exact GNU tar header bytes
export { tarBytes, bufferEntry } from './tar-writer.js'; // streaming tar writer (1024-byte trailer, no record padding)
export type { TarEntrySource } from './tar-writer.js'; // one entry for tarBytes
export { createWashGzip, looksGzipped, WASH_GZIP_HEADER } from './gzip.js'; // level-9 gzip with wash's header; `1f 8b` sniffing

// Read, describe, verify
export { readArchive, readClaims, entryStem } from './read.js'; // streaming reader: hashes binaries, keeps only the JWT, can extract one target; readClaims stops at the JWT
export type { ArchiveContents, ArchiveEntry, ReadArchiveOptions } from './read.js'; // what readArchive returns / takes
export { describeArchive, NONE } from './describe.js'; // wash's inspect JSON (version/revision as strings, "None")
export type { ArchiveDescription } from './describe.js'; // the inspect JSON shape
export { verifyArchive, verifyToken } from './verify.js'; // basic (wash) or strict verification of an archive; strict check of a bare JWT
export type { VerificationReport, VerificationProblem, ProblemCode, VerifyArchiveOptions, VerifyTokenOptions } from './verify.js'; // verification results/options

// Insert
export { insertTarget } from './insert.js'; // add/replace a target, re-sign, keep the archive's subject, atomic replace
export type { InsertTargetOptions, InsertedTarget } from './insert.js'; // options and result of insertTarget

// Wasm components (the other artifact a wasmCloud application names)
export { readWasm, readPreamble, PREAMBLE_SIZE, WASM_MAGIC } from './component/index.js'; // component vs core module; top-level imports/exports; digest
export type { WasmKind, WasmPreamble, WasmInterface, ReadWasmOptions } from './component/index.js';
