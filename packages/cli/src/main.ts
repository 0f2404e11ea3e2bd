#!/usr/bin/env node
// `par --version` answers before yargs or any library is loaded: start-up is paid on every CI step.
// (`--version` inside `par create` is the provider's version, as in wash; only the bare flag is ours.)
// Imported statically: version.ts is a few lines, and bundled into the entry it costs no module load.
import { cliVersion } from './version.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === 'version')) {
  process.stdout.write(`par ${cliVersion()}\n`);
} else {
  const { prepareRuntime } = await import('./runtime.js');
  prepareRuntime();
  const { run } = await import('./cli.js');
  process.exitCode = await run(args);
}
