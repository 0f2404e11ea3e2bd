import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Pool as UndiciPool, ProxyAgent as UndiciProxyAgent } from 'undici';

/**
 * undici's Agent, without undici's index. The index wires up fetch, WebSocket, EventSource, mocks
 * and caches: ~100 ms of every command's start-up, against ~38 ms for the agent and the request
 * API this client uses. The two lines below are what the index itself does for them; package.json
 * pins undici exactly (not a range) because these internal paths are not a public API, and every
 * registry test exercises them.
 */
const load = createRequire(import.meta.url);
const Dispatcher = load('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
Object.assign(Dispatcher.prototype, load('undici/lib/api/index.js') as object);

export const Agent = load('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
/** One origin's connections: the agent builds one per host, each with the host's TLS options. */
export const Pool = load('undici/lib/dispatcher/pool.js') as typeof UndiciPool;

/** undici's ProxyAgent, loaded only when a proxy is configured (most commands never need it). */
export async function loadProxyAgent(): Promise<typeof UndiciProxyAgent> {
  return load('undici/lib/dispatcher/proxy-agent.js') as typeof UndiciProxyAgent;
}
