import { afterEach, describe, expect, it, vi } from 'vitest';
import { asksForHelp, createYargs } from './yargs-platform.js';
import { commandsFor, COMMANDS } from '../commands/index.js';

// Records whether the help renderer was loaded, and otherwise behaves as the real one.
const loaded = vi.hoisted(() => ({ cliui: 0, stringWidth: 0 }));
vi.mock('cliui', async (importOriginal) => {
  loaded.cliui++;
  return importOriginal();
});
vi.mock('string-width', async (importOriginal) => {
  loaded.stringWidth++;
  return importOriginal();
});

afterEach(() => {
  loaded.cliui = 0;
  loaded.stringWidth = 0;
});

async function parse(args: string[]): Promise<{ argv: Record<string, unknown>; output: string }> {
  const help = asksForHelp(args);
  let output = '';
  const parser = (await createYargs(args, { help }))
    .scriptName('par')
    .command('resolve <reference>', 'Print the digest', (y) => y.positional('reference', { type: 'string' }).option('debug', { type: 'boolean', describe: 'Log requests' }))
    .strict()
    .exitProcess(false);
  const argv = (await parser.parseAsync(args, {}, (_error, _argv, text) => {
    output = text;
  })) as Record<string, unknown>;
  return { argv, output };
}

describe('the yargs platform', () => {
  it('parses a command without loading the help renderer', async () => {
    const { argv } = await parse(['resolve', 'example.com/a:1', '--debug']);
    expect(argv['reference']).toBe('example.com/a:1');
    expect(argv['debug']).toBe(true);
    expect(loaded).toEqual({ cliui: 0, stringWidth: 0 });
  });

  it('loads the real renderer for --help and lays the help out', async () => {
    const { output } = await parse(['resolve', '--help']);
    expect(loaded.cliui).toBe(1);
    expect(output).toMatch(/par resolve <reference>\n\nPrint the digest/);
    expect(output).toMatch(/--debug\s+Log requests\s+\[boolean\]/);
  });

  it('treats --help after -- as an argument, not a request for help', () => {
    expect(asksForHelp(['push', '--', '--help'])).toBe(false);
    expect(asksForHelp(['push', '--help=true'])).toBe(true);
  });
});

describe('commandsFor', () => {
  it('loads only the command that is named', async () => {
    const commands = await commandsFor('resolve', false);
    expect(commands.map((c) => c.command)).toEqual(['resolve <reference>']);
  });

  it('loads every command for help and for an unknown name', async () => {
    for (const [name, help] of [['resolve', true], ['nonsense', false], [undefined, false]] as const) {
      const commands = await commandsFor(name, help);
      expect(commands).toHaveLength(Object.keys(COMMANDS).length);
    }
  });

  it('names each command after the word that invokes it', async () => {
    for (const [name, load] of Object.entries(COMMANDS)) {
      const [command] = await load();
      expect(String(command?.command).split(' ')[0]).toBe(name);
    }
  });
});
