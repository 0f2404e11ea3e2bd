// Shared by this package's tests only (excluded from the build).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { RegistryError } from './oci/errors.js';

/** The golden files beside the checkout: ../shared/fixtures. */
export const fixturesDir = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'fixtures');
export const FAKEPAY_PATH = path.join(fixturesDir, 'wash', 'fakepay.par.gz');

/** A scratch directory for the calling test file, removed after all its tests. Call at the file's top level. */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The RegistryError a promise rejects with; anything else (or no rejection) fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

/** A client to close after the test (a RegistryClient). */
export interface Closable {
  close(): Promise<void>;
}

export interface FakeServers {
  /** Starts a local HTTP server on 127.0.0.1 with `handler`; returns its `host:port`. `observe` sees the server (e.g. to count connections). */
  serve: (handler: (request: IncomingMessage, response: ServerResponse) => void, observe?: (server: Server) => void) => Promise<string>;
  /** Remembers a client so that it is closed after the current test. */
  track: <T extends Closable>(client: T) => T;
}

/** Fake registries for the calling test file: every server and tracked client is closed after each test. Call at the file's top level. */
export function fakeServers(): FakeServers {
  const servers: Server[] = [];
  const clients: Closable[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  return {
    serve: async (handler, observe) => {
      const server = createServer(handler);
      observe?.(server);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    track: (client) => {
      clients.push(client);
      return client;
    },
  };
}
