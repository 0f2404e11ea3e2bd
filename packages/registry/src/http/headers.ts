import type { Dispatcher } from 'undici';

/** One response header's value (the first, when the server repeated it). */
export function headerValue(response: Dispatcher.ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
