import { describe, expect, it } from 'vitest';
import { defaultUploadStrategy, openContent } from './upload.js';

describe('defaultUploadStrategy', () => {
  it('knows the registries that need special treatment', () => {
    expect(defaultUploadStrategy('ghcr.io')).toEqual({ mode: 'chunked', chunkSize: 4 * 1024 * 1024 });
    expect(defaultUploadStrategy('123.dkr.ecr.eu-west-1.amazonaws.com').chunkSize).toBeGreaterThanOrEqual(5 * 1024 * 1024);
    expect(defaultUploadStrategy('acme.jfrog.io').mode).toBe('monolithic');
    expect(defaultUploadStrategy('127.0.0.1:5001').mode).toBe('monolithic');
  });
});

describe('openContent', () => {
  it('slices a buffer at the offset asked for', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of await openContent(new Uint8Array([1, 2, 3, 4, 5]), 2)) chunks.push(chunk as Buffer);
    expect([...Buffer.concat(chunks)]).toEqual([3, 4, 5]);
  });
});
