import { pipeline, type Readable, Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import { repositoryScope } from '../oci/reference.js';
import type { RegistryConnection } from './connection.js';
import { DEFAULT_CHUNK_SIZE, type UploadStrategies, type UploadStrategy } from './upload-strategy.js';
import { DigestingStream, type ExpectedContent } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { expectStatus, throwResponseError } from '../http/registry-errors.js';
import { openContent } from '../content/local-files.js';
import { headerValue as header } from '../http/headers.js';
import type { Content, TransferOptions } from '../content/target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { NetworkError } from '../http/transport.js';
import { serverUrl } from '../http/server-url.js';

export interface UploadTarget {
  client: RegistryConnection;
  /** The per-host strategy table, shared by the repositories of one client. */
  uploadStrategies: UploadStrategies;
  registry: string;
  repository: string;
  /** `registry/repository`, for messages. */
  name: string;
}

/**
 * Uploads a blob with the registry's strategy; when that strategy is refused with a 4xx, tries
 * the other one once and remembers it for the host.
 */
export async function uploadBlob(target: UploadTarget, descriptor: Descriptor, content: Content, options: TransferOptions = {}): Promise<void> {
  const strategy = target.uploadStrategies.for(target.registry);
  try {
    await runStrategy(target, strategy, descriptor, content, options);
  } catch (error) {
    if (!isStrategyRefusal(error)) throw error;
    const other: UploadStrategy = strategy.mode === 'chunked' ? { mode: 'monolithic' } : { mode: 'chunked', chunkSize: DEFAULT_CHUNK_SIZE };
    await runStrategy(target, other, descriptor, content, options);
    target.uploadStrategies.remember(target.registry, other);
  }
}

function isStrategyRefusal(error: unknown): boolean {
  if (!(error instanceof RegistryError) || error.status === undefined) return false;
  return error.status >= 400 && error.status < 500 && ![401, 403, 429].includes(error.status) && error.code !== 'DIGEST_INVALID';
}

function runStrategy(target: UploadTarget, strategy: UploadStrategy, descriptor: Descriptor, content: Content, options: TransferOptions) {
  return strategy.mode === 'chunked'
    ? uploadChunked(target, descriptor, content, strategy.chunkSize ?? DEFAULT_CHUNK_SIZE, options)
    : uploadMonolithic(target, descriptor, content, options);
}

function uploadScopes(target: UploadTarget): string[] {
  return [repositoryScope(target.repository, ['pull', 'push'])];
}

interface UploadSession {
  location: string;
  minChunkLength: number;
}

/** `POST /v2/<repo>/blobs/uploads/` → the session's absolute Location. */
export async function startUpload(target: UploadTarget, descriptor: Descriptor): Promise<UploadSession> {
  const path = `/v2/${target.repository}/blobs/uploads/`;
  const response = await target.client.send({
    registry: target.registry,
    method: 'POST',
    path,
    headers: { 'content-length': '0' },
    scopes: uploadScopes(target),
    operation: 'start upload of blob',
    reference: `${target.name}@${descriptor.digest}`,
  });
  // 202 is the spec's answer; old registries (gcr.io) answer 204, others 200 or 201: any 2xx with a Location opens a session.
  if (response.statusCode < 200 || response.statusCode > 299) {
    await throwResponseError(response, { operation: 'start upload of blob', reference: `${target.name}@${descriptor.digest}` });
  }
  await response.body.dump();
  const base = (await target.client.origin(target.registry)) + path;
  return {
    location: locationOf(response, base, target, descriptor),
    minChunkLength: minChunkLength(response, `${target.name}@${descriptor.digest}`),
  };
}

/** Chunks are held in memory: a registry may raise their size, but not beyond this. */
export const MAX_CHUNK_LENGTH = 64 * 1024 * 1024;

/** `OCI-Chunk-Min-Length`, checked: a number, and one par can hold in memory. */
function minChunkLength(response: Dispatcher.ResponseData, reference: string): number {
  const value = header(response, 'oci-chunk-min-length');
  if (value === undefined || value.trim() === '') return 0;
  if (!/^\d{1,15}$/.test(value.trim()) || Number(value) > MAX_CHUNK_LENGTH) {
    throw new RegistryError(
      `start upload of blob ${reference}: the registry asked for chunks of at least ${JSON.stringify(value.slice(0, 40))} bytes (OCI-Chunk-Min-Length); par holds at most ${MAX_CHUNK_LENGTH} in memory`,
      { kind: 'failure', operation: 'start upload of blob', reference },
    );
  }
  return Number(value);
}

/** Resolves a `Location` (absolute or relative) against the request URL; its query (`_state`) is kept. */
function locationOf(response: Dispatcher.ResponseData, requestUrl: string, target: UploadTarget, descriptor: Descriptor): string {
  const location = header(response, 'location');
  if (!location) {
    throw new RegistryError(`upload blob ${target.name}@${descriptor.digest}: registry answered ${response.statusCode} without a Location`, {
      kind: 'failure',
      operation: 'upload blob',
      reference: target.name,
      status: response.statusCode,
    });
  }
  return serverUrl(location, requestUrl, `upload blob ${target.name}@${descriptor.digest}`, 'upload Location');
}

function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

/** Cancels a session after a failure; the registry would expire it anyway, so errors are ignored. */
async function cancelUpload(target: UploadTarget, location: string): Promise<void> {
  try {
    const response = await target.client.send({
      registry: target.registry,
      method: 'DELETE',
      url: location,
      scopes: uploadScopes(target),
      operation: 'cancel upload',
      reference: target.name,
      survivesInterruption: true,
    });
    await response.body.dump();
  } catch {
    // ignored on purpose
  }
}

function countingProgress(options: TransferOptions): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      options.onProgress?.(chunk.length);
      callback(null, chunk);
    },
  });
}

/**
 * The content counted as it goes. pipeline, not pipe: when the content fails part-way (a read
 * error, a digest mismatch, an inspection that rejects) the request body must fail too, or the
 * PUT waits forever for the rest of its Content-Length.
 */
function withProgress(stream: Readable, options: TransferOptions): Transform {
  const counted = countingProgress(options);
  pipeline(stream, counted, () => {
    // Errors surface on `counted`, which the request reads.
  });
  return counted;
}

/** POST, then one PUT streaming the whole content with a known Content-Length. */
export async function uploadMonolithic(target: UploadTarget, descriptor: Descriptor, content: Content, options: TransferOptions = {}): Promise<void> {
  const session = await startUpload(target, descriptor);
  const reference = `${target.name}@${descriptor.digest}`;
  try {
    const response = await target.client.send({
      registry: target.registry,
      method: 'PUT',
      url: withDigest(session.location, descriptor.digest),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(descriptor.size) },
      // A factory, so a retry or a re-authentication reopens the content from the start.
      body: async () => withProgress(await openContent(content, 0), options),
      scopes: uploadScopes(target),
      operation: 'upload blob',
      reference,
      committing: descriptor.size,
    });
    await expectStatus(response, [201], { operation: 'upload blob', reference });
    await response.body.dump();
  } catch (error) {
    await cancelUpload(target, session.location);
    throw error;
  }
}

/** Splits a stream into buffers of exactly `size` bytes (the last may be shorter). */
async function* chunksOf(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for await (const data of stream) {
    let chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array);
    while (pendingLength + chunk.length >= size) {
      const take = size - pendingLength;
      pending.push(chunk.subarray(0, take));
      yield Buffer.concat(pending);
      pending = [];
      pendingLength = 0;
      chunk = chunk.subarray(take);
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      pendingLength += chunk.length;
    }
  }
  if (pendingLength > 0) yield Buffer.concat(pending);
}

/** The end offset (exclusive) a registry reports in `Range: 0-<last>`. */
function rangeEnd(response: Dispatcher.ResponseData): number | undefined {
  const match = /^(?:bytes=)?0-(\d+)$/.exec(header(response, 'range') ?? '');
  return match ? Number(match[1]) + 1 : undefined;
}

const MAX_RESUMES = 3;

/**
 * POST, PATCH chunk by chunk (`Content-Range: start-end`, inclusive), then `PUT ?digest=`.
 * Only one chunk is ever held in memory. A 416 or a dropped connection resumes from the
 * offset the registry reports.
 */
export async function uploadChunked(
  target: UploadTarget,
  descriptor: Descriptor,
  content: Content,
  chunkSize: number,
  options: TransferOptions = {},
): Promise<void> {
  const session = await startUpload(target, descriptor);
  const size = Math.max(chunkSize, session.minChunkLength);
  const reference = `${target.name}@${descriptor.digest}`;
  let location = session.location;
  let offset = 0;
  let resumes = 0;
  try {
    while (offset < descriptor.size) {
      const stream = await openContent(content, offset);
      let resumeFrom: number | undefined;
      try {
        for await (const chunk of chunksOf(stream, size)) {
          const response = await target.client.send({
            registry: target.registry,
            method: 'PATCH',
            url: location,
            headers: {
              'content-type': 'application/octet-stream',
              'content-length': String(chunk.length),
              'content-range': `${offset}-${offset + chunk.length - 1}`,
            },
            body: chunk,
            scopes: uploadScopes(target),
            operation: 'upload blob chunk',
            reference,
          });
          if (response.statusCode === 416) {
            await response.body.dump();
            resumeFrom = await uploadedOffset(target, location, reference);
            break;
          }
          if (response.statusCode !== 202 && response.statusCode !== 201 && response.statusCode !== 204) {
            await throwResponseError(response, { operation: 'upload blob chunk', reference });
          }
          await response.body.dump();
          location = header(response, 'location') ? locationOf(response, location, target, descriptor) : location;
          // Some registries (ECR) stop advancing Range: our own count is the reference.
          offset += chunk.length;
          const reported = rangeEnd(response);
          if (reported !== undefined && reported < offset) {
            resumeFrom = reported;
            break;
          }
          options.onProgress?.(chunk.length);
        }
      } catch (error) {
        // A cut connection resumes from what the registry holds; a stall (not retryable) is reported.
        if (!(error instanceof NetworkError) || !error.retryable) throw error;
        resumeFrom = await uploadedOffset(target, location, reference);
      } finally {
        stream.destroy();
      }
      if (resumeFrom !== undefined) {
        if (++resumes > MAX_RESUMES) {
          throw new RegistryError(`upload blob ${reference}: the registry kept losing chunks; gave up at byte ${resumeFrom}`, {
            kind: 'failure',
            operation: 'upload blob',
            reference,
          });
        }
        offset = resumeFrom;
      }
    }
    const response = await target.client.send({
      registry: target.registry,
      method: 'PUT',
      url: withDigest(location, descriptor.digest),
      headers: { 'content-length': '0' },
      scopes: uploadScopes(target),
      operation: 'finish upload of blob',
      reference,
      committing: descriptor.size,
    });
    await expectStatus(response, [201], { operation: 'finish upload of blob', reference });
    await response.body.dump();
  } catch (error) {
    await cancelUpload(target, location);
    throw error;
  }
}

/** `GET <location>` → 204 + `Range: 0-<last>`: how much the registry holds. */
async function uploadedOffset(target: UploadTarget, location: string, reference: string): Promise<number> {
  const response = await target.client.send({
    registry: target.registry,
    method: 'GET',
    url: location,
    scopes: uploadScopes(target),
    operation: 'get upload status',
    reference,
  });
  await expectStatus(response, [204, 200], { operation: 'get upload status', reference });
  await response.body.dump();
  return rangeEnd(response) ?? 0;
}

/**
 * Uploads content whose digest is not known yet, in one pass: POST, then the bytes as PATCH
 * requests — one streamed request, or chunks where the registry caps request bodies — then
 * `PUT ?digest=` with the digest computed on the way (the registry checks it). Pushing a file
 * this way reads it once instead of hashing it first. The stream cannot be replayed, so a failure
 * cancels the session and is reported; the caller may start again.
 */
export async function uploadStream(target: UploadTarget, open: () => Promise<Readable>, options: TransferOptions = {}): Promise<ExpectedContent> {
  const pending: Descriptor = { mediaType: 'application/octet-stream', digest: '(digest computed while uploading)', size: 0 };
  const reference = `${target.name} (new blob)`;
  const strategy = target.uploadStrategies.for(target.registry);
  const session = await startUpload(target, pending);
  let location = session.location;
  const hashed = new DigestingStream();
  try {
    pipeline(withProgress(await open(), options), hashed, () => {
      // Errors surface on `hashed`, which the requests read.
    });
    if (strategy.mode === 'chunked') {
      let offset = 0;
      for await (const chunk of chunksOf(hashed, Math.max(strategy.chunkSize ?? DEFAULT_CHUNK_SIZE, session.minChunkLength))) {
        location = await patch(target, location, chunk, reference, { 'content-length': String(chunk.length), 'content-range': `${offset}-${offset + chunk.length - 1}` });
        offset += chunk.length;
      }
    } else {
      location = await patch(target, location, hashed, reference, {});
    }
    const uploaded = { digest: hashed.digest, size: hashed.bytes };
    const response = await target.client.send({
      registry: target.registry,
      method: 'PUT',
      url: withDigest(location, uploaded.digest),
      headers: { 'content-length': '0' },
      scopes: uploadScopes(target),
      operation: 'finish upload of blob',
      reference: `${target.name}@${uploaded.digest}`,
      committing: uploaded.size,
    });
    await expectStatus(response, [201], { operation: 'finish upload of blob', reference: `${target.name}@${uploaded.digest}` });
    await response.body.dump();
    return uploaded;
  } catch (error) {
    await cancelUpload(target, location);
    throw error;
  }
}

/** One PATCH of an upload session; returns the session's next Location. */
async function patch(target: UploadTarget, location: string, body: Buffer | Readable, reference: string, headers: Record<string, string>): Promise<string> {
  const response = await target.client.send({
    registry: target.registry,
    method: 'PATCH',
    url: location,
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body,
    scopes: uploadScopes(target),
    operation: 'upload blob',
    reference,
  });
  if (response.statusCode !== 202 && response.statusCode !== 204 && response.statusCode !== 201) {
    await throwResponseError(response, { operation: 'upload blob', reference });
  }
  await response.body.dump();
  const next = header(response, 'location');
  return next ? serverUrl(next, location, `upload blob ${reference}`, 'upload Location') : location;
}
