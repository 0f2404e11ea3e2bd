import { writeAtomically } from '@par/files';
import type { Stats } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** What a push learned about a file, valid while the file's identity (size, times, inode) stays. */
export interface KnownFile {
  digest: string;
  size: number;
  /** The archive inside passed verification. */
  verified: boolean;
}

interface Entry extends KnownFile {
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

const MAX_ENTRIES = 256;

/**
 * A file changed within this long before it was looked at may change again without its
 * timestamps moving (coarse timestamp clocks; git's "racy clean" problem): not remembered.
 */
const RACY_WINDOW_MS = 50;

/**
 * Remembers the digest (and verification) of files pushed before, keyed by path and checked
 * against size, mtime, ctime, inode and device — as git's index does — so re-pushing an
 * unchanged 1 GiB archive costs a stat and a HEAD instead of hashing a gigabyte. Any doubt
 * (a changed stat, an unreadable cache) means hashing again; the cache never vouches for a
 * file that changed, and the registry still checks every digest it receives.
 */
export class FileDigestCache {
  readonly #path: string | undefined;
  readonly #entries: Map<string, Entry>;

  private constructor(path: string | undefined, entries: Map<string, Entry>) {
    this.#path = path;
    this.#entries = entries;
  }

  /**
   * `$PAR_CACHE_DIR`, else `$XDG_CACHE_HOME/par`, else `~/.cache/par`; `PAR_CACHE_DIR=off` disables it.
   * An empty variable counts as unset and a relative XDG_CACHE_HOME is ignored (as the XDG spec
   * says), so the cache never lands in whatever the working directory happens to be.
   */
  static async open(env: NodeJS.ProcessEnv = process.env): Promise<FileDigestCache> {
    const xdg = env['XDG_CACHE_HOME'];
    const cacheHome = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
    const directory = env['PAR_CACHE_DIR'] || join(cacheHome, 'par');
    if (directory === 'off') return new FileDigestCache(undefined, new Map());
    const path = join(directory, 'file-digests.json');
    return new FileDigestCache(path, await readEntries(path));
  }

  lookup(file: string, stats: Stats): KnownFile | undefined {
    const entry = this.#entries.get(resolve(file));
    if (entry === undefined || !sameFile(entry, stats)) return undefined;
    return { digest: entry.digest, size: entry.size, verified: entry.verified };
  }

  /**
   * Records what was learned; failing to write the cache never fails the command. `observedAt`
   * is when `stats` were taken (Date.now() just before the stat call).
   */
  async remember(file: string, stats: Stats, known: KnownFile, observedAt = Date.now()): Promise<void> {
    if (this.#path === undefined || known.size !== stats.size) return;
    if (observedAt - Math.max(stats.mtimeMs, stats.ctimeMs) < RACY_WINDOW_MS) return;
    const key = resolve(file);
    this.#entries.delete(key);
    this.#entries.set(key, { ...known, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino, dev: stats.dev });
    while (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
    try {
      await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
      await writeAtomically(this.#path, JSON.stringify(Object.fromEntries(this.#entries)), { mode: 0o600 });
    } catch {
      // A cache that cannot be written is only a slower next push.
    }
  }
}

function sameFile(entry: Entry, stats: Stats): boolean {
  return entry.size === stats.size && entry.mtimeMs === stats.mtimeMs && entry.ctimeMs === stats.ctimeMs && entry.ino === stats.ino && entry.dev === stats.dev;
}

async function readEntries(path: string): Promise<Map<string, Entry>> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Record<string, Entry>;
    return new Map(Object.entries(parsed).filter(([, entry]) => isEntry(entry)));
  } catch {
    return new Map(); // missing or unreadable: start afresh
  }
}

function isEntry(value: unknown): value is Entry {
  const entry = value as Entry;
  return (
    typeof entry === 'object' && entry !== null && typeof entry.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(entry.digest) &&
    [entry.size, entry.mtimeMs, entry.ctimeMs, entry.ino, entry.dev].every((n) => typeof n === 'number') && typeof entry.verified === 'boolean'
  );
}
