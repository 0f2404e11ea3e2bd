// Reads V8 .cpuprofile files (node --cpu-prof) and ranks functions by self time.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

// Paths relative to the checkout (packages/..., node_modules/...), never this machine's absolute ones.
function shortUrl(url) {
  const relative = url.replace(/^.*\/(node_modules|packages)\//, '$1/');
  if (relative !== url || !url.startsWith('file://')) return relative;
  return path.basename(url);
}

function frameKey(frame) {
  const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

/** Self time per function (microseconds), summed over all nodes with the same call frame. */
export function selfTimes(profile) {
  const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
  const micros = new Map();
  const add = (node, value) => {
    const key = frameKey(node.callFrame);
    micros.set(key, (micros.get(key) ?? 0) + value);
  };
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    // timeDeltas[i] is the time before sample i; attribute it to the sampled node.
    for (let i = 0; i < profile.samples.length; i += 1) {
      const node = nodeById.get(profile.samples[i]);
      if (node) add(node, Math.max(0, profile.timeDeltas[i]));
    }
  } else {
    const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0));
    for (const node of profile.nodes) add(node, (node.hitCount ?? 0) * interval);
  }
  const total = [...micros.values()].reduce((a, b) => a + b, 0);
  return { total, entries: [...micros.entries()].sort((a, b) => b[1] - a[1]) };
}

/** Top `count` self-time functions over every .cpuprofile in `dir` whose name is not in `ignore`. */
export async function summarizeProfiles(dir, count = 15, ignore = new Set()) {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile') && !ignore.has(name));
  const combined = new Map();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
    const summary = selfTimes(profile);
    total += summary.total;
    for (const [key, value] of summary.entries) combined.set(key, (combined.get(key) ?? 0) + value);
  }
  const top = [...combined.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, micros]) => ({ fn, ms: micros / 1000, percent: total ? (100 * micros) / total : 0 }));
  return { files, totalMs: total / 1000, top };
}

/** Total length of the union of [start, end] intervals (ms). */
function unionLength(intervals) {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let current = null;
  for (const [start, end] of sorted) {
    if (!current || start > current[1]) {
      if (current) total += current[1] - current[0];
      current = [start, end];
    } else current[1] = Math.max(current[1], end);
  }
  if (current) total += current[1] - current[0];
  return total;
}

/**
 * The phase a sampled stack belongs to, walking from the leaf: SHA-256 is hashing wherever it is
 * called from; anything under Node's module loader is module load (top-level code of modules
 * included); otherwise the innermost frame of par's own code decides: yargs and the CLI's parsing
 * (in the bundle, the `cli-*.js` chunk) are argument parsing, a command's or a library's code is
 * the command's own work.
 */
function phaseOf(stack) {
  let own;
  for (const frame of stack) {
    const url = frame.url;
    if (/node:internal\/crypto\/hash/.test(url)) return 'hashing';
    if (/node:internal\/modules\/|node:internal\/bootstrap\/realm/.test(url) || frame.functionName === 'compileFunction') return 'module load';
    if (own === undefined && /[\\/](yargs|yargs-parser|y18n)[\\/]|[\\/]parser[\\/]yargs-platform|[\\/]bundle[\\/]cli-[A-Z0-9]+\.js$/.test(url)) own = 'argument parsing';
    else if (own === undefined && /[\\/](bundle|packages)[\\/]/.test(url)) own = null;
  }
  return own ?? null;
}

/** Samples of one profile by phase (ms), walking each sample's stack from its leaf. */
function samplesByPhase(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const cache = new Map();
  const phaseOfNode = (node) => {
    if (cache.has(node.id)) return cache.get(node.id);
    const stack = [];
    for (let n = node; n; n = parent.get(n.id)) stack.push(n.callFrame);
    const phase = phaseOf(stack);
    cache.set(node.id, phase);
    return phase;
  };
  const totals = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const node = byId.get(profile.samples[i]);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const phase = phaseOfNode(node) ?? 'other JavaScript and GC';
    totals.set(phase, (totals.get(phase) ?? 0) + Math.max(0, profile.timeDeltas[i]) / 1000);
  }
  return totals;
}

/**
 * The per-phase profile of one run: `phases` as phase-probe.mjs wrote it, and the `.cpuprofile`
 * files of `dir` (the main thread's is the largest; any others are worker threads). Rows of
 * [phase, ms, how it was measured].
 */
export async function phaseProfile(dir, phasesFile, wallSeconds) {
  const phases = JSON.parse(await readFile(phasesFile, 'utf8'));
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  const profiles = await Promise.all(files.map(async (file) => JSON.parse(await readFile(path.join(dir, file), 'utf8'))));
  profiles.sort((a, b) => b.samples.length - a.samples.length);
  const [main, ...workers] = profiles;
  const onMain = main ? samplesByPhase(main) : new Map();
  const inWorkers = new Map();
  for (const worker of workers) for (const [phase, ms] of samplesByPhase(worker)) inWorkers.set(phase, (inWorkers.get(phase) ?? 0) + ms);
  const cpu = (phase) => onMain.get(phase) ?? 0;
  const rows = [
    ['process start (Node itself, before par\'s first module runs)', phases.firstModuleAt, 'wall, from the process time origin'],
    ['module load (compiling and linking par and its dependencies)', cpu('module load'), 'CPU on the main thread'],
    ['argument parsing (yargs)', cpu('argument parsing'), 'CPU on the main thread'],
    ['network (at least one HTTP request in flight)', unionLength(phases.network), 'wall'],
    ['hashing (SHA-256) on the main thread', cpu('hashing'), 'CPU'],
  ];
  if (workers.length) rows.push([`hashing and archive checks in ${workers.length} worker thread(s)`, [...inWorkers.values()].reduce((a, b) => a + b, 0), 'CPU']);
  rows.push(
    ['fsync', unionLength(phases.fsync), 'wall'],
    ['other JavaScript and GC on the main thread', cpu('other JavaScript and GC'), 'CPU'],
    ['whole process', wallSeconds * 1000, 'wall, measured around the process'],
  );
  return rows;
}
