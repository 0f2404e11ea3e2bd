import type { Argv, CommandModule } from 'yargs';

/**
 * Which options the command being parsed knows. yargs checks positional arguments before unknown
 * options, so `par verify --strcit F` (F taken as the value of --strcit) would be reported as a
 * missing argument; with the known options at hand, the misspelt flag is reported instead.
 */
export class KnownOptions {
  #names = new Set<string>();

  /** Wraps a command so that its builder, when yargs runs it, records the options it declared. */
  track<T, U>(command: CommandModule<T, U>): CommandModule<T, U> {
    const builder = command.builder;
    if (typeof builder !== 'function') return command;
    const tracked: CommandModule<T, U> = {
      ...command,
      builder: (yargs: Argv<T>) => {
        const built = builder(yargs) as Argv<U>;
        this.record(built);
        return built;
      },
    };
    return tracked;
  }

  /** Records the options (and aliases) a yargs instance declares. */
  record(yargs: Argv<unknown>): void {
    // getOptions() is in yargs but not in its type definitions.
    const options = (yargs as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }).getOptions();
    this.#names = new Set([...Object.keys(options.key), ...Object.values(options.alias).flat()]);
  }

  /** The first option in `args` the command does not know, with the closest known one, if any. */
  firstUnknown(args: readonly string[]): { flag: string; suggestion?: string } | undefined {
    if (this.#names.size === 0) return undefined;
    for (const arg of args) {
      if (arg === '--') break;
      const name = optionName(arg);
      if (name === undefined || this.#knows(name)) continue;
      const flag = name.length === 1 ? `-${name}` : `--${name}`;
      const suggestion = this.#closest(name);
      return suggestion === undefined ? { flag } : { flag, suggestion };
    }
    return undefined;
  }

  #knows(name: string): boolean {
    return this.#names.has(name) || this.#names.has(camelCase(name)) || (name.startsWith('no-') && this.#names.has(name.slice(3)));
  }

  #closest(name: string): string | undefined {
    let best: { name: string; distance: number } | undefined;
    for (const known of this.#names) {
      if (known.length < 2 || /[A-Z]/.test(known)) continue;
      const distance = editDistance(name, known);
      if (distance <= Math.max(1, Math.floor(known.length / 3)) && (best === undefined || distance < best.distance)) best = { name: known, distance };
    }
    return best === undefined ? undefined : `--${best.name}`;
  }
}

/** `--name`, `--name=value` → name; `-x`, `-xvalue` → x; anything else (values, `-`, negative numbers) → undefined. */
function optionName(arg: string): string | undefined {
  if (arg.startsWith('--') && arg.length > 2) return arg.slice(2).split('=')[0];
  if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) return arg[1];
  return undefined;
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Edit distance counting a swap of two neighbours as one edit (`--nmae` is one edit from `--name`). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      const above = rows[i - 1]!;
      row[j] = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}

/** The one instance: the CLI parses one command line per process. */
export const knownOptions = new KnownOptions();
