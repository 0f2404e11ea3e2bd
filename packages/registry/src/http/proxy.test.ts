import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor } from './proxy.js';

const https = new URL('https://registry.example.com/v2/');
const http = new URL('http://127.0.0.1:5001/v2/');

describe('proxyFor (curl’s choice of proxy)', () => {
  it('takes the variable of the URL’s scheme, lower case first, then all_proxy', () => {
    expect(proxyFor(https, { HTTPS_PROXY: 'http://p:1', https_proxy: 'http://lower:2' })?.url.host).toBe('lower:2');
    expect(proxyFor(https, { HTTP_PROXY: 'http://p:1' })).toBeUndefined();
    expect(proxyFor(http, { HTTP_PROXY: 'http://p:1' })?.variable).toBe('HTTP_PROXY');
    expect(proxyFor(http, { ALL_PROXY: 'http://all:3' })?.url.host).toBe('all:3');
    expect(proxyFor(https, {})).toBeUndefined();
  });

  it('reads a proxy without a scheme as http, and never shows its credentials', () => {
    const chosen = proxyFor(https, { https_proxy: 'user:secret@proxy.corp:3128' });
    expect(chosen?.url.protocol).toBe('http:');
    expect(chosen?.display).toBe('http://[redacted]@proxy.corp:3128');
  });

  it('refuses a value that is no URL without repeating it', () => {
    expect(() => proxyFor(https, { HTTPS_PROXY: 'http://us er:pw@[bad' })).toThrow(/^HTTPS_PROXY is not a proxy URL/);
    try {
      proxyFor(https, { HTTPS_PROXY: 'http://us er:pw@[bad' });
    } catch (error) {
      expect((error as Error).message).not.toContain('pw');
    }
  });
});

describe('bypassesProxy (curl’s NO_PROXY)', () => {
  it('matches hosts, their subdomains, leading dots and *', () => {
    expect(bypassesProxy(https, 'example.com')).toBe(true);
    expect(bypassesProxy(https, '.example.com')).toBe(true);
    expect(bypassesProxy(https, '*.example.com')).toBe(true);
    expect(bypassesProxy(https, 'ample.com')).toBe(false);
    expect(bypassesProxy(https, 'other.org, registry.example.com')).toBe(true);
    expect(bypassesProxy(https, '*')).toBe(true);
    expect(bypassesProxy(https, '')).toBe(false);
  });

  it('matches IP addresses as written or in a CIDR range, and an entry’s port', () => {
    expect(bypassesProxy(http, '127.0.0.1')).toBe(true);
    expect(bypassesProxy(http, '127.0.0.0/8')).toBe(true);
    expect(bypassesProxy(http, '10.0.0.0/8')).toBe(false);
    expect(bypassesProxy(http, '127.0.0.1:5001')).toBe(true);
    expect(bypassesProxy(http, '127.0.0.1:5002')).toBe(false);
    expect(bypassesProxy(new URL('http://[::1]:5001/'), '::1')).toBe(true);
  });
});
