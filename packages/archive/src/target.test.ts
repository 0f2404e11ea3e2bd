import { describe, expect, test } from 'vitest';
import { assertStorableTarget, hostTarget } from './target.js';

describe('hostTarget', () => {
  test.each([
    ['x64', 'linux', 'x86_64-linux'],
    ['arm64', 'darwin', 'aarch64-macos'],
    ['x64', 'win32', 'x86_64-windows'],
    ['ia32', 'win32', 'x86-windows'],
    ['loong64', 'linux', 'loongarch64-linux'],
    ['ppc64', 'linux', 'powerpc64-linux'],
    ['riscv64', 'linux', 'riscv64-linux'],
    ['x64', 'sunos', 'x86_64-solaris'],
    ['arm64', 'android', 'aarch64-android'],
  ])('%s/%s is %s', (arch, platform, target) => {
    expect(hostTarget(arch, platform)).toBe(target);
  });

  test('defaults to this machine', () => {
    // Pretend to be another machine: the default must follow process.arch and process.platform.
    const arch = Object.getOwnPropertyDescriptor(process, 'arch')!;
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    try {
      Object.defineProperty(process, 'arch', { value: 'arm64' });
      Object.defineProperty(process, 'platform', { value: 'darwin' });
      expect(hostTarget()).toBe('aarch64-macos');
      Object.defineProperty(process, 'arch', { value: 'riscv64' });
      Object.defineProperty(process, 'platform', { value: 'linux' });
      expect(hostTarget()).toBe('riscv64-linux');
    } finally {
      Object.defineProperty(process, 'arch', arch);
      Object.defineProperty(process, 'platform', platform);
    }
  });
});

describe('assertStorableTarget', () => {
  test('accepts any other string, case-sensitively', () => {
    for (const target of ['x86_64-testrunner', 'mips64-android', 'Claims', 'worlds']) expect(() => assertStorableTarget(target)).not.toThrow();
  });
});
