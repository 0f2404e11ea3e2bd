import module from 'node:module';
import { setFlagsFromString } from 'node:v8';

/** Node settings for a command run, made before par's libraries load. */
export function prepareRuntime(): void {
  // Node 22.1+ keeps V8's compiled code of par's modules on disk (in the OS temporary directory,
  // or NODE_COMPILE_CACHE), so later runs skip compiling them; Node 20 has no such cache and
  // nothing changes there. A cache that cannot be written is reported by the return value, never thrown.
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

  // undici parses HTTP with a WebAssembly module. On Node 20, V8 starts optimising it on a
  // background thread after a few requests, and the process then waits for that compilation
  // before it can exit: ~50 ms of `par resolve` and ~80 ms CPU of a small `par pull`, for code
  // that parses the headers of a handful of responses (a 256 MiB pull spends ~8 ms in it). A
  // larger tier-up budget leaves it on the baseline compiler (Node 26 measured the same either way).
  setFlagsFromString('--wasm-tiering-budget=1000000000');
}
