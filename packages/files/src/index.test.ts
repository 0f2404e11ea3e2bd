import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAtomically } from './index.js';

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
});
