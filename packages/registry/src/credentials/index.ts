export { resolveCredential, storeCredential, eraseCredential } from './resolve.js';
export type { Credential, CredentialOptions, StoredCredential } from './resolve.js';
export { dockerConfigPath, podmanAuthPaths } from './config-file.js';
