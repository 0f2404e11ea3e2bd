import type { ArchiveDescription } from '@par/archive';
import { renderInspectTable, type TableRow } from './inspect-table.js';

/** The inspect table for a provider archive, with the rows wash shows plus the issuer. */
export function renderDescription(description: ArchiveDescription, issuer: string): string {
  const rows: TableRow[] = [{ label: 'Public Key', value: description.service }];
  if (description.capability_contract_id !== undefined) {
    rows.push({ label: 'Capability Contract ID', value: description.capability_contract_id });
  }
  rows.push(
    { label: 'Vendor', value: description.vendor },
    { label: 'Version', value: description.version },
    { label: 'Revision', value: description.revision },
    { label: 'Issuer', value: issuer },
    { heading: 'Supported Architecture Targets' },
    ...description.targets.map((target) => ({ line: target })),
  );
  return renderInspectTable(`${description.name} - Provider Archive`, rows);
}
