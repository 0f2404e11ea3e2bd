import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const sharedDir = resolve(repoRoot, '..', 'shared');
export const fixture = (name: string) => join(sharedDir, 'fixtures', name);
/** The bundled CLI: what the published package and bin/par run (`pnpm build` makes it). */
export const cliEntry = join(repoRoot, 'packages', 'cli', 'bundle', 'par.js');

/** The wash integration-test keys (spec/par-format.md §8). */
export const WASH_TEST_KEYS = {
  issuerSeed: 'SAACTTUPKR55VUWUDK7GJ5SU5KGED455FR7BDO46RUVOTHUWKBLECLH2UU',
  issuer: 'AA7R5L74E45BJ4XVUYTELQ56P5VCOSPOAA474L7QWH4ZAILLKTZFWYYW',
  subjectSeed: 'SVAOZUSBWWFL65P255DOHIETPTXUQMM5ETLSYPITI5G4K4HI6M2CDAPWAU',
  subject: 'VBM5JMFOVUJDHGTOJSPUJ33ZGHCRCJ3LYHUJ3HND5ZMRVORYCMAVPZQF',
} as const;

export interface ParRun {
  status: number;
  stdout: string;
  stderr: string;
  /** The signal that ended the process, when one did. */
  signal?: NodeJS.Signals | null;
}

export interface ParOptions {
  cwd?: string;
  env?: Record<string, string>;
  home?: string;
  input?: string;
  /** Kill the CLI (SIGKILL) after this many ms, so a test of a would-be hang stays bounded even when par hangs. */
  timeout?: number;
}

/** A running CLI: the child (to signal it) and its outcome. */
export interface StartedPar {
  child: ChildProcessWithoutNullStreams;
  /** stderr so far. */
  readonly stderr: string;
  done: Promise<ParRun>;
}

export function tempDir(prefix = 'par-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Runs the built CLI as a user would, with its own HOME and key directory so nothing touches the
 * developer's real keys or Docker credentials.
 */
export function par(args: string[], options: ParOptions = {}): Promise<ParRun> {
  return startPar(args, options).done;
}

/** Starts the built CLI as `par` does, returning at once: for tests that signal it mid-run. */
export function startPar(args: string[], options: ParOptions = {}): StartedPar {
  const home = options.home ?? tempDir('par-home-');
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, [cliEntry, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      USER: 'tester',
      WASH_KEYS: join(home, 'keys'),
      DOCKER_CONFIG: join(home, '.docker'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.timeout !== undefined ? { timeout: options.timeout, killSignal: 'SIGKILL' as const } : {}),
  });
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<ParRun>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ status: code ?? -1, stdout, stderr, signal }));
  });
  child.stdin.end(options.input ?? '');
  return {
    child,
    get stderr() {
      return stderr;
    },
    done,
  };
}

/** Asserts the shape every failure must have: one clear line, no stack trace. */
export function isOneLineError(run: ParRun): boolean {
  const lines = run.stderr.trim().split('\n');
  return lines.length === 1 && lines[0]!.startsWith('error: ') && !run.stderr.includes('    at ');
}
