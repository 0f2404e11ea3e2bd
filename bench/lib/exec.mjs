// Runs one external command with a time limit, measuring its wall time and peak RSS.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const GNU_TIME = '/usr/bin/time';

export class CommandError extends Error {
  constructor(message, { command, stderr, exitCode }) {
    super(message);
    this.name = 'CommandError';
    this.command = command;
    this.stderr = stderr;
    this.exitCode = exitCode;
  }
}

export function hasGnuTime() {
  return existsSync(GNU_TIME);
}

const MAX_CAPTURE = 64 * 1024;

// Process groups of commands still running, so an interrupted benchmark can end them.
const activeGroups = new Set();

/** Kills every command still running (synchronous: for exit and signal handlers). */
export function killActiveCommands() {
  for (const pid of activeGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  activeGroups.clear();
}

function appendBounded(current, chunk) {
  if (current.length >= MAX_CAPTURE) return current;
  return (current + chunk.toString('utf8')).slice(0, MAX_CAPTURE);
}

function describe(argv) {
  return argv.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
}

/**
 * Runs argv; resolves with { seconds, maxRssKiB, cpuSeconds, stdout, stderr } or rejects with a CommandError that
 * carries the command's stderr. The child gets its own process group so a timeout kills all of it.
 * With measureRss (default) and GNU time present, the command runs under `/usr/bin/time`: %M is the
 * peak RSS of the largest process it waited for, %U + %S its CPU time (all threads); the wall time
 * is measured here with hrtime.
 */
export async function runCommand(argv, { timeoutMs = 120_000, env, cwd, measureRss = true, label } = {}) {
  const useTime = measureRss && hasGnuTime();
  let timeDir;
  let spawnArgv = argv;
  if (useTime) {
    timeDir = await mkdtemp(path.join(os.tmpdir(), 'par-bench-time-'));
    spawnArgv = [GNU_TIME, '-f', '%e %M %U %S', '-o', path.join(timeDir, 'rusage'), ...argv];
  }
  const name = label ?? describe(argv);
  try {
    const started = process.hrtime.bigint();
    const { exitCode, signal, stdout, stderr, timedOut } = await new Promise((resolve, reject) => {
      const child = spawn(spawnArgv[0], spawnArgv.slice(1), {
        cwd,
        env: env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      if (child.pid) activeGroups.add(child.pid);
      let out = '';
      let err = '';
      let expired = false;
      child.stdout.on('data', (chunk) => (out = appendBounded(out, chunk)));
      child.stderr.on('data', (chunk) => (err = appendBounded(err, chunk)));
      const timer = setTimeout(() => {
        expired = true;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new CommandError(`${name}: could not start: ${error.message}`, { command: name, stderr: '', exitCode: null }));
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        activeGroups.delete(child.pid);
        resolve({ exitCode: code, signal: sig, stdout: out, stderr: err, timedOut: expired });
      });
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (timedOut) {
      throw new CommandError(`${name}: timed out after ${timeoutMs / 1000} s\n${stderr}`, { command: name, stderr, exitCode });
    }
    if (exitCode !== 0) {
      const why = signal ? `killed by ${signal}` : `exit code ${exitCode}`;
      throw new CommandError(`${name}: failed (${why})\n${stderr.trim() || stdout.trim()}`, { command: name, stderr, exitCode });
    }
    let maxRssKiB = null;
    let cpuSeconds = null;
    if (useTime) {
      const rusage = (await readFile(path.join(timeDir, 'rusage'), 'utf8')).trim().split('\n').pop();
      const [, rss, user, system] = rusage.split(/\s+/).map(Number);
      if (Number.isFinite(rss)) maxRssKiB = rss;
      if (Number.isFinite(user) && Number.isFinite(system)) cpuSeconds = user + system;
    }
    return { seconds, maxRssKiB, cpuSeconds, stdout, stderr };
  } finally {
    if (timeDir) await rm(timeDir, { recursive: true, force: true });
  }
}
