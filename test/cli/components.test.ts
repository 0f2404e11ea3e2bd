// Wasm components (issue 14): `par push REF file.wasm` writes exactly what wash writes (config fields
// checked one by one, manifest byte for byte, read back by skopeo), a core module is refused unless
// --wasip1; pull writes <name>.wasm verified; inspect and verify read files and references; the
// legacy actor layout pulls and inspects; promote accepts components and refuses what is not one.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { startFrontServer } from '../support/front-server.js';
import { isOneLineError, par, tempDir } from '../support/par.js';
import { FIXTURE_WORLDS, componentFixture, digestOf, fixtureBytes, getBlob, pushRaw, washConfig } from '../support/components.js';
import { expectStatus, getManifest, tagsOf } from './promotion-support.js';

useRegistries(['plain', 'plain2']);

const plain = registries.plain.host;
const plain2 = registries.plain2.host;
const run = promisify(execFile);
const skopeo = (args: string[]) => run('skopeo', args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });

const CREATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$/;
const LEGACY_LAYER = 'application/vnd.module.wasm.content.layer.v1+wasm';
const LEGACY_CONFIG = 'application/vnd.wasmcloud.actor.archive.config';

interface PushJson {
  digest: string;
  kind: string;
  config: { digest: string; size: number };
  exports: string[];
  imports: string[];
}

async function push(reference: string, file: string, extra: string[] = []): Promise<PushJson> {
  const pushed = await par(['push', reference, file, '-o', 'json', ...extra]);
  expectStatus(pushed, 0);
  return JSON.parse(pushed.stdout) as PushJson;
}

describe('par push REF file.wasm', () => {
  test.each(Object.keys(FIXTURE_WORLDS))('%s: the config has the spec fields in order, the manifest is wash\'s, skopeo reads it', async (name) => {
    const repository = uniqueRepository('components/push');
    const bytes = fixtureBytes(name);
    const pushed = await push(`${plain}/${repository}:1.0.0`, componentFixture(name), ['--annotation', 'org.opencontainers.image.version=1.0.0']);
    expect(pushed.kind).toBe('component');

    const manifest = await getManifest('plain', repository, '1.0.0');
    expect(manifest.status).toBe(200);
    expect(manifest.digest).toBe(pushed.digest);
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');

    // The config, field by field (spec/wasm-components.md §2).
    const configBytes = await getBlob('plain', repository, pushed.config.digest);
    const config = JSON.parse(configBytes.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(config)).toEqual(['created', 'author', 'architecture', 'os', 'layerDigests', 'component']);
    expect(config['created']).toMatch(CREATED);
    expect(config['author']).toBeNull();
    expect(config['architecture']).toBe('wasm');
    expect(config['os']).toBe('wasip2');
    expect(config['layerDigests']).toEqual([digestOf(bytes)]);
    const component = config['component'] as Record<string, unknown>;
    expect(Object.keys(component)).toEqual(['exports', 'imports', 'target']);
    expect(component['exports']).toEqual(FIXTURE_WORLDS[name]!.exports);
    expect(component['imports']).toEqual(FIXTURE_WORLDS[name]!.imports);
    expect(component['target']).toBeNull();
    // serde_json's compact form: what JSON.stringify gives for the same keys in the same order.
    expect(configBytes.toString('utf8')).toBe(JSON.stringify(config));

    // The manifest, byte for byte (§4): keys sorted, annotations first, mediaType present, one layer.
    const expected =
      `{"annotations":{"org.opencontainers.image.version":"1.0.0"},` +
      `"config":{"digest":"${digestOf(configBytes)}","mediaType":"application/vnd.wasm.config.v0+json","size":${configBytes.length}},` +
      `"layers":[{"digest":"${digestOf(bytes)}","mediaType":"application/wasm","size":${bytes.length}}],` +
      `"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2}`;
    expect(manifest.bytes.toString('utf8')).toBe(expected);

    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${plain}/${repository}:1.0.0`]);
    expect(raw.stdout).toBe(expected);
    const rawConfig = await skopeo(['inspect', '--config', '--raw', '--tls-verify=false', `docker://${plain}/${repository}:1.0.0`]);
    expect(rawConfig.stdout).toBe(configBytes.toString('utf8'));
  });

  test('without --annotation the manifest has no annotations', async () => {
    const repository = uniqueRepository('components/plain');
    await push(`${plain}/${repository}:1`, componentFixture('clock.wasm'));
    const manifest = JSON.parse((await getManifest('plain', repository, '1')).bytes.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(manifest)).toEqual(['config', 'layers', 'mediaType', 'schemaVersion']);
  });

  test('a core module is refused, saying so, and nothing reaches the registry; --wasip1 pushes it as wasip1', async () => {
    const repository = uniqueRepository('components/core');
    const refused = await par(['push', `${plain}/${repository}:1`, componentFixture('core-module.wasm')]);
    expect(refused.status).toBe(1);
    expect(isOneLineError(refused)).toBe(true);
    expect(refused.stderr).toMatch(/is a core Wasm module, not a component .*--wasip1/);
    expect(await tagsOf('plain', repository)).toEqual([]);

    const pushed = await push(`${plain}/${repository}:1`, componentFixture('core-module.wasm'), ['--wasip1']);
    expect(pushed.kind).toBe('module');
    const config = JSON.parse((await getBlob('plain', repository, pushed.config.digest)).toString('utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ os: 'wasip1', component: null, architecture: 'wasm' });

    const wrongFlag = await par(['push', `${plain}/${repository}:2`, componentFixture('clock.wasm'), '--wasip1']);
    expect(wrongFlag.status).toBe(1);
    expect(wrongFlag.stderr).toMatch(/is a Wasm component; --wasip1 is for core modules/);
  });

  test('a file that starts like a component but does not parse is refused before any upload', async () => {
    const dir = tempDir();
    const broken = join(dir, 'broken.wasm');
    const bytes = fixtureBytes('clock.wasm');
    writeFileSync(broken, bytes.subarray(0, bytes.length - 3));
    const repository = uniqueRepository('components/broken');
    const refused = await par(['push', `${plain}/${repository}:1`, broken]);
    expect(refused.status).toBe(1);
    expect(isOneLineError(refused)).toBe(true);
    expect(refused.stderr).toMatch(/broken\.wasm is not a valid Wasm component: at byte 151: section 11 declares 24 bytes/);
    expect(await tagsOf('plain', repository)).toEqual([]);
  });
});

describe('par pull / inspect / verify of components', () => {
  test('pull writes <name>.wasm, byte-identical, with its world in the JSON', async () => {
    const repository = uniqueRepository('components/pull/greeter');
    const pushed = await push(`${plain}/${repository}:0.1.0`, componentFixture('greeter.wasm'));
    const dir = tempDir();
    const pulled = await par(['pull', `${plain}/${repository}:0.1.0`, '-o', 'json'], { cwd: dir });
    expectStatus(pulled, 0);
    const file = join(dir, `${repository.slice(repository.lastIndexOf('/') + 1)}.wasm`);
    expect(readFileSync(file).equals(fixtureBytes('greeter.wasm'))).toBe(true);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ digest: pushed.digest, kind: 'component', layout: 'oci-wasm', ...FIXTURE_WORLDS['greeter.wasm'] });
  });

  test('inspect REF and inspect file.wasm show exports and imports, as text and JSON', async () => {
    const repository = uniqueRepository('components/inspect');
    const pushed = await push(`${plain}/${repository}:1`, componentFixture('shaped.wasm'));
    const text = await par(['inspect', `${plain}/${repository}:1`]);
    expectStatus(text, 0);
    expect(text.stdout).toMatch(/Wasm Component/);
    expect(text.stdout).toMatch(/║ Digest +║ sha256:[0-9a-f]{64} ║/);
    for (const name of ['get', 'acme:greeter/shapes@0.1.0', 'wasi:random/random@0.2.0', 'pos', 'where']) expect(text.stdout).toContain(`║ ${name} `);
    expect(text.stdout.indexOf('Exports')).toBeLessThan(text.stdout.indexOf('Imports'));

    const json = await par(['inspect', `${plain}/${repository}:1`, '-o', 'json']);
    expectStatus(json, 0);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'component', digest: pushed.digest, layout: 'oci-wasm', os: 'wasip2', valid: true, ...FIXTURE_WORLDS['shaped.wasm'] });

    const file = await par(['inspect', componentFixture('greeter.wasm'), '-o', 'json']);
    expectStatus(file, 0);
    expect(JSON.parse(file.stdout)).toMatchObject({ name: 'greeter.wasm', kind: 'component', layer: { digest: digestOf(fixtureBytes('greeter.wasm')), size: 3653 }, ...FIXTURE_WORLDS['greeter.wasm'] });
    const fileText = await par(['inspect', componentFixture('greeter.wasm')]);
    expectStatus(fileText, 0);
    expect(fileText.stdout).toContain('║ wasi:cli/environment@0.2.0 ');
  });

  test('verify checks the layer digest, the config and that the layer is a component', async () => {
    const repository = uniqueRepository('components/verify');
    await push(`${plain}/${repository}:good`, componentFixture('clock.wasm'));
    const good = await par(['verify', `${plain}/${repository}:good`]);
    expectStatus(good, 0);
    expect(good.stdout).toMatch(/valid \(Wasm component, digests\)/);
    expectStatus(await par(['verify', componentFixture('clock.wasm')]), 0);

    // A config that lists another world than the layer has.
    const layer = fixtureBytes('clock.wasm');
    await pushRaw('plain', repository, 'lying', { layer, layerMediaType: 'application/wasm', config: washConfig(layer, { exports: ['wasi:http/incoming-handler@0.2.0'], imports: [] }), configMediaType: 'application/vnd.wasm.config.v0+json', withMediaType: true });
    const lying = await par(['verify', `${plain}/${repository}:lying`]);
    expect(lying.status).toBe(4);
    expect(isOneLineError(lying)).toBe(true);
    expect(lying.stderr).toMatch(/config component\.exports \["wasi:http\/incoming-handler@0\.2\.0"\] differ from the layer's \["wasi:cli\/run@0\.2\.0"\]/);

    // A layer that the registry serves with one byte changed (a front server in front of the real registry).
    const layerDigest = digestOf(layer);
    const front = await startFrontServer({
      upstream: registries.plain.url,
      maxRequests: 50,
      intercept: async (request, response) => {
        if (request.method !== 'GET' || request.url !== `/v2/${repository}/blobs/${layerDigest}`) return false;
        const corrupted = Buffer.from(layer);
        corrupted[100] = (corrupted[100] ?? 0) ^ 0xff;
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(corrupted.length), 'docker-content-digest': layerDigest });
        response.end(corrupted);
        return true;
      },
    });
    try {
      const corrupted = await par(['verify', `${front.host}/${repository}:good`]);
      expect(corrupted.status).toBe(4);
      expect(isOneLineError(corrupted)).toBe(true);
      expect(corrupted.stderr).toMatch(/verification failed|does not match|expected sha256/);

      const dir = tempDir();
      const pulled = await par(['pull', `${front.host}/${repository}:good`, '--destination', join(dir, 'x.wasm')]);
      expect(pulled.status).toBe(4);
      expect(existsSync(join(dir, 'x.wasm'))).toBe(false);
    } finally {
      await front.close();
    }
  });

  test('an application/wasm layer that is not Wasm: pull refuses (exit 4) and writes nothing; verify and promote refuse', async () => {
    const repository = uniqueRepository('components/notwasm');
    const layer = Buffer.from('this is not WebAssembly at all');
    await pushRaw('plain', repository, '1', { layer, layerMediaType: 'application/wasm', config: washConfig(layer, { exports: [], imports: [] }), configMediaType: 'application/vnd.wasm.config.v0+json', withMediaType: true });
    const dir = tempDir();
    const pulled = await par(['pull', `${plain}/${repository}:1`, '--destination', join(dir, 'x.wasm')]);
    expect(pulled.status).toBe(4);
    expect(isOneLineError(pulled)).toBe(true);
    expect(pulled.stderr).toMatch(/is not WebAssembly/);
    expect(existsSync(join(dir, 'x.wasm'))).toBe(false);

    const verified = await par(['verify', `${plain}/${repository}:1`]);
    expect(verified.status).toBe(4);

    const target = uniqueRepository('components/notwasm-dst');
    const promoted = await par(['promote', `${plain}/${repository}:1`, `${plain2}/${target}:1`, '-o', 'json']);
    expect(promoted.status).toBe(4);
    expect(JSON.parse(promoted.stdout).promotions[0]).toMatchObject({ action: 'refused', artifact: 'component', policy: 'fail' });
    expect(await tagsOf('plain2', target)).toEqual([]);
  });

  test('the legacy actor layout (wash < 0.29) pulls and inspects', async () => {
    const repository = uniqueRepository('components/legacy/echo');
    // A core module exporting one function, with the {} config and no manifest mediaType, as old wash pushed.
    const module = Buffer.from('0061736d01000000010401600000030201000707010372756e00000a040102000b', 'hex');
    const digest = await pushRaw('plain', repository, '0.1.0', { layer: module, layerMediaType: LEGACY_LAYER, config: Buffer.from('{}'), configMediaType: LEGACY_CONFIG, withMediaType: false });
    const dir = tempDir();
    const pulled = await par(['pull', `${plain}/${repository}:0.1.0`, '-o', 'json'], { cwd: dir });
    expectStatus(pulled, 0);
    const file = `${repository.slice(repository.lastIndexOf('/') + 1)}.wasm`;
    expect(JSON.parse(pulled.stdout)).toMatchObject({ file, digest, kind: 'module', layout: 'legacy-actor', exports: ['run'] });
    expect(readFileSync(join(dir, file)).equals(module)).toBe(true);

    const inspected = await par(['inspect', `${plain}/${repository}:0.1.0`]);
    expectStatus(inspected, 0);
    expect(inspected.stdout).toMatch(/Wasm Module/);
    expect(inspected.stdout).toMatch(/legacy actor/);
    expect(inspected.stdout).toContain('║ run ');
    const json = await par(['inspect', `${plain}/${repository}:0.1.0`, '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'module', layout: 'legacy-actor', exports: ['run'], imports: [], valid: true });
  });

  test('promote copies a component registry to registry, byte for byte', async () => {
    const repository = uniqueRepository('components/promote');
    const pushed = await push(`${plain}/${repository}:1.0.0`, componentFixture('greeter.wasm'));
    const promoted = await par(['promote', `${plain}/${repository}:1.0.0`, `${plain2}/${repository}:1.0.0`, '--require-issuer', 'AA7R5L74E45BJ4XVUYTELQ56P5VCOSPOAA474L7QWH4ZAILLKTZFWYYW', '-o', 'json']);
    expectStatus(promoted, 0);
    // Provider-only rules (issuer) do not apply to a component.
    expect(JSON.parse(promoted.stdout).promotions[0]).toMatchObject({ action: 'promoted', artifact: 'component', policy: 'pass', sourceDigest: pushed.digest, copied: 3 });
    const copied = await getManifest('plain2', repository, '1.0.0');
    expect(copied.digest).toBe(pushed.digest);
  });
});
