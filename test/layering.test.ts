import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Keeps the layering of packages/registry/src true (the table in packages/registry/README.md): a folder may
// import only from itself and from folders before it in LAYERS; no file imports itself back
// through a circle (type-only imports count: a type edge back is still a design circle).

const repository = path.resolve(import.meta.dirname, '..');
const registrySrc = path.join(repository, 'packages', 'registry', 'src');

/** Lowest first. `credentials` stores files (content's atomic writer) and is what http's auth may ask for. */
const LAYERS = ['oci', 'content', 'credentials', 'http', 'remote', 'par'] as const;

/** Modules that speak HTTP: only http/ and remote/ may use them (the test support file runs fake servers). */
const HTTP_MODULES = ['undici', 'node:http', 'node:https', 'node:http2', 'node:tls', 'http', 'https', 'http2', 'tls'];
const HTTP_LAYERS = new Set(['http', 'remote']);

/** The workspace packages every other may use: the error model and the atomic writer. They import nothing. */
const BASE_PACKAGES = ['@par/errors', '@par/files'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(dir, file));
}

/** Every module specifier a file imports or re-exports, type-only and dynamic imports included. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((entry) => entry.fileName);
}

function isHttpModule(specifier: string): boolean {
  return HTTP_MODULES.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

/** The layer folder of a file under packages/registry/src, or undefined for files at its root (index, test support). */
function layerOf(file: string): string | undefined {
  const relative = path.relative(registrySrc, file);
  return relative.includes(path.sep) ? relative.split(path.sep)[0] : undefined;
}

/** `./x.js` → the `.ts` file it names. */
function resolveLocal(from: string, specifier: string): string {
  return path.resolve(path.dirname(from), specifier.replace(/\.js$/, '.ts'));
}

interface Violation {
  file: string;
  specifier: string;
  reason: string;
}

/** Imports that break the layering rule, for the files given (all under packages/registry/src). */
function layeringViolations(files: string[], readImports: (file: string) => string[] = importsOf): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const layer = layerOf(file);
    const rank = layer === undefined ? LAYERS.length : LAYERS.indexOf(layer as (typeof LAYERS)[number]);
    const isTest = /\.test\.ts$/.test(file);
    const isTestSupport = path.basename(file) === 'test-support.ts';
    for (const specifier of readImports(file)) {
      const where = { file: path.relative(repository, file), specifier };
      if (isHttpModule(specifier) && !isTestSupport && (layer === undefined || !HTTP_LAYERS.has(layer))) {
        violations.push({ ...where, reason: `only ${[...HTTP_LAYERS].join('/ and ')}/ may speak HTTP` });
        continue;
      }
      if (specifier.startsWith('@par/') && !BASE_PACKAGES.includes(specifier) && !(specifier === '@par/archive' && layer === 'par')) {
        violations.push({ ...where, reason: 'the registry library imports @par/errors and @par/files, and @par/archive only in par/' });
        continue;
      }
      if (!specifier.startsWith('.')) continue;
      const target = resolveLocal(file, specifier);
      if (!target.startsWith(registrySrc + path.sep)) {
        violations.push({ ...where, reason: 'imports from outside packages/registry/src' });
        continue;
      }
      const targetLayer = layerOf(target);
      if (targetLayer === undefined) {
        // Root files (index.ts, test-support.ts) sit above every folder; only tests use the support file.
        if (layer !== undefined && !(isTest && path.basename(target) === 'test-support.ts')) {
          violations.push({ ...where, reason: `${layer}/ may not import the package root` });
        }
        continue;
      }
      const targetRank = LAYERS.indexOf(targetLayer as (typeof LAYERS)[number]);
      if (targetRank === -1) {
        violations.push({ ...where, reason: `${targetLayer}/ is not a known layer; add it to LAYERS` });
      } else if (targetRank > rank) {
        violations.push({ ...where, reason: `${layer}/ may not import ${targetLayer}/ (imports point ${LAYERS.join(' → ')}, never back)` });
      }
    }
  }
  return violations;
}

/** Import circles among the files given, each as the list of files around it. */
function importCycles(files: string[], readImports: (file: string) => string[] = importsOf): string[][] {
  const edges = new Map<string, string[]>();
  for (const file of files) {
    edges.set(
      file,
      readImports(file)
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => resolveLocal(file, specifier)),
    );
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(repository, f)));
      else if (state.get(next) === undefined && edges.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of edges.keys()) if (state.get(file) === undefined) visit(file);
  return cycles;
}

const format = (violations: Violation[]) => violations.map((v) => `${v.file}: import '${v.specifier}': ${v.reason}`);

describe('packages/registry/src layering', () => {
  const files = sourceFiles(registrySrc);

  it('has every source file in a known layer folder (or at the root)', () => {
    const folders = new Set(files.map(layerOf).filter((layer) => layer !== undefined));
    expect([...folders].filter((folder) => !(LAYERS as readonly string[]).includes(folder))).toEqual([]);
    expect(folders.size).toBe(LAYERS.length);
  });

  it('imports only from its own layer and the layers before it', () => {
    expect(format(layeringViolations(files))).toEqual([]);
  });

  it('has no import circle, type-only imports included', () => {
    expect(importCycles(files)).toEqual([]);
  });

  it('the checks catch an upward import and a circle (so a green run means something)', () => {
    const digest = path.join(registrySrc, 'oci', 'digest.ts');
    const copy = path.join(registrySrc, 'content', 'copy.ts');
    const fakeImports = (file: string): string[] => (file === digest ? ['../content/copy.js', 'undici'] : ['../oci/digest.js']);
    expect(format(layeringViolations([digest, copy], fakeImports))).toEqual([
      "packages/registry/src/oci/digest.ts: import '../content/copy.js': oci/ may not import content/ (imports point oci → content → credentials → http → remote → par, never back)",
      "packages/registry/src/oci/digest.ts: import 'undici': only http/ and remote/ may speak HTTP",
    ]);
    expect(importCycles([digest, copy], fakeImports)).toEqual([
      ['packages/registry/src/oci/digest.ts', 'packages/registry/src/content/copy.ts', 'packages/registry/src/oci/digest.ts'],
    ]);
  });
});

describe('package boundaries', () => {
  it('packages/archive imports nothing that speaks HTTP, and no workspace package but the base ones', () => {
    const bad = sourceFiles(path.join(repository, 'packages', 'archive', 'src')).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => isHttpModule(specifier) || (specifier.startsWith('@par/') && !BASE_PACKAGES.includes(specifier)))
        .map((specifier) => `${path.relative(repository, file)}: import '${specifier}'`),
    );
    expect(bad).toEqual([]);
  });

  it.each(['errors', 'files'])('packages/%s imports nothing but Node', (name) => {
    const bad = sourceFiles(path.join(repository, 'packages', name, 'src')).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:') && specifier !== 'vitest')
        .map((specifier) => `${path.relative(repository, file)}: import '${specifier}'`),
    );
    expect(bad).toEqual([]);
  });

  it('packages/cli imports no HTTP library (requests go through @par/registry)', () => {
    const bad = sourceFiles(path.join(repository, 'packages', 'cli', 'src')).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => isHttpModule(specifier))
        .map((specifier) => `${path.relative(repository, file)}: import '${specifier}'`),
    );
    expect(bad).toEqual([]);
  });
});
