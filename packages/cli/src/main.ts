#!/usr/bin/env node
import module from 'node:module';
import { setFlagsFromString } from 'node:v8';

// Node 22.1+ keeps V8's compiled code of par's modules on disk (in the OS temporary directory, or
// NODE_COMPILE_CACHE), so later runs skip compiling them; Node 20 has no such cache, and nothing
// changes there. A cache that cannot be written is reported by the return value, never thrown.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// undici parses HTTP with a WebAssembly module. On Node 20, V8 starts optimising it on a
// background thread after a few requests, and the process then waits for that compilation before
// it can exit: ~50 ms of `par resolve` and ~80 ms CPU of a small `par pull`, for code that parses
// headers of a handful of responses. A larger tier-up budget leaves it on the baseline compiler
// for the short runs par makes (newer Nodes measured the same either way).
setFlagsFromString('--wasm-tiering-budget=1000000000');

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
