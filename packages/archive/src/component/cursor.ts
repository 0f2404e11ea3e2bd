/**
 * Reads the LEB128 integers and names of one section already in memory. Every read is bounds
 * checked; a problem is thrown as a SectionError carrying the offset, which the caller turns
 * into a message naming the file.
 */
export class SectionError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class Cursor {
  readonly #bytes: Uint8Array;
  /** File offset of bytes[0], for messages. */
  readonly #base: number;
  #at = 0;

  constructor(bytes: Uint8Array, base: number) {
    this.#bytes = bytes;
    this.#base = base;
  }

  get offset(): number {
    return this.#base + this.#at;
  }

  get done(): boolean {
    return this.#at >= this.#bytes.length;
  }

  fail(problem: string): never {
    throw new SectionError(problem, this.offset);
  }

  byte(): number {
    if (this.#at >= this.#bytes.length) this.fail('unexpected end of section');
    return this.#bytes[this.#at++] as number;
  }

  /** An unsigned LEB128 of at most 32 bits. */
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (result > 0xffffffff) this.fail('integer too large for u32');
        return result;
      }
    }
    return this.fail('u32 is longer than 5 bytes');
  }

  /** Skips one LEB128 (signed or unsigned, up to 64 bits): type indices, heap types, limits. */
  skipLeb(): void {
    for (let i = 0; i < 10; i++) {
      if ((this.byte() & 0x80) === 0) return;
    }
    this.fail('LEB128 integer is longer than 10 bytes');
  }

  /** A name: u32 length, then that many bytes of UTF-8. */
  name(): string {
    const length = this.u32();
    if (this.#at + length > this.#bytes.length) this.fail(`a name of ${length} bytes runs past the end of its section`);
    const bytes = this.#bytes.subarray(this.#at, this.#at + length);
    this.#at += length;
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail('a name is not valid UTF-8');
    }
  }
}
