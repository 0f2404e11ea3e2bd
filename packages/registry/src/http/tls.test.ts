import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../test-support.js';
import { TlsOptionsByHost } from './tls.js';

const dir = await scratchDir('par-tls-');

describe('TlsOptionsByHost (flags and Docker’s certs.d/<host>/)', () => {
  it('reads ca.crt and a client.cert/client.key pair for the host, and nothing for other hosts', () => {
    const host = path.join(dir, 'certs.d', 'registry.example:5000');
    mkdirSync(host, { recursive: true });
    writeFileSync(path.join(host, 'ca.crt'), 'CA PEM');
    writeFileSync(path.join(host, 'client.cert'), 'CERT PEM');
    writeFileSync(path.join(host, 'client.key'), 'KEY PEM');
    const tls = new TlsOptionsByHost({ certsDirectories: [path.join(dir, 'certs.d')] });
    const options = tls.for('registry.example:5000');
    expect(options.cert).toBe('CERT PEM');
    expect(options.key).toBe('KEY PEM');
    expect(options.ca?.at(-1)).toBe('CA PEM');
    expect(tls.for('other.example')).toEqual({ rejectUnauthorized: true });
  });

  it('lets --cert-file/--key-file win, and wants both', () => {
    writeFileSync(path.join(dir, 'flag.cert'), 'FLAG CERT');
    writeFileSync(path.join(dir, 'flag.key'), 'FLAG KEY');
    const tls = new TlsOptionsByHost({ certFile: path.join(dir, 'flag.cert'), keyFile: path.join(dir, 'flag.key'), certsDirectories: [path.join(dir, 'certs.d')] });
    expect(tls.for('registry.example:5000').cert).toBe('FLAG CERT');
    expect(() => new TlsOptionsByHost({ certFile: path.join(dir, 'flag.cert') })).toThrow(/needs both --cert-file and --key-file/);
    expect(() => new TlsOptionsByHost({ certFile: path.join(dir, 'none'), keyFile: path.join(dir, 'flag.key') })).toThrow(/cannot read client certificate file/);
  });
});
