import { isIPv4 } from 'node:net';
import { RegistryError } from './errors.js';

/**
 * Image references (spec/oci-artifact.md §5), in the spirit of go-containerregistry's `pkg/name`:
 * parse once, normalise, and hand the parsed value to everything else.
 */

/** A registry and a repository in it, with no tag or digest (what `par tags REPO` takes). */
export interface RepositoryReference {
  /** The registry as the user names it, normalised: `docker.io`, `ghcr.io`, `localhost:5001`, `[::1]:5001`. */
  registry: string;
  /** The repository path: `library/alpine`, `org/provider`. */
  repository: string;
}

/** A parsed reference. `digest` wins over `tag` when fetching; both are kept for display. */
export interface Reference extends RepositoryReference {
  tag?: string;
  digest?: string;
}

export interface ParseReferenceOptions {
  /** Registry for references that do not name one (`WASH_REG_URL` / `--registry`); default `docker.io`. */
  defaultRegistry?: string;
}

export const DOCKER_HUB_REGISTRY = 'docker.io';
/** Where Docker Hub's registry API actually lives. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
/** The key Docker stores Docker Hub credentials under in config.json. */
export const DOCKER_HUB_CREDENTIAL_KEY = 'https://index.docker.io/v1/';
export const DEFAULT_TAG = 'latest';
/** distribution's limit on a repository name. */
export const MAX_REPOSITORY_LENGTH = 255;

const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const PATH_COMPONENT_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT_PATTERN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_PATTERN = /^\[[0-9a-fA-F:.]+(?:%[A-Za-z0-9]+)?\]$/;
const PORT_PATTERN = /^[0-9]{1,5}$/;
const DIGEST_PATTERNS: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/**
 * Parses `[registry/]repository[:tag][@digest]` with Docker's normalisation: no registry →
 * `docker.io` (or `defaultRegistry`); a one-segment Docker Hub name gets `library/`; no tag and no
 * digest → `latest`. The first segment is a registry iff it contains `.` or `:`, is `localhost`,
 * or is a bracketed IPv6 address.
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): Reference {
  const fail = (problem: string): never => {
    throw invalidReference(input, problem);
  };
  if (input.length === 0) fail('the reference is empty');
  if (/\s/.test(input)) fail('it contains whitespace');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) fail('remove the URL scheme (write host/repository:tag)');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem !== undefined) fail(problem);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && !rest.slice(colon).includes(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_PATTERN.test(tag)) {
      fail(`invalid tag "${tag}" (tags are 1-128 of A-Z a-z 0-9 _ . - and do not start with . or -)`);
    }
  }

  const { registry, repository } = splitName(rest, input, options);
  const reference: Reference = { registry, repository };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  if (tag === undefined && digest === undefined) reference.tag = DEFAULT_TAG;
  return reference;
}

/** Parses a repository name (`[registry/]repository`) that must carry no tag and no digest. */
export function parseRepository(input: string, options: ParseReferenceOptions = {}): RepositoryReference {
  if (input.includes('@')) throw invalidReference(input, 'a repository takes no digest');
  const lastSlash = input.lastIndexOf('/');
  const colon = input.lastIndexOf(':');
  if (colon > lastSlash && !input.slice(colon).includes(']')) {
    throw invalidReference(input, 'a repository takes no tag');
  }
  return splitName(input, input, options);
}

/** `registry/repository[:tag][@digest]` — parses back to the same value. */
export function formatReference(reference: Reference): string {
  let text = referenceName(reference);
  if (reference.tag !== undefined) text += `:${reference.tag}`;
  if (reference.digest !== undefined) text += `@${reference.digest}`;
  return text;
}

/** `registry/repository`. */
export function referenceName(reference: RepositoryReference): string {
  return `${reference.registry}/${reference.repository}`;
}

/** What to ask the registry for: the digest when there is one, else the tag. */
export function manifestReference(reference: Reference): string {
  return reference.digest ?? reference.tag ?? DEFAULT_TAG;
}

/** The same repository with another tag; the digest is dropped, since it may not match that tag. */
export function withTag(reference: RepositoryReference, tag: string): Reference {
  if (!TAG_PATTERN.test(tag)) throw invalidReference(tag, `invalid tag "${tag}"`);
  return { registry: reference.registry, repository: reference.repository, tag };
}

/** The same reference pinned to a digest; a tag is kept for display (the digest wins for fetching). */
export function withDigest(reference: Reference, digest: string): Reference {
  const problem = digestProblem(digest);
  if (problem !== undefined) throw invalidReference(digest, problem);
  const pinned: Reference = { registry: reference.registry, repository: reference.repository, digest };
  if (reference.tag !== undefined) pinned.tag = reference.tag;
  return pinned;
}

/** Actions a registry token can grant on a repository. */
export type RepositoryAction = 'pull' | 'push' | 'delete';

/** The auth scope for actions on a repository, `repository:NAME:pull,push`: built here and nowhere else. */
export function repositoryScope(repository: string, actions: readonly RepositoryAction[] | readonly string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/**
 * Tags such as `sha256-<hex>` (and `sha256-<hex>.sig`, `.att`…) are the OCI referrers fallback
 * and signature conventions, not versions: a tag listing hides them unless asked.
 */
export function isReferrersFallbackTag(tag: string): boolean {
  return /^sha(256|512)-[0-9a-f]{64,128}(\..*)?$/.test(tag);
}

export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

/** The host the registry API is served from: Docker Hub's API is not at `docker.io`. */
export function apiHost(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB_API_HOST : registry;
}

export function isDockerHub(registry: string): boolean {
  return registry === DOCKER_HUB_REGISTRY || registry === 'index.docker.io' || registry === DOCKER_HUB_API_HOST;
}

/**
 * Keys to look up in Docker's config.json / a credential helper, most specific first. The first
 * is the key `docker login` stores under.
 */
export function credentialKeys(registry: string): string[] {
  if (isDockerHub(registry)) {
    return [DOCKER_HUB_CREDENTIAL_KEY, 'index.docker.io', 'docker.io', DOCKER_HUB_API_HOST];
  }
  return [registry, `https://${registry}`, `http://${registry}`];
}

/** `localhost`, 127.0.0.0/8 or `::1`, with or without a port: registries that default to plain HTTP. */
export function isLoopbackHost(registry: string): boolean {
  const host = hostWithoutPort(registry).toLowerCase();
  if (host === 'localhost') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  if (host === '[::1]' || host === '::1') return true;
  return host === '[0:0:0:0:0:0:0:1]';
}

/** The registry without `:port` (an IPv6 host keeps its brackets). */
export function hostWithoutPort(registry: string): string {
  if (registry.startsWith('[')) {
    const close = registry.indexOf(']');
    return close < 0 ? registry : registry.slice(0, close + 1);
  }
  // A bare IPv6 address (several colons) has no port.
  const colon = registry.indexOf(':');
  return colon < 0 || colon !== registry.lastIndexOf(':') ? registry : registry.slice(0, colon);
}

/** Normalises a registry named on its own (`--registry`, `WASH_REG_URL`); a scheme and trailing `/` are dropped. */
export function normalizeRegistry(input: string): string {
  const registry = input.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  const problem = registryProblem(registry);
  if (problem !== undefined) {
    throw new RegistryError(`invalid registry "${input}": ${problem}`, {
      kind: 'invalid',
      operation: 'parse registry',
      reference: input,
    });
  }
  return canonicalRegistry(registry);
}

/** Returns why `digest` is not a digest we accept, or undefined when it is fine. */
export function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon <= 0) return `invalid digest "${digest}" (expected sha256:<64 hex> or sha512:<128 hex>)`;
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const pattern = DIGEST_PATTERNS[algorithm];
  if (pattern === undefined) return `unsupported digest algorithm "${algorithm}" in "${digest}" (use sha256 or sha512)`;
  if (!pattern.test(hex)) {
    const expected = algorithm === 'sha256' ? 64 : 128;
    return `invalid digest "${digest}" (${algorithm} takes ${expected} lowercase hex digits)`;
  }
  return undefined;
}

function splitName(name: string, input: string, options: ParseReferenceOptions): RepositoryReference {
  const fail = (problem: string): never => {
    throw invalidReference(input, problem);
  };
  if (name.length === 0) fail('the repository name is empty');
  const slash = name.indexOf('/');
  const first = slash < 0 ? name : name.slice(0, slash);
  let registry: string;
  let repository: string;
  if (slash >= 0 && looksLikeRegistry(first)) {
    const problem = registryProblem(first);
    if (problem !== undefined) fail(problem);
    registry = canonicalRegistry(first);
    repository = name.slice(slash + 1);
  } else {
    registry = options.defaultRegistry === undefined ? DOCKER_HUB_REGISTRY : normalizeRegistry(options.defaultRegistry);
    repository = name;
  }

  const components = repository.split('/');
  for (const component of components) {
    if (component.length === 0) fail(`empty path component in repository "${repository}"`);
    if (component !== component.toLowerCase()) fail(`repository "${repository}" must be lowercase`);
    if (!PATH_COMPONENT_PATTERN.test(component)) {
      fail(
        `invalid repository component "${component}" (lowercase letters and digits, separated by ".", "_", "__" or "-")`,
      );
    }
  }
  if (repository.length > MAX_REPOSITORY_LENGTH) {
    fail(`repository name is ${repository.length} characters, more than ${MAX_REPOSITORY_LENGTH}`);
  }
  if (isDockerHub(registry) && components.length === 1) repository = `library/${repository}`;
  return { registry, repository };
}

function looksLikeRegistry(segment: string): boolean {
  return segment.includes('.') || segment.includes(':') || segment === 'localhost' || segment.startsWith('[');
}

function registryProblem(registry: string): string | undefined {
  if (registry.length === 0) return 'the registry is empty';
  let host = registry;
  let port: string | undefined;
  if (registry.startsWith('[')) {
    const close = registry.indexOf(']');
    if (close < 0) return `invalid registry "${registry}" (unclosed "[")`;
    host = registry.slice(0, close + 1);
    const after = registry.slice(close + 1);
    if (after.length > 0) {
      if (!after.startsWith(':')) return `invalid registry "${registry}"`;
      port = after.slice(1);
    }
    if (!IPV6_PATTERN.test(host)) return `invalid IPv6 address "${host}" in registry "${registry}"`;
  } else {
    const colons = registry.split(':').length - 1;
    if (colons > 1) return `invalid registry "${registry}" (write an IPv6 address in brackets: [::1]:5000)`;
    if (colons === 1) {
      const colon = registry.indexOf(':');
      host = registry.slice(0, colon);
      port = registry.slice(colon + 1);
    }
    if (host.length === 0 || !host.split('.').every((part) => DOMAIN_COMPONENT_PATTERN.test(part))) {
      return `invalid registry host "${host}" in "${registry}"`;
    }
  }
  if (port !== undefined && (!PORT_PATTERN.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    return `invalid port "${port}" in registry "${registry}"`;
  }
  return undefined;
}

/** Host names are case-insensitive; `index.docker.io` is an alias of `docker.io`. */
function canonicalRegistry(registry: string): string {
  const lower = registry.toLowerCase();
  return lower === 'index.docker.io' ? DOCKER_HUB_REGISTRY : lower;
}

function invalidReference(input: string, problem: string): RegistryError {
  return new RegistryError(`invalid reference "${input}": ${problem}`, {
    kind: 'invalid',
    operation: 'parse reference',
    reference: input,
  });
}
