import { describe, expect, it } from 'vitest';
import { parseRegistryErrors, registryErrorFrom } from './registry-errors.js';

const context = { operation: 'fetch manifest', reference: 'r.example/a:v1' };

describe('registry error bodies', () => {
  it('parses the errors list and ignores other bodies', () => {
    expect(parseRegistryErrors('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v1"}}]}')).toEqual([
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'v1' } },
    ]);
    expect(parseRegistryErrors('<html>bad gateway</html>')).toEqual([]);
  });

  it('maps 404 to not_found with code, message, operation and reference', () => {
    const error = registryErrorFrom(404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}', context);
    expect(error.kind).toBe('not_found');
    expect(error.code).toBe('MANIFEST_UNKNOWN');
    expect(error.message).toBe('fetch manifest r.example/a:v1: MANIFEST_UNKNOWN: manifest unknown (HTTP 404)');
  });

  it('maps DIGEST_INVALID (the registry refused bytes that do not match their digest) to verification', () => {
    const error = registryErrorFrom(400, '{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}', context);
    expect(error.kind).toBe('verification');
    expect(error.code).toBe('DIGEST_INVALID');
  });

  it('maps 401 and 403 to unauthorized and says why', () => {
    expect(registryErrorFrom(401, '', context).kind).toBe('unauthorized');
    expect(registryErrorFrom(401, '', context).message).toContain('GHCR answers 401');
    expect(registryErrorFrom(403, '{"errors":[{"code":"DENIED","message":"denied"}]}', context).kind).toBe('unauthorized');
    expect(registryErrorFrom(401, '', context, 'Bearer realm="x",error="insufficient_scope"').message).toContain('insufficient scope');
  });

  it('tells a refusal without credentials (log in) from refused credentials (wrong password)', () => {
    const anonymous = registryErrorFrom(401, '', { ...context, withoutCredentials: true });
    expect(anonymous.kind).toBe('unauthorized');
    expect(anonymous.message).toContain('no credentials are configured for r.example');
    expect(anonymous.message).toContain('par login r.example');
    expect(registryErrorFrom(401, '', context).message).toContain('refused the credentials');
    expect(registryErrorFrom(401, '', { ...context, withoutCredentials: true }, 'Bearer realm="x",error="insufficient_scope"').message).toContain('anonymous');
  });

  it('maps invalid-content codes to invalid and other statuses to failure', () => {
    expect(registryErrorFrom(400, '{"errors":[{"code":"MANIFEST_INVALID","message":"bad"}]}', context).kind).toBe('invalid');
    expect(registryErrorFrom(500, 'oops', context)).toMatchObject({ kind: 'failure', status: 500 });
  });
});
