import { mkdir, open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { exitCodeFor } from './exit-codes.js';
import { fileSystemError } from './fs-errors.js';

/** The error Node really raises for an operation. */
async function raised(operation: () => Promise<unknown>): Promise<unknown> {
  return operation().then(
    () => expect.fail('the operation succeeded'),
    (error: unknown) => error,
  );
}

describe('file-system errors become one line naming the file and the action', () => {
  const missing = join(tmpdir(), `par-missing-${process.pid}`, 'x.par');

  test('ENOENT: not found (exit 2)', async () => {
    const error = fileSystemError(await raised(() => readFile(missing)));
    expect(error?.message).toBe(`cannot open ${missing}: no such file or directory`);
    expect(exitCodeFor(error)).toBe(2);
  });

  test('EISDIR: the action and "it is a directory" (exit 1)', async () => {
    const error = fileSystemError(await raised(() => open(tmpdir(), 'w')));
    expect(error?.message).toBe(`cannot open ${tmpdir()}: it is a directory`);
    expect(exitCodeFor(error)).toBe(1);
  });

  test('ENOTDIR through mkdir: "create the directory" (exit 2)', async () => {
    const file = join(tmpdir(), `par-file-${process.pid}`);
    await (await open(file, 'w')).close();
    const error = fileSystemError(await raised(() => mkdir(join(file, 'sub'))));
    expect(error?.message).toBe(`cannot create the directory ${join(file, 'sub')}: a part of the path is not a directory`);
    expect(exitCodeFor(error)).toBe(2);
  });

  test('EACCES reads "permission denied"; anything that is not a file-system error is left alone', () => {
    const denied = Object.assign(new Error("EACCES: permission denied, open '/etc/shadow'"), { code: 'EACCES', syscall: 'open', path: '/etc/shadow' });
    expect(fileSystemError(denied)?.message).toBe('cannot open /etc/shadow: permission denied');
    expect(fileSystemError(new Error('something else'))).toBeUndefined();
    expect(fileSystemError(Object.assign(new Error('socket'), { code: 'ECONNRESET' }))).toBeUndefined();
  });
});
