import { redactSecrets, safeLine, terminalSafeBlock } from '../safe-text.js';

/** `tree` is `text` for every command but discover, which draws its referrers as a tree either way. */
export type OutputFormat = 'text' | 'json' | 'tree';

/** What every command receives besides its own flags. */
export interface GlobalOptions {
  output: OutputFormat;
}

/**
 * Writes a command's result: `text` for people, a JSON document for scripts. Renderers escape the
 * untrusted values they lay out (terminalSafe); this escapes whatever else slipped through, except
 * the renderer's own line breaks, and redacts credentials in both formats.
 */
export function printResult(format: OutputFormat, json: unknown, text: () => string): void {
  if (format === 'json') {
    process.stdout.write(`${redactSecrets(JSON.stringify(json, null, 2))}\n`);
  } else {
    const body = terminalSafeBlock(redactSecrets(text()));
    if (body.length > 0) process.stdout.write(body.endsWith('\n') ? body : `${body}\n`);
  }
}

/** Messages for people (key generation notices, warnings) go to stderr so stdout stays parseable. */
export function notice(message: string): void {
  process.stderr.write(`${safeLine(message)}\n`);
}
