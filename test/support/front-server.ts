// A real HTTP(S) server on loopback that stands in front of a real test registry and misbehaves
// where a test says so: the way public registries' quirks and hostile servers are emulated.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import { Transform, type TransformCallback } from 'node:stream';
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
  /** Passes a request the intercept looked at on to the upstream registry (see PassOptions). */
  pass(request: IncomingMessage, response: ServerResponse, options?: PassOptions): void;
  close(): Promise<void>;
}

export interface PassOptions {
  /** The request body, when the intercept has read it already. */
  body?: Buffer;
  /** Changes the registry's answer before it goes back: status, headers (lower-case names). */
  answer?: Rewrite;
}

/** Reads a whole request body (test requests are small, or the test means to hold them). */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads a request body, keeping at most `limit` bytes; returns them and the total length. */
export async function readBodyUpTo(request: IncomingMessage, limit: number): Promise<{ kept: Buffer; length: number }> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    if (length < limit) chunks.push(buffer.subarray(0, limit - length));
    length += buffer.length;
  }
  return { kept: Buffer.concat(chunks), length };
}

/** An OCI error body: `{"errors":[{"code","message"}]}` with the status and content type registries use. */
export function answerError(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): true {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ errors: [{ code, message }] }));
  return true;
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
    pass: (request, response, passOptions = {}) => {
      if (!options.upstream) throw new Error('this front server has no upstream');
      proxy(options.upstream, request, response, passOptions);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return front;
}

/** Changes the status and headers of an answer passed through (a registry quirk, a lying header). */
export type Rewrite = (status: number, headers: IncomingHttpHeaders) => { status: number; headers: IncomingHttpHeaders };

/** Passes one request through to the registry and its answer back, headers untouched unless told otherwise. */
export function proxy(upstream: string, request: IncomingMessage, response: ServerResponse, rewrite?: Rewrite | PassOptions): void {
  const options: PassOptions = typeof rewrite === 'function' ? { answer: rewrite } : (rewrite ?? {});
  const target = new URL(request.url ?? '/', upstream);
  // The client's Host is kept: the registry builds absolute upload Locations from it, and they must
  // lead back through this server, not around it.
  const headers = { ...request.headers, host: request.headers.host ?? target.host };
  if (options.body) {
    delete headers['transfer-encoding'];
    headers['content-length'] = String(options.body.length);
  }
  const forwarded = httpRequest(target, { method: request.method, headers }, (answer) => {
    const given = { status: answer.statusCode ?? 502, headers: answer.headers };
    const changed = options.answer ? options.answer(given.status, { ...given.headers }) : given;
    response.writeHead(changed.status, changed.headers);
    answer.pipe(response);
  });
  forwarded.on('error', () => response.destroy());
  if (options.body) forwarded.end(options.body);
  else request.pipe(forwarded);
}

/**
 * A stage that lets bytes through at about `bytesPerSecond`, in small slices: a transfer slow
 * enough that a test can interrupt it midway (it ends by itself once the bytes are through).
 */
export function throttle(bytesPerSecond: number): Transform {
  const slice = 16 * 1024;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      const push = (offset: number): void => {
        if (offset >= chunk.length) return callback();
        this.push(chunk.subarray(offset, offset + slice));
        setTimeout(() => push(offset + slice), (slice / bytesPerSecond) * 1000);
      };
      push(0);
    },
  });
}

/**
 * Proxies one request to the registry with its body slowed to `bytesPerSecond`: the answer's body
 * (a blob download) or the request's (an upload), as the registry's own flow control would.
 */
export function slowProxy(upstream: string, request: IncomingMessage, response: ServerResponse, direction: 'download' | 'upload', bytesPerSecond: number): true {
  const target = new URL(request.url ?? '/', upstream);
  const forwarded = httpRequest(target, { method: request.method, headers: { ...request.headers, host: target.host } }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    if (direction === 'download') answer.pipe(throttle(bytesPerSecond)).pipe(response);
    else answer.pipe(response);
  });
  forwarded.on('error', () => response.destroy());
  response.on('close', () => forwarded.destroy());
  // A client that gave up mid-upload: the registry sees the upload broken off too.
  request.on('close', () => {
    if (!request.complete) forwarded.destroy();
  });
  if (direction === 'upload') request.pipe(throttle(bytesPerSecond)).pipe(forwarded);
  else request.pipe(forwarded);
  return true;
}

/** Answers 401 with a Bearer challenge whose realm is on this same server: a host that wants its own credentials. */
export function askForOwnCredentials(response: ServerResponse, server: FrontServer): true {
  response.writeHead(401, { 'www-authenticate': `Bearer realm="${server.url}/token",service="storage"` }).end();
  return true;
}

/** Takes a request and never answers it: a stalled server (the test's close ends the connection). */
export function neverAnswer(request: IncomingMessage): true {
  request.resume();
  return true;
}

/**
 * Writes `body` one byte every `intervalMs` (headers at once): never idle long enough to trip an
 * idle timeout, never done either. Stops when the client goes away.
 */
export function drip(response: ServerResponse, headers: Record<string, string>, body: string, intervalMs: number): true {
  response.writeHead(200, { ...headers, 'content-length': String(body.length) });
  let position = 0;
  const timer = setInterval(() => {
    if (response.destroyed || position >= body.length) {
      clearInterval(timer);
      if (!response.destroyed) response.end();
      return;
    }
    response.write(body[position++]);
  }, intervalMs);
  response.on('close', () => clearInterval(timer));
  return true;
}

/**
 * Writes `chunk` over and over until the client hangs up or `maxBytes` went out; resolves `sent`
 * (bytes handed to the socket) so a test can prove the client stopped reading early.
 */
export function endless(response: ServerResponse, status: number, headers: Record<string, string>, prefix: string, chunk: string, maxBytes: number): Promise<number> {
  return new Promise((resolve) => {
    response.writeHead(status, headers);
    let sent = 0;
    const finish = (): void => resolve(sent);
    response.on('close', finish);
    const pump = (): void => {
      if (sent === 0) {
        sent += prefix.length;
        response.write(prefix);
      }
      while (!response.destroyed && sent < maxBytes) {
        sent += chunk.length;
        if (!response.write(chunk)) {
          response.once('drain', pump);
          return;
        }
      }
      if (!response.destroyed) response.end(finish);
    };
    pump();
  });
}

export interface SilentServer {
  readonly host: string;
  /** Connections accepted (never spoken to). */
  readonly connections: number;
  close(): Promise<void>;
}

/** A TCP server that accepts connections and never says a word: a TLS handshake to it stalls. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
