import type { ArchiveDescription } from '@par/archive';
import { terminalSafe as safe } from '../safe-text.js';
import { renderInspectTable, type TableRow } from './inspect-table.js';

/**
 * The inspect table for a provider archive, with the rows wash shows plus the issuer. Every value
 * comes from the archive's claims, which anyone can sign: escaped before it is laid out.
 */
export function renderDescription(description: ArchiveDescription, issuer: string): string {
  const rows: TableRow[] = [{ label: 'Public Key', value: safe(description.service) }];
  if (description.capability_contract_id !== undefined) {
    rows.push({ label: 'Capability Contract ID', value: safe(description.capability_contract_id) });
  }
  rows.push(
    { label: 'Vendor', value: safe(description.vendor) },
    { label: 'Version', value: safe(description.version) },
    { label: 'Revision', value: safe(description.revision) },
    { label: 'Issuer', value: safe(issuer) },
    { heading: 'Supported Architecture Targets' },
    ...description.targets.map((target) => ({ line: safe(target) })),
  );
  return renderInspectTable(`${safe(description.name)} - Provider Archive`, rows);
}
