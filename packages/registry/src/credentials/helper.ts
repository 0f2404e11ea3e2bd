import { spawn } from 'node:child_process';

/**
 * Docker credential helpers (`docker-credential-<name>`): a program taking one action word as
 * its argument, input on stdin and JSON on stdout. The protocol is docker/docker-credential-helpers.
 */

export type HelperAction = 'get' | 'store' | 'erase';

export interface HelperOptions {
  /** Environment for the helper, including the PATH used to find it. */
  env: Record<string, string | undefined>;
  /** Kill the helper after this long; default 10 s (a keychain prompt left open must not hang us). */
  timeoutMs?: number;
}

export type HelperOutcome =
  | { status: 'ok'; stdout: string }
  /** The helper ran and said it has no credentials for that server. */
  | { status: 'not_found' }
  /** The helper is missing, timed out or failed; `problem` is safe to show (no secrets). */
  | { status: 'failed'; problem: string };

export const DEFAULT_HELPER_TIMEOUT_MS = 10_000;
const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';

/** Runs `docker-credential-<name> <action>` with `input` on stdin. Never throws. */
export function runCredentialHelper(
  name: string,
  action: HelperAction,
  input: string,
  options: HelperOptions,
  secrets: readonly string[] = [],
): Promise<HelperOutcome> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: HelperOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const child = spawn(program, [action], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const timeoutMs = options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ status: 'failed', problem: `${program} ${action} did not answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      const problem =
        error.code === 'ENOENT' ? `${program} is not installed or not on PATH` : `${program} ${action} could not run (${error.code ?? error.message})`;
      finish({ status: 'failed', problem });
    });
    child.on('close', (code) => {
      if (code === 0) {
        finish({ status: 'ok', stdout });
      } else if (stdout.includes(NOT_FOUND_MESSAGE) || stderr.includes(NOT_FOUND_MESSAGE)) {
        finish({ status: 'not_found' });
      } else {
        const said = redact(firstLine(stderr) || firstLine(stdout), secrets);
        finish({ status: 'failed', problem: `${program} ${action} exited with status ${code}${said ? `: ${said}` : ''}` });
      }
    });
    // A helper that exits without reading stdin makes the write fail with EPIPE: the exit status says more.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').slice(0, 200);
}

function redact(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) if (secret.length > 0) clean = clean.split(secret).join('***');
  return clean;
}
