import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from './errors.js';

/**
 * Checks, before any work, that a file par will write at the end can be written: its directory
 * exists and is writable, and the file, if it exists, is a regular file that is writable.
 */
export async function checkWritableFile(path: string, role: string): Promise<void> {
  const existing = await stat(path).catch(() => undefined);
  if (existing !== undefined) {
    if (!existing.isFile()) throw new CliError(`${path} is not a regular file (${role})`, 'invalid');
    await access(path, constants.W_OK).catch(() => {
      throw new CliError(`cannot write ${path} (${role}): permission denied`, 'failure');
    });
    return;
  }
  const directory = dirname(path);
  const parent = await stat(directory).catch(() => undefined);
  if (parent === undefined) throw new CliError(`cannot write ${path} (${role}): directory ${directory} does not exist`, 'not_found');
  if (!parent.isDirectory()) throw new CliError(`cannot write ${path} (${role}): ${directory} is not a directory`, 'invalid');
  await access(directory, constants.W_OK).catch(() => {
    throw new CliError(`cannot write ${path} (${role}): directory ${directory} is not writable`, 'failure');
  });
}

/** Writes a whole small file (a report), naming it when that fails. */
export async function writeOutputFile(path: string, role: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new CliError(`cannot write ${path} (${role}): ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'failure');
  }
}
