// A registry that serves a par layer too long, too short, with wrong bytes, or over a connection
// that breaks every time: inspect, verify, pull and promote say so in one line with the documented
// exit status, never an uncaught 'error' event; a corrupt blob is always reported as a digest
// mismatch (the root cause), and one corrupt source in a promotion plan keeps the others' results.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { startFrontServer, type FrontServer } from '../support/front-server.js';
import { fixture, isOneLineError, par, tempDir, type ParRun } from '../support/par.js';
import { sha256Hex } from '../support/registry-cli.js';

useRegistries(['plain']);

const fakepay = readFileSync(fixture('wash/fakepay.par.gz'));
const layerDigest = `sha256:${sha256Hex(fakepay)}`;
const servers: FrontServer[] = [];
let repository: string;

beforeAll(async () => {
  repository = uniqueRepository('hostile/layers');
  const pushed = await par(['push', `${registries.plain.host}/${repository}:1`, fixture('wash/fakepay.par.gz')]);
  expect(pushed.status, pushed.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type Fault = 'too-long' | 'too-short' | 'wrong-bytes' | 'early-wrong-byte' | 'breaks';

/** The bytes a faulty registry sends for the layer, and whether it cuts the connection after them. */
function faultyBody(fault: Fault): { body: Buffer; cut: boolean } {
  switch (fault) {
    case 'too-long':
      return { body: Buffer.concat([fakepay, Buffer.from('trailing junk')]), cut: false };
    case 'too-short':
      return { body: fakepay.subarray(0, fakepay.length - 1000), cut: false };
    case 'wrong-bytes': {
      const body = Buffer.from(fakepay);
      body[body.length - 5000] = body[body.length - 5000]! ^ 0xff;
      return { body, cut: false };
    }
    case 'early-wrong-byte': {
      // Inside the gzip stream's first block: the archive reader fails long before the digest is known.
      const body = Buffer.from(fakepay);
      body[40] = body[40]! ^ 0xff;
      return { body, cut: false };
    }
    case 'breaks':
      return { body: fakepay.subarray(0, 200_000), cut: true };
  }
}

async function faultyRegistry(fault: Fault): Promise<FrontServer> {
  const server = await startFrontServer({
    upstream: registries.plain.url,
    maxRequests: 60,
    intercept: (request, response) => {
      if (request.method !== 'GET' || !request.url?.endsWith(`/blobs/${layerDigest}`)) return false;
      serveFaulty(response, fault);
      return true;
    },
  });
  servers.push(server);
  return server;
}

function serveFaulty(response: ServerResponse, fault: Fault): void {
  const { body, cut } = faultyBody(fault);
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(cut ? fakepay.length : body.length) });
  response.write(body, () => {
    if (cut) response.socket?.destroy();
    else response.end();
  });
}

function expectOneLine(run: ParRun, status: number, pattern: RegExp): void {
  expect(run.status, run.stderr).toBe(status);
  expect(isOneLineError(run), run.stderr).toBe(true);
  expect(run.stderr).not.toContain("'error' event");
  expect(run.stderr).toMatch(pattern);
}

const verificationFaults: [Fault, RegExp][] = [
  ['too-long', /larger than the \d+ bytes/],
  ['too-short', /its descriptor says \d+|expected \d+ bytes/],
  ['wrong-bytes', /does not match its digest|expected digest/],
  ['early-wrong-byte', /does not match its digest|expected digest/],
];

describe.concurrent('inspect and verify of a registry reference whose layer is corrupt', () => {
  for (const [fault, pattern] of verificationFaults) {
    for (const command of ['inspect', 'verify']) {
      test(`${command}: a layer ${fault} → exit 4, one line, nothing on stdout`, async () => {
        const front = await faultyRegistry(fault);
        const run = await par([command, `${front.host}/${repository}:1`]);
        expectOneLine(run, 4, pattern);
        expect(run.stdout).toBe('');
      });
    }
  }

  for (const command of ['inspect', 'verify']) {
    test(`${command}: a connection that breaks every time → exit 1, one line naming the registry`, async () => {
      const front = await faultyRegistry('breaks');
      const run = await par([command, `${front.host}/${repository}:1`]);
      expectOneLine(run, 1, new RegExp(front.host.replace(/\./g, '\\.')));
    });
  }
});

describe.concurrent('the root cause first', () => {
  test('a blob whose first bytes are corrupt is a digest mismatch for pull and inspect, every time', async () => {
    const front = await faultyRegistry('early-wrong-byte');
    const out = tempDir();
    for (let i = 0; i < 3; i++) {
      const pulled = await par(['pull', `${front.host}/${repository}:1`, '--destination', join(out, 'p.par.gz')]);
      expectOneLine(pulled, 4, /does not match its digest|expected digest/);
      expect(pulled.stderr).not.toMatch(/readable provider archive/);
      const inspected = await par(['inspect', `${front.host}/${repository}:1`]);
      expectOneLine(inspected, 4, /does not match its digest|expected digest/);
    }
    expect(readdirSync(out)).toEqual([]);
  });
});

describe.concurrent('promote of a corrupt source', () => {
  for (const [fault, status] of [['wrong-bytes', 4], ['too-short', 4], ['breaks', 1]] as const) {
    test(`a layer ${fault}: exit ${status}, one line, the table says failed, nothing copied`, async () => {
      const front = await faultyRegistry(fault);
      const destination = `${registries.plain2.host}/${uniqueRepository('hostile/promote-one')}:1`;
      const run = await par(['promote', `${front.host}/${repository}:1`, destination]);
      expect(run.status, run.stderr).toBe(status);
      expect(isOneLineError(run), run.stderr).toBe(true);
      expect(run.stderr).not.toContain("'error' event");
      expect(run.stdout).toMatch(/^failed\s/m);
      expect((await par(['resolve', destination])).status).toBe(2);
    });
  }
});

describe('a promotion plan with one corrupt source', () => {
  test('the table, the --report and the other entries are kept; exit 4', async () => {
    const front = await faultyRegistry('wrong-bytes');
    const good = await startFrontServer({ upstream: registries.plain.url, maxRequests: 60 });
    servers.push(good);
    const destination = uniqueRepository('hostile/promoted');
    const dir = tempDir();
    const plan = join(dir, 'plan.yaml');
    writeFileSync(
      plan,
      [
        'concurrency: 1',
        'promotions:',
        `  - from: ${front.host}/${repository}:1`,
        `    to: ${registries.plain2.host}/${destination}-a:1`,
        `  - from: ${good.host}/${repository}:1`,
        `    to: ${registries.plain2.host}/${destination}-b:1`,
        '',
      ].join('\n'),
    );
    const report = join(dir, 'report.json');
    const run = await par(['promote', '--plan', plan, '--report', report]);
    expect(run.status, run.stderr).toBe(4);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stdout).toMatch(/^failed\s/m);
    expect(run.stdout).toMatch(/^promoted\s/m);
    expect(run.stdout).toContain('2 promotion(s): 1 promoted, 1 failed');
    const written = JSON.parse(readFileSync(report, 'utf8')) as { promotions: { action: string; kind?: string; error?: string }[] };
    expect(written.promotions.map((p) => p.action)).toEqual(['failed', 'promoted']);
    expect(written.promotions[0]!.kind).toBe('verification');
    expect(written.promotions[0]!.error).toMatch(/digest/);
  });
});
