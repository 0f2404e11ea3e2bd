import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RegistryConnection } from './connection.js';
import type { UploadStrategies } from './upload-strategy.js';
import { digestBytes, isDigest as isValidDigest, parseDigest } from '../oci/digest.js';
import { openBlob } from './download.js';
import { RegistryError } from '../oci/errors.js';
import { EMPTY_CONFIG_MEDIA_TYPE, MANIFEST_MEDIA_TYPES } from '../oci/media-types.js';
import { apiHost, isValidTag, repositoryScope, type RepositoryReference } from '../oci/reference.js';
import { readErrorBody, registryErrorFrom, expectStatus, throwResponseError } from '../http/registry-errors.js';
import { MAX_TAGS_PAGE, readAnswer, readJsonAnswer } from '../http/answer.js';
import { serverUrl } from '../http/server-url.js';
import type { Content, Target, TransferOptions } from '../content/target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isManifestMediaType, MAX_MANIFEST_SIZE, parseManifest } from '../oci/manifest.js';
import { isSuccess, uploadBlob, uploadStream } from './upload.js';
import { openContent, readSmall } from '../content/local-files.js';
import { headerValue as header } from '../http/headers.js';
import { nextLink } from './link.js';
import { RegistryReferrers, type ReferrersTuning } from './referrers.js';

const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

function isDigest(reference: string): boolean {
  // Tags cannot contain ':'.
  return reference.includes(':');
}

/** `type/subtype` from a Content-Type; anything else (empty, garbage, control characters) counts as absent. */
function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim();
  return type && /^[A-Za-z0-9][\w.+-]*\/[A-Za-z0-9][\w.+-]*$/.test(type) ? type : undefined;
}

/** A Content-Length as a size, or undefined when absent or not a plain non-negative integer. */
function sizeOf(contentLength: string | undefined): number | undefined {
  return contentLength !== undefined && /^\d{1,15}$/.test(contentLength) ? Number(contentLength) : undefined;
}

/**
 * The `Docker-Content-Digest` header, checked: a registry's header goes into messages, output and
 * further requests' paths, so `sha256:../../x` is refused and named as the registry's.
 */
function contentDigestHeader(response: Dispatcher.ResponseData, what: string): string | undefined {
  const value = header(response, 'docker-content-digest');
  if (value === undefined) return undefined;
  if (!isValidDigest(value)) {
    throw new RegistryError(`${what}: the registry sent an invalid Docker-Content-Digest header ${JSON.stringify(value.slice(0, 200))}; refused`, {
      kind: 'failure',
      operation: what,
    });
  }
  return value;
}

export interface FetchedManifest {
  bytes: Uint8Array;
  descriptor: Descriptor;
}

/**
 * One repository in a registry, as a Target (resolve, fetch, exists, push, tag) plus what only a
 * registry can do (mount, tags, delete).
 */
export class RegistryRepository implements Target {
  readonly client: RegistryConnection;
  /** The per-host upload strategy table of the client that made this repository. */
  readonly uploadStrategies: UploadStrategies;
  readonly registry: string;
  readonly repository: string;
  /** `registry/repository`, for messages. */
  readonly name: string;
  /**
   * Manifests this object pushed or fetched (and verified), by digest: content-addressed, so
   * resolving, re-reading or tagging them again needs no round trip (a pull fetches the manifest
   * to check it, then copies it; on a remote registry each saved request is a round trip).
   */
  readonly #manifests = new Map<string, { bytes: Uint8Array; mediaType: string }>();
  /** Manifest descriptors a resolve returned, by digest: resolving the digest again needs no request either. */
  readonly #resolved = new Map<string, Descriptor>();
  /** Blob downloads are hashed against their descriptor (unless the consumer checks downstream). */
  readonly verifiesOnFetch = true;
  /** The registry checks every upload against its `?digest=`. */
  readonly verifiesOnPush = true;
  /** OCI 1.1 referrers: the registry's API where it has one, else the referrers tag schema. */
  readonly referrers: RegistryReferrers;

  constructor(client: RegistryConnection, reference: RepositoryReference, uploadStrategies: UploadStrategies, referrersTuning: Partial<ReferrersTuning> = {}) {
    this.client = client;
    this.uploadStrategies = uploadStrategies;
    this.registry = reference.registry;
    this.repository = reference.repository;
    this.name = `${reference.registry}/${reference.repository}`;
    this.referrers = new RegistryReferrers(
      {
        client,
        registry: this.registry,
        repository: this.repository,
        name: this.name,
        fetchTagged: (tag) => this.#fetchTagged(tag),
        headTagged: (tag) => this.#headTagged(tag),
        putTagged: (tag, bytes, mediaType, ifMatch) => this.#putTagged(tag, bytes, mediaType, ifMatch),
      },
      referrersTuning,
    );
  }

  #reference(tagOrDigest: string): string {
    return isDigest(tagOrDigest) ? `${this.name}@${tagOrDigest}` : `${this.name}:${tagOrDigest}`;
  }

  #pull(): string[] {
    return [repositoryScope(this.repository, ['pull'])];
  }

  #push(): string[] {
    return [repositoryScope(this.repository, ['pull', 'push'])];
  }

  /** Resolves a tag or digest with a HEAD; falls back to GET when the registry omits the digest header. */
  async resolve(reference: string): Promise<Descriptor> {
    const known = this.#manifests.get(reference);
    if (known !== undefined) return { mediaType: known.mediaType, digest: reference, size: known.bytes.length };
    const resolved = this.#resolved.get(reference);
    if (resolved !== undefined) return { ...resolved };
    const ref = this.#reference(reference);
    const response = await this.client.send({
      registry: this.registry,
      method: 'HEAD',
      path: `/v2/${this.repository}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.#pull(),
      operation: 'resolve',
      reference: ref,
    });
    if (response.statusCode === 404) await this.#throwManifestNotFound(response, 'resolve', reference);
    await expectStatus(response, [200], { operation: 'resolve', reference: ref });
    await response.body.dump();
    const digest = contentDigestHeader(response, `resolve ${ref}`);
    const mediaType = mediaTypeOf(header(response, 'content-type'));
    const size = sizeOf(header(response, 'content-length'));
    if (!digest || !mediaType || size === undefined || (isDigest(reference) && digest !== reference)) {
      return (await this.fetchManifest(reference)).descriptor;
    }
    this.#resolved.set(digest, { mediaType, digest, size });
    return { mediaType, digest, size };
  }

  /**
   * GETs a manifest and verifies its bytes against the digest asked for and the
   * `Docker-Content-Digest` the registry sent (or computes it when the registry sent none).
   */
  async fetchManifest(reference: string): Promise<FetchedManifest> {
    const known = this.#manifests.get(reference);
    if (known !== undefined) return { bytes: known.bytes, descriptor: { mediaType: known.mediaType, digest: reference, size: known.bytes.length } };
    const ref = this.#reference(reference);
    const response = await this.client.send({
      registry: this.registry,
      method: 'GET',
      path: `/v2/${this.repository}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.#pull(),
      operation: 'fetch manifest',
      reference: ref,
    });
    if (response.statusCode === 404) await this.#throwManifestNotFound(response, 'fetch manifest', reference);
    await expectStatus(response, [200], { operation: 'fetch manifest', reference: ref });
    const bytes = await readAnswer(response, { limit: MAX_MANIFEST_SIZE, what: `fetch manifest ${ref}`, noun: 'manifest' });
    const headerDigest = contentDigestHeader(response, `fetch manifest ${ref}`);
    const expected = isDigest(reference) ? reference : headerDigest;
    const digest = digestBytes(bytes, expected ? parseDigest(expected).algorithm : 'sha256');
    for (const claimed of [isDigest(reference) ? reference : undefined, headerDigest]) {
      if (claimed && claimed.startsWith(digest.slice(0, digest.indexOf(':') + 1)) && claimed !== digest) {
        throw new RegistryError(`manifest ${ref} does not match its digest ${claimed} (got ${digest})`, {
          kind: 'verification',
          operation: 'fetch manifest',
          reference: ref,
        });
      }
    }
    const mediaType = mediaTypeOf(header(response, 'content-type')) ?? mediaTypeInBody(bytes) ?? MANIFEST_MEDIA_TYPES[0]!;
    const descriptor = { mediaType: isManifestMediaType(mediaType) ? mediaType : (mediaTypeInBody(bytes) ?? mediaType), digest, size: bytes.length };
    this.#manifests.set(digest, { bytes, mediaType: descriptor.mediaType });
    return { bytes, descriptor };
  }

  /**
   * A 404 for a manifest does not say whether the tag or the whole repository is missing (registries
   * answer MANIFEST_UNKNOWN, or a bare 404 to a HEAD, for both); one tags-list request tells them apart.
   */
  async #throwManifestNotFound(response: Dispatcher.ResponseData, operation: string, reference: string): Promise<never> {
    const ref = this.#reference(reference);
    const original = registryErrorFrom(404, await readErrorBody(response), { operation, reference: ref });
    const repositoryExists = await this.#repositoryExists().catch(() => undefined);
    if (repositoryExists === false) {
      throw new RegistryError(`${operation} ${ref}: repository ${this.repository} not found on ${this.registry}`, {
        kind: 'not_found',
        operation,
        reference: ref,
        status: 404,
        code: 'NAME_UNKNOWN',
      });
    }
    if (repositoryExists === true) {
      const what = isDigest(reference) ? `no manifest ${reference}` : `no tag "${reference}"`;
      throw new RegistryError(`${operation} ${ref}: ${what} in repository ${this.name}`, {
        kind: 'not_found',
        operation,
        reference: ref,
        status: 404,
        code: original.code ?? 'MANIFEST_UNKNOWN',
      });
    }
    throw original;
  }

  /** true/false when the tags list answers 200/404; undefined when it cannot tell (e.g. 401 on GHCR). */
  async #repositoryExists(): Promise<boolean | undefined> {
    const response = await this.client.send({
      registry: this.registry,
      method: 'GET',
      path: `/v2/${this.repository}/tags/list?n=1`,
      scopes: this.#pull(),
      operation: 'list tags of',
      reference: this.name,
    });
    await response.body.dump();
    if (response.statusCode === 200) return true;
    if (response.statusCode === 404) return false;
    return undefined;
  }

  async fetch(descriptor: Descriptor, options: TransferOptions = {}): Promise<Readable> {
    if (isManifestMediaType(descriptor.mediaType)) {
      const { bytes } = await this.fetchManifest(descriptor.digest);
      if (bytes.length !== descriptor.size) {
        throw new RegistryError(`manifest ${this.name}@${descriptor.digest} is ${bytes.length} bytes, its descriptor says ${descriptor.size}`, {
          kind: 'verification',
          operation: 'fetch manifest',
          reference: `${this.name}@${descriptor.digest}`,
        });
      }
      options.onProgress?.(bytes.length);
      return Readable.from([Buffer.from(bytes)]);
    }
    return openBlob(this, descriptor, options);
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    const kind = isManifestMediaType(descriptor.mediaType) ? 'manifests' : 'blobs';
    const ref = `${this.name}@${descriptor.digest}`;
    const response = await this.client.send({
      registry: this.registry,
      method: 'HEAD',
      path: `/v2/${this.repository}/${kind}/${descriptor.digest}`,
      headers: kind === 'manifests' ? { accept: MANIFEST_ACCEPT } : {},
      scopes: this.#pull(),
      operation: 'check existence of',
      reference: ref,
      followRedirects: true,
    });
    await response.body.dump();
    if (response.statusCode === 404) return false;
    if (response.statusCode !== 200) return throwResponseError(response, { operation: 'check existence of', reference: ref });
    // A blob held at another size is held wrongly (Artifactory kept the last chunk of a chunked
    // upload): not there, so it is uploaded again and checked.
    const size = header(response, 'content-length');
    return kind === 'manifests' || size === undefined || Number(size) === descriptor.size;
  }

  async push(descriptor: Descriptor, content: Content, options: TransferOptions = {}): Promise<void> {
    if (!isManifestMediaType(descriptor.mediaType)) {
      await uploadBlob(this, descriptor, content, options);
      return;
    }
    const bytes = content instanceof Uint8Array ? content : await readSmall(await openContent(content), MAX_MANIFEST_SIZE, `manifest ${this.name}`, 'push manifest');
    await this.#putManifest(descriptor.digest, bytes, descriptor.mediaType);
    this.#manifests.set(descriptor.digest, { bytes, mediaType: descriptor.mediaType });
    options.onProgress?.(bytes.length);
  }

  /**
   * Uploads a blob whose digest is not known yet in one pass, hashing it on the way (see
   * uploadStream), and returns its descriptor.
   */
  async pushStream(mediaType: string, open: () => Promise<Readable>, options: TransferOptions = {}): Promise<Descriptor> {
    const { digest, size } = await uploadStream(this, open, options);
    return { mediaType, digest, size };
  }

  /**
   * PUTs a manifest; gives the status and the digest the registry says it stored
   * (`Docker-Content-Digest`), if it says. A 412 is returned, not thrown, when `if-match` was sent.
   */
  async #putManifest(
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ status: number; digest: string | undefined }> {
    const ref = this.#reference(reference);
    const response = await this.client.send({
      registry: this.registry,
      method: 'PUT',
      path: `/v2/${this.repository}/manifests/${reference}`,
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length), ...extraHeaders },
      body: bytes,
      scopes: this.#push(),
      operation: 'push manifest',
      reference: ref,
    });
    if (response.statusCode === 412 && extraHeaders['if-match'] !== undefined) {
      await response.body.dump();
      return { status: 412, digest: undefined };
    }
    // 201 as the spec says; legacy GCR answers 204.
    if (!isSuccess(response.statusCode)) {
      const refused = response.statusCode >= 400 && response.statusCode < 500 && response.statusCode !== 401 && response.statusCode !== 403 ? oci11FieldsOf(bytes) : [];
      if (refused.length === 0) {
        if (response.statusCode === 400 || response.statusCode === 415) await this.#throwManifestRefused(response, ref, bytes);
        await throwResponseError(response, { operation: 'push manifest', reference: ref });
      }
      // Registries that predate OCI 1.1 refuse manifests with `subject` or `artifactType`: say which.
      const error = registryErrorFrom(response.statusCode, await readErrorBody(response), { operation: 'push manifest', reference: ref });
      throw new RegistryError(`${error.message} — ${this.registry} refused a manifest with ${refused.join(' and ')} (OCI 1.1 fields it may not support)`, {
        kind: error.kind,
        operation: 'push manifest',
        reference: ref,
        status: response.statusCode,
        ...(error.code === undefined ? {} : { code: error.code }),
      });
    }
    this.referrers.noteSubjectHeader(header(response, 'oci-subject'));
    await response.body.dump();
    return { status: response.statusCode, digest: header(response, 'docker-content-digest') };
  }

  /**
   * Stores a manifest and points `tag` at it in one request (a PUT under the tag; the registry
   * answers with the digest it stored, which must be the descriptor's).
   */
  async pushTagged(descriptor: Descriptor, bytes: Uint8Array, tag: string): Promise<void> {
    const stored = (await this.#putManifest(tag, bytes, descriptor.mediaType)).digest;
    if (stored !== undefined && stored !== descriptor.digest) {
      throw new RegistryError(`${this.#reference(tag)}: the registry stored the manifest as ${stored}, not ${descriptor.digest}`, {
        kind: 'verification',
        operation: 'push manifest',
        reference: this.#reference(tag),
      });
    }
    this.#manifests.set(descriptor.digest, { bytes, mediaType: descriptor.mediaType });
  }

  /**
   * Quay and GitLab refuse manifests whose config media type is not on their allow-list (400
   * MANIFEST_INVALID, or 415). Said so, with the way out: the OCI 1.1 artifact shape, whose config
   * is the empty descriptor every registry accepts.
   */
  async #throwManifestRefused(response: Dispatcher.ResponseData, ref: string, bytes: Uint8Array): Promise<never> {
    const body = await readErrorBody(response);
    const original = registryErrorFrom(response.statusCode, body, { operation: 'push manifest', reference: ref });
    const configType = configMediaTypeOf(bytes);
    // 415 is about media types; a 400 is only when its body names the type (Quay: "Unknown media type: …").
    const refusedForConfig = response.statusCode === 415 || (configType?.includes('/') === true && body.toLowerCase().includes(configType.toLowerCase()));
    if (configType === undefined || STANDARD_CONFIG_TYPES.has(configType) || !refusedForConfig) throw original;
    throw new RegistryError(
      `push manifest ${ref}: registry ${this.registry} refused the manifest's config media type ${configType} (${original.message.slice(original.message.indexOf(': ') + 2)}); push with --artifact-type to send an OCI 1.1 artifact manifest with the empty config (${EMPTY_CONFIG_MEDIA_TYPE}), which it accepts`,
      { kind: 'invalid', operation: 'push manifest', reference: ref, status: response.statusCode, ...(original.code === undefined ? {} : { code: original.code }) },
    );
  }

  /** A manifest by tag, or undefined when the tag does not exist; with the ETag the registry sent. */
  async #fetchTagged(tag: string): Promise<{ bytes: Uint8Array; digest: string; etag?: string } | undefined> {
    const ref = this.#reference(tag);
    const response = await this.client.send({
      registry: this.registry,
      method: 'GET',
      path: `/v2/${this.repository}/manifests/${tag}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.#pull(),
      operation: 'fetch manifest',
      reference: ref,
    });
    if (response.statusCode === 404) {
      await response.body.dump();
      return undefined;
    }
    if (response.statusCode !== 200) await throwResponseError(response, { operation: 'fetch manifest', reference: ref });
    const bytes = await readAnswer(response, { limit: MAX_MANIFEST_SIZE, what: `fetch manifest ${ref}`, noun: 'manifest' });
    const etag = header(response, 'etag');
    return { bytes, digest: digestBytes(bytes), ...(etag === undefined ? {} : { etag }) };
  }

  /** A tag's manifest descriptor with one HEAD (no tags listing on 404, unlike resolve's error path). */
  async #headTagged(tag: string): Promise<Descriptor | undefined> {
    const ref = this.#reference(tag);
    const response = await this.client.send({
      registry: this.registry,
      method: 'HEAD',
      path: `/v2/${this.repository}/manifests/${tag}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.#pull(),
      operation: 'resolve',
      reference: ref,
    });
    await response.body.dump();
    if (response.statusCode === 404) return undefined;
    if (response.statusCode !== 200) return throwResponseError(response, { operation: 'resolve', reference: ref });
    const digest = header(response, 'docker-content-digest');
    const mediaType = header(response, 'content-type')?.split(';')[0]?.trim();
    const size = Number(header(response, 'content-length'));
    if (digest === undefined || mediaType === undefined || !Number.isFinite(size)) return (await this.fetchManifest(tag)).descriptor;
    return { mediaType, digest, size };
  }

  async #putTagged(tag: string, bytes: Uint8Array, mediaType: string, ifMatch?: string): Promise<'written' | 'conflict'> {
    const { status } = await this.#putManifest(tag, bytes, mediaType, ifMatch === undefined ? {} : { 'if-match': ifMatch });
    return status === 412 ? 'conflict' : 'written';
  }

  /** PUTs the manifest's bytes under `tag` (fetching them from this repository when needed). */
  async tag(descriptor: Descriptor, tag: string): Promise<void> {
    const known = this.#manifests.get(descriptor.digest);
    const manifest = known ?? { bytes: (await this.fetchManifest(descriptor.digest)).bytes, mediaType: descriptor.mediaType };
    await this.#putManifest(tag, manifest.bytes, manifest.mediaType);
  }

  /**
   * Cross-repository mount from another repository of the same registry. True when the registry
   * mounted it (201); false when it did not (202 session cancelled, or any error) so the caller
   * uploads instead.
   */
  canMountFrom(source: Target): boolean {
    return source instanceof RegistryRepository && apiHost(source.registry) === apiHost(this.registry) && source.repository !== this.repository;
  }

  async mount(descriptor: Descriptor, fromRepository: string | Target): Promise<boolean> {
    if (typeof fromRepository !== 'string' && !(fromRepository instanceof RegistryRepository)) return false;
    const from = typeof fromRepository === 'string' ? fromRepository : fromRepository.repository;
    const path = `/v2/${this.repository}/blobs/uploads/?mount=${encodeURIComponent(descriptor.digest)}&from=${encodeURIComponent(from)}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await this.client.send({
        registry: this.registry,
        method: 'POST',
        path,
        headers: { 'content-length': '0' },
        scopes: [repositoryScope(from, ['pull']), ...this.#push()],
        operation: 'mount blob',
        reference: `${this.name}@${descriptor.digest}`,
      });
    } catch {
      return false;
    }
    await response.body.dump();
    // 201 mounted (legacy GCR says 204); 202 is an upload session instead; any error (Harbor's 401
    // for a source it will not read, ECR's refusal of a blob no manifest references) means upload.
    if (response.statusCode !== 202) return isSuccess(response.statusCode);
    const location = header(response, 'location');
    if (location) {
      try {
        const base = (await this.client.origin(this.registry)) + path;
        const cancel = await this.client.send({
          registry: this.registry,
          method: 'DELETE',
          url: serverUrl(location, base, `mount blob ${this.name}@${descriptor.digest}`, 'upload Location'),
          scopes: this.#push(),
          operation: 'cancel upload',
          reference: this.name,
          survivesInterruption: true,
        });
        await cancel.body.dump();
      } catch {
        // The session expires on its own.
      }
    }
    return false;
  }

  /**
   * All tags, following `Link: <…>; rel="next"` pages. A registry's answer is checked: a `Link`
   * back to a page already read, or more than MAX_TAG_PAGES pages, stops the listing with an error
   * (never an endless loop); `tags` must be a list of valid tags.
   */
  async *tags(): AsyncIterable<string> {
    let next: string | undefined = `/v2/${this.repository}/tags/list?n=1000`;
    const origin = await this.client.origin(this.registry);
    const what = `list tags of ${this.name}`;
    const visited = new Set<string>();
    let previous: string | undefined;
    while (next) {
      const url = serverUrl(next, previous ?? origin, what, 'next-page Link');
      if (visited.has(url)) {
        throw new RegistryError(`${what}: the registry's next-page Link points back to a page already read (${withoutQuery(url)}); stopped`, {
          kind: 'failure',
          operation: 'list tags of',
          reference: this.name,
        });
      }
      if (visited.size >= MAX_TAG_PAGES) {
        throw new RegistryError(`${what}: more than ${MAX_TAG_PAGES} pages of tags; stopped`, { kind: 'failure', operation: 'list tags of', reference: this.name });
      }
      visited.add(url);
      const response = await this.client.send({
        registry: this.registry,
        method: 'GET',
        url,
        scopes: this.#pull(),
        operation: 'list tags of',
        reference: this.name,
      });
      await expectStatus(response, [200], { operation: 'list tags of', reference: this.name });
      const body = await readJsonAnswer(response, { limit: MAX_TAGS_PAGE, what, noun: 'tags page' });
      for (const tag of tagsOf(body, what)) yield tag;
      previous = url;
      next = nextLink(header(response, 'link'));
    }
  }

  /**
   * Deletes a manifest by digest and, when it names a subject, takes it out of the subject's
   * fallback referrers index (a registry with the referrers API forgets it by itself).
   */
  async deleteManifest(digest: string): Promise<{ subject?: Descriptor }> {
    const { bytes, descriptor } = await this.fetchManifest(digest);
    let subject: Descriptor | undefined;
    try {
      subject = parseManifest(bytes, descriptor.mediaType).subject;
    } catch {
      // Not a manifest par can read: delete it all the same, it names no subject par knows of.
    }
    await this.delete(digest);
    this.#manifests.delete(digest);
    if (subject !== undefined) await this.referrers.unindex(subject, descriptor);
    return subject === undefined ? {} : { subject };
  }

  /** Deletes a manifest by digest (registries answer 202; 400/405 when deletes are disabled). */
  async delete(digest: string): Promise<void> {
    const ref = `${this.name}@${digest}`;
    const response = await this.client.send({
      registry: this.registry,
      method: 'DELETE',
      path: `/v2/${this.repository}/manifests/${digest}`,
      scopes: [repositoryScope(this.repository, ['delete'])],
      operation: 'delete manifest',
      reference: ref,
    });
    await expectStatus(response, [202, 200], { operation: 'delete manifest', reference: ref });
    await response.body.dump();
  }
}

/** Pages of a tag listing followed at most: 1,000 pages of up to 1,000 tags is far beyond any real repository. */
export const MAX_TAG_PAGES = 1000;

/** The `tags` of one page, each checked against the tag grammar (a registry's text reaches terminals and paths). */
function tagsOf(body: unknown, what: string): string[] {
  const tags = typeof body === 'object' && body !== null ? (body as { tags?: unknown }).tags : undefined;
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) {
    throw new RegistryError(`${what}: the registry answered "tags" as ${typeof tags}, not a list`, { kind: 'failure', operation: 'list tags of' });
  }
  for (const tag of tags) {
    if (typeof tag !== 'string' || !isValidTag(tag)) {
      const shown = typeof tag === 'string' ? JSON.stringify(tag.slice(0, 140)) : `a ${tag === null ? 'null' : typeof tag}`;
      throw new RegistryError(`${what}: the registry listed ${shown}, which is not a valid tag`, {
        kind: 'failure',
        operation: 'list tags of',
      });
    }
  }
  return tags as string[];
}

/** Upload and page URLs carry opaque state: keep their queries out of messages. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return parsed.origin + parsed.pathname;
}

/** Config media types every registry takes (the image configs and the OCI 1.1 empty descriptor). */
const STANDARD_CONFIG_TYPES = new Set([
  EMPTY_CONFIG_MEDIA_TYPE,
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

function configMediaTypeOf(bytes: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { config?: { mediaType?: unknown } };
    return typeof parsed.config?.mediaType === 'string' ? parsed.config.mediaType : undefined;
  } catch {
    return undefined;
  }
}

function mediaTypeInBody(bytes: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
    if (typeof parsed.mediaType === 'string') return parsed.mediaType;
    return Array.isArray(parsed.manifests) ? MANIFEST_MEDIA_TYPES[1] : MANIFEST_MEDIA_TYPES[0];
  } catch {
    return undefined;
  }
}

/** The OCI 1.1 fields a manifest carries (`subject`, `artifactType`), to name them when a registry refuses it. */
function oci11FieldsOf(bytes: Uint8Array): string[] {
  try {
    const manifest = parseManifest(bytes);
    return [
      ...(manifest.subject === undefined ? [] : [`subject ${manifest.subject.digest}`]),
      ...(manifest.artifactType === undefined ? [] : [`artifactType ${manifest.artifactType}`]),
    ];
  } catch {
    return [];
  }
}
