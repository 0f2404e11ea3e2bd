import type { ReferrerNode } from '@par/registry';

/**
 * What a person reads in a terminal, as `oras discover` draws it:
 *   127.0.0.1:5001/app@sha256:…
 *   ├── application/spdx+json
 *   │   └── sha256:…
 *   │       └── application/vnd.cncf.notary.signature
 *   │           └── sha256:…
 * Referrers are grouped by artifact type; each digest is followed by what refers to it.
 */
export function renderReferrersTree(subject: string, referrers: ReferrerNode[]): string {
  const lines = [subject];
  if (referrers.length === 0) lines.push('(no referrers)');
  drawGroups(referrers, '', lines);
  return lines.join('\n');
}

function drawGroups(nodes: ReferrerNode[], prefix: string, lines: string[]): void {
  const groups = new Map<string, ReferrerNode[]>();
  for (const node of nodes) {
    const type = node.artifactType ?? node.mediaType;
    groups.set(type, [...(groups.get(type) ?? []), node]);
  }
  const entries = [...groups];
  entries.forEach(([type, members], g) => {
    const lastGroup = g === entries.length - 1;
    lines.push(`${prefix}${lastGroup ? '└── ' : '├── '}${type}`);
    const inner = prefix + (lastGroup ? '    ' : '│   ');
    members.forEach((node, i) => {
      const last = i === members.length - 1;
      lines.push(`${inner}${last ? '└── ' : '├── '}${node.digest}${node.tag === undefined ? '' : `  (cosign tag ${node.tag})`}`);
      drawGroups(node.referrers, inner + (last ? '    ' : '│   '), lines);
    });
  });
}
