// The packages as a user gets them: `pnpm pack` each, `npm install -g --prefix` the CLI tarball,
// run the installed `par` against the plain test registry, and import the library tarballs from a
// scratch project. Nothing from the monorepo is on the paths the installed code runs from.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { fixture, repoRoot, tempDir } from '../support/par.js';

useRegistries(['plain']);

const INSTALL_TIMEOUT_MS = 240_000;
const packages = ['errors', 'files', 'archive', 'registry', 'cli'] as const;
const version = (JSON.parse(readFileSync(join(repoRoot, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version;
const golden = fixture('wash/fakepay.par.gz');

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment a user's shell would have: this one (proxies and CA certificates included, for
 * npm) without what points into the monorepo (NODE_PATH, NODE_OPTIONS, the npm_* pnpm sets).
 */
function userEnvironment(home: string, path: string | undefined): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_|NODE_PATH$|NODE_OPTIONS$|VITEST)/i.test(name)));
  return {
    ...env,
    PATH: path ?? process.env['PATH'] ?? '',
    HOME: home,
    // npm's cache stays the user's: the dependencies come from the npm registry, once.
    npm_config_cache: process.env['npm_config_cache'] ?? join(process.env['HOME'] ?? home, '.npm'),
    WASH_KEYS: join(home, 'keys'),
    DOCKER_CONFIG: join(home, '.docker'),
  };
}

function run(command: string, args: string[], options: { cwd: string; home: string; path?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: userEnvironment(options.home, options.path),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

function expectOk(result: Run, what: string): void {
  if (result.status !== 0) expect.fail(`${what}: exit ${result.status}\n${result.stderr}${result.stdout}`);
}

const work = tempDir('par-install-');
const home = tempDir('par-install-home-');
const tarballs = join(work, 'tarballs');
const prefix = join(work, 'prefix');
const tarball = (name: (typeof packages)[number]) => join(tarballs, `par-${name}-${version}.tgz`);

beforeAll(async () => {
  for (const name of packages) {
    expectOk(await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(repoRoot, 'packages', name), home }), `pnpm pack ${name}`);
  }
}, INSTALL_TIMEOUT_MS);

describe('the packed tarballs', () => {
  test('hold the built code, types, README and LICENSE — no sources, no tests', async () => {
    for (const name of packages) {
      const listing = await run('tar', ['tzf', tarball(name)], { cwd: work, home });
      expectOk(listing, `tar tzf ${name}`);
      const files = listing.stdout.trim().split('\n');
      expect(files).toEqual(expect.arrayContaining(['package/package.json', 'package/README.md', 'package/LICENSE']));
      expect(files.filter((f) => f.startsWith('package/src/') || /\.test\.|test-support|\.ts$/.test(f.replace(/\.d\.ts$/, '')))).toEqual([]);
      if (name === 'cli') expect(files).toContain('package/bundle/par.js');
      else expect(files).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/index.d.ts']));
      const manifest = JSON.parse((await run('tar', ['xzOf', tarball(name), 'package/package.json'], { cwd: work, home })).stdout) as Record<string, unknown>;
      expect(manifest['private']).toBeUndefined();
      expect(manifest['license']).toBe('Apache-2.0');
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
    }
  });
});

describe('npm install -g --prefix of the CLI tarball', () => {
  const bin = join(prefix, 'bin', 'par');
  const path = `${join(prefix, 'bin')}:${process.env['PATH'] ?? ''}`;
  const par = (args: string[], cwd = work) => run(bin, args, { cwd, home, path });

  beforeAll(async () => {
    const installed = await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', tarball('cli')], { cwd: work, home });
    expectOk(installed, 'npm install -g');
  }, INSTALL_TIMEOUT_MS);

  test('installs a par that runs from the prefix, with nothing installed beside it', () => {
    const target = realpathSync(bin);
    expect(target.startsWith(realpathSync(prefix))).toBe(true);
    expect(target.startsWith(repoRoot)).toBe(false);
    // The bundle is self-contained: npm installed no dependency for it.
    const packageDir = join(prefix, 'lib', 'node_modules', '@par', 'cli');
    expect(readdirSync(packageDir).sort()).toEqual(['LICENSE', 'README.md', 'bundle', 'package.json']);
  });

  test('par --version', async () => {
    const result = await par(['--version']);
    expectOk(result, 'par --version');
    expect(result.stdout).toBe(`par ${version}\n`);
  });

  test('par inspect of a wash-made archive', async () => {
    const result = await par(['inspect', golden, '-o', 'json']);
    expectOk(result, 'par inspect');
    expect(JSON.parse(result.stdout)).toMatchObject({ name: 'Fake Payments', service: expect.stringMatching(/^V/) });
  });

  test('par push, then par pull, against the plain registry: the same bytes come back', async () => {
    const reference = `${registries.plain.host}/${uniqueRepository('install/fakepay')}:0.1.0`;
    const pushed = await par(['push', reference, golden, '-o', 'json']);
    expectOk(pushed, 'par push');
    const pulledDir = tempDir('par-install-pull-');
    const pulled = await par(['pull', reference, '--destination', 'pulled.par.gz', '-o', 'json'], pulledDir);
    expectOk(pulled, 'par pull');
    expect((JSON.parse(pulled.stdout) as { digest: string }).digest).toBe((JSON.parse(pushed.stdout) as { digest: string }).digest);
    expect(readFileSync(join(pulledDir, 'pulled.par.gz')).equals(readFileSync(golden))).toBe(true);
  });
});

describe('the library tarballs in a scratch project', () => {
  const project = join(work, 'scratch');

  beforeAll(async () => {
    expectOk(await run('mkdir', ['-p', project], { cwd: work, home }), 'mkdir');
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'scratch', private: true, type: 'module' })}\n`);
    const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball('errors'), tarball('files'), tarball('archive'), tarball('registry')], { cwd: project, home });
    expectOk(installed, 'npm install of the library tarballs');
  }, INSTALL_TIMEOUT_MS);

  test('import and work: read and verify an archive, push it and resolve it in the plain registry', async () => {
    const repository = uniqueRepository('install/library');
    writeFileSync(
      join(project, 'check.mjs'),
      [
        "import { describeArchive, readArchive, verifyArchive } from '@par/archive';",
        "import { ParFileSource, RegistryClient, copy, parseReference } from '@par/registry';",
        `const file = ${JSON.stringify(golden)};`,
        'const contents = await readArchive(file);',
        `const reference = parseReference(${JSON.stringify(`${registries.plain.host}/${repository}:1.0.0`)});`,
        'const client = new RegistryClient();',
        'try {',
        '  const source = await ParFileSource.open(file);',
        "  const pushed = await copy(source, source.manifest.descriptor.digest, client.repository(reference), '1.0.0');",
        "  const resolved = await client.repository(reference).resolve('1.0.0');",
        '  console.log(JSON.stringify({ name: describeArchive(contents).name, valid: verifyArchive(contents, { strict: true }).valid, pushed: pushed.descriptor.digest, resolved: resolved.digest }));',
        '} finally {',
        '  await client.close();',
        '}',
      ].join('\n'),
    );
    const result = await run(process.execPath, ['check.mjs'], { cwd: project, home });
    expectOk(result, 'node check.mjs');
    const out = JSON.parse(result.stdout) as { name: string; valid: boolean; pushed: string; resolved: string };
    expect(out).toMatchObject({ name: 'Fake Payments', valid: true });
    expect(out.resolved).toBe(out.pushed);
  });

  test('their types resolve through exports for a strict TypeScript project (NodeNext)', async () => {
    writeFileSync(
      join(project, 'check.ts'),
      [
        "import { readArchive, type ArchiveContents } from '@par/archive';",
        "import { parseReference, type Reference } from '@par/registry';",
        "const contents: ArchiveContents = await readArchive('x.par');",
        "const reference: Reference = parseReference('127.0.0.1:5001/a/b:1');",
        'const name: string = contents.claims.wascap.name ?? reference.repository;',
        '// @ts-expect-error a repository is a string, not a number: the types are real, not any',
        'const wrong: number = reference.repository;',
        'export { name, wrong };',
      ].join('\n'),
    );
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck'];
    const types = ['--types', 'node', '--typeRoots', join(repoRoot, 'node_modules', '@types')];
    const result = await run(process.execPath, [tsc, ...flags, ...types, 'check.ts'], { cwd: project, home });
    expectOk(result, 'tsc');
  });
});

describe('scripts/install.sh: the CLI alone, from a checkout', () => {
  test('installs par into a prefix without installing anything into the checkout', async () => {
    const installPrefix = join(work, 'install-sh');
    const listing = () => ['.', 'packages/cli', 'packages/cli/bundle'].map((dir) => readdirSync(join(repoRoot, dir)).sort());
    const before = listing();
    const installed = await run('bash', [join(repoRoot, 'scripts', 'install.sh'), '--prefix', installPrefix], { cwd: work, home });
    expectOk(installed, 'scripts/install.sh');
    expect(installed.stdout).toContain(`installed par ${version} as ${join(installPrefix, 'bin', 'par')}`);
    expect(listing()).toEqual(before);
    const installedPar = join(installPrefix, 'bin', 'par');
    expect((await run(installedPar, ['--version'], { cwd: work, home })).stdout).toBe(`par ${version}\n`);
    const inspected = await run(installedPar, ['inspect', golden, '-o', 'json'], { cwd: work, home });
    expectOk(inspected, 'installed par inspect');
    expect(JSON.parse(inspected.stdout)).toMatchObject({ name: 'Fake Payments' });
  }, INSTALL_TIMEOUT_MS);

  test('refuses an unknown argument with its usage', async () => {
    const refused = await run('bash', [join(repoRoot, 'scripts', 'install.sh'), '--prefx', 'x'], { cwd: work, home });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('usage: bash scripts/install.sh [--prefix DIR]');
  });
});
