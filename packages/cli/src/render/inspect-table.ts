/** A row of the inspect table: a label and its value, or a full-width section heading/entry. */
export type TableRow = { label: string; value: string } | { heading: string } | { line: string };

const LABEL_WIDTH = 22;

/**
 * The bordered table `wash par inspect` prints (see the wasmCloud page in shared/seed): a centred
 * title, label/value rows with right-aligned values, and full-width sections.
 */
export function renderInspectTable(title: string, rows: TableRow[]): string {
  const valueWidth = Math.max(
    44,
    ...rows.map((row) => ('value' in row ? row.value.length + 2 : 0)),
    ...rows.map((row) => ('line' in row ? row.line.length + 2 - LABEL_WIDTH - 2 : 0)),
    title.length + 4 - LABEL_WIDTH - 2,
  );
  const inner = LABEL_WIDTH + 1 + 1 + valueWidth; // label cell, its leading space, the divider, value cell
  const out: string[] = [];
  out.push(`╔${'═'.repeat(inner)}╗`);
  out.push(`║${centre(title, inner)}║`);
  let previous: 'split' | 'full' | 'line' = 'full';
  for (const row of rows) {
    if ('value' in row) {
      const join = previous === 'split' ? '╬' : '╦';
      out.push(`╠${'═'.repeat(LABEL_WIDTH + 1)}${join}${'═'.repeat(valueWidth)}╣`);
      out.push(`║ ${row.label.padEnd(LABEL_WIDTH)}║ ${row.value.padStart(valueWidth - 2)} ║`);
      previous = 'split';
    } else if ('heading' in row) {
      out.push(`╠${'═'.repeat(LABEL_WIDTH + 1)}${previous === 'split' ? '╩' : '═'}${'═'.repeat(valueWidth)}╣`);
      out.push(`║${centre(row.heading, inner)}║`);
      previous = 'full';
    } else {
      // Consecutive full-width lines (the target list) share one block, as in wash.
      if (previous !== 'line') out.push(`╠${'═'.repeat(LABEL_WIDTH + 1)}${previous === 'split' ? '╩' : '═'}${'═'.repeat(valueWidth)}╣`);
      out.push(`║ ${row.line.padEnd(inner - 1)}║`);
      previous = 'line';
    }
  }
  out.push(`╚${'═'.repeat(LABEL_WIDTH + 1)}${previous === 'split' ? '╩' : '═'}${'═'.repeat(valueWidth)}╝`);
  return out.join('\n');
}

function centre(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return `${' '.repeat(Math.max(0, left))}${text}`.padEnd(width);
}
