import { copy } from '../content/copy.js';
import { checkFileDestination } from '../content/local-files.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { parseManifest, type Manifest } from '../oci/manifest.js';
import { formatReference, manifestReference, type Reference } from '../oci/reference.js';
import type { RegistryClient } from '../remote/client.js';
import type { RegistryRepository } from '../remote/repository.js';
import type { WasmInterface } from '@par/archive';
import { isComponentManifest, type ComponentLayout } from './component-manifest.js';
import { pullComponentFile } from './component-pull.js';
import { verifyingArchiveStream } from './archive-check.js';
import { checkParManifest, ParFileSink } from './par-file.js';
import { PullDestination } from './pull-destination.js';

export interface PullParFileOptions {
  client: RegistryClient;
  reference: Reference;
  /** Output file; default `<last repository segment>.par.gz`, or `.par` for an uncompressed archive. */
  file?: string;
  /** Replace an existing file that holds another artifact (default: refuse, keeping it). */
  force?: boolean;
  /** Refuse unless the manifest has this digest (nothing is written then). */
  requireDigest?: string;
  /** Verify the archive's hashes before the file appears (default true). */
  verify?: boolean;
  /** Called once the layer is known, before its bytes move (e.g. to size a progress bar). */
  onLayer?: (layer: Descriptor) => void | Promise<void>;
  onProgress?: (bytes: number) => void;
  /** Stops the pull (the user interrupted it): the temporary file is removed, nothing appears. */
  signal?: AbortSignal;
}

export interface PulledParFile {
  file: string;
  reference: string;
  manifest: Descriptor;
  layer: Descriptor;
}

/**
 * Pulls a provider archive into a file: checks the manifest is a par artifact (and has the
 * required digest), then streams the layer into a temporary file verified against its digest
 * and, by default, as an archive; only then is the file renamed into place.
 */
export async function pullParFile(options: PullParFileOptions): Promise<PulledParFile> {
  const fetched = await fetchPullManifest(options);
  return pullPar(options, fetched);
}

/** What `pullFile` wrote: a provider archive, or a Wasm component (`<name>.wasm`). */
export type PulledFile = (PulledParFile & { kind: 'par' }) | (PulledParFile & { kind: 'component'; layout: ComponentLayout; wasm?: WasmInterface });

/**
 * `par pull`: the manifest says what the artifact is — a Wasm component goes to `<name>.wasm`
 * (pullComponentFile), anything else is pulled as a provider archive. One manifest request either way.
 */
export async function pullFile(options: PullParFileOptions): Promise<PulledFile> {
  const fetched = await fetchPullManifest(options);
  if (!isComponentManifest(fetched.manifest)) return { kind: 'par', ...(await pullPar(options, fetched)) };
  const pulled = await pullComponentFile({
    repository: fetched.repository,
    reference: options.reference,
    manifest: fetched.manifest,
    descriptor: fetched.descriptor,
    display: fetched.shown,
    ...(options.file === undefined ? {} : { file: options.file }),
    ...(options.verify === undefined ? {} : { verify: options.verify }),
    ...(options.onLayer === undefined ? {} : { onLayer: options.onLayer }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  return {
    kind: 'component',
    file: pulled.file,
    reference: fetched.shown,
    manifest: fetched.descriptor,
    layer: pulled.layer,
    layout: pulled.layout,
    ...(pulled.wasm === undefined ? {} : { wasm: pulled.wasm }),
  };
}

interface FetchedPullManifest {
  repository: RegistryRepository;
  descriptor: Descriptor;
  manifest: Manifest;
  shown: string;
}

async function fetchPullManifest(options: PullParFileOptions): Promise<FetchedPullManifest> {
  const { reference } = options;
  if (options.requireDigest !== undefined) parseDigest(options.requireDigest);
  // Before a byte is downloaded: the destination must be writable as a file.
  if (options.file !== undefined) await checkFileDestination(options.file);
  const shown = formatReference(reference);
  const repository = options.client.repository(reference);
  const { bytes, descriptor } = await repository.fetchManifest(manifestReference(reference));
  if (options.requireDigest !== undefined && options.requireDigest !== descriptor.digest) {
    throw new RegistryError(`${shown} has manifest digest ${descriptor.digest}, not the required ${options.requireDigest}; nothing was written`, {
      kind: 'verification',
      operation: 'pull',
      reference: shown,
    });
  }
  return { repository, descriptor, manifest: parseManifest(bytes, descriptor.mediaType), shown };
}

async function pullPar(options: PullParFileOptions, { repository, descriptor, manifest, shown }: FetchedPullManifest): Promise<PulledParFile> {
  const { reference } = options;
  const layer = checkParManifest(manifest, shown);
  const destination = new PullDestination({ ...(options.file !== undefined ? { destination: options.file } : {}), repository: reference.repository, force: options.force === true });
  const inspect = destination.sniffing(options.verify === false ? undefined : verifyingArchiveStream('the pulled archive'));
  const sink = await ParFileSink.open(destination.downloadPath, { inspect });
  await destination.checkBefore(layer.digest);
  await options.onLayer?.(layer);
  try {
    await copy(repository, descriptor.digest, sink, undefined, {
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    await destination.abandon();
    throw error;
  }
  const file = await destination.finish(layer.digest);
  return { file, reference: shown, manifest: descriptor, layer };
}
