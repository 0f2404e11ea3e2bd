import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { CliError } from './errors.js';
import { inputFile } from './input-files.js';

/** `build/fakepay_provider` → `fakepay_provider`; `x.exe` → `x` (wash names keys and archives after it). */
export function stemOf(path: string): string {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Reads a JSON schema file for `--schema`, naming the file when it is missing or not JSON. */
export async function readSchemaFile(path: string): Promise<unknown> {
  await inputFile(path, '--schema');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read schema file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'not_found');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`schema file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The binaries and world are regular files and the destination's directory exists (par create). */
export async function checkCreateInputs(binaries: readonly string[], world: string | undefined, destination: string): Promise<void> {
  for (const binary of binaries) await inputFile(binary, '--binary');
  if (world !== undefined) await inputFile(world, '--world');
  const directory = dirname(destination);
  const stats = await stat(directory).catch(() => undefined);
  if (stats === undefined) throw new CliError(`the directory of ${destination} does not exist (--destination)`, 'not_found');
  if (!stats.isDirectory()) throw new CliError(`${directory} is not a directory (--destination ${destination})`, 'invalid');
}
