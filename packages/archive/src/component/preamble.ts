/**
 * The first 8 bytes of a `.wasm` file say what it is (component-model Binary.md, "Component
 * Definitions"): magic `\0asm`, a u16 version, a u16 layer. A core module has version 1 layer 0;
 * a component has layer 1 (version 0x0d today, pre-standard; it becomes 1 at 1.0, so only the
 * layer is trusted). wasmparser's `Parser::is_component` / `is_core_wasm` test the same bytes.
 */

export const WASM_MAGIC = Uint8Array.of(0x00, 0x61, 0x73, 0x6d);
export const PREAMBLE_SIZE = 8;

export type WasmKind = 'component' | 'module';

export interface WasmPreamble {
  kind: WasmKind;
  /** The version field (1 for a core module; 0x0d for today's components). */
  version: number;
}

/**
 * What the preamble says, or why it is not a Wasm preamble (a string naming the problem, so the
 * caller can say which file it was).
 */
export function readPreamble(bytes: Uint8Array): WasmPreamble | string {
  if (bytes.length < PREAMBLE_SIZE) return `only ${bytes.length} byte(s), shorter than the 8-byte Wasm preamble`;
  for (let i = 0; i < WASM_MAGIC.length; i++) {
    if (bytes[i] !== WASM_MAGIC[i]) return `it does not start with the Wasm magic bytes 00 61 73 6d (starts ${hex(bytes.subarray(0, 4))})`;
  }
  const version = (bytes[4] as number) | ((bytes[5] as number) << 8);
  const layer = (bytes[6] as number) | ((bytes[7] as number) << 8);
  if (layer === 1) return { kind: 'component', version };
  if (layer === 0 && version === 1) return { kind: 'module', version };
  return `unknown Wasm version ${version} / layer ${layer} (a core module is 1/0, a component has layer 1)`;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
