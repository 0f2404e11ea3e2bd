import { randomBytes } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { serializeClaims } from './claims.js';
import { createArchive } from './create.js';
import { insertTarget } from './insert.js';
import { signToken } from './jwt.js';
import { keyPairFromSeed } from './nkey.js';
import { readArchive } from './read.js';
import { headerChecksum } from './tar-header.js';
import { bufferEntry, tarBytes } from './tar-writer.js';
import { WASH_ACCOUNT, WASH_ACCOUNT_SEED, WASH_SERVICE, WASH_SERVICE_SEED, fakepayPath, scratchDir, splitTar, writeRandomFile } from './test-support.js';
import { verifyArchive } from './verify.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await scratchDir()));
afterEach(() => cleanup());

const issuer = keyPairFromSeed(WASH_ACCOUNT_SEED);
const subject = keyPairFromSeed(WASH_SERVICE_SEED);

/** A tar built with our own header writer. */
async function tarOf(entries: { name: string; data: Buffer }[]): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of tarBytes(entries.map((e) => bufferEntry(e.name, e.data)))) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function claimsJwt(targetHashes: Record<string, string>): Buffer {
  const json = serializeClaims({ jti: 'j'.repeat(22), iat: 1, iss: WASH_ACCOUNT, sub: WASH_SERVICE, wascap: { name: 'n', vendor: 'v', target_hashes: targetHashes }, wascap_revision: 3 });
  return Buffer.from(signToken(json, issuer), 'ascii');
}

async function validArchive(): Promise<{ file: string; tar: Buffer }> {
  await writeRandomFile(path.join(dir, 'bin'), 3000);
  const created = await createArchive({
    name: 'n', vendor: 'TestRunner', binaries: [{ target: 'x86_64-linux', path: path.join(dir, 'bin') }],
    issuer, subject, destination: path.join(dir, 'ok.par'), compress: false,
  });
  return { file: created.destination, tar: await readFile(created.destination) };
}

const read = (bytes: Buffer) => readArchive(Readable.from([bytes]));

describe('broken archives: each failure is distinct and says what is wrong', () => {
  test('a tampered binary is a hash mismatch naming the target (and insert refuses to re-sign it)', async () => {
    const { file, tar } = await validArchive();
    const binary = splitTar(tar).entries[1]!;
    tar[binary.offset + 512 + 100]! ^= 0xff;
    await writeFile(file, tar);
    const report = verifyArchive(await readArchive(file));
    expect(report).toEqual({ valid: false, problems: [{ code: 'hash_mismatch', message: "File hash and verify hash do not match for 'x86_64-linux'" }] });
    await writeRandomFile(path.join(dir, 'arm'), 10);
    await expect(insertTarget({ archive: file, target: 'aarch64-linux', binary: path.join(dir, 'arm'), issuer, subject })).rejects.toMatchObject({
      kind: 'verification',
      message: expect.stringContaining("the binary for 'x86_64-linux' does not match its signed hash"),
    });
  });

  test('extracting a tampered binary is refused and leaves nothing behind', async () => {
    const { file, tar } = await validArchive();
    const binary = splitTar(tar).entries[1]!;
    tar[binary.offset + 512]! ^= 0xff;
    await writeFile(file, tar);
    const destination = path.join(dir, 'extracted');
    await expect(readArchive(file, { extractTarget: { target: 'x86_64-linux', destination } })).rejects.toMatchObject({
      kind: 'verification',
      message: expect.stringContaining("File hash and verify hash do not match for 'x86_64-linux'"),
    });
    expect((await readdir(dir)).sort()).toEqual(['bin', 'ok.par']);
  });

  test('a tampered claims segment passes the basic check but fails the strict signature check', async () => {
    const { tar } = await validArchive();
    const claims = splitTar(tar).entries[0]!;
    const [header, segment, signature] = claims.data.toString('ascii').split('.') as [string, string, string];
    const forged = Buffer.from(Buffer.from(segment, 'base64url').toString('utf8').replace('TestRunner', 'EvilCorp!!')).toString('base64url');
    expect(forged.length).toBe(segment.length);
    Buffer.from(`${header}.${forged}.${signature}`, 'ascii').copy(tar, claims.offset + 512);
    const contents = await read(tar);
    expect(contents.claims.wascap.vendor).toBe('EvilCorp!!');
    expect(verifyArchive(contents).valid).toBe(true);
    expect(verifyArchive(contents, { strict: true }).problems).toEqual([{ code: 'bad_signature', message: `the claims signature does not verify under the issuer ${WASH_ACCOUNT}` }]);
  });

  test('a binary with no hash in the claims is a problem (wash panics)', async () => {
    const tar = await tarOf([{ name: 'claims.jwt', data: claimsJwt({}) }, { name: 'extra.bin', data: Buffer.from('x') }]);
    expect(verifyArchive(await read(tar)).problems).toEqual([{ code: 'missing_hash', message: "the binary 'extra.bin' (target 'extra') has no hash in the claims" }]);
  });

  test('a hash without a binary is a strict-only problem', async () => {
    const tar = await tarOf([{ name: 'claims.jwt', data: claimsJwt({ gone: 'AB' }) }]);
    const contents = await read(tar);
    expect(verifyArchive(contents).valid).toBe(true);
    expect(verifyArchive(contents, { strict: true }).problems.map((p) => p.code)).toEqual(['hash_without_binary']);
  });

  test('read errors', async () => {
    const { tar } = await validArchive();
    const gz = gzipSync(tar);
    const directory = await tarOf([{ name: 'claims.jwt', data: claimsJwt({}) }, { name: 'sub', data: Buffer.alloc(0) }]);
    const dirHeader = splitTar(directory).entries[1]!;
    directory[dirHeader.offset + 156] = '5'.charCodeAt(0);
    directory.write(`${headerChecksum(directory.subarray(dirHeader.offset, dirHeader.offset + 512)).toString(8).padStart(7, '0')}\0`, dirHeader.offset + 148, 'latin1');
    const noWascap = Buffer.from(signToken(JSON.stringify({ jti: 'j', iat: 1, iss: WASH_ACCOUNT, sub: WASH_SERVICE }), issuer));

    const cases: [string, Buffer, RegExp][] = [
      ['empty input', Buffer.alloc(0), /^Not enough bytes to be a valid PAR file: the archive holds 0 byte/],
      ['one byte', Buffer.from([0x1f]), /^Not enough bytes to be a valid PAR file: the archive holds 1 byte/],
      ['truncated gzip', gz.subarray(0, gz.length - 100), /the gzip data is truncated/],
      ['corrupt gzip', Buffer.concat([gz.subarray(0, 10), randomBytes(200)]), /the gzip data is corrupt/],
      ['truncated tar', tar.subarray(0, 512 + 512 + 512 + 1000), /the tar is truncated \(it ends inside an entry\)/],
      ['not a tar', Buffer.from('hello, this is not an archive at all'.repeat(20)), /neither gzip data nor a tar with valid headers/],
      ['missing claims.jwt', await tarOf([{ name: 'x86_64-linux.bin', data: Buffer.from('x') }]), /^Not enough files found in provider archive\. Is this a complete archive\? the archive has no claims\.jwt entry/],
      ['path traversal', await tarOf([{ name: 'claims.jwt', data: claimsJwt({}) }, { name: '../x.bin', data: Buffer.from('x') }]), /entry named '\.\.\/x\.bin'; entry names must be plain file names/],
      ['nested path', await tarOf([{ name: 'dir/x.bin', data: Buffer.from('x') }]), /entry named 'dir\/x\.bin'/],
      ['directory entry', directory, /holds a directory 'sub'; a provider archive holds only files/],
      ['duplicate target', await tarOf([{ name: 'a.bin', data: Buffer.from('x') }, { name: 'a.bin', data: Buffer.from('y') }]), /holds 'a' twice/],
      ['undecodable claims', await tarOf([{ name: 'claims.jwt', data: Buffer.from('not-a-jwt') }]), /invalid token format: expected 3 segments/],
      ['claims without wascap', await tarOf([{ name: 'claims.jwt', data: noWascap }]), /there is no 'wascap' object in the JWT/],
    ];
    const messages = new Set<string>();
    for (const [what, bytes, expected] of cases) {
      const error = await read(bytes).then(
        () => undefined,
        (e: unknown) => e as Error & { kind: string },
      );
      expect(error, what).toBeDefined();
      expect(error!.name, what).toBe('ArchiveError');
      expect(error!.kind, what).toBe('invalid');
      expect(error!.message, what).toMatch(expected);
      messages.add(error!.message.replace(/'[^']*'/g, ''));
    }
    expect(messages.size).toBe(cases.length - 1); // only the two slash-in-name cases share wording
  });

  test('a missing file is not_found; a path to a directory is invalid', async () => {
    await expect(readArchive(path.join(dir, 'nope.par'))).rejects.toMatchObject({ kind: 'not_found', message: expect.stringContaining('nope.par" does not exist') });
    await expect(readArchive(dir)).rejects.toMatchObject({ kind: 'invalid', message: expect.stringContaining('is not a file') });
  });

  test('a truncated real archive names the file', async () => {
    const bytes = await readFile(fakepayPath);
    await writeFile(path.join(dir, 'cut.par.gz'), bytes.subarray(0, 500_000));
    await expect(readArchive(path.join(dir, 'cut.par.gz'))).rejects.toMatchObject({ message: `"${path.join(dir, 'cut.par.gz')}" cannot be read: the gzip data is truncated` });
  });
});
