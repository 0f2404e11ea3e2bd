import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdtemp, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileDigestCache, type KnownFile } from './file-digest-cache.js';

/** Stats observed a second after the file last changed: outside the racy window. */
const settled = (stats: { mtimeMs: number; ctimeMs: number }) => Math.max(stats.mtimeMs, stats.ctimeMs) + 1000;

const CACHE_FILE = 'file-digests.json';
/** Long before any test ran: a rewrite of the file always gets a later mtime than this. */
const LONG_AGO = new Date('2001-02-03T04:05:06Z');

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'par-digest-cache-'));
}

function digestOf(content: string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** A file with known content and mtime, its stats, and what a push would learn about it. */
async function pushedFile(dir: string, name = 'a.par', content = 'archive bytes 1'): Promise<{ file: string; stats: Stats; known: KnownFile }> {
  const file = join(dir, name);
  await writeFile(file, content);
  await utimes(file, LONG_AGO, LONG_AGO);
  const stats = await stat(file);
  return { file, stats, known: { digest: digestOf(content), size: stats.size, verified: true } };
}

/** The same stats with some fields replaced (Stats is a class; keep its prototype). */
function changed(stats: Stats, fields: Partial<Pick<Stats, 'size' | 'mtimeMs' | 'ctimeMs' | 'ino' | 'dev'>>): Stats {
  return Object.assign(Object.create(Object.getPrototypeOf(stats) as object) as Stats, stats, fields);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('FileDigestCache', () => {
  it('remembers a file and finds it again, in this and in a later process (re-opened)', async () => {
    const cacheDir = await scratch();
    const { file, stats, known } = await pushedFile(await scratch());
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir });
    expect(cache.lookup(file, stats)).toBeUndefined();
    await cache.remember(file, stats, known, settled(stats));
    expect(cache.lookup(file, stats)).toEqual(known);

    const reopened = await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir });
    expect(reopened.lookup(file, await stat(file))).toEqual(known);
    // The key is the absolute path: a relative spelling of the same file hits too.
    expect(reopened.lookup(relative(process.cwd(), file), await stat(file))).toEqual(known);
  });

  it('does not remember a file whose stats were taken right after it changed (racy clean)', async () => {
    const cacheDir = await scratch();
    const { file, stats, known } = await pushedFile(await scratch());
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir });
    // Observed 10 ms after the last change: a rewrite in the same timestamp tick could go unseen.
    await cache.remember(file, stats, known, Math.max(stats.mtimeMs, stats.ctimeMs) + 10);
    expect(cache.lookup(file, stats)).toBeUndefined();
    expect((await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir })).lookup(file, stats)).toBeUndefined();
  });

  it('misses once the file is rewritten in place with the same size', async () => {
    const cacheDir = await scratch();
    const { file, stats, known } = await pushedFile(await scratch());
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir });
    await cache.remember(file, stats, known, settled(stats));

    await writeFile(file, 'archive bytes 2');
    const now = await stat(file);
    expect(now.size).toBe(stats.size);
    expect(now.ino).toBe(stats.ino);
    expect(cache.lookup(file, now)).toBeUndefined();
    expect((await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir })).lookup(file, now)).toBeUndefined();
  });

  it('misses once the mtime is moved (utimes), even with the content unchanged', async () => {
    const cacheDir = await scratch();
    const { file, stats, known } = await pushedFile(await scratch());
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir });
    await cache.remember(file, stats, known, settled(stats));

    const later = new Date(LONG_AGO.getTime() + 60_000);
    await utimes(file, later, later);
    expect(cache.lookup(file, await stat(file))).toBeUndefined();
  });

  it.each([
    ['size', { size: 1 }],
    ['mtime', { mtimeMs: 1 }],
    ['ctime', { ctimeMs: 1 }],
    ['inode', { ino: 1 }],
    ['device', { dev: 1 }],
  ] as const)('misses when only the %s differs', async (_field, fields) => {
    const { file, stats, known } = await pushedFile(await scratch());
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: await scratch() });
    await cache.remember(file, stats, known, settled(stats));
    expect(cache.lookup(file, changed(stats, {}))).toEqual(known);
    expect(cache.lookup(file, changed(stats, fields))).toBeUndefined();
  });

  it('misses for another path, even one with identical stats', async () => {
    const dir = await scratch();
    const { file, stats, known } = await pushedFile(dir);
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: await scratch() });
    await cache.remember(file, stats, known, settled(stats));
    expect(cache.lookup(join(dir, 'b.par'), stats)).toBeUndefined();
  });

  it('does not record what does not match the file it claims to describe (size differs)', async () => {
    const cacheDir = await scratch();
    const { file, stats, known } = await pushedFile(await scratch());
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir });
    await cache.remember(file, stats, { ...known, size: stats.size + 1 }, settled(stats));
    expect(cache.lookup(file, stats)).toBeUndefined();
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('PAR_CACHE_DIR=off never hits and writes nothing anywhere it would otherwise', async () => {
    const xdg = await scratch();
    const home = await scratch();
    vi.stubEnv('HOME', home);
    const { file, stats, known } = await pushedFile(await scratch());
    const off = await FileDigestCache.open({ PAR_CACHE_DIR: 'off', XDG_CACHE_HOME: xdg });
    await off.remember(file, stats, known, settled(stats));
    expect(off.lookup(file, stats)).toBeUndefined();
    expect(await readdir(xdg)).toEqual([]);
    expect(await readdir(home)).toEqual([]);
    // And a cache that is on finds nothing the disabled one might have left.
    expect((await FileDigestCache.open({ XDG_CACHE_HOME: xdg })).lookup(file, stats)).toBeUndefined();
  });

  it('lives in $XDG_CACHE_HOME/par, else ~/.cache/par, when PAR_CACHE_DIR is not set', async () => {
    const { file, stats, known } = await pushedFile(await scratch());
    const xdg = await scratch();
    await (await FileDigestCache.open({ XDG_CACHE_HOME: xdg })).remember(file, stats, known, settled(stats));
    expect(await readdir(join(xdg, 'par'))).toEqual([CACHE_FILE]);

    const home = await scratch();
    vi.stubEnv('HOME', home);
    await (await FileDigestCache.open({})).remember(file, stats, known, settled(stats));
    expect(await readdir(join(home, '.cache', 'par'))).toEqual([CACHE_FILE]);
  });

  it('treats an empty PAR_CACHE_DIR or XDG_CACHE_HOME as unset (never a cache in the working directory)', async () => {
    const { file, stats, known } = await pushedFile(await scratch());
    const home = await scratch();
    vi.stubEnv('HOME', home);
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: '', XDG_CACHE_HOME: '' });
    await cache.remember(file, stats, known, settled(stats));
    expect(await readdir(join(home, '.cache', 'par'))).toEqual([CACHE_FILE]);
    expect(await readdir(process.cwd())).not.toContain(CACHE_FILE);
    expect(await readdir(process.cwd())).not.toContain('par');
  });

  it('ignores a relative XDG_CACHE_HOME (the XDG spec calls it invalid)', async () => {
    const { file, stats, known } = await pushedFile(await scratch());
    const home = await scratch();
    vi.stubEnv('HOME', home);
    await (await FileDigestCache.open({ XDG_CACHE_HOME: 'relative-cache' })).remember(file, stats, known, settled(stats));
    expect(await readdir(join(home, '.cache', 'par'))).toEqual([CACHE_FILE]);
    expect(await readdir(process.cwd())).not.toContain('relative-cache');
  });

  it.each([
    ['not JSON', '{"sha256:'],
    ['JSON but not an object of entries', '[1, 2, 3]'],
    ['null', 'null'],
    ['entries of the wrong shape', JSON.stringify({ '/x.par': { digest: 'md5:00', size: '1' } })],
  ])('starts empty, without throwing, from a corrupt cache file (%s)', async (_what, text) => {
    const cacheDir = await scratch();
    await writeFile(join(cacheDir, CACHE_FILE), text);
    const { file, stats, known } = await pushedFile(await scratch());
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir });
    expect(cache.lookup(file, stats)).toBeUndefined();
    expect(cache.lookup('/x.par', stats)).toBeUndefined();
    // And it heals: the next push writes a good file over it.
    await cache.remember(file, stats, known, settled(stats));
    expect((await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir })).lookup(file, stats)).toEqual(known);
  });

  it('keeps a valid entry beside an invalid one', async () => {
    const cacheDir = await scratch();
    const { file, stats, known } = await pushedFile(await scratch());
    await (await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir })).remember(file, stats, known, settled(stats));
    const entries = JSON.parse(await readFile(join(cacheDir, CACHE_FILE), 'utf8')) as Record<string, unknown>;
    entries['/elsewhere.par'] = { digest: 'not a digest' };
    await writeFile(join(cacheDir, CACHE_FILE), JSON.stringify(entries));
    expect((await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir })).lookup(file, stats)).toEqual(known);
  });

  it('keeps at most 256 entries, dropping the oldest first', async () => {
    const cacheDir = await scratch();
    const dir = await scratch();
    const { stats, known } = await pushedFile(dir);
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir });
    const paths = Array.from({ length: 258 }, (_, i) => join(dir, `file-${i}.par`));
    for (const path of paths) await cache.remember(path, stats, known, settled(stats));

    const reopened = await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir });
    expect(reopened.lookup(paths[0]!, stats)).toBeUndefined();
    expect(reopened.lookup(paths[1]!, stats)).toBeUndefined();
    expect(reopened.lookup(paths[2]!, stats)).toEqual(known);
    expect(reopened.lookup(paths[257]!, stats)).toEqual(known);
    const onDisk = JSON.parse(await readFile(join(cacheDir, CACHE_FILE), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(onDisk)).toHaveLength(256);
  });

  it('a re-remembered entry counts as new, so it outlives older ones', async () => {
    const cacheDir = await scratch();
    const dir = await scratch();
    const { stats, known } = await pushedFile(dir);
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir });
    const paths = Array.from({ length: 257 }, (_, i) => join(dir, `file-${i}.par`));
    await cache.remember(paths[0]!, stats, known, settled(stats));
    await cache.remember(paths[1]!, stats, known, settled(stats));
    await cache.remember(paths[0]!, stats, known, settled(stats));
    for (const path of paths.slice(2)) await cache.remember(path, stats, known, settled(stats));
    expect(cache.lookup(paths[0]!, stats)).toEqual(known);
    expect(cache.lookup(paths[1]!, stats)).toBeUndefined();
  });

  it('writes the cache file with mode 0600 (in a directory it creates 0700), and no temporary files stay', async () => {
    const cacheDir = join(await scratch(), 'nested', 'par');
    const { file, stats, known } = await pushedFile(await scratch());
    await (await FileDigestCache.open({ PAR_CACHE_DIR: cacheDir })).remember(file, stats, known, settled(stats));
    expect((await stat(join(cacheDir, CACHE_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(cacheDir)).mode & 0o777).toBe(0o700);
    expect(await readdir(cacheDir)).toEqual([CACHE_FILE]);
  });

  it('never fails the command when the cache cannot be written', async () => {
    const blocker = join(await scratch(), 'a-file');
    await writeFile(blocker, 'not a directory');
    const { file, stats, known } = await pushedFile(await scratch());
    const cache = await FileDigestCache.open({ PAR_CACHE_DIR: join(blocker, 'par') });
    await expect(cache.remember(file, stats, known, settled(stats))).resolves.toBeUndefined();
  });
});
