import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RegistryError } from './errors.js';
import { apiHost, credentialKeys, formatReference, isLoopbackHost, isReferrersFallbackTag, manifestReference, parseReference, parseRepository, referenceName, withDigest, withTag, type Reference } from './reference.js';

const SHA256 = `sha256:${'a'.repeat(64)}`;
const SHA512 = `sha512:${'0123456789abcdef'.repeat(8)}`;

const valid: Array<[string, Reference]> = [
  ['alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }],
  ['alpine:3.19', { registry: 'docker.io', repository: 'library/alpine', tag: '3.19' }],
  ['library/alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }],
  ['wasmcloud/httpserver:0.1', { registry: 'docker.io', repository: 'wasmcloud/httpserver', tag: '0.1' }],
  ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }],
  ['index.docker.io/alpine:1', { registry: 'docker.io', repository: 'library/alpine', tag: '1' }],
  ['docker.io/org/name:v1', { registry: 'docker.io', repository: 'org/name', tag: 'v1' }],
  ['ghcr.io/wasmcloud/fakepay:0.1.0', { registry: 'ghcr.io', repository: 'wasmcloud/fakepay', tag: '0.1.0' }],
  ['GHCR.io/org/x:1', { registry: 'ghcr.io', repository: 'org/x', tag: '1' }],
  ['ghcr.io/a/b/c/d:1', { registry: 'ghcr.io', repository: 'a/b/c/d', tag: '1' }],
  ['ghcr.io/single', { registry: 'ghcr.io', repository: 'single', tag: 'latest' }],
  ['localhost/foo', { registry: 'localhost', repository: 'foo', tag: 'latest' }],
  ['localhost:5001/foo:1', { registry: 'localhost:5001', repository: 'foo', tag: '1' }],
  ['localhost:5001/a/b', { registry: 'localhost:5001', repository: 'a/b', tag: 'latest' }],
  ['127.0.0.1:5001/foo:bar', { registry: '127.0.0.1:5001', repository: 'foo', tag: 'bar' }],
  ['[::1]:5001/foo:1', { registry: '[::1]:5001', repository: 'foo', tag: '1' }],
  ['[::1]/foo', { registry: '[::1]', repository: 'foo', tag: 'latest' }],
  ['[2001:db8::1]:443/x/y', { registry: '[2001:db8::1]:443', repository: 'x/y', tag: 'latest' }],
  ['myregistry/foo:1', { registry: 'docker.io', repository: 'myregistry/foo', tag: '1' }],
  ['registry.example.com:8443/team/app:v2.0-rc_1', {
    registry: 'registry.example.com:8443', repository: 'team/app', tag: 'v2.0-rc_1',
  }],
  ['ghcr.io/org/x:MixedCase', { registry: 'ghcr.io', repository: 'org/x', tag: 'MixedCase' }],
  [`ghcr.io/org/x@${SHA256}`, { registry: 'ghcr.io', repository: 'org/x', digest: SHA256 }],
  [`ghcr.io/org/x:1@${SHA256}`, { registry: 'ghcr.io', repository: 'org/x', tag: '1', digest: SHA256 }],
  [`alpine@${SHA512}`, { registry: 'docker.io', repository: 'library/alpine', digest: SHA512 }],
  [`localhost:5000/a@${SHA256}`, { registry: 'localhost:5000', repository: 'a', digest: SHA256 }],
  ['a.b-c/d__e/f-g.h:t', { registry: 'a.b-c', repository: 'd__e/f-g.h', tag: 't' }],
  ['org/a.b_c:t', { registry: 'docker.io', repository: 'org/a.b_c', tag: 't' }],
  ['foo/a__b/c--d:x', { registry: 'docker.io', repository: 'foo/a__b/c--d', tag: 'x' }],
  ['x:_t', { registry: 'docker.io', repository: 'library/x', tag: '_t' }],
];

const invalid: Array<[string, RegExp]> = [
  ['', /empty/],
  ['Alpine', /must be lowercase/],
  ['ghcr.io/Org/x:1', /"Org\/x" must be lowercase/],
  ['ghcr.io/org/x:-bad', /invalid tag "-bad"/],
  ['ghcr.io/org/x:.bad', /invalid tag/],
  [`ghcr.io/org/x:${'t'.repeat(129)}`, /invalid tag/],
  ['ghcr.io/org/x:', /invalid tag ""/],
  ['ghcr.io/org/x@sha256:abc', /sha256 takes 64 lowercase hex digits/],
  [`ghcr.io/org/x@sha256:${'A'.repeat(64)}`, /lowercase hex/],
  [`ghcr.io/org/x@md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
  ['ghcr.io/org/x@', /invalid digest ""/],
  ['ghcr.io//x', /empty path component/],
  ['ghcr.io/org/', /empty path component/],
  ['ghcr.io/', /empty path component/],
  [`ghcr.io/${'a'.repeat(256)}`, /256 characters, more than 255/],
  ['https://ghcr.io/org/x', /remove the URL scheme/],
  ['ghcr.io/org x', /whitespace/],
  ['::1:5000/foo', /IPv6 address in brackets/],
  ['localhost:99999/foo', /invalid port "99999"/],
  ['[::1/foo', /unclosed/],
  ['ghcr.io/a$b', /invalid repository component "a\$b"/],
  ['ghcr.io/a-/b', /invalid repository component "a-"/],
];

describe('parseReference', () => {
  it.each(valid)('parses %s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it.each(invalid)('rejects %j', (input, message) => {
    let error: unknown;
    try {
      parseReference(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).kind).toBe('invalid');
    expect((error as RegistryError).message).toMatch(message);
    expect((error as RegistryError).message).toContain(`"${input}"`);
  });

  it('puts a bare name under the default registry', () => {
    expect(parseReference('foo:1', { defaultRegistry: 'localhost:5001' })).toEqual({
      registry: 'localhost:5001', repository: 'foo', tag: '1',
    });
    expect(parseReference('org/foo', { defaultRegistry: 'https://Reg.example.com/' })).toEqual({
      registry: 'reg.example.com', repository: 'org/foo', tag: 'latest',
    });
    // An explicit registry wins over the default.
    expect(parseReference('ghcr.io/org/foo', { defaultRegistry: 'localhost:5001' }).registry).toBe('ghcr.io');
  });

  it('lets the digest win for fetching but keeps the tag', () => {
    const reference = parseReference(`ghcr.io/org/x:1@${SHA256}`);
    expect(manifestReference(reference)).toBe(SHA256);
    expect(manifestReference(parseReference('ghcr.io/org/x:1'))).toBe('1');
  });
});

describe('parseRepository', () => {
  it('normalises like a reference, without a tag', () => {
    expect(parseRepository('alpine')).toEqual({ registry: 'docker.io', repository: 'library/alpine' });
    expect(parseRepository('localhost:5001/a/b')).toEqual({ registry: 'localhost:5001', repository: 'a/b' });
    expect(parseRepository('[::1]:5001/a')).toEqual({ registry: '[::1]:5001', repository: 'a' });
  });

  it('rejects a tag or digest', () => {
    expect(() => parseRepository('ghcr.io/a:1')).toThrow(/takes no tag/);
    expect(() => parseRepository(`ghcr.io/a@${SHA256}`)).toThrow(/takes no digest/);
  });
});

describe('helpers', () => {
  it('formats and names', () => {
    expect(formatReference(parseReference('alpine'))).toBe('docker.io/library/alpine:latest');
    expect(formatReference(parseReference(`[::1]:5/a:b@${SHA256}`))).toBe(`[::1]:5/a:b@${SHA256}`);
    expect(referenceName(parseReference('localhost:5001/foo:1'))).toBe('localhost:5001/foo');
  });

  it('maps Docker Hub to its API host and credential key', () => {
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('index.docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('ghcr.io')).toBe('ghcr.io');
    expect(credentialKeys('docker.io')[0]).toBe('https://index.docker.io/v1/');
    expect(credentialKeys('localhost:5001')).toEqual(['localhost:5001', 'https://localhost:5001', 'http://localhost:5001']);
  });

  it('recognises loopback registries', () => {
    for (const host of ['localhost', 'localhost:5001', '127.0.0.1', '127.1.2.3:80', '[::1]', '[::1]:5001', '::1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['ghcr.io', '128.0.0.1:5000', 'localhost.example.com', '[::2]:5000', '10.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('swaps tags and digests', () => {
    const reference = parseReference(`ghcr.io/a:1@${SHA256}`);
    expect(withTag(reference, 'v2')).toEqual({ registry: 'ghcr.io', repository: 'a', tag: 'v2' });
    expect(withDigest(parseReference('ghcr.io/a:1'), SHA512)).toEqual({
      registry: 'ghcr.io', repository: 'a', tag: '1', digest: SHA512,
    });
    expect(() => withTag(reference, 'bad tag')).toThrow(/invalid tag/);
    expect(() => withDigest(reference, 'sha256:1')).toThrow(/64 lowercase hex/);
  });
});

describe('round trip', () => {
  const component = fc.stringMatching(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/).filter((c) => c.length <= 30);
  const registry = fc.oneof(
    fc.constant(''),
    fc.constantFrom('docker.io/', 'index.docker.io/', 'localhost/', 'localhost:5001/', '[::1]:5000/', 'ghcr.io/'),
    fc.tuple(fc.stringMatching(/^[a-z0-9]{1,10}$/), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}.io:${p}/`),
  );
  const tag = fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/).map((t) => `:${t}`));
  const digest = fc.oneof(
    fc.constant(''),
    fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `@sha256:${h}`),
  );
  const referenceText = fc
    .tuple(registry, fc.array(component, { minLength: 1, maxLength: 4 }), tag, digest)
    // Without a registry, a first component with a "." would be read as a registry: keep it out.
    .filter(([r, path]) => r !== '' || path.length === 1 || !path[0]!.includes('.'))
    .map(([r, path, t, d]) => `${r}${path.join('/')}${t}${d}`);

  it('format(parse(x)) parses back to the same reference', () => {
    fc.assert(
      fc.property(referenceText, (text) => {
        const parsed = parseReference(text);
        const formatted = formatReference(parsed);
        expect(parseReference(formatted)).toEqual(parsed);
        expect(formatReference(parseReference(formatted))).toBe(formatted);
      }),
      { numRuns: 500 },
    );
  });
});

describe('isReferrersFallbackTag (what `par tags` hides without --all)', () => {
  it('matches the referrers fallback and signature tags, not versions', () => {
    const hex = 'a'.repeat(64);
    expect(isReferrersFallbackTag(`sha256-${hex}`)).toBe(true);
    expect(isReferrersFallbackTag(`sha256-${hex}.sig`)).toBe(true);
    expect(isReferrersFallbackTag(`sha512-${'b'.repeat(128)}`)).toBe(true);
    expect(isReferrersFallbackTag('v1.2.3')).toBe(false);
    expect(isReferrersFallbackTag('sha256-short')).toBe(false);
    expect(isReferrersFallbackTag(`sha1-${hex}`)).toBe(false);
    expect(isReferrersFallbackTag(`x-sha256-${hex}`)).toBe(false);
  });
});
