import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../oci/errors.js';
import { eraseCredential, resolveCredential, storeCredential, type CredentialOptions } from './index.js';

const scratch = await mkdtemp(path.join(tmpdir(), 'par-creds-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

// Fake credential helpers, speaking the docker-credential-helpers protocol.
const bin = path.join(scratch, 'bin');
await mkdir(bin);
const helper = (body: string) => `#!/usr/bin/env node\n${body}\n`;
await writeFile(
  path.join(bin, 'docker-credential-test'),
  helper(`
const fs = require('node:fs');
const file = process.env.FAKE_CRED_STORE;
const store = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  const action = process.argv[2];
  if (action === 'get') {
    const entry = store[input.trim()];
    if (!entry) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    process.stdout.write(JSON.stringify({ ServerURL: input.trim(), Username: entry.Username, Secret: entry.Secret }));
  } else if (action === 'store') {
    const { ServerURL, Username, Secret } = JSON.parse(input);
    store[ServerURL] = { Username, Secret };
    fs.writeFileSync(file, JSON.stringify(store));
  } else if (action === 'erase') {
    delete store[input.trim()];
    fs.writeFileSync(file, JSON.stringify(store));
  } else { process.exit(2); }
});`),
);
await writeFile(path.join(bin, 'docker-credential-broken'), helper(`process.stderr.write('keychain locked\\n'); process.exit(3);`));
await writeFile(path.join(bin, 'docker-credential-slow'), helper(`setTimeout(() => {}, 60000);`));
await writeFile(path.join(bin, 'docker-credential-garbage'), helper(`process.stdout.write('not json');`));
for (const name of ['test', 'broken', 'slow', 'garbage']) await chmod(path.join(bin, `docker-credential-${name}`), 0o755);

let counter = 0;
interface Sandbox {
  home: string;
  config: string;
  helperStore: string;
  options: (extra?: Partial<CredentialOptions>) => CredentialOptions & { onWarning: (m: string) => void };
  warnings: string[];
}
async function sandbox(env: Record<string, string> = {}): Promise<Sandbox> {
  const home = path.join(scratch, `home${counter++}`);
  await mkdir(home);
  const helperStore = path.join(home, 'helper-store.json');
  const warnings: string[] = [];
  const fullEnv = { HOME: home, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, FAKE_CRED_STORE: helperStore, ...env };
  return {
    home,
    config: path.join(home, '.docker', 'config.json'),
    helperStore,
    warnings,
    options: (extra = {}) => ({ env: fullEnv, onWarning: (m: string) => warnings.push(m), ...extra }),
  };
}
async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
}
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('resolveCredential', () => {
  it('prefers explicit credentials, then WASH_REG_USER/WASH_REG_PASSWORD', async () => {
    const box = await sandbox({ WASH_REG_USER: 'envuser', WASH_REG_PASSWORD: 'envpass' });
    await writeJson(box.config, { auths: { 'ghcr.io': { auth: basic('fileuser', 'filepass') } } });
    expect(await resolveCredential('ghcr.io', box.options({ username: 'u', password: 'p' }))).toEqual({ username: 'u', password: 'p' });
    expect(await resolveCredential('ghcr.io', box.options())).toEqual({ username: 'envuser', password: 'envpass' });
    const error = await resolveCredential('ghcr.io', box.options({ username: 'u' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).kind).toBe('invalid');
  });

  it('reads auths entries by host, https://host or Docker Hub key', async () => {
    const box = await sandbox();
    await writeJson(box.config, {
      auths: {
        'localhost:5001': { auth: basic('alice', 'pa:ss') },
        'https://ghcr.io': { username: 'bob', password: 'bobpass' },
        'https://index.docker.io/v1/': { auth: basic('hub', 'hubpass') },
        'quay.io': { identitytoken: 'refresh-token' },
        'https://reg.example.com/v1/': { auth: basic('carol', 'c') },
      },
    });
    expect(await resolveCredential('localhost:5001', box.options())).toEqual({ username: 'alice', password: 'pa:ss' });
    expect(await resolveCredential('ghcr.io', box.options())).toEqual({ username: 'bob', password: 'bobpass' });
    expect(await resolveCredential('docker.io', box.options())).toEqual({ username: 'hub', password: 'hubpass' });
    expect(await resolveCredential('registry-1.docker.io', box.options())).toEqual({ username: 'hub', password: 'hubpass' });
    expect(await resolveCredential('quay.io', box.options())).toEqual({ identityToken: 'refresh-token' });
    expect(await resolveCredential('reg.example.com', box.options())).toEqual({ username: 'carol', password: 'c' });
    expect(await resolveCredential('other.example.com', box.options())).toBeUndefined();
    expect(box.warnings).toEqual([]);
  });

  it('honours DOCKER_CONFIG and dockerConfigPath', async () => {
    const dir = path.join(scratch, `dockerconfig${counter++}`);
    const box = await sandbox({ DOCKER_CONFIG: dir });
    await writeJson(path.join(dir, 'config.json'), { auths: { 'ghcr.io': { auth: basic('d', '1') } } });
    expect(await resolveCredential('ghcr.io', box.options())).toEqual({ username: 'd', password: '1' });
    const other = path.join(scratch, `explicit${counter++}.json`);
    await writeJson(other, { auths: { 'ghcr.io': { auth: basic('e', '2') } } });
    expect(await resolveCredential('ghcr.io', box.options({ dockerConfigPath: other }))).toEqual({ username: 'e', password: '2' });
  });

  it('asks credHelpers first, then auths, then credsStore', async () => {
    const box = await sandbox();
    await writeJson(box.helperStore, {
      'ghcr.io': { Username: 'helped', Secret: 'from-helper' },
      'https://index.docker.io/v1/': { Username: '<token>', Secret: 'hub-identity-token' },
      'store.example.com': { Username: 'stored', Secret: 's' },
    });
    await writeJson(box.config, {
      credHelpers: { 'ghcr.io': 'test', 'missing.example.com': 'test' },
      auths: { 'ghcr.io': { auth: basic('file', 'f') }, 'missing.example.com': { auth: basic('fallback', 'f') } },
      credsStore: 'test',
    });
    expect(await resolveCredential('ghcr.io', box.options())).toEqual({ username: 'helped', password: 'from-helper' });
    // The helper has nothing: auths is next.
    expect(await resolveCredential('missing.example.com', box.options())).toEqual({ username: 'fallback', password: 'f' });
    // No credHelpers or auths entry: the credsStore; `<token>` means an identity token.
    expect(await resolveCredential('store.example.com', box.options())).toEqual({ username: 'stored', password: 's' });
    expect(await resolveCredential('docker.io', box.options())).toEqual({ identityToken: 'hub-identity-token' });
    expect(await resolveCredential('nothing.example.com', box.options())).toBeUndefined();
    expect(box.warnings).toEqual([]);
  });

  it('warns about missing, broken, slow or garbled helpers and carries on', async () => {
    const box = await sandbox();
    await writeJson(box.config, {
      credHelpers: { 'a.example.com': 'absent', 'b.example.com': 'broken', 'c.example.com': 'slow', 'd.example.com': 'garbage' },
      auths: { 'b.example.com': { auth: basic('b', 'secret-b') } },
    });
    const options = box.options({ helperTimeoutMs: 500 });
    expect(await resolveCredential('a.example.com', options)).toBeUndefined();
    expect(await resolveCredential('b.example.com', options)).toEqual({ username: 'b', password: 'secret-b' });
    expect(await resolveCredential('c.example.com', options)).toBeUndefined();
    expect(await resolveCredential('d.example.com', options)).toBeUndefined();
    expect(box.warnings).toEqual([
      'credential helper: docker-credential-absent is not installed or not on PATH',
      'credential helper: docker-credential-broken get exited with status 3: keychain locked',
      'credential helper: docker-credential-slow get did not answer within 0.5 s',
      'credential helper docker-credential-garbage answered something that is not JSON',
    ]);
  });

  it('warns about an unreadable config.json without quoting it', async () => {
    const box = await sandbox();
    await writeJson(box.config, '{"auths": {"ghcr.io": {"auth": "c2VjcmV0"}');
    expect(await resolveCredential('ghcr.io', box.options())).toBeUndefined();
    expect(box.warnings).toHaveLength(1);
    expect(box.warnings[0]).toContain('is not valid JSON');
    expect(box.warnings[0]).not.toContain('c2VjcmV0');
  });

  it('falls back to Podman auth files', async () => {
    const runtime = path.join(scratch, `runtime${counter++}`);
    const authFile = path.join(scratch, `registry-auth${counter++}.json`);
    const box = await sandbox({ XDG_RUNTIME_DIR: runtime });
    await writeJson(path.join(runtime, 'containers', 'auth.json'), { auths: { 'quay.io': { auth: basic('podman', 'p') } } });
    await writeJson(path.join(box.home, '.config', 'containers', 'auth.json'), { auths: { 'docker.io': { auth: basic('podhub', 'h') } } });
    expect(await resolveCredential('quay.io', box.options())).toEqual({ username: 'podman', password: 'p' });
    expect(await resolveCredential('docker.io', box.options())).toEqual({ username: 'podhub', password: 'h' });
    await writeJson(authFile, { auths: { 'quay.io': { auth: basic('explicit', 'x') } } });
    expect(await resolveCredential('quay.io', box.options({ podmanAuthPath: authFile }))).toEqual({ username: 'explicit', password: 'x' });
    const withEnv = await sandbox({ REGISTRY_AUTH_FILE: authFile });
    expect(await resolveCredential('quay.io', withEnv.options())).toEqual({ username: 'explicit', password: 'x' });
  });
});

describe('storeCredential / eraseCredential', () => {
  it('writes auths into config.json (0600, dir 0700) keeping other keys, and erases it', async () => {
    const box = await sandbox();
    const stored = await storeCredential('localhost:5001', { username: 'alice', password: 'secret' }, box.options());
    expect(stored).toEqual({ storage: 'file', location: box.config });
    expect((await stat(box.config)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(box.config))).mode & 0o777).toBe(0o700);
    expect(await resolveCredential('localhost:5001', box.options())).toEqual({ username: 'alice', password: 'secret' });

    await writeJson(box.config, {
      ...JSON.parse(await readFile(box.config, 'utf8')),
      psFormat: 'table {{.ID}}',
      auths: { ...JSON.parse(await readFile(box.config, 'utf8')).auths, 'ghcr.io': { auth: basic('g', 'h') } },
    });
    await storeCredential('docker.io', { username: 'hub', password: 'hubpass' }, box.options());
    const config = JSON.parse(await readFile(box.config, 'utf8'));
    expect(config.psFormat).toBe('table {{.ID}}');
    expect(Object.keys(config.auths).sort()).toEqual(['ghcr.io', 'https://index.docker.io/v1/', 'localhost:5001']);
    expect(config.auths['https://index.docker.io/v1/']).toEqual({ auth: basic('hub', 'hubpass') });

    expect(await eraseCredential('localhost:5001', box.options())).toBe(true);
    expect(await resolveCredential('localhost:5001', box.options())).toBeUndefined();
    expect(await eraseCredential('localhost:5001', box.options())).toBe(false);
    const after = JSON.parse(await readFile(box.config, 'utf8'));
    expect(Object.keys(after.auths).sort()).toEqual(['ghcr.io', 'https://index.docker.io/v1/']);
    expect(after.psFormat).toBe('table {{.ID}}');
  });

  it('stores in and erases from the credsStore helper', async () => {
    const box = await sandbox();
    await writeJson(box.config, { credsStore: 'test', auths: { 'ghcr.io': { auth: basic('old', 'stale') } } });
    const stored = await storeCredential('ghcr.io', { username: 'bob', password: 'tok' }, box.options());
    expect(stored).toEqual({ storage: 'helper', location: 'docker-credential-test' });
    // The stale plaintext entry would shadow the helper: its secret is gone.
    expect(JSON.parse(await readFile(box.config, 'utf8'))).toEqual({ credsStore: 'test', auths: { 'ghcr.io': {} } });
    expect(JSON.parse(await readFile(box.helperStore, 'utf8'))).toEqual({ 'ghcr.io': { Username: 'bob', Secret: 'tok' } });
    expect(await resolveCredential('ghcr.io', box.options())).toEqual({ username: 'bob', password: 'tok' });
    expect(await eraseCredential('ghcr.io', box.options())).toBe(true);
    expect(await resolveCredential('ghcr.io', box.options())).toBeUndefined();
  });

  it('fails clearly, without the secret, when the helper cannot store', async () => {
    const box = await sandbox();
    await writeJson(box.config, { credHelpers: { 'ghcr.io': 'broken' } });
    const error = (await storeCredential('ghcr.io', { username: 'u', password: 'hunter2' }, box.options()).catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toBe('cannot store credentials for ghcr.io: docker-credential-broken store exited with status 3: keychain locked');
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses to overwrite a config.json it cannot parse', async () => {
    const box = await sandbox();
    await writeJson(box.config, 'not json');
    const error = (await storeCredential('ghcr.io', { username: 'u', password: 'p' }, box.options()).catch((e: unknown) => e)) as RegistryError;
    expect(error.kind).toBe('invalid');
    expect(await readFile(box.config, 'utf8')).toBe('not json');
  });
});
