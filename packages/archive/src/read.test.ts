import { createReadStream } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createArchive } from './create.js';
import { describeArchive } from './describe.js';
import { keyPairFromSeed } from './nkey.js';
import { readArchive, readClaims } from './read.js';
import { verifyArchive } from './verify.js';
import { WASH_ACCOUNT, WASH_ACCOUNT_SEED, WASH_SERVICE, WASH_SERVICE_SEED, fakepayPath, fixturesDir, redisPath, scratchDir, writeRandomFile } from './test-support.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await scratchDir()));
afterEach(() => cleanup());

describe('the real wash archives', () => {
  test('fakepay.par.gz reads, describes and verifies strictly as the fixtures README says', async () => {
    const contents = await readArchive(fakepayPath);
    expect(contents.compressed).toBe(true);
    expect(contents.jwt).toBe((await readFile(path.join(fixturesDir, 'jwt', 'fakepay.claims.jwt'), 'utf8')).trim());
    expect(contents.jwt.length).toBe(637);
    expect(contents.entries).toEqual([
      { name: 'x86_64-linux.bin', target: 'x86_64-linux', size: 4_261_184, sha256: 'B7FEAB0AE46F4A5B43778906504732FC5C361074A500485D2ECCF0B175E4FF0D' },
    ]);
    expect(contents.world).toBeUndefined();
    expect(contents.claims).toMatchObject({ iat: 1612208012, jti: 'Ftos3Nndqov7etaQwz5Ntl' });
    expect(contents.claims.wascap_revision).toBeUndefined();
    expect(describeArchive(contents)).toEqual({
      name: 'Fake Payments',
      issuer: 'ABNLQZLJFBAWP4KJR63PYCA4Y655OZOOHTGRW6FNFGEVUE5RN4PO2RXR',
      service: 'VAN5FE2JCYMZFHZZWS2KNKVEIIU5SH5E5SD3IIF6BWA25XKFKCHXEMDU',
      vendor: 'wasmCloud',
      version: '1.0',
      revision: '1',
      targets: ['x86_64-linux'],
      capability_contract_id: 'examples:payments',
    });
    expect(verifyArchive(contents, { strict: true })).toEqual({ valid: true, problems: [] });
  });

  test('libwascc_redis.par.gz: two targets in archive order, no rev/ver', async () => {
    const contents = await readArchive(createReadStream(redisPath));
    expect(contents.jwt.length).toBe(699);
    expect(contents.entries).toEqual([
      { name: 'x86_64-macos.bin', target: 'x86_64-macos', size: 2_363_160, sha256: 'CE183325D30583931895FEA30EF3C736BF2BB7E453C9B7F9E2653AB7EAB05405' },
      { name: 'x86_64-linux.bin', target: 'x86_64-linux', size: 5_701_792, sha256: 'A70C02BEAC4881AE711E7825D01E67348F83F45120BB1D834EF90F9077F3B9E8' },
    ]);
    expect(contents.claims).toMatchObject({ iat: 1605280346, jti: 'N8pscfqMN8vPrfissQwKXV' });
    expect(describeArchive(contents)).toEqual({
      name: 'Redis',
      issuer: 'AA7IQURGTAIG4IHVP5ON7YRWLLUJBSOWOTAGK3QZKV4CC6QQNFFDS2JM',
      service: 'VDJ4XCXRYCOSX4HJEWQMZNSRX3ISFR2SW3SN5OZ2IPPPQL3TCAHKFMQM',
      vendor: 'waSCC',
      version: 'None',
      revision: 'None',
      targets: ['x86_64-linux', 'x86_64-macos'],
      capability_contract_id: 'wascc:keyvalue',
    });
    expect(verifyArchive(contents, { strict: true }).valid).toBe(true);
    expect(verifyArchive(contents, { allowedIssuers: ['AA7IQURGTAIG4IHVP5ON7YRWLLUJBSOWOTAGK3QZKV4CC6QQNFFDS2JM'] }).valid).toBe(true);
    expect(verifyArchive(contents, { allowedIssuers: [WASH_ACCOUNT] }).problems.map((p) => p.code)).toEqual(['issuer_not_allowed']);
  });

  test('extracts one target, hash-checked, leaving no temporary file', async () => {
    const destination = path.join(dir, 'redis-linux');
    const contents = await readArchive(redisPath, { extractTarget: { target: 'x86_64-linux', destination } });
    const { createHash } = await import('node:crypto');
    const bytes = await readFile(destination);
    expect(bytes.length).toBe(5_701_792);
    expect(createHash('sha256').update(bytes).digest('hex').toUpperCase()).toBe(contents.entries[1]!.sha256);
    await expect(readArchive(redisPath, { extractTarget: { target: 'aarch64-linux', destination: path.join(dir, 'x') } })).rejects.toMatchObject({
      kind: 'not_found',
      message: expect.stringContaining("no binary for target 'aarch64-linux' (targets: x86_64-macos, x86_64-linux)"),
    });
    expect(await readdir(dir)).toEqual(['redis-linux']);
  });
});

describe('archives we write', () => {
  test('the wash integration case (spec §8) describes as wash shows it', async () => {
    await writeRandomFile(path.join(dir, 'provider'), 3000);
    const created = await createArchive({
      name: 'Test parJEEzy',
      vendor: 'TestRunner',
      version: '3.2.1',
      revision: 42,
      binaries: [{ target: 'x86_64-linux', path: path.join(dir, 'provider') }],
      issuer: keyPairFromSeed(WASH_ACCOUNT_SEED),
      subject: keyPairFromSeed(WASH_SERVICE_SEED),
      destination: path.join(dir, 'provider.par'),
      compress: true,
    });
    const contents = await readArchive(created.destination);
    expect(contents.compressed).toBe(true);
    expect(describeArchive(contents)).toEqual({
      name: 'Test parJEEzy',
      service: WASH_SERVICE,
      issuer: WASH_ACCOUNT,
      revision: '42',
      targets: ['x86_64-linux'],
      vendor: 'TestRunner',
      version: '3.2.1',
    });
    expect(verifyArchive(contents, { strict: true })).toEqual({ valid: true, problems: [] });
    expect(contents.claims.wascap_revision).toBe(3);
  });

  test('schema and world round-trip', async () => {
    await writeRandomFile(path.join(dir, 'bin'), 10);
    await writeRandomFile(path.join(dir, 'world.wasm'), 100);
    const created = await createArchive({
      name: 'p', vendor: 'v', schema: { b: 1, a: 2 }, world: path.join(dir, 'world.wasm'),
      binaries: [{ target: 'aarch64-linux', path: path.join(dir, 'bin') }],
      issuer: keyPairFromSeed(WASH_ACCOUNT_SEED), subject: keyPairFromSeed(WASH_SERVICE_SEED),
      destination: path.join(dir, 'p.par'), compress: false,
    });
    const contents = await readArchive(created.destination);
    expect(contents.compressed).toBe(false);
    expect(contents.world?.size).toBe(100);
    expect(describeArchive(contents).schema).toEqual({ a: 2, b: 1 });
    expect(verifyArchive(contents, { strict: true }).valid).toBe(true);
  });
});

describe('readClaims', () => {
  test('gives the same claims as readArchive without reading past claims.jwt', async () => {
    for (const file of [fakepayPath, redisPath]) {
      const full = await readArchive(file);
      const claims = await readClaims(file);
      expect(claims).toEqual({ compressed: full.compressed, jwt: full.jwt, token: full.token, claims: full.claims });
    }
  });

  test('refuses an archive without claims.jwt like readArchive does', async () => {
    const { tarBytes, bufferEntry } = await import('./tar-writer.js');
    const chunks: Buffer[] = [];
    for await (const chunk of tarBytes([bufferEntry('x86_64-linux.bin', Buffer.from('binary'))])) chunks.push(Buffer.from(chunk));
    const { Readable } = await import('node:stream');
    await expect(readClaims(Readable.from([Buffer.concat(chunks)]))).rejects.toMatchObject({ kind: 'invalid', message: expect.stringMatching(/no claims\.jwt/) });
  });
});

describe('gzip expansion is bounded', () => {
  /** A gzipped tar: the fakepay claims, then `size` zero bytes as a binary (compresses about 1000x). */
  async function* zeroArchive(size: number): AsyncGenerator<Buffer> {
    const { constants, createGzip } = await import('node:zlib');
    const { Readable } = await import('node:stream');
    const { bufferEntry, tarBytes } = await import('./tar-writer.js');
    const jwt = await readFile(path.join(fixturesDir, 'jwt', 'fakepay.claims.jwt'));
    const zeros = Buffer.alloc(1024 * 1024);
    const binary = {
      name: 'x86_64-linux.bin',
      size,
      open: async function* () {
        for (let left = size; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
      },
    };
    yield* Readable.from(tarBytes([bufferEntry('claims.jwt', jwt), binary])).pipe(createGzip({ level: constants.Z_BEST_SPEED }));
  }

  test('a gzip bomb is refused after a bounded amount of work', async () => {
    const { Readable } = await import('node:stream');
    const { GZIP_EXPANSION_ALLOWANCE, MAX_GZIP_EXPANSION } = await import('./tar-reader.js');
    const error = await readArchive(Readable.from(zeroArchive(1024 * 1024 * 1024))).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/unpacks to more than 64 times its compressed size .*; refused as a gzip bomb/);
    const unpacked = Number(/\((\d+) bytes from (\d+)\)/.exec((error as Error).message)?.[1]);
    const compressed = Number(/\((\d+) bytes from (\d+)\)/.exec((error as Error).message)?.[2]);
    expect(unpacked).toBeLessThan(GZIP_EXPANSION_ALLOWANCE + MAX_GZIP_EXPANSION * compressed + 2 * 1024 * 1024);
    expect(unpacked).toBeLessThan(512 * 1024 * 1024);
  });

  test('highly compressible content within the allowance reads', async () => {
    const { Readable } = await import('node:stream');
    const contents = await readArchive(Readable.from(zeroArchive(32 * 1024 * 1024)));
    expect(contents.entries[0]).toMatchObject({ target: 'x86_64-linux', size: 32 * 1024 * 1024 });
  });
});
