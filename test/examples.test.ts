// The scripts in examples/ run as a user would run them (node, @par/registry as installed in the
// workspace) against the plain test registry, and do what their comments say.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from './registries/endpoints.js';
import { useRegistries } from './registries/ensure-running.js';
import { makePar, tamperBinary } from './cli/promotion-support.js';
import { repoRoot, tempDir } from './support/par.js';

useRegistries(['plain']);

const execute = promisify(execFile);
const plain = registries.plain.host;

interface ExampleRun {
  status: number;
  stdout: string;
  stderr: string;
}

async function example(name: string, args: string[]): Promise<ExampleRun> {
  try {
    const { stdout, stderr } = await execute(process.execPath, [join(repoRoot, 'examples', name), ...args], { cwd: repoRoot, timeout: 60_000 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function json(run: ExampleRun): Record<string, unknown> {
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

const dir = tempDir('par-examples-');
let good: string;
let tampered: string;

beforeAll(async () => {
  good = await makePar(dir, 'good');
  tampered = join(dir, 'tampered.par');
  tamperBinary(good, join(dir, 'good.bin'), tampered);
});

describe('examples/', () => {
  test('push.mjs pushes a verified archive, and pull.mjs brings back the same bytes', async () => {
    const reference = `${plain}/${uniqueRepository('examples/push')}:1.0.0`;
    const pushed = json(await example('push.mjs', [good, reference]));
    expect(pushed['digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    const out = join(dir, 'pulled.par');
    const pulled = json(await example('pull.mjs', [reference, out]));
    expect(pulled['digest']).toBe(pushed['digest']);
    expect(readFileSync(out).equals(readFileSync(good))).toBe(true);
  });

  test('push.mjs refuses an archive that fails verification, and nothing is tagged', async () => {
    const repository = uniqueRepository('examples/refused');
    const run = await example('push.mjs', [tampered, `${plain}/${repository}:1.0.0`]);
    expect(run.status).toBe(4);
    expect(run.stderr).toMatch(/^error: refusing to push .* does not verify/);
    expect((await fetch(`${registries.plain.url}/v2/${repository}/manifests/1.0.0`, { method: 'HEAD' })).status).toBe(404);
  });

  test('copy-to-layout.mjs writes an OCI layout holding the same manifest', async () => {
    const reference = `${plain}/${uniqueRepository('examples/layout')}:1.0.0`;
    const pushed = json(await example('push.mjs', [good, reference]));
    const layout = join(dir, 'layout');
    const copied = json(await example('copy-to-layout.mjs', [reference, layout]));
    expect(copied).toMatchObject({ destination: `oci:${layout}:1.0.0`, digest: pushed['digest'], tags: ['1.0.0'] });
    const digest = String(pushed['digest']);
    expect(existsSync(join(layout, 'blobs', 'sha256', digest.slice(7)))).toBe(true);
    expect(readFileSync(join(layout, 'index.json'), 'utf8')).toContain(digest);
  });

  test('promote.mjs promotes what passes the policy and refuses what does not (exit 4, nothing copied)', async () => {
    const source = `${plain}/${uniqueRepository('examples/promote-src')}:1.0.0`;
    json(await example('push.mjs', [good, source]));
    const destination = `${plain}/${uniqueRepository('examples/promote-dst')}:1.0.0`;
    expect(json(await example('promote.mjs', [source, destination, 'x86_64-linux']))).toMatchObject({ action: 'promoted' });

    const refusedRepository = uniqueRepository('examples/promote-refused');
    const refused = await example('promote.mjs', [source, `${plain}/${refusedRepository}:1.0.0`, 'aarch64-macos']);
    expect(refused.status).toBe(4);
    expect(JSON.parse(refused.stdout)).toMatchObject({ action: 'refused', reasons: [expect.stringContaining('aarch64-macos')] });
    expect((await fetch(`${registries.plain.url}/v2/${refusedRepository}/manifests/1.0.0`, { method: 'HEAD' })).status).toBe(404);
  });
});
