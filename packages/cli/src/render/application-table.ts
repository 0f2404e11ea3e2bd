import type { ApplicationReport, ImageAction } from '../promotion/application.js';
import { formatBytes } from './promotion-table.js';

const ACTION_ORDER: ImageAction[] = ['promoted', 'would-promote', 'up-to-date', 'left-alone', 'refused', 'failed', 'not-copied'];

/** What `par promote --wadm` prints: one row per image of the application, then what was written. */
export function renderApplicationTable(report: ApplicationReport): string {
  const rows = report.images.map((o) => [
    o.action,
    o.component,
    o.artifact ?? o.type,
    o.from,
    o.to,
    o.sourceDigest ? o.sourceDigest.slice(0, 19) : '-',
    formatBytes(o.bytes),
    o.reasons?.join('; ') ?? o.error ?? (o.policy === 'pass' ? 'policy pass' : ''),
  ]);
  const header = ['ACTION', 'COMPONENT', 'KIND', 'FROM', 'TO', 'DIGEST', report.dryRun ? 'TO SEND' : 'SENT', 'NOTE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const totals = ACTION_ORDER.map((action) => [action, report.images.filter((o) => o.action === action).length] as const)
    .filter(([, n]) => n > 0)
    .map(([action, n]) => `${n} ${action}`)
    .join(', ');
  const sent = formatBytes(report.images.reduce((sum, o) => sum + o.bytes, 0));
  const name = report.application === '' ? report.wadm : `${report.application} (${report.wadm})`;
  const summary = `${report.dryRun ? 'dry run: ' : ''}application ${name}: ${report.images.length} image(s): ${totals || 'none'}; ${sent} ${report.dryRun ? 'to send' : 'sent'}`;
  return [line(header), ...rows.map(line), '', summary, written(report)].join('\n');
}

function written(report: ApplicationReport): string {
  if (report.written.length > 0) return `wrote ${report.written.join(', ')}`;
  if (report.writeTo.length === 0) return 'no manifest written (give --write OUT.yaml to write the pinned manifest)';
  if (report.dryRun) return `would write ${report.writeTo.join(', ')}`;
  return `not every image was promoted: no manifest written (${report.writeTo.join(', ')})`;
}
