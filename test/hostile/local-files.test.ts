// Crafted OCI layouts and pull destinations: a blob that is a symbolic link out of the layout or a
// FIFO is refused (never followed, never waited on); an invalid digest in index.json, a blob longer
// than its descriptor and `par pull oci:…` each say what is wrong; pull checks its destination
// before downloading anything.
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { startFrontServer, type FrontServer } from '../support/front-server.js';
import { fixture, isOneLineError, par, tempDir, type ParRun } from '../support/par.js';
import { sha256Hex } from '../support/registry-cli.js';

useRegistries(['plain']);

const fakepay = readFileSync(fixture('wash/fakepay.par.gz'));
const layerHex = sha256Hex(fakepay);
let source: string;

beforeAll(async () => {
  source = `${registries.plain.host}/${uniqueRepository('hostile/layout')}:1`;
  const pushed = await par(['push', source, fixture('wash/fakepay.par.gz')]);
  expect(pushed.status, pushed.stderr).toBe(0);
}, 60_000);

/** A fresh layout holding fakepay under tag 1, made by a real copy. */
async function layout(): Promise<string> {
  const dir = join(tempDir(), 'layout');
  const copied = await par(['copy', source, `oci:${dir}:1`]);
  expect(copied.status, copied.stderr).toBe(0);
  return dir;
}

function expectOneLine(run: ParRun, status: number, pattern: RegExp): void {
  expect(run.status, run.stderr).toBe(status);
  expect(isOneLineError(run), run.stderr).toBe(true);
  expect(run.stderr).toMatch(pattern);
}

describe.concurrent('OCI layouts hold regular files only', () => {
  test('a blob that is a symbolic link to a file outside the layout is refused, not read', async () => {
    const dir = await layout();
    const blob = join(dir, 'blobs', 'sha256', layerHex);
    const outside = join(tempDir(), 'outside');
    copyFileSync(blob, outside); // the very bytes: only the link itself is wrong
    rmSync(blob);
    symlinkSync(outside, blob);
    for (const args of [['inspect', `oci:${dir}:1`], ['copy', `oci:${dir}:1`, `${registries.plain.host}/${uniqueRepository('hostile/linked')}:1`]]) {
      const run = await par(args);
      expectOneLine(run, 1, /is a symbolic link; only regular files are read/);
    }
  });

  test('a blobs folder that links out of the layout is refused', async () => {
    const dir = await layout();
    const elsewhere = join(tempDir(), 'sha256');
    execFileSync('mv', [join(dir, 'blobs', 'sha256'), elsewhere]);
    symlinkSync(elsewhere, join(dir, 'blobs', 'sha256'));
    const run = await par(['inspect', `oci:${dir}:1`]);
    expectOneLine(run, 1, /leads outside the layout/);
  });

  test('a blob that is a FIFO: refused at once, no hang', async () => {
    const dir = await layout();
    const blob = join(dir, 'blobs', 'sha256', layerHex);
    rmSync(blob);
    execFileSync('mkfifo', [blob]);
    const started = Date.now();
    const run = await par(['inspect', `oci:${dir}:1`], { timeout: 20_000 });
    expectOneLine(run, 1, /is a FIFO, not a regular file/);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  test('an index.json that is a FIFO: refused at once, no hang', async () => {
    const dir = await layout();
    rmSync(join(dir, 'index.json'));
    execFileSync('mkfifo', [join(dir, 'index.json')]);
    const run = await par(['inspect', `oci:${dir}:1`], { timeout: 20_000 });
    expectOneLine(run, 1, /index\.json is a FIFO/);
  }, 30_000);

  test('an invalid digest in index.json is named as such, where it is', async () => {
    const dir = await layout();
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    index.manifests[0]!.digest = 'sha256:../../etc/passwd';
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    for (const args of [['copy', `oci:${dir}`, `${registries.plain.host}/${uniqueRepository('hostile/index')}:1`], ['inspect', `oci:${dir}:1`]]) {
      const run = await par(args);
      expectOneLine(run, 1, /index\.json: manifests\[0\] has an invalid digest "sha256:\.\.\/\.\.\/etc\/passwd"/);
      expect(run.stderr).not.toContain('not found');
    }
  });

  test('a local blob larger than its descriptor: copy says so before sending it (exit 4)', async () => {
    const dir = await layout();
    appendFileSync(join(dir, 'blobs', 'sha256', layerHex), 'extra bytes');
    const run = await par(['copy', `oci:${dir}:1`, `${registries.plain.host}/${uniqueRepository('hostile/longer')}:1`]);
    expectOneLine(run, 4, new RegExp(`blob sha256:${layerHex} in OCI layout .* is ${fakepay.length + 11} bytes, its descriptor says ${fakepay.length}`));
    expect(run.stderr).not.toMatch(/content-length/i);
  });
});

describe.concurrent('pull', () => {
  const servers: FrontServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  test('pull oci:… says that pull takes a registry reference', async () => {
    const dir = await layout();
    const run = await par(['pull', `oci:${dir}:1`]);
    expectOneLine(run, 1, /par pull takes a registry reference \(host\/repository:tag\), not the OCI layout oci:/);
    expect(run.stderr).not.toContain('invalid port');
  });

  test('a destination whose directory does not exist, or that is a directory: refused before any download', async () => {
    const front = await startFrontServer({ upstream: registries.plain.url, maxRequests: 50 });
    servers.push(front);
    const dir = tempDir();
    mkdirSync(join(dir, 'existing'));
    const reference = source.replace(registries.plain.host, front.host);
    const missing = await par(['pull', reference, '--destination', join(dir, 'no', 'such', 'x.par.gz')]);
    expectOneLine(missing, 2, /directory .*no\/such does not exist/);
    const directory = await par(['pull', reference, '--destination', join(dir, 'existing')]);
    expectOneLine(directory, 1, /existing: it is a directory/);
    expect(front.seen, 'the registry was asked for something').toEqual([]);
    expect(readdirSync(join(dir, 'existing'))).toEqual([]);
  });
});
