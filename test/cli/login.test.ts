// `par login` / `logout` and credentials from the Docker config (auths and credHelpers), against the real registries.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { fixture, isOneLineError, tempDir } from '../support/par.js';
import { parNoSecrets as par } from '../support/registry-cli.js';

useRegistries(['basic', 'token']);

const fakepay = fixture('wash/fakepay.par.gz');
const basic = registries.basic;
const token = registries.token;

function dockerConfig(home: string): { auths?: Record<string, { auth?: string }>; credHelpers?: Record<string, string> } | undefined {
  const file = join(home, '.docker', 'config.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof dockerConfig>) : undefined;
}

describe.concurrent('par login and logout', () => {
  test('login stores Basic credentials a later push uses; logout removes them', async () => {
    const home = tempDir('par-home-');
    const login = await par(['login', basic.host, '-u', basic.user, '-p', basic.password, '--ca-file', basic.caFile], { home });
    expect(login.stderr).toBe('');
    expect(login.status).toBe(0);
    expect(login.stdout).toContain('Login Succeeded');
    expect(dockerConfig(home)?.auths?.[basic.host]?.auth).toBe(Buffer.from(`${basic.user}:${basic.password}`).toString('base64'));

    const reference = `${basic.host}/${uniqueRepository('par-cli/login')}:1`;
    const pushed = await par(['push', reference, fakepay, '--ca-file', basic.caFile], { home });
    expect(pushed.stderr).toBe('');
    expect(pushed.status).toBe(0);

    const logout = await par(['logout', basic.host], { home });
    expect(logout.status).toBe(0);
    expect(logout.stdout).toContain(`Removed login credentials for ${basic.host}`);
    expect(dockerConfig(home)?.auths?.[basic.host]).toBeUndefined();

    const anonymous = await par(['resolve', reference, '--ca-file', basic.caFile], { home });
    expect(anonymous.status, anonymous.stderr).toBe(3);
    expect(isOneLineError(anonymous)).toBe(true);

    const again = await par(['logout', basic.host], { home });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`Not logged in to ${basic.host}`);
  });

  test('a wrong password exits 3 and stores nothing', async () => {
    const home = tempDir('par-home-');
    const run = await par(['login', basic.host, '-u', basic.user, '-p', 'wrong-password-9f3a', '--ca-file', basic.caFile], { home });
    expect(run.status, run.stderr).toBe(3);
    expect(isOneLineError(run)).toBe(true);
    expect(run.stderr).toContain(basic.host);
    expect(dockerConfig(home)?.auths?.[basic.host]).toBeUndefined();

    const tokenRun = await par(['login', token.host, '-u', 'alice', '-p', 'wrong-password-9f3a'], { home });
    expect(tokenRun.status, tokenRun.stderr).toBe(3);
    expect(isOneLineError(tokenRun)).toBe(true);
    expect(dockerConfig(home)?.auths?.[token.host]).toBeUndefined();
  });

  test('--password-stdin reads the password from stdin (token registry)', async () => {
    const home = tempDir('par-home-');
    const login = await par(['login', token.host, '-u', 'alice', '--password-stdin'], { home, input: `${token.users.alice.password}\n` });
    expect(login.stderr).toBe('');
    expect(login.status).toBe(0);
    expect(dockerConfig(home)?.auths?.[token.host]?.auth).toBe(Buffer.from(`alice:${token.users.alice.password}`).toString('base64'));
    const pushed = await par(['push', `${token.host}/${uniqueRepository('par-cli/stdin')}:1`, fakepay], { home });
    expect(pushed.stderr).toBe('');
    expect(pushed.status).toBe(0);

    const wrong = await par(['login', basic.host, '-u', basic.user, '--password-stdin', '--ca-file', basic.caFile], { home, input: 'stdin-password-ab12\n' });
    expect(wrong.status, wrong.stderr).toBe(3);
    expect(dockerConfig(home)?.auths?.[basic.host]).toBeUndefined();
  });

  test('a credHelpers entry runs docker-credential-<name> from PATH for push', async () => {
    const home = tempDir('par-home-');
    const bin = join(home, 'bin');
    mkdirSync(bin);
    const helperLog = join(home, 'helper.log');
    // A minimal Docker credential helper: `get` reads the server on stdin, answers JSON or "not found".
    writeFileSync(
      join(bin, 'docker-credential-parfake'),
      [
        '#!/bin/sh',
        'read server',
        `echo "$1 $server" >> '${helperLog}'`,
        `if [ "$1" = get ] && [ "$server" = '${token.host}' ]; then`,
        `  printf '{"ServerURL":"%s","Username":"alice","Secret":"%s"}\\n' "$server" '${token.users.alice.password}'`,
        '  exit 0',
        'fi',
        'echo "credentials not found in native keychain"',
        'exit 1',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'docker-credential-parfake'), 0o755);
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ credHelpers: { [token.host]: 'parfake' } }));

    const env = { PATH: `${bin}:${process.env['PATH'] ?? ''}` };
    const pushed = await par(['push', `${token.host}/${uniqueRepository('par-cli/helper')}:1`, fakepay], { home, env });
    expect(pushed.stderr).toBe('');
    expect(pushed.status).toBe(0);
    expect(readFileSync(helperLog, 'utf8').trim().split('\n')).toContain(`get ${token.host}`);

    // Without the helper on PATH the same push goes out anonymously, and anonymous users may not push.
    const withoutHelper = await par(['push', `${token.host}/${uniqueRepository('par-cli/helper')}:1`, fakepay], { home });
    expect(withoutHelper.status, withoutHelper.stderr).toBe(3);
  });
});
