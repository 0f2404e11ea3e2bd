/** What `par --help` ends with: the exit codes and the environment variables par reads. */
export const helpEpilogue = `Exit codes (every command):
  0  success
  1  any other error (usage, bad input, network, TLS, malformed archive, registry error)
  2  not found (file, repository, tag, key)
  3  authentication or authorization failure
  4  verification failure (hash, signature, digest, issuer, required target, policy)

Environment:
  WASH_KEYS                          key directory (default ~/.wash/keys)
  WASH_REG_USER, WASH_REG_PASSWORD   registry user and password (as --user, --password)
  WASH_REG_URL                       registry for references without a host (as --registry)
  PAR_SRC_CREDS, PAR_DEST_CREDS      USER:PASSWORD for copy/promote sources, destinations
  PAR_TIMEOUT                        seconds to wait on a stalled registry (as --timeout)
  PAR_CACHE_DIR                      push's digest cache (default ~/.cache/par; off: none)
  DOCKER_CONFIG, REGISTRY_AUTH_FILE  stored logins (Docker config.json, Podman auth.json)
  PAR_DEBUG                          when set, unexpected errors also print their stack

Shell completion: par completion bash >> ~/.bashrc (or zsh >> ~/.zshrc)`;
