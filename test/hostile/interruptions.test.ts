// Real signals sent mid-transfer (a front server slows the bytes so the signal lands midway):
// SIGINT and SIGTERM during push, pull, copy and promote end with one line `interrupted`, exit
// 130/143, no partial or temporary file, the upload session cancelled, the cursor shown again.
// After a SIGKILL, the next run of the same pull or copy removes what the killed run left.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { proxy, slowProxy, startFrontServer, type FrontServer } from '../support/front-server.js';
import { cliEntry, par, repoRoot, startPar, tempDir, type ParRun, type StartedPar } from '../support/par.js';
import { freshArchive, sha256Hex } from '../support/registry-cli.js';

useRegistries(['plain', 'plain2']);

/** 8 MiB moved at 1 MiB/s: a signal sent once bytes flow lands well before the end. */
const SIZE = 8 * 1024 * 1024;
const RATE = 1024 * 1024;
let file: string;
let layerDigest: string;
let source: string;

beforeAll(async () => {
  const made = await freshArchive(tempDir(), SIZE, 'interrupt-me');
  file = made.file;
  layerDigest = `sha256:${sha256Hex(made.bytes)}`;
  source = `${uniqueRepository('hostile/interrupt')}:1`;
  const pushed = await par(['push', `${registries.plain.host}/${source}`, file]);
  expect(pushed.status, pushed.stderr).toBe(0);
}, 120_000);

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A registry in front of `upstream` whose layer downloads trickle. */
async function slowDownloads(upstream: string): Promise<FrontServer> {
  return startFrontServer({
    upstream,
    maxRequests: 100,
    intercept: (request, response) => {
      if (request.method !== 'GET' || !request.url?.endsWith(`/blobs/${layerDigest}`)) return false;
      return slowProxy(upstream, request, response, 'download', RATE);
    },
  });
}

/**
 * A registry in front of `upstream` that takes upload bodies slowly. The registry names its own
 * host in upload Locations: they are rewritten to this server so the uploads come through it.
 */
async function slowUploads(upstream: string): Promise<FrontServer> {
  return startFrontServer({
    upstream,
    maxRequests: 100,
    intercept: (request, response, self) => {
      if (!request.url?.includes('/blobs/uploads/')) return false;
      if (request.method === 'PUT' || request.method === 'PATCH') return slowProxy(upstream, request, response, 'upload', RATE);
      proxy(upstream, request, response, (status, headers) => ({
        status,
        headers: { ...headers, ...(headers.location ? { location: headers.location.replace(new URL(upstream).host, self.host) } : {}) },
      }));
      return true;
    },
  });
}

const partials = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.partial')) : []);
const partialBytes = (dir: string): number => partials(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
const uploading = (server: FrontServer): boolean => server.seen.some((seen) => /^(PUT|PATCH)$/.test(seen.method) && seen.url.includes('/blobs/uploads/'));
const cancelled = (server: FrontServer): boolean => server.seen.some((seen) => seen.method === 'DELETE' && seen.url.includes('/blobs/uploads/'));

async function interrupt(started: StartedPar, signal: NodeJS.Signals): Promise<{ run: ParRun; ms: number }> {
  const sent = Date.now();
  started.child.kill(signal);
  const run = await started.done;
  return { run, ms: Date.now() - sent };
}

function expectInterrupted(run: ParRun, ms: number, signal: NodeJS.Signals): void {
  expect(run.status, run.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
  expect(run.stderr).toBe('interrupted\n');
  expect(ms, 'par took its time to stop').toBeLessThan(10_000);
}

describe.concurrent('SIGINT and SIGTERM mid-transfer', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`pull, ${signal}: interrupted, nothing left in the destination`, async () => {
      const front = await slowDownloads(registries.plain.url);
      try {
        const out = tempDir();
        const started = startPar(['pull', `${front.host}/${source}`, '--destination', join(out, 'x.par.gz')], { timeout: 60_000 });
        await until(() => partialBytes(out) > 0, 'the download to start');
        const { run, ms } = await interrupt(started, signal);
        expectInterrupted(run, ms, signal);
        expect(readdirSync(out)).toEqual([]);
      } finally {
        await front.close();
      }
    });

    test(`push, ${signal}: interrupted, the upload session cancelled, nothing tagged`, async () => {
      const front = await slowUploads(registries.plain.url);
      try {
        const reference = `${front.host}/${uniqueRepository('hostile/push-int')}:1`;
        const started = startPar(['push', reference, file], { timeout: 60_000 });
        await until(() => uploading(front), 'the upload to start');
        await new Promise((resolve) => setTimeout(resolve, 300));
        const { run, ms } = await interrupt(started, signal);
        expectInterrupted(run, ms, signal);
        expect(cancelled(front), `no DELETE of the upload session: ${front.seen.map((s) => `${s.method} ${s.url}`).join(', ')}`).toBe(true);
        expect((await par(['resolve', reference.replace(front.host, registries.plain.host)])).status).toBe(2);
      } finally {
        await front.close();
      }
    });
  }

  test('copy to an OCI layout, SIGINT: no partial blob, no tag', async () => {
    const front = await slowDownloads(registries.plain.url);
    try {
      const layout = join(tempDir(), 'layout');
      const started = startPar(['copy', `${front.host}/${source}`, `oci:${layout}:1`], { timeout: 60_000 });
      const blobs = join(layout, 'blobs', 'sha256');
      await until(() => partialBytes(blobs) > 0, 'the blob download to start');
      const { run, ms } = await interrupt(started, 'SIGINT');
      expectInterrupted(run, ms, 'SIGINT');
      // The layout this copy created is discarded whole; were it kept, it would hold no partial blob and no tag.
      expect(partials(blobs)).toEqual([]);
      if (existsSync(layout)) {
        expect(readdirSync(blobs)).not.toContain(layerDigest.slice('sha256:'.length));
        expect(readFileSync(join(layout, 'index.json'), 'utf8')).not.toContain('"1"');
      }
    } finally {
      await front.close();
    }
  });

  for (const command of ['copy', 'promote'] as const) {
    test(`${command} between registries, SIGTERM: the destination's upload session cancelled`, async () => {
      const from = await slowDownloads(registries.plain.url);
      const to = await slowUploads(registries.plain2.url);
      try {
        const destination = `${to.host}/${uniqueRepository(`hostile/${command}-int`)}:1`;
        const started = startPar([command, `${from.host}/${source}`, destination], { timeout: 60_000 });
        await until(() => uploading(to), 'the upload to start');
        await new Promise((resolve) => setTimeout(resolve, 300));
        const { run, ms } = await interrupt(started, 'SIGTERM');
        expectInterrupted(run, ms, 'SIGTERM');
        expect(cancelled(to), `no DELETE of the upload session: ${to.seen.map((s) => `${s.method} ${s.url}`).join(', ')}`).toBe(true);
        expect((await par(['resolve', destination.replace(to.host, registries.plain2.host)])).status).toBe(2);
      } finally {
        await Promise.all([from.close(), to.close()]);
      }
    });
  }

  test('pull on a terminal, Ctrl-C: the progress bar gives the cursor back', async () => {
    const front = await slowDownloads(registries.plain.url);
    try {
      const out = tempDir();
      const home = tempDir('par-home-');
      const command = [process.execPath, cliEntry, 'pull', `${front.host}/${source}`, '--destination', join(out, 'x.par.gz')]
        .map((arg) => `'${arg}'`)
        .join(' ');
      // `script` runs par on a pseudo-terminal; a ^C written to it is a real Ctrl-C (SIGINT from the line discipline).
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        cwd: repoRoot,
        env: { PATH: process.env['PATH'] ?? '', HOME: home, DOCKER_CONFIG: join(home, '.docker'), TERM: 'xterm', COLUMNS: '100' },
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 60_000,
        killSignal: 'SIGKILL',
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
      const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
      await until(() => partialBytes(out) > 0 && output.includes('\u001b[?25l'), 'the progress bar');
      child.stdin.write('\u0003');
      const status = await exited;
      expect(status, output).toBe(130);
      const hidden = output.lastIndexOf('\u001b[?25l');
      expect(output.indexOf('\u001b[?25h', hidden), 'the cursor was never shown again').toBeGreaterThan(hidden);
      expect(output.trimEnd().split(/\r?\n/).at(-1)).toMatch(/interrupted$/);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      await front.close();
    }
  });
});

describe.concurrent('after a SIGKILL, the next run cleans up', () => {
  test('pull: the partial file of the killed run is removed by the next pull of the same destination', async () => {
    const front = await slowDownloads(registries.plain.url);
    try {
      const out = tempDir();
      const destination = join(out, 'x.par.gz');
      const started = startPar(['pull', `${front.host}/${source}`, '--destination', destination], { timeout: 60_000 });
      await until(() => partialBytes(out) > 0, 'the download to start');
      started.child.kill('SIGKILL');
      await started.done;
      expect(partials(out)).toHaveLength(1);
      // A partial file of a live process is never touched.
      const live = join(out, `.x.par.gz.${process.pid}-0123456789ab.partial`);
      writeFileSync(live, 'still being written');
      const again = await par(['pull', `${registries.plain.host}/${source}`, '--destination', destination]);
      expect(again.status, again.stderr).toBe(0);
      expect(readdirSync(out).sort()).toEqual([`.x.par.gz.${process.pid}-0123456789ab.partial`, 'x.par.gz']);
    } finally {
      await front.close();
    }
  });

  test('copy to an OCI layout: the killed run\'s partial blob is removed by the next copy', async () => {
    const front = await slowDownloads(registries.plain.url);
    try {
      const layout = join(tempDir(), 'layout');
      const blobs = join(layout, 'blobs', 'sha256');
      const started = startPar(['copy', `${front.host}/${source}`, `oci:${layout}:1`], { timeout: 60_000 });
      await until(() => partialBytes(blobs) > 0, 'the blob download to start');
      started.child.kill('SIGKILL');
      await started.done;
      expect(partials(blobs).length).toBeGreaterThan(0);
      const again = await par(['copy', `${registries.plain.host}/${source}`, `oci:${layout}:1`]);
      expect(again.status, again.stderr).toBe(0);
      expect(partials(blobs)).toEqual([]);
      expect(readdirSync(blobs)).toContain(layerDigest.slice('sha256:'.length));
    } finally {
      await front.close();
    }
  });
});
