import { notice } from './render/output.js';

// A wasmCloud host picks the binary named `<ARCH>-<OS>` with Rust's std::env::consts spellings.
const RUST_ARCHES = new Set(['x86', 'x86_64', 'arm', 'aarch64', 'loongarch64', 'm68k', 'csky', 'mips', 'mips64', 'powerpc', 'powerpc64', 'riscv64', 's390x', 'sparc64']);
const RUST_OSES = new Set(['linux', 'macos', 'ios', 'freebsd', 'dragonfly', 'netbsd', 'openbsd', 'solaris', 'illumos', 'android', 'windows']);

/** Does a wasmCloud host ever select this target? (`x86-64-linux`, `amd64-linux`, `x86_64-darwin`: never.) */
export function hostSelectsTarget(target: string): boolean {
  const dash = target.indexOf('-');
  return dash > 0 && RUST_ARCHES.has(target.slice(0, dash)) && RUST_OSES.has(target.slice(dash + 1));
}

/** Warns (stderr) about each target no host would select; the archive is still written as asked. */
export function warnAboutUnselectableTargets(targets: readonly string[]): void {
  for (const target of targets) {
    if (!hostSelectsTarget(target)) {
      notice(`warning: no wasmCloud host selects target "${target}": hosts look for <arch>-<os> as Rust spells them, e.g. x86_64-linux, aarch64-macos`);
    }
  }
}
