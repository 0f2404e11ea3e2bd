import type { Cursor } from './cursor.js';

/**
 * The names in the import (10) and export (11) sections of a component, and in the import (2)
 * and export (7) sections of a core module. These top-level names are what `wit_component::decode`
 * turns into a world's imports and exports, and so what wash writes into the OCI config
 * (`wasi:http/incoming-handler@0.2.0`, `run`). Everything after a name is parsed only far enough
 * to find the next one, and to refuse a section that does not parse.
 *
 * As in wit-parser's decoder (crates/wit-parser/src/decoding.rs): a world imports functions,
 * instances (interfaces) and types; it exports functions and instances. Imported core modules,
 * components and values, and exported types, are valid in a component but not part of its world,
 * so they are not listed.
 */

const EXTERN_FUNC = 0x01;
const EXTERN_TYPE = 0x03;
const EXTERN_INSTANCE = 0x05;
const WORLD_IMPORT_KINDS = new Set([EXTERN_FUNC, EXTERN_TYPE, EXTERN_INSTANCE]);
/** Sorts share the extern kinds' numbering (func 1, type 3, instance 5). */
const WORLD_EXPORT_SORTS = new Set([EXTERN_FUNC, EXTERN_INSTANCE]);

/** `vec(<import>)` of a component: `importname' externdesc`. */
export function componentImportNames(cursor: Cursor): string[] {
  return vector(cursor, () => {
    const name = externName(cursor);
    return WORLD_IMPORT_KINDS.has(externDesc(cursor)) ? [name] : [];
  });
}

/** `vec(<export>)` of a component: `exportname' sortidx externdesc?`. */
export function componentExportNames(cursor: Cursor): string[] {
  return vector(cursor, () => {
    const name = externName(cursor);
    const sort = sortIndex(cursor);
    const hasType = cursor.byte();
    if (hasType === 0x01) externDesc(cursor);
    else if (hasType !== 0x00) cursor.fail(`export "${name}": bad type-ascription flag 0x${hex(hasType)}`);
    return WORLD_EXPORT_SORTS.has(sort) ? [name] : [];
  });
}

/** `vec(<core:import>)`: module name, field name, importdesc. Shown as `module::field`. */
export function moduleImportNames(cursor: Cursor): string[] {
  return vector(cursor, () => {
    const module = cursor.name();
    const field = cursor.name();
    coreImportDesc(cursor);
    return [`${module}::${field}`];
  });
}

/** `vec(<core:export>)`: name, kind, index. */
export function moduleExportNames(cursor: Cursor): string[] {
  return vector(cursor, () => {
    const name = cursor.name();
    const kind = cursor.byte();
    if (kind > 0x04) cursor.fail(`export "${name}": unknown export kind 0x${hex(kind)}`);
    cursor.u32();
    return [name];
  });
}

function vector(cursor: Cursor, item: () => string[]): string[] {
  const count = cursor.u32();
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(...item());
  if (!cursor.done) cursor.fail(`the section has bytes after its ${count} item(s)`);
  return names;
}

/**
 * `0x00 name` and `0x01 name` (both plain today), or `0x02 name vec(nameopt)` where a nameopt is
 * `0x00 name` (implements) or `0x01 name` (version suffix).
 */
function externName(cursor: Cursor): string {
  const form = cursor.byte();
  if (form === 0x00 || form === 0x01) return cursor.name();
  if (form !== 0x02) cursor.fail(`bad import/export name prefix 0x${hex(form)}`);
  const name = cursor.name();
  const options = cursor.u32();
  for (let i = 0; i < options; i++) {
    const option = cursor.byte();
    if (option !== 0x00 && option !== 0x01) cursor.fail(`"${name}": bad name option 0x${hex(option)}`);
    cursor.name();
  }
  return name;
}

/**
 * `externdesc`: core module 0x00 0x11, func 0x01, value 0x02, type 0x03, component 0x04 or
 * instance 0x05, with its type index or bound. Returns the kind.
 */
function externDesc(cursor: Cursor): number {
  const kind = cursor.byte();
  switch (kind) {
    case 0x00:
      if (cursor.byte() !== 0x11) cursor.fail('a core extern must be a core module (0x00 0x11)');
      cursor.u32();
      return kind;
    case 0x01:
    case 0x04:
    case 0x05:
      cursor.u32();
      return kind;
    case 0x03: {
      const bound = cursor.byte();
      if (bound === 0x00) cursor.u32();
      else if (bound !== 0x01) cursor.fail(`bad type bound 0x${hex(bound)}`);
      return kind;
    }
    case 0x02:
      // Value imports and exports are an unfinished, feature-gated part of the model; no toolchain emits them.
      return cursor.fail('value imports and exports are not supported');
    default:
      return cursor.fail(`unknown extern kind 0x${hex(kind)}`);
  }
}

/** `sortidx`: `0x00 core:sort` or a sort byte 0x01–0x05, then a u32 index. Returns the sort. */
function sortIndex(cursor: Cursor): number {
  const sort = cursor.byte();
  if (sort === 0x00) cursor.byte();
  else if (sort > 0x05) cursor.fail(`unknown sort 0x${hex(sort)}`);
  cursor.u32();
  return sort;
}

/** `importdesc` of a core module: func, table, memory, global or tag. */
function coreImportDesc(cursor: Cursor): void {
  const kind = cursor.byte();
  switch (kind) {
    case 0x00:
      cursor.u32();
      return;
    case 0x01:
      referenceType(cursor);
      limits(cursor);
      return;
    case 0x02:
      limits(cursor);
      return;
    case 0x03:
      referenceOrValueType(cursor);
      cursor.byte();
      return;
    case 0x04:
      cursor.byte();
      cursor.u32();
      return;
    default:
      cursor.fail(`unknown import kind 0x${hex(kind)}`);
  }
}

/** Limits: flags, min, max when flag 1, page size when flag 8 (custom-page-sizes). */
function limits(cursor: Cursor): void {
  const flags = cursor.byte();
  cursor.skipLeb();
  if (flags & 0x01) cursor.skipLeb();
  if (flags & 0x08) cursor.u32();
}

function referenceType(cursor: Cursor): void {
  referenceOrValueType(cursor);
}

/** One byte, except the GC proposal's `(ref null? heaptype)` forms 0x63/0x64, which take a heap type. */
function referenceOrValueType(cursor: Cursor): void {
  const type = cursor.byte();
  if (type === 0x63 || type === 0x64) cursor.skipLeb();
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
