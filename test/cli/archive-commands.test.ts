import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { WASH_TEST_KEYS, fixture, isOneLineError, par, tempDir } from '../support/par.js';

const fakepay = fixture('wash/fakepay.par.gz');
const redis = fixture('wash/libwascc_redis.par.gz');

describe('par inspect and verify on the golden archives', () => {
  test('fakepay inspects as the fixtures README lists (JSON)', async () => {
    const run = await par(['inspect', fakepay, '--output', 'json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      name: 'Fake Payments',
      issuer: 'ABNLQZLJFBAWP4KJR63PYCA4Y655OZOOHTGRW6FNFGEVUE5RN4PO2RXR',
      service: 'VAN5FE2JCYMZFHZZWS2KNKVEIIU5SH5E5SD3IIF6BWA25XKFKCHXEMDU',
      vendor: 'wasmCloud',
      version: '1.0',
      revision: '1',
      targets: ['x86_64-linux'],
      capability_contract_id: 'examples:payments',
    });
  });

  test('fakepay inspects as a bordered table (text)', async () => {
    const run = await par(['inspect', fakepay]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^╔═+╗$/);
    expect(lines[1]).toContain('Fake Payments - Provider Archive');
    expect(run.stdout).toMatch(/║ Public Key +║ +VAN5FE2JCYMZFHZZWS2KNKVEIIU5SH5E5SD3IIF6BWA25XKFKCHXEMDU ║/);
    expect(run.stdout).toMatch(/║ Capability Contract ID║ +examples:payments ║/);
    expect(run.stdout).toMatch(/║ Vendor +║ +wasmCloud ║/);
    expect(run.stdout).toMatch(/║ Version +║ +1\.0 ║/);
    expect(run.stdout).toMatch(/║ Revision +║ +1 ║/);
    expect(run.stdout).toMatch(/║ Issuer +║ +ABNLQZLJFBAWP4KJR63PYCA4Y655OZOOHTGRW6FNFGEVUE5RN4PO2RXR ║/);
    expect(run.stdout).toContain('Supported Architecture Targets');
    expect(run.stdout).toMatch(/║ x86_64-linux +║/);
    expect(lines.at(-1)).toMatch(/^╚═+╝$/);
    // Every line of the table has the same width.
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1);
  });

  test('libwascc_redis inspects with both targets, no version or revision', async () => {
    const run = await par(['inspect', redis, '-o', 'json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      name: 'Redis',
      issuer: 'AA7IQURGTAIG4IHVP5ON7YRWLLUJBSOWOTAGK3QZKV4CC6QQNFFDS2JM',
      service: 'VDJ4XCXRYCOSX4HJEWQMZNSRX3ISFR2SW3SN5OZ2IPPPQL3TCAHKFMQM',
      vendor: 'waSCC',
      version: 'None',
      revision: 'None',
      targets: ['x86_64-linux', 'x86_64-macos'],
      capability_contract_id: 'wascc:keyvalue',
    });
  });

  test.each([fakepay, redis])('verify --strict accepts %s', async (file) => {
    const run = await par(['verify', '--strict', file]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('valid (strict)');
  });

  test('verify --issuer refuses an archive from another account (exit 4)', async () => {
    const run = await par(['verify', fakepay, '--issuer', WASH_TEST_KEYS.issuer]);
    expect(run.status).toBe(4);
    expect(isOneLineError(run)).toBe(true);
    expect(run.stderr).toContain('ABNLQZLJFBAWP4KJR63PYCA4Y655OZOOHTGRW6FNFGEVUE5RN4PO2RXR');
  });

  test('repeatable flags before the positional argument do not swallow it', async () => {
    const run = await par(['verify', '--issuer', WASH_TEST_KEYS.issuer, '--issuer', 'ABNLQZLJFBAWP4KJR63PYCA4Y655OZOOHTGRW6FNFGEVUE5RN4PO2RXR', fakepay]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  test('a missing file is "not found" (exit 2)', async () => {
    const run = await par(['inspect', 'no-such-file.par.gz']);
    expect(run.status).toBe(2);
    expect(isOneLineError(run)).toBe(true);
    expect(run.stderr).toContain('no-such-file.par.gz');
  });
});

describe('create, insert, verify round trip', () => {
  test('the wash integration case inspects as wash expects', async () => {
    const dir = tempDir();
    const binary = join(dir, 'test_provider');
    writeFileSync(binary, randomBytes(4096));
    const created = await par(['create', '-a', 'x86_64-linux', '-n', 'Test parJEEzy', '-v', 'TestRunner', '--version', '3.2.1', '--revision', '42',
      '--compress', '-b', binary, '-i', WASH_TEST_KEYS.issuerSeed, '-s', WASH_TEST_KEYS.subjectSeed, '--destination', join(dir, 'test.par')]);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain(join(dir, 'test.par.gz'));
    const inspected = await par(['inspect', join(dir, 'test.par.gz'), '-o', 'json']);
    expect(JSON.parse(inspected.stdout)).toEqual({
      name: 'Test parJEEzy',
      issuer: WASH_TEST_KEYS.issuer,
      service: WASH_TEST_KEYS.subject,
      vendor: 'TestRunner',
      version: '3.2.1',
      revision: '42',
      targets: ['x86_64-linux'],
    });
    // The real gzip header wash writes.
    expect([...readFileSync(join(dir, 'test.par.gz')).subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
  });

  test('keys are generated into the key directory and the user is told where', async () => {
    const home = tempDir('par-home-');
    const dir = tempDir();
    const binary = join(dir, 'fakepay_provider');
    writeFileSync(binary, randomBytes(1024));
    const run = await par(['create', '-n', 'Fake', '-v', 'Acme', '-b', binary, '-a', 'x86_64-linux', '--destination', join(dir, 'out.par')], { home });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`No keypair found in "${join(home, 'keys', 'tester_account.nk')}"`);
    expect(run.stderr).toContain(`No keypair found in "${join(home, 'keys', 'fakepay_provider_service.nk')}"`);
    const listed = await par(['keys', 'list', '-o', 'json'], { home });
    const keys = JSON.parse(listed.stdout) as { name: string; type: string; publicKey: string }[];
    expect(keys.map((k) => `${k.name}_${k.type}`).sort()).toEqual(['fakepay_provider_service', 'tester_account']);
    expect(listed.stdout).not.toMatch(/"S[AV][A-Z2-7]{56}"/); // never a seed
    const disabled = await par(['create', '-n', 'Fake', '-v', 'Acme', '-b', binary, '-a', 'x86_64-linux', '--disable-keygen', '--destination', join(dir, 'x.par')]);
    expect(disabled.status).not.toBe(0);
    expect(isOneLineError(disabled)).toBe(true);
    expect(existsSync(join(dir, 'x.par'))).toBe(false);
  });

  test('create → inspect → insert → verify keeps the subject', async () => {
    const home = tempDir('par-home-');
    const dir = tempDir();
    writeFileSync(join(dir, 'demo'), randomBytes(10_000));
    writeFileSync(join(dir, 'demo-arm'), randomBytes(12_000));
    const archive = join(dir, 'demo.par.gz');
    expect((await par(['create', '-n', 'Demo', '-v', 'Acme', '-a', 'x86_64-linux', '-b', join(dir, 'demo'), '--compress', '--destination', archive], { home })).status).toBe(0);
    const before = JSON.parse((await par(['inspect', archive, '-o', 'json'], { home })).stdout) as { service: string; issuer: string };
    const inserted = await par(['insert', archive, '-a', 'aarch64-linux', '-b', join(dir, 'demo-arm')], { home });
    expect(inserted.stderr).toBe('');
    expect(inserted.status).toBe(0);
    const after = JSON.parse((await par(['inspect', archive, '-o', 'json'], { home })).stdout) as { service: string; issuer: string; targets: string[] };
    expect(after.service).toBe(before.service);
    expect(after.issuer).toBe(before.issuer);
    expect(after.targets).toEqual(['aarch64-linux', 'x86_64-linux']);
    expect(readFileSync(archive).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect((await par(['verify', '--strict', archive], { home })).status).toBe(0);
  });

  test('insert refuses to change the provider identity', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bin'), randomBytes(1000));
    const archive = join(dir, 'p.par');
    expect((await par(['create', '-n', 'P', '-v', 'V', '-a', 'x86_64-linux', '-b', join(dir, 'bin'), '-i', WASH_TEST_KEYS.issuerSeed, '-s', WASH_TEST_KEYS.subjectSeed, '--destination', archive])).status).toBe(0);
    const before = readFileSync(archive);
    const otherHome = tempDir('par-home-');
    const run = await par(['insert', archive, '-a', 'aarch64-linux', '-b', join(dir, 'bin'), '-i', WASH_TEST_KEYS.issuerSeed], { home: otherHome });
    expect(run.status).not.toBe(0);
    expect(isOneLineError(run)).toBe(true);
    expect(run.stderr).toContain(WASH_TEST_KEYS.subject);
    expect(readFileSync(archive).equals(before)).toBe(true);
  });
});

describe('broken archives: each a distinct clear error and a non-zero exit', () => {
  async function uncompressedArchive(): Promise<{ dir: string; archive: string; binary: Buffer }> {
    const dir = tempDir();
    const binary = randomBytes(3000);
    writeFileSync(join(dir, 'bin'), binary);
    const archive = join(dir, 'p.par');
    const run = await par(['create', '-n', 'P', '-v', 'Acme', '-a', 'x86_64-linux', '-b', join(dir, 'bin'), '-i', WASH_TEST_KEYS.issuerSeed, '-s', WASH_TEST_KEYS.subjectSeed, '--destination', archive]);
    expect(run.status).toBe(0);
    return { dir, archive, binary };
  }

  const messages = new Map<string, string>();
  async function expectFailure(label: string, file: string, args: string[], status: number, pattern: RegExp) {
    const run = await par([...args, file]);
    expect(run.status, run.stderr).toBe(status);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toMatch(pattern);
    for (const [other, message] of messages) expect(message, `${label} vs ${other}`).not.toBe(run.stderr);
    messages.set(label, run.stderr);
  }

  test('tampered binary', async () => {
    const { archive, binary } = await uncompressedArchive();
    const bytes = readFileSync(archive);
    const at = bytes.indexOf(binary.subarray(0, 64));
    bytes[at + 100] = bytes[at + 100]! ^ 0xff;
    writeFileSync(archive, bytes);
    await expectFailure('tampered binary', archive, ['verify'], 4, /x86_64-linux/);
  });

  test('tampered claims segment', async () => {
    const { archive } = await uncompressedArchive();
    const bytes = readFileSync(archive);
    const text = bytes.toString('latin1');
    const jwtStart = text.indexOf('eyJ0eXAiOiJqd3QiLCJhbGciOiJFZDI1NTE5In0.');
    const payloadStart = jwtStart + 'eyJ0eXAiOiJqd3QiLCJhbGciOiJFZDI1NTE5In0.'.length;
    const payloadEnd = text.indexOf('.', payloadStart);
    const claims = Buffer.from(text.slice(payloadStart, payloadEnd), 'base64url').toString('utf8');
    const forged = Buffer.from(claims.replace('"vendor":"Acme"', '"vendor":"Acmf"'), 'utf8').toString('base64url');
    expect(forged.length).toBe(payloadEnd - payloadStart);
    bytes.write(forged, payloadStart, 'latin1');
    writeFileSync(archive, bytes);
    expect((await par(['verify', archive])).status).toBe(0); // wash's level does not check signatures
    await expectFailure('tampered claims', archive, ['verify', '--strict'], 4, /signature/i);
  });

  test('truncated gzip', async () => {
    const dir = tempDir();
    const file = join(dir, 'cut.par.gz');
    const whole = readFileSync(fakepay);
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    await expectFailure('truncated gzip', file, ['verify'], 1, /gzip|truncated|unexpected end/i);
  });

  test('truncated tar', async () => {
    const { archive } = await uncompressedArchive();
    const bytes = readFileSync(archive);
    writeFileSync(archive, bytes.subarray(0, 2048));
    await expectFailure('truncated tar', archive, ['verify'], 1, /truncated|unexpected end|incomplete/i);
  });

  test('missing claims.jwt', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x86_64-linux.bin'), randomBytes(100));
    execFileSync('tar', ['cf', 'noclaims.par', 'x86_64-linux.bin'], { cwd: dir });
    await expectFailure('missing claims', join(dir, 'noclaims.par'), ['verify'], 1, /claims\.jwt|complete archive/);
  });

  test('binary with no hash', async () => {
    const { dir, archive } = await uncompressedArchive();
    const unpacked = join(dir, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['xf', archive, '-C', unpacked]);
    writeFileSync(join(unpacked, 'mips64-android.bin'), randomBytes(50));
    execFileSync('tar', ['cf', join(dir, 'extra.par'), 'claims.jwt', 'x86_64-linux.bin', 'mips64-android.bin'], { cwd: unpacked });
    await expectFailure('binary with no hash', join(dir, 'extra.par'), ['verify'], 4, /mips64-android/);
  });

  test('an entry named ../x.bin', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'x.bin'), randomBytes(10));
    const { archive } = await uncompressedArchive();
    execFileSync('tar', ['xf', archive, '-C', join(dir, 'sub'), 'claims.jwt']);
    execFileSync('tar', ['cPf', join(dir, 'evil.par'), 'claims.jwt', '../x.bin'], { cwd: join(dir, 'sub') });
    expect(execFileSync('tar', ['tPf', join(dir, 'evil.par')]).toString()).toContain('../x.bin');
    await expectFailure('path traversal', join(dir, 'evil.par'), ['verify'], 1, /\.\.\/x\.bin/);
  });

  test('the fixture gunzipped is still a valid archive (gzip is sniffed, not named)', async () => {
    const dir = tempDir();
    const file = join(dir, 'fakepay.par.gz');
    writeFileSync(file, gunzipSync(readFileSync(fakepay)));
    const run = await par(['verify', '--strict', file]);
    expect(run.status).toBe(0);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).not.toBe('32c80420cbd550af85c61d6d55de5bb634d1c74e0f296e7e8ab1528acaeb457c');
  });
});
