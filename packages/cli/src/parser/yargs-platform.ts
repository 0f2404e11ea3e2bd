import { notStrictEqual, strictEqual } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import type { Argv } from 'yargs';
import Parser from 'yargs-parser';
import y18n from 'y18n';
// yargs' own entry (index.mjs) is this factory plus a platform object that imports cliui and
// string-width up front; the factory alone lets par hand in that platform with the help renderer
// loaded only when help is asked for. Same package and version, reached past its `exports` map.
import { YargsFactory } from '../../node_modules/yargs/build/lib/yargs-factory.js';

/**
 * yargs with the platform object of yargs' ESM entry, except the help renderer: `cliui` and
 * `string-width` (Unicode segmentation tables, ~40 ms of every start-up) are loaded only when
 * `help` is true. yargs lays out the help text after every command anyway (it caches it in
 * case a later failure shows it); par never shows help for a failure (its `fail` handler
 * throws, and the message says "Run with --help"), so without `help` that layout is discarded:
 * it is given a renderer that draws nothing.
 */
export async function createYargs(args: string[], options: { help: boolean }): Promise<Argv> {
  const renderer = options.help ? await helpRenderer() : silentRenderer;
  const yargs = YargsFactory(platform(renderer)) as (args: string[]) => Argv;
  return yargs(args);
}

/** Whether the arguments ask for help, so the help renderer must be real. */
export function asksForHelp(args: string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg.startsWith('--help=')) return true;
  }
  return false;
}

interface Renderer {
  cliui: (options: { width: number; wrap: boolean }) => unknown;
  stringWidth: (text: string) => number;
}

async function helpRenderer(): Promise<Renderer> {
  const { cliui, stringWidth } = await import('../esm/help-renderer.js');
  return { cliui, stringWidth };
}

/** A cliui that lays nothing out: yargs' discarded help text costs nothing to build. */
const silentRenderer: Renderer = {
  cliui: () => ({ div: () => undefined, span: () => undefined, resetOutput: () => undefined, toString: () => '', rows: [] }),
  stringWidth: (text) => text.length,
};

const here = fileURLToPath(import.meta.url);

function platform(renderer: Renderer): object {
  return {
    assert: { notStrictEqual, strictEqual },
    cliui: renderer.cliui,
    // yargs looks for a package.json with a "yargs" key from mainFilename up; par's own has none.
    findUp: (start: string, callback: (directory: string, names: string[]) => string | undefined) => findUp(start, callback),
    getEnv: (key: string) => process.env[key],
    inspect,
    getProcessArgvBin: () => process.argv[1],
    mainFilename: dirname(dirname(here)),
    Parser,
    path: { basename, dirname, extname, relative, resolve, join },
    process: {
      argv: () => process.argv,
      cwd: () => process.cwd(),
      emitWarning: (warning: string, type: string) => process.emitWarning(warning, type),
      execPath: () => process.execPath,
      exit: (code: number) => process.exit(code),
      nextTick: (callback: () => void) => process.nextTick(callback),
      stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null,
    },
    readFileSync,
    readdirSync,
    require: createRequire(import.meta.url),
    getCallerFile: () => here,
    stringWidth: renderer.stringWidth,
    y18n: y18n({ directory: resolve(dirname(here), '../../node_modules/yargs/locales'), updateFiles: false }),
  };
}

/** escalade/sync, as yargs' entry uses it: the first directory, from `start` up, for which `callback` names a file. */
function findUp(start: string, callback: (directory: string, names: string[]) => string | undefined): string | undefined {
  let directory = resolve(start);
  for (;;) {
    let names: string[] = [];
    try {
      names = readdirSync(directory);
    } catch {
      // unreadable: keep climbing
    }
    const found = callback(directory, names);
    if (found) return resolve(directory, found);
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}
