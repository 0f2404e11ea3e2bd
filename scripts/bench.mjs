#!/usr/bin/env node
// `pnpm bench`: par against skopeo, curl, gzip and `node -e 0` on loopback registries, with peak memory
// (issues 5 and 12), on this Node and on the newest Node line (installed with npm into a cache directory).
// Writes bench/RESULTS.md. Environment: BENCH_SIZES (MiB, default 16,256,1024), BENCH_RUNS (default 3),
// BENCH_STARTUP_RUNS (runs of each fixed-cost case, default 10), BENCH_NEW_NODE (newest Node line, default 26;
// off to skip), BENCH_NEW_NODE_SIZES (its sizes, default 16), BENCH_PROFILE (default 1 = per-phase profile of
// the par case furthest from its baseline; 0 = none; or case ids, comma-separated), BENCH_RESULTS (output
// file, default bench/RESULTS.md), BENCH_PAR (par script or executable). See bench/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeArtifact, writeOciLayout, writeRandomFile } from '../bench/lib/artifact.mjs';
import { CASES, parCreateArgs, SOURCE_REPO, TAG, TOOL_LABELS } from '../bench/lib/cases.mjs';
import { CommandError, hasGnuTime, killActiveCommands, runCommand } from '../bench/lib/exec.mjs';
import { describeMachine, loadAverage } from '../bench/lib/machine.mjs';
import { FIXED_COST_CASES, prepareSmallArtifact } from '../bench/lib/fixed-cost.mjs';
import { nodeLines } from '../bench/lib/node-lines.mjs';
import { phaseProfile, summarizeProfiles } from '../bench/lib/profile.mjs';
import { BenchRegistries } from '../bench/lib/registries.mjs';
import { evaluateTargets, median, renderResults, sizeLabel } from '../bench/lib/report.mjs';
import { uploadArtifact } from '../bench/lib/upload.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_PAR: another par executable to measure (e.g. an older build); default the checkout's bin/par.
const parBin = process.env.BENCH_PAR ? path.resolve(process.env.BENCH_PAR) : path.join(repoRoot, 'bin', 'par');

function intList(text, name) {
  const values = text.split(',').map((v) => v.trim()).filter(Boolean).map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive integers, got "${text}"`);
  }
  return values;
}

const config = {
  sizes: [...new Set(intList(process.env.BENCH_SIZES ?? '16,256,1024', 'BENCH_SIZES'))].sort((a, b) => a - b),
  runs: intList(process.env.BENCH_RUNS ?? '3', 'BENCH_RUNS')[0],
  startupRuns: intList(process.env.BENCH_STARTUP_RUNS ?? '10', 'BENCH_STARTUP_RUNS')[0],
  newestNode: process.env.BENCH_NEW_NODE ?? '26',
  newestSizes: process.env.BENCH_NEW_NODE_SIZES === '' ? [] : intList(process.env.BENCH_NEW_NODE_SIZES ?? '16', 'BENCH_NEW_NODE_SIZES'),
  profile: (process.env.BENCH_PROFILE ?? '1') !== '0' ? (process.env.BENCH_PROFILE ?? '1').split(',').map((v) => v.trim()).filter(Boolean) : null,
  output: path.resolve(repoRoot, process.env.BENCH_RESULTS ?? path.join('bench', 'RESULTS.md')),
};

/** Each command's time limit grows with the data: 60 s plus 0.6 s per MiB. */
const timeoutFor = (mebibytes) => 60_000 + Math.ceil(mebibytes * 600);

function log(message) {
  process.stdout.write(`${message}\n`);
}

function requireTools() {
  const missing = ['docker-registry', 'skopeo', 'curl', 'gzip', 'tar', 'sha256sum', 'bash'].filter((tool) => {
    try {
      execFileSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) throw new Error(`missing tools: ${missing.join(', ')} (run scripts/setup.sh; gzip/tar/sha256sum come with Debian)`);
  if (!hasGnuTime()) {
    log('bench: /usr/bin/time is missing, so peak RSS is not measured. Install it with: apt-get install -y time');
  }
}

/** The JavaScript file bin/par runs (or BENCH_PAR itself when it is a script), so any Node can run it. */
function parScript() {
  if (!process.env.BENCH_PAR) return path.join(repoRoot, 'packages', 'cli', 'bundle', 'par.js');
  if (/\.[cm]?js$/.test(parBin)) return parBin;
  return null;
}

/** The argv prefix that runs par on `nodeBin`; null when BENCH_PAR is an executable (it picks its own Node). */
function parOn(nodeBin) {
  const script = parScript();
  if (script) return [nodeBin, script];
  return nodeBin === process.execPath ? [parBin] : null;
}

/** Which par commands exist yet (the CLI is being built while this harness is). */
async function detectPar() {
  const available = { version: null, commands: new Set() };
  if (!process.env.BENCH_PAR && !existsSync(path.join(repoRoot, 'packages', 'cli', 'bundle', 'par.js'))) {
    log('bench: par is not built (run scripts/setup.sh); par rows will say "not available"');
    return available;
  }
  try {
    const { stdout } = await runCommand([parBin, '--help'], { timeoutMs: 30_000, measureRss: false });
    for (const match of stdout.matchAll(/^\s+par (\w+)/gm)) available.commands.add(match[1]);
  } catch {
    // no help: no commands
  }
  try {
    const { stdout } = await runCommand([parBin, '--version'], { timeoutMs: 30_000, measureRss: false });
    const version = stdout.trim().match(/\d+\.\d+\.\d+\S*/);
    if (version) available.version = version[0];
  } catch {
    // no --version yet
  }
  return available;
}

/**
 * The fixed-cost cases on one Node: every case's clients in turn, BENCH_STARTUP_RUNS rounds, from one
 * fresh registry holding the small archive (nothing these commands do changes it).
 */
async function measureFixedCost(ctx, par) {
  const results = {};
  const cases = FIXED_COST_CASES.filter((c) => !c.tools.par || c.id === 'version' || par.commands.has(c.id));
  for (const c of cases) results[c.id] = Object.fromEntries(Object.keys(c.tools).map((tool) => [tool, { seconds: [], rssKiB: [] }]));
  await ctx.registries.reset(ctx.sourceTemplate);
  // One untimed round warms the page cache (Node, the bundle, skopeo) for every client alike.
  for (const c of cases) for (const spec of Object.values(c.tools)) await runCommand((await spec.prepare(ctx)).argv, { timeoutMs: 60_000, measureRss: false });
  for (let run = 1; run <= config.startupRuns; run += 1) {
    for (const c of cases) {
      for (const [tool, spec] of Object.entries(c.tools)) {
        const { argv, check } = await spec.prepare(ctx);
        await runCommand(['sync'], { timeoutMs: 60_000, measureRss: false });
        const result = await runCommand(argv, { timeoutMs: 60_000, label: `${c.id} (${TOOL_LABELS[tool] ?? tool}): ${argv.join(' ')}` });
        await check();
        results[c.id][tool].seconds.push(result.seconds);
        results[c.id][tool].rssKiB.push(result.maxRssKiB);
      }
    }
    log(`[fixed cost] round ${run}/${config.startupRuns}: ` + cases.map((c) => `${c.id} ${(results[c.id][Object.keys(c.tools)[0]].seconds.at(-1) * 1000).toFixed(0)} ms`).join(', '));
  }
  return results;
}

/** Random binary, the par made of it, its OCI layout and a registry template holding it. */
async function prepareSize(ctx, par, workDir) {
  const sizeDir = path.join(workDir, `size-${ctx.mebibytes}`);
  await mkdir(sizeDir, { recursive: true });
  ctx.outDir = path.join(sizeDir, 'out');
  await mkdir(ctx.outDir);
  ctx.binaryFile = path.join(sizeDir, 'provider.bin');
  log(`[${sizeLabel(ctx.mebibytes)}] writing random data`);
  await writeRandomFile(ctx.binaryFile, ctx.mebibytes);
  ctx.binarySize = (await stat(ctx.binaryFile)).size;
  let layerFile = ctx.binaryFile;
  if (par.commands.has('create')) {
    layerFile = path.join(sizeDir, 'provider.par.gz');
    log(`[${sizeLabel(ctx.mebibytes)}] building the artifact with par create --compress`);
    await runCommand([...ctx.par, ...parCreateArgs(ctx.binaryFile, layerFile)], { timeoutMs: ctx.timeoutMs, measureRss: false });
  }
  ctx.artifact = await describeArtifact(layerFile);
  ctx.layoutDir = path.join(sizeDir, 'layout');
  await writeOciLayout(ctx.layoutDir, ctx.artifact, TAG);
  ctx.sourceTemplate = path.join(sizeDir, 'source-template');
  await ctx.registries.reset();
  await uploadArtifact(ctx.registries.source.url, SOURCE_REPO, TAG, ctx.artifact, ctx.timeoutMs);
  await ctx.registries.snapshotSource(ctx.sourceTemplate);
  return sizeDir;
}

async function measureCase(ctx, benchCase, par) {
  const results = {};
  for (const [tool, spec] of Object.entries(benchCase.tools)) {
    results[tool] = spec.needs && !par.commands.has(spec.needs) ? { unavailable: `par ${spec.needs} not available` } : { seconds: [], rssKiB: [] };
  }
  // Runs interleave the clients so slow drift of the machine affects them alike.
  for (let run = 1; run <= config.runs; run += 1) {
    for (const [tool, spec] of Object.entries(benchCase.tools)) {
      if (results[tool].unavailable) continue;
      const { argv, check } = await spec.prepare(ctx, run);
      // Flush what earlier runs wrote: background writeback of their files would slow this run.
      await runCommand(['sync'], { timeoutMs: ctx.timeoutMs, measureRss: false });
      const result = await runCommand(argv, { timeoutMs: ctx.timeoutMs, label: `${benchCase.id} (${TOOL_LABELS[tool]}): ${argv.join(' ')}` });
      await check();
      results[tool].seconds.push(result.seconds);
      results[tool].rssKiB.push(result.maxRssKiB);
      const rss = result.maxRssKiB === null ? '' : `, peak RSS ${(result.maxRssKiB / 1024).toFixed(0)} MiB`;
      log(`[${ctx.label}${sizeLabel(ctx.mebibytes)}] ${benchCase.id} ${tool} run ${run}/${config.runs}: ${result.seconds.toFixed(3)} s${rss}`);
    }
  }
  return results;
}

/**
 * The cases to profile: for `1`, the par transfer case furthest from its baseline (largest
 * par ÷ skopeo) at the largest size; else the ids given, at the largest size.
 */
function pickProfileCases(line) {
  if (line.sizes.length === 0) return [];
  const size = Math.max(...line.sizes);
  const cases = line.measurements[size].cases;
  const wanted = config.profile.filter((id) => id !== '1');
  if (config.profile.includes('1')) {
    let worst = null;
    for (const [caseId, tools] of Object.entries(cases)) {
      if (!tools.par || tools.par.unavailable || !tools.skopeo || tools.skopeo.unavailable) continue;
      const ratio = median(tools.par.seconds) / median(tools.skopeo.seconds);
      if (!worst || ratio > worst.ratio) worst = { caseId, ratio };
    }
    if (worst && !wanted.includes(worst.caseId)) wanted.unshift(worst.caseId);
  }
  return wanted.filter((caseId) => cases[caseId]?.par && !cases[caseId].par.unavailable).map((caseId) => ({ size, caseId }));
}

/**
 * Runs one par case once more under `node --cpu-prof` with the phase probe preloaded: the top
 * self-time functions and the per-phase profile (process start, module load, argument parsing,
 * network, hashing, fsync).
 */
async function profileCase(pick, ctx, nodeBin) {
  const benchCase = CASES.find((c) => c.id === pick.caseId);
  const script = parScript();
  if (!script) throw new Error('BENCH_PROFILE needs BENCH_PAR to be a .js/.mjs script (node runs it with --cpu-prof); BENCH_PROFILE=0 skips it');
  const dir = path.join(repoRoot, 'bench', 'profiles', `${pick.caseId}-${pick.size}m-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(dir, { recursive: true });
  log(`bench: profiling par ${pick.caseId} at ${sizeLabel(pick.size)} (node --cpu-prof, phase probe)`);
  const { argv, check } = await benchCase.tools.par.prepare(ctx, 'profile');
  await runCommand(['sync'], { timeoutMs: ctx.timeoutMs, measureRss: false });
  const phasesFile = path.join(dir, 'phases.json');
  // Node 20 refuses --cpu-prof in NODE_OPTIONS, so run the CLI's script under node directly.
  const probe = path.join(repoRoot, 'bench', 'lib', 'phase-probe.mjs');
  const profiled = [nodeBin, '--cpu-prof', '--cpu-prof-dir', dir, '--import', probe, script, ...argv.slice(ctx.par.length)];
  const result = await runCommand(profiled, { timeoutMs: ctx.timeoutMs, env: { ...process.env, PAR_BENCH_PHASES: phasesFile } });
  await check();
  const summary = await summarizeProfiles(dir, 15);
  const phases = await phaseProfile(dir, phasesFile, result.seconds);
  const cpu = result.cpuSeconds === null ? '' : `, ${result.cpuSeconds.toFixed(2)} s CPU (user + sys, all threads)`;
  log(`bench: ${result.seconds.toFixed(2)} s wall${cpu}; profiles in ${path.relative(repoRoot, dir)}; phases:`);
  for (const [phase, ms, how] of phases) log(`  ${ms.toFixed(0).padStart(7)} ms  ${phase} (${how})`);
  log('top self time:');
  for (const t of summary.top) log(`  ${t.ms.toFixed(0).padStart(7)} ms ${t.percent.toFixed(1).padStart(5)} %  ${t.fn}`);
  return { title: `par ${pick.caseId}`, size: pick.size, seconds: result.seconds, cpuSeconds: result.cpuSeconds, phases, ...summary };
}

/** Everything measured on one Node line: fixed costs, then every size of the line. */
async function measureLine(line, par, registries, workDir, entry, save) {
  const parArgv = parOn(line.nodeBin);
  if (!parArgv) {
    log(`bench: ${line.version}: BENCH_PAR is an executable, so it cannot be run on this Node; skipped`);
    return;
  }
  const label = line.id === 'primary' ? '' : `${line.version} `;
  const small = { registries, par: parArgv, node: line.nodeBin, label };
  log(`[${label}fixed cost] 1.2 MB archive, ${config.startupRuns} rounds`);
  const smallDir = await prepareSmallArtifact(small, workDir, parArgv);
  entry.fixedCost = { artifactSize: small.artifact.layerSize, cases: await measureFixedCost(small, par) };
  await rm(smallDir, { recursive: true, force: true });
  await save();
  const ctxBySize = new Map();
  for (const mebibytes of line.sizes) {
    const ctx = { mebibytes, registries, par: parArgv, label, timeoutMs: timeoutFor(mebibytes) };
    ctxBySize.set(mebibytes, ctx);
    const sizeDir = await prepareSize(ctx, par, workDir);
    const measured = { binarySize: ctx.binarySize, artifactSize: ctx.artifact.layerSize, cases: {} };
    entry.measurements[mebibytes] = measured;
    for (const benchCase of CASES) measured.cases[benchCase.id] = await measureCase(ctx, benchCase, par);
    entry.sizes.push(mebibytes);
    await save();
    // Keep only the largest size's files (for the profile run); the disk holds a few GiB at most.
    if (config.profile && mebibytes === Math.max(...line.sizes)) continue;
    await rm(sizeDir, { recursive: true, force: true });
  }
  if (config.profile) {
    for (const pick of pickProfileCases(entry)) entry.profiles.push(await profileCase(pick, ctxBySize.get(pick.size), line.nodeBin));
  }
  for (const ctx of ctxBySize.values()) await rm(path.dirname(ctx.outDir), { recursive: true, force: true });
}

async function main() {
  const unknown = (config.profile ?? []).filter((id) => id !== '1' && !CASES.some((c) => c.id === id));
  if (unknown.length) {
    throw new Error(`BENCH_PROFILE=${unknown.join(',')}: use 1, 0 or case ids (${CASES.map((c) => c.id).join(', ')})`);
  }
  requireTools();
  const par = await detectPar();
  log(`bench: par ${par.version ?? '(no version)'}; commands: ${[...par.commands].join(', ') || 'none yet'}`);
  const lines = await nodeLines({ newestLine: config.newestNode, sizes: config.sizes, newestSizes: config.newestSizes, log });
  for (const line of lines) log(`bench: Node ${line.version}: fixed costs, then ${line.sizes.map(sizeLabel).join(', ') || 'no sizes'}; ${config.runs} run(s) each`);

  const workDir = await mkdtemp(path.join(os.tmpdir(), 'par-bench-'));
  const registries = new BenchRegistries(workDir);
  let cleaned = false;
  const cleanupNow = () => {
    if (cleaned) return;
    cleaned = true;
    killActiveCommands();
    registries.killNow();
    rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal) => {
    log(`\nbench: ${signal}: stopping the registries and removing the temporary files`);
    cleanupNow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', cleanupNow);

  try {
    await registries.start();
    const results = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      machine: describeMachine(workDir, par.version, repoRoot),
      sizes: config.sizes,
      runs: config.runs,
      startupRuns: config.startupRuns,
      artifactNote: par.commands.has('create')
        ? 'the `.par.gz` that `par create --compress` makes of the random binary'
        : 'the random binary itself (par create was not available)',
      lines: [],
    };
    results.machine.nodes = lines.map((line) => line.version);
    // Results are written after every step, so an interrupted run leaves what it measured.
    const save = async () => {
      results.machine.loadAtEnd = loadAverage();
      await writeFile(config.output, renderResults(results));
    };
    // This Node's line is reported first; the newest line (fixed costs and 16 MiB) is measured first,
    // so a long run cut short loses the largest size of this line rather than a whole line.
    for (const line of lines) results.lines.push({ node: line.version, id: line.id, sizes: [], fixedCost: null, measurements: {}, profiles: [] });
    for (const index of [...lines.keys()].reverse()) await measureLine(lines[index], par, registries, workDir, results.lines[index], save);
    await save();
    log(`\nbench: wrote ${path.relative(repoRoot, config.output)}\n\nTargets:`);
    for (const [target, measured, result] of evaluateTargets(results)) log(`  ${result.replace(/\*/g, '')}  ${target}: ${measured}`);
  } finally {
    await registries.stop().catch(() => {});
    cleanupNow();
  }
}

main().catch((error) => {
  const message = error instanceof CommandError || !process.env.BENCH_DEBUG ? error?.message ?? String(error) : error.stack;
  process.stderr.write(`bench: FAILED: ${message}\n`);
  process.exitCode = 1;
});
