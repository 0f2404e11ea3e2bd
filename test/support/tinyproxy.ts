// Debian's tinyproxy (installed by scripts/setup.sh) as a real forward proxy on loopback, one per
// test file: absolute-URI requests for http:// and CONNECT tunnels for https://, optionally with
// Basic proxy credentials. Its log says what went through it.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './par.js';

export interface Tinyproxy {
  /** `http://127.0.0.1:PORT` (no credentials). */
  readonly url: string;
  readonly port: number;
  /** The request lines it logged so far (`GET http://…`, `CONNECT host:port`). */
  requests(): string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startTinyproxy(options: { user?: string; password?: string } = {}): Promise<Tinyproxy> {
  const port = await freePort();
  const config = join(tempDir('par-tinyproxy-'), 'tinyproxy.conf');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      'LogLevel Connect',
      'MaxClients 50',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
      ...(options.user ? [`BasicAuth ${options.user} ${options.password ?? ''}`] : []),
      '',
    ].join('\n'),
  );
  let log = '';
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (log += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (log += text));
  const spawnFailed = new Promise<never>((_, reject) => child.on('error', (error) => reject(new Error(`cannot start tinyproxy (run scripts/setup.sh): ${error.message}`))));
  // Ready when it accepts connections (bounded).
  for (let i = 0; ; i++) {
    const open = await Promise.race([canConnect(port), spawnFailed]);
    if (open) break;
    if (i > 100) throw new Error(`tinyproxy did not listen on ${port}: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: () => [...log.matchAll(/Request \(file descriptor \d+\): (\S+ \S+)/g)].map((match) => match[1]!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    }, () => resolve(false));
  });
}
