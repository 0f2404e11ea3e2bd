import { describe, expect, test } from 'vitest';
import { redactSecrets, rememberSecret, safeLine, terminalSafe, terminalSafeBlock } from './safe-text.js';

describe('redactSecrets', () => {
  test('URL userinfo, with or without a scheme', () => {
    expect(redactSecrets('invalid reference "https://user:pa55@host.io/repo:1"')).toBe('invalid reference "https://[redacted]@host.io/repo:1"');
    expect(redactSecrets('bad "user:pa55@host.io/repo:1"')).toBe('bad "[redacted]@host.io/repo:1"');
    expect(redactSecrets('invalid registry "user:pa55@127.0.0.1:5001"')).toBe('invalid registry "[redacted]@127.0.0.1:5001"');
  });

  test('a tag followed by a digest is not userinfo', () => {
    const text = `fetch 127.0.0.1:5001/repo:1@sha256:${'0123456789abcdef'.repeat(4)} failed; "repo:1@sha256:${'ab'.repeat(32)}"`;
    expect(redactSecrets(text)).toBe(text);
  });

  test('Authorization values quoted back', () => {
    expect(redactSecrets('DENIED: header Authorization: Basic cGFyOnBhcg== refused')).toBe('DENIED: header Authorization: [redacted] refused');
    expect(redactSecrets('token Bearer eyJhbGciOi.x.y rejected')).toBe('token Bearer [redacted] rejected');
    expect(redactSecrets('"authorization":"abc123"')).toBe('"authorization":"[redacted]"');
  });

  test('words after "basic" are not credentials', () => {
    expect(redactSecrets('the basic registry needs basic authentication')).toBe('the basic registry needs basic authentication');
  });

  test('the secrets of this run, in clear or Basic-encoded', () => {
    rememberSecret('someone', 'hunter2-secret');
    expect(redactSecrets('echo hunter2-secret')).toBe('echo [redacted]');
    expect(redactSecrets(`echo ${Buffer.from('someone:hunter2-secret').toString('base64')}`)).toBe('echo [redacted]');
  });
});

describe('terminalSafe', () => {
  test('escape sequences, carriage returns and line breaks are shown, not obeyed', () => {
    expect(terminalSafe('a\u001b[2Kb\rc\nd\u009be\u202ef')).toBe('a\\x1b[2Kb\\rc\\nd\\x9be\\u202ef');
  });

  test('a block keeps its own line breaks only', () => {
    expect(terminalSafeBlock('a\nb\u001b[0m\r')).toBe('a\nb\\x1b[0m\\r');
  });

  test('safeLine is one line', () => {
    expect(safeLine('oops\nSuccessfully pulled x').split('\n')).toHaveLength(1);
  });
});
