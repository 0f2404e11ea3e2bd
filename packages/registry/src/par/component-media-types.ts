/**
 * Media types of Wasm components as OCI artifacts (spec/wasm-components.md §1, §6): the layout
 * every wash since 0.29 pushes (rust-oci-wasm), and the legacy actor layout of older wash, which
 * both wasmCloud hosts still pull.
 */
export const WASM_CONFIG_MEDIA_TYPE = 'application/vnd.wasm.config.v0+json';
export const WASM_LAYER_MEDIA_TYPE = 'application/wasm';
export const LEGACY_ACTOR_LAYER_MEDIA_TYPE = 'application/vnd.module.wasm.content.layer.v1+wasm';
export const LEGACY_ACTOR_CONFIG_MEDIA_TYPE = 'application/vnd.wasmcloud.actor.archive.config';
/** Layer types a component is pulled from (both hosts accept these two). */
export const COMPONENT_LAYER_MEDIA_TYPES: readonly string[] = [WASM_LAYER_MEDIA_TYPE, LEGACY_ACTOR_LAYER_MEDIA_TYPE];
/** `os` in the config: a component, or a core module pushed in the preview-1 form. */
export type WasmOs = 'wasip2' | 'wasip1';
