// The public API of @par/registry, name by name: what is not here is internal and may change.

/** The base of every error par raises (kind, operation, reference, cause), and the usage error. */
export { ParError, UsageError, type ParErrorOptions } from '@par/errors';

// Errors: every failure is a ParError (from @par/errors) with a kind; registry failures are RegistryErrors.
/** A registry, layout or content failure; `status` and `code` say what a server answered. */
export { RegistryError } from './oci/errors.js';
/** What a RegistryError carries: kind, operation, reference, HTTP status and registry error code. */
export { type RegistryErrorDetails } from './oci/errors.js';
/** What kind of failure, the one vocabulary of every par package. */
export { type ErrorKind } from './oci/errors.js';

// References: parse, normalise and format `registry/repository[:tag][@digest]`.
/** Parses `[registry/]repository[:tag][@digest]` with Docker's normalisation (default registry `docker.io`, `library/`, tag `latest`). */
export { parseReference } from './oci/reference.js';
/** Parses a repository name (`[registry/]repository`) that must carry no tag and no digest. */
export { parseRepository } from './oci/reference.js';
/** `registry/repository[:tag][@digest]` — parses back to the same value. */
export { formatReference } from './oci/reference.js';
/** `registry/repository`. */
export { referenceName } from './oci/reference.js';
/** What to ask the registry for: the digest when there is one, else the tag. */
export { manifestReference } from './oci/reference.js';
/** The same repository with another tag; the digest is dropped, since it may not match that tag. */
export { withTag } from './oci/reference.js';
/** The same reference pinned to a digest; a tag is kept for display (the digest wins for fetching). */
export { withDigest } from './oci/reference.js';
/** Normalises a registry named on its own (`--registry`, `WASH_REG_URL`); a scheme and trailing `/` are dropped. */
export { normalizeRegistry } from './oci/reference.js';
/** The host the registry API is served from: Docker Hub's API is not at `docker.io`. */
export { apiHost } from './oci/reference.js';
/** True for a tag the distribution spec allows (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -). */
export { isValidTag } from './oci/reference.js';
/** Tags such as `sha256-<hex>` (and `sha256-<hex>.sig`, `.att`…) are the OCI referrers fallback and signature conventions, not versions: a tag listing hides them unless asked. */
export { isReferrersFallbackTag } from './oci/reference.js';
/** The auth scope for actions on a repository, `repository:NAME:pull,push`: built here and nowhere else. */
export { repositoryScope } from './oci/reference.js';
/** The tag a reference naming neither tag nor digest means: `latest`. */
export { DEFAULT_TAG } from './oci/reference.js';
/** The registry of references that name none: `docker.io`. */
export { DOCKER_HUB_REGISTRY } from './oci/reference.js';
/** A parsed reference. `digest` wins over `tag` when fetching; both are kept for display. */
export { type Reference } from './oci/reference.js';
/** A registry and a repository in it, with no tag or digest (what `par tags REPO` takes). */
export { type RepositoryReference } from './oci/reference.js';
/** Options of parseReference: the registry for references that name none. */
export { type ParseReferenceOptions } from './oci/reference.js';
/** Actions a registry token can grant on a repository. */
export { type RepositoryAction } from './oci/reference.js';

// Digests: the one verifier, and digests of bytes and files.
/** Validates `sha256:<64 hex>` / `sha512:<128 hex>`; throws a RegistryError of kind `invalid`. */
export { parseDigest } from './oci/digest.js';
/** True for a well-formed `sha256:<64 hex>` or `sha512:<128 hex>` digest. */
export { isDigest } from './oci/digest.js';
/** `<algorithm>:<hex>` of some bytes held in memory (manifests, configs). */
export { digestBytes } from './oci/digest.js';
/** `sha256:<hex>` of bytes held in memory. */
export { sha256Digest } from './oci/digest.js';
/** Digest and size of a file, reading it once as a stream. */
export { digestFile } from './oci/digest.js';
/** A DigestingStream that fails unless the bytes have exactly `expected`'s digest and size. */
export { createVerifier } from './oci/digest.js';
/** The one digest verifier: hashes and counts bytes as they come. */
export { Digester } from './oci/digest.js';
/** A pass-through stream around a Digester: fails as the Digester does, so a pipeline never accepts bad content. */
export { DigestingStream } from './oci/digest.js';
/** The digest algorithms OCI content uses: sha256, sha512. */
export { type DigestAlgorithm } from './oci/digest.js';
/** A digest split into algorithm and hex. */
export { type ParsedDigest } from './oci/digest.js';
/** What a blob must be: its digest and its size in bytes. */
export { type ExpectedContent } from './oci/digest.js';
/** Options of Digester and DigestingStream: the expected content, the algorithm, a name for errors. */
export { type DigestingStreamOptions } from './oci/digest.js';

// Descriptors, media types and manifests (OCI image spec).
/** An OCI content descriptor (image-spec descriptor.md). */
export { type Descriptor } from './oci/descriptor.js';
/** `application/vnd.oci.image.manifest.v1+json`. */
export { OCI_MANIFEST_MEDIA_TYPE } from './oci/media-types.js';
/** `application/vnd.oci.image.index.v1+json`. */
export { OCI_INDEX_MEDIA_TYPE } from './oci/media-types.js';
/** The plain OCI tar layer (image-spec layer.md). */
export { OCI_TAR_LAYER_MEDIA_TYPE } from './oci/media-types.js';
/** The Docker schema 2 manifest media type. */
export { DOCKER_MANIFEST_MEDIA_TYPE } from './oci/media-types.js';
/** The Docker schema 2 manifest list media type. */
export { DOCKER_MANIFEST_LIST_MEDIA_TYPE } from './oci/media-types.js';
/** Every manifest and index media type par reads (OCI and Docker). */
export { MANIFEST_MEDIA_TYPES } from './oci/media-types.js';
/** The index media types (OCI index, Docker manifest list). */
export { INDEX_MEDIA_TYPES } from './oci/media-types.js';
/** The `{}` config blob wash pushes. */
export { EMPTY_CONFIG } from './oci/media-types.js';
/** The digest of the `{}` config blob. */
export { EMPTY_CONFIG_DIGEST } from './oci/media-types.js';
/** Parses and validates manifest or index bytes. */
export { parseManifest } from './oci/manifest.js';
/** The descriptors a manifest points to, in the order a copy pushes them (before the manifest itself). */
export { manifestChildren } from './oci/manifest.js';
/** Parses repeated `--annotation key=value` options; a malformed one is an error, not silently dropped. */
export { parseAnnotations } from './oci/manifest.js';
/** True for a manifest or index media type (so copy walks it), false for a blob. */
export { isManifestMediaType } from './oci/manifest.js';
/** Registries should accept manifests up to 4 MiB; we refuse to buffer more than that. */
export { MAX_MANIFEST_SIZE } from './oci/manifest.js';
/** A parsed image manifest or index. */
export { type Manifest } from './oci/manifest.js';
/** A parsed image manifest: config and layers. */
export { type ImageManifest } from './oci/manifest.js';
/** A parsed image index: the manifests it lists. */
export { type ImageIndex } from './oci/manifest.js';

// Targets: places that hold content, and the one graph copy between them.
/** A place that holds content: a registry repository, an OCI image layout, a par file. */
export { type Target } from './content/target.js';
/** Bytes to store: a buffer, or a factory opening a stream at a byte offset (so uploads can resume). */
export { type Content } from './content/target.js';
/** Options of fetch and push: progress, abort signal, and who verifies the bytes. */
export { type TransferOptions } from './content/target.js';
/** oras-go's Copy: walks a manifest graph and gives the destination every node it lacks, children first, verified, then tags the root. */
export { copy } from './content/copy.js';
/** Reads a manifest from a target, verified against its descriptor, refusing anything huge. */
export { readManifestBytes } from './content/copy.js';
/** Options of copy: extra tags, concurrency, progress, dry run, the beforeCommit hook. */
export { type CopyOptions } from './content/copy.js';
/** What a copy did: the root descriptor and counts of nodes copied, skipped and mounted, and bytes sent. */
export { type CopyResult } from './content/copy.js';
/** One node of a copy: its descriptor, what was done with it, bytes moved. */
export { type CopyEvent } from './content/copy.js';
/** What copy did with a node: copied, skipped (already there) or mounted. */
export { type CopyAction } from './content/copy.js';

// OCI 1.1 referrers: signatures, SBOMs and attestations whose `subject` is another manifest.
/** Copies only the referrers of a subject already at the destination, recursively (a promotion re-run). */
export { copyReferrers } from './content/copy.js';
/** Referrer manifests a copy carried: pushed, or already at the destination. */
export { type ReferrersCopied } from './content/copy.js';
/** What a target does with referrers: list them, and make pushed ones findable (API, else fallback index). */
export { type ReferrersCapability } from './content/target.js';
/** Options of ReferrersCapability.list: an artifact type filter. */
export { type ListReferrersOptions } from './content/target.js';
/** How referrers are found: `api` (the registry's referrers API) or `tag` (the sha256-<hex> fallback index). */
export { type ReferrersMode } from './content/target.js';
/** `oras attach`: pushes an OCI 1.1 artifact manifest with `subject`, one layer per file, and makes it discoverable. */
export { attachArtifact } from './content/referrers.js';
/** Lists a subject's referrers recursively, plus cosign's legacy `.sig/.att/.sbom` tags. */
export { discoverReferrers } from './content/referrers.js';
/** The artifact types among required ones that a subject has no direct referrer of. */
export { missingReferrerTypes } from './content/referrers.js';
/** The layer media type of an attached file when none is given: `application/octet-stream`. */
export { DEFAULT_ATTACH_MEDIA_TYPE } from './content/referrers.js';
/** A file to attach and its layer media type. */
export { type AttachFile } from './content/referrers.js';
/** Options of attachArtifact: artifact type and manifest annotations. */
export { type AttachOptions } from './content/referrers.js';
/** What attachArtifact pushed: the referrer, its subject, and how it is found. */
export { type AttachResult } from './content/referrers.js';
/** One referrer in a discover tree, with what refers to it. */
export { type ReferrerNode } from './content/referrers.js';
/** What discoverReferrers returns: the subject and its referrer tree. */
export { type ReferrersTree } from './content/referrers.js';
/** Options of discoverReferrers. */
export { type DiscoverOptions } from './content/referrers.js';
/** cosign's legacy `sha256-<hex>.sig|.att|.sbom` tags that exist next to a subject. */
export { findCosignLegacyTags } from './content/cosign-tags.js';
/** A cosign legacy tag and the manifest it names. */
export { type CosignLegacyTag } from './content/cosign-tags.js';
/** The tag of a subject's fallback referrers index: `sha256-<hex>` (distribution-spec referrers tag schema). */
export { referrersTag } from './oci/referrers.js';
/** cosign's legacy tag for a subject, e.g. `sha256-<hex>.sig`. */
export { cosignLegacyTag } from './oci/referrers.js';
/** The exact bytes of an OCI 1.1 artifact manifest (empty config, `artifactType`, `subject`). */
export { buildArtifactManifest } from './oci/referrers.js';
/** The descriptor a referrers list holds for a manifest (artifactType, annotations copied). */
export { referrerDescriptor } from './oci/referrers.js';
/** Bytes of a referrers index in the shape oras-go writes. */
export { serializeReferrersIndex } from './oci/referrers.js';
/** Reads a referrers index; refuses anything that is not an index. */
export { parseReferrersIndex } from './oci/referrers.js';
/** Adds new referrers to a list, keeping every existing entry in order. */
export { mergeReferrers } from './oci/referrers.js';
/** Keeps only referrers of the given artifact types. */
export { filterReferrers } from './oci/referrers.js';
/** The empty descriptor (`application/vnd.oci.empty.v1+json`, the blob `{}`). */
export { EMPTY_DESCRIPTOR } from './oci/referrers.js';
/** `application/vnd.oci.empty.v1+json`. */
export { EMPTY_MEDIA_TYPE } from './oci/referrers.js';
/** What buildArtifactManifest takes. */
export { type ArtifactManifestInput } from './oci/referrers.js';
/** A registry repository's referrers: the API found at run time, else the fallback index it maintains. */
export { RegistryReferrers } from './remote/referrers.js';
/** Timing of fallback index updates (re-check delay, attempts, pages). */
export { type ReferrersTuning } from './remote/referrers.js';
/** An OCI image layout directory as a Target; it verifies what it stores. */
export { OciLayoutTarget } from './content/oci-layout.js';
/** Parses `oci:PATH[:REFERENCE]` as skopeo does. */
export { parseLayoutReference } from './content/oci-layout.js';
/** Is this argument an OCI layout reference rather than a registry reference? */
export { isLayoutReference } from './content/oci-layout.js';
/** An OCI image layout directory (image-spec image-layout.md): `oci-layout`, `index.json` and `blobs/<alg>/<hex>` — what `skopeo copy oci:DIR:TAG`, `oras --oci-layout` and crane read and write. */
export { ANNOTATION_REF_NAME } from './content/oci-layout.js';
/** Options of OciLayoutTarget.open: create the layout when missing. */
export { type OpenLayoutOptions } from './content/oci-layout.js';
/** An `oci:PATH[:REF]` location, parsed. */
export { type LayoutReference } from './content/oci-layout.js';
/** A Target in memory that keeps the storage contract (verifies what it stores, stores nothing on failure). */
export { MemoryTarget } from './content/memory-target.js';
/** Options of MemoryTarget: the chunk size of fetched streams. */
export { type MemoryTargetOptions } from './content/memory-target.js';
/** Lets `inspect` read a copy of a stream while it is consumed for something else — to verify an archive during its upload, in the same pass. */
export { inspectWhileReading } from './content/inspect-stream.js';
/** A stream being read for one purpose while an inspector reads a copy (see inspectWhileReading). */
export { type InspectedStream } from './content/inspect-stream.js';
/** `work` over `items` with at most `concurrency` in flight, results in input order (at least one runs at a time). */
export { mapWithConcurrency } from './content/limiter.js';

// Registries: the client, its repositories, and its settings.
/** An OCI distribution client: one connection pool, one authenticator, retries and redirects. */
export { RegistryClient } from './remote/client.js';
/** Options of RegistryClient: credentials, TLS, plain-HTTP hosts, upload strategies, retries, timeouts, observers. */
export { type RegistryClientOptions } from './remote/client.js';
/** What onRequest sees of each request: method, URL without query, status (never headers). */
export { type RequestInfo } from './remote/client.js';
/** One repository in a registry, as a Target (resolve, fetch, exists, push, tag) plus what only a registry can do (mount, tags, delete). */
export { RegistryRepository } from './remote/repository.js';
/** A manifest fetched and verified: its bytes and descriptor. */
export { type FetchedManifest } from './remote/repository.js';
/** What a repository needs from its client: send a request to a registry, and know the registry's origin. */
export { type RegistryConnection } from './remote/connection.js';
/** One request to a registry, as RegistryConnection.send takes it. */
export { type RegistryRequest } from './remote/connection.js';
/** Bytes of a request: a buffer, a factory opening a fresh stream (replayable), or a one-shot stream. */
export { type RequestBody } from './remote/connection.js';
/** The upload rule of a registry with known needs (GHCR, ECR, Artifactory), or undefined. */
export { hostUploadRule } from './remote/upload-strategy.js';
/** Every known registry's upload needs, as data. */
export { HOST_UPLOAD_RULES } from './remote/upload-strategy.js';
/** What a known registry needs of uploads, and why. */
export { type HostUploadRule } from './remote/upload-strategy.js';
/** How blobs are uploaded to a host: monolithic, or chunked with a chunk size. */
export { type UploadStrategy } from './remote/upload-strategy.js';
/** The upload strategy of each API host, as data: configured, learned from a fallback (kept for the table's life), or the host's default. */
export { UploadStrategies } from './remote/upload-strategy.js';
/** What works on known registries: GHCR caps request bodies at 4 MiB; Artifactory mishandles chunks; ECR wants chunks of at least 5 MiB. */
export { defaultUploadStrategy } from './remote/upload-strategy.js';
/** The chunk size of chunked uploads when none is configured (4 MiB). */
export { DEFAULT_CHUNK_SIZE } from './remote/upload-strategy.js';
/** Checks that a registry accepts the client's credentials for it: `GET /v2/`, as `docker login` */
export { checkCredentials } from './remote/ping.js';
/** How requests are retried: attempts, backoff, Retry-After handling. */
export { type RetryPolicy } from './http/retry.js';
/** The retry policy a client uses unless told otherwise. */
export { DEFAULT_RETRY_POLICY } from './http/retry.js';
/** What a credential source gives for a registry (the shape `resolveCredential` returns). */
export { type ClientCredential } from './http/auth.js';

// Credentials: flags, environment, Docker/Podman config and credential helpers.
/** The credential for a registry: flags, then environment, then Docker/Podman config and credential helpers, else anonymous. */
export { resolveCredential } from './credentials/index.js';
/** What `docker login` does after a successful login: store in the helper, or in config.json. */
export { storeCredential } from './credentials/index.js';
/** What `docker logout` does: erase from the helper and from config.json. Returns whether anything was removed. */
export { eraseCredential } from './credentials/index.js';
/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export { dockerConfigPath } from './credentials/index.js';
/** Podman's auth files, in the order Podman reads them. */
export { podmanAuthPaths } from './credentials/index.js';
/** Basic credentials, an identity (refresh) token, or anonymous. */
export { type Credential } from './credentials/index.js';
/** Options of resolveCredential: explicit user and password, the environment, a warning sink. */
export { type CredentialOptions } from './credentials/index.js';
/** Where storeCredential put a credential (a config file or a credential helper). */
export { type StoredCredential } from './credentials/index.js';

// Provider archives as OCI artifacts: media types, the par manifest, par files as targets.
/** Media types wash and the wasmCloud host use for provider archives (spec/oci-artifact.md §1). */
export { PAR_LAYER_MEDIA_TYPE } from './par/media-types.js';
/** The config media type of a par artifact (what wash writes). */
export { PAR_CONFIG_MEDIA_TYPE } from './par/media-types.js';
/** A plain OCI tar layer is also accepted as a par layer on pull. */
export { PAR_LAYER_MEDIA_TYPES } from './par/media-types.js';
/** The manifest of a par artifact. */
export { parManifest } from './par/par-manifest.js';
/** The `artifactType` of the OCI 1.1 shape. */
export { PAR_ARTIFACT_TYPE } from './par/par-manifest.js';
/** `org.opencontainers.image.title`. */
export { ANNOTATION_TITLE } from './oci/referrers.js';
/** `org.opencontainers.image.created`. */
export { ANNOTATION_CREATED } from './oci/referrers.js';
/** A par manifest as built: exact bytes, descriptor, config and layer. */
export { type ParManifest } from './par/par-manifest.js';
/** Options of parManifest: config blob, annotations, the OCI 1.1 artifact shape. */
export { type ParManifestOptions } from './par/par-manifest.js';
/** A read-only Target over a par file on disk: one manifest (the one wash would push), its config blob, and the file itself as the layer. */
export { ParFileSource } from './par/par-file.js';
/** A write-only Target that turns a par artifact back into a file. */
export { ParFileSink } from './par/par-file.js';
/** Checks that a manifest is a provider archive: an image manifest with exactly one layer whose media type is a par layer type. */
export { checkParManifest } from './par/par-file.js';
/** Registries accept manifests up to 4 MiB; a par manifest is a few hundred bytes. */
export { type ParFileSourceOptions } from './par/par-file.js';

// The par use cases, with their guarantees built in (what the par CLI runs).
/** Pushes a par file in as few reads as possible, never publishing a manifest for an archive that failed verification. */
export { pushParFile } from './par/push.js';
/** Parses a registry reference for a push or pull, refusing the `latest` tag unless allowed — the same safety wash and the wasmCloud host have. */
export { parseParReference } from './par/push.js';
/** The file's size (for a progress bar), with "no such file" as a not-found error. */
export { statParFile } from './par/push.js';
/** Options of pushParFile: client, reference, file, manifest shape, verification, progress, digest memory. */
export { type PushParFileOptions } from './par/push.js';
/** What pushParFile pushed: reference, tag, manifest and layer descriptors, bytes sent. */
export { type PushedParFile } from './par/push.js';
/** Options of parseParReference: default registry, whether `latest` is allowed. */
export { type ParReferenceOptions } from './par/push.js';
/** Remembers digests of files pushed before, so an unchanged file is neither hashed nor verified again. */
export { type FileDigestMemory } from './par/push.js';
/** What a push learned about a file (its digest, and whether the archive in it verified). */
export { type KnownFile } from './par/push.js';
/** Pulls a provider archive into a file that appears only once its digest and archive are verified. */
export { pullParFile } from './par/pull.js';
/** Options of pullParFile: client, reference, output file, required digest, verification, progress. */
export { type PullParFileOptions } from './par/pull.js';
/** What pullParFile wrote: the file, and the manifest and layer it came from. */
export { type PulledParFile } from './par/pull.js';
/** Copies an artifact byte for byte between registries and OCI layouts (`oci:PATH[:REF]`): a destination naming no tag takes the source's (or the bare digest). */
export { copyArtifact } from './par/copy-artifact.js';
/** Options of copyArtifact: client, default registry, extra tags. */
export { type CopyArtifactOptions } from './par/copy-artifact.js';
/** What copyArtifact did: copy counts plus source, destination, digests and tags. */
export { type CopiedArtifact } from './par/copy-artifact.js';
/** Promotes one artifact: idempotent when the destination has it; otherwise checked against the policy at the source, then copied. */
export { promoteArtifact } from './par/promote.js';
/** The gate a par must pass at the source before promotion: archive verification (hashes, and with `strict` the signature and keys), an allowed issuer, and the targets production needs. */
export { policyFailures } from './par/promote.js';
/** One promotion: from, to, extra tags and the policy the par must pass. */
export { type Promotion } from './par/promote.js';
/** The checks a par must pass at the source before it may be copied. */
export { type PromotionPolicy } from './par/promote.js';
/** One line of the promotion report (the JSON a pipeline keeps). */
export { type PromotionOutcome } from './par/promote.js';
/** What a promotion did: promoted, up-to-date, refused, failed or would-promote (dry run). */
export { type PromotionAction } from './par/promote.js';
/** Options of promoteArtifact: client, default registry, dry run. */
export { type PromoteOptions } from './par/promote.js';
/** Reads an archive from a file, or streams it from a registry or layout when the location is not a file: the archive is hashed while it downloads and nothing is written to disk. */
export { readParArchive } from './par/read-archive.js';
/** Options of readParArchive: how to make a client when the location is not a file. */
export { type ReadParArchiveOptions } from './par/read-archive.js';
/** An archive read by readParArchive, with its manifest digest when it came from a registry or layout. */
export { type ReadParArchive } from './par/read-archive.js';
/** Finds the par layer of an artifact in a registry or layout, refusing anything that is not a par artifact. */
export { findParLayer } from './par/find-par.js';
/** The par layer findParLayer found: manifest, layer, and a verified stream of its bytes. */
export { type ParLayer } from './par/find-par.js';
/** Opens a location for reading or writing: the library, not the caller, routes layouts and registries. */
export { openLocation } from './par/locations.js';
/** `oci:PATH[:REF]` names an OCI image layout directory (as skopeo and oras write it); anything else a registry. */
export { isLayoutLocation } from './par/locations.js';
/** A tag or a digest: only digests are `algorithm:hex`. */
export { isDigestReference } from './par/locations.js';
/** The registry hosts that locations name (layouts name none): per-side credentials go to these. */
export { registryHostsOf } from './par/locations.js';
/** Where an artifact lives: a registry repository or a local OCI image layout. */
export { type Location } from './par/locations.js';
/** Options of openLocation: client, default registry, source or destination, inherited reference, dry run. */
export { type OpenLocationOptions } from './par/locations.js';
/** Verifies the provider archive in a byte stream (the hashes wash checks) while it is being uploaded or downloaded; a failure stops the transfer before anything is committed. */
export { verifyingArchiveStream } from './par/archive-check.js';

// Wasm components (wasmCloud applications name them beside providers): wash's layout, and the use cases.
/** `application/vnd.wasm.config.v0+json`, the config type of a component as wash ≥ 0.29 pushes it. */
export { WASM_CONFIG_MEDIA_TYPE } from './par/component-media-types.js';
/** `application/wasm`, the layer type of a component. */
export { WASM_LAYER_MEDIA_TYPE } from './par/component-media-types.js';
/** The layer type of wash < 0.29 actors, still pulled by both hosts. */
export { LEGACY_ACTOR_LAYER_MEDIA_TYPE } from './par/component-media-types.js';
/** The config type of wash < 0.29 actors. */
export { LEGACY_ACTOR_CONFIG_MEDIA_TYPE } from './par/component-media-types.js';
/** The layer types a component is pulled from. */
export { COMPONENT_LAYER_MEDIA_TYPES } from './par/component-media-types.js';
/** `wasip2` (a component) or `wasip1` (a core module in the preview-1 form). */
export { type WasmOs } from './par/component-media-types.js';
/** The config blob rust-oci-wasm writes: its fields in its order, nulls included. */
export { componentConfig } from './par/component-manifest.js';
/** The manifest wash pushes for a component: OCI image manifest with mediaType, one application/wasm layer. */
export { componentManifest } from './par/component-manifest.js';
/** chrono's RFC 3339 AutoSi form of a time, as the config's `created`. */
export { chronoTimestamp } from './par/component-manifest.js';
/** Checks a manifest holds one component layer (either layout) and returns it with the config descriptor. */
export { checkComponentManifest } from './par/component-manifest.js';
/** True when a manifest holds one component layer. */
export { isComponentManifest } from './par/component-manifest.js';
/** Parses a Wasm config blob, naming the field that is wrong. */
export { parseComponentConfig } from './par/component-manifest.js';
/** Why a component artifact is not what it claims, given its layer as read and its config (empty: valid). */
export { componentArtifactProblems } from './par/component-manifest.js';
/** A component's world as the config lists it. */
export { type ComponentWorld } from './par/component-manifest.js';
/** Options of componentManifest/componentConfig: os, world, annotations, created. */
export { type ComponentManifestOptions } from './par/component-manifest.js';
/** The bytes to push for one component: manifest, config and the layer descriptor. */
export { type ComponentManifest } from './par/component-manifest.js';
/** `oci-wasm` (wash ≥ 0.29) or `legacy-actor`. */
export { type ComponentLayout } from './par/component-manifest.js';
/** A component artifact's layer, config descriptor and layout. */
export { type ComponentArtifact } from './par/component-manifest.js';
/** The fields of a Wasm config blob. */
export { type ComponentConfig } from './par/component-manifest.js';
/** What a reader of a component layer found (kind, exports, imports, digest, size). */
export { type ReadComponentLayer } from './par/component-manifest.js';
/** A `.wasm` file as a copy source: the manifest wash would push, its config, the file as layer. */
export { ComponentFileSource } from './par/component-file.js';
/** A copy destination that writes a verified `.wasm` file (or nothing). */
export { ComponentFileSink } from './par/component-file.js';
/** Resolves a reference and reads its manifest; says whether it holds a par or a component. */
export { readArtifactManifest } from './par/component-read.js';
/** Streams a component's layer and config, digest-checked, and lists what is wrong with them. */
export { readComponentArtifact } from './par/component-read.js';
/** The Wasm kind a file's first 8 bytes announce, or undefined when it is not Wasm. */
export { sniffWasmFile } from './par/component-read.js';
/** `par` or `component`. */
export { type ArtifactKind } from './par/component-read.js';
/** A resolved manifest and which kind of artifact it is. */
export { type ArtifactManifest } from './par/component-read.js';
/** What readComponentArtifact found. */
export { type ReadComponent } from './par/component-read.js';
/** Pushes a `.wasm` as wash does (a core module only in the wasip1 form). */
export { pushComponentFile } from './par/component-push.js';
/** Options of pushComponentFile. */
export { type PushComponentFileOptions } from './par/component-push.js';
/** What pushComponentFile pushed. */
export { type PushedComponentFile } from './par/component-push.js';
/** Pulls a component to a verified `.wasm` file, given its fetched manifest. */
export { pullComponentFile } from './par/component-pull.js';
/** Options of pullComponentFile. */
export { type PullComponentOptions } from './par/component-pull.js';
/** What pullComponentFile wrote. */
export { type PulledComponentFile } from './par/component-pull.js';
/** `par pull`: a component to `<name>.wasm`, anything else as a provider archive. */
export { pullFile } from './par/pull.js';
/** What pullFile wrote. */
export { type PulledFile } from './par/pull.js';
/** `par inspect|verify ARG`: a `.wasm` file, a par file, or a reference to either. */
export { readInspectable } from './par/inspect-artifact.js';
/** A component as inspect and verify see it. */
export { type InspectedComponent } from './par/inspect-artifact.js';
/** A provider archive as inspect and verify see it. */
export { type InspectedPar } from './par/inspect-artifact.js';
/** Options of readInspectable. */
export { type ReadInspectableOptions } from './par/inspect-artifact.js';
/** The first half of a promotion: read and check the source, nothing copied (an application copies all or none). */
export { preparePromotion } from './par/promote.js';
/** The second half: copy what preparePromotion checked. */
export { completePromotion } from './par/promote.js';
/** A promotion checked and ready to copy, or settled. */
export { type PreparedPromotion } from './par/promote.js';
/** Options of preparePromotion (a destination by digest, for a bundle of many images). */
export { type PreparePromotionOptions } from './par/promote.js';
/** Writes small content atomically (temporary file, fsync, rename, fsync directory). */
export { writeFileAtomically } from './content/local-files.js';
