// A distribution registry that requires a client certificate (http.tls.clientcas, started by
// scripts/registry.sh): --cert-file/--key-file, and Docker's certs.d/<host>/ convention.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { fixture, isOneLineError, par, tempDir } from '../support/par.js';
import { sha256 } from '../support/field-registries.js';

useRegistries(['mtls']);

const fakepay = fixture('wash/fakepay.par.gz');
const { mtls } = registries;

describe('a registry that requires a client certificate', () => {
  test('--cert-file and --key-file: push and pull', async () => {
    const repository = uniqueRepository('field/mtls');
    const flags = ['--ca-file', mtls.caFile, '--cert-file', mtls.certFile, '--key-file', mtls.keyFile];
    const pushed = await par(['push', `${mtls.host}/${repository}:v1`, fakepay, ...flags]);
    expect(pushed.status, pushed.stderr).toBe(0);
    const out = join(tempDir(), 'p.par.gz');
    const pulled = await par(['pull', `${mtls.host}/${repository}:v1`, '--destination', out, ...flags]);
    expect(pulled.status, pulled.stderr).toBe(0);
    expect(sha256(readFileSync(out))).toBe(sha256(readFileSync(fakepay)));
  });

  test('Docker’s ~/.docker/certs.d/<host>/ (ca.crt, client.cert, client.key): no flag needed', async () => {
    const home = tempDir('par-home-');
    const dir = join(home, '.docker', 'certs.d', mtls.host);
    mkdirSync(dir, { recursive: true });
    copyFileSync(mtls.caFile, join(dir, 'ca.crt'));
    copyFileSync(mtls.certFile, join(dir, 'client.cert'));
    copyFileSync(mtls.keyFile, join(dir, 'client.key'));
    const run = await par(['push', `${mtls.host}/${uniqueRepository('field/mtls-certs-d')}:v1`, fakepay], { home });
    expect(run.status, run.stderr).toBe(0);
  });

  test('without a client certificate: one line saying the registry requires one and how to give it', async () => {
    const run = await par(['push', `${mtls.host}/${uniqueRepository('field/mtls-none')}:v1`, fakepay, '--ca-file', mtls.caFile]);
    expect(run.status, run.stderr).toBe(1);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toContain(`registry ${mtls.host} closed the TLS connection before answering: it may require a client certificate`);
    expect(run.stderr).toContain('--cert-file');
  });

  test('--cert-file without --key-file: one line asking for both', async () => {
    const run = await par(['push', `${mtls.host}/x:v1`, fakepay, '--cert-file', mtls.certFile]);
    expect(run.status).toBe(1);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toContain('a client certificate needs both --cert-file and --key-file');
  });
});
