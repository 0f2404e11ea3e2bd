// The Node lines the benchmark runs par on: the one running this script, and the newest line,
// installed by npm into a cache directory outside the checkout (the `node` package on npm ships
// the official binaries).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'par-bench');
}

function versionOf(nodeBin) {
  return execFileSync(nodeBin, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
}

/**
 * `node@<line>` from npm into the cache directory (once; later runs reuse it). Returns the binary.
 * The npm package installs the official build for this platform.
 */
async function installNodeLine(line, log) {
  const prefix = path.join(cacheDir(), `node-${line}`);
  const nodeBin = path.join(prefix, 'node_modules', 'node', 'bin', 'node');
  const wanted = (version) => line === 'latest' || version.startsWith(`v${line}.`);
  if (existsSync(nodeBin) && wanted(versionOf(nodeBin))) return nodeBin;
  await mkdir(prefix, { recursive: true });
  log(`bench: installing node@${line} with npm into ${prefix}`);
  execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', `node@${line}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 600_000,
  });
  const version = versionOf(nodeBin);
  if (!wanted(version)) throw new Error(`npm installed node ${version}, not the ${line} line`);
  return nodeBin;
}

/**
 * [{ id, nodeBin, version, sizes }]: this Node with every size, then (unless BENCH_NEW_NODE=off)
 * the newest line with `newestSizes`. A newest line equal to this one is not run twice.
 */
export async function nodeLines({ newestLine, sizes, newestSizes, log }) {
  const lines = [{ id: 'primary', nodeBin: process.execPath, version: process.version, sizes }];
  if (newestLine === 'off') return lines;
  const nodeBin = await installNodeLine(newestLine, log);
  const version = versionOf(nodeBin);
  if (version !== process.version) lines.push({ id: 'newest', nodeBin, version, sizes: newestSizes });
  return lines;
}
