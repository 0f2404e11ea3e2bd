// Servers a test file starts on loopback: each is closed after the test that started it, so a
// failing test never leaves one listening for the next.
import { afterEach } from 'vitest';
import { startFrontServer, type FrontServer } from './front-server.js';
import type { ParRun } from './par.js';

interface Closable {
  close(): Promise<void>;
}

/** A list to push servers into; everything in it is closed after each test. */
export function closedAfterEach<T extends Closable = FrontServer>(): T[] {
  const servers: T[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return servers;
}

/** startFrontServer, with the server closed after the test. */
export function frontServers(servers: Closable[] = closedAfterEach()): (...args: Parameters<typeof startFrontServer>) => Promise<FrontServer> {
  return async (...args) => {
    const server = await startFrontServer(...args);
    servers.push(server);
    return server;
  };
}

/** A CLI run and how long it took, in seconds. */
export async function timed(run: Promise<ParRun>): Promise<ParRun & { seconds: number }> {
  const started = Date.now();
  const result = await run;
  return { ...result, seconds: (Date.now() - started) / 1000 };
}
