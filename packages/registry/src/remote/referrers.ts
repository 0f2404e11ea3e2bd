import type { Dispatcher } from 'undici';
import type { Descriptor } from '../oci/descriptor.js';
import { RegistryError } from '../oci/errors.js';
import { OCI_INDEX_MEDIA_TYPE } from '../oci/media-types.js';
import { filterReferrers, mergeReferrers, parseReferrersIndex, referrersTag, serializeReferrersIndex } from '../oci/referrers.js';
import { readErrorBody, throwResponseError } from '../http/registry-errors.js';
import { readAnswer } from '../http/answer.js';
import { MAX_MANIFEST_SIZE } from '../oci/manifest.js';
import type { ListReferrersOptions, ReferrersCapability, ReferrersMode } from '../content/target.js';
import type { RegistryConnection } from './connection.js';
import { nextLink } from './link.js';

/** What the referrers code needs of its repository (RegistryRepository provides it). */
export interface ReferrersHost {
  readonly client: RegistryConnection;
  readonly registry: string;
  readonly repository: string;
  readonly name: string;
  /** GETs a manifest by tag; undefined on 404. Gives the ETag, for a conditional write. */
  fetchTagged(tag: string): Promise<{ bytes: Uint8Array; digest: string; etag?: string } | undefined>;
  /** HEADs a manifest by tag: its descriptor, or undefined on 404. */
  headTagged(tag: string): Promise<Descriptor | undefined>;
  /** PUTs manifest bytes under a tag; `ifMatch` makes it conditional where the registry honours it. */
  putTagged(tag: string, bytes: Uint8Array, mediaType: string, ifMatch?: string): Promise<'written' | 'conflict'>;
}

export interface ReferrersTuning {
  /**
   * How long after writing the fallback index to read it back. Another client that read the index
   * before our write and writes after it would drop our entry; one request cycle later it has
   * written, so the re-check sees the loss and merges again.
   */
  recheckDelayMs: number;
  /** Read-merge-write rounds before giving up. */
  maxAttempts: number;
  /** Pages of a referrers list followed at most (a registry could page forever). */
  maxPages: number;
}

export const DEFAULT_REFERRERS_TUNING: ReferrersTuning = { recheckDelayMs: 400, maxAttempts: 8, maxPages: 100 };

/**
 * The referrers of one registry repository. Whether the registry has the referrers API is found at
 * run time and remembered (as oras-go and regclient do): an `OCI-Subject` header on a manifest PUT
 * or a referrers endpoint that answers with an index says yes; a 404 there says use the tag schema.
 */
export class RegistryReferrers implements ReferrersCapability {
  readonly #host: ReferrersHost;
  readonly #tuning: ReferrersTuning;
  #mode: ReferrersMode | undefined;
  /** One fallback update per tag at a time within this process; other processes are handled by the re-check. */
  readonly #updates = new Map<string, Promise<unknown>>();

  constructor(host: ReferrersHost, tuning: Partial<ReferrersTuning> = {}) {
    this.#host = host;
    this.#tuning = { ...DEFAULT_REFERRERS_TUNING, ...tuning };
  }

  /** Known mode, if any (for tests and reports). */
  get mode(): ReferrersMode | undefined {
    return this.#mode;
  }

  /** A manifest PUT answered with `OCI-Subject`: the registry indexes `subject` itself. */
  noteSubjectHeader(value: string | undefined): void {
    if (value !== undefined && value !== '') this.#mode = 'api';
  }

  tagged(tag: string): Promise<Descriptor | undefined> {
    return this.#host.headTagged(tag);
  }

  async list(subject: Descriptor, options: ListReferrersOptions = {}): Promise<Descriptor[]> {
    const types = options.artifactType === undefined ? undefined : [options.artifactType];
    if (this.#mode !== 'tag') {
      const listed = await this.#fromApi(subject.digest, options.artifactType);
      if (listed !== undefined) return filterReferrers(listed, types);
    }
    try {
      const index = await this.#readIndex(subject.digest);
      return filterReferrers(index?.manifests ?? [], types);
    } catch (error) {
      // The spec: when the tag is not a valid index, assume there are no referrers.
      if (error instanceof RegistryError && error.kind === 'invalid') return [];
      throw error;
    }
  }

  async index(subject: Descriptor, referrers: Descriptor[]): Promise<ReferrersMode> {
    if ((await this.#detect(subject.digest)) === 'api' || referrers.length === 0) return this.#mode ?? 'tag';
    await this.#update(subject.digest, (current) => mergeReferrers(current, referrers), (current) =>
      referrers.every((r) => current.some((c) => c.digest === r.digest)),
    );
    return 'tag';
  }

  async unindex(subject: Descriptor, referrer: Descriptor): Promise<ReferrersMode> {
    if ((await this.#detect(subject.digest)) === 'api') return 'api';
    const absent = (current: Descriptor[]) => !current.some((c) => c.digest === referrer.digest);
    const index = await this.#readIndex(subject.digest);
    if (index === undefined || absent(index.manifests)) return 'tag';
    await this.#update(subject.digest, (current) => current.filter((c) => c.digest !== referrer.digest), absent);
    return 'tag';
  }

  async #detect(subjectDigest: string): Promise<ReferrersMode> {
    if (this.#mode !== undefined) return this.#mode;
    // Asking for the subject's referrers tells whether the API exists (a 404 page: it does not).
    await this.#fromApi(subjectDigest);
    return this.#mode ?? 'tag';
  }

  /** The API's list, following `Link` pages; undefined (and mode `tag`) when the registry has no API. */
  async #fromApi(subjectDigest: string, artifactType?: string): Promise<Descriptor[] | undefined> {
    const host = this.#host;
    const reference = `${host.name}@${subjectDigest}`;
    const query = artifactType === undefined ? '' : `?artifactType=${encodeURIComponent(artifactType)}`;
    let next: string | undefined = `/v2/${host.repository}/referrers/${subjectDigest}${query}`;
    const origin = await host.client.origin(host.registry);
    const all: Descriptor[] = [];
    for (let page = 0; next !== undefined; page++) {
      if (page >= this.#tuning.maxPages) {
        throw new RegistryError(`list referrers of ${reference}: more than ${this.#tuning.maxPages} pages, stopped`, {
          kind: 'failure',
          operation: 'list referrers',
          reference,
        });
      }
      const response: Dispatcher.ResponseData = await host.client.send({
        registry: host.registry,
        method: 'GET',
        url: new URL(next, origin).toString(),
        headers: { accept: OCI_INDEX_MEDIA_TYPE },
        scopes: [`repository:${host.repository}:pull`],
        operation: 'list referrers of',
        reference,
      });
      const contentType = headerOf(response, 'content-type')?.split(';')[0]?.trim();
      if (page === 0 && response.statusCode === 404) {
        // A registry with the API says NAME_UNKNOWN for a repository it does not have: nothing
        // refers to anything there, and the question of the API stays open.
        if (/NAME_UNKNOWN/.test(await readErrorBody(response))) return [];
        // No API (a 404 page, as oras-go decides): the tag schema.
        this.#mode = 'tag';
        return undefined;
      }
      if (page === 0 && response.statusCode === 200 && contentType !== OCI_INDEX_MEDIA_TYPE) {
        // Something that answers, but not with an index (a login page, say): no API either.
        await response.body.dump();
        this.#mode = 'tag';
        return undefined;
      }
      if (response.statusCode !== 200) await throwResponseError(response, { operation: 'list referrers of', reference });
      const bytes = await readAnswer(response, { limit: MAX_MANIFEST_SIZE, what: `list referrers of ${reference}`, noun: 'referrers list' });
      this.#mode = 'api';
      all.push(...parseReferrersIndex(bytes, `referrers list of ${reference}`));
      next = nextLink(headerOf(response, 'link'));
    }
    return all;
  }

  async #readIndex(subjectDigest: string): Promise<{ manifests: Descriptor[]; etag?: string } | undefined> {
    const tag = referrersTag(subjectDigest);
    const fetched = await this.#host.fetchTagged(tag);
    if (fetched === undefined) return undefined;
    const where = `${this.#host.name}:${tag}`;
    let manifests: Descriptor[];
    try {
      manifests = parseReferrersIndex(fetched.bytes, where);
    } catch (error) {
      // Not ours to overwrite: someone else put something else under this tag.
      throw new RegistryError(`${where} is not a valid referrers index; par leaves it alone`, {
        kind: 'invalid',
        operation: 'read referrers index',
        reference: where,
        cause: error,
      });
    }
    return fetched.etag === undefined ? { manifests } : { manifests, etag: fetched.etag };
  }

  /**
   * Read, change, write, re-check: the registry offers no atomic update of a tag, so after writing
   * we wait one request cycle and read the tag back; if another client's write dropped our change,
   * we merge again on top of theirs. Serialised per tag within this process.
   */
  async #update(subjectDigest: string, change: (current: Descriptor[]) => Descriptor[], done: (current: Descriptor[]) => boolean): Promise<void> {
    const tag = referrersTag(subjectDigest);
    const previous = this.#updates.get(tag) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.#updateNow(tag, subjectDigest, change, done));
    this.#updates.set(tag, run);
    try {
      await run;
    } finally {
      if (this.#updates.get(tag) === run) this.#updates.delete(tag);
    }
  }

  async #updateNow(tag: string, subjectDigest: string, change: (current: Descriptor[]) => Descriptor[], done: (current: Descriptor[]) => boolean): Promise<void> {
    const where = `${this.#host.name}:${tag}`;
    for (let attempt = 0; attempt < this.#tuning.maxAttempts; attempt++) {
      const current = await this.#readIndex(subjectDigest);
      const listed = current?.manifests ?? [];
      // Already as wanted: nothing of ours to lose, no write, no re-check.
      if (done(listed)) return;
      const bytes = serializeReferrersIndex(change(listed));
      const written = await this.#host.putTagged(tag, bytes, OCI_INDEX_MEDIA_TYPE, current?.etag);
      if (written === 'conflict') continue;
      await delay(this.#tuning.recheckDelayMs * (1 + Math.random()));
      const after = await this.#readIndex(subjectDigest);
      if (done(after?.manifests ?? [])) return;
    }
    throw new RegistryError(`update referrers index ${where}: other clients kept overwriting it (${this.#tuning.maxAttempts} attempts)`, {
      kind: 'failure',
      operation: 'update referrers index',
      reference: where,
    });
  }
}

function headerOf(response: Dispatcher.ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
