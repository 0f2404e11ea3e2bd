import type { PromotionAction, PromotionOutcome } from '@par/registry';
import { safeLine } from '../safe-text.js';

const ACTION_ORDER: PromotionAction[] = ['promoted', 'would-promote', 'up-to-date', 'refused', 'failed'];

/** The summary a pipeline log shows after a promotion run: one row per entry, then totals. */
export function renderPromotionTable(outcomes: PromotionOutcome[], dryRun: boolean): string {
  const rows = outcomes.map((o) => [
    o.action,
    safeLine(o.from),
    safeLine(o.to),
    o.sourceDigest ? o.sourceDigest.slice(0, 19) : '-',
    formatBytes(o.bytes),
    blobSummary(o),
    referrerSummary(o),
    `${o.seconds.toFixed(2)}s`,
    safeLine(o.reasons?.join('; ') ?? o.error ?? (o.policy === 'pass' ? 'policy pass' : '')),
  ]);
  const header = ['ACTION', 'FROM', 'TO', 'DIGEST', dryRun ? 'TO SEND' : 'SENT', 'BLOBS', 'REFERRERS', 'TIME', 'NOTE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  // Totals in a fixed order, so the last line of two runs can be compared.
  const totals = ACTION_ORDER.map((action) => [action, outcomes.filter((o) => o.action === action).length] as const)
    .filter(([, n]) => n > 0)
    .map(([action, n]) => `${n} ${action}`)
    .join(', ');
  const sent = formatBytes(outcomes.reduce((sum, o) => sum + o.bytes, 0));
  const referrers = outcomes.reduce((sum, o) => sum + o.referrers.copied, 0);
  return [
    line(header),
    ...rows.map(line),
    '',
    `${dryRun ? 'dry run: ' : ''}${outcomes.length} promotion(s): ${totals}; ${sent} ${dryRun ? 'to send' : 'sent'}; ${referrers} referrer(s) ${dryRun ? 'to copy' : 'copied'}`,
  ].join('\n');
}

/** What happened to the blobs and manifests of one entry, e.g. `1 copied, 2 mounted`. */
function blobSummary(o: PromotionOutcome): string {
  const parts: string[] = [];
  if (o.copied > 0) parts.push(`${o.copied} copied`);
  if (o.mounted > 0) parts.push(`${o.mounted} mounted`);
  if (o.skipped > 0) parts.push(`${o.skipped} present`);
  return parts.join(', ') || '-';
}

/** Referrer manifests carried, e.g. `2 copied` or `2 present`. */
function referrerSummary(o: PromotionOutcome): string {
  const parts: string[] = [];
  if (o.referrers.copied > 0) parts.push(`${o.referrers.copied} copied`);
  if (o.referrers.present > 0) parts.push(`${o.referrers.present} present`);
  return parts.join(', ') || '-';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
