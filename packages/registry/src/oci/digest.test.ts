import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createVerifier, DigestingStream, digestFile, parseDigest, sha256Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { EMPTY_CONFIG, EMPTY_CONFIG_DIGEST } from './media-types.js';
import { fixturesDir as fixtures, rejection as failure, scratchDir } from '../test-support.js';

const FAKEPAY = { digest: 'sha256:32c80420cbd550af85c61d6d55de5bb634d1c74e0f296e7e8ab1528acaeb457c', size: 1_194_715 };

async function consume(source: Readable, through: DigestingStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(source, through, async (stream: AsyncIterable<Buffer>) => {
    for await (const chunk of stream) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

const scratch = await scratchDir('par-digest-');

describe('digests', () => {
  it('hashes bytes', () => {
    expect(sha256Digest(EMPTY_CONFIG)).toBe(EMPTY_CONFIG_DIGEST);
  });

  it('parses and rejects digests', () => {
    expect(parseDigest(EMPTY_CONFIG_DIGEST)).toEqual({ algorithm: 'sha256', hex: EMPTY_CONFIG_DIGEST.slice(7) });
    expect(() => parseDigest('sha256:xyz')).toThrow(/invalid digest "sha256:xyz"/);
    expect(() => parseDigest('nothing')).toThrow(RegistryError);
  });

  it('digests a file by streaming', async () => {
    expect(await digestFile(path.join(fixtures, 'wash', 'fakepay.par.gz'))).toEqual(FAKEPAY);
    const error = await failure(digestFile(path.join(scratch, 'missing')));
    expect(error.kind).toBe('not_found');
  });

  it('passes good content through unchanged', async () => {
    const data = Buffer.from('hello, registry');
    const verifier = createVerifier({ digest: sha256Digest(data), size: data.length });
    expect(await consume(Readable.from([data.subarray(0, 5), data.subarray(5)]), verifier)).toEqual(data);
    expect(verifier.digest).toBe(sha256Digest(data));
    expect(verifier.bytes).toBe(data.length);
  });

  it('verifies sha512 digests', async () => {
    const data = Buffer.from('abc');
    const digest = `sha512:${createHash('sha512').update(data).digest('hex')}`;
    const verifier = createVerifier({ digest, size: 3 });
    await consume(Readable.from([data]), verifier);
    expect(verifier.digest).toBe(digest);
  });

  it('fails at the end on a digest mismatch, naming both digests', async () => {
    const good = Buffer.from('good bytes');
    const bad = Buffer.from('evil bytes');
    const error = await failure(consume(Readable.from([bad]), createVerifier({ digest: sha256Digest(good), size: good.length })));
    expect(error.kind).toBe('verification');
    expect(error.message).toContain(sha256Digest(good));
    expect(error.message).toContain(sha256Digest(bad));
  });

  it('fails on a short stream', async () => {
    const data = Buffer.from('0123456789');
    const error = await failure(consume(Readable.from([data.subarray(0, 4)]), createVerifier({ digest: sha256Digest(data), size: 10 })));
    expect(error.message).toMatch(/expected 10 bytes, received 4/);
  });

  it('fails early when more bytes arrive than expected', async () => {
    const data = Buffer.from('0123456789');
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled += 1;
        this.push(pulled > 1000 ? null : Buffer.alloc(64 * 1024));
      },
    });
    const verifier = createVerifier({ digest: sha256Digest(data), size: 10 }, { reference: 'blob x' });
    const error = await failure(consume(endless, verifier));
    expect(error.message).toMatch(/blob x: received more than the expected 10 bytes/);
    expect(pulled).toBeLessThan(1000);
  });

  it('counts without expectations', async () => {
    const hasher = new DigestingStream();
    expect(() => hasher.digest).toThrow(/after the stream ends/);
    await consume(Readable.from([Buffer.from('{}')]), hasher);
    expect(hasher.digest).toBe(EMPTY_CONFIG_DIGEST);
  });
});
