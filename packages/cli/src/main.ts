#!/usr/bin/env node
// `par --version` answers before yargs or any library is loaded: start-up is paid on every CI step.
// (`--version` inside `par create` is the provider's version, as in wash; only the bare flag is ours.)
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === 'version')) {
  const { cliVersion } = await import('./version.js');
  process.stdout.write(`par ${cliVersion()}\n`);
} else {
  const { run } = await import('./cli.js');
  process.exitCode = await run(args);
}
