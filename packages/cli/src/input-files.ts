import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CliError } from './errors.js';

/**
 * Stats a file par is about to read, naming it and its role in every refusal: missing (not found,
 * exit 2), not a regular file (a directory, FIFO or device: exit 1), or unreadable.
 */
export async function inputFile(path: string, role: string): Promise<Stats> {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CliError(`no such file: ${path} (${role})`, 'not_found');
    throw new CliError(`cannot read ${path} (${role}): ${code ?? String(error)}`, 'failure');
  }
  if (!stats.isFile()) throw new CliError(`${path} is not a regular file (${role}; it is ${kindOf(stats)})`, 'invalid');
  return stats;
}

/** `par push FILE REF` instead of `par push REF FILE`: the file comes second. */
export async function refuseSwappedPush(reference: string, file: string): Promise<void> {
  const referenceIsFile = (await stat(reference).catch(() => undefined))?.isFile() === true;
  const fileExists = (await stat(file).catch(() => undefined)) !== undefined;
  if (referenceIsFile && !fileExists) {
    throw new CliError(`the arguments are swapped: ${reference} is a file and ${file} is not; the reference comes first: par push ${file} ${reference}`, 'invalid');
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}
