import { RegistryError } from '../oci/errors.js';
import type { RegistryConnection } from './connection.js';

/**
 * Checks that a registry accepts the client's credentials for it: `GET /v2/`, as `docker login`
 * does before storing anything. Resolves when the registry answers 200.
 */
export async function checkCredentials(client: RegistryConnection, registry: string): Promise<void> {
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
}
