// A description of the machine and tool versions for the results; no paths of this machine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

function firstLine(argv) {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 })
      .trim()
      .split('\n')[0];
  } catch {
    return 'not available';
  }
}

function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    return line ? line.split(':')[1].trim() : os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

/** The filesystem type and size holding `dir` (where the benchmark's files and registries live). */
function diskOf(dir) {
  try {
    const out = execFileSync('df', ['-PT', '-B1', dir], { encoding: 'utf8', timeout: 10_000 }).trim().split('\n')[1];
    const [, type, size] = out.split(/\s+/);
    return `${type}, ${(Number(size) / 2 ** 30).toFixed(0)} GiB (temporary directory)`;
  } catch {
    return 'unknown';
  }
}

/** The 1/5/15-minute load averages: other work on the machine makes the figures noisy. */
export function loadAverage() {
  return os.loadavg().map((v) => v.toFixed(2)).join(' / ');
}

export function describeMachine(workDir, parVersion, repoRoot) {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', timeout: 10_000 }).trim();
    const dirty = execFileSync('git', ['-C', repoRoot, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', timeout: 10_000 }).trim();
    if (dirty) commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    par: parVersion ?? 'not available',
    commit,
    skopeo: firstLine(['skopeo', '--version']),
    registry: firstLine(['docker-registry', '--version']),
    curl: firstLine(['curl', '--version']).split(' ').slice(0, 2).join(' '),
    gzip: firstLine(['gzip', '--version']),
    disk: diskOf(workDir),
    loadAtStart: loadAverage(),
  };
}
