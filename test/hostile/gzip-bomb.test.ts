// A gzip bomb (about 1 MiB unpacking to 1 GiB) is refused early, as a file, on push, and from a
// registry: the unpacked size is bounded by what the compressed bytes read so far can honestly hold.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { writeGzipBomb } from '../support/gzip-bomb.js';
import { isOneLineError, par, tempDir, type ParRun } from '../support/par.js';

useRegistries(['plain']);

const GiB = 1024 * 1024 * 1024;
let bomb: string;

beforeAll(async () => {
  bomb = join(tempDir(), 'bomb.par.gz');
  await writeGzipBomb(bomb, GiB);
  expect(statSync(bomb).size).toBeLessThan(8 * 1024 * 1024);
}, 120_000);

function expectRefusedBomb(run: ParRun, started: number): void {
  expect(run.status, run.stderr).toBe(1);
  expect(isOneLineError(run), run.stderr).toBe(true);
  expect(run.stderr).toMatch(/unpacks to more than 64 times its compressed size \(\d+ bytes from \d+\); refused as a gzip bomb/);
  // Refused after some tens of MiB, not after unpacking the whole GiB.
  const unpacked = Number(/\((\d+) bytes from/.exec(run.stderr)?.[1]);
  expect(unpacked).toBeLessThan(512 * 1024 * 1024);
  expect(Date.now() - started).toBeLessThan(30_000);
}

describe.concurrent('a gzip bomb', () => {
  test('inspect and verify of the file refuse it early', async () => {
    for (const command of ['inspect', 'verify']) {
      const started = Date.now();
      expectRefusedBomb(await par([command, bomb], { timeout: 60_000 }), started);
    }
  });

  test('push refuses it (nothing tagged); pushed anyway, inspect of the reference refuses it', async () => {
    const reference = `${registries.plain.host}/${uniqueRepository('hostile/bomb')}:1`;
    let started = Date.now();
    const pushed = await par(['push', reference, bomb], { timeout: 60_000 });
    expect(pushed.stderr).toContain('refusing to push');
    expectRefusedBomb(pushed, started);
    expect((await par(['resolve', reference])).status).toBe(2);

    expect((await par(['push', reference, bomb, '--no-verify'], { timeout: 60_000 })).status).toBe(0);
    started = Date.now();
    expectRefusedBomb(await par(['inspect', reference], { timeout: 60_000 }), started);
  });
});
