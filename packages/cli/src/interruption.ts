import { stopAllProgress } from './render/progress.js';

/**
 * Ctrl-C (SIGINT) and SIGTERM stop par cleanly: the signal below aborts what is in flight (the
 * registry client and copies listen to it), so temporary files are removed and open upload
 * sessions cancelled as the command unwinds; the terminal gets its cursor back at once; par then
 * says `interrupted` and exits 128 + the signal number (130, 143), as shells expect.
 */

const controller = new AbortController();
let received: NodeJS.Signals | undefined;

/** How long the command may take to unwind (cancel an upload, remove a file) before par exits anyway. */
const GRACE_MS = 4000;
const STATUS: Record<string, 130 | 143> = { SIGINT: 130, SIGTERM: 143 };

/** Fires when the user interrupts par. */
export const interruption: AbortSignal = controller.signal;

export function watchInterruptions(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (received !== undefined) return;
      received = signal;
      stopAllProgress();
      controller.abort();
      // A command that does not listen (or hangs in clean-up) must not keep par alive.
      setTimeout(() => {
        reportInterruption();
        process.exit(STATUS[signal]);
      }, GRACE_MS).unref();
      // A second Ctrl-C is the user insisting: the default action, now.
      process.once(signal, () => process.kill(process.pid, signal));
    });
  }
}

/** 130 or 143 once the user interrupted par, else undefined. */
export function interruptedStatus(): 130 | 143 | undefined {
  return received === undefined ? undefined : STATUS[received];
}

let reported = false;

/** The one line an interrupted run prints, whatever error the interruption caused on its way out. */
export function reportInterruption(): void {
  if (reported) return;
  reported = true;
  process.stderr.write('interrupted\n');
}
