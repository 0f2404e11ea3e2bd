// `par promote --wadm app.yaml --to PREFIX` end to end (issue 14): a wadm application with two
// providers and two components promoted from one real registry to another, every destination digest
// equal to its source's and the rewritten manifest pinning them (comments and layout kept); a re-run
// uploads nothing and writes the same file; the same application through an oci: air-gap bundle and
// back into a registry; one foreign-issuer provider refuses the whole application with nothing copied
// and no manifest written; --dry-run changes nothing; a plan entry `wadm:`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { createKeyPair } from '@par/archive';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { WASH_TEST_KEYS, isOneLineError, par, tempDir } from '../support/par.js';
import { componentFixture } from '../support/components.js';
import { accessLines, expectStatus, getManifest, makePar, pushPar, registryLogSince, registryLogSize, settle, writes } from './promotion-support.js';

useRegistries(['plain', 'plain2']);

const plain = registries.plain.host;
const plain2 = registries.plain2.host;

interface ImageReport {
  component: string;
  type: string;
  from: string;
  to: string;
  sourceDigest?: string;
  artifact?: string;
  action: string;
  policy: string;
  bytes: number;
  pinned?: string;
  reasons?: string[];
}
interface ApplicationReport {
  application: string;
  written: string[];
  writeTo: string[];
  images: ImageReport[];
}

let dir: string;
/** Repository path under which this file's sources live (so each run has its own). */
let source: string;
let foreignPar: string;
/** Source reference and manifest digest of each of the four images. */
const images: Record<string, { reference: string; repository: string; tag: string; digest: string }> = {};

function manifestText(refs: Record<string, string>): string {
  return `# The shop (spec/wadm.md §4): HTTP front end and a counter, two providers.
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
  annotations:
    version: v1.2.0
    description: 'An online shop: HTTP front end, counter in Redis'
spec:
  components:
    - name: storefront
      type: component
      properties:
        image: ${refs['storefront']}   # the front end
        id: shop_storefront
      traits:
        - type: spreadscaler
          properties: { instances: 2 }
        - type: link
          properties:
            target:
              name: kv
            namespace: wasi
            package: keyvalue
            interfaces: [atomics, store]
    - name: counter
      type: component
      properties: { image: "${refs['counter']}" }

    - name: http
      type: capability
      properties:
        image: '${refs['http']}'
      traits:
        - type: link
          properties:
            target: { name: storefront }
            namespace: wasi
            package: http
            interfaces: [incoming-handler]
    - name: kv
      type: capability
      properties:
        image: ${refs['kv']}
        id: shop_kv
    - name: local-tool
      type: component
      properties:
        image: file://./build/tool.wasm
    - name: builtin-http
      type: capability
      properties:
        image: wasmcloud+builtin://http-server
`;
}

const sourceRefs = () => Object.fromEntries(Object.entries(images).map(([name, image]) => [name, image.reference]));
/** The manifest par must write: the same text with each image replaced by `pin(name)`. */
const expectedManifest = (pin: (name: string) => string) => manifestText(Object.fromEntries(Object.keys(images).map((name) => [name, pin(name)])));

async function promoteApplication(args: string[], status = 0): Promise<ApplicationReport> {
  const run = await par(['promote', ...args, '--output', 'json']);
  expectStatus(run, status);
  return JSON.parse(run.stdout) as ApplicationReport;
}

beforeAll(async () => {
  dir = tempDir('par-wadm-');
  source = uniqueRepository('wadm/src');
  const http = await makePar(dir, 'http', { size: 96 * 1024 });
  const kv = await makePar(dir, 'kv', { size: 48 * 1024 });
  const other = createKeyPair('account');
  foreignPar = await makePar(dir, 'foreign', { issuerSeed: new TextDecoder().decode(other.getSeed()) });
  const entries: [string, string, string, string][] = [
    ['storefront', 'acme/storefront', '1.2.0', componentFixture('greeter.wasm')],
    ['counter', 'acme/counter', '0.3.1', componentFixture('clock.wasm')],
    ['http', 'acme/http-server', '0.24.0', http],
    ['kv', 'acme/keyvalue-redis', '0.26.0', kv],
  ];
  for (const [name, path, tag, file] of entries) {
    const repository = `${source}/${path}`;
    const reference = `${plain}/${repository}:${tag}`;
    images[name] = { reference, repository, tag, digest: await pushPar(reference, file) };
  }
  writeFileSync(join(dir, 'app.yaml'), manifestText(sourceRefs()));
});

describe('par promote --wadm', () => {
  test('two providers and two components 5001 → 5002: same digests, OUT.yaml pins them; a re-run uploads nothing and writes the same file', async () => {
    const prefix = `${plain2}/${uniqueRepository('wadm/mirror')}`;
    const out = join(dir, 'promoted.yaml');
    const report = await promoteApplication(['--wadm', join(dir, 'app.yaml'), '--to', prefix, '--write', out, '--strict', '--require-issuer', WASH_TEST_KEYS.issuer, '--require-target', 'x86_64-linux']);
    expect(report.application).toBe('shop');
    expect(report.written).toEqual([out]);
    const byName = Object.fromEntries(report.images.map((image) => [image.component, image]));
    expect(byName['local-tool']).toMatchObject({ action: 'left-alone', reasons: ['a file:// reference: left as written'] });
    expect(byName['builtin-http']).toMatchObject({ action: 'left-alone', reasons: ['a built-in provider: nothing to copy'] });

    const destination = (name: string) => `${prefix}/${images[name]!.repository}`;
    for (const [name, image] of Object.entries(images)) {
      expect(byName[name]).toMatchObject({ action: 'promoted', policy: 'pass', sourceDigest: image.digest, to: `${destination(name)}:${image.tag}`, artifact: name === 'http' || name === 'kv' ? 'par' : 'component' });
      const copied = await getManifest('plain2', `${destination(name).slice(plain2.length + 1)}`, image.tag);
      expect(copied.digest).toBe(image.digest);
    }
    const pinned = expectedManifest((name) => `${destination(name)}:${images[name]!.tag}@${images[name]!.digest}`);
    expect(readFileSync(out, 'utf8')).toBe(pinned);

    // Again: every image up to date, no write request at the destination, the same bytes written.
    const offset = registryLogSize('plain2');
    const out2 = join(dir, 'promoted-again.yaml');
    const again = await promoteApplication(['--wadm', join(dir, 'app.yaml'), '--to', prefix, '--write', out2]);
    expect(again.images.filter((image) => image.action === 'up-to-date')).toHaveLength(4);
    expect(again.images.reduce((sum, image) => sum + image.bytes, 0)).toBe(0);
    expect(readFileSync(out2, 'utf8')).toBe(pinned);
    await settle();
    const path = prefix.slice(plain2.length + 1);
    expect(writes(registryLogSince('plain2', offset).split('\n').filter((line) => line.includes(` /v2/${path}`)))).toEqual([]);
  });

  test('through an oci: air-gap bundle and back into a registry', async () => {
    const bundle = join(tempDir('par-bundle-'), 'shop-bundle');
    const outbound = await promoteApplication(['--wadm', join(dir, 'app.yaml'), '--to', `oci:${bundle}`]);
    expect(outbound.written).toEqual([join(bundle, 'app.yaml')]);
    expect(outbound.images.filter((image) => image.action === 'promoted')).toHaveLength(4);
    // The bundle: one layout holding every image, listed in index.json; the manifest beside it pins each source by digest.
    const index = JSON.parse(readFileSync(join(bundle, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests.map((m) => m.digest).sort()).toEqual(Object.values(images).map((image) => image.digest).sort());
    expect(readFileSync(join(bundle, 'app.yaml'), 'utf8')).toBe(expectedManifest((name) => `${images[name]!.reference}@${images[name]!.digest}`));

    // The other side: the same command, reading the images from the bundle (nothing from 5001).
    const prefix = `${plain2}/${uniqueRepository('wadm/internal')}`;
    const sourceOffset = registryLogSize('plain');
    const out = join(dir, 'internal.yaml');
    const inbound = await promoteApplication(['--wadm', join(bundle, 'app.yaml'), '--to', prefix, '--write', out]);
    expect(inbound.images.filter((image) => image.action === 'promoted')).toHaveLength(4);
    for (const [name, image] of Object.entries(images)) {
      const copied = await getManifest('plain2', `${prefix.slice(plain2.length + 1)}/${image.repository}`, image.tag);
      expect(copied.digest, name).toBe(image.digest);
    }
    expect(readFileSync(out, 'utf8')).toBe(expectedManifest((name) => `${prefix}/${images[name]!.repository}:${images[name]!.tag}@${images[name]!.digest}`));
    await settle();
    expect(registryLogSince('plain', sourceOffset).split('\n').filter((line) => line.includes(` /v2/${source}/`))).toEqual([]);
  });

  test('one provider from a foreign issuer refuses the whole application: nothing copied, no OUT.yaml', async () => {
    const foreign = `${plain}/${source}/acme/foreign-provider:1.0.0`;
    const foreignDigest = await pushPar(foreign, foreignPar);
    const app = join(dir, 'with-foreign.yaml');
    writeFileSync(app, manifestText({ ...sourceRefs(), kv: foreign }));
    const path = uniqueRepository('wadm/refused');
    const out = join(dir, 'refused.yaml');

    const text = await par(['promote', '--wadm', app, '--to', `${plain2}/${path}`, '--write', out, '--require-issuer', WASH_TEST_KEYS.issuer]);
    expect(text.status).toBe(4);
    expect(isOneLineError(text)).toBe(true);
    expect(text.stderr).toMatch(/1 of 6 image\(s\) of .* did not pass; nothing was copied and no manifest was written; first: .*foreign-provider:1\.0\.0 → .*: the issuer \S+ is not one of the allowed issuers/);
    expect(text.stdout).toMatch(/^refused +kv /m);
    expect(text.stdout).toMatch(/not every image was promoted: no manifest written/);

    const report = await promoteApplication(['--wadm', app, '--to', `${plain2}/${path}`, '--write', out, '--require-issuer', WASH_TEST_KEYS.issuer], 4);
    const byName = Object.fromEntries(report.images.map((image) => [image.component, image]));
    expect(byName['kv']).toMatchObject({ action: 'refused', policy: 'fail', sourceDigest: foreignDigest, artifact: 'par' });
    for (const name of ['storefront', 'counter', 'http']) expect(byName[name]).toMatchObject({ action: 'not-copied', policy: 'pass', bytes: 0 });
    expect(report.written).toEqual([]);
    expect(existsSync(out)).toBe(false);
    await settle();
    expect(writes(accessLines('plain2', path))).toEqual([]);

    // Refused into a bundle: not even the bundle directory appears.
    const bundle = join(tempDir('par-refused-'), 'bundle');
    await promoteApplication(['--wadm', app, '--to', `oci:${bundle}`, '--require-issuer', WASH_TEST_KEYS.issuer], 4);
    expect(existsSync(bundle)).toBe(false);
  });

  test('--dry-run says what would be copied and changes nothing', async () => {
    const path = uniqueRepository('wadm/dry');
    const out = join(dir, 'dry.yaml');
    const bundle = join(tempDir('par-dry-'), 'bundle');
    const report = await promoteApplication(['--wadm', join(dir, 'app.yaml'), '--to', `${plain2}/${path}`, '--write', out, '--dry-run']);
    expect(report.images.filter((image) => image.action === 'would-promote')).toHaveLength(4);
    expect(report.images.find((image) => image.component === 'http')!.bytes).toBeGreaterThan(96 * 1024);
    expect(report.writeTo).toEqual([out]);
    expect(existsSync(out)).toBe(false);
    const toBundle = await promoteApplication(['--wadm', join(dir, 'app.yaml'), '--to', `oci:${bundle}`, '--dry-run']);
    expect(toBundle.images.filter((image) => image.action === 'would-promote')).toHaveLength(4);
    expect(existsSync(bundle)).toBe(false);
    await settle();
    expect(writes(accessLines('plain2', path))).toEqual([]);
  });

  test('a plan entry `wadm:` with `to:` promotes the application', async () => {
    const path = uniqueRepository('wadm/plan');
    const out = join(dir, 'planned.yaml');
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, `promotions:\n  - wadm: ${join(dir, 'app.yaml')}\n    to: ${plain2}/${path}\n    write: ${out}\n    requireTarget: [x86_64-linux]\n`);
    const run = await par(['promote', '--plan', plan, '--output', 'json']);
    expectStatus(run, 0);
    const report = JSON.parse(run.stdout) as { promotions: unknown[]; applications: ApplicationReport[] };
    expect(report.promotions).toEqual([]);
    expect(report.applications[0]!.images.filter((image) => image.action === 'promoted')).toHaveLength(4);
    expect(readFileSync(out, 'utf8')).toBe(expectedManifest((name) => `${plain2}/${path}/${images[name]!.repository}:${images[name]!.tag}@${images[name]!.digest}`));
  });

  test('bad input: one clear line', async () => {
    const missing = await par(['promote', '--wadm', join(dir, 'nope.yaml'), '--to', `${plain2}/x`]);
    expect(missing.status).toBe(2);
    expect(isOneLineError(missing)).toBe(true);
    expect(missing.stderr).toMatch(/cannot read wadm manifest .*nope\.yaml: no such file/);

    const notApp = join(dir, 'deployment.yaml');
    writeFileSync(notApp, 'apiVersion: apps/v1\nkind: Deployment\n');
    const wrongKind = await par(['promote', '--wadm', notApp, '--to', `${plain2}/x`]);
    expect(wrongKind.status).toBe(1);
    expect(isOneLineError(wrongKind)).toBe(true);
    expect(wrongKind.stderr).toMatch(/deployment\.yaml:1: not a wadm application manifest/);

    const noTo = await par(['promote', '--wadm', join(dir, 'app.yaml')]);
    expect(noTo.status).toBe(1);
    expect(noTo.stderr).toMatch(/--wadm needs --to/);

    const tagged = await par(['promote', '--wadm', join(dir, 'app.yaml'), '--to', `${plain2}/x:1`]);
    expect(tagged.status).toBe(1);
    expect(isOneLineError(tagged)).toBe(true);
  });
});
