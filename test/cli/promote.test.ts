// `par promote SRC DST` end to end (issue 4): the par is verified at the source before anything is copied;
// a tampered archive, a foreign issuer and a missing target are refused (exit 4) with the reason, and
// the destination registry sees no write at all.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { createKeyPair } from '@par/archive';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { WASH_TEST_KEYS, isOneLineError, par, tempDir } from '../support/par.js';
import { accessLines, expectStatus, getManifest, makePar, pushPar, settle, tagsOf, tamperBinary, waitForLog, writes, type PromotionOutcome } from './promotion-support.js';

useRegistries();

const plain = registries.plain.host;
const plain2 = registries.plain2.host;

const strictPolicy = ['--strict', '--require-issuer', WASH_TEST_KEYS.issuer, '--require-target', 'x86_64-linux'];

let dir: string;
let goodPar: string;

beforeAll(async () => {
  dir = tempDir('par-promote-');
  goodPar = await makePar(dir, 'good', { size: 200 * 1024 });
});

/** Runs a refused promotion and checks the refusal and that the destination repository saw no write. */
async function expectRefused(source: string, repository: string, policy: string[], reason: RegExp): Promise<void> {
  const text = await par(['promote', source, `${plain2}/${repository}:v1`, ...policy]);
  expect(text.status).toBe(4);
  expect(isOneLineError(text)).toBe(true);
  expect(text.stderr).toMatch(reason);
  expect(text.stdout).toMatch(/^refused /m);

  const json = await par(['promote', source, `${plain2}/${repository}:v1`, ...policy, '--output', 'json']);
  expect(json.status).toBe(4);
  const [outcome] = (JSON.parse(json.stdout) as { promotions: PromotionOutcome[] }).promotions;
  expect(outcome).toMatchObject({ action: 'refused', policy: 'fail', bytes: 0, copied: 0, mounted: 0 });
  expect(outcome!.reasons!.join('; ')).toMatch(reason);

  await settle();
  expect(writes(accessLines('plain2', repository))).toEqual([]);
  expect(await tagsOf('plain2', repository)).toEqual([]);
}

describe('par promote SRC DST', () => {
  test('a par that passes the strict policy is copied, with a JSON report', async () => {
    const repository = uniqueRepository('promote/pass');
    const digest = await pushPar(`${plain}/${repository}:v1`, goodPar);
    const run = await par(['promote', `${plain}/${repository}:v1`, `${plain2}/${repository}:v1`, ...strictPolicy, '--output', 'json']);
    expectStatus(run, 0);
    const report = JSON.parse(run.stdout) as { dryRun: boolean; promotions: PromotionOutcome[] };
    expect(report.dryRun).toBe(false);
    expect(report.promotions).toHaveLength(1);
    expect(report.promotions[0]).toMatchObject({
      from: `${plain}/${repository}:v1`,
      to: `${plain2}/${repository}:v1`,
      sourceDigest: digest,
      action: 'promoted',
      policy: 'pass',
      copied: 3,
    });
    expect(report.promotions[0]!.bytes).toBeGreaterThan(200 * 1024);
    expect(typeof report.promotions[0]!.seconds).toBe('number');
    expect((await getManifest('plain2', repository, 'v1')).digest).toBe(digest);

    const out = join(dir, 'promoted.par');
    expectStatus(await par(['pull', `${plain2}/${repository}:v1`, '--destination', out]), 0);
    expect(readFileSync(out).equals(readFileSync(goodPar))).toBe(true);

    // Promoting again finds it up to date and writes nothing.
    const before = accessLines('plain2', repository).length;
    const again = await par(['promote', `${plain}/${repository}:v1`, `${plain2}/${repository}:v1`, ...strictPolicy]);
    expectStatus(again, 0);
    expect(again.stdout).toMatch(/^up-to-date /m);
    await settle();
    expect(writes(accessLines('plain2', repository).slice(before))).toEqual([]);
  });

  test('a tampered archive (valid manifest, altered binary) is refused and nothing is copied', async () => {
    const repository = uniqueRepository('promote/tampered');
    const tampered = join(dir, 'tampered.par');
    tamperBinary(goodPar, join(dir, 'good.bin'), tampered);
    // The registry takes it: the manifest and the layer digest are consistent; only the archive is wrong.
    await pushPar(`${plain}/${repository}:v1`, tampered, ['--no-verify']);
    await expectRefused(`${plain}/${repository}:v1`, repository, [], /hash.*x86_64-linux|x86_64-linux.*hash/i);
  });

  test('an archive signed by an issuer not in the list is refused and nothing is copied', async () => {
    const repository = uniqueRepository('promote/issuer');
    const other = createKeyPair('account');
    const foreign = await makePar(dir, 'foreign', { issuerSeed: new TextDecoder().decode(other.getSeed()) });
    await pushPar(`${plain}/${repository}:v1`, foreign);
    await expectRefused(`${plain}/${repository}:v1`, repository, strictPolicy, new RegExp(`${other.getPublicKey()}.*not one of the allowed issuers`));
  });

  test('an archive missing a required target is refused and nothing is copied', async () => {
    const repository = uniqueRepository('promote/target');
    await pushPar(`${plain}/${repository}:v1`, goodPar);
    await expectRefused(
      `${plain}/${repository}:v1`,
      repository,
      [...strictPolicy, '--require-target', 'aarch64-linux'],
      /required target aarch64-linux is missing \(has: x86_64-linux\)/,
    );
  });

  test('--dry-run within one registry says it would mount, writes nothing; the real run mounts', async () => {
    const from = uniqueRepository('promote/mount-src');
    const to = uniqueRepository('promote/mount-dst');
    const digest = await pushPar(`${plain}/${from}:v1`, goodPar);

    const dry = await par(['promote', `${plain}/${from}:v1`, `${plain}/${to}:v1`, ...strictPolicy, '--dry-run', '--output', 'json']);
    expectStatus(dry, 0);
    const planned = (JSON.parse(dry.stdout) as { dryRun: boolean; promotions: PromotionOutcome[] }).promotions[0];
    expect(planned).toMatchObject({ action: 'would-promote', policy: 'pass', sourceDigest: digest, mounted: 2, copied: 1 });
    await settle();
    expect(writes(accessLines('plain', to))).toEqual([]);
    expect(await tagsOf('plain', to)).toEqual([]);

    const real = await par(['promote', `${plain}/${from}:v1`, `${plain}/${to}:v1`, ...strictPolicy, '--output', 'json']);
    expectStatus(real, 0);
    expect((JSON.parse(real.stdout) as { promotions: PromotionOutcome[] }).promotions[0]).toMatchObject({ action: 'promoted', mounted: 2, copied: 1 });
    const lines = await waitForLog('plain', to, (l) => l.some((line) => line.includes('/manifests/v1 ')));
    expect(lines.filter((line) => line.includes('"POST ') && line.includes('mount=') && / 201 /.test(line))).toHaveLength(2);
    expect((await getManifest('plain', to, 'v1')).digest).toBe(digest);
  });

  test('--concurrency 0 is refused rather than promoting nothing', async () => {
    const plan = join(dir, 'one.yaml');
    writeFileSync(plan, `promotions:\n  - from: ${plain}/nowhere:v1\n    to: ${plain2}/nowhere:v1\n`);
    const run = await par(['promote', '--plan', plan, '--concurrency', '0']);
    expect(run.status).toBe(1);
    expect(isOneLineError(run)).toBe(true);
    expect(run.stderr).toContain('--concurrency must be an integer from 1 to 32');
  });

  test('a par can be promoted into an OCI layout and out of one', async () => {
    const repository = uniqueRepository('promote/layout');
    const digest = await pushPar(`${plain}/${repository}:v1`, goodPar);
    const layout = join(dir, 'promoted-layout');
    // A dry run into a layout that does not exist yet reports the copy and creates nothing.
    const dry = await par(['promote', `${plain}/${repository}:v1`, `oci:${layout}:v1`, ...strictPolicy, '--dry-run']);
    expectStatus(dry, 0);
    expect(dry.stdout).toMatch(/^would-promote .* 3 copied /m);
    expect(existsSync(layout)).toBe(false);
    expectStatus(await par(['promote', `${plain}/${repository}:v1`, `oci:${layout}:v1`, ...strictPolicy]), 0);
    expect(existsSync(join(layout, 'index.json'))).toBe(true);
    const run = await par(['promote', `oci:${layout}:v1`, `${plain2}/${repository}:v1`, ...strictPolicy]);
    expectStatus(run, 0);
    expect(run.stdout).toMatch(/^promoted /m);
    expect((await getManifest('plain2', repository, 'v1')).digest).toBe(digest);
  });
});
