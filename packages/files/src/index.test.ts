import type * as NodeFs from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { removeStalePartials, temporaryPathBeside, writeAtomically } from './index.js';

// Counts the background flushes, and does them.
const flushes = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  return {
    ...fs,
    fdatasync: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      flushes.count++;
      fs.fdatasync(fd, callback);
    },
  };
});

const dir = await mkdtemp(path.join(tmpdir(), 'par-files-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const failing = () =>
  new Transform({
    transform(_chunk, _encoding, callback) {
      callback(new Error('stage failed'));
    },
  });

describe('writeAtomically', () => {
  it('writes bytes, strings and streams, with the mode asked for', async () => {
    const file = path.join(dir, 'a.json');
    await writeAtomically(file, '{"a":1}', { mode: 0o600 });
    expect(await readFile(file, 'utf8')).toBe('{"a":1}');
    await writeAtomically(file, (async function* () {
      yield Buffer.from('re');
      yield Buffer.from('placed');
    })());
    expect(await readFile(file, 'utf8')).toBe('replaced');
  });

  it('on a failing stage or a refused verdict: the old file stays, no temporary file is left', async () => {
    const file = path.join(dir, 'b.txt');
    await writeFile(file, 'old');
    await expect(writeAtomically(file, 'new', { stages: [failing()] })).rejects.toThrow('stage failed');
    await expect(writeAtomically(file, 'new', { beforeRename: () => Promise.reject(new Error('refused')) })).rejects.toThrow('refused');
    expect(await readFile(file, 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('refuses a destination in a directory that does not exist, leaving nothing', async () => {
    await expect(writeAtomically(path.join(dir, 'missing', 'c.txt'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('flushes a large file while it is written, and the file is every byte of the stream', async () => {
    const file = path.join(dir, 'large.bin');
    const chunk = Buffer.alloc(1024 * 1024);
    flushes.count = 0;
    await writeAtomically(file, (async function* () {
      for (let i = 0; i < 80; i++) {
        chunk.fill(i);
        yield Buffer.from(chunk);
        // Give the background flush a turn, as a download's pace would.
        if (i % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })());
    const written = await readFile(file);
    expect(written.length).toBe(80 * 1024 * 1024);
    for (let i = 0; i < 80; i++) expect(written[i * 1024 * 1024 + 5]).toBe(i);
    expect(flushes.count).toBeGreaterThanOrEqual(1);
    await rm(file);
  });

  it('does not flush a small file before its final fsync', async () => {
    flushes.count = 0;
    await writeAtomically(path.join(dir, 'small.txt'), 'x'.repeat(1000));
    expect(flushes.count).toBe(0);
  });
});

describe('partial files of killed runs', () => {
  /** The pid of a process that has exited (and been reaped): no one is writing under it. */
  const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

  it('names the writing process', () => {
    expect(path.basename(temporaryPathBeside('/x/y.par.gz'))).toMatch(new RegExp(`^\\.y\\.par\\.gz\\.${process.pid}-[0-9a-f]{12}\\.partial$`));
  });

  it('removes those of dead processes beside the destination, keeps those of live ones and of other files', async () => {
    const folder = path.join(dir, 'stale');
    await mkdir(folder);
    const dead = `.x.par.gz.${deadPid()}-0123456789ab.partial`;
    const live = `.x.par.gz.${process.pid}-0123456789ab.partial`;
    const other = `.y.par.gz.${deadPid()}-0123456789ab.partial`;
    for (const name of [dead, live, other]) await writeFile(path.join(folder, name), 'partial');
    expect(await removeStalePartials(path.join(folder, 'x.par.gz'))).toEqual([dead]);
    expect((await readdir(folder)).sort()).toEqual([live, other].sort());
  });

  it('writeAtomically clears them before it writes', async () => {
    const folder = path.join(dir, 'stale-write');
    await mkdir(folder);
    const dead = `.z.txt.${deadPid()}-0123456789ab.partial`;
    await writeFile(path.join(folder, dead), 'partial');
    await writeAtomically(path.join(folder, 'z.txt'), 'done');
    expect(await readdir(folder)).toEqual(['z.txt']);
  });
});
