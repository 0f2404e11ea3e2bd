import type { ArchiveContents } from './read.js';

/** `par inspect --output json`: wash's keys, with version and revision as strings ("None" when absent). */
export interface ArchiveDescription {
  name: string;
  issuer: string;
  service: string;
  vendor: string;
  version: string;
  revision: string;
  targets: string[];
  schema?: unknown;
  capability_contract_id?: string;
}

/** What wash prints for an absent optional value. */
export const NONE = 'None';

/** Describes an archive exactly as `wash inspect --output json` does, plus schema and the legacy contract id when present. */
export function describeArchive(contents: ArchiveContents): ArchiveDescription {
  const { claims } = contents;
  const meta = claims.wascap;
  const description: ArchiveDescription = {
    name: meta.name ?? NONE,
    issuer: claims.iss,
    service: claims.sub,
    vendor: meta.vendor,
    version: meta.ver ?? NONE,
    revision: meta.rev === undefined ? NONE : String(meta.rev),
    targets: contents.entries.map((entry) => entry.target).sort(),
  };
  if (meta.config_schema !== undefined) description.schema = meta.config_schema;
  if (meta.capid !== undefined) description.capability_contract_id = meta.capid;
  return description;
}
