// What par pushes, skopeo reads byte for byte; what skopeo copies (registry to registry, or to an OCI
// layout), par pulls back unchanged.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { fixture, tempDir } from '../support/par.js';
import { parNoSecrets as par, sha256Hex, washManifest } from '../support/registry-cli.js';

useRegistries(['plain', 'plain2', 'basic']);

const run = promisify(execFile);
const skopeo = (args: string[]) => run('skopeo', args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });

const fakepay = fixture('wash/fakepay.par.gz');
const fakepayBytes = readFileSync(fakepay);
const manifest = washManifest(fakepayBytes);
const manifestDigest = `sha256:${sha256Hex(manifest)}`;

async function pushFakepay(reference: string, flags: string[] = []): Promise<void> {
  const pushed = await par(['push', reference, fakepay, ...flags, '-o', 'json']);
  expect(pushed.status, pushed.stderr).toBe(0);
  expect((JSON.parse(pushed.stdout) as { digest: string }).digest).toBe(manifestDigest);
}

async function pullAndCompare(reference: string, flags: string[] = []): Promise<void> {
  const destination = join(tempDir(), 'pulled.par.gz');
  const pulled = await par(['pull', reference, '--destination', destination, ...flags, '-o', 'json']);
  expect(pulled.stderr).toBe('');
  expect(pulled.status).toBe(0);
  expect((JSON.parse(pulled.stdout) as { digest: string }).digest).toBe(manifestDigest);
  expect(readFileSync(destination).equals(fakepayBytes)).toBe(true);
}

describe.concurrent('skopeo reads what par pushed', () => {
  test('skopeo inspect --raw shows exactly the wash manifest bytes (plain HTTP)', async () => {
    const reference = `${registries.plain.host}/${uniqueRepository('par-cli/skopeo-raw')}:1`;
    await pushFakepay(reference);
    const { stdout } = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reference}`]);
    expect(stdout).toBe(manifest);
  });

  test('skopeo inspect --raw shows exactly the wash manifest bytes (Basic auth over TLS)', async () => {
    const basic = registries.basic;
    const reference = `${basic.host}/${uniqueRepository('par-cli/skopeo-raw')}:1`;
    await pushFakepay(reference, ['--ca-file', basic.caFile, '-u', basic.user, '-p', basic.password]);
    const { stdout } = await skopeo(['inspect', '--raw', '--cert-dir', basic.certDir, '--creds', `${basic.user}:${basic.password}`, `docker://${reference}`]);
    expect(stdout).toBe(manifest);
  });

  test('skopeo copy --preserve-digests to another registry, then par pull is byte-identical', async () => {
    const source = `${registries.plain.host}/${uniqueRepository('par-cli/skopeo-src')}:1`;
    const destination = `${registries.plain2.host}/${uniqueRepository('par-cli/skopeo-dst')}:1`;
    await pushFakepay(source);
    await skopeo(['copy', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${source}`, `docker://${destination}`]);
    const resolved = await par(['resolve', destination]);
    expect(resolved.stdout.trim()).toBe(manifestDigest);
    await pullAndCompare(destination);
  });

  test('skopeo copy to an OCI layout, par copy from the layout to a registry, par pull is byte-identical', async () => {
    const source = `${registries.plain.host}/${uniqueRepository('par-cli/skopeo-layout')}:1`;
    await pushFakepay(source);
    const layout = join(tempDir(), 'layout');
    await skopeo(['copy', '--preserve-digests', '--src-tls-verify=false', `docker://${source}`, `oci:${layout}:v1`]);

    const destination = `${registries.plain.host}/${uniqueRepository('par-cli/from-layout')}:1`;
    const copied = await par(['copy', `oci:${layout}:v1`, destination]);
    expect(copied.status, copied.stderr).toBe(0);
    await pullAndCompare(destination);
  });

  test('par copy to an OCI layout that skopeo then reads byte for byte', async () => {
    const source = `${registries.plain.host}/${uniqueRepository('par-cli/to-layout')}:1`;
    await pushFakepay(source);
    const layout = join(tempDir(), 'layout');
    const copied = await par(['copy', source, `oci:${layout}:v1`]);
    expect(copied.status, copied.stderr).toBe(0);
    const { stdout } = await skopeo(['inspect', '--raw', `oci:${layout}:v1`]);
    expect(stdout).toBe(manifest);
  });
});
