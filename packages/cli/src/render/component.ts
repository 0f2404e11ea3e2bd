import type { InspectedComponent } from '@par/registry';
import { renderInspectTable, type TableRow } from './inspect-table.js';

/** The inspect table for a Wasm component: what it is, its digests, then its world. */
export function renderComponent(component: InspectedComponent): string {
  const wasm = component.wasm;
  const rows: TableRow[] = [{ label: 'Kind', value: wasm === undefined ? 'unreadable' : wasm.kind === 'component' ? 'component' : 'core module' }];
  if (component.config !== undefined) rows.push({ label: 'OS', value: component.config.os }, { label: 'Created', value: component.config.created });
  if (component.layout !== undefined) rows.push({ label: 'Layout', value: component.layout === 'legacy-actor' ? 'legacy actor (wash < 0.29)' : 'wasm OCI artifact' });
  if (component.digest !== undefined) rows.push({ label: 'Digest', value: component.digest });
  const layer = component.layer ?? (wasm ? { digest: wasm.digest, size: wasm.size } : undefined);
  if (layer !== undefined) rows.push({ label: 'Layer Digest', value: layer.digest }, { label: 'Size', value: `${layer.size} bytes` });
  if (wasm !== undefined) {
    rows.push({ heading: 'Exports' }, ...lines(wasm.exports), { heading: 'Imports' }, ...lines(wasm.imports));
  }
  return renderInspectTable(`${component.name} - Wasm ${wasm?.kind === 'module' ? 'Module' : 'Component'}`, rows);
}

/** The JSON `par inspect -o json` prints for a component. */
export function componentJson(component: InspectedComponent): Record<string, unknown> {
  const wasm = component.wasm;
  return {
    name: component.name,
    kind: wasm?.kind ?? 'unreadable',
    ...(component.digest !== undefined ? { digest: component.digest } : {}),
    ...(component.layout !== undefined ? { layout: component.layout } : {}),
    layer: component.layer ?? (wasm ? { digest: wasm.digest, size: wasm.size } : undefined),
    ...(component.config !== undefined ? { os: component.config.os, created: component.config.created } : {}),
    exports: wasm?.exports ?? [],
    imports: wasm?.imports ?? [],
    valid: component.problems.length === 0,
    problems: component.problems,
  };
}

function lines(names: string[]): TableRow[] {
  return names.length === 0 ? [{ line: '(none)' }] : names.map((line) => ({ line }));
}
