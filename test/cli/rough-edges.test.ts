// What a new user runs into first: help, version, completion, misspelt flags, swapped arguments,
// paths that are not regular files, create's input checks and key directory, pull's file name,
// promote's report, login's password, validation before work, file-system errors, help texts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { WASH_TEST_KEYS, fixture, isOneLineError, par, repoRoot, tempDir, type ParRun } from '../support/par.js';
import { freshArchive } from '../support/registry-cli.js';

useRegistries(['plain', 'plain2', 'basic']);

const fakepay = fixture('wash/fakepay.par.gz');
const version = (JSON.parse(readFileSync(join(repoRoot, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version;

function expectError(run: ParRun, status: number, message: string | RegExp): void {
  expect(run.status, run.stderr).toBe(status);
  expect(isOneLineError(run), run.stderr).toBe(true);
  if (typeof message === 'string') expect(run.stderr).toContain(message);
  else expect(run.stderr).toMatch(message);
}

describe.concurrent('help, version and completion', () => {
  test('-h and --help show the commands, --version, the exit codes and the environment variables', async () => {
    for (const flag of ['-h', '--help']) {
      const run = await par([flag]);
      expect(run.status).toBe(0);
      for (const text of ['par help [command]', 'par version', 'par completion', '--version', 'Exit codes', '4  verification failure', 'WASH_KEYS', 'WASH_REG_USER', 'PAR_CACHE_DIR', 'PAR_SRC_CREDS']) {
        expect(run.stdout).toContain(text);
      }
    }
  });

  test('par help COMMAND is that command\'s help; par version and --version print the version', async () => {
    const help = await par(['help', 'push']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('par push <reference> <file>');
    for (const args of [['version'], ['--version']]) expect((await par(args)).stdout).toBe(`par ${version}\n`);
    expect(JSON.parse((await par(['version', '-o', 'json'])).stdout)).toEqual({ version });
  });

  test('par completion bash|zsh print a script, and the completions it asks for are the commands', async () => {
    const bash = await par(['completion', 'bash']);
    expect(bash.status).toBe(0);
    expect(bash.stdout).toContain('complete -o bashdefault -o default -F _par_yargs_completions par');
    const zsh = await par(['completion', 'zsh']);
    expect(zsh.status).toBe(0);
    expect(zsh.stdout).toContain('#compdef par');
    const words = (await par(['--get-yargs-completions', 'par', 'pu'])).stdout.split('\n');
    expect(words).toEqual(expect.arrayContaining(['push', 'pull', 'promote']));
  });
});

describe.concurrent('misspelt flags and commands', () => {
  test('an unknown flag is named with a suggestion, even where its value was taken for a positional', async () => {
    expectError(await par(['verify', '--strcit', fakepay]), 1, 'unknown option --strcit (did you mean --strict?)');
    expectError(await par(['create', '--nmae', 'X']), 1, 'unknown option --nmae (did you mean --name?)');
    expectError(await par(['keys', 'generate', '--tyep', 'account']), 1, 'unknown option --tyep (did you mean --type?)');
    expectError(await par(['inspect', fakepay, '--frobnicate']), 1, 'unknown option --frobnicate');
  });

  test('an unknown command is named with a suggestion', async () => {
    expectError(await par(['pusj']), 1, 'unknown command pusj (did you mean push?)');
    expectError(await par(['frobnicate']), 1, 'unknown command frobnicate');
  });
});

describe.concurrent('paths', () => {
  test('par push FILE REF is recognised as swapped', async () => {
    expectError(await par(['push', fakepay, `${registries.plain.host}/swapped/x:1`]), 1, 'the arguments are swapped');
  });

  test('a directory, a FIFO or /dev/zero is "not a regular file" (1), not "no such file" or a registry lookup', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'pipe.par');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expectError(await par(['inspect', dir]), 1, `${dir} is not a regular file (it is a directory)`);
    expectError(await par(['verify', fifo]), 1, `${fifo} is not a regular file (it is a FIFO)`);
    expectError(await par(['inspect', '/dev/zero']), 1, '/dev/zero is not a regular file (it is a character device)');
    expectError(await par(['push', `${registries.plain.host}/x/y:1`, dir]), 1, `${dir} is not a regular file (the archive to push; it is a directory)`);
    expectError(await par(['promote', '--plan', dir]), 1, `${dir} is not a regular file (--plan; it is a directory)`);
  });

  test('a bare word that is neither a file nor a reference with a registry host says both (2)', async () => {
    expectError(await par(['inspect', 'fakepay']), 2, 'fakepay is neither a file here nor a registry reference');
  });

  test('file-system errors are one line naming the file and what par was doing (2 when not found)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    expectError(await par(['keys', 'generate', '-t', 'account', '-d', join(dir, 'file', 'keys')]), 2, `cannot create the directory ${join(dir, 'file', 'keys')}: a part of the path is not a directory`);
  });
});

describe.concurrent('par create checks every input before generating a key', () => {
  test('a missing or non-regular binary or world, a missing destination directory, a bad key, an empty --version: refused, no key made', async () => {
    const dir = tempDir();
    const keys = join(dir, 'keys');
    const binary = join(dir, 'provider');
    writeFileSync(binary, 'a provider binary');
    const out = join(dir, 'p.par');
    const cases: [string[], number, string][] = [
      [['-b', join(dir, 'missing'), '--destination', out], 2, `no such file: ${join(dir, 'missing')} (--binary)`],
      [['-b', dir, '--destination', out], 1, 'is not a regular file (--binary; it is a directory)'],
      [['-b', binary, '--destination', join(dir, 'no', 'p.par')], 2, `the directory of ${join(dir, 'no', 'p.par')} does not exist`],
      [['-b', binary, '--destination', out, '-s', 'not-a-seed'], 1, 'the service key given is neither an existing file nor a valid nkey seed'],
      [['-b', binary, '--destination', out, '--world', dir], 1, 'is not a regular file (--world; it is a directory)'],
      [['-b', binary, '--destination', out, '--version', ''], 1, '--version cannot be empty'],
    ];
    for (const [args, status, message] of cases) {
      expectError(await par(['create', '-n', 'P', '-v', 'V', '-a', 'x86_64-linux', '-d', keys, ...args]), status, message);
      expect(existsSync(keys)).toBe(false);
      expect(existsSync(out)).toBe(false);
    }
  });

  test('-d DIR is the only key directory: a key in $WASH_KEYS is not used, and --disable-keygen names the missing file', async () => {
    const home = tempDir('par-home-');
    const defaultKeys = join(home, 'keys'); // the WASH_KEYS of par() runs
    mkdirSync(defaultKeys, { recursive: true });
    writeFileSync(join(defaultKeys, 'tester_account.nk'), WASH_TEST_KEYS.issuerSeed);
    writeFileSync(join(defaultKeys, 'provider_service.nk'), WASH_TEST_KEYS.subjectSeed);
    const dir = tempDir();
    const binary = join(dir, 'provider');
    writeFileSync(binary, 'a provider binary');
    const releaseKeys = join(dir, 'release-keys');
    const refused = await par(['create', '-n', 'P', '-v', 'V', '-a', 'x86_64-linux', '-b', binary, '-d', releaseKeys, '--disable-keygen', '--destination', join(dir, 'p.par')], { home });
    expectError(refused, 2, `no account key found at "${join(releaseKeys, 'tester_account.nk')}" and key generation is disabled`);
    const generated = await par(['create', '-n', 'P', '-v', 'V', '-a', 'x86_64-linux', '-b', binary, '-d', releaseKeys, '--destination', join(dir, 'p.par'), '-o', 'json'], { home });
    expect(generated.status, generated.stderr).toBe(0);
    expect((JSON.parse(generated.stdout) as { issuer: string }).issuer).not.toBe(WASH_TEST_KEYS.issuer);
    expect(readdirSync(releaseKeys).sort()).toEqual(['provider_service.nk', 'tester_account.nk']);
  });

  test('--arch warns on a target no wasmCloud host selects, and the archive is still made', async () => {
    const dir = tempDir();
    const binary = join(dir, 'provider');
    writeFileSync(binary, 'a provider binary');
    const warned = await par(['create', '-n', 'P', '-v', 'V', '-a', 'x86-64-linux', '-b', binary, '-i', WASH_TEST_KEYS.issuerSeed, '-s', WASH_TEST_KEYS.subjectSeed, '--destination', join(dir, 'w.par')]);
    expect(warned.status, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('warning: no wasmCloud host selects target "x86-64-linux"');
    const fine = await par(['create', '-n', 'P', '-v', 'V', '-a', 'aarch64-macos', '-b', binary, '-i', WASH_TEST_KEYS.issuerSeed, '-s', WASH_TEST_KEYS.subjectSeed, '--destination', join(dir, 'f.par')]);
    expect(fine.stderr).not.toContain('warning');
  });
});

describe.concurrent('keys and validation before work', () => {
  test('keys generate --name refuses path separators; an existing account key reads "An account key"', async () => {
    expectError(await par(['keys', 'generate', '-t', 'service', '--name', '../escape']), 1, '--name "../escape" must be a plain name');
    const home = tempDir('par-home-');
    expect((await par(['keys', 'generate', '-t', 'account'], { home })).status).toBe(0);
    expect((await par(['keys', 'generate', '-t', 'account'], { home })).stdout).toMatch(/^An account key already exists in /);
  });

  test('--require-issuer and verify --issuer must be account public keys; a seed is not echoed', async () => {
    const source = `${registries.plain.host}/never/copied:1`;
    const destination = `${registries.plain2.host}/never/copied:1`;
    expectError(await par(['promote', source, destination, '--require-issuer', 'ACME']), 1, '--require-issuer: ACME is not an account public key');
    expectError(await par(['promote', source, destination, '--require-issuer', WASH_TEST_KEYS.subject]), 1, 'is a V… key, not an account (A…) public key');
    const seed = await par(['verify', fakepay, '--issuer', WASH_TEST_KEYS.issuerSeed]);
    expectError(seed, 1, 'looks like a seed');
    expect(seed.stderr).not.toContain(WASH_TEST_KEYS.issuerSeed);
  });
});

describe('pull names its file by content and keeps other files unless --force', () => {
  test('an uncompressed archive becomes <repo>.par, a gzipped one <repo>.par.gz; a different file there needs --force', async () => {
    const dir = tempDir();
    const binary = join(dir, 'provider');
    writeFileSync(binary, 'an uncompressed provider');
    const plain = join(dir, 'plain.par');
    expect((await par(['create', '-n', 'P', '-v', 'V', '-a', 'x86_64-linux', '-b', binary, '-i', WASH_TEST_KEYS.issuerSeed, '-s', WASH_TEST_KEYS.subjectSeed, '--destination', plain])).status).toBe(0);
    const repository = `${registries.plain.host}/${uniqueRepository('rough/names')}`;
    expect((await par(['push', `${repository}:tar`, plain])).status).toBe(0);
    expect((await par(['push', `${repository}:gz`, fakepay])).status).toBe(0);
    const name = repository.slice(repository.lastIndexOf('/') + 1);

    const cwd = tempDir();
    const tar = await par(['pull', `${repository}:tar`], { cwd });
    expect(tar.status, tar.stderr).toBe(0);
    expect(readFileSync(join(cwd, `${name}.par`)).equals(readFileSync(plain))).toBe(true);
    const gz = await par(['pull', `${repository}:gz`], { cwd });
    expect(gz.status, gz.stderr).toBe(0);
    expect(readFileSync(join(cwd, `${name}.par.gz`)).equals(readFileSync(fakepay))).toBe(true);
    expect((await par(['pull', `${repository}:gz`], { cwd })).status).toBe(0); // the same artifact again: fine

    writeFileSync(join(cwd, `${name}.par`), 'my own file');
    expectError(await par(['pull', `${repository}:tar`], { cwd }), 1, `${name}.par already exists and is not this artifact`);
    expectError(await par(['pull', `${repository}:gz`, '--destination', `${name}.par`], { cwd }), 1, 'pass --force to replace it');
    expect(readFileSync(join(cwd, `${name}.par`), 'utf8')).toBe('my own file');
    expect(readdirSync(cwd).sort()).toEqual([`${name}.par`, `${name}.par.gz`]);
    expect((await par(['pull', `${repository}:tar`, '--force'], { cwd })).status).toBe(0);
    expect(readFileSync(join(cwd, `${name}.par`)).equals(readFileSync(plain))).toBe(true);
  });
});

describe.concurrent('promote --report and login', () => {
  test('promote --report in a missing directory fails before anything is copied', async () => {
    const dir = tempDir();
    const { file } = await freshArchive(dir);
    const path = `${uniqueRepository('rough/report')}`;
    expect((await par(['push', `${registries.plain.host}/${path}:1`, file])).status).toBe(0);
    const report = join(dir, 'missing', 'report.json');
    const run = await par(['promote', `${registries.plain.host}/${path}:1`, `${registries.plain2.host}/${path}:1`, '--report', report]);
    expectError(run, 2, `cannot write ${report} (--report): directory ${join(dir, 'missing')} does not exist`);
    const response = await fetch(`${registries.plain2.url}/v2/${path}/manifests/1`, { method: 'HEAD' });
    expect(response.status).toBe(404);
  });

  test('login --password-stdin with empty input says so; login has no --registry', async () => {
    expectError(await par(['login', registries.basic.host, '-u', 'par', '--password-stdin'], { input: '' }), 1, '--password-stdin: the input was empty');
    expect((await par(['login', '--help'])).stdout).not.toContain('--registry');
  });

  test('login on a terminal asks for the password without echoing it', async () => {
    const home = tempDir('par-home-');
    const script = spawnSync('bash', ['-c', 'command -v script'], { encoding: 'utf8' }).stdout.trim();
    expect(script, 'script(1) from util-linux gives par a terminal').not.toBe('');
    const command = [process.execPath, join(repoRoot, 'bin', 'par'), 'login', registries.basic.host, '-u', 'par', '--ca-file', registries.basic.caFile]
      .map((word) => `'${word}'`)
      .join(' ');
    const run = spawnSync('bash', ['-c', `(sleep 1; printf 'par-password\\r') | ${script} -qec "${command.replaceAll('"', '\\"')}" /dev/null`], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', HOME: home, DOCKER_CONFIG: join(home, '.docker') },
      timeout: 30_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Password for par: ');
    expect(run.stdout).toContain('Login Succeeded');
    expect(run.stdout).not.toContain('par-password');
    const config = JSON.parse(readFileSync(join(home, '.docker', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(config.auths[registries.basic.host]?.auth).toBe(Buffer.from('par:par-password').toString('base64'));
  });
});

describe.concurrent('help texts', () => {
  test('no description runs into its type; --tag is a string in copy and in promote', async () => {
    for (const command of ['tags', 'copy', 'promote', 'push', 'pull', 'create', 'login']) {
      const help = await par([command, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).not.toMatch(/\S\[(boolean|string|number|array)\]/);
    }
    for (const command of ['copy', 'promote']) {
      expect((await par([command, '--help'])).stdout).toMatch(/-t, --tag +Extra tag at the destination \(repeatable\) +\[string\]/);
    }
  });

  test('demo.sh keeps its keys and digest cache in its temporary directory and says how to stop the registries', () => {
    const demo = readFileSync(join(repoRoot, 'scripts', 'demo.sh'), 'utf8');
    expect(demo).toMatch(/export WASH_KEYS="\$work\/keys"/);
    expect(demo).toMatch(/export PAR_CACHE_DIR="\$work\/cache"/);
    expect(demo).toContain('bash scripts/registry.sh stop');
  });
});
