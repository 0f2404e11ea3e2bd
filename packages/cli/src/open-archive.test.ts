import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fixture } from '../../../test/support/par.js';
import { openArchive } from './open-archive.js';

// Records whether the registry library (and with it the HTTP client) was loaded.
const loaded = vi.hoisted(() => ({ registry: 0 }));
vi.mock('@par/registry', async (importOriginal) => {
  loaded.registry++;
  return importOriginal();
});

const flags = { insecure: false, 'insecure-skip-tls-verify': false, debug: false };

describe('openArchive', () => {
  // In this order: the module is loaded once per file, so the first test sees whether it was at all.
  it('reads a local file without loading the registry library', async () => {
    const opened = await openArchive(fixture('wash/fakepay.par.gz'), flags);
    if (opened.type !== 'par') expect.fail(`a provider archive was read as ${opened.type}`);
    expect(opened.contents.entries.length).toBeGreaterThan(0);
    expect(opened.digest).toBeUndefined();
    expect(loaded.registry).toBe(0);
  });

  it('leaves anything else to the registry library, which names a missing file as such', async () => {
    const missing = path.join(path.dirname(fixture('wash/fakepay.par.gz')), 'no-such.par.gz');
    await expect(openArchive(missing, flags)).rejects.toMatchObject({ kind: 'not_found', message: expect.stringContaining(missing) });
    expect(loaded.registry).toBe(1);
  });
});
