import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { repositoryScope } from '../oci/reference.js';
import type { RegistryConnection } from './connection.js';
import { Digester } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { expectStatus } from '../http/registry-errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { TransferOptions } from '../content/target.js';
import { bodyNetworkError, NetworkError } from '../http/transport.js';

/**
 * How much of a blob may wait between the network and its consumer. Node's 16 KiB default made a
 * registry-to-registry copy stop and go (the GET paused whenever the PUT did); a few MiB lets both
 * connections run at full speed while memory stays bounded.
 */
const DOWNLOAD_BUFFER_BYTES = 4 * 1024 * 1024;

export interface BlobSource {
  client: RegistryConnection;
  registry: string;
  repository: string;
  /** `registry/repository`, for messages. */
  name: string;
}

const MAX_RESUMES = 5;

async function requestBlob(source: BlobSource, descriptor: Descriptor, offset: number): Promise<Dispatcher.ResponseData> {
  const reference = `${source.name}@${descriptor.digest}`;
  const response = await source.client.send({
    registry: source.registry,
    method: 'GET',
    path: `/v2/${source.repository}/blobs/${descriptor.digest}`,
    headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    scopes: [repositoryScope(source.repository, ['pull'])],
    operation: 'fetch blob',
    reference,
    followRedirects: true,
    streaming: true,
  });
  await expectStatus(response, [200, 206], { operation: 'fetch blob', reference });
  return response;
}

/**
 * Opens a blob as a stream that checks size and digest while it is read (the stream errors with
 * kind `verification` at the end on a mismatch), resuming with `Range` after a dropped connection
 * (or restarting and skipping what was already delivered when the registry ignores ranges).
 */
export async function openBlob(source: BlobSource, descriptor: Descriptor, options: TransferOptions = {}): Promise<Readable> {
  const reference = `${source.name}@${descriptor.digest}`;
  // Hashing is the main CPU cost of a transfer; skipped when the consumer checks the digest itself.
  const digester = options.digestCheckedDownstream ? undefined : new Digester({ expected: descriptor, reference: `blob ${reference}` });
  const first = await requestBlob(source, descriptor, 0);
  return Readable.from(verifiedBlobBytes(source, descriptor, first, digester, options), { objectMode: false, highWaterMark: DOWNLOAD_BUFFER_BYTES });
}

async function* verifiedBlobBytes(
  source: BlobSource,
  descriptor: Descriptor,
  first: Dispatcher.ResponseData,
  digester: Digester | undefined,
  options: TransferOptions,
): AsyncGenerator<Buffer> {
  const reference = `${source.name}@${descriptor.digest}`;
  let response = first;
  let received = 0;
  let skip = 0;
  let resumes = 0;
  try {
    for (;;) {
      try {
        for await (const data of response.body) {
          let chunk = data as Buffer;
          if (skip > 0) {
            const dropped = Math.min(skip, chunk.length);
            chunk = chunk.subarray(dropped);
            skip -= dropped;
            if (chunk.length === 0) continue;
          }
          received += chunk.length;
          if (received > descriptor.size) {
            throw new RegistryError(`blob ${reference} is larger than the ${descriptor.size} bytes its descriptor says`, {
              kind: 'verification',
              operation: 'fetch blob',
              reference,
            });
          }
          digester?.update(chunk);
          options.onProgress?.(chunk.length);
          yield chunk;
        }
        break;
      } catch (error) {
        if (error instanceof RegistryError || options.signal?.aborted) throw error;
        const failure = bodyNetworkError(response, error, `fetch blob ${reference}`);
        // A stall already cost a whole timeout: resuming would multiply it. A cut is worth resuming.
        if (!(failure instanceof NetworkError) || !failure.retryable || received >= descriptor.size) throw failure;
        if (resumes >= MAX_RESUMES) {
          throw new RegistryError(
            `fetch blob ${reference}: the download broke off ${resumes + 1} times (${failure.message.replace(/^cannot reach /, 'last: ')}); gave up at byte ${received} of ${descriptor.size}`,
            { kind: 'failure', operation: 'fetch blob', reference, cause: error },
          );
        }
        resumes++;
        response.body.destroy();
        response = await requestBlob(source, descriptor, received);
        // 206: the rest; 200: the whole blob again, of which we drop what was already delivered.
        skip = response.statusCode === 206 ? 0 : received;
      }
    }
  } finally {
    response.body.destroy();
  }
  if (received !== descriptor.size) {
    throw new RegistryError(`blob ${reference} is ${received} bytes, its descriptor says ${descriptor.size}`, {
      kind: 'verification',
      operation: 'fetch blob',
      reference,
    });
  }
  digester?.finish();
}
