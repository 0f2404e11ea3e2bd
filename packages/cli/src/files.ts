import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CliError } from './errors.js';

/** `build/fakepay_provider` → `fakepay_provider`; `x.exe` → `x` (wash names keys and archives after it). */
export function stemOf(path: string): string {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Reads a JSON schema file for `--schema`, naming the file when it is missing or not JSON. */
export async function readSchemaFile(path: string): Promise<unknown> {
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
