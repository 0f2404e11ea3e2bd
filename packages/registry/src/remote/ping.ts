import { RegistryError } from '../oci/errors.js';
import type { RegistryConnection } from './connection.js';

/**
 * Checks that a registry accepts the client's credentials for it: `GET /v2/`, as `docker login`
 * does before storing anything. `verified` when the registry asked for credentials and accepted
 * them; `not-asked` when it answered 200 without asking for any, so nothing was checked.
 */
export async function checkCredentials(client: RegistryConnection, registry: string): Promise<'verified' | 'not-asked'> {
  const response = await client.send({ registry, method: 'GET', path: '/v2/', scopes: [], operation: 'login', reference: registry });
  await response.body.dump();
  if (response.statusCode === 401 || response.statusCode === 403) {
    throw new RegistryError(`login to ${registry} failed: ${response.statusCode} (wrong user name or password)`, {
      kind: 'unauthorized',
      operation: 'login',
      reference: registry,
      status: response.statusCode,
    });
  }
  if (response.statusCode !== 200) {
    throw new RegistryError(`login to ${registry} failed: the registry answered ${response.statusCode} to GET /v2/`, {
      kind: 'failure',
      operation: 'login',
      reference: registry,
      status: response.statusCode,
    });
  }
  return client.askedForCredentials?.(registry) === false ? 'not-asked' : 'verified';
}
