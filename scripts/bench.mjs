#!/usr/bin/env node
// `pnpm bench`: par against skopeo, curl and gzip on loopback registries, with peak memory (issue 5).
// Writes bench/RESULTS.md. Environment: BENCH_SIZES (MiB, default 16,256,1024), BENCH_RUNS (default 3),
// BENCH_STARTUP_RUNS (default 10), BENCH_PROFILE (1 = profile the slowest par case; or case ids, comma-separated),
// BENCH_RESULTS (output file, default bench/RESULTS.md), BENCH_PAR (par executable). See bench/README.md.
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
import { summarizeProfiles } from '../bench/lib/profile.mjs';
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
  profile:
    process.env.BENCH_PROFILE && process.env.BENCH_PROFILE !== '0'
      ? process.env.BENCH_PROFILE.split(',').map((v) => v.trim()).filter(Boolean)
      : null,
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

/** The JavaScript file bin/par runs (or BENCH_PAR itself when it is a script). */
function parScript() {
  if (!process.env.BENCH_PAR) return path.join(repoRoot, 'packages', 'cli', 'bundle', 'par.js');
  if (/\.[cm]?js$/.test(parBin)) return parBin;
  throw new Error('BENCH_PROFILE needs BENCH_PAR to be a .js/.mjs script (node runs it with --cpu-prof)');
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

async function measureStartup(par) {
  if (!par.version) return { unavailable: 'par --version not available' };
  const seconds = [];
  const rssKiB = [];
  await runCommand([parBin, '--version'], { timeoutMs: 30_000 }); // warm the page cache once
  for (let i = 0; i < config.startupRuns; i += 1) {
    const result = await runCommand([parBin, '--version'], { timeoutMs: 30_000 });
    seconds.push(result.seconds);
    rssKiB.push(result.maxRssKiB);
  }
  log(`par --version: median ${(median(seconds) * 1000).toFixed(0)} ms over ${config.startupRuns} runs`);
  return { seconds, rssKiB };
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
    await runCommand([parBin, ...parCreateArgs(ctx.binaryFile, layerFile)], { timeoutMs: ctx.timeoutMs, measureRss: false });
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
      log(`[${sizeLabel(ctx.mebibytes)}] ${benchCase.id} ${tool} run ${run}/${config.runs}: ${result.seconds.toFixed(3)} s${rss}`);
    }
  }
  return results;
}

/** The cases to profile at the largest size: the slowest par case for `1`, else the ids given. */
function pickProfileCases(results) {
  const size = Math.max(...results.sizes);
  const cases = results.measurements[size].cases;
  const wanted = config.profile.filter((id) => id !== '1');
  if (config.profile.includes('1')) {
    let slowest = null;
    for (const [caseId, tools] of Object.entries(cases)) {
      if (!tools.par || tools.par.unavailable) continue;
      const m = median(tools.par.seconds);
      if (!slowest || m > slowest.seconds) slowest = { caseId, seconds: m };
    }
    if (slowest && !wanted.includes(slowest.caseId)) wanted.unshift(slowest.caseId);
  }
  return wanted.filter((caseId) => cases[caseId]?.par && !cases[caseId].par.unavailable).map((caseId) => ({ size, caseId }));
}

async function profileCase(pick, ctxBySize) {
  const benchCase = CASES.find((c) => c.id === pick.caseId);
  const ctx = ctxBySize.get(pick.size);
  const dir = path.join(repoRoot, 'bench', 'profiles', `${pick.caseId}-${pick.size}m-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(dir, { recursive: true });
  log(`bench: profiling par ${pick.caseId} at ${sizeLabel(pick.size)} (node --cpu-prof)`);
  const { argv, check } = await benchCase.tools.par.prepare(ctx, 'profile');
  await runCommand(['sync'], { timeoutMs: ctx.timeoutMs, measureRss: false });
  // Node 20 refuses --cpu-prof in NODE_OPTIONS, so run the CLI's script under node directly.
  const profiled = [process.execPath, '--cpu-prof', '--cpu-prof-dir', dir, parScript(), ...argv.slice(ctx.par.length)];
  const result = await runCommand(profiled, { timeoutMs: ctx.timeoutMs });
  await check();
  const summary = await summarizeProfiles(dir, 15);
  const cpu = result.cpuSeconds === null ? '' : `, ${result.cpuSeconds.toFixed(2)} s CPU (user + sys, all threads)`;
  log(`bench: ${result.seconds.toFixed(2)} s wall${cpu}; main-thread profile in ${path.relative(repoRoot, dir)}; top self time:`);
  for (const t of summary.top) log(`  ${t.ms.toFixed(0).padStart(7)} ms ${t.percent.toFixed(1).padStart(5)} %  ${t.fn}`);
  return { title: `par ${pick.caseId}`, size: pick.size, seconds: result.seconds, cpuSeconds: result.cpuSeconds, ...summary };
}

async function main() {
  const unknown = (config.profile ?? []).filter((id) => id !== '1' && !CASES.some((c) => c.id === id));
  if (unknown.length) {
    throw new Error(`BENCH_PROFILE=${unknown.join(',')}: use 1 or case ids (${CASES.map((c) => c.id).join(', ')})`);
  }
  requireTools();
  const par = await detectPar();
  log(`bench: par ${par.version ?? '(no version)'}; commands: ${[...par.commands].join(', ') || 'none yet'}`);
  log(`bench: sizes ${config.sizes.map(sizeLabel).join(', ')}; ${config.runs} run(s) each`);

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
      startup: await measureStartup(par),
      measurements: {},
      profiles: [],
    };
    const ctxBySize = new Map();
    for (const mebibytes of config.sizes) {
      const ctx = { mebibytes, registries, par: [parBin], timeoutMs: timeoutFor(mebibytes) };
      ctxBySize.set(mebibytes, ctx);
      const sizeDir = await prepareSize(ctx, par, workDir);
      const entry = { binarySize: ctx.binarySize, artifactSize: ctx.artifact.layerSize, cases: {} };
      results.measurements[mebibytes] = entry;
      for (const benchCase of CASES) entry.cases[benchCase.id] = await measureCase(ctx, benchCase, par);
      // Keep only the largest size's files (for the profile run); the disk holds a few GiB at most.
      if (config.profile && mebibytes === Math.max(...config.sizes)) continue;
      await rm(sizeDir, { recursive: true, force: true });
    }
    if (config.profile) {
      const picks = pickProfileCases(results);
      if (picks.length === 0) log('bench: BENCH_PROFILE: no par case was measured, nothing to profile');
      for (const pick of picks) results.profiles.push(await profileCase(pick, ctxBySize));
    }
    results.machine.loadAtEnd = loadAverage();

    await writeFile(config.output, renderResults(results));
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
