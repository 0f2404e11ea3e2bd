import { RegistryError } from '../oci/errors.js';

/**
 * A URL a server handed us (an upload `Location`, a tags `Link`), resolved against the request it
 * answered. Only http(s) URLs are followed; anything else is named as the server's, instead of
 * surfacing later as a bare "Invalid URL".
 */
export function serverUrl(value: string, base: string, what: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw new RegistryError(`${what}: the registry sent ${article(field)} ${field} that is not a URL: ${JSON.stringify(value.slice(0, 200))}`, {
      kind: 'failure',
      operation: what,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegistryError(`${what}: the registry sent ${article(field)} ${field} that is not an http(s) URL (${url.protocol})`, { kind: 'failure', operation: what });
  }
  return url.toString();
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? 'an' : 'a';
}
