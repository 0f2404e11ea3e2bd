// Text from a registry or an archive never reaches the terminal raw: escape sequences, carriage
// returns and line breaks in registry error messages, tags and signed claims are shown escaped, so
// nothing can recolour, rewrite or fake a line (a "Successfully pulled" injected by an error).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { startFrontServer, type FrontServer } from '../support/front-server.js';
import { WASH_TEST_KEYS, isOneLineError, par, tempDir, type ParRun } from '../support/par.js';

useRegistries(['plain']);

const servers: FrontServer[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const ESC = '\u001b';
/** What a hostile server tries: wipe the line, recolour, and print a line of its own. */
const HOSTILE = `${ESC}[2K\r${ESC}[32mall good${ESC}[0m\nSuccessfully pulled evil.example/x:1 to x.par.gz`;

function expectNothingRaw(run: ParRun): void {
  const output = run.stdout + run.stderr;
  expect(output).not.toContain(ESC);
  expect(output).not.toContain('\r');
  expect(output.split('\n').some((line) => line.startsWith('Successfully pulled')), output).toBe(false);
}

describe.concurrent('untrusted text is escaped', () => {
  test('a registry error message with escape sequences and a fake line: one escaped line', async () => {
    const front = await startFrontServer({
      maxRequests: 20,
      intercept: (request, response) => {
        response
          .writeHead(403, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ code: 'DENIED', message: HOSTILE }] }));
        return true;
      },
    });
    servers.push(front);
    const out = tempDir();
    const run = await par(['pull', `${front.host}/repo:1`, '--destination', join(out, 'x.par.gz')]);
    expect(run.status, run.stderr).toBe(3);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expectNothingRaw(run);
    expect(run.stderr).toContain('\\x1b[2K\\r\\x1b[32mall good\\x1b[0m\\nSuccessfully pulled');
  });

  test('tags carrying escape sequences and line breaks are never printed raw', async () => {
    const front = await startFrontServer({
      maxRequests: 20,
      intercept: (request, response) => {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ name: 'repo', tags: ['1.0.0', `${ESC}]0;owned${ESC}\\`, HOSTILE] }));
        return true;
      },
    });
    servers.push(front);
    const run = await par(['tags', `${front.host}/repo`]);
    expectNothingRaw(run);
    // A registry naming invalid tags may be refused outright; if anything is listed, it is the valid tag.
    if (run.status === 0) expect(run.stdout.split('\n')[0]).toBe('1.0.0');
    else expect(isOneLineError(run), run.stderr).toBe(true);
  });

  test('a validly signed archive whose claims hold escape codes: inspect of the file and of the pushed reference show them escaped', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bin'), 'binary');
    const file = join(dir, 'evil.par.gz');
    const created = await par([
      'create', '-n', `${ESC}[2J${ESC}[HEvil\rName`, '-v', `Acme${ESC}[8m`, '--version', '1.0\n2.0', '-a', 'x86_64-linux', '-b', join(dir, 'bin'),
      '--compress', '-i', WASH_TEST_KEYS.issuerSeed, '-s', WASH_TEST_KEYS.subjectSeed, '--destination', file,
    ]);
    expect(created.status, created.stderr).toBe(0);
    const reference = `${registries.plain.host}/${uniqueRepository('hostile/claims')}:1`;
    const pushed = await par(['push', reference, file]);
    expect(pushed.status, pushed.stderr).toBe(0);
    for (const location of [file, reference]) {
      const run = await par(['inspect', location]);
      expect(run.status, run.stderr).toBe(0);
      expectNothingRaw(run);
      expect(run.stdout).toContain('\\x1b[2J\\x1b[HEvil\\rName - Provider Archive');
      expect(run.stdout).toContain('Acme\\x1b[8m');
      expect(run.stdout).toContain('1.0\\n2.0');
      // Escaped values still fit the table: every line is as wide as the first.
      const widths = new Set(run.stdout.trimEnd().split('\n').map((line) => line.length));
      expect(widths.size, run.stdout).toBe(1);
    }
  });
});
