import type { Options } from 'yargs';
import { repeated } from './flags/repeated.js';

/** Which referrers a copy or promotion carries: none (false), or these artifact types ([] = all). */
export type ReferrerSelection = false | string[];

export interface ReferrerFlags {
  referrers: boolean;
  'referrers-type'?: string[];
}

export const referrerFlags = {
  referrers: { type: 'boolean', default: true, describe: 'Carry signatures, SBOMs and attestations (OCI referrers); --no-referrers leaves them' },
  'referrers-type': { type: 'string', coerce: repeated, describe: 'Carry only referrers of this artifact type (repeatable)' },
} as const satisfies Record<string, Options>;

export function referrerSelection(flags: ReferrerFlags): ReferrerSelection {
  return flags.referrers ? (flags['referrers-type'] ?? []) : false;
}

