import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ArchiveError } from '../errors.js';
import { STREAM_CHUNK_SIZE } from '../io.js';
import { Cursor, SectionError } from './cursor.js';
import { PREAMBLE_SIZE, readPreamble, type WasmKind } from './preamble.js';
import { componentExportNames, componentImportNames, moduleExportNames, moduleImportNames } from './sections.js';

/** What a `.wasm` file offers and needs, as wash records it in the OCI config. */
export interface WasmInterface {
  kind: WasmKind;
  /** The preamble's version field. */
  version: number;
  /** Top-level export names, in binary order (`wasi:cli/run@0.2.0`, `run`). */
  exports: string[];
  /** Top-level import names, in binary order; for a core module `module::field`. */
  imports: string[];
  /** `sha256:<hex>` of the bytes read. */
  digest: string;
  size: number;
}

export interface ReadWasmOptions {
  /** Names the input in errors (default: the path, or "the Wasm binary"). */
  what?: string;
}

/** Imports and exports of a real component are a few KiB; anything near this is not a component. */
const MAX_NAME_SECTION_SIZE = 16 * 1024 * 1024;

interface Layout {
  /** Section ids a binary of this kind may hold (custom 0 included). */
  maxSectionId: number;
  imports: number;
  exports: number;
  importNames: (cursor: Cursor) => string[];
  exportNames: (cursor: Cursor) => string[];
}

const LAYOUTS: Record<WasmKind, Layout> = {
  component: { maxSectionId: 11, imports: 10, exports: 11, importNames: componentImportNames, exportNames: componentExportNames },
  // Core sections 1–13 (13 = tags, exception handling).
  module: { maxSectionId: 13, imports: 2, exports: 7, importNames: moduleImportNames, exportNames: moduleExportNames },
};

/**
 * Reads a component or core module in one streaming pass: checks the preamble, walks every
 * top-level section (sizes must add up to the file; nested modules and components are skipped
 * whole), parses the import and export sections, and hashes every byte. Only those two sections
 * are held in memory. A parse failure is an ArchiveError of kind `invalid` naming the offset.
 */
export async function readWasm(source: string | AsyncIterable<Uint8Array>, options: ReadWasmOptions = {}): Promise<WasmInterface> {
  const what = options.what ?? (typeof source === 'string' ? source : 'the Wasm binary');
  const stream = typeof source === 'string' ? openFile(source, what) : source;
  const reader = new ByteReader(stream);
  try {
    return await parse(reader, what);
  } finally {
    await reader.close();
  }
}

async function parse(reader: ByteReader, what: string): Promise<WasmInterface> {
  const head = await reader.read(PREAMBLE_SIZE);
  const preamble = readPreamble(head);
  if (typeof preamble === 'string') throw new ArchiveError(`${what} is not WebAssembly: ${preamble}`, 'invalid');
  const layout = LAYOUTS[preamble.kind];
  const noun = preamble.kind === 'component' ? 'Wasm component' : 'Wasm core module';
  const fail = (offset: number, problem: string): never => {
    throw new ArchiveError(`${what} is not a valid ${noun}: at byte ${offset}: ${problem}`, 'invalid');
  };

  const imports: string[] = [];
  const exports: string[] = [];
  while (!(await reader.atEnd())) {
    const start = reader.offset;
    const id = (await reader.read(1))[0] as number;
    if (id > layout.maxSectionId) fail(start, `unknown section id ${id}`);
    const size = await reader.u32().catch((error: Error) => fail(start, error.message));
    const bodyAt = reader.offset;
    if (id !== layout.imports && id !== layout.exports) {
      const skipped = await reader.skip(size);
      if (skipped < size) fail(start, `section ${id} declares ${size} bytes but only ${skipped} remain`);
      continue;
    }
    if (size > MAX_NAME_SECTION_SIZE) fail(start, `section ${id} is ${size} bytes, more than the ${MAX_NAME_SECTION_SIZE} accepted`);
    const body = await reader.read(size);
    if (body.length < size) fail(start, `section ${id} declares ${size} bytes but only ${body.length} remain`);
    try {
      const cursor = new Cursor(body, bodyAt);
      if (id === layout.imports) imports.push(...layout.importNames(cursor));
      else exports.push(...layout.exportNames(cursor));
    } catch (error) {
      if (error instanceof SectionError) fail(error.offset, `${id === layout.imports ? 'import' : 'export'} section: ${error.message}`);
      throw error;
    }
  }
  return { kind: preamble.kind, version: preamble.version, exports, imports, digest: reader.digest(), size: reader.offset };
}

async function* openFile(file: string, what: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: STREAM_CHUNK_SIZE })) yield chunk as Buffer;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ArchiveError(`${what}: no such file`, 'not_found', { path: file });
    if (code === 'EISDIR') throw new ArchiveError(`${what} is a directory, not a file`, 'invalid', { path: file });
    throw new ArchiveError(`cannot read ${what}: ${(error as Error).message}`, 'failure', { path: file, cause: error });
  }
}

/** Pulls chunks from a stream on demand, hashing every byte as it is consumed. */
class ByteReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  readonly #hash = createHash('sha256');
  #chunk: Uint8Array = new Uint8Array(0);
  #at = 0;
  #ended = false;
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  digest(): string {
    return `sha256:${this.#hash.digest('hex')}`;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.#fill());
  }

  /** `count` bytes, or fewer when the stream ends first (the caller checks the length). */
  async read(count: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < count && (await this.#fill())) {
      const take = Math.min(count - got, this.#chunk.length - this.#at);
      parts.push(this.#consume(take));
      got += take;
    }
    return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
  }

  /** Skips `count` bytes (hashing them); returns how many there were. */
  async skip(count: number): Promise<number> {
    let skipped = 0;
    while (skipped < count && (await this.#fill())) {
      const take = Math.min(count - skipped, this.#chunk.length - this.#at);
      this.#consume(take);
      skipped += take;
    }
    return skipped;
  }

  async u32(): Promise<number> {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const [byte] = await this.read(1);
      if (byte === undefined) throw new Error('the file ends inside a section size');
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (result > 0xffffffff) throw new Error('section size too large for u32');
        return result;
      }
    }
    throw new Error('section size is longer than 5 bytes');
  }

  async close(): Promise<void> {
    if (!this.#ended) await this.#iterator.return?.();
  }

  #consume(count: number): Uint8Array {
    const bytes = this.#chunk.subarray(this.#at, this.#at + count);
    this.#hash.update(bytes);
    this.#at += count;
    this.offset += count;
    return bytes;
  }

  async #fill(): Promise<boolean> {
    while (this.#at >= this.#chunk.length) {
      if (this.#ended) return false;
      const next = await this.#iterator.next();
      if (next.done === true) {
        this.#ended = true;
        return false;
      }
      this.#chunk = next.value;
      this.#at = 0;
    }
    return true;
  }
}
