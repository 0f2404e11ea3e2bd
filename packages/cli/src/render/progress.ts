import type { SingleBar } from 'cli-progress';

/** Bars only for people watching a terminal, and only when a transfer is big enough to wait for. */
const MIN_BYTES_FOR_BAR = 4 * 1024 * 1024;

export interface Progress {
  /** Adds bytes moved. */
  advance(bytes: number): void;
  stop(): void;
}

const silent: Progress = { advance: () => undefined, stop: () => undefined };

/** Bars on screen now: an interruption stops them at once, so the terminal gets its cursor back. */
const active = new Set<Progress>();

export function stopAllProgress(): void {
  for (const progress of [...active]) progress.stop();
}

/** A progress bar on stderr for a transfer of `total` bytes, or a silent one when no one is watching. */
export async function startProgress(label: string, total: number, enabled: boolean): Promise<Progress> {
  if (!enabled || !process.stderr.isTTY || total < MIN_BYTES_FOR_BAR) return silent;
  const { SingleBar, Presets } = await import('../esm/cli-progress.js');
  const bar: SingleBar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} MiB | {speed} MiB/s`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? (value / 1048576).toFixed(1) : String(value)),
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  let moved = 0;
  bar.start(total, 0, { speed: '0.0' });
  let stopped = false;
  const progress: Progress = {
    advance(bytes) {
      if (stopped) return;
      moved += bytes;
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(Math.min(moved, total), { speed: (moved / 1048576 / seconds).toFixed(1) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      active.delete(progress);
      bar.stop();
    },
  };
  active.add(progress);
  return progress;
}
