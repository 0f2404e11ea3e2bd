import { ArchiveError } from './errors.js';

const ARCH_NAMES: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'x86', loong64: 'loongarch64', ppc64: 'powerpc64' };
const OS_NAMES: Record<string, string> = { darwin: 'macos', win32: 'windows', sunos: 'solaris' };

/** This machine's target with Rust's spellings, e.g. `x86_64-linux`, `aarch64-macos` (spec §3). */
export function hostTarget(arch: string = process.arch, platform: string = process.platform): string {
  return `${ARCH_NAMES[arch] ?? arch}-${OS_NAMES[platform] ?? platform}`;
}

/** The archive entry name of a target's binary. */
export function binaryEntryName(target: string): string {
  return `${target}.bin`;
}

/** Refuses target names that cannot be stored (spec §3): empty, `claims`, `world`, or containing `/`. */
export function assertStorableTarget(target: string): void {
  if (target === '') throw new ArchiveError('a target name cannot be empty', 'invalid');
  if (target === 'claims' || target === 'world') {
    throw new ArchiveError(`'${target}' cannot be a target name: it is reserved for ${target === 'claims' ? 'claims.jwt' : 'world.wasm'}`, 'invalid');
  }
  if (target.includes('/') || target.includes('\\') || target.includes('\0')) {
    throw new ArchiveError(`target '${target}' cannot contain '/', '\\' or NUL`, 'invalid');
  }
  if (target === '.' || target === '..') throw new ArchiveError(`'${target}' cannot be a target name`, 'invalid');
}
