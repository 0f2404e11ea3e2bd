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
