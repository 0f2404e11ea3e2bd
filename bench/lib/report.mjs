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

function caseFigures(results, mebibytes, caseId) {
  const cases = results.measurements[mebibytes]?.cases?.[caseId] ?? {};
  return Object.fromEntries(Object.entries(cases).map(([tool, m]) => [tool, summarize(m)]));
}

function transferTable(results, mebibytes) {
  const size = results.measurements[mebibytes];
  const rows = [
    '| operation | par | skopeo | curl (ceiling) | par ÷ skopeo | par ÷ curl | par peak RSS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [id, title] of [['push', 'push'], ['pull', 'pull'], ['cross-copy', 'copy 5201 → 5202'], ['promote', 'promote repo a → b (same registry)']]) {
    const f = caseFigures(results, mebibytes, id);
    // A promotion mounts: no bytes move, so a rate would mean nothing.
    const bytes = id === 'promote' ? null : size.artifactSize;
    rows.push(
      `| ${title} | ${cell(f.par, bytes)} | ${cell(f.skopeo, bytes)} | ${f.curl ? cell(f.curl, bytes) : 'n/a'} ` +
        `| ${ratioCell(ratio(f.par, f.skopeo))} | ${f.curl ? ratioCell(ratio(f.par, f.curl)) : 'n/a'} | ${f.par && !f.par.unavailable ? mib(f.par.rssKiB) : '–'} |`,
    );
  }
  const repush = caseFigures(results, mebibytes, 're-push').par;
  const startup = summarize(results.startup);
  const beyond = repush && !repush.unavailable && startup && !startup.unavailable ? repush.seconds - startup.seconds : null;
  rows.push(
    `| re-push unchanged (second push) | ${cell(repush)} | | | | | ${repush && !repush.unavailable ? mib(repush.rssKiB) : '–'} |`,
  );
  const create = caseFigures(results, mebibytes, 'create');
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

/** One row per target of issue 5: [target, measured, result]. */
export function evaluateTargets(results) {
  const rows = [];
  const measured = new Set(results.sizes);
  const notMeasured = (why) => ['–', `NOT MEASURED (${why})`];

  for (const size of [256, 1024]) {
    for (const [id, title] of [['push', 'push'], ['pull', 'pull'], ['cross-copy', 'cross-registry copy']]) {
      const target = `${title} ${sizeLabel(size)}: par ÷ skopeo ≤ 1.0 and par ÷ curl ≤ 1.15`;
      if (!measured.has(size)) {
        rows.push([target, ...notMeasured(`${sizeLabel(size)} not in BENCH_SIZES`)]);
        continue;
      }
      const f = caseFigures(results, size, id);
      if (!f.par || f.par.unavailable) {
        rows.push([target, ...notMeasured(`par ${id} not available`)]);
        continue;
      }
      const vsSkopeo = ratio(f.par, f.skopeo);
      const vsCurl = ratio(f.par, f.curl);
      rows.push([
        target,
        `par ${seconds(f.par.seconds)}, skopeo ${seconds(f.skopeo?.seconds)} (${ratioCell(vsSkopeo)}), curl ${seconds(f.curl?.seconds)} (${ratioCell(vsCurl)})`,
        verdict(vsSkopeo !== null && vsCurl !== null && vsSkopeo <= 1.0 && vsCurl <= 1.15),
      ]);
    }
  }

  {
    const target = 'promotion within one registry, 1 GiB: < 1 s';
    const f = measured.has(1024) ? caseFigures(results, 1024, 'promote') : null;
    if (!f) rows.push([target, ...notMeasured('1 GiB not in BENCH_SIZES')]);
    else if (!f.par || f.par.unavailable) rows.push([target, ...notMeasured('par copy not available')]);
    else rows.push([target, `par ${seconds(f.par.seconds)} (skopeo ${seconds(f.skopeo?.seconds)})`, verdict(f.par.seconds < 1)]);
  }

  const startup = summarize(results.startup);
  for (const size of results.sizes) {
    const target = `re-push unchanged ${sizeLabel(size)}: < 0.5 s beyond start-up`;
    const repush = caseFigures(results, size, 're-push').par;
    if (!repush || repush.unavailable || !startup || startup.unavailable) {
      rows.push([target, ...notMeasured('par push or par --version not available')]);
      continue;
    }
    const beyond = repush.seconds - startup.seconds;
    rows.push([target, `${seconds(repush.seconds)} − start-up ${seconds(startup.seconds)} = ${seconds(beyond)}`, verdict(beyond < 0.5)]);
  }

  for (const size of results.sizes) {
    const target = `create --compress ${sizeLabel(size)}: ≤ 1.2 × (tar + gzip -9 + sha256sum)`;
    const f = caseFigures(results, size, 'create');
    if (!f.par || f.par.unavailable) {
      rows.push([target, ...notMeasured('par create not available')]);
      continue;
    }
    const r = ratio(f.par, f.gzip);
    rows.push([target, `par ${seconds(f.par.seconds)}, gzip pipeline ${seconds(f.gzip.seconds)} (${ratioCell(r)}×)`, verdict(r !== null && r <= 1.2)]);
  }

  {
    const target = '`par --version`: < 150 ms';
    if (!startup || startup.unavailable) rows.push([target, ...notMeasured('par --version not available')]);
    else rows.push([target, `${seconds(startup.seconds)} (median of ${startup.runs})`, verdict(startup.seconds < 0.15)]);
  }

  {
    const target = 'peak RSS of every par operation at 1 GiB: < 200 MiB';
    if (!measured.has(1024)) {
      const largest = Math.max(...results.sizes);
      const peak = peakParRss(results, largest);
      rows.push([target, peak ? `${mib(peak.kib)} at ${sizeLabel(largest)} (${peak.caseId})` : '–', `NOT MEASURED (1 GiB not in BENCH_SIZES)`]);
    } else {
      const peak = peakParRss(results, 1024);
      if (!peak) rows.push([target, ...notMeasured('no par operation measured')]);
      else rows.push([target, `highest ${mib(peak.kib)} (${peak.caseId})`, verdict(peak.kib < 200 * 1024)]);
    }
  }
  return rows;
}

function peakParRss(results, size) {
  let best = null;
  for (const [caseId, tools] of Object.entries(results.measurements[size]?.cases ?? {})) {
    const par = summarize(tools.par);
    if (par && !par.unavailable && par.rssKiB !== null && (!best || par.rssKiB > best.kib)) best = { kib: par.rssKiB, caseId };
  }
  return best;
}

function rawRuns(results) {
  const lines = ['| size | operation | tool | runs (s) | peak RSS (MiB) |', '|---|---|---|---|---|'];
  for (const size of results.sizes) {
    for (const [caseId, tools] of Object.entries(results.measurements[size].cases)) {
      for (const [tool, m] of Object.entries(tools)) {
        if (m.unavailable) continue;
        lines.push(
          `| ${sizeLabel(size)} | ${caseId} | ${tool} | ${m.seconds.map((s) => s.toFixed(3)).join(', ')} | ${m.rssKiB.map((k) => (k === null ? '–' : (k / 1024).toFixed(0))).join(', ')} |`,
        );
      }
    }
  }
  if (results.startup && !results.startup.unavailable) {
    lines.push(`| – | par --version | par | ${results.startup.seconds.map((s) => s.toFixed(3)).join(', ')} | ${results.startup.rssKiB.map((k) => (k === null ? '–' : (k / 1024).toFixed(0))).join(', ')} |`);
  }
  return lines.join('\n');
}

export function renderResults(results) {
  const m = results.machine;
  const startup = summarize(results.startup);
  const out = [
    '# par benchmark results',
    '',
    `Generated by \`pnpm bench\` (scripts/bench.mjs) on ${results.date}. Sizes: ${results.sizes.map(sizeLabel).join(', ')}; ` +
      `${results.runs} run(s) per figure; \`par --version\` ${results.startupRuns} runs.`,
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores; memory ${m.memory}; ${m.kernel}`,
    `- Disk: ${m.disk}`,
    `- Load average (1/5/15 min) at the start: ${m.loadAtStart}; at the end: ${m.loadAtEnd ?? '–'} (above the core count means` +
      ' other work shared the CPUs and the figures are noisier)',
    `- Node ${m.node}; par ${m.par} (commit ${m.commit})`,
    `- ${m.skopeo}; ${m.registry}; ${m.curl}; ${m.gzip}`,
    '',
    '## Method',
    '',
    `- Every figure is the **median of ${results.runs} runs** (wall time measured around the process; peak RSS from` +
      ' `/usr/bin/time -f %M`, the largest of the runs). Lower is better; a ratio below 1 means par was faster.',
    '- Two plain-HTTP `docker-registry serve` (distribution) instances on 127.0.0.1:5201 and :5202, log level error, access log off,' +
      ' filesystem storage in a temporary directory. **Before every run both registries restart on fresh storage** (the source' +
      ' artifact is restored by hard links for pull/copy/promote), and destinations are new repositories and empty files/directories,' +
      ' so no client finds a blob it pushed before (skopeo keeps a blob-info cache across runs; the fresh storage makes its old' +
      ' locations useless).',
    `- Data: random (incompressible) bytes. The transferred artifact is ${results.artifactNote}, a single-layer par artifact with` +
      ' the wash manifest (wasmCloud media types); skopeo pushes it from an OCI image layout with the same manifest.',
    '- push: `par push` vs `skopeo copy oci:… docker://…` vs curl monolithic upload (POST, then one streaming PUT `?digest=`:' +
      ' the blob only, the transport ceiling). pull: `par pull` vs `skopeo copy docker://… oci:…` vs `curl -o` GET of the blob.' +
      ' copy 5201 → 5202: `par copy` vs `skopeo copy docker:// docker://` vs curl GET piped into a curl PUT. promote: `par copy`' +
      ' vs `skopeo copy` between two repositories of one registry (both can mount). re-push: `par push` twice to the same tag, the' +
      ' second one timed. create: `par create --compress` vs `bash -c "sha256sum bin && tar cf - bin | gzip -9 > out.tgz"`.',
    '- The inputs are in the page cache (the same for every client) and `sync` runs before each timed command, so no run pays for' +
      ' the writeback of an earlier one; times include each client\'s own start-up.',
    '',
    '## Results',
    '',
  ];
  if (startup && !startup.unavailable) out.push(`\`par --version\` (CLI start-up): **${seconds(startup.seconds)}** median of ${startup.runs}, peak RSS ${mib(startup.rssKiB)}.`, '');
  else out.push('`par --version`: not available.', '');
  for (const size of results.sizes) {
    const s = results.measurements[size];
    out.push(`### ${sizeLabel(size)} (artifact ${(s.artifactSize / MiB).toFixed(1)} MiB)`, '', transferTable(results, size), '');
  }
  out.push('## Targets (issue 5)', '', '| target | measured | result |', '|---|---|---|');
  for (const [target, measuredText, result] of evaluateTargets(results)) out.push(`| ${target} | ${measuredText} | ${result} |`);
  out.push('');
  for (const profile of results.profiles ?? []) {
    out.push(
      `## CPU profile: ${profile.title} at ${sizeLabel(profile.size)}`,
      '',
      `Run once more under \`node --cpu-prof\` (${seconds(profile.seconds)} wall` +
        `${profile.cpuSeconds === null ? '' : `, ${seconds(profile.cpuSeconds)} CPU user + sys over all threads`},` +
        ` ${profile.totalMs.toFixed(0)} ms sampled on the main thread). Top self time; \`(idle)\` is the main` +
        ' thread waiting: for sockets and files, or for work on the libuv thread pool (zlib streams, async crypto), which the' +
        ' profile does not show:',
      '',
      '| self ms | % | function |',
      '|---|---|---|',
      ...profile.top.map((t) => `| ${t.ms.toFixed(0)} | ${t.percent.toFixed(1)} | \`${t.fn}\` |`),
      '',
    );
  }
  out.push('## All runs', '', rawRuns(results), '');
  return out.join('\n');
}
