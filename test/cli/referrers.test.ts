// OCI 1.1 referrers end to end (issue 13): attach, discover, copy, promote, policy and delete, once
// against the real distribution registries (no referrers API: par maintains the `sha256-<hex>`
// fallback index) and once through front servers that give those registries the referrers API
// (test/support/referrers-server.ts).
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { isOneLineError, par, repoRoot, tempDir } from '../support/par.js';
import { startReferrersServer, type ReferrersServer } from '../support/referrers-server.js';
import { startFrontServer } from '../support/front-server.js';
import { expectStatus, getManifest, makePar, pushPar, putManifest, tagsOf } from './promotion-support.js';

useRegistries(['plain', 'plain2']);

const run = promisify(execFile);
const SPDX = 'application/spdx+json';
const NOTATION = 'application/vnd.cncf.notary.signature';

interface Node {
  digest: string;
  mediaType: string;
  artifactType?: string;
  size: number;
  annotations: Record<string, string>;
  referrers: Node[];
  tag?: string;
}

interface Discovered {
  subject: { digest: string; mediaType: string; size: number };
  referrers: Node[];
}

interface Attached {
  digest: string;
  artifactType: string;
  subject: { digest: string };
  indexedBy: 'referrers-api' | 'fallback-tag';
}

let dir: string;
let sbomFile: string;
let signatureFile: string;

beforeAll(() => {
  dir = tempDir('par-referrers-');
  sbomFile = join(dir, 'sbom.spdx.json');
  writeFileSync(sbomFile, JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'provider' }));
  signatureFile = join(dir, 'signature.jws');
  writeFileSync(signatureFile, 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln');
});

async function attach(reference: string, file: string, mediaType: string, artifactType: string, extra: string[] = []): Promise<Attached> {
  const result = await par(['attach', reference, `${file}:${mediaType}`, '--artifact-type', artifactType, '-o', 'json', ...extra]);
  expectStatus(result, 0);
  return JSON.parse(result.stdout) as Attached;
}

async function discover(reference: string, extra: string[] = []): Promise<Discovered> {
  const result = await par(['discover', reference, '-o', 'json', ...extra]);
  expectStatus(result, 0);
  return JSON.parse(result.stdout) as Discovered;
}

/** Every referrer digest in a tree, depth first. */
function digestsOf(nodes: Node[]): string[] {
  return nodes.flatMap((node) => [node.digest, ...digestsOf(node.referrers)]).sort();
}

/** The descriptors listed in a repository's fallback index for `subject`, read as a plain HTTP client would. */
async function fallbackIndex(registry: 'plain' | 'plain2', repository: string, subject: string): Promise<{ status: number; digests: string[] }> {
  const fetched = await getManifest(registry, repository, subject.replace(':', '-'));
  if (fetched.status !== 200) return { status: fetched.status, digests: [] };
  const index = JSON.parse(fetched.bytes.toString('utf8')) as { manifests: { digest: string }[] };
  return { status: 200, digests: index.manifests.map((m) => m.digest).sort() };
}

interface Mode {
  name: string;
  /** Hosts par talks to. */
  source: () => string;
  destination: () => string;
  /** Whether the registries behind them have the referrers API. */
  api: boolean;
}

const servers: ReferrersServer[] = [];
const modes: Mode[] = [
  { name: 'distribution registry, no referrers API (fallback tag)', source: () => registries.plain.host, destination: () => registries.plain2.host, api: false },
  { name: 'registry with the referrers API (front server)', source: () => servers[0]!.host, destination: () => servers[1]!.host, api: true },
];

beforeAll(async () => {
  servers.push(await startReferrersServer(registries.plain.url), await startReferrersServer(registries.plain2.url));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe.each(modes)('$name', (mode) => {
  let repository: string;
  let parFile: string;
  let subject: string;
  let sbom: Attached;
  let signature: Attached;
  let sbomSignature: Attached;

  beforeAll(async () => {
    repository = uniqueRepository(mode.api ? 'referrers/api' : 'referrers/tag');
    parFile = await makePar(dir, mode.api ? 'ref-api' : 'ref-tag');
    subject = await pushPar(`${mode.source()}/${repository}:v1`, parFile);
    sbom = await attach(`${mode.source()}/${repository}:v1`, sbomFile, SPDX, SPDX);
    signature = await attach(`${mode.source()}/${repository}:v1`, signatureFile, 'application/jose+json', NOTATION, ['--annotation', 'io.cncf.notary.x509chain.thumbprint#S256=["ab"]']);
    // A signature of the SBOM: a referrer of a referrer.
    sbomSignature = await attach(`${mode.source()}/${repository}@${sbom.digest}`, signatureFile, 'application/jose+json', NOTATION);
  });

  test('attach pushes OCI 1.1 artifact manifests whose subject is the par, found the way the registry supports', async () => {
    expect(sbom.subject.digest).toBe(subject);
    expect(signature.subject.digest).toBe(subject);
    expect(sbomSignature.subject.digest).toBe(sbom.digest);
    expect(sbom.indexedBy).toBe(mode.api ? 'referrers-api' : 'fallback-tag');

    const manifest = await getManifest('plain', repository, sbom.digest);
    const body = JSON.parse(manifest.bytes.toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: SPDX,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
      layers: [{ mediaType: SPDX, annotations: { 'org.opencontainers.image.title': 'sbom.spdx.json' } }],
      subject: { digest: subject, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
    });

    const index = await fallbackIndex('plain', repository, subject);
    if (mode.api) {
      // The registry indexes `subject` itself: par writes no fallback tag.
      expect(index.status).toBe(404);
      expect(servers[0]!.seen.filter((r) => r.method === 'PUT' && r.url.includes(`/${repository}/manifests/sha256-`))).toEqual([]);
    } else {
      expect(index.digests).toEqual([sbom.digest, signature.digest].sort());
      const tags = await par(['tags', `${mode.source()}/${repository}`]);
      expect(tags.stdout.trim()).toBe('v1');
      const all = await par(['tags', `${mode.source()}/${repository}`, '--all']);
      expect(all.stdout).toContain(subject.replace(':', '-'));
    }
  });

  test('discover lists both referrers and the signature of the SBOM, as JSON and as a tree', async () => {
    const tree = await discover(`${mode.source()}/${repository}:v1`);
    expect(tree.subject.digest).toBe(subject);
    const byType: Record<string, Node> = Object.fromEntries(tree.referrers.map((node) => [node.artifactType, node]));
    expect(Object.keys(byType).sort()).toEqual([SPDX, NOTATION].sort());
    expect(byType[SPDX]).toMatchObject({ digest: sbom.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    expect(byType[SPDX]!.referrers.map((node) => node.digest)).toEqual([sbomSignature.digest]);
    expect(byType[NOTATION]!.annotations['io.cncf.notary.x509chain.thumbprint#S256']).toBe('["ab"]');

    const text = await par(['discover', `${mode.source()}/${repository}:v1`, '-o', 'tree']);
    expectStatus(text, 0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${mode.source()}/${repository}@${subject}`);
    if (mode.api) expect(servers[0]!.listed.some((l) => l.repository === repository && l.subject === subject)).toBe(true);
    expect(text.stdout).toContain(`── ${SPDX}\n│   └── ${sbom.digest}\n│       └── ${NOTATION}\n│           └── ${sbomSignature.digest}`);
    expect(text.stdout).toContain(`── ${NOTATION}\n    └── ${signature.digest}`);

    const filtered = await discover(`${mode.source()}/${repository}:v1`, ['--artifact-type', SPDX]);
    expect(filtered.referrers.map((node) => node.digest)).toEqual([sbom.digest]);
  });

  test('par copy to the second registry carries every referrer; discover there lists the same digests', async () => {
    const target = `${mode.destination()}/${repository}:v1`;
    const copied = await par(['copy', `${mode.source()}/${repository}:v1`, target, '-o', 'json']);
    expectStatus(copied, 0);
    expect((JSON.parse(copied.stdout) as { referrers: unknown }).referrers).toEqual({ copied: 3, present: 0 });
    const there = await discover(target);
    expect(there.subject.digest).toBe(subject);
    expect(digestsOf(there.referrers)).toEqual([sbom.digest, signature.digest, sbomSignature.digest].sort());
    // Byte for byte: the referrer's manifest has the same digest at the destination.
    expect((await getManifest('plain2', repository, sbom.digest)).digest).toBe(sbom.digest);

    const again = await par(['copy', `${mode.source()}/${repository}:v1`, target, '-o', 'json']);
    expectStatus(again, 0);
    expect((JSON.parse(again.stdout) as { referrers: unknown }).referrers).toEqual({ copied: 0, present: 3 });
  });

  test('--no-referrers leaves them; --referrers-type carries only that type and what refers to it', async () => {
    const none = uniqueRepository('referrers/none');
    expectStatus(await par(['copy', `${mode.source()}/${repository}:v1`, `${mode.destination()}/${none}:v1`, '--no-referrers']), 0);
    expect((await discover(`${mode.destination()}/${none}:v1`)).referrers).toEqual([]);

    const only = uniqueRepository('referrers/only');
    expectStatus(await par(['copy', `${mode.source()}/${repository}:v1`, `${mode.destination()}/${only}:v1`, '--referrers-type', SPDX]), 0);
    expect(digestsOf((await discover(`${mode.destination()}/${only}:v1`)).referrers)).toEqual([sbom.digest, sbomSignature.digest].sort());
  });

  test('par promote (single) carries them, and the report counts them', async () => {
    const promoted = uniqueRepository('referrers/promoted');
    const result = await par(['promote', `${mode.source()}/${repository}:v1`, `${mode.destination()}/${promoted}:v1`, '-o', 'json']);
    expectStatus(result, 0);
    const report = JSON.parse(result.stdout) as { promotions: { action: string; referrers: unknown }[] };
    expect(report.promotions[0]).toMatchObject({ action: 'promoted', referrers: { copied: 3, present: 0 } });
    expect(digestsOf((await discover(`${mode.destination()}/${promoted}:v1`)).referrers)).toEqual(
      [sbom.digest, signature.digest, sbomSignature.digest].sort(),
    );

    // Attached after the promotion: a re-run carries it, though the par itself is up to date.
    const late = await attach(`${mode.source()}/${repository}:v1`, sbomFile, 'application/vnd.cyclonedx+json', 'application/vnd.cyclonedx+json');
    const rerun = await par(['promote', `${mode.source()}/${repository}:v1`, `${mode.destination()}/${promoted}:v1`]);
    expectStatus(rerun, 0);
    expect(rerun.stdout).toMatch(/^ACTION +FROM +TO +DIGEST +SENT +BLOBS +REFERRERS +TIME +NOTE$/m);
    expect(rerun.stdout).toMatch(/^promoted .* 1 copied, 3 present /m);
    expect(rerun.stdout).toContain('1 referrer(s) copied');
    expect(digestsOf((await discover(`${mode.destination()}/${promoted}:v1`)).referrers)).toContain(late.digest);
  });

  test('par promote --plan carries them; requireReferrer refuses an entry without an SBOM with exit 4 and copies nothing for it', async () => {
    const bare = uniqueRepository('referrers/bare');
    const bareDigest = await pushPar(`${mode.source()}/${bare}:v1`, parFile);
    await attach(`${mode.source()}/${bare}:v1`, signatureFile, 'application/jose+json', NOTATION);
    const withSbom = uniqueRepository('referrers/plan-ok');
    const refused = uniqueRepository('referrers/plan-refused');
    const plan = join(dir, `${mode.api ? 'api' : 'tag'}-plan.yaml`);
    writeFileSync(
      plan,
      [
        'defaults:',
        `  requireReferrer: [${SPDX}]`,
        '  referrers: true',
        'promotions:',
        `  - from: ${mode.source()}/${repository}:v1`,
        `    to: ${mode.destination()}/${withSbom}:v1`,
        `  - from: ${mode.source()}/${bare}:v1`,
        `    to: ${mode.destination()}/${refused}:v1`,
        '',
      ].join('\n'),
    );
    const result = await par(['promote', '--plan', plan, '-o', 'json']);
    expect(result.status).toBe(4);
    const report = JSON.parse(result.stdout) as { promotions: { action: string; reasons?: string[]; sourceDigest?: string }[] };
    expect(report.promotions[0]).toMatchObject({ action: 'promoted' });
    expect(report.promotions[1]).toMatchObject({ action: 'refused', sourceDigest: bareDigest });
    expect(report.promotions[1]!.reasons).toEqual([`required referrer of type ${SPDX} is missing at the source`]);
    expect((JSON.parse(result.stderr) as { error: string }).error).toMatch(
      /^1 of 2 promotion\(s\) did not complete; first: .*required referrer of type application\/spdx\+json is missing/,
    );

    expect(await tagsOf('plain2', refused)).toEqual([]);
    expect((await getManifest('plain2', refused, bareDigest)).status).toBe(404);
    const source = digestsOf((await discover(`${mode.source()}/${repository}:v1`)).referrers);
    expect(digestsOf((await discover(`${mode.destination()}/${withSbom}:v1`)).referrers)).toEqual(source);

    const single = await par(['promote', `${mode.source()}/${bare}:v1`, `${mode.destination()}/${refused}:v1`, '--require-referrer', SPDX]);
    expect(single.status).toBe(4);
    expect(await tagsOf('plain2', refused)).toEqual([]);
  });

  test('par delete of a referrer removes it from what discover lists (and from the fallback index)', async () => {
    const repo = uniqueRepository('referrers/delete');
    const digest = await pushPar(`${mode.source()}/${repo}:v1`, parFile);
    const keep = await attach(`${mode.source()}/${repo}:v1`, sbomFile, SPDX, SPDX);
    const gone = await attach(`${mode.source()}/${repo}:v1`, signatureFile, 'application/jose+json', NOTATION);
    const deleted = await par(['delete', `${mode.source()}/${repo}@${gone.digest}`, '--yes', '-o', 'json']);
    expectStatus(deleted, 0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ digest: gone.digest, subject: digest });
    expect((await getManifest('plain', repo, gone.digest)).status).toBe(404);
    expect(digestsOf((await discover(`${mode.source()}/${repo}:v1`)).referrers)).toEqual([keep.digest]);
    if (!mode.api) expect((await fallbackIndex('plain', repo, digest)).digests).toEqual([keep.digest]);
  });

  test('skopeo still reads the subject, byte for byte', async () => {
    const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registries.plain.host}/${repository}:v1`], { timeout: 30_000 });
    expect((await getManifest('plain', repository, 'v1')).bytes.toString('utf8')).toBe(stdout);
    const { stdout: copied } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registries.plain2.host}/${repository}:v1`], { timeout: 30_000 });
    expect(copied).toBe(stdout);
    expect(`sha256:${createHash('sha256').update(stdout).digest('hex')}`).toBe(subject);
  });
});

describe('the fallback index under concurrent writers (distribution registry)', () => {
  test('two attaches at the same time both land in the index', async () => {
    const repository = uniqueRepository('referrers/concurrent');
    const parFile = await makePar(dir, 'concurrent');
    const subject = await pushPar(`${registries.plain.host}/${repository}:v1`, parFile);
    // Make the race certain: the first two reads of the fallback tag are held until both arrived, so
    // both writers start from the same (empty) index and the later write drops the earlier entry.
    const held: (() => void)[] = [];
    let released = false;
    const release = () => {
      released = true;
      for (const go of held.splice(0)) go();
    };
    const timer = setTimeout(release, 10_000);
    const front = await startFrontServer({
      upstream: registries.plain.url,
      maxRequests: 500,
      intercept: async (request) => {
        if (released || request.method !== 'GET' || !(request.url ?? '').includes(`/manifests/${subject.replace(':', '-')}`)) return false;
        await new Promise<void>((resolve) => {
          held.push(resolve);
          if (held.length === 2) release();
        });
        return false;
      },
    });
    try {
      const [first, second] = await Promise.all([
        attach(`${front.host}/${repository}:v1`, sbomFile, SPDX, SPDX),
        attach(`${front.host}/${repository}:v1`, signatureFile, 'application/jose+json', NOTATION),
      ]);
      const puts = front.seen.filter((r) => r.method === 'PUT' && r.url.includes(`/manifests/${subject.replace(':', '-')}`));
      // Both wrote from the empty index, so one of them had to notice the loss and write again.
      expect(puts.length).toBeGreaterThanOrEqual(3);
      expect((await fallbackIndex('plain', repository, subject)).digests).toEqual([first.digest, second.digest].sort());
    } finally {
      clearTimeout(timer);
      await front.close();
    }
  });

  test('a destination index that already lists other referrers keeps them when a copy adds its own', async () => {
    const repository = uniqueRepository('referrers/merge');
    const parFile = await makePar(dir, 'merged');
    const source = `${registries.plain.host}/${repository}:v1`;
    const destination = `${registries.plain2.host}/${repository}:v1`;
    const subject = await pushPar(source, parFile);
    const fromSource = await attach(source, sbomFile, SPDX, SPDX);
    expectStatus(await par(['copy', source, destination, '--no-referrers']), 0);
    const onlyAtDestination = await attach(destination, signatureFile, 'application/jose+json', NOTATION);
    expect((await fallbackIndex('plain2', repository, subject)).digests).toEqual([onlyAtDestination.digest]);

    expectStatus(await par(['copy', source, destination]), 0);
    expect((await fallbackIndex('plain2', repository, subject)).digests).toEqual([fromSource.digest, onlyAtDestination.digest].sort());
  });

  test("cosign's legacy sha256-<hex>.sig tag is discovered and travels with a copy", async () => {
    const repository = uniqueRepository('referrers/cosign');
    const source = `${registries.plain.host}/${repository}:v1`;
    const subject = await pushPar(source, await makePar(dir, 'cosign'));
    // What cosign (before referrers) pushes: a signature manifest under a tag named after the subject.
    const empty = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
    const signature = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: empty, size: 2 },
        layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: empty, size: 2, annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ' } }],
      }),
    );
    const tag = `${subject.replace(':', '-')}.sig`;
    await putManifest('plain', repository, tag, signature, 'application/vnd.oci.image.manifest.v1+json');
    const digest = `sha256:${createHash('sha256').update(signature).digest('hex')}`;

    const found = await discover(source);
    expect(found.referrers).toEqual([expect.objectContaining({ digest, tag })]);
    const copied = await par(['copy', source, `${registries.plain2.host}/${repository}:v1`, '-o', 'json']);
    expectStatus(copied, 0);
    expect((JSON.parse(copied.stdout) as { referrers: unknown }).referrers).toEqual({ copied: 1, present: 0 });
    expect((await getManifest('plain2', repository, tag)).digest).toBe(digest);
    expect((await discover(`${registries.plain2.host}/${repository}:v1`)).referrers).toEqual([expect.objectContaining({ digest, tag })]);
    expect((await par(['tags', `${registries.plain2.host}/${repository}`])).stdout.trim()).toBe('v1');
  });

  test('a tag in the fallback place that is not an index is left alone, with a clear error', async () => {
    const repository = uniqueRepository('referrers/squatted');
    const parFile = await makePar(dir, 'squatted');
    const subject = await pushPar(`${registries.plain.host}/${repository}:v1`, parFile);
    // Someone tagged an image manifest (the par's own) as the fallback tag.
    expectStatus(await par(['copy', `${registries.plain.host}/${repository}:v1`, `${registries.plain.host}/${repository}:${subject.replace(':', '-')}`, '--no-referrers']), 0);
    const result = await par(['attach', `${registries.plain.host}/${repository}:v1`, sbomFile, '--artifact-type', SPDX]);
    expect(result.status).toBe(1);
    expect(isOneLineError(result)).toBe(true);
    expect(result.stderr).toContain(`${subject.replace(':', '-')} is not a valid referrers index; par leaves it alone`);
    expect((await getManifest('plain', repository, subject.replace(':', '-'))).digest).toBe(subject);
  });
});

describe('par delete on a terminal', () => {
  /** Runs `par delete` with a pseudo-terminal as stdin (util-linux `script`), typing `answer`; gives the exit status. */
  const onTerminal = (reference: string, answer: string): Promise<{ status: number; output: string }> =>
    new Promise((resolve, reject) => {
      const cli = join(repoRoot, 'packages', 'cli', 'dist', 'main.js');
      const child = spawn('script', ['-qec', `${process.execPath} ${cli} delete ${reference}`, '/dev/null'], {
        env: { PATH: process.env['PATH'] ?? '', HOME: dir, DOCKER_CONFIG: join(dir, '.docker') },
        timeout: 30_000,
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ status: code ?? -1, output }));
      child.stdin.end(`${answer}\n`);
    });

  test('asks first: "n" deletes nothing (exit 1), "y" deletes', async () => {
    const repository = uniqueRepository('referrers/confirm');
    const digest = await pushPar(`${registries.plain.host}/${repository}:v1`, await makePar(dir, 'confirm'));
    const declined = await onTerminal(`${registries.plain.host}/${repository}:v1`, 'n');
    expect(declined.output).toContain(`Delete ${registries.plain.host}/${repository}@${digest} (tag v1 and every other tag naming it)? [y/N]`);
    expect(declined.output).toContain('error: not deleted: not confirmed');
    expect(declined.status).toBe(1);
    expect((await getManifest('plain', repository, digest)).status).toBe(200);

    const accepted = await onTerminal(`${registries.plain.host}/${repository}:v1`, 'y');
    expect(accepted.status).toBe(0);
    expect(accepted.output).toContain(`Deleted ${registries.plain.host}/${repository}@${digest}`);
    expect((await getManifest('plain', repository, digest)).status).toBe(404);
  });
});

describe('refusals', () => {
  test('a registry that rejects subject gets an error naming what it refused', async () => {
    const front = await startFrontServer({
      upstream: registries.plain.url,
      maxRequests: 200,
      intercept: (request, response) => {
        if (request.method !== 'PUT' || !/\/manifests\/sha256:/.test(request.url ?? '')) return false;
        response
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":"unknown field subject"}]}');
        return true;
      },
    });
    try {
      const repository = uniqueRepository('referrers/refused');
      const parFile = await makePar(dir, 'refused');
      await pushPar(`${registries.plain.host}/${repository}:v1`, parFile);
      const result = await par(['attach', `${front.host}/${repository}:v1`, sbomFile, '--artifact-type', SPDX]);
      expect(result.status).toBe(1);
      expect(isOneLineError(result)).toBe(true);
      expect(result.stderr).toMatch(/MANIFEST_INVALID.*refused a manifest with subject sha256:[0-9a-f]{64} and artifactType application\/spdx\+json/);
    } finally {
      await front.close();
    }
  });

  test('attach needs --artifact-type, a valid media type, and files that exist', async () => {
    const reference = `${registries.plain.host}/${uniqueRepository('referrers/usage')}:v1`;
    const missing = await par(['attach', reference, sbomFile]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('artifact-type');
    const parFile = await makePar(dir, 'usage');
    await pushPar(reference, parFile);
    const invalid = await par(['attach', reference, sbomFile, '--artifact-type', 'not a type']);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/^error: invalid artifact type "not a type"/);
    const absent = await par(['attach', reference, join(dir, 'absent.json'), '--artifact-type', SPDX]);
    expect(absent.status).toBe(2);
    expect(absent.stderr).toMatch(/^error: file not found: .*absent\.json$/m);
  });
});
