// The fixed cost of a command (issue 12): small archives, where start-up and set-up are most of the
// time. `node -e 0` on the same Node is the floor every figure is compared with.
import { randomFillSync } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeArtifact, writeOciLayout } from './artifact.mjs';
import { parCreateArgs, SOURCE_REPO, TAG } from './cases.mjs';
import { runCommand } from './exec.mjs';
import { uploadArtifact } from './upload.mjs';

/** The provider binary of the small archive: 1.2 MB, as the issue measured. */
export const SMALL_BINARY_BYTES = 1_200_000;

async function expectFileSize(file, size) {
  const actual = (await stat(file).catch(() => null))?.size;
  if (actual !== size) throw new Error(`check: ${path.basename(file)} is ${actual ?? 'missing'} bytes, expected ${size}`);
}

/**
 * Each case: id, title, the baseline it is judged against, and `tools` (par and others) whose
 * prepare(ctx) returns { argv, check }. ctx: { node (Node binary), par (argv prefix), registries,
 * artifact, outDir }.
 */
export const FIXED_COST_CASES = [
  {
    id: 'node',
    title: '`node -e 0` (the floor)',
    tools: { node: { prepare: (ctx) => ({ argv: [ctx.node, '-e', '0'], check: async () => {} }) } },
  },
  {
    id: 'version',
    title: '`par --version`',
    tools: { par: { prepare: (ctx) => ({ argv: [...ctx.par, '--version'], check: async () => {} }) } },
  },
  {
    id: 'inspect',
    title: '`par inspect` of the archive file',
    tools: { par: { prepare: (ctx) => ({ argv: [...ctx.par, 'inspect', ctx.artifact.layerFile], check: async () => {} }) } },
  },
  {
    id: 'resolve',
    title: 'resolve the tag (`skopeo inspect --raw`)',
    tools: {
      par: { prepare: (ctx) => ({ argv: [...ctx.par, 'resolve', `${ctx.registries.source.host}/${SOURCE_REPO}:${TAG}`], check: async () => {} }) },
      skopeo: {
        prepare: (ctx) => ({
          argv: ['skopeo', 'inspect', '--raw', '--tls-verify=false', `docker://${ctx.registries.source.host}/${SOURCE_REPO}:${TAG}`],
          check: async () => {},
        }),
      },
    },
  },
  {
    id: 'pull',
    title: 'pull (`skopeo copy` to an OCI layout; `curl -o` of the blob)',
    tools: {
      par: {
        async prepare(ctx) {
          const out = path.join(ctx.outDir, 'small.par.gz');
          await rm(out, { force: true });
          return {
            argv: [...ctx.par, 'pull', `${ctx.registries.source.host}/${SOURCE_REPO}:${TAG}`, '--destination', out],
            check: () => expectFileSize(out, ctx.artifact.layerSize),
          };
        },
      },
      skopeo: {
        async prepare(ctx) {
          const dir = path.join(ctx.outDir, 'small-layout');
          await rm(dir, { recursive: true, force: true });
          return {
            argv: ['skopeo', 'copy', '--quiet', '--src-tls-verify=false', `docker://${ctx.registries.source.host}/${SOURCE_REPO}:${TAG}`, `oci:${dir}:${TAG}`],
            check: () => expectFileSize(path.join(dir, 'blobs', ...ctx.artifact.layerDigest.split(':')), ctx.artifact.layerSize),
          };
        },
      },
      curl: {
        async prepare(ctx) {
          const out = path.join(ctx.outDir, 'small.blob');
          await rm(out, { force: true });
          return {
            argv: ['curl', '-sS', '--fail', '-o', out, `${ctx.registries.source.url}/v2/${SOURCE_REPO}/blobs/${ctx.artifact.layerDigest}`],
            check: () => expectFileSize(out, ctx.artifact.layerSize),
          };
        },
      },
    },
  },
];

/** Writes the small random binary, makes its archive with par, and a registry template holding it. */
export async function prepareSmallArtifact(ctx, workDir, parCreate) {
  const dir = path.join(workDir, 'fixed-cost');
  await mkdir(dir, { recursive: true });
  ctx.outDir = path.join(dir, 'out');
  await mkdir(ctx.outDir, { recursive: true });
  const binary = path.join(dir, 'provider.bin');
  const bytes = Buffer.alloc(SMALL_BINARY_BYTES);
  randomFillSync(bytes);
  await writeFile(binary, bytes);
  const layerFile = path.join(dir, 'provider.par.gz');
  await runCommand([...parCreate, ...parCreateArgs(binary, layerFile)], { timeoutMs: 60_000, measureRss: false });
  ctx.artifact = await describeArtifact(layerFile);
  await writeOciLayout(path.join(dir, 'layout'), ctx.artifact, TAG);
  ctx.sourceTemplate = path.join(dir, 'source-template');
  await ctx.registries.reset();
  await uploadArtifact(ctx.registries.source.url, SOURCE_REPO, TAG, ctx.artifact, 60_000);
  await ctx.registries.snapshotSource(ctx.sourceTemplate);
  return dir;
}
