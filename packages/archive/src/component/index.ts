// Reading Wasm components and core modules: no HTTP, no tar; what the OCI config and `par inspect` need.
export { readPreamble, PREAMBLE_SIZE, WASM_MAGIC } from './preamble.js'; // component vs core module from the first 8 bytes
export type { WasmKind, WasmPreamble } from './preamble.js';
export { readWasm } from './read-wasm.js'; // one streaming pass: preamble, every section, import/export names, sha256
export type { WasmInterface, ReadWasmOptions } from './read-wasm.js';
