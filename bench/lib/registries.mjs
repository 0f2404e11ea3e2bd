// The benchmark's own plain-HTTP registries (distribution's docker-registry) on loopback ports,
// restarted on fresh storage before every measured command so no client finds a blob it pushed before.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { cp, link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const START_TIMEOUT_MS = 20_000;

function configYaml(port, storageDir) {
  // Access logs off and log level error: logging every request costs time on large transfers.
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storageDir}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: par-bench-${port}`,
    '',
  ].join('\n');
}

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200 || response.status === 401;
  } catch {
    return false;
  }
}

/** Copies a storage tree; blob data files are hard-linked (distribution never rewrites one in place). */
async function cloneStorage(from, to) {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await cloneStorage(source, target);
    else if (entry.name === 'data' && source.includes(`${path.sep}blobs${path.sep}`)) await link(source, target);
    else await cp(source, target);
  }
}

class BenchRegistry {
  #process = null;
  #exited = null;

  constructor(port, dir) {
    this.port = port;
    this.dir = dir;
    this.storage = path.join(dir, 'storage');
    this.configFile = path.join(dir, 'config.yml');
    this.logFile = path.join(dir, 'registry.log');
    this.url = `http://127.0.0.1:${port}`;
    this.host = `127.0.0.1:${port}`;
  }

  async start() {
    await mkdir(this.storage, { recursive: true });
    await writeFile(this.configFile, configYaml(this.port, this.storage));
    if (await answers(`${this.url}/v2/`)) {
      throw new Error(`port ${this.port} already answers: another registry is running there; stop it first`);
    }
    const log = createWriteStream(this.logFile, { flags: 'a' });
    await new Promise((resolve) => log.on('open', resolve));
    const child = spawn('docker-registry', ['serve', this.configFile], { stdio: ['ignore', log, log] });
    this.#process = child;
    this.#exited = new Promise((resolve) => child.on('exit', resolve));
    child.on('error', () => {});
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answers(`${this.url}/v2/`))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const tail = (await readFile(this.logFile, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
        await this.stop();
        throw new Error(`registry on port ${this.port} did not start:\n${tail}`);
      }
      await sleep(50);
    }
  }

  async stop() {
    const child = this.#process;
    if (!child) return;
    this.#process = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([this.#exited.then(() => true), sleep(5000).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await this.#exited;
      }
    }
  }

  /** Synchronous last resort for process exit handlers. */
  killNow() {
    if (this.#process && this.#process.exitCode === null) this.#process.kill('SIGKILL');
  }

  /** Stops, replaces the storage with an empty tree or a clone of `template`, starts again. */
  async restartFresh(template) {
    await this.stop();
    await rm(this.storage, { recursive: true, force: true });
    if (template) await cloneStorage(template, this.storage);
    await this.start();
  }
}

/** Two registries: `source` (and same-registry promotion) and `other` (cross-registry copy). */
export class BenchRegistries {
  constructor(workDir, { sourcePort = 5201, otherPort = 5202 } = {}) {
    this.source = new BenchRegistry(sourcePort, path.join(workDir, `registry-${sourcePort}`));
    this.other = new BenchRegistry(otherPort, path.join(workDir, `registry-${otherPort}`));
  }

  async start() {
    await this.source.start();
    await this.other.start();
  }

  /** Fresh storage on both; the source registry starts from `sourceTemplate` when given. */
  async reset(sourceTemplate) {
    await Promise.all([this.source.restartFresh(sourceTemplate), this.other.restartFresh()]);
  }

  /** Stops the source registry and keeps a copy of its storage as a template for reset(). */
  async snapshotSource(templateDir) {
    await this.source.stop();
    await rm(templateDir, { recursive: true, force: true });
    await cloneStorage(this.source.storage, templateDir);
    await this.source.start();
  }

  async stop() {
    await Promise.all([this.source.stop(), this.other.stop()]);
  }

  killNow() {
    this.source.killNow();
    this.other.killNow();
  }
}
