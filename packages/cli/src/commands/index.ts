import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../render/output.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<GlobalOptions, any>;

/**
 * Every command, by the name it is invoked with, loaded on demand: a run builds the parser of
 * the command it names only (help, or an unknown name, loads them all). The order is the order
 * of `par --help`.
 */
export const COMMANDS: Record<string, () => Promise<AnyCommand[]>> = {
  create: async () => [(await import('./create.js')).createCommand],
  inspect: async () => [(await import('./inspect.js')).inspectCommand],
  insert: async () => [(await import('./insert.js')).insertCommand],
  verify: async () => [(await import('./verify.js')).verifyCommand],
  keys: async () => [(await import('./keys.js')).keysCommand],
  push: async () => [(await import('./push.js')).pushCommand],
  pull: async () => [(await import('./pull.js')).pullCommand],
  copy: async () => [(await import('./copy.js')).copyCommand],
  promote: async () => [(await import('./promote.js')).promoteCommand],
  attach: async () => [(await import('./attach.js')).attachCommand],
  discover: async () => [(await import('./discover.js')).discoverCommand],
  delete: async () => [(await import('./delete.js')).deleteCommand],
  tags: async () => [(await import('./tags.js')).tagsCommand],
  resolve: async () => [(await import('./resolve.js')).resolveCommand],
  login: async () => [(await import('./login.js')).loginCommand],
  logout: async () => [(await import('./login.js')).logoutCommand],
};

/** The commands a run needs: the one named (when it is known and help is not asked for), else all. */
export async function commandsFor(name: string | undefined, help: boolean): Promise<AnyCommand[]> {
  const one = !help && name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (one !== undefined) return one();
  return (await Promise.all(Object.values(COMMANDS).map((load) => load()))).flat();
}
