// What is measured at each size: every case names the clients compared and how one run of each is
// prepared (fresh registry storage, empty destinations) and checked afterwards (outside the timing).
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './exec.mjs';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Seeds the issue gives for benchmark archives (test keys, not secrets).
export const ISSUER_SEED = 'SAACTTUPKR55VUWUDK7GJ5SU5KGED455FR7BDO46RUVOTHUWKBLECLH2UU';
export const SUBJECT_SEED = 'SVAOZUSBWWFL65P255DOHIETPTXUQMM5ETLSYPITI5G4K4HI6M2CDAPWAU';

export const SOURCE_REPO = 'bench/source';
export const TAG = 'v1';

/** The par arguments of `par create --compress` for a binary. */
export function parCreateArgs(binaryFile, destination) {
  return [
    'create',
    '--name', 'bench-provider',
    '--vendor', 'par-bench',
    '--binary', binaryFile,
    '--arch', 'x86_64-linux',
    '--compress',
    '--destination', destination,
    '--issuer', ISSUER_SEED,
    '--subject', SUBJECT_SEED,
  ];
}

async function expectManifest(registry, repo) {
  const response = await fetch(`${registry.url}/v2/${repo}/manifests/${TAG}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (response.status !== 200) throw new Error(`check: ${registry.host}/${repo}:${TAG} has no manifest (HTTP ${response.status})`);
}

async function expectBlob(registry, repo, digest) {
  const response = await fetch(`${registry.url}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
  if (response.status !== 200) throw new Error(`check: ${registry.host}/${repo} has no blob ${digest} (HTTP ${response.status})`);
}

async function expectFileSize(file, size) {
  const actual = (await stat(file).catch(() => null))?.size;
  if (actual !== size) throw new Error(`check: ${path.basename(file)} is ${actual ?? 'missing'} bytes, expected ${size}`);
}

function repoFor(caseId, tool, ctx, run) {
  return `bench/${caseId}-${tool}-${ctx.mebibytes}m-r${run}`;
}

/**
 * Each tool's prepare(ctx, run) resets what it needs and returns { argv, check }: argv is timed,
 * check() runs after it. ctx: { mebibytes, artifact, binaryFile, layoutDir, outDir, registries,
 * sourceTemplate, par (argv prefix), timeoutMs }.
 */
export const CASES = [
  {
    id: 'push',
    title: 'push',
    bytes: (ctx) => ctx.artifact.layerSize,
    baselines: ['skopeo', 'curl'],
    tools: {
      par: {
        needs: 'push',
        async prepare(ctx, run) {
          await ctx.registries.reset();
          const repo = repoFor('push', 'par', ctx, run);
          const registry = ctx.registries.source;
          return {
            argv: [...ctx.par, 'push', `${registry.host}/${repo}:${TAG}`, ctx.artifact.layerFile],
            check: () => expectManifest(registry, repo),
          };
        },
      },
      skopeo: {
        async prepare(ctx, run) {
          await ctx.registries.reset();
          const repo = repoFor('push', 'skopeo', ctx, run);
          const registry = ctx.registries.source;
          return {
            argv: ['skopeo', 'copy', '--quiet', '--dest-tls-verify=false', `oci:${ctx.layoutDir}:${TAG}`, `docker://${registry.host}/${repo}:${TAG}`],
            check: () => expectManifest(registry, repo),
          };
        },
      },
      curl: {
        async prepare(ctx, run) {
          await ctx.registries.reset();
          const repo = repoFor('push', 'curl', ctx, run);
          const registry = ctx.registries.source;
          return {
            argv: ['bash', path.join(benchDir, 'curl-push.sh'), registry.url, repo, ctx.artifact.layerFile, ctx.artifact.layerDigest],
            check: () => expectBlob(registry, repo, ctx.artifact.layerDigest),
          };
        },
      },
    },
  },
  {
    id: 'pull',
    title: 'pull',
    bytes: (ctx) => ctx.artifact.layerSize,
    baselines: ['skopeo', 'curl'],
    tools: {
      par: {
        needs: 'pull',
        async prepare(ctx) {
          await ctx.registries.reset(ctx.sourceTemplate);
          const out = path.join(ctx.outDir, 'pulled.par.gz');
          await rm(out, { force: true });
          return {
            argv: [...ctx.par, 'pull', `${ctx.registries.source.host}/${SOURCE_REPO}:${TAG}`, '--destination', out],
            check: () => expectFileSize(out, ctx.artifact.layerSize),
          };
        },
      },
      skopeo: {
        async prepare(ctx) {
          await ctx.registries.reset(ctx.sourceTemplate);
          const dir = path.join(ctx.outDir, 'pulled-layout');
          await rm(dir, { recursive: true, force: true });
          return {
            argv: ['skopeo', 'copy', '--quiet', '--src-tls-verify=false', `docker://${ctx.registries.source.host}/${SOURCE_REPO}:${TAG}`, `oci:${dir}:${TAG}`],
            check: () => expectFileSize(path.join(dir, 'blobs', ...ctx.artifact.layerDigest.split(':')), ctx.artifact.layerSize),
          };
        },
      },
      curl: {
        async prepare(ctx) {
          await ctx.registries.reset(ctx.sourceTemplate);
          const out = path.join(ctx.outDir, 'pulled.blob');
          await rm(out, { force: true });
          return {
            argv: ['curl', '-sS', '--fail', '-o', out, `${ctx.registries.source.url}/v2/${SOURCE_REPO}/blobs/${ctx.artifact.layerDigest}`],
            check: () => expectFileSize(out, ctx.artifact.layerSize),
          };
        },
      },
    },
  },
  {
    id: 'cross-copy',
    title: 'copy to another registry',
    bytes: (ctx) => ctx.artifact.layerSize,
    baselines: ['skopeo', 'curl'],
    tools: {
      par: {
        needs: 'copy',
        async prepare(ctx, run) {
          await ctx.registries.reset(ctx.sourceTemplate);
          const { source, other } = ctx.registries;
          const repo = repoFor('cross', 'par', ctx, run);
          return {
            argv: [...ctx.par, 'copy', `${source.host}/${SOURCE_REPO}:${TAG}`, `${other.host}/${repo}:${TAG}`],
            check: () => expectManifest(other, repo),
          };
        },
      },
      skopeo: {
        async prepare(ctx, run) {
          await ctx.registries.reset(ctx.sourceTemplate);
          const { source, other } = ctx.registries;
          const repo = repoFor('cross', 'skopeo', ctx, run);
          return {
            argv: ['skopeo', 'copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false',
              `docker://${source.host}/${SOURCE_REPO}:${TAG}`, `docker://${other.host}/${repo}:${TAG}`],
            check: () => expectManifest(other, repo),
          };
        },
      },
      curl: {
        async prepare(ctx, run) {
          await ctx.registries.reset(ctx.sourceTemplate);
          const { source, other } = ctx.registries;
          const repo = repoFor('cross', 'curl', ctx, run);
          return {
            argv: ['bash', path.join(benchDir, 'curl-copy.sh'), source.url, SOURCE_REPO, other.url, repo, ctx.artifact.layerDigest],
            check: () => expectBlob(other, repo, ctx.artifact.layerDigest),
          };
        },
      },
    },
  },
  {
    id: 'promote',
    title: 'promote within a registry',
    bytes: (ctx) => ctx.artifact.layerSize,
    baselines: ['skopeo'],
    tools: {
      par: {
        needs: 'copy',
        async prepare(ctx, run) {
          await ctx.registries.reset(ctx.sourceTemplate);
          const { source } = ctx.registries;
          const repo = repoFor('promote', 'par', ctx, run);
          return {
            argv: [...ctx.par, 'copy', `${source.host}/${SOURCE_REPO}:${TAG}`, `${source.host}/${repo}:${TAG}`],
            check: () => expectManifest(source, repo),
          };
        },
      },
      skopeo: {
        async prepare(ctx, run) {
          await ctx.registries.reset(ctx.sourceTemplate);
          const { source } = ctx.registries;
          const repo = repoFor('promote', 'skopeo', ctx, run);
          return {
            argv: ['skopeo', 'copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false',
              `docker://${source.host}/${SOURCE_REPO}:${TAG}`, `docker://${source.host}/${repo}:${TAG}`],
            check: () => expectManifest(source, repo),
          };
        },
      },
    },
  },
  {
    id: 're-push',
    title: 're-push unchanged',
    bytes: (ctx) => ctx.artifact.layerSize,
    baselines: [],
    tools: {
      par: {
        needs: 'push',
        async prepare(ctx, run) {
          await ctx.registries.reset();
          const repo = repoFor('repush', 'par', ctx, run);
          const registry = ctx.registries.source;
          const argv = [...ctx.par, 'push', `${registry.host}/${repo}:${TAG}`, ctx.artifact.layerFile];
          // The first push is not timed: the measured one finds everything already there.
          await runCommand(argv, { timeoutMs: ctx.timeoutMs, measureRss: false });
          return { argv, check: () => expectManifest(registry, repo) };
        },
      },
    },
  },
  {
    id: 'create',
    title: 'create --compress',
    bytes: (ctx) => ctx.binarySize,
    baselines: ['gzip'],
    tools: {
      par: {
        needs: 'create',
        async prepare(ctx) {
          const out = path.join(ctx.outDir, 'created.par.gz');
          await rm(out, { force: true });
          return {
            argv: [...ctx.par, ...parCreateArgs(ctx.binaryFile, out)],
            check: async () => {
              const size = (await stat(out)).size;
              if (size < ctx.binarySize) throw new Error(`check: created par is ${size} bytes, smaller than the random binary`);
            },
          };
        },
      },
      gzip: {
        async prepare(ctx) {
          const out = path.join(ctx.outDir, 'created.tgz');
          await rm(out, { force: true });
          const script = 'sha256sum "$1" >/dev/null && tar cf - -C "$(dirname "$1")" "$(basename "$1")" | gzip -9 > "$2"';
          return {
            argv: ['bash', '-c', script, 'bench-create', ctx.binaryFile, out],
            check: async () => {
              const size = (await stat(out)).size;
              if (size < ctx.binarySize) throw new Error(`check: the .tgz is ${size} bytes, smaller than the random binary`);
            },
          };
        },
      },
    },
  },
];

/** Labels of the baseline tools in tables. */
export const TOOL_LABELS = {
  par: 'par',
  node: 'node -e 0',
  skopeo: 'skopeo',
  curl: 'curl',
  gzip: 'tar+gzip -9+sha256sum',
};
