import { describe, expect, it } from 'vitest';
import { repositoryScope } from '../oci/reference.js';
import { mergeScopes, parseChallenges } from './auth.js';

describe('parseChallenges', () => {
  it('parses a Bearer challenge with quoted parameters', () => {
    const [challenge] = parseChallenges(
      'Bearer realm="http://127.0.0.1:5005/token",service="par-test-registry",scope="repository:a/b:pull,push",error="insufficient_scope"',
    );
    expect(challenge).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'http://127.0.0.1:5005/token',
        service: 'par-test-registry',
        scope: 'repository:a/b:pull,push',
        error: 'insufficient_scope',
      },
    });
  });

  it('parses Basic and several challenges in one header', () => {
    expect(parseChallenges('Basic realm="Registry Realm", Bearer realm="https://auth.example/token",service=reg')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } },
    ]);
  });

  it('unescapes quoted characters and accepts unquoted values', () => {
    expect(parseChallenges('Bearer realm="a\\"b", service=x')).toEqual([{ scheme: 'bearer', params: { realm: 'a"b', service: 'x' } }]);
  });
});

describe('mergeScopes', () => {
  it('unions actions per repository and sorts, so equal sets give equal keys', () => {
    expect(mergeScopes(['repository:b:push', repositoryScope('a', ['pull']), 'repository:b:pull'])).toEqual([
      'repository:a:pull',
      'repository:b:pull,push',
    ]);
    expect(mergeScopes(['repository:x:pull repository:y:push'])).toEqual(['repository:x:pull', 'repository:y:push']);
  });
});
