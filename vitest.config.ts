import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests exercise the sources directly; only the CLI end-to-end tests need the built output.
    alias: { '@par/errors': src('errors'), '@par/files': src('files'), '@par/archive': src('archive'), '@par/registry': src('registry') },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests share the loopback registries; files run in parallel, tests within a file in order.
    fileParallelism: true,
  },
});
