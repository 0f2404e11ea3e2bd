// A real HTTP(S) server on loopback that stands in front of a real test registry and misbehaves
// where a test says so: the way public registries' quirks and hostile servers are emulated.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stateDir } from '../registries/endpoints.js';

/** What the server saw: method, path with query, and the Authorization header (to prove leaks). */
export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** Takes over a request (answer it and return true) or lets it pass to the registry (return false). */
export type Intercept = (request: IncomingMessage, response: ServerResponse, server: FrontServer) => boolean | Promise<boolean>;

export interface FrontServer {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly url: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

export interface FrontServerOptions {
  /** `http://127.0.0.1:5001`: requests not intercepted are proxied there. Omit for a server that only intercepts. */
  upstream?: string;
  intercept?: Intercept;
  /** Serve HTTPS with the test registries' certificate (signed by the test CA). */
  tls?: boolean;
  /** Hard cap on requests answered, so a client in a loop cannot run a test forever. */
  maxRequests?: number;
}

/** Starts a front server on an ephemeral loopback port. */
export async function startFrontServer(options: FrontServerOptions = {}): Promise<FrontServer> {
  const seen: SeenRequest[] = [];
  const maxRequests = options.maxRequests ?? 10_000;
  let front: FrontServer;
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const authorization = request.headers.authorization;
    seen.push({ method: request.method ?? '', url: request.url ?? '', authorization });
    if (seen.length > maxRequests) {
      response.writeHead(503).end();
      return;
    }
    void (async () => {
      if (options.intercept && (await options.intercept(request, response, front))) return;
      if (!options.upstream) {
        response.writeHead(404).end();
        return;
      }
      proxy(options.upstream, request, response);
    })().catch(() => response.destroy());
  };
  const server: Server = options.tls
    ? createHttpsServer(
        { cert: readFileSync(join(stateDir, 'tls', 'server.pem')), key: readFileSync(join(stateDir, 'tls', 'server-key.pem')) },
        handler,
      )
    : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  front = {
    host,
    url: `${options.tls ? 'https' : 'http'}://${host}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return front;
}

/** Passes one request through to the registry and its answer back, headers untouched. */
function proxy(upstream: string, request: IncomingMessage, response: ServerResponse): void {
  const target = new URL(request.url ?? '/', upstream);
  const forwarded = httpRequest(
    target,
    { method: request.method, headers: { ...request.headers, host: target.host } },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  forwarded.on('error', () => response.destroy());
  request.pipe(forwarded);
}

/** Answers 401 with a Bearer challenge whose realm is on this same server: a host that wants its own credentials. */
export function askForOwnCredentials(response: ServerResponse, server: FrontServer): true {
  response.writeHead(401, { 'www-authenticate': `Bearer realm="${server.url}/token",service="storage"` }).end();
  return true;
}
