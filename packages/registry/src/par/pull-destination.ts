import { rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { digestFile } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';

/**
 * Where a pull writes. Given --destination, that file; otherwise `<repository>.par.gz`, or
 * `.par` when the layer turns out to be an uncompressed tar, which is known only once its first
 * bytes arrive — so the download goes to a hidden file beside it and is renamed at the end.
 * A file already there that is not the artifact pulled is replaced only with --force.
 */
export class PullDestination {
  readonly #given: string | undefined;
  readonly #stem: string;
  readonly #force: boolean;
  #gzipped: boolean | undefined;
  /** The file the download is written to. */
  readonly downloadPath: string;

  constructor(options: { destination?: string; repository: string; force: boolean }) {
    this.#given = options.destination;
    this.#stem = basename(options.repository);
    this.#force = options.force;
    this.downloadPath = options.destination ?? join('.', `.${this.#stem}.par.pulling-${process.pid}`);
  }

  /** Refuses before the download when the given destination holds another artifact. */
  async checkBefore(layerDigest: string): Promise<void> {
    if (this.#given !== undefined) await this.#refuseReplacing(this.#given, layerDigest);
  }

  /** Wraps an inspection of the layer's bytes so that their first two say whether it is gzipped. */
  sniffing(inspect: ((bytes: Readable) => Promise<void>) | undefined): (bytes: Readable) => Promise<void> {
    return async (bytes) => {
      const tap = new PassThrough();
      bytes.once('data', (chunk: Buffer) => (this.#gzipped = chunk[0] === 0x1f && chunk[1] === 0x8b));
      bytes.pipe(tap);
      if (inspect !== undefined) await inspect(tap);
      else tap.resume();
    };
  }

  /** Moves the download to its final name (default name only); returns the file's path. */
  async finish(layerDigest: string): Promise<string> {
    if (this.#given !== undefined) return this.#given;
    const final = `${this.#stem}.par${this.#gzipped === false ? '' : '.gz'}`;
    try {
      await this.#refuseReplacing(final, layerDigest);
      await rename(this.downloadPath, final);
    } finally {
      await rm(this.downloadPath, { force: true });
    }
    return final;
  }

  /** Removes a download that did not finish. */
  async abandon(): Promise<void> {
    if (this.#given === undefined) await rm(this.downloadPath, { force: true });
  }

  async #refuseReplacing(path: string, layerDigest: string): Promise<void> {
    if (this.#force) return;
    const existing = await stat(path).catch(() => undefined);
    if (existing === undefined) return;
    const refuse = (message: string): never => {
      throw new RegistryError(message, { kind: 'invalid', operation: 'pull', reference: path });
    };
    if (!existing.isFile()) refuse(`${path} exists and is not a regular file; nothing was written`);
    const { digest } = await digestFile(path);
    if (digest !== layerDigest) refuse(`${path} already exists and is not this artifact (${digest}, the layer is ${layerDigest}); pass --force to replace it`);
  }
}
