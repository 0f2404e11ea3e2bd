import { pipeline, type Readable, Transform, Writable } from 'node:stream';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { repositoryScope } from '../oci/reference.js';
import type { RegistryConnection } from './connection.js';
import { DEFAULT_CHUNK_SIZE, SMALL_PATCH_LIMIT, type UploadStrategies, type UploadStrategy } from './upload-strategy.js';
import { DigestingStream, type ExpectedContent } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { expectStatus, readErrorBody, registryErrorFrom, throwResponseError } from '../http/registry-errors.js';
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
 * the other one once and remembers it for the host. Then checks that the registry holds what was
 * sent (see checkStored): a registry that stored it wrongly gets it again in one request.
 */
export async function uploadBlob(target: UploadTarget, descriptor: Descriptor, content: Content, options: TransferOptions = {}): Promise<void> {
  const strategy = target.uploadStrategies.for(target.registry);
  try {
    await runStrategy(target, strategy, descriptor, content, options);
  } catch (error) {
    if (!isStrategyRefusal(error)) throw error;
    learnFromRefusedPatch(target, error, undefined);
    const other: UploadStrategy = strategy.mode === 'chunked' ? { mode: 'monolithic' } : { mode: 'chunked', chunkSize: DEFAULT_CHUNK_SIZE };
    await runStrategy(target, other, descriptor, content, options);
    target.uploadStrategies.remember(target.registry, other);
  }
  await ensureStored(target, descriptor, () => uploadMonolithic(target, descriptor, content, options));
}

/**
 * After a commit the registry answered 201 to, asks the registry (HEAD) what it holds. Artifactory
 * answered 201 to chunked uploads while storing only the last chunk (wasmCloud/wasmCloud#3405): a
 * manifest pushed over that blob publishes a corrupt artifact. On disagreement the host is marked
 * monolithic-only and `reupload` sends the blob again in one request; if the registry still holds
 * it wrongly, the upload fails, before any manifest names it.
 */
async function ensureStored(target: UploadTarget, descriptor: Descriptor, reupload: () => Promise<void>): Promise<void> {
  const first = await storedView(target, descriptor);
  if (first === undefined) return;
  target.uploadStrategies.learn(target.registry, { monolithicOnly: true });
  await reupload();
  const second = await storedView(target, descriptor);
  if (second === undefined) return;
  const reference = `${target.name}@${descriptor.digest}`;
  throw new RegistryError(
    `upload blob ${reference}: registry ${target.registry} accepted the upload but holds ${second}, not the ${descriptor.size} bytes sent, even after sending it again in one request; nothing was tagged (the registry's copy of the blob needs repair)`,
    { kind: 'verification', operation: 'upload blob', reference },
  );
}

/** undefined when the registry's HEAD agrees with the descriptor (or cannot tell); else what it holds, in words. */
async function storedView(target: UploadTarget, descriptor: Descriptor): Promise<string | undefined> {
  const reference = `${target.name}@${descriptor.digest}`;
  const response = await target.client.send({
    registry: target.registry,
    method: 'HEAD',
    path: `/v2/${target.repository}/blobs/${descriptor.digest}`,
    scopes: [`repository:${target.repository}:pull`],
    operation: 'check upload of blob',
    reference,
    followRedirects: true,
  });
  await response.body.dump();
  if (response.statusCode === 404) return 'no such blob';
  // A registry that will not say (401 on a push-only token, 405) is not contradicting us.
  if (response.statusCode !== 200) return undefined;
  const size = header(response, 'content-length');
  const digest = header(response, 'docker-content-digest');
  const sizeDisagrees = size !== undefined && Number(size) !== descriptor.size;
  const digestDisagrees = digest !== undefined && digest !== descriptor.digest;
  if (!sizeDisagrees && !digestDisagrees) return undefined;
  return `${size ?? 'an unknown number of'} bytes${digest === undefined ? '' : ` (Docker-Content-Digest ${digest})`}`;
}

function isStrategyRefusal(error: unknown): boolean {
  if (!(error instanceof RegistryError) || error.status === undefined) return false;
  return error.status >= 400 && error.status < 500 && ![401, 403, 429].includes(error.status) && error.code !== 'DIGEST_INVALID';
}

/** The operation name of every PATCH, so a refusal of PATCH can be told from other refusals. */
const PATCH_OPERATION = 'upload blob chunk';

/**
 * What a refused PATCH teaches about the host. A body too large (416 or 413, GHCR's answer beyond
 * 4 MiB) sets a cap on PATCH bodies; any other refusal (405 or 400, Google Artifact Registry's
 * answers) means PATCH is not for this host. Returns false when the error is not such a refusal.
 * `patchBytes` is the size of the refused body (undefined for a stream of unknown length).
 */
function learnFromRefusedPatch(target: UploadTarget, error: unknown, patchBytes: number | undefined): boolean {
  if (!(error instanceof RegistryError) || error.operation !== PATCH_OPERATION || error.status === undefined) return false;
  const status = error.status;
  if (![400, 405, 413, 416, 501].includes(status) || error.code === 'DIGEST_INVALID' || error.code === 'BLOB_UPLOAD_UNKNOWN') return false;
  const tooLarge = (status === 416 || status === 413) && (patchBytes === undefined || patchBytes > SMALL_PATCH_LIMIT);
  target.uploadStrategies.learn(target.registry, tooLarge ? { maxPatchBytes: SMALL_PATCH_LIMIT } : { monolithicOnly: true });
  return true;
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
  if (!isSuccess(response.statusCode)) await throwResponseError(response, { operation: 'start upload of blob', reference: `${target.name}@${descriptor.digest}` });
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

/** Registries answer 201, 202 or (legacy GCR) 204 where the spec says one of them: any 2xx is success. */
export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
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
    if (!isSuccess(response.statusCode)) await throwResponseError(response, { operation: 'upload blob', reference });
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
            operation: PATCH_OPERATION,
            reference,
          });
          if (response.statusCode === 416) {
            const refusal = registryErrorFrom(416, await readErrorBody(response), { operation: PATCH_OPERATION, reference });
            resumeFrom = await uploadedOffset(target, location, reference);
            // The registry holds all we sent before this chunk: it refused the chunk itself (GHCR's
            // answer to a body over 4 MiB), not lost one. That is for the caller's fallback.
            if (resumeFrom === offset) throw refusal;
            break;
          }
          if (!isSuccess(response.statusCode)) await throwResponseError(response, { operation: PATCH_OPERATION, reference });
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
    if (!isSuccess(response.statusCode)) await throwResponseError(response, { operation: 'finish upload of blob', reference });
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
 * this way reads it once instead of hashing it first. The stream cannot be replayed: when the
 * registry refuses the PATCH (GHCR's 416 beyond 4 MiB, Google Artifact Registry's 405), the host's
 * profile learns why and the upload starts again from `open()` — in chunks under the cap, or, on a
 * host that takes no PATCH, hashed first and then sent in one PUT.
 */
export async function uploadStream(target: UploadTarget, open: () => Promise<Readable>, options: TransferOptions = {}): Promise<ExpectedContent> {
  for (let attempt = 1; ; attempt++) {
    if (target.uploadStrategies.profile(target.registry).monolithicOnly) return hashThenUpload(target, open, options);
    const profile = target.uploadStrategies.profile(target.registry);
    // One streamed PATCH, unless the host caps PATCH bodies: then chunks under the cap.
    const configured = target.uploadStrategies.for(target.registry);
    const strategy: UploadStrategy = configured.mode === 'monolithic' && profile.maxPatchBytes !== undefined ? { mode: 'chunked', chunkSize: profile.maxPatchBytes } : configured;
    const patchBytes = strategy.mode === 'chunked' ? (strategy.chunkSize ?? DEFAULT_CHUNK_SIZE) : undefined;
    try {
      const uploaded = await streamOnce(target, open, strategy, options);
      const descriptor: Descriptor = { mediaType: 'application/octet-stream', ...uploaded };
      await ensureStored(target, descriptor, () => uploadMonolithic(target, descriptor, () => open(), options));
      return uploaded;
    } catch (error) {
      if (attempt >= 3 || !learnFromRefusedPatch(target, error, patchBytes)) throw error;
    }
  }
}

/** A host that takes no PATCH: one read to learn the digest, then a monolithic PUT (skipped when the registry has the blob). */
async function hashThenUpload(target: UploadTarget, open: () => Promise<Readable>, options: TransferOptions): Promise<ExpectedContent> {
  const hashed = new DigestingStream();
  await pipelinePromise(await open(), hashed, new Writable({ write: (_chunk, _encoding, callback) => callback() }));
  const descriptor: Descriptor = { mediaType: 'application/octet-stream', digest: hashed.digest, size: hashed.bytes };
  if ((await storedView(target, descriptor)) !== undefined) {
    await uploadMonolithic(target, descriptor, () => open(), options);
    await ensureStored(target, descriptor, () => uploadMonolithic(target, descriptor, () => open(), options));
  }
  return { digest: descriptor.digest, size: descriptor.size };
}

/** One attempt of uploadStream's single pass. */
async function streamOnce(target: UploadTarget, open: () => Promise<Readable>, strategy: UploadStrategy, options: TransferOptions): Promise<ExpectedContent> {
  const pending: Descriptor = { mediaType: 'application/octet-stream', digest: '(digest computed while uploading)', size: 0 };
  const reference = `${target.name} (new blob)`;
  const session = await startUpload(target, pending);
  let location = session.location;
  const hashed = new DigestingStream();
  const source = withProgress(await open(), options);
  try {
    pipeline(source, hashed, () => {
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
    if (!isSuccess(response.statusCode)) await throwResponseError(response, { operation: 'finish upload of blob', reference: `${target.name}@${uploaded.digest}` });
    await response.body.dump();
    return uploaded;
  } catch (error) {
    source.destroy();
    hashed.destroy();
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
    operation: PATCH_OPERATION,
    reference,
  });
  // 202 as the spec says; ECR answers 201, legacy GCR 204.
  if (!isSuccess(response.statusCode)) await throwResponseError(response, { operation: PATCH_OPERATION, reference });
  await response.body.dump();
  const next = header(response, 'location');
  return next ? serverUrl(next, location, `upload blob ${reference}`, 'upload Location') : location;
}
