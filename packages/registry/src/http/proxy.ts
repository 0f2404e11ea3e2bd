import { RegistryError } from '../oci/errors.js';

/** A proxy chosen for a request: its URL, and the variable that named it (for messages). */
export interface ChosenProxy {
  url: URL;
  variable: string;
  /** The proxy as it may be shown: user and password replaced. */
  display: string;
}

type Environment = Record<string, string | undefined>;

/** The first set variable of `names` (curl reads the lower-case form first). */
function variable(env: Environment, names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { name, value: value.trim() };
  }
  return undefined;
}

/** A proxy URL without its credentials. */
export function redactProxy(url: URL): string {
  return `${url.protocol}//${url.username || url.password ? '[redacted]@' : ''}${url.host}`;
}

/**
 * The proxy for a request, as curl chooses it: `https_proxy`/`HTTPS_PROXY` for https URLs,
 * `http_proxy`/`HTTP_PROXY` for http ones, else `all_proxy`/`ALL_PROXY`; none when `no_proxy`/
 * `NO_PROXY` matches the host. A proxy named without a scheme is an HTTP proxy.
 */
export function proxyFor(target: URL, env: Environment = process.env): ChosenProxy | undefined {
  const chosen =
    variable(env, target.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY']) ??
    variable(env, ['all_proxy', 'ALL_PROXY']);
  if (chosen === undefined) return undefined;
  if (bypassesProxy(target, variable(env, ['no_proxy', 'NO_PROXY'])?.value ?? '')) return undefined;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(chosen.value) ? chosen.value : `http://${chosen.value}`);
  } catch {
    // The value may hold a password: name the variable only.
    throw new RegistryError(`${chosen.name} is not a proxy URL (expected http://[user:password@]host:port)`, { kind: 'invalid', operation: 'choose proxy' });
  }
  if (!['http:', 'https:', 'socks:', 'socks5:'].includes(url.protocol)) {
    throw new RegistryError(`${chosen.name} names a ${url.protocol.slice(0, -1)} proxy; par speaks to http, https and socks5 proxies`, { kind: 'invalid', operation: 'choose proxy' });
  }
  return { url, variable: chosen.name, display: redactProxy(url) };
}

/**
 * curl's NO_PROXY: `*` alone bypasses every host; otherwise comma (or space) separated names,
 * each matching the host itself and its subdomains (a leading `.` or `*.` is dropped), IP
 * addresses compared as written or as CIDR ranges (`10.0.0.0/8`), and an optional `:port`
 * restricting the entry to that port.
 */
export function bypassesProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[,\s]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (withPort) {
      entry = withPort[1]!;
      entryPort = withPort[2];
    }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
    if (entry.includes('/') && inCidr(host, entry)) return true;
  }
  return false;
}

function inCidr(host: string, cidr: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const a = ipv4(host);
  const b = ipv4(network ?? '');
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined;
  return parts.reduce((value, part) => ((value << 8) | Number(part)) >>> 0, 0);
}
