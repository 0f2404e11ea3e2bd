import type { ArchiveContents } from '@par/archive';
import type { PromotionPolicy } from './plan.js';

/**
 * The gate a par must pass at the source before promotion: archive verification (hashes, and with
 * `strict` the signature and keys), an allowed issuer, and the targets production needs.
 * Returns the reasons it fails; empty means it passes.
 */
export async function policyFailures(contents: ArchiveContents, policy: PromotionPolicy): Promise<string[]> {
  const archive = await import('@par/archive');
  const report = archive.verifyArchive(contents, {
    strict: policy.strict,
    ...(policy.requireIssuer.length > 0 ? { allowedIssuers: policy.requireIssuer } : {}),
  });
  const failures = report.problems.map((problem) => problem.message);
  const present = new Set(contents.entries.map((entry) => entry.target));
  for (const target of policy.requireTarget) {
    if (!present.has(target)) failures.push(`required target ${target} is missing (has: ${[...present].sort().join(', ') || 'none'})`);
  }
  return failures;
}
