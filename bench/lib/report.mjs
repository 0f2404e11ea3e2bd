// Turns the measurements into bench/RESULTS.md: tables of medians, ratios, peak RSS and the targets.

export function median(values) {
  if (!values || values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const MiB = 2 ** 20;

export function sizeLabel(mebibytes) {
  return mebibytes >= 1024 && mebibytes % 1024 === 0 ? `${mebibytes / 1024} GiB` : `${mebibytes} MiB`;
}

function seconds(value) {
  if (value === null || value === undefined) return '–';
  return value < 1 ? `${(value * 1000).toFixed(0)} ms` : `${value.toFixed(2)} s`;
}

function rate(bytes, secs) {
  return secs ? `${(bytes / MiB / secs).toFixed(0)} MiB/s` : '';
}

function mib(kib) {
  return kib === null || kib === undefined ? '–' : `${(kib / 1024).toFixed(0)} MiB`;
}

/** The median figures of one tool in one case, or { unavailable }. */
export function summarize(measurement) {
  if (!measurement) return null;
  if (measurement.unavailable) return { unavailable: measurement.unavailable };
  const rss = measurement.rssKiB.filter((v) => v !== null);
  return {
    seconds: median(measurement.seconds),
    rssKiB: rss.length ? Math.max(...rss) : null,
    runs: measurement.seconds.length,
  };
}

function cell(summary, bytes) {
  if (!summary) return '–';
  if (summary.unavailable) return 'not available';
  return `${seconds(summary.seconds)}${bytes ? ` (${rate(bytes, summary.seconds)})` : ''}`;
}

function ratio(par, baseline) {
  if (!par || !baseline || par.unavailable || baseline.unavailable || !baseline.seconds) return null;
  return par.seconds / baseline.seconds;
}

function ratioCell(value) {
  return value === null ? '–' : value.toFixed(2);
}

function caseFigures(line, mebibytes, caseId) {
  const cases = line.measurements[mebibytes]?.cases?.[caseId] ?? {};
  return Object.fromEntries(Object.entries(cases).map(([tool, m]) => [tool, summarize(m)]));
}

function fixedFigures(line, caseId) {
  const cases = line.fixedCost?.cases?.[caseId] ?? {};
  return Object.fromEntries(Object.entries(cases).map(([tool, m]) => [tool, summarize(m)]));
}

/** `par --version` of a line: the fixed-cost case (start-up, for "beyond start-up" figures). */
function startupOf(line) {
  return fixedFigures(line, 'version').par ?? null;
}

function ms(value) {
  return value === null || value === undefined ? '–' : `${(value * 1000).toFixed(0)} ms`;
}

function fixedCostTable(line) {
  const floor = fixedFigures(line, 'node').node;
  const rows = [
    '| command | median | beyond `node -e 0` | ÷ `node -e 0` | skopeo | curl | par ÷ skopeo | peak RSS |',
    '|---|---|---|---|---|---|---|---|',
    `| \`node -e 0\` | ${ms(floor?.seconds)} | | | | | | ${mib(floor?.rssKiB)} |`,
  ];
  for (const [id, title] of [['version', '`par --version`'], ['inspect', '`par inspect` (file)'], ['resolve', '`par resolve` (`skopeo inspect --raw`)'], ['pull', '`par pull` (`skopeo copy`; `curl -o` the blob)']]) {
    const f = fixedFigures(line, id);
    if (!f.par) continue;
    const beyond = floor ? f.par.seconds - floor.seconds : null;
    rows.push(
      `| ${title} | ${ms(f.par.seconds)} | ${ms(beyond)} | ${floor ? ratioCell(f.par.seconds / floor.seconds) : '–'} | ${f.skopeo ? ms(f.skopeo.seconds) : ''} | ` +
        `${f.curl ? ms(f.curl.seconds) : ''} | ${f.skopeo ? ratioCell(ratio(f.par, f.skopeo)) : ''} | ${mib(f.par.rssKiB)} |`,
    );
  }
  return rows.join('\n');
}

function transferTable(line, mebibytes) {
  const size = line.measurements[mebibytes];
  const rows = [
    '| operation | par | skopeo | curl (ceiling) | par ÷ skopeo | par ÷ curl | par peak RSS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [id, title] of [['push', 'push'], ['pull', 'pull'], ['cross-copy', 'copy 5201 → 5202'], ['promote', 'promote repo a → b (same registry)']]) {
    const f = caseFigures(line, mebibytes, id);
    // A promotion mounts: no bytes move, so a rate would mean nothing.
    const bytes = id === 'promote' ? null : size.artifactSize;
    rows.push(
      `| ${title} | ${cell(f.par, bytes)} | ${cell(f.skopeo, bytes)} | ${f.curl ? cell(f.curl, bytes) : 'n/a'} ` +
        `| ${ratioCell(ratio(f.par, f.skopeo))} | ${f.curl ? ratioCell(ratio(f.par, f.curl)) : 'n/a'} | ${f.par && !f.par.unavailable ? mib(f.par.rssKiB) : '–'} |`,
    );
  }
  const repush = caseFigures(line, mebibytes, 're-push').par;
  const startup = startupOf(line);
  const beyond = repush && !repush.unavailable && startup ? repush.seconds - startup.seconds : null;
  rows.push(
    `| re-push unchanged (second push) | ${cell(repush)} | | | | | ${repush && !repush.unavailable ? mib(repush.rssKiB) : '–'} |`,
  );
  const create = caseFigures(line, mebibytes, 'create');
  rows.push(
    '',
    '| operation | par | tar + gzip -9 + sha256sum | par ÷ gzip pipeline | par peak RSS |',
    '|---|---|---|---|---|',
    `| create --compress | ${cell(create.par, size.binarySize)} | ${cell(create.gzip, size.binarySize)} | ${ratioCell(ratio(create.par, create.gzip))} | ${create.par && !create.par.unavailable ? mib(create.par.rssKiB) : '–'} |`,
  );
  if (beyond !== null) rows.push('', `Re-push beyond start-up: ${seconds(repush.seconds)} − ${seconds(startup.seconds)} (\`par --version\`) = ${seconds(beyond)}.`);
  return rows.join('\n');
}

function verdict(met) {
  return met ? '**MET**' : '**NOT MET**';
}

const notMeasured = (why) => ['–', `NOT MEASURED (${why})`];

/** Issue 12's fixed-cost targets on one line. */
function fixedCostTargets(line, node) {
  const rows = [];
  const floor = fixedFigures(line, 'node').node;
  const beyondFloor = (id, limitMs, what) => {
    const target = `${node}: ${what} at most ${limitMs} ms beyond \`node -e 0\``;
    const f = fixedFigures(line, id).par;
    if (!f || !floor) return rows.push([target, ...notMeasured(`par ${id} not measured`)]);
    const beyond = f.seconds - floor.seconds;
    rows.push([target, `${ms(f.seconds)} − ${ms(floor.seconds)} = ${ms(beyond)} (${ratioCell(f.seconds / floor.seconds)} × node)`, verdict(beyond * 1000 <= limitMs)]);
  };
  const timesFloor = (id, limit, what) => {
    const target = `${node}: ${what} at most ${limit} × \`node -e 0\``;
    const f = fixedFigures(line, id).par;
    if (!f || !floor) return rows.push([target, ...notMeasured(`par ${id} not measured`)]);
    const r = f.seconds / floor.seconds;
    rows.push([target, `${ms(f.seconds)} ÷ ${ms(floor.seconds)} = ${ratioCell(r)} (${ms(f.seconds - floor.seconds)} beyond)`, verdict(r <= limit)]);
  };
  beyondFloor('resolve', 40, '`par resolve` (1.2 MB artifact, loopback)');
  beyondFloor('pull', 60, '`par pull` of a 1.2 MB archive');
  timesFloor('inspect', 2.0, '`par inspect` of a 1.2 MB archive');
  timesFloor('version', 1.2, '`par --version`');
  return rows;
}

/** Issue 12's transfer targets on one line, for the sizes it measured (all sizes on the primary line). */
function transferTargets(line, node, primary) {
  const rows = [];
  const measured = new Set(line.sizes);
  const ratioRow = (target, size, id, bounds) => {
    if (!measured.has(size)) {
      if (primary) rows.push([target, ...notMeasured(`${sizeLabel(size)} not in BENCH_SIZES`)]);
      return;
    }
    const f = caseFigures(line, size, id);
    if (!f.par || f.par.unavailable) return rows.push([target, ...notMeasured(`par ${id} not available`)]);
    const parts = [];
    let met = true;
    for (const [tool, limit] of Object.entries(bounds)) {
      const r = ratio(f.par, f[tool]);
      parts.push(`${tool} ${seconds(f[tool]?.seconds)} (${ratioCell(r)})`);
      met &&= r !== null && r <= limit;
    }
    rows.push([target, `par ${seconds(f.par.seconds)}, ${parts.join(', ')}`, verdict(met)]);
  };
  for (const [id, title] of [['push', 'push'], ['pull', 'pull'], ['cross-copy', 'cross-registry copy']]) {
    ratioRow(`${node}: ${title} 16 MiB: par ÷ skopeo ≤ 1.5`, 16, id, { skopeo: 1.5 });
  }
  ratioRow(`${node}: same-registry promotion by mount, 16 MiB: par ÷ skopeo ≤ 2.0`, 16, 'promote', { skopeo: 2.0 });
  for (const size of [256, 1024]) {
    for (const [id, title] of [['push', 'push'], ['cross-copy', 'cross-registry copy']]) {
      ratioRow(`${node}: ${title} ${sizeLabel(size)}: par ÷ skopeo ≤ 1.0 and par ÷ curl ≤ 1.1`, size, id, { skopeo: 1.0, curl: 1.1 });
    }
    ratioRow(`${node}: verified pull ${sizeLabel(size)}: par ÷ skopeo ≤ 0.8 and par ÷ curl GET ≤ 1.5`, size, 'pull', { skopeo: 0.8, curl: 1.5 });
  }
  {
    const target = `${node}: peak RSS of every par operation at 1 GiB ≤ 150 MiB`;
    if (measured.has(1024)) {
      const peak = peakParRss(line, 1024);
      if (!peak) rows.push([target, ...notMeasured('no par operation measured')]);
      else rows.push([target, `highest ${mib(peak.kib)} (${peak.caseId})`, verdict(peak.kib <= 150 * 1024)]);
    } else if (primary) {
      const largest = line.sizes.length ? Math.max(...line.sizes) : null;
      const peak = largest === null ? null : peakParRss(line, largest);
      rows.push([target, peak ? `${mib(peak.kib)} at ${sizeLabel(largest)} (${peak.caseId})` : '–', 'NOT MEASURED (1 GiB not in BENCH_SIZES)']);
    }
  }
  // No regression on create and re-push (issue 5's bounds).
  const startup = startupOf(line);
  for (const size of line.sizes) {
    const create = caseFigures(line, size, 'create');
    if (create.par && !create.par.unavailable) {
      const r = ratio(create.par, create.gzip);
      rows.push([`${node}: no regression: create --compress ${sizeLabel(size)} ≤ 1.2 × (tar + gzip -9 + sha256sum)`, `par ${seconds(create.par.seconds)}, gzip pipeline ${seconds(create.gzip?.seconds)} (${ratioCell(r)}×)`, verdict(r !== null && r <= 1.2)]);
    }
    const repush = caseFigures(line, size, 're-push').par;
    if (repush && !repush.unavailable && startup) {
      const beyond = repush.seconds - startup.seconds;
      rows.push([`${node}: no regression: re-push unchanged ${sizeLabel(size)} < 0.5 s beyond start-up`, `${seconds(repush.seconds)} − start-up ${seconds(startup.seconds)} = ${seconds(beyond)}`, verdict(beyond < 0.5)]);
    }
  }
  return rows;
}

/** One row per target of issue 12 (and issue 5's no-regression bounds), per Node line: [target, measured, result]. */
export function evaluateTargets(results) {
  const rows = [];
  for (const [index, line] of results.lines.entries()) {
    const node = `Node ${line.node}`;
    if (line.fixedCost) rows.push(...fixedCostTargets(line, node));
    rows.push(...transferTargets(line, node, index === 0));
  }
  return rows;
}

function peakParRss(line, size) {
  let best = null;
  for (const [caseId, tools] of Object.entries(line.measurements[size]?.cases ?? {})) {
    const par = summarize(tools.par);
    if (par && !par.unavailable && par.rssKiB !== null && (!best || par.rssKiB > best.kib)) best = { kib: par.rssKiB, caseId };
  }
  return best;
}

function runsRow(label, caseId, tool, m) {
  return `| ${label} | ${caseId} | ${tool} | ${m.seconds.map((s) => s.toFixed(3)).join(', ')} | ${m.rssKiB.map((k) => (k === null ? '–' : (k / 1024).toFixed(0))).join(', ')} |`;
}

function rawRuns(line) {
  const lines = ['| size | operation | tool | runs (s) | peak RSS (MiB) |', '|---|---|---|---|---|'];
  for (const [caseId, tools] of Object.entries(line.fixedCost?.cases ?? {})) {
    for (const [tool, m] of Object.entries(tools)) lines.push(runsRow('1.2 MB', caseId, tool, m));
  }
  for (const size of line.sizes) {
    for (const [caseId, tools] of Object.entries(line.measurements[size].cases)) {
      for (const [tool, m] of Object.entries(tools)) {
        if (!m.unavailable) lines.push(runsRow(sizeLabel(size), caseId, tool, m));
      }
    }
  }
  return lines.join('\n');
}

function profileSection(profile, node) {
  return [
    `### Per-phase profile: ${profile.title} at ${sizeLabel(profile.size)} (Node ${node})`,
    '',
    `The par case furthest from its baseline, run once more under \`node --cpu-prof\` with a probe preloaded (bench/lib/phase-probe.mjs:` +
      ` undici's diagnostics channels for requests in flight, timed fsync calls) — ${seconds(profile.seconds)} wall` +
      `${profile.cpuSeconds === null ? '' : `, ${seconds(profile.cpuSeconds)} CPU user + sys over all threads`}; the profiler slows the` +
      ' run somewhat. Wall phases overlap CPU phases (hashing runs while the download is in flight).',
    '',
    '| phase | ms | measured as |',
    '|---|---|---|',
    ...profile.phases.map(([phase, value, how]) => `| ${phase} | ${value.toFixed(0)} | ${how} |`),
    '',
    `Top self time on the main thread (${profile.totalMs.toFixed(0)} ms sampled); \`(idle)\` is the main thread waiting: for sockets and files, or for` +
      ' work on the libuv thread pool (zlib, fsync) or in worker threads:',
    '',
    '| self ms | % | function |',
    '|---|---|---|',
    ...profile.top.map((t) => `| ${t.ms.toFixed(0)} | ${t.percent.toFixed(1)} | \`${t.fn}\` |`),
    '',
  ].join('\n');
}

export function renderResults(results) {
  const m = results.machine;
  const out = [
    '# par benchmark results',
    '',
    `Generated by \`pnpm bench\` (scripts/bench.mjs) on ${results.date}. Node lines: ${results.lines.map((l) => `${l.node} (fixed costs; ${l.sizes.map(sizeLabel).join(', ') || 'no sizes'})`).join('; ')}; ` +
      `${results.runs} run(s) per figure, ${results.startupRuns} per fixed-cost figure.`,
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores; memory ${m.memory}; ${m.kernel}`,
    `- Disk: ${m.disk}`,
    `- Load average (1/5/15 min) at the start: ${m.loadAtStart}; at the end: ${m.loadAtEnd ?? '–'} (above the core count means` +
      ' other work shared the CPUs and the figures are noisier)',
    `- Node ${(m.nodes ?? [m.node]).join(' and ')}; par ${m.par} (commit ${m.commit})`,
    `- ${m.skopeo}; ${m.registry}; ${m.curl}; ${m.gzip}`,
    '',
    '## Method',
    '',
    `- Every figure is the **median of ${results.runs} runs** (${results.startupRuns} for the fixed costs; wall time measured around the process; peak RSS from` +
      ' `/usr/bin/time -f %M`, the largest of the runs). Lower is better; a ratio below 1 means par was faster.',
    '- par runs as `<node> packages/cli/bundle/par.js` (what bin/par runs), on the Node that runs the benchmark and on the newest' +
      ' Node line, which the benchmark installs with `npm install --prefix <cache> node@<line>`; `node -e 0` on the same Node is the floor of a Node CLI.',
    '- Fixed costs: a 1.2 MB random binary made into a par; `node -e 0`, `par --version`, `par inspect` of the file, `par resolve` of its' +
      ' tag against `skopeo inspect --raw`, `par pull` against `skopeo copy` to an OCI layout and `curl -o` of the blob, all in turn, round after round, from one registry.',
    '- Two plain-HTTP `docker-registry serve` (distribution) instances on 127.0.0.1:5201 and :5202, log level error, access log off,' +
      ' filesystem storage in a temporary directory. **Before every transfer run both registries restart on fresh storage** (the source' +
      ' artifact is restored by hard links for pull/copy/promote), and destinations are new repositories and empty files/directories,' +
      ' so no client finds a blob it pushed before (skopeo keeps a blob-info cache across runs; the fresh storage makes its old' +
      ' locations useless).',
    `- Data: random (incompressible) bytes. The transferred artifact is ${results.artifactNote}, a single-layer par artifact with` +
      ' the wash manifest (wasmCloud media types); skopeo pushes it from an OCI image layout with the same manifest.',
    '- push: `par push` vs `skopeo copy oci:… docker://…` vs curl monolithic upload (POST, then one streaming PUT `?digest=`:' +
      ' the blob only, the transport ceiling). pull: `par pull` (blob digest and archive verified, fsynced) vs `skopeo copy docker://… oci:…` vs `curl -o` GET of the blob.' +
      ' copy 5201 → 5202: `par copy` vs `skopeo copy docker:// docker://` vs curl GET piped into a curl PUT. promote: `par copy`' +
      ' vs `skopeo copy` between two repositories of one registry (both can mount). re-push: `par push` twice to the same tag, the' +
      ' second one timed. create: `par create --compress` vs `bash -c "sha256sum bin && tar cf - bin | gzip -9 > out.tgz"`.',
    '- The inputs are in the page cache (the same for every client) and `sync` runs before each timed command, so no run pays for' +
      ' the writeback of an earlier one; times include each client\'s own start-up.',
    '',
  ];
  for (const line of results.lines) {
    out.push(`## Results on Node ${line.node}`, '');
    if (line.fixedCost) out.push(`### Fixed cost (1.2 MB binary, archive ${(line.fixedCost.artifactSize / 1e6).toFixed(2)} MB)`, '', fixedCostTable(line), '');
    for (const size of line.sizes) {
      const s = line.measurements[size];
      out.push(`### ${sizeLabel(size)} (artifact ${(s.artifactSize / MiB).toFixed(1)} MiB)`, '', transferTable(line, size), '');
    }
  }
  out.push('## Targets (issue 12; create and re-push: no regression against issue 5)', '', '| target | measured | result |', '|---|---|---|');
  for (const [target, measuredText, result] of evaluateTargets(results)) out.push(`| ${target} | ${measuredText} | ${result} |`);
  out.push('');
  for (const line of results.lines) for (const profile of line.profiles ?? []) out.push(profileSection(profile, line.node));
  out.push('## All runs', '');
  for (const line of results.lines) out.push(`### Node ${line.node}`, '', rawRuns(line), '');
  return out.join('\n');
}
