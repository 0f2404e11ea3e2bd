import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ArchiveError } from '../errors.js';
import { readPreamble } from './preamble.js';
import { readWasm } from './read-wasm.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../../test/fixtures/components/${name}`, import.meta.url));

// The verified bytes of shared/spec/wasm-components.md §8.
const RUN_HEX =
  '0061736d0d000100011f0061736d0100000001040160000003020100070501016600000a040102000b0204010000000705014000010006070100000100016608060100000000000b0901000372756e010000';
const CLOCK_HEX =
  '0061736d0d000100071001420201400000770400036e6f7701000a26010021776173693a636c6f636b732f6d6f6e6f746f6e69632d636c6f636b40302e322e30050001240061736d010000000105016000017f030201000707010372756e00000a0601040041000b0204010000000708026a000040000001060901000001000372756e0806010000000002050a010101000372756e01000b18010012776173693a636c692f72756e40302e322e30050100';
/** (module (import "env" "f" (func)) (func) (export "g" (func 1))), by hand. */
const MODULE_HEX = '0061736d01000000' + '010401600000' + '02090103656e7601660000' + '03020100' + '070501016700' + '01' + '0a040102000b';

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const chunks = (bytes: Uint8Array, size: number) => (async function* () {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
})();

async function failure(source: Uint8Array): Promise<ArchiveError> {
  const error = await readWasm(chunks(source, 64), { what: 'x.wasm' }).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ArchiveError);
  return error as ArchiveError;
}

describe('readWasm', () => {
  test.each([
    ['empty.wasm', [], []],
    ['run.wasm', ['run'], []],
    ['clock.wasm', ['wasi:cli/run@0.2.0'], ['wasi:clocks/monotonic-clock@0.2.0']],
    ['greeter.wasm', ['wasi:cli/run@0.2.0'], ['wasi:cli/environment@0.2.0', 'wasi:clocks/wall-clock@0.2.0', 'wasi:random/random@0.2.0']],
    // A world-level type is an import (wit-parser lists it); a local interface export has its full id.
    ['shaped.wasm', ['get', 'acme:greeter/shapes@0.1.0'], ['wasi:random/random@0.2.0', 'pos', 'where']],
  ])('%s: exports %j, imports %j, digest and size of the file', async (name, exports, imports) => {
    const bytes = readFileSync(fixture(name));
    const read = await readWasm(fixture(name));
    expect(read).toEqual({ kind: 'component', version: 13, exports, imports, digest: sha256(bytes), size: bytes.length });
  });

  test('the fixtures are the spec bytes', () => {
    expect(readFileSync(fixture('run.wasm')).toString('hex')).toBe(RUN_HEX);
    expect(readFileSync(fixture('clock.wasm')).toString('hex')).toBe(CLOCK_HEX);
    expect(sha256(readFileSync(fixture('empty.wasm')))).toBe('sha256:24eaf3439a60c96764c4f2c92a0a81b52bd4fe5d5b91f090184a0f6486b1bf29');
  });

  test('reads the same one byte at a time as in one chunk', async () => {
    const bytes = readFileSync(fixture('greeter.wasm'));
    expect(await readWasm(chunks(bytes, 1))).toEqual(await readWasm(chunks(bytes, bytes.length)));
  });

  test('a core module: its imports as module::field and its exports', async () => {
    const bytes = Buffer.from(MODULE_HEX, 'hex');
    expect(await readWasm(chunks(bytes, 5))).toMatchObject({ kind: 'module', version: 1, imports: ['env::f'], exports: ['g'] });
    expect(await readWasm(fixture('core-module.wasm'))).toMatchObject({ kind: 'module', imports: [], exports: [] });
  });

  test('a truncated component is refused, naming the section and what is missing', async () => {
    const bytes = Buffer.from(CLOCK_HEX, 'hex');
    const error = await failure(bytes.subarray(0, bytes.length - 1));
    expect(error.kind).toBe('invalid');
    expect(error.message).toBe('x.wasm is not a valid Wasm component: at byte 151: section 11 declares 24 bytes but only 23 remain');
    // Cut inside a skipped (nested module) section too.
    expect((await failure(bytes.subarray(0, 80))).message).toMatch(/at byte 66: section 1 declares 36 bytes but only 12 remain/);
  });

  test('not WebAssembly, or an unknown layer, says so', async () => {
    expect((await failure(Buffer.from('hello, world'))).message).toBe('x.wasm is not WebAssembly: it does not start with the Wasm magic bytes 00 61 73 6d (starts 68 65 6c 6c)');
    expect((await failure(Buffer.alloc(0))).message).toMatch(/only 0 byte\(s\), shorter than the 8-byte Wasm preamble/);
    expect((await failure(Buffer.from('0061736d02000000', 'hex'))).message).toMatch(/unknown Wasm version 2 \/ layer 0/);
  });

  test('an unknown section id, junk after the items, or a bad name is refused', async () => {
    expect((await failure(Buffer.from('0061736d0d0001000c00', 'hex'))).message).toMatch(/at byte 8: unknown section id 12/);
    // Import section: count 0 followed by one stray byte.
    expect((await failure(Buffer.from('0061736d0d0001000a020000', 'hex'))).message).toMatch(/import section: the section has bytes after its 0 item\(s\)/);
    // Export name of 1 byte 0xff (not UTF-8).
    expect((await failure(Buffer.from('0061736d0d0001000b07010001ff01000000', 'hex'))).message).toMatch(/export section: a name is not valid UTF-8/);
  });

  test('a missing file is not_found', async () => {
    const error = await readWasm('/nonexistent/x.wasm').then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ kind: 'not_found', message: '/nonexistent/x.wasm: no such file' });
  });

  test('damaged bytes never crash the reader: they parse or are an ArchiveError', async () => {
    const original = readFileSync(fixture('greeter.wasm'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (flips) => {
        const bytes = Buffer.from(original);
        for (const [at, value] of flips) bytes[at] = value;
        const outcome = await readWasm(chunks(bytes, 512)).then(() => 'parsed', (e: unknown) => e);
        if (outcome !== 'parsed') expect(outcome).toBeInstanceOf(ArchiveError);
      }),
      { numRuns: 300 },
    );
  });
});

describe('readPreamble', () => {
  test('tells a component from a core module by the layer field', () => {
    expect(readPreamble(Buffer.from('0061736d0d000100', 'hex'))).toEqual({ kind: 'component', version: 13 });
    expect(readPreamble(Buffer.from('0061736d01000100', 'hex'))).toEqual({ kind: 'component', version: 1 });
    expect(readPreamble(Buffer.from('0061736d01000000', 'hex'))).toEqual({ kind: 'module', version: 1 });
  });
});
