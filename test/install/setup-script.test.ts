// scripts/setup.sh on a machine without apt-get: it says what it needs and where the CLI-only
// install is, instead of dying with "apt-get: command not found" (127).
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot, tempDir } from '../support/par.js';

test('without apt-get and the test tools, setup.sh names what is missing and points to scripts/install.sh (exit 1)', () => {
  // A PATH with only what the script's first lines use: no apt-get, no registry, no skopeo.
  const bin = tempDir('par-no-apt-');
  for (const tool of ['bash', 'dirname', 'id']) symlinkSync(spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(), join(bin, tool));
  const result = spawnSync(join(bin, 'bash'), [join(repoRoot, 'scripts', 'setup.sh')], { env: { PATH: bin, HOME: tempDir() }, encoding: 'utf8' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('there is no apt-get here: docker-registry skopeo apache2-utils openssl curl');
  expect(result.stderr).toContain('bash scripts/install.sh');
  expect(result.stderr).not.toContain('command not found');
});
